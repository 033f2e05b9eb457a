/* The in-memory Ethereum world: the ledger's own EVM host (ldg_vm_ledger.c) over an
 * ldg_state on an in-memory map, plus what an Ethereum transaction adds around a message
 * (validity, gas purchase and refund, the coinbase's fee, warm-up, EIP-6780 deletions) and
 * the Ethereum state root. The ethereum/tests fixtures therefore run through the host
 * contracts run on; there is no second host. */
#include "ldg_evm_state.h"
#include "ldg_evm_world_int.h"
#include "ldg_mpt.h"
#include "ldg_vm_int.h"

#include <stdlib.h>
#include <string.h>

struct ldg_evm_world {
    ldg_memkv *kv;
    ldg_state *st;
    ldg_env env;
    ldg_txctx c;
    vm_session s;
    ldg_evm_tx_context tx; /* what contracts see outside ldg_evm_world_apply_tx */
    ldg_evm_block_hash_fn block_hash;
    void *block_hash_user;
};

static const uint8_t empty_code_hash[32] = {
    0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7, 0x03, 0xc0,
    0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70};

/* A fresh session: no warm, original or transient data, no journal, no logs. */
static void session_reset(ldg_evm_world *w)
{
    static const ldg_account nobody;
    ldg_vm_session_free(&w->s);
    ldg_vm_session_init(&w->s, &w->c, &nobody);
    w->s.natives = false; /* a plain Ethereum world: no folio precompiles */
    w->s.block_hash = w->block_hash;
    w->s.block_hash_user = w->block_hash_user;
    w->s.txc = w->tx;
}

ldg_evm_world *ldg_evm_world_new(void)
{
    ldg_evm_world *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->kv = ldg_memkv_new();
    w->st = w->kv ? ldg_state_new(ldg_memkv_base(w->kv)) : NULL;
    if (!w->st) {
        ldg_evm_world_free(w);
        return NULL;
    }
    w->c = (ldg_txctx){.st = w->st, .env = &w->env};
    w->tx.chain_id = ldg_u256_from_u64(1);
    session_reset(w);
    return w;
}

void ldg_evm_world_free(ldg_evm_world *w)
{
    if (!w)
        return;
    if (w->st) {
        ldg_vm_session_free(&w->s);
        ldg_state_free(w->st);
    }
    if (w->kv)
        ldg_memkv_free(w->kv);
    free(w);
}

const ldg_evm_host *ldg_evm_world_host(void)
{
    return ldg_vm_host();
}

void *ldg_evm_world_ctx(ldg_evm_world *w)
{
    return &w->s;
}

bool ldg_evm_world_set_account(ldg_evm_world *w, const ldg_evm_address *addr, uint64_t nonce,
                               ldg_u256 balance, const uint8_t *code, size_t code_size)
{
    vm_account a = {.found = true, .nonce = nonce, .balance = balance};
    if (code_size) {
        ldg_vm_code_put(&w->s, code, code_size, a.code_hash);
        a.has_code = true;
    }
    ldg_vm_account_store(&w->s, addr, &a);
    return !w->s.store_failed;
}

bool ldg_evm_world_set_storage(ldg_evm_world *w, const ldg_evm_address *addr, ldg_u256 key,
                               ldg_u256 value)
{
    ldg_vm_storage_put_raw(&w->s, addr, &key, &value);
    return true;
}

static vm_account account(const ldg_evm_world *w, const ldg_evm_address *addr)
{
    vm_account a;
    ldg_vm_account_load((vm_session *)&w->s, addr, &a);
    return a;
}

bool ldg_evm_world_account_alive(const ldg_evm_world *w, const ldg_evm_address *addr)
{
    return account(w, addr).found;
}

ldg_u256 ldg_evm_world_balance(const ldg_evm_world *w, const ldg_evm_address *addr)
{
    return account(w, addr).balance;
}

