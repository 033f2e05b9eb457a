/* The in-memory world: account and slot tables, the journal, and the ldg_evm_host
 * callbacks including nested calls and creates. Transactions are in ldg_evm_tx.c. */
#include "ldg_evm_world_int.h"

#include "ldg_keccak.h"
#include "ldg_rlp.h"

#include <stdlib.h>
#include <string.h>

static const ldg_evm_bytes32 empty_code_hash = {{0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c,
                                                 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7, 0x03, 0xc0,
                                                 0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b,
                                                 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70}};

/* ---- tables ---- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static uint64_t addr_hash(const ldg_evm_address *a)
{
    uint64_t h = 0;
    for (int i = 0; i < 20; i++)
        h = h * 131 + a->bytes[i];
    return mix64(h);
}

static uint64_t key_hash(ldg_u256 k)
{
    return mix64(k.w[0] ^ mix64(k.w[1] ^ mix64(k.w[2] ^ mix64(k.w[3]))));
}

world_slot *ldg_world_slot_find(const slot_table *t, ldg_u256 key)
{
    if (!t->cap)
        return NULL;
    size_t mask = t->cap - 1;
    for (size_t i = key_hash(key) & mask;; i = (i + 1) & mask) {
        world_slot *s = &t->slots[i];
        if (!s->used)
            return NULL;
        if (ldg_u256_eq(s->key, key))
            return s;
    }
}

static bool slot_grow(slot_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 16;
    world_slot *n = calloc(cap, sizeof *n);
    if (!n)
        return false;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].used)
            continue;
        size_t j = key_hash(t->slots[i].key) & (cap - 1);
        while (n[j].used)
            j = (j + 1) & (cap - 1);
        n[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = n;
    t->cap = cap;
    return true;
}

world_slot *ldg_world_slot_insert(ldg_evm_world *w, slot_table *t, ldg_u256 key)
{
    world_slot *s = ldg_world_slot_find(t, key);
    if (s)
        return s;
    if ((t->count + 1) * 2 > t->cap && !slot_grow(t)) {
        w->failed = true;
        return NULL;
    }
    size_t mask = t->cap - 1, i = key_hash(key) & mask;
    while (t->slots[i].used)
        i = (i + 1) & mask;
    s = &t->slots[i];
    memset(s, 0, sizeof *s);
    s->used = true;
    s->key = key;
    t->count++;
    return s;
}

void ldg_world_slot_table_clear(slot_table *t)
{
    free(t->slots);
    memset(t, 0, sizeof *t);
}

world_account *ldg_world_find(const ldg_evm_world *w, const ldg_evm_address *addr)
{
    if (!w->index_cap)
        return NULL;
    size_t mask = w->index_cap - 1;
    for (size_t i = addr_hash(addr) & mask;; i = (i + 1) & mask) {
        uint32_t id = w->index[i];
        if (!id)
            return NULL;
        world_account *a = w->accounts[id - 1];
        if (!memcmp(a->addr.bytes, addr->bytes, 20))
            return a;
    }
}

static bool index_grow(ldg_evm_world *w)
{
    size_t cap = w->index_cap ? w->index_cap * 2 : 64;
    uint32_t *n = calloc(cap, sizeof *n);
    if (!n)
        return false;
    for (size_t k = 0; k < w->account_count; k++) {
        size_t j = addr_hash(&w->accounts[k]->addr) & (cap - 1);
        while (n[j])
            j = (j + 1) & (cap - 1);
        n[j] = (uint32_t)k + 1;
    }
    free(w->index);
    w->index = n;
    w->index_cap = cap;
    return true;
}

world_account *ldg_world_entry(ldg_evm_world *w, const ldg_evm_address *addr)
{
    world_account *a = ldg_world_find(w, addr);
    if (a)
        return a;
    if ((w->account_count + 1) * 2 > w->index_cap && !index_grow(w))
        goto oom;
    if (w->account_count == w->account_cap) {
        size_t cap = w->account_cap ? w->account_cap * 2 : 32;
        world_account **n = realloc(w->accounts, cap * sizeof *n);
        if (!n)
            goto oom;
        w->accounts = n;
        w->account_cap = cap;
    }
    a = calloc(1, sizeof *a);
    if (!a)
        goto oom;
    a->addr = *addr;
    a->id = (uint32_t)w->account_count;
    a->code_hash = empty_code_hash;
    w->accounts[w->account_count++] = a;
    size_t mask = w->index_cap - 1, i = addr_hash(addr) & mask;
    while (w->index[i])
        i = (i + 1) & mask;
    w->index[i] = a->id + 1;
    return a;
oom:
    w->failed = true;
    return NULL;
}

bool ldg_world_is_empty(const world_account *a)
{
    return a->nonce == 0 && ldg_u256_is_zero(a->balance) && a->code_size == 0;
}

/* ---- journal ---- */

