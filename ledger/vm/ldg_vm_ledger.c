/* The EVM host over the state overlay, and the contract transactions. See
 * ldg_vm_ledger.h for the state layout and specs/vm_ledger.md for the rules. */
#include "ldg_vm_ledger.h"
#include "ldg_codec.h"
#include "ldg_evm_world_int.h"
#include "ldg_keccak.h"
#include "ldg_rlp.h"
#include "ldg_vm_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* memcpy that allows (NULL, 0): zero-length data may come without a buffer. */
static void copy_bytes(void *dst, const void *src, size_t n)
{
    if (n)
        memcpy(dst, src, n);
}

static const uint8_t no_bytes[1];

enum { VJ_KV, VJ_WARM, VJ_TRANSIENT, VJ_CREATED, VJ_DESTRUCTED };
enum { E_ACCOUNT = 0, E_SLOT = 1 };

static const uint8_t empty_code_hash[32] = {
    0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7, 0x03, 0xc0,
    0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70};

/* ---- results ---- */

static const ldg_result_info vm_results[] = {
    {LDG_VM_R_REVERTED, "VM_REVERTED", "the contract reverted"},
    {LDG_VM_R_OUT_OF_GAS, "VM_OUT_OF_GAS", "execution ran out of gas"},
    {LDG_VM_R_EXCEPTION, "VM_EXCEPTION",
     "execution halted: invalid or undefined opcode, stack underflow or overflow, bad jump, "
     "static-mode violation or a failed precompile"},
    {LDG_VM_R_GAS_LIMIT, "VM_GAS_LIMIT", "the gas limit is above the per-transaction maximum"},
    {LDG_VM_R_INTRINSIC_GAS, "VM_INTRINSIC_GAS",
     "the gas limit does not cover the intrinsic cost of the transaction"},
    {LDG_VM_R_CODE_TOO_LARGE, "VM_CODE_TOO_LARGE",
     "init code over 49152 bytes or deployed code over 24576 bytes"},
    {LDG_VM_R_EMPTY_CODE, "VM_EMPTY_CODE", "a deployment needs init code"},
    {LDG_VM_R_NO_CONTRACT, "VM_NO_CONTRACT", "no contract at this address"},
    {LDG_VM_R_COLLISION, "VM_COLLISION", "the contract address is already in use"},
    {LDG_VM_R_COMPLIANCE, "VM_COMPLIANCE_REFUSED",
     "the instrument's compliance contract refused the transfer"},
    {LDG_VM_R_NATIVE_UNDONE, "VM_NATIVE_UNDONE",
     "a call frame that moved a native instrument was reverted; the transaction is void"},
    {LDG_VM_R_LIMIT, "VM_LIMIT", "too many logs or too large a result"},
    {LDG_VM_R_NOT_ISSUER, "VM_NOT_ISSUER", "only the instrument's issuer may attach a contract"},
    {LDG_VM_R_UNKNOWN_ASSET, "VM_UNKNOWN_ASSET", "no instrument with this id"},
};

/* ---- keys ---- */

static size_t key_account(uint8_t k[22], const ldg_evm_address *a)
{
    k[0] = LDG_VM_KEY_NS;
    k[1] = 'a';
    memcpy(k + 2, a->bytes, 20);
    return 22;
}

static size_t key_slot(uint8_t k[54], const ldg_evm_address *a, const ldg_u256 *slot)
{
    k[0] = LDG_VM_KEY_NS;
    k[1] = 's';
    memcpy(k + 2, a->bytes, 20);
    ldg_u256_to_be(k + 22, *slot);
    return 54;
}

static size_t key_code(uint8_t k[34], const uint8_t hash[32])
{
    k[0] = LDG_VM_KEY_NS;
    k[1] = 'c';
    memcpy(k + 2, hash, 32);
    return 34;
}

/* ---- session: entries, journal ---- */

/* Word-wise multiply-rotate over the 53-byte key, then a final mix: a byte-wise hash was a
 * sixth of the time of storage-heavy contracts (every SLOAD/SSTORE looks entries up). */
static uint64_t entry_hash(const uint8_t *k)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL, w;
    for (size_t i = 0; i + 8 <= VM_ENTRY_KEY_LEN; i += 8) {
        memcpy(&w, k + i, 8);
        h = ((h ^ w) * 0xff51afd7ed558ccdULL);
        h ^= h >> 29;
    }
    w = 0;
    memcpy(&w, k + VM_ENTRY_KEY_LEN / 8 * 8, VM_ENTRY_KEY_LEN % 8);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 32);
}

static void index_put(vm_session *s, uint32_t id)
{
    size_t mask = s->index_cap - 1;
    for (size_t i = entry_hash(s->entries[id].key) & mask;; i = (i + 1) & mask) {
        if (!s->index[i]) {
            s->index[i] = id + 1;
            return;
        }
    }
}

/* The entry for (kind, addr, slot), created if absent. Aborts only if memory runs out. */
static vm_entry *entry_get(vm_session *s, int kind, const ldg_evm_address *a, const ldg_u256 *slot)
{
    uint8_t k[VM_ENTRY_KEY_LEN] = {(uint8_t)kind};
    memcpy(k + 1, a->bytes, 20);
    if (slot)
        ldg_u256_to_be(k + 21, *slot);
    if (s->index_cap) {
        size_t mask = s->index_cap - 1;
        for (size_t i = entry_hash(k) & mask; s->index[i]; i = (i + 1) & mask) {
            vm_entry *e = &s->entries[s->index[i] - 1];
            if (!memcmp(e->key, k, sizeof k))
                return e;
        }
    }
    if (s->entry_count == s->entry_cap) {
        s->entry_cap = s->entry_cap ? 2 * s->entry_cap : 64;
        s->entries = realloc(s->entries, s->entry_cap * sizeof *s->entries);
        LDG_ASSERT(s->entries);
    }
    if (2 * (s->entry_count + 1) > s->index_cap) {
        free(s->index);
        s->index_cap = s->index_cap ? 2 * s->index_cap : 128;
        s->index = calloc(s->index_cap, sizeof *s->index);
        LDG_ASSERT(s->index);
        for (uint32_t i = 0; i < s->entry_count; i++)
            index_put(s, i);
    }
    uint32_t id = (uint32_t)s->entry_count++;
    vm_entry *e = &s->entries[id];
    memset(e, 0, sizeof *e);
    memcpy(e->key, k, sizeof k);
    index_put(s, id);
    return e;
}

static vm_journal *journal_push(vm_session *s, int kind)
{
    if (s->journal_len == s->journal_cap) {
        s->journal_cap = s->journal_cap ? 2 * s->journal_cap : 64;
        s->journal = realloc(s->journal, s->journal_cap * sizeof *s->journal);
        LDG_ASSERT(s->journal);
    }
    vm_journal *j = &s->journal[s->journal_len++];
    memset(j, 0, sizeof *j);
    j->kind = (uint8_t)kind;
    return j;
}

static uint32_t entry_id(const vm_session *s, const vm_entry *e)
{
    return (uint32_t)(e - s->entries);
}