uint64_t ldg_evm_world_nonce(const ldg_evm_world *w, const ldg_evm_address *addr)
{
    return account(w, addr).nonce;
}

ldg_u256 ldg_evm_world_storage(const ldg_evm_world *w, const ldg_evm_address *addr, ldg_u256 key)
{
    return ldg_vm_storage_read((vm_session *)&w->s, addr, &key);
}

void ldg_evm_world_set_block_hash_fn(ldg_evm_world *w, ldg_evm_block_hash_fn fn, void *user)
{
    w->block_hash = w->s.block_hash = fn;
    w->block_hash_user = w->s.block_hash_user = user;
}

void ldg_evm_world_set_tx_context(ldg_evm_world *w, const ldg_evm_tx_context *tx)
{
    w->tx = w->s.txc = *tx;
}

/* ---- transactions ---- */

static int64_t words(size_t n)
{
    return (int64_t)((n + 31) / 32);
}

static int64_t intrinsic_gas(const ldg_evm_tx *tx)
{
    int64_t g = 21000;
    for (size_t i = 0; i < tx->data_size; i++)
        g += tx->data[i] ? 16 : 4;
    if (tx->is_create)
        g += 32000 + 2 * words(tx->data_size);
    for (size_t i = 0; i < tx->access_list_count; i++)
        g += 2400 + 1900 * (int64_t)tx->access_list[i].key_count;
    return g;
}

static ldg_u256 mul_u64(ldg_u256 a, uint64_t b)
{
    return ldg_u256_mul(a, ldg_u256_from_u64(b));
}

/* Blob fields: the reason the transaction is invalid or NULL; sets the blob fee to pay and
 * the most it may cost. */
static const char *validate_blobs(const ldg_evm_block *b, const ldg_evm_tx *tx, ldg_u256 *blob_fee,
                                  ldg_u256 *max_blob_fee)
{
    *blob_fee = *max_blob_fee = ldg_u256_zero();
    if (!tx->is_blob && !tx->blob_hashes_count)
        return NULL;
    if (tx->is_create)
        return "blob transaction without recipient";
    if (tx->blob_hashes_count == 0 || tx->blob_hashes_count > LDG_EVM_BLOB_HASHES_MAX)
        return "bad number of blob hashes";
    for (size_t i = 0; i < tx->blob_hashes_count; i++)
        if (tx->blob_hashes[i].bytes[0] != 0x01)
            return "blob hash with a wrong version";
    ldg_u256 blob_price = ldg_evm_blob_base_fee(b->excess_blob_gas);
    if (ldg_u256_lt(tx->max_fee_per_blob_gas, blob_price))
        return "max fee per blob gas below blob base fee";
    uint64_t blob_gas = LDG_EVM_BLOB_GAS_PER_BLOB * tx->blob_hashes_count;
    *blob_fee = mul_u64(blob_price, blob_gas);
    *max_blob_fee = mul_u64(tx->max_fee_per_blob_gas, blob_gas);
    return NULL;
}

/* Checks the transaction against the state; returns the reason it is invalid or NULL.
 * Sets *price (effective gas price) and *blob_fee. */