void ldg_world_journal(ldg_evm_world *w, journal_kind kind, world_account *a, ldg_u256 key,
                       ldg_u256 old, uint64_t old_nonce, bool old_flag)
{
    if (w->journal_len == w->journal_cap) {
        size_t cap = w->journal_cap ? w->journal_cap * 2 : 256;
        journal_entry *n = realloc(w->journal, cap * sizeof *n);
        if (!n) {
            w->failed = true;
            return;
        }
        w->journal = n;
        w->journal_cap = cap;
    }
    w->journal[w->journal_len++] = (journal_entry){.kind = (uint8_t)kind,
                                                   .old_flag = old_flag,
                                                   .account = a->id,
                                                   .old_nonce = old_nonce,
                                                   .key = key,
                                                   .old = old};
}

world_snapshot ldg_world_snapshot_take(const ldg_evm_world *w)
{
    return (world_snapshot){w->journal_len, w->log_count};
}

static void undo(ldg_evm_world *w, const journal_entry *e)
{
    world_account *a = w->accounts[e->account];
    world_slot *s;
    switch ((journal_kind)e->kind) {
    case J_BALANCE:
        a->balance = e->old;
        break;
    case J_NONCE:
        a->nonce = e->old_nonce;
        break;
    case J_STORAGE:
        if ((s = ldg_world_slot_find(&a->storage, e->key)))
            s->value = e->old;
        break;
    case J_TRANSIENT:
        if ((s = ldg_world_slot_find(&a->transient, e->key)))
            s->value = e->old;
        break;
    case J_CODE:
        ldg_world_set_code(w, a, NULL, 0);
        break;
    case J_ALIVE:
        a->alive = e->old_flag;
        break;
    case J_CREATED:
        a->created = e->old_flag;
        break;
    case J_TOUCHED:
        a->touched = e->old_flag;
        break;
    case J_WARM_ACCOUNT:
        a->warm = e->old_flag;
        break;
    case J_WARM_SLOT:
        if ((s = ldg_world_slot_find(&a->storage, e->key)))
            s->warm = e->old_flag;
        break;
    case J_DESTRUCTED:
        a->destructed = e->old_flag;
        break;
    }
}

void ldg_world_revert(ldg_evm_world *w, world_snapshot snap)
{
    while (w->journal_len > snap.journal_len)
        undo(w, &w->journal[--w->journal_len]);
    while (w->log_count > snap.log_count)
        free(w->logs[--w->log_count].data);
}

/* ---- journaled mutations ---- */

void ldg_world_set_balance(ldg_evm_world *w, world_account *a, ldg_u256 v)
{
    ldg_world_journal(w, J_BALANCE, a, ldg_u256_zero(), a->balance, 0, false);
    a->balance = v;
}

void ldg_world_set_nonce(ldg_evm_world *w, world_account *a, uint64_t v)
{
    ldg_world_journal(w, J_NONCE, a, ldg_u256_zero(), ldg_u256_zero(), a->nonce, false);
    a->nonce = v;
}