/* Journaled write into the overlay (val NULL deletes). */
static void kv_write(vm_session *s, const uint8_t *key, size_t klen, const uint8_t *val,
                     size_t vlen)
{
    const uint8_t *old;
    size_t ol;
    bool found;
    if (ldg_state_get(s->st, key, klen, &old, &ol, &found) != LDG_OK) {
        s->store_failed = true;
        return;
    }
    vm_journal *j = journal_push(s, VJ_KV);
    j->key = malloc(klen);
    LDG_ASSERT(j->key);
    memcpy(j->key, key, klen);
    j->klen = klen;
    j->had = found;
    if (found) {
        j->val = malloc(ol ? ol : 1);
        LDG_ASSERT(j->val);
        copy_bytes(j->val, old, ol);
        j->vlen = ol;
    }
    if (val)
        ldg_state_put(s->st, key, klen, val, vlen);
    else if (found)
        ldg_state_del(s->st, key, klen);
}

typedef struct vm_snapshot {
    size_t journal_len;
    size_t log_count;
    uint64_t native_moves;
} vm_snapshot;

static vm_snapshot snapshot_take(const vm_session *s)
{
    return (vm_snapshot){s->journal_len, s->log_count, s->native_moves};
}

static void journal_entry_free(vm_journal *j)
{
    free(j->key);
    free(j->val);
}

static void revert_to(vm_session *s, vm_snapshot snap)
{
    while (s->journal_len > snap.journal_len) {
        vm_journal *j = &s->journal[--s->journal_len];
        vm_entry *e = &s->entries[j->entry];
        switch (j->kind) {
        case VJ_KV:
            if (j->had)
                ldg_state_put(s->st, j->key, j->klen, j->val, j->vlen);
            else
                ldg_state_del(s->st, j->key, j->klen);
            break;
        case VJ_WARM:
            e->warm = j->old_flag;
            break;
        case VJ_TRANSIENT:
            e->transient = j->old;
            break;
        case VJ_CREATED:
            e->created = j->old_flag;
            break;
        case VJ_DESTRUCTED:
            e->destructed = j->old_flag;
            break;
        }
        journal_entry_free(j);
    }
    while (s->log_count > snap.log_count)
        free(s->logs[--s->log_count].data);
    /* A native movement went through ast_move, which the journal cannot see. */
    if (s->native_moves > snap.native_moves)
        s->poisoned = true;
}

void ldg_vm_session_init(vm_session *s, ldg_txctx *c, const ldg_account *origin)
{
    memset(s, 0, sizeof *s);
    s->c = c;
    s->st = c->st;
    memcpy(s->txc.origin.bytes, origin->b, 20);
    s->txc.block_number = (int64_t)c->env->height;
    s->txc.block_timestamp = (int64_t)(c->env->time_ms / 1000);
    s->txc.block_gas_limit = LDG_VM_TX_GAS_MAX;
    s->txc.chain_id = ldg_u256_from_u64(LDG_VM_CHAIN_ID);
    s->natives = true;
}

void ldg_vm_session_free(vm_session *s)
{
    for (size_t i = 0; i < s->journal_len; i++)
        journal_entry_free(&s->journal[i]);
    free(s->journal);
    for (size_t i = 0; i < s->log_count; i++)
        free(s->logs[i].data);
    free(s->logs);
    free(s->entries);
    free(s->index);
    for (size_t i = 0; i < s->cache_count; i++)
        ldg_evm_code_free(s->cache[i].code);
    memset(s, 0, sizeof *s);
}

/* ---- accounts ---- */