static const char *validate(ldg_evm_world *w, const ldg_evm_block *b, const ldg_evm_tx *tx,
                            ldg_u256 *price, ldg_u256 *blob_fee)
{
    if (tx->gas_limit < intrinsic_gas(tx))
        return "intrinsic gas too low";
    if (tx->gas_limit > b->gas_limit)
        return "gas limit above block gas limit";
    if (tx->is_create && tx->data_size > LDG_EVM_INITCODE_SIZE_MAX)
        return "init code too large";
    vm_account s = account(w, &tx->sender);
    if (s.nonce != tx->nonce)
        return "nonce mismatch";
    if (s.nonce == UINT64_MAX)
        return "nonce at maximum";
    if (s.has_code)
        return "sender has code (EIP-3607)";
    ldg_u256 max_price = tx->is_eip1559 ? tx->max_fee : tx->gas_price;
    if (tx->is_eip1559 && ldg_u256_lt(tx->max_fee, tx->max_priority_fee))
        return "priority fee above max fee";
    if (ldg_u256_lt(max_price, b->base_fee))
        return "max fee below base fee";
    *price = max_price;
    if (tx->is_eip1559) {
        ldg_u256 tip = ldg_u256_sub(tx->max_fee, b->base_fee);
        if (ldg_u256_lt(tx->max_priority_fee, tip))
            tip = tx->max_priority_fee;
        *price = ldg_u256_add(b->base_fee, tip);
    }
    ldg_u256 max_blob_fee;
    const char *why = validate_blobs(b, tx, blob_fee, &max_blob_fee);
    if (why)
        return why;
    /* Balance must cover the worst case: gas_limit * max price + value + max blob fee.
     * Operands are below 2^64 * 2^256 only in theory; detect overflow by division. */
    ldg_u256 gas_cost = mul_u64(max_price, (uint64_t)tx->gas_limit);
    if (tx->gas_limit &&
        !ldg_u256_eq(ldg_u256_div(gas_cost, ldg_u256_from_u64((uint64_t)tx->gas_limit)), max_price))
        return "gas cost overflows";
    bool c1, c2;
    ldg_u256 need = ldg_u256_add_carry(gas_cost, tx->value, &c1);
    need = ldg_u256_add_carry(need, max_blob_fee, &c2);
    if (c1 || c2 || ldg_u256_lt(s.balance, need))
        return "insufficient funds for gas * price + value";
    return NULL;
}

/* EIP-2929, EIP-2930, EIP-3651: sender, recipient, coinbase, precompiles, access list. */
static void warm_up(ldg_evm_world *w, const ldg_evm_block *b, const ldg_evm_tx *tx)
{
    ldg_vm_warm_account(&w->s, &tx->sender);
    if (!tx->is_create)
        ldg_vm_warm_account(&w->s, &tx->to);
    ldg_vm_warm_account(&w->s, &b->coinbase);
    for (unsigned i = 1; i <= 0x0a; i++) {
        ldg_evm_address p = {{0}};
        p.bytes[19] = (uint8_t)i;
        ldg_vm_warm_account(&w->s, &p);
    }
    for (size_t i = 0; i < tx->access_list_count; i++) {
        const ldg_evm_access_entry *e = &tx->access_list[i];
        ldg_vm_warm_account(&w->s, &e->address);
        for (size_t k = 0; k < e->key_count; k++)
            ldg_vm_warm_slot(&w->s, &e->address, &e->keys[k]);
    }
}

static void add_balance(ldg_evm_world *w, const ldg_evm_address *addr, ldg_u256 v, bool sub)
{
    vm_account a;
    ldg_vm_account_load(&w->s, addr, &a);
    a.balance = sub ? ldg_u256_sub(a.balance, v) : ldg_u256_add(a.balance, v);
    ldg_vm_account_store(&w->s, addr, &a);
}