void ldg_world_touch(ldg_evm_world *w, world_account *a)
{
    if (a->touched)
        return;
    ldg_world_journal(w, J_TOUCHED, a, ldg_u256_zero(), ldg_u256_zero(), 0, false);
    a->touched = true;
}

void ldg_world_warm_account(ldg_evm_world *w, world_account *a)
{
    if (a->warm)
        return;
    ldg_world_journal(w, J_WARM_ACCOUNT, a, ldg_u256_zero(), ldg_u256_zero(), 0, false);
    a->warm = true;
}

void ldg_world_warm_slot(ldg_evm_world *w, world_account *a, ldg_u256 key)
{
    world_slot *s = ldg_world_slot_insert(w, &a->storage, key);
    if (!s || s->warm)
        return;
    ldg_world_journal(w, J_WARM_SLOT, a, key, ldg_u256_zero(), 0, false);
    s->warm = true;
}

world_account *ldg_world_get_or_create(ldg_evm_world *w, const ldg_evm_address *addr)
{
    world_account *a = ldg_world_entry(w, addr);
    if (a && !a->alive) {
        ldg_world_journal(w, J_ALIVE, a, ldg_u256_zero(), ldg_u256_zero(), 0, false);
        a->alive = true;
    }
    return a;
}

bool ldg_world_set_code(ldg_evm_world *w, world_account *a, const uint8_t *code, size_t size)
{
    free(a->code);
    ldg_evm_code_free(a->analysis);
    a->code = NULL;
    a->analysis = NULL;
    a->code_size = 0;
    a->code_hash = empty_code_hash;
    if (size == 0)
        return true;
    a->code = malloc(size);
    if (!a->code) {
        w->failed = true;
        return false;
    }
    memcpy(a->code, code, size);
    a->code_size = size;
    ldg_keccak256(a->code_hash.bytes, code, size);
    return true;
}

void ldg_world_kill(world_account *a)
{
    free(a->code);
    ldg_evm_code_free(a->analysis);
    a->code = NULL;
    a->analysis = NULL;
    a->code_size = 0;
    a->code_hash = empty_code_hash;
    a->nonce = 0;
    a->balance = ldg_u256_zero();
    a->alive = false;
    ldg_world_slot_table_clear(&a->storage);
}

/* ---- lifecycle and pre-state ---- */

ldg_evm_world *ldg_evm_world_new(void)
{
    ldg_evm_world *w = calloc(1, sizeof *w);
    if (w)
        w->tx.chain_id = ldg_u256_from_u64(1);
    return w;
}

void ldg_evm_world_free(ldg_evm_world *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->account_count; i++) {
        ldg_world_kill(w->accounts[i]);
        ldg_world_slot_table_clear(&w->accounts[i]->transient);
        free(w->accounts[i]);
    }
    for (size_t i = 0; i < w->log_count; i++)
        free(w->logs[i].data);
    free(w->accounts);
    free(w->index);
    free(w->journal);
    free(w->logs);
    free(w);
}

bool ldg_evm_world_set_account(ldg_evm_world *w, const ldg_evm_address *addr, uint64_t nonce,
                               ldg_u256 balance, const uint8_t *code, size_t code_size)
{
    world_account *a = ldg_world_entry(w, addr);
    if (!a)
        return false;
    ldg_world_kill(a);
    a->alive = true;
    a->nonce = nonce;
    a->balance = balance;
    return ldg_world_set_code(w, a, code, code_size);
}

bool ldg_evm_world_set_storage(ldg_evm_world *w, const ldg_evm_address *addr, ldg_u256 key,
                               ldg_u256 value)
{
    world_account *a = ldg_world_find(w, addr);
    LDG_ASSERT(a && a->alive);
    world_slot *s = ldg_world_slot_insert(w, &a->storage, key);
    if (!s)
        return false;
    s->value = s->original = value;
    return true;
}

bool ldg_evm_world_account_alive(const ldg_evm_world *w, const ldg_evm_address *addr)
{
    world_account *a = ldg_world_find(w, addr);
    return a && a->alive;
}