static ldg_err account_decode(const uint8_t *v, size_t vl, vm_account *a)
{
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *it;
    uint8_t bal[32];
    const uint8_t *h;
    size_t hl;
    bool ok = ldg_obj_array(d.root, 3, &it) && ldg_obj_u64(&it[0], &a->nonce) &&
              ldg_obj_bin(&it[1], bal, 32) && ldg_obj_bin_ref(&it[2], 32, &h, &hl) &&
              (hl == 0 || hl == 32);
    if (ok) {
        a->balance = ldg_u256_from_be(bal);
        a->has_code = hl == 32;
        if (hl)
            memcpy(a->code_hash, h, 32);
        a->found = true;
    }
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

static ldg_err account_read(ldg_state *st, const ldg_evm_address *addr, vm_account *a)
{
    memset(a, 0, sizeof *a);
    uint8_t k[22];
    const uint8_t *v;
    size_t vl;
    bool found;
    ldg_err err = ldg_state_get(st, k, key_account(k, addr), &v, &vl, &found);
    if (err != LDG_OK || !found)
        return err;
    return account_decode(v, vl, a);
}

void ldg_vm_account_load(vm_session *s, const ldg_evm_address *addr, vm_account *a)
{
    if (account_read(s->st, addr, a) != LDG_OK) {
        s->store_failed = true;
        memset(a, 0, sizeof *a);
    }
}

bool ldg_vm_account_empty(const vm_account *a)
{
    return a->nonce == 0 && ldg_u256_is_zero(a->balance) && !a->has_code;
}

/* Writes the account (EIP-161: an empty account is not stored). */
void ldg_vm_account_store(vm_session *s, const ldg_evm_address *addr, const vm_account *a)
{
    uint8_t k[22];
    size_t kl = key_account(k, addr);
    if (ldg_vm_account_empty(a)) {
        kv_write(s, k, kl, NULL, 0);
        return;
    }
    uint8_t bal[32];
    ldg_u256_to_be(bal, a->balance);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_u64(&e, a->nonce);
    ldg_enc_bin(&e, bal, 32);
    ldg_enc_bin(&e, a->code_hash, a->has_code ? 32 : 0);
    kv_write(s, k, kl, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

/* Code of an account: borrowed from the overlay (valid until its reset). */
static const uint8_t *code_load(vm_session *s, const vm_account *a, size_t *len)
{
    *len = 0;
    if (!a->has_code)
        return NULL;
    uint8_t k[34];
    const uint8_t *v;
    bool found;
    if (ldg_state_get(s->st, k, key_code(k, a->code_hash), &v, len, &found) != LDG_OK || !found) {
        s->store_failed = true;
        *len = 0;
        return NULL;
    }
    return v;
}

static bool is_eth_precompile(const ldg_evm_address *a)
{
    for (int i = 0; i < 19; i++)
        if (a->bytes[i])
            return false;
    return a->bytes[19] >= 1 && a->bytes[19] <= 0x0a;
}

/* ---- host callbacks ---- */

static bool h_account_exists(void *ctx, const ldg_evm_address *addr)
{
    vm_account a;
    ldg_vm_account_load(ctx, addr, &a);
    return a.found && !ldg_vm_account_empty(&a);
}

ldg_u256 ldg_vm_storage_read(vm_session *s, const ldg_evm_address *addr, const ldg_u256 *key)
{
    uint8_t k[54];
    const uint8_t *v;
    size_t vl;
    bool found;
    if (ldg_state_get(s->st, k, key_slot(k, addr, key), &v, &vl, &found) != LDG_OK ||
        (found && vl != 32)) {
        s->store_failed = true;
        return ldg_u256_zero();
    }
    return found ? ldg_u256_from_be(v) : ldg_u256_zero();
}

static ldg_u256 h_get_storage(void *ctx, const ldg_evm_address *addr, const ldg_u256 *key)
{
    vm_session *s = ctx;
    ldg_u256 v = ldg_vm_storage_read(s, addr, key);
    vm_entry *e = entry_get(s, E_SLOT, addr, key);
    if (!e->has_original) {
        e->has_original = true;
        e->original = v;
    }
    return v;
}

static ldg_evm_storage_status storage_status(ldg_u256 o, ldg_u256 c, ldg_u256 n)
{
    bool oz = ldg_u256_is_zero(o), cz = ldg_u256_is_zero(c), nz = ldg_u256_is_zero(n);
    if (ldg_u256_eq(c, n))
        return LDG_EVM_STORAGE_ASSIGNED;
    if (ldg_u256_eq(o, c)) {
        if (oz)
            return LDG_EVM_STORAGE_ADDED;
        return nz ? LDG_EVM_STORAGE_DELETED : LDG_EVM_STORAGE_MODIFIED;
    }
    /* dirty slot */
    if (!oz) {
        if (cz)
            return ldg_u256_eq(o, n) ? LDG_EVM_STORAGE_DELETED_RESTORED
                                     : LDG_EVM_STORAGE_DELETED_ADDED;
        if (nz)
            return LDG_EVM_STORAGE_MODIFIED_DELETED;
        if (ldg_u256_eq(o, n))
            return LDG_EVM_STORAGE_MODIFIED_RESTORED;
        return LDG_EVM_STORAGE_ASSIGNED;
    }
    if (nz)
        return LDG_EVM_STORAGE_ADDED_DELETED;
    return LDG_EVM_STORAGE_ASSIGNED;
}

static ldg_evm_storage_status h_set_storage(void *ctx, const ldg_evm_address *addr,
                                            const ldg_u256 *key, const ldg_u256 *value)
{
    vm_session *s = ctx;
    ldg_u256 cur = h_get_storage(ctx, addr, key);
    vm_entry *e = entry_get(s, E_SLOT, addr, key);
    ldg_evm_storage_status st = storage_status(e->original, cur, *value);
    if (!ldg_u256_eq(cur, *value)) {
        uint8_t k[54], v[32];
        size_t kl = key_slot(k, addr, key);
        ldg_u256_to_be(v, *value);
        kv_write(s, k, kl, ldg_u256_is_zero(*value) ? NULL : v, 32);
    }
    return st;
}

static ldg_u256 h_get_balance(void *ctx, const ldg_evm_address *addr)
{
    vm_account a;
    ldg_vm_account_load(ctx, addr, &a);
    return a.balance;
}

static size_t h_get_code_size(void *ctx, const ldg_evm_address *addr)
{
    vm_account a;
    size_t len;
    ldg_vm_account_load(ctx, addr, &a);
    code_load(ctx, &a, &len);
    return len;
}

static ldg_evm_bytes32 h_get_code_hash(void *ctx, const ldg_evm_address *addr)
{
    vm_account a;
    ldg_evm_bytes32 h = {{0}};
    ldg_vm_account_load(ctx, addr, &a);
    if (a.found && !ldg_vm_account_empty(&a))
        memcpy(h.bytes, a.has_code ? a.code_hash : empty_code_hash, 32);
    return h;
}

static size_t h_copy_code(void *ctx, const ldg_evm_address *addr, size_t offset, uint8_t *out,
                          size_t out_size)
{
    vm_account a;
    size_t len;
    ldg_vm_account_load(ctx, addr, &a);
    const uint8_t *code = code_load(ctx, &a, &len);
    if (offset >= len)
        return 0;
    size_t n = len - offset < out_size ? len - offset : out_size;
    memcpy(out, code + offset, n);
    return n;
}

static void value_move(vm_session *s, const ldg_evm_address *from, const ldg_evm_address *to,
                       ldg_u256 value)
{
    if (ldg_u256_is_zero(value) || !memcmp(from, to, sizeof *from))
        return;
    vm_account a, b;
    ldg_vm_account_load(s, from, &a);
    a.balance = ldg_u256_sub(a.balance, value);
    ldg_vm_account_store(s, from, &a);
    ldg_vm_account_load(s, to, &b);
    b.balance = ldg_u256_add(b.balance, value);
    ldg_vm_account_store(s, to, &b);
}

static bool h_selfdestruct(void *ctx, const ldg_evm_address *addr,
                           const ldg_evm_address *beneficiary)
{
    vm_session *s = ctx;
    value_move(s, addr, beneficiary, h_get_balance(ctx, addr));
    vm_entry *e = entry_get(s, E_ACCOUNT, addr, NULL);
    if (e->created) { /* EIP-6780: burned now, even when it is its own beneficiary */
        vm_account a;
        ldg_vm_account_load(s, addr, &a);
        a.balance = ldg_u256_zero();
        ldg_vm_account_store(s, addr, &a);
    }
    if (e->destructed)
        return false;
    if (e->created) { /* EIP-6780: only an account created in this transaction goes */
        vm_journal *j = journal_push(s, VJ_DESTRUCTED);
        j->entry = entry_id(s, e);
        j->old_flag = false;
        e->destructed = true;
    }
    return true;
}

static ldg_evm_tx_context h_get_tx_context(void *ctx)
{
    return ((vm_session *)ctx)->txc;
}

/* Block hashes are not part of the ledger's state: BLOCKHASH gives 0 (specs/vm_ledger.md),
 * unless the session has an oracle (the state-test world's). */
static ldg_evm_bytes32 h_get_block_hash(void *ctx, int64_t number)
{
    vm_session *s = ctx;
    return s->block_hash ? s->block_hash(s->block_hash_user, number) : (ldg_evm_bytes32){{0}};
}

static void h_emit_log(void *ctx, const ldg_evm_address *addr, const uint8_t *data,
                       size_t data_size, const ldg_evm_bytes32 topics[], size_t topics_count)
{
    vm_session *s = ctx;
    if (s->log_count >= LDG_VM_LOGS_MAX) {
        s->limit_hit = true;
        return;
    }
    if (s->log_count == s->log_cap) {
        s->log_cap = s->log_cap ? 2 * s->log_cap : 8;
        s->logs = realloc(s->logs, s->log_cap * sizeof *s->logs);
        LDG_ASSERT(s->logs);
    }
    ldg_vm_log *l = &s->logs[s->log_count++];
    memset(l, 0, sizeof *l);
    l->addr = *addr;
    LDG_ASSERT(topics_count <= LDG_EVM_LOG_TOPICS_MAX);
    copy_bytes(l->topics, topics, topics_count * sizeof *topics);
    l->topics_count = topics_count;
    l->data = malloc(data_size ? data_size : 1);
    LDG_ASSERT(l->data);
    copy_bytes(l->data, data, data_size);
    l->data_size = data_size;
}

static ldg_evm_access_status warm(vm_session *s, vm_entry *e)
{
    if (e->warm)
        return LDG_EVM_ACCESS_WARM;
    vm_journal *j = journal_push(s, VJ_WARM);
    j->entry = entry_id(s, e);
    j->old_flag = false;
    e->warm = true;
    return LDG_EVM_ACCESS_COLD;
}

void ldg_vm_warm_account(vm_session *s, const ldg_evm_address *addr)
{
    warm(s, entry_get(s, E_ACCOUNT, addr, NULL));
}

void ldg_vm_warm_slot(vm_session *s, const ldg_evm_address *addr, const ldg_u256 *key)
{
    warm(s, entry_get(s, E_SLOT, addr, key));
}

static ldg_evm_access_status h_access_account(void *ctx, const ldg_evm_address *addr)
{
    return warm(ctx, entry_get(ctx, E_ACCOUNT, addr, NULL));
}

static ldg_evm_access_status h_access_storage(void *ctx, const ldg_evm_address *addr,
                                              const ldg_u256 *key)
{
    return warm(ctx, entry_get(ctx, E_SLOT, addr, key));
}

static ldg_u256 h_get_transient(void *ctx, const ldg_evm_address *addr, const ldg_u256 *key)
{
    return entry_get(ctx, E_SLOT, addr, key)->transient;
}

static void h_set_transient(void *ctx, const ldg_evm_address *addr, const ldg_u256 *key,
                            const ldg_u256 *value)
{
    vm_session *s = ctx;
    vm_entry *e = entry_get(s, E_SLOT, addr, key);
    vm_journal *j = journal_push(s, VJ_TRANSIENT);
    j->entry = entry_id(s, e);
    j->old = e->transient;
    e->transient = *value;
}

static ldg_evm_result h_call(void *ctx, const ldg_evm_message *msg);

static const ldg_evm_host vm_host = {
    .account_exists = h_account_exists,
    .get_storage = h_get_storage,
    .set_storage = h_set_storage,
    .get_balance = h_get_balance,
    .get_code_size = h_get_code_size,
    .get_code_hash = h_get_code_hash,
    .copy_code = h_copy_code,
    .selfdestruct = h_selfdestruct,
    .call = h_call,
    .get_tx_context = h_get_tx_context,
    .get_block_hash = h_get_block_hash,
    .emit_log = h_emit_log,
    .access_account = h_access_account,
    .access_storage = h_access_storage,
    .get_transient_storage = h_get_transient,
    .set_transient_storage = h_set_transient,
};

/* ---- nested calls ---- */

static ldg_evm_result fail_result(ldg_evm_status st, int64_t gas_left)
{
    return (ldg_evm_result){.status = st, .gas_left = gas_left};
}

/* Analysed code, cached per session by code hash. */
/* The analysis of a's code, from the session's cache, for a frame to run: release it with
 * code_release. An entry a running frame uses is never evicted (an outer frame's analysis
 * would be freed under it); with every entry in use the analysis is the frame's own. */
static ldg_evm_code *code_acquire(vm_session *s, const vm_account *a)
{
    for (size_t i = 0; i < s->cache_count; i++)
        if (!memcmp(s->cache[i].hash, a->code_hash, 32)) {
            s->cache[i].users++;
            return s->cache[i].code;
        }
    size_t len;
    const uint8_t *code = code_load(s, a, &len);
    if (!code)
        return NULL;
    ldg_evm_code *c = ldg_evm_code_analyze(code, len);
    LDG_ASSERT(c);
    size_t victim = 0;
    while (s->cache_count == VM_CODE_CACHE_MAX && victim < s->cache_count && s->cache[victim].users)
        victim++;
    if (victim == VM_CODE_CACHE_MAX)
        return c; /* not cached: code_release frees it */
    if (s->cache_count == VM_CODE_CACHE_MAX) {
        ldg_evm_code_free(s->cache[victim].code);
        memmove(s->cache + victim, s->cache + victim + 1,
                (VM_CODE_CACHE_MAX - 1 - victim) * sizeof *s->cache);
        s->cache_count--;
    }
    vm_code_cache *e = &s->cache[s->cache_count++];
    memcpy(e->hash, a->code_hash, 32);
    e->code = c;
    e->users = 1;
    return c;
}

static void code_release(vm_session *s, ldg_evm_code *c)
{
    for (size_t i = 0; i < s->cache_count; i++)
        if (s->cache[i].code == c) {
            s->cache[i].users--;
            return;
        }
    ldg_evm_code_free(c);
}

static ldg_evm_result message_call(vm_session *s, const ldg_evm_message *msg)
{
    vm_snapshot snap = snapshot_take(s);
    if (msg->kind == LDG_EVM_CALL)
        value_move(s, &msg->sender, &msg->recipient, msg->value);
    ldg_evm_result r;
    if (!ldg_evm_precompile_run(msg, &r) && !(s->natives && ldg_vm_native_precompile(s, msg, &r))) {
        vm_account a;
        ldg_vm_account_load(s, &msg->code_address, &a);
        ldg_evm_code *code = a.has_code ? code_acquire(s, &a) : NULL;
        if (!code) {
            r = (ldg_evm_result){.status = LDG_EVM_SUCCESS, .gas_left = msg->gas};
        } else {
            r = ldg_evm_execute(&vm_host, s, msg, code);
            code_release(s, code);
        }
    }
    if (r.status != LDG_EVM_SUCCESS)
        revert_to(s, snap);
    return r;
}

ldg_evm_address ldg_vm_create_address(const ldg_evm_address *sender, uint64_t nonce)
{
    return world_create_address(sender, nonce);
}

void ldg_vm_storage_put_raw(vm_session *s, const ldg_evm_address *addr, const ldg_u256 *key,
                            const ldg_u256 *value)
{
    uint8_t k[54], v[32];
    size_t kl = key_slot(k, addr, key);
    ldg_u256_to_be(v, *value);
    if (ldg_u256_is_zero(*value))
        ldg_state_del(s->st, k, kl);
    else
        ldg_state_put(s->st, k, kl, v, 32);
}

void ldg_vm_code_put(vm_session *s, const uint8_t *code, size_t n, uint8_t hash[32])
{
    ldg_keccak256(hash, code, n);
    uint8_t k[34];
    size_t kl = key_code(k, hash);
    const uint8_t *v;
    size_t vl;
    bool found;
    if (ldg_state_get(s->st, k, kl, &v, &vl, &found) != LDG_OK)
        s->store_failed = true;
    else if (!found)
        kv_write(s, k, kl, code, n);
}

/* Deposits the returned code of a successful init. */
static void deposit_code(vm_session *s, const ldg_evm_address *addr, ldg_evm_result *r)
{
    if (!world_deposit_charge(r))
        return;
    vm_account a;
    ldg_vm_account_load(s, addr, &a);
    if (r->output_size) {
        ldg_vm_code_put(s, r->output_data, r->output_size, a.code_hash);
        a.has_code = true;
    }
    ldg_vm_account_store(s, addr, &a);
}

static bool any_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)k;
    (void)kl;
    (void)v;
    (void)vl;
    *(bool *)arg = true;
    return false;
}

/* A creation collides with an account that has a nonce, code or storage (EIP-684,
 * EIP-7610); storage is never stored as 0, so any row under the account counts. */
static bool address_in_use(vm_session *s, const ldg_evm_address *addr)
{
    vm_account a;
    ldg_vm_account_load(s, addr, &a);
    if (a.nonce != 0 || a.has_code)
        return true;
    uint8_t prefix[22] = {LDG_VM_KEY_NS, 's'};
    memcpy(prefix + 2, addr->bytes, 20);
    bool found = false;
    if (ldg_state_scan(s->st, prefix, sizeof prefix, 1, any_row, &found) != LDG_OK)
        s->store_failed = true;
    return found;
}

static ldg_evm_result create(vm_session *s, const ldg_evm_message *msg)
{
    vm_account sender;
    ldg_vm_account_load(s, &msg->sender, &sender);
    if (sender.nonce == UINT64_MAX)
        return fail_result(LDG_EVM_FAILURE, msg->gas);
    ldg_evm_address addr = msg->kind == LDG_EVM_CREATE
                               ? ldg_vm_create_address(&msg->sender, sender.nonce)
                               : world_create2_address(msg);
    sender.nonce++;
    ldg_vm_account_store(s, &msg->sender, &sender);
    vm_entry *e = entry_get(s, E_ACCOUNT, &addr, NULL);
    warm(s, e);
    if (address_in_use(s, &addr))
        return fail_result(LDG_EVM_FAILURE, 0); /* address collision eats the gas */
    vm_snapshot snap = snapshot_take(s);
    vm_journal *j = journal_push(s, VJ_CREATED);
    j->entry = entry_id(s, e);
    j->old_flag = e->created;
    e->created = true;
    vm_account acc;
    ldg_vm_account_load(s, &addr, &acc);
    acc.nonce = 1;
    ldg_vm_account_store(s, &addr, &acc);
    value_move(s, &msg->sender, &addr, msg->value);

    ldg_evm_message m = world_init_message(msg, addr);
    ldg_evm_result r = {.status = LDG_EVM_SUCCESS, .gas_left = msg->gas};
    if (msg->input_size) {
        ldg_evm_code *init = ldg_evm_code_analyze(msg->input_data, msg->input_size);
        LDG_ASSERT(init);
        r = ldg_evm_execute(&vm_host, s, &m, init);
        ldg_evm_code_free(init);
    }
    if (r.status == LDG_EVM_SUCCESS)
        deposit_code(s, &addr, &r);
    if (r.status != LDG_EVM_SUCCESS)
        revert_to(s, snap);
    if (r.status != LDG_EVM_REVERT)
        ldg_evm_result_release(&r); /* only REVERT data becomes return data */
    if (r.status == LDG_EVM_SUCCESS)
        r.create_address = addr;
    return r;
}

static ldg_evm_result host_call(vm_session *s, const ldg_evm_message *msg)
{
    if (s->store_failed)
        return fail_result(LDG_EVM_INTERNAL_ERROR, 0);
    if (msg->kind == LDG_EVM_CREATE || msg->kind == LDG_EVM_CREATE2)
        return create(s, msg);
    return message_call(s, msg);
}

/* Set on the threads host_call runs on with LDG_EVM_C_STACK_SIZE of stack. */
static _Thread_local bool on_vm_stack;

typedef struct stack_job {
    vm_session *s;
    const ldg_evm_message *msg;
    ldg_evm_result r;
} stack_job;

static void *stack_job_run(void *arg)
{
    stack_job *j = arg;
    on_vm_stack = true;
    j->r = host_call(j->s, j->msg);
    return NULL;
}

/* Every message runs on a stack deep enough for LDG_EVM_CALL_DEPTH_MAX nested levels: the
 * first one of a call tree moves to a thread with LDG_EVM_C_STACK_SIZE of stack (the
 * caller waits), the nested ones stay there. A thread that cannot be started is a local
 * resource failure, like a store failure: the transaction is not decided on this node. */
static ldg_evm_result h_call(void *ctx, const ldg_evm_message *msg)
{
    vm_session *s = ctx;
    if (on_vm_stack)
        return host_call(s, msg);
    stack_job j = {.s = s, .msg = msg};
    pthread_attr_t attr;
    pthread_t th;
    bool started = pthread_attr_init(&attr) == 0;
    started = started && pthread_attr_setstacksize(&attr, LDG_EVM_C_STACK_SIZE) == 0 &&
              pthread_create(&th, &attr, stack_job_run, &j) == 0;
    pthread_attr_destroy(&attr);
    if (!started || pthread_join(th, NULL) != 0) {
        s->store_failed = true;
        return fail_result(LDG_EVM_INTERNAL_ERROR, 0);
    }
    return j.r;
}

const ldg_evm_host *ldg_vm_host(void)
{
    return &vm_host;
}

ldg_evm_result ldg_vm_session_call(vm_session *s, const ldg_evm_message *msg)
{
    return h_call(s, msg);
}

ldg_evm_result ldg_vm_session_run(vm_session *s, const ldg_evm_message *msg)
{
    /* EIP-2929/3651: origin, recipient and precompiles start warm. */
    warm(s, entry_get(s, E_ACCOUNT, &msg->sender, NULL));
    if (msg->kind == LDG_EVM_CALL)
        warm(s, entry_get(s, E_ACCOUNT, &msg->recipient, NULL));
    ldg_evm_address p = {{0}};
    for (int i = 1; i <= 0x0a; i++) {
        p.bytes[19] = (uint8_t)i;
        warm(s, entry_get(s, E_ACCOUNT, &p, NULL));
    }
    ldg_vm_warm_registered(s);
    return h_call(s, msg);
}

/* Self-destructed accounts created in this transaction: drop account and storage. */
typedef struct del_scan {
    ldg_state *st;
    uint8_t (*keys)[54];
    size_t n, cap;
} del_scan;

static bool collect_key(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)v;
    (void)vl;
    del_scan *d = arg;
    if (kl != 54)
        return true;
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 16;
        d->keys = realloc(d->keys, d->cap * sizeof *d->keys);
        LDG_ASSERT(d->keys);
    }
    memcpy(d->keys[d->n++], k, 54);
    return true;
}