bool ldg_evm_world_apply_tx(ldg_evm_world *w, const ldg_evm_block *b, const ldg_evm_tx *tx,
                            ldg_evm_tx_outcome *out)
{
    memset(out, 0, sizeof *out);
    session_reset(w);
    ldg_u256 price, blob_fee;
    out->invalid_reason = validate(w, b, tx, &price, &blob_fee);
    if (out->invalid_reason)
        return !w->s.store_failed;
    out->valid = true;
    vm_account sender;
    ldg_vm_account_load(&w->s, &tx->sender, &sender);
    sender.balance = ldg_u256_sub(sender.balance,
                                  ldg_u256_add(mul_u64(price, (uint64_t)tx->gas_limit), blob_fee));
    if (!tx->is_create) /* a creation's nonce goes up in the host's CREATE */
        sender.nonce++;
    ldg_vm_account_store(&w->s, &tx->sender, &sender);
    w->s.txc = (ldg_evm_tx_context){
        .gas_price = price,
        .origin = tx->sender,
        .coinbase = b->coinbase,
        .block_number = b->number,
        .block_timestamp = b->timestamp,
        .block_gas_limit = b->gas_limit,
        .prev_randao = b->prev_randao,
        .chain_id = b->chain_id,
        .base_fee = b->base_fee,
        .blob_base_fee = ldg_evm_blob_base_fee(b->excess_blob_gas),
        .blob_hashes = tx->blob_hashes,
        .blob_hashes_count = tx->blob_hashes_count,
    };
    warm_up(w, b, tx);

    ldg_evm_message m = {
        .kind = tx->is_create ? LDG_EVM_CREATE : LDG_EVM_CALL,
        .gas = tx->gas_limit - intrinsic_gas(tx),
        .recipient = tx->to,
        .sender = tx->sender,
        .input_data = tx->data,
        .input_size = tx->data_size,
        .value = tx->value,
        .code_address = tx->to,
    };
    ldg_evm_result r = ldg_vm_session_call(&w->s, &m);
    int64_t gas_used = tx->gas_limit - r.gas_left;
    int64_t refund = r.status == LDG_EVM_SUCCESS && r.gas_refund > 0 ? r.gas_refund : 0;
    if (refund > gas_used / 5) /* EIP-3529 */
        refund = gas_used / 5;
    gas_used -= refund;
    add_balance(w, &tx->sender, mul_u64(price, (uint64_t)(tx->gas_limit - gas_used)), false);
    add_balance(w, &b->coinbase, mul_u64(ldg_u256_sub(price, b->base_fee), (uint64_t)gas_used),
                false);
    ldg_vm_apply_destructs(&w->s);
    out->status = r.status;
    out->gas_used = gas_used;
    out->output_data = r.output_data;
    out->output_size = r.output_size;
    out->create_address = r.create_address;
    return !w->s.store_failed;
}

/* ---- roots ---- */

typedef struct row_list {
    uint8_t (*keys)[32];
    uint8_t (*vals)[32];
    size_t n, cap;
    size_t key_off; /* where the 20- or 32-byte id starts in the store key */
    size_t key_len;
    bool failed;
} row_list;

static bool collect_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    row_list *l = arg;
    if (kl != l->key_off + l->key_len)
        return true;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        uint8_t(*keys)[32] = realloc(l->keys, cap * sizeof *keys);
        if (keys)
            l->keys = keys;
        uint8_t(*vals)[32] = keys ? realloc(l->vals, cap * sizeof *vals) : NULL;
        if (!vals) {
            l->failed = true;
            return false;
        }
        l->vals = vals;
        l->cap = cap;
    }
    memcpy(l->keys[l->n], k + l->key_off, l->key_len);
    if (vl == 32)
        memcpy(l->vals[l->n], v, 32);
    l->n++;
    return true;
}

static bool scan_rows(ldg_evm_world *w, const uint8_t *prefix, size_t plen, size_t key_len,
                      row_list *l)
{
    memset(l, 0, sizeof *l);
    l->key_off = plen;
    l->key_len = key_len;
    return ldg_state_scan(w->st, prefix, plen, LDG_QUERY_ROWS_MAX, collect_row, l) == LDG_OK &&
           !l->failed;
}

static void rows_free(row_list *l)
{
    free(l->keys);
    free(l->vals);
}