ldg_u256 ldg_evm_world_balance(const ldg_evm_world *w, const ldg_evm_address *addr)
{
    world_account *a = ldg_world_find(w, addr);
    return a && a->alive ? a->balance : ldg_u256_zero();
}

uint64_t ldg_evm_world_nonce(const ldg_evm_world *w, const ldg_evm_address *addr)
{
    world_account *a = ldg_world_find(w, addr);
    return a && a->alive ? a->nonce : 0;
}

ldg_u256 ldg_evm_world_storage(const ldg_evm_world *w, const ldg_evm_address *addr, ldg_u256 key)
{
    world_account *a = ldg_world_find(w, addr);
    world_slot *s = a && a->alive ? ldg_world_slot_find(&a->storage, key) : NULL;
    return s ? s->value : ldg_u256_zero();
}

void ldg_evm_world_set_block_hash_fn(ldg_evm_world *w, ldg_evm_block_hash_fn fn, void *user)
{
    w->block_hash = fn;
    w->block_hash_user = user;
}

void ldg_evm_world_set_tx_context(ldg_evm_world *w, const ldg_evm_tx_context *tx)
{
    w->tx = *tx;
}

/* ---- host callbacks ---- */

static bool host_account_exists(void *ctx, const ldg_evm_address *addr)
{
    world_account *a = ldg_world_find(ctx, addr);
    return a && a->alive && !ldg_world_is_empty(a);
}

static ldg_u256 host_get_storage(void *ctx, const ldg_evm_address *addr, const ldg_u256 *key)
{
    return ldg_evm_world_storage(ctx, addr, *key);
}

static ldg_evm_storage_status storage_status(ldg_u256 orig, ldg_u256 cur, ldg_u256 val)
{
    if (ldg_u256_eq(cur, val))
        return LDG_EVM_STORAGE_ASSIGNED;
    bool o0 = ldg_u256_is_zero(orig), c0 = ldg_u256_is_zero(cur), v0 = ldg_u256_is_zero(val);
    if (ldg_u256_eq(orig, cur))
        return c0 ? LDG_EVM_STORAGE_ADDED : v0 ? LDG_EVM_STORAGE_DELETED : LDG_EVM_STORAGE_MODIFIED;
    /* dirty slot */
    if (!o0) {
        if (c0)
            return ldg_u256_eq(orig, val) ? LDG_EVM_STORAGE_DELETED_RESTORED
                                          : LDG_EVM_STORAGE_DELETED_ADDED;
        if (v0)
            return LDG_EVM_STORAGE_MODIFIED_DELETED;
        if (ldg_u256_eq(orig, val))
            return LDG_EVM_STORAGE_MODIFIED_RESTORED;
        return LDG_EVM_STORAGE_ASSIGNED;
    }
    return v0 ? LDG_EVM_STORAGE_ADDED_DELETED : LDG_EVM_STORAGE_ASSIGNED;
}

static ldg_evm_storage_status host_set_storage(void *ctx, const ldg_evm_address *addr,
                                               const ldg_u256 *key, const ldg_u256 *value)
{
    ldg_evm_world *w = ctx;
    world_account *a = ldg_world_get_or_create(w, addr);
    world_slot *s = a ? ldg_world_slot_insert(w, &a->storage, *key) : NULL;
    if (!s)
        return LDG_EVM_STORAGE_ASSIGNED;
    ldg_evm_storage_status st = storage_status(s->original, s->value, *value);
    if (!ldg_u256_eq(s->value, *value)) {
        ldg_world_journal(w, J_STORAGE, a, *key, s->value, 0, false);
        s->value = *value;
    }
    return st;
}

static ldg_u256 host_get_balance(void *ctx, const ldg_evm_address *addr)
{
    return ldg_evm_world_balance(ctx, addr);
}

static size_t host_get_code_size(void *ctx, const ldg_evm_address *addr)
{
    world_account *a = ldg_world_find(ctx, addr);
    return a && a->alive ? a->code_size : 0;
}