void ldg_vm_apply_destructs(vm_session *s)
{
    for (size_t i = 0; i < s->entry_count; i++) {
        vm_entry *e = &s->entries[i];
        if (e->key[0] != E_ACCOUNT || !e->destructed)
            continue;
        ldg_evm_address a;
        memcpy(a.bytes, e->key + 1, 20);
        uint8_t k[22];
        ldg_state_del(s->st, k, key_account(k, &a));
        uint8_t prefix[22] = {LDG_VM_KEY_NS, 's'};
        memcpy(prefix + 2, a.bytes, 20);
        del_scan d = {s->st, NULL, 0, 0};
        if (ldg_state_scan(s->st, prefix, sizeof prefix, LDG_QUERY_ROWS_MAX, collect_key, &d) !=
            LDG_OK)
            s->store_failed = true;
        for (size_t j = 0; j < d.n; j++)
            ldg_state_del(s->st, d.keys[j], 54);
        free(d.keys);
    }
}

/* ---- transactions ---- */

static int64_t intrinsic_gas(bool is_create, const uint8_t *data, size_t n)
{
    int64_t g = 21000;
    for (size_t i = 0; i < n; i++)
        g += data[i] ? 16 : 4;
    if (is_create)
        g += 32000 + 2 * (int64_t)((n + 31) / 32);
    return g;
}