/* Root of an account's storage trie: keccak(slot) -> rlp(minimal big-endian value). */
static bool storage_root(ldg_evm_world *w, const ldg_evm_address *addr, uint8_t root[32])
{
    uint8_t prefix[22] = {LDG_VM_KEY_NS, 's'};
    memcpy(prefix + 2, addr->bytes, 20);
    row_list l;
    bool ok = scan_rows(w, prefix, sizeof prefix, 32, &l);
    ldg_mpt_item *items = calloc(l.n + 1, sizeof *items);
    uint8_t(*vals)[33] = calloc(l.n + 1, sizeof *vals);
    ok = ok && items && vals;
    for (size_t i = 0; ok && i < l.n; i++) {
        ldg_keccak256(items[i].key, l.keys[i], 32);
        size_t z = 0;
        while (z < 31 && l.vals[i][z] == 0)
            z++;
        size_t len = 32 - z, vl = 0;
        if (!(len == 1 && l.vals[i][31] < 0x80))
            vals[i][vl++] = (uint8_t)(0x80 + len);
        memcpy(vals[i] + vl, l.vals[i] + z, len);
        items[i].value = vals[i];
        items[i].value_len = vl + len;
    }
    ok = ok && ldg_mpt_root(root, items, l.n);
    free(items);
    free(vals);
    rows_free(&l);
    return ok;
}

bool ldg_evm_world_state_root(ldg_evm_world *w, uint8_t root[32])
{
    const uint8_t prefix[2] = {LDG_VM_KEY_NS, 'a'};
    row_list l;
    bool ok = scan_rows(w, prefix, sizeof prefix, 20, &l);
    ldg_mpt_item *items = calloc(l.n + 1, sizeof *items);
    ldg_rlp_buf *bufs = calloc(l.n + 1, sizeof *bufs);
    ok = ok && items && bufs;
    for (size_t i = 0; ok && i < l.n; i++) {
        ldg_evm_address addr;
        memcpy(addr.bytes, l.keys[i], 20);
        vm_account a = account(w, &addr);
        uint8_t sroot[32];
        ok = storage_root(w, &addr, sroot);
        ldg_rlp_buf *b = &bufs[i];
        size_t start = ldg_rlp_list_begin(b);
        ldg_rlp_put_u64(b, a.nonce);
        ldg_rlp_put_u256(b, a.balance);
        ldg_rlp_put_bytes(b, sroot, 32);
        ldg_rlp_put_bytes(b, a.has_code ? a.code_hash : empty_code_hash, 32);
        ldg_rlp_list_end(b, start);
        ok = ok && !b->failed;
        ldg_keccak256(items[i].key, addr.bytes, 20);
        items[i].value = b->data;
        items[i].value_len = b->len;
    }
    ok = ok && !w->s.store_failed && ldg_mpt_root(root, items, l.n);
    for (size_t i = 0; bufs && i < l.n; i++)
        ldg_rlp_free(&bufs[i]);
    free(bufs);
    free(items);
    rows_free(&l);
    return ok;
}

bool ldg_evm_world_logs_hash(const ldg_evm_world *w, uint8_t hash[32])
{
    ldg_rlp_buf b;
    ldg_rlp_init(&b);
    size_t all = ldg_rlp_list_begin(&b);
    for (size_t i = 0; i < w->s.log_count; i++) {
        const ldg_vm_log *l = &w->s.logs[i];
        size_t one = ldg_rlp_list_begin(&b);
        ldg_rlp_put_bytes(&b, l->addr.bytes, 20);
        size_t topics = ldg_rlp_list_begin(&b);
        for (size_t t = 0; t < l->topics_count; t++)
            ldg_rlp_put_bytes(&b, l->topics[t].bytes, 32);
        ldg_rlp_list_end(&b, topics);
        ldg_rlp_put_bytes(&b, l->data, l->data_size);
        ldg_rlp_list_end(&b, one);
    }
    ldg_rlp_list_end(&b, all);
    bool ok = !b.failed;
    if (ok)
        ldg_keccak256(hash, b.data, b.len);
    ldg_rlp_free(&b);
    return ok;
}

size_t ldg_evm_world_log_count(const ldg_evm_world *w)
{
    return w->s.log_count;
}