static ldg_evm_bytes32 host_get_code_hash(void *ctx, const ldg_evm_address *addr)
{
    world_account *a = ldg_world_find(ctx, addr);
    if (!a || !a->alive || ldg_world_is_empty(a))
        return (ldg_evm_bytes32){{0}};
    return a->code_hash;
}

static size_t host_copy_code(void *ctx, const ldg_evm_address *addr, size_t offset, uint8_t *out,
                             size_t out_size)
{
    world_account *a = ldg_world_find(ctx, addr);
    if (!a || !a->alive || offset >= a->code_size)
        return 0;
    size_t n = a->code_size - offset < out_size ? a->code_size - offset : out_size;
    memcpy(out, a->code + offset, n);
    return n;
}

/* EIP-6780: the balance always moves; the account is deleted only if it was created in
 * this transaction, and then its balance is 0 right after the SELFDESTRUCT. */
static bool host_selfdestruct(void *ctx, const ldg_evm_address *addr,
                              const ldg_evm_address *beneficiary)
{
    ldg_evm_world *w = ctx;
    world_account *self = ldg_world_find(w, addr);
    world_account *ben = ldg_world_get_or_create(w, beneficiary);
    if (!self || !ben)
        return false;
    ldg_u256 amount = self->balance;
    ldg_world_set_balance(w, self, ldg_u256_zero());
    ldg_world_touch(w, self);
    ldg_world_set_balance(w, ben, ldg_u256_add(ben->balance, amount));
    ldg_world_touch(w, ben);
    if (!self->created)
        return false;
    /* Created in this transaction: the balance is 0 from here on, even if it was its own
     * beneficiary (the Ether is burned now, not when the account is removed). */
    ldg_world_set_balance(w, self, ldg_u256_zero());
    if (self->destructed)
        return false;
    ldg_world_journal(w, J_DESTRUCTED, self, ldg_u256_zero(), ldg_u256_zero(), 0, false);
    self->destructed = true;
    return true;
}

static ldg_evm_tx_context host_get_tx_context(void *ctx)
{
    return ((ldg_evm_world *)ctx)->tx;
}

static ldg_evm_bytes32 host_get_block_hash(void *ctx, int64_t number)
{
    ldg_evm_world *w = ctx;
    if (!w->block_hash)
        return (ldg_evm_bytes32){{0}};
    return w->block_hash(w->block_hash_user, number);
}

static void host_emit_log(void *ctx, const ldg_evm_address *addr, const uint8_t *data,
                          size_t data_size, const ldg_evm_bytes32 topics[], size_t topics_count)
{
    ldg_evm_world *w = ctx;
    LDG_ASSERT(topics_count <= LDG_EVM_LOG_TOPICS_MAX);
    if (w->log_count == w->log_cap) {
        size_t cap = w->log_cap ? w->log_cap * 2 : 16;
        world_log *n = realloc(w->logs, cap * sizeof *n);
        if (!n) {
            w->failed = true;
            return;
        }
        w->logs = n;
        w->log_cap = cap;
    }
    world_log *l = &w->logs[w->log_count];
    memset(l, 0, sizeof *l);
    l->addr = *addr;
    l->topics_count = topics_count;
    memcpy(l->topics, topics, topics_count * sizeof topics[0]);
    if (data_size) {
        l->data = malloc(data_size);
        if (!l->data) {
            w->failed = true;
            return;
        }
        memcpy(l->data, data, data_size);
        l->data_size = data_size;
    }
    w->log_count++;
}

static ldg_evm_access_status host_access_account(void *ctx, const ldg_evm_address *addr)
{
    ldg_evm_world *w = ctx;
    world_account *a = ldg_world_entry(w, addr);
    if (!a || a->warm)
        return LDG_EVM_ACCESS_WARM;
    ldg_world_warm_account(w, a);
    return LDG_EVM_ACCESS_COLD;
}