void ldg_vm_outcome_free(ldg_vm_outcome *o)
{
    free(o->output);
    for (size_t i = 0; i < o->log_count; i++)
        free(o->logs[i].data);
    free(o->logs);
    memset(o, 0, sizeof *o);
}

void ldg_vm_revert_reason(char *out, size_t out_len, const uint8_t *d, size_t n)
{
    static const uint8_t err_sel[4] = {0x08, 0xc3, 0x79, 0xa0};
    static const uint8_t panic_sel[4] = {0x4e, 0x48, 0x7b, 0x71};
    LDG_ASSERT(out_len > 0);
    out[0] = '\0';
    if (n >= 4 && !memcmp(d, err_sel, 4)) {
        size_t len;
        const uint8_t *p = ldg_vm_abi_bytes_arg(d + 4, n - 4, 0, 4096, &len);
        if (p) {
            size_t o = 0;
            for (size_t i = 0; i < len && o + 1 < out_len; i++)
                out[o++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
            out[o] = '\0';
            return;
        }
    }
    if (n == 36 && !memcmp(d, panic_sel, 4)) {
        snprintf(out, out_len, "panic 0x%02x", d[35]);
        return;
    }
    if (n == 0)
        return;
    size_t o = (size_t)snprintf(out, out_len, "0x");
    for (size_t i = 0; i < n && o + 3 < out_len; i++)
        o += (size_t)snprintf(out + o, out_len - o, "%02x", d[i]);
}

static ldg_result status_result(ldg_evm_status st)
{
    switch (st) {
    case LDG_EVM_SUCCESS:
        return LDG_R_OK;
    case LDG_EVM_REVERT:
        return LDG_VM_R_REVERTED;
    case LDG_EVM_OUT_OF_GAS:
        return LDG_VM_R_OUT_OF_GAS;
    default:
        return LDG_VM_R_EXCEPTION;
    }
}

/* Moves the session's logs into the outcome. */
static void take_logs(vm_session *s, ldg_vm_outcome *o)
{
    o->logs = s->logs;
    o->log_count = s->log_count;
    s->logs = NULL;
    s->log_count = s->log_cap = 0;
}

/* Runs one top-level message as c->sender / origin; fills o. Store failures give
 * LDG_R_STORE_FAILED in o->code. */
static void run_top(ldg_txctx *c, const ldg_account *origin, ldg_evm_message *m, ldg_vm_outcome *o)
{
    vm_session s;
    ldg_vm_session_init(&s, c, origin);
    int64_t gas_limit = m->gas;
    ldg_evm_result r = ldg_vm_session_run(&s, m);
    o->status = r.status;
    int64_t used = gas_limit - r.gas_left;
    int64_t refund = r.status == LDG_EVM_SUCCESS ? r.gas_refund : 0;
    if (refund > used / 5)
        refund = used / 5;
    o->gas_used = used - refund;
    o->gas_spent = used;
    o->gas_refund = r.status == LDG_EVM_SUCCESS ? r.gas_refund : 0;
    o->output = r.output_data;
    o->output_size = r.output_size;
    r.output_data = NULL;
    if (r.status == LDG_EVM_SUCCESS && (m->kind == LDG_EVM_CREATE)) {
        o->created = true;
        o->create_address = r.create_address;
    }
    o->code = status_result(r.status);
    if (r.status == LDG_EVM_REVERT)
        ldg_vm_revert_reason(o->reason, sizeof o->reason, o->output, o->output_size);
    else if (r.status != LDG_EVM_SUCCESS)
        snprintf(o->reason, sizeof o->reason, "%s", ldg_evm_status_name(r.status));
    if (r.status == LDG_EVM_REVERT && s.native_refusal && !s.poisoned)
        o->code = s.native_refusal; /* the contract passed on a native refusal */
    if (o->code == LDG_R_OK && s.limit_hit) {
        o->code = LDG_VM_R_LIMIT;
        snprintf(o->reason, sizeof o->reason, "more than %d logs", LDG_VM_LOGS_MAX);
    }
    if (o->code == LDG_R_OK && s.poisoned) {
        o->code = LDG_VM_R_NATIVE_UNDONE;
        snprintf(o->reason, sizeof o->reason, "a reverted frame had moved a native instrument");
    }
    if (o->code == LDG_R_OK)
        ldg_vm_apply_destructs(&s);
    if (s.store_failed)
        o->code = LDG_R_STORE_FAILED;
    take_logs(&s, o);
    ldg_vm_session_free(&s);
}

static ldg_result gas_checks(ldg_txctx *c, bool is_create, const uint8_t *data, size_t n,
                             uint64_t gas)
{
    if (gas > LDG_VM_TX_GAS_MAX) {
        ldg_txctx_detail(c, "gas limit %llu is above the maximum %d", (unsigned long long)gas,
                         LDG_VM_TX_GAS_MAX);
        return LDG_VM_R_GAS_LIMIT;
    }
    int64_t need = intrinsic_gas(is_create, data, n);
    if ((int64_t)gas < need) {
        ldg_txctx_detail(c, "gas limit %llu is below the intrinsic cost %lld",
                         (unsigned long long)gas, (long long)need);
        return LDG_VM_R_INTRINSIC_GAS;
    }
    return LDG_R_OK;
}

static void append_hex(char *out, size_t cap, const uint8_t *d, size_t n, size_t max)
{
    size_t o = strlen(out);
    o += (size_t)snprintf(out + o, cap - o, "0x");
    for (size_t i = 0; i < n && i < max && o + 3 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%02x", d[i]);
    if (n > max && o + 4 < cap)
        snprintf(out + o, cap - o, "...");
}

/* Stores the full outcome under 'E' 'r' txid. False if it is over the size limit. */
static bool result_put(ldg_txctx *c, const ldg_vm_outcome *o)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 5);
    ldg_enc_u64(&e, (uint64_t)o->status);
    ldg_enc_u64(&e, (uint64_t)o->gas_used);
    ldg_enc_bin(&e, o->output ? o->output : no_bytes, o->output_size);
    if (o->created)
        ldg_enc_bin(&e, o->create_address.bytes, 20);
    else
        ldg_enc_nil(&e);
    ldg_enc_array(&e, (uint32_t)o->log_count);
    for (size_t i = 0; i < o->log_count; i++) {
        const ldg_vm_log *l = &o->logs[i];
        ldg_enc_array(&e, 3);
        ldg_enc_bin(&e, l->addr.bytes, 20);
        ldg_enc_array(&e, (uint32_t)l->topics_count);
        for (size_t t = 0; t < l->topics_count; t++)
            ldg_enc_bin(&e, l->topics[t].bytes, 32);
        ldg_enc_bin(&e, l->data ? l->data : no_bytes, l->data_size);
    }
    bool ok = ldg_enc_len(&e) <= LDG_VM_RESULT_SIZE_MAX;
    if (ok) {
        uint8_t k[34] = {LDG_VM_KEY_NS, 'r'};
        memcpy(k + 2, c->tx->id.b, 32);
        ldg_state_put(c->st, k, sizeof k, ldg_enc_data(&e), ldg_enc_len(&e));
    }
    ldg_enc_free(&e);
    return ok;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* Receipt: the code, the detail (gas, reason, return data), the 64-byte data, the stored
 * result. */
static ldg_result finish(ldg_txctx *c, ldg_vm_outcome *o)
{
    ldg_result res = o->code;
    if (res == LDG_R_OK && !result_put(c, o)) {
        res = LDG_VM_R_LIMIT;
        snprintf(o->reason, sizeof o->reason, "result over %u bytes", LDG_VM_RESULT_SIZE_MAX);
    }
    char d[LDG_TEXT_LEN_MAX + 1];
    if (res == LDG_R_OK && o->created) {
        char hex[41];
        for (int i = 0; i < 20; i++)
            snprintf(hex + 2 * i, 3, "%02x", o->create_address.bytes[i]);
        snprintf(d, sizeof d, "contract 0x%s; gas used %lld; %zu log(s)", hex,
                 (long long)o->gas_used, o->log_count);
        memcpy(c->data, o->create_address.bytes, 20);
        put_be64(c->data + 20, (uint64_t)o->gas_used);
        c->data_len = 28;
    } else if (res == LDG_R_OK) {
        snprintf(d, sizeof d, "gas used %lld; %zu log(s); returned %zu bytes ",
                 (long long)o->gas_used, o->log_count, o->output_size);
        append_hex(d, sizeof d, o->output ? o->output : no_bytes, o->output_size, 64);
        put_be64(c->data, (uint64_t)o->gas_used);
        size_t n = o->output_size < 56 ? o->output_size : 56;
        copy_bytes(c->data + 8, o->output, n);
        c->data_len = 8 + n;
    } else {
        /* gas first: a long reason is what gets cut */
        snprintf(d, sizeof d, "%s (gas used %lld)%s%.200s", ldg_evm_status_name(o->status),
                 (long long)o->gas_used, o->reason[0] ? ": " : "", o->reason);
        if (c->detail[0] && res != LDG_VM_R_REVERTED && res != LDG_VM_R_OUT_OF_GAS &&
            res != LDG_VM_R_EXCEPTION)
            snprintf(d, sizeof d, "%s", c->detail); /* a native refusal's own detail */
    }
    memcpy(c->detail, d, sizeof d);
    return res;
}

static ldg_result tx_deploy(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *it;
    const uint8_t *code;
    size_t n;
    uint64_t gas, args_len = 0;
    /* [init_code, gas] or [init_code, gas, args_len]: the last args_len bytes of the init
     * code are constructor arguments, outside the code hash the committee approves. */
    uint32_t nf = payload->type == MSGPACK_OBJECT_ARRAY ? payload->via.array.size : 0;
    if ((nf != 2 && nf != 3) || !ldg_obj_array(payload, nf, &it) ||
        !ldg_obj_bin_ref(&it[0], LDG_EVM_INITCODE_SIZE_MAX + 1, &code, &n) ||
        !ldg_obj_u64(&it[1], &gas) || (nf == 3 && !ldg_obj_u64(&it[2], &args_len)))
        return LDG_R_BAD_PAYLOAD;
    if (n == 0)
        return LDG_VM_R_EMPTY_CODE;
    if (n > LDG_EVM_INITCODE_SIZE_MAX) {
        ldg_txctx_detail(c, "init code is %zu bytes, the limit is %d", n,
                         LDG_EVM_INITCODE_SIZE_MAX);
        return LDG_VM_R_CODE_TOO_LARGE;
    }
    if (args_len >= n) {
        ldg_txctx_detail(c, "constructor arguments of %llu bytes leave no code in %zu bytes",
                         (unsigned long long)args_len, n);
        return LDG_R_BAD_PAYLOAD;
    }
    uint8_t code_hash[32];
    ldg_keccak256(code_hash, code, n - (size_t)args_len);
    ldg_result r = ldg_code_gate_run(c, code_hash);
    if (r != LDG_R_OK)
        return r;
    r = gas_checks(c, true, code, n, gas);
    if (r != LDG_R_OK)
        return r;
    ldg_evm_message m = {.kind = LDG_EVM_CREATE,
                         .gas = (int64_t)gas - intrinsic_gas(true, code, n),
                         .input_data = code,
                         .input_size = n};
    memcpy(m.sender.bytes, c->sender.b, 20);
    ldg_vm_outcome o = {0};
    run_top(c, &c->sender, &m, &o);
    o.gas_used += intrinsic_gas(true, code, n);
    if (o.code == LDG_R_OK && !o.created)
        o.code = LDG_VM_R_COLLISION;
    r = finish(c, &o);
    ldg_vm_outcome_free(&o);
    return r;
}

static ldg_result tx_call(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *it;
    const uint8_t *input;
    size_t n;
    uint64_t gas;
    ldg_evm_address to;
    if (!ldg_obj_array(payload, 3, &it) || !ldg_obj_bin(&it[0], to.bytes, 20) ||
        !ldg_obj_bin_ref(&it[1], LDG_TX_SIZE_MAX, &input, &n) || !ldg_obj_u64(&it[2], &gas))
        return LDG_R_BAD_PAYLOAD;
    ldg_result r = gas_checks(c, false, input, n, gas);
    if (r != LDG_R_OK)
        return r;
    vm_account a;
    if (account_read(c->st, &to, &a) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!a.has_code && !is_eth_precompile(&to) && !ldg_vm_is_native_precompile(&to)) {
        char hex[41];
        for (int i = 0; i < 20; i++)
            snprintf(hex + 2 * i, 3, "%02x", to.bytes[i]);
        ldg_txctx_detail(c, "no contract at 0x%s", hex);
        return LDG_VM_R_NO_CONTRACT;
    }
    ldg_evm_message m = {.kind = LDG_EVM_CALL,
                         .gas = (int64_t)gas - intrinsic_gas(false, input, n),
                         .recipient = to,
                         .code_address = to,
                         .input_data = input,
                         .input_size = n};
    memcpy(m.sender.bytes, c->sender.b, 20);
    ldg_vm_outcome o = {0};
    run_top(c, &c->sender, &m, &o);
    o.gas_used += intrinsic_gas(false, input, n);
    r = finish(c, &o);
    ldg_vm_outcome_free(&o);
    return r;
}

ldg_err ldg_vm_call(const ldg_registry *reg, ldg_state *st, const ldg_env *env,
                    const ldg_account *from, const ldg_evm_address *to, const uint8_t *input,
                    size_t input_size, int64_t gas, ldg_vm_outcome *out)
{
    memset(out, 0, sizeof *out);
    ldg_txctx c = {.reg = reg, .st = st, .env = env, .sender = *from};
    ldg_evm_message m = {.kind = LDG_EVM_CALL,
                         .gas = gas > LDG_VM_TX_GAS_MAX ? LDG_VM_TX_GAS_MAX : gas,
                         .recipient = *to,
                         .code_address = *to,
                         .input_data = input,
                         .input_size = input_size};
    memcpy(m.sender.bytes, from->b, 20);
    run_top(&c, from, &m, out);
    if (out->code == LDG_R_STORE_FAILED) {
        ldg_vm_outcome_free(out);
        return LDG_ERR_IO;
    }
    if (out->code != LDG_R_OK && c.detail[0] && out->code != LDG_VM_R_REVERTED &&
        out->code != LDG_VM_R_OUT_OF_GAS && out->code != LDG_VM_R_EXCEPTION)
        snprintf(out->reason, sizeof out->reason, "%s", c.detail);
    return LDG_OK;
}

ldg_err ldg_vm_create(const ldg_registry *reg, ldg_state *st, const ldg_env *env,
                      const ldg_account *from, const uint8_t *init, size_t init_size, int64_t gas,
                      ldg_vm_outcome *out)
{
    memset(out, 0, sizeof *out);
    ldg_txctx c = {.reg = reg, .st = st, .env = env, .sender = *from};
    ldg_evm_message m = {.kind = LDG_EVM_CREATE,
                         .gas = gas > LDG_VM_TX_GAS_MAX ? LDG_VM_TX_GAS_MAX : gas,
                         .input_data = init,
                         .input_size = init_size};
    memcpy(m.sender.bytes, from->b, 20);
    run_top(&c, from, &m, out);
    if (out->code == LDG_R_STORE_FAILED) {
        ldg_vm_outcome_free(out);
        return LDG_ERR_IO;
    }
    return LDG_OK;
}

typedef struct dump_scan {
    void (*fn)(void *arg, const uint8_t slot[32], const uint8_t value[32]);
    void *arg;
} dump_scan;

static bool dump_one(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    dump_scan *d = arg;
    if (kl == 54 && vl == 32)
        d->fn(d->arg, k + 22, v);
    return true;
}

ldg_err ldg_vm_storage_dump(ldg_state *st, const ldg_evm_address *a,
                            void (*fn)(void *arg, const uint8_t slot[32], const uint8_t value[32]),
                            void *arg)
{
    uint8_t prefix[22] = {LDG_VM_KEY_NS, 's'};
    memcpy(prefix + 2, a->bytes, 20);
    dump_scan d = {fn, arg};
    return ldg_state_scan(st, prefix, sizeof prefix, LDG_QUERY_ROWS_MAX, dump_one, &d);
}

/* ---- reads ---- */

ldg_err ldg_vm_result_get(ldg_state *st, const uint8_t txid[32], ldg_vm_outcome *o)
{
    memset(o, 0, sizeof *o);
    uint8_t k[34] = {LDG_VM_KEY_NS, 'r'};
    memcpy(k + 2, txid, 32);
    const uint8_t *v;
    size_t vl;
    bool found;
    ldg_err err = ldg_state_get(st, k, sizeof k, &v, &vl, &found);
    if (err != LDG_OK)
        return err;
    if (!found)
        return LDG_ERR_NOT_FOUND;
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *it, *logs;
    uint64_t status, gas;
    const uint8_t *out;
    size_t outn;
    uint32_t nlogs;
    bool ok = ldg_obj_array(d.root, 5, &it) && ldg_obj_u64(&it[0], &status) &&
              ldg_obj_u64(&it[1], &gas) &&
              ldg_obj_bin_ref(&it[2], LDG_VM_RESULT_SIZE_MAX, &out, &outn) &&
              ldg_obj_array_any(&it[4], LDG_VM_LOGS_MAX, &logs, &nlogs);
    if (ok && it[3].type != MSGPACK_OBJECT_NIL) {
        ok = ldg_obj_bin(&it[3], o->create_address.bytes, 20);
        o->created = true;
    }
    if (ok) {
        o->status = (ldg_evm_status)status;
        o->gas_used = (int64_t)gas;
        o->output = malloc(outn ? outn : 1);
        LDG_ASSERT(o->output);
        copy_bytes(o->output, out, outn);
        o->output_size = outn;
        o->logs = calloc(nlogs ? nlogs : 1, sizeof *o->logs);
        LDG_ASSERT(o->logs);
    }
    for (uint32_t i = 0; ok && i < nlogs; i++) {
        const msgpack_object *l, *topics;
        uint32_t nt;
        const uint8_t *data;
        size_t dn;
        ldg_vm_log *g = &o->logs[i];
        ok = ldg_obj_array(&logs[i], 3, &l) && ldg_obj_bin(&l[0], g->addr.bytes, 20) &&
             ldg_obj_array_any(&l[1], LDG_EVM_LOG_TOPICS_MAX, &topics, &nt) &&
             ldg_obj_bin_ref(&l[2], LDG_VM_RESULT_SIZE_MAX, &data, &dn);
        for (uint32_t t = 0; ok && t < nt; t++)
            ok = ldg_obj_bin(&topics[t], g->topics[t].bytes, 32);
        if (ok) {
            g->topics_count = nt;
            g->data = malloc(dn ? dn : 1);
            LDG_ASSERT(g->data);
            copy_bytes(g->data, data, dn);
            g->data_size = dn;
            o->log_count++;
        }
    }
    ldg_dec_free(&d);
    if (!ok) {
        ldg_vm_outcome_free(o);
        return LDG_ERR_CORRUPT;
    }
    return LDG_OK;
}

ldg_err ldg_vm_account_get(ldg_state *st, const ldg_evm_address *addr, bool *found, uint64_t *nonce,
                           uint8_t **code, size_t *code_size)
{
    vm_account a;
    *code = NULL;
    *code_size = 0;
    ldg_err err = account_read(st, addr, &a);
    if (err != LDG_OK)
        return err;
    *found = a.found;
    *nonce = a.nonce;
    if (!a.has_code)
        return LDG_OK;
    uint8_t k[34];
    const uint8_t *v;
    size_t vl;
    bool f;
    err = ldg_state_get(st, k, key_code(k, a.code_hash), &v, &vl, &f);
    if (err != LDG_OK)
        return err;
    if (!f)
        return LDG_ERR_CORRUPT;
    *code = malloc(vl ? vl : 1);
    LDG_ASSERT(*code);
    copy_bytes(*code, v, vl);
    *code_size = vl;
    return LDG_OK;
}

ldg_err ldg_vm_storage_get(ldg_state *st, const ldg_evm_address *a, const uint8_t slot[32],
                           uint8_t value[32])
{
    ldg_u256 key = ldg_u256_from_be(slot);
    uint8_t k[54];
    const uint8_t *v;
    size_t vl;
    bool found;
    memset(value, 0, 32);
    ldg_err err = ldg_state_get(st, k, key_slot(k, a, &key), &v, &vl, &found);
    if (err != LDG_OK)
        return err;
    if (found && vl != 32)
        return LDG_ERR_CORRUPT;
    if (found)
        memcpy(value, v, 32);
    return LDG_OK;
}

/* ---- registration ---- */

static const ldg_tx_type vm_tx_types[] = {
    /* Any participant: the code gate (governance's approved code hashes) decides. */
    {LDG_VM_TX_DEPLOY, "contract.deploy", 0, tx_deploy},
    {LDG_VM_TX_CALL, "contract.call", 0, tx_call},
};

void ldg_vm_register(ldg_registry *r)
{
    ldg_result_register(vm_results, sizeof vm_results / sizeof vm_results[0]);
    for (size_t i = 0; i < sizeof vm_tx_types / sizeof vm_tx_types[0]; i++)
        ldg_registry_add_tx(r, &vm_tx_types[i]);
}