static ldg_evm_access_status host_access_storage(void *ctx, const ldg_evm_address *addr,
                                                 const ldg_u256 *key)
{
    ldg_evm_world *w = ctx;
    world_account *a = ldg_world_entry(w, addr);
    world_slot *s = a ? ldg_world_slot_find(&a->storage, *key) : NULL;
    if (s && s->warm)
        return LDG_EVM_ACCESS_WARM;
    if (a)
        ldg_world_warm_slot(w, a, *key);
    return LDG_EVM_ACCESS_COLD;
}

static ldg_u256 host_get_transient(void *ctx, const ldg_evm_address *addr, const ldg_u256 *key)
{
    world_account *a = ldg_world_find(ctx, addr);
    world_slot *s = a ? ldg_world_slot_find(&a->transient, *key) : NULL;
    return s ? s->value : ldg_u256_zero();
}

static void host_set_transient(void *ctx, const ldg_evm_address *addr, const ldg_u256 *key,
                               const ldg_u256 *value)
{
    ldg_evm_world *w = ctx;
    world_account *a = ldg_world_entry(w, addr);
    world_slot *s = a ? ldg_world_slot_insert(w, &a->transient, *key) : NULL;
    if (!s)
        return;
    ldg_world_journal(w, J_TRANSIENT, a, *key, s->value, 0, false);
    s->value = *value;
}

/* ---- nested calls ---- */

static ldg_evm_result fail_result(ldg_evm_status st, int64_t gas_left)
{
    return (ldg_evm_result){.status = st, .gas_left = gas_left};
}

static void transfer(ldg_evm_world *w, world_account *from, world_account *to, ldg_u256 value)
{
    ldg_world_set_balance(w, from, ldg_u256_sub(from->balance, value));
    ldg_world_touch(w, from);
    ldg_world_set_balance(w, to, ldg_u256_add(to->balance, value));
    ldg_world_touch(w, to);
}

static ldg_evm_result run_code(ldg_evm_world *w, world_account *code_acc,
                               const ldg_evm_message *msg)
{
    if (!code_acc || code_acc->code_size == 0)
        return (ldg_evm_result){.status = LDG_EVM_SUCCESS, .gas_left = msg->gas};
    if (!code_acc->analysis) {
        code_acc->analysis = ldg_evm_code_analyze(code_acc->code, code_acc->code_size);
        if (!code_acc->analysis) {
            w->failed = true;
            return fail_result(LDG_EVM_OUT_OF_MEMORY, 0);
        }
    }
    /* The analysis may be freed if the code changes during the call (only at creation,
     * which cannot happen to running code), so borrowing it is safe. */
    return ldg_evm_execute(ldg_evm_world_host(), w, msg, code_acc->analysis);
}

static ldg_evm_result world_message_call(ldg_evm_world *w, const ldg_evm_message *msg)
{
    world_snapshot snap = ldg_world_snapshot_take(w);
    bool precompile = ldg_world_is_precompile(&msg->code_address);
    if (msg->kind == LDG_EVM_CALL) {
        world_account *to = ldg_world_find(w, &msg->recipient);
        bool value = !ldg_u256_is_zero(msg->value);
        /* A plain call to nothing creates nothing (an empty account would be removed
         * at the end of the transaction anyway). */
        if ((!to || !to->alive) && !precompile && !value)
            return (ldg_evm_result){.status = LDG_EVM_SUCCESS, .gas_left = msg->gas};
        world_account *from = ldg_world_find(w, &msg->sender);
        to = ldg_world_get_or_create(w, &msg->recipient);
        if (!from || !to)
            return fail_result(LDG_EVM_OUT_OF_MEMORY, 0);
        transfer(w, from, to, msg->value);
    }
    ldg_evm_result r;
    if (!ldg_world_precompile(w, msg, &r))
        r = run_code(w, ldg_world_find(w, &msg->code_address), msg);
    if (r.status != LDG_EVM_SUCCESS)
        ldg_world_revert(w, snap);
    return r;
}

/* Deposits the returned code of a successful init. */
static void deposit_code(ldg_evm_world *w, world_account *acc, ldg_evm_result *r)
{
    if (!world_deposit_charge(r))
        return;
    ldg_world_journal(w, J_CODE, acc, ldg_u256_zero(), ldg_u256_zero(), 0, false);
    ldg_world_set_code(w, acc, r->output_data, r->output_size);
}

static ldg_evm_result world_create(ldg_evm_world *w, const ldg_evm_message *msg)
{
    world_account *sender = ldg_world_find(w, &msg->sender);
    LDG_ASSERT(sender && sender->alive);
    if (sender->nonce == UINT64_MAX)
        return fail_result(LDG_EVM_FAILURE, msg->gas);
    ldg_evm_address addr = msg->kind == LDG_EVM_CREATE
                               ? world_create_address(&msg->sender, sender->nonce)
                               : world_create2_address(msg);
    ldg_world_set_nonce(w, sender, sender->nonce + 1);
    world_account *acc = ldg_world_entry(w, &addr);
    if (!acc)
        return fail_result(LDG_EVM_OUT_OF_MEMORY, 0);
    ldg_world_warm_account(w, acc);
    bool has_storage = false;
    for (size_t i = 0; acc->alive && i < acc->storage.cap && !has_storage; i++)
        has_storage = acc->storage.slots[i].used && !ldg_u256_is_zero(acc->storage.slots[i].value);
    if (acc->alive && (acc->nonce != 0 || acc->code_size != 0 || has_storage))
        return fail_result(LDG_EVM_FAILURE, 0); /* address collision eats the gas */
    world_snapshot snap = ldg_world_snapshot_take(w);
    ldg_world_get_or_create(w, &addr);
    ldg_world_journal(w, J_CREATED, acc, ldg_u256_zero(), ldg_u256_zero(), 0, acc->created);
    acc->created = true;
    ldg_world_set_nonce(w, acc, 1);
    transfer(w, sender, acc, msg->value);

    ldg_evm_message m = world_init_message(msg, addr);
    ldg_evm_result r = {.status = LDG_EVM_SUCCESS, .gas_left = msg->gas};
    if (msg->input_size) {
        ldg_evm_code *init = ldg_evm_code_analyze(msg->input_data, msg->input_size);
        if (!init) {
            w->failed = true;
            return fail_result(LDG_EVM_OUT_OF_MEMORY, 0);
        }
        r = ldg_evm_execute(ldg_evm_world_host(), w, &m, init);
        ldg_evm_code_free(init);
    }
    if (r.status == LDG_EVM_SUCCESS)
        deposit_code(w, acc, &r);
    if (r.status != LDG_EVM_SUCCESS)
        ldg_world_revert(w, snap);
    if (r.status != LDG_EVM_REVERT)
        ldg_evm_result_release(&r); /* only REVERT data becomes return data */
    if (r.status == LDG_EVM_SUCCESS)
        r.create_address = addr;
    return r;
}

static ldg_evm_result host_call(void *ctx, const ldg_evm_message *msg)
{
    ldg_evm_world *w = ctx;
    if (msg->kind == LDG_EVM_CREATE || msg->kind == LDG_EVM_CREATE2)
        return world_create(w, msg);
    return world_message_call(w, msg);
}

static const ldg_evm_host world_host = {
    .account_exists = host_account_exists,
    .get_storage = host_get_storage,
    .set_storage = host_set_storage,
    .get_balance = host_get_balance,
    .get_code_size = host_get_code_size,
    .get_code_hash = host_get_code_hash,
    .copy_code = host_copy_code,
    .selfdestruct = host_selfdestruct,
    .call = host_call,
    .get_tx_context = host_get_tx_context,
    .get_block_hash = host_get_block_hash,
    .emit_log = host_emit_log,
    .access_account = host_access_account,
    .access_storage = host_access_storage,
    .get_transient_storage = host_get_transient,
    .set_transient_storage = host_set_transient,
};

const ldg_evm_host *ldg_evm_world_host(void)
{
    return &world_host;
}
