/* Cancun transaction processing on the in-memory world, state root and logs hash, and the
 * standard precompiles folio provides (ecrecover, sha256, ripemd160, identity here; 0x05..0x09
 * in ldg_evm_precompile.c). */
#include "ldg_evm_world_int.h"

#include "ldg_keccak.h"
#include "ldg_mpt.h"
#include "ldg_rlp.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdlib.h>
#include <string.h>

/* ---- precompiles ---- */

/* 0x01..0x0a are Ethereum's (Cancun). 0x0100 and up are reserved for folio's native
 * instrument precompiles (specs/vm.md). */
#define PRECOMPILE_LAST 0x0a

bool ldg_world_is_precompile(const ldg_evm_address *addr)
{
    for (int i = 0; i < 19; i++)
        if (addr->bytes[i])
            return false;
    return addr->bytes[19] >= 1 && addr->bytes[19] <= PRECOMPILE_LAST;
}

static int64_t words(size_t n)
{
    return (int64_t)((n + 31) / 32);
}

static bool set_output(ldg_evm_result *r, const uint8_t *data, size_t len)
{
    if (!len)
        return true;
    r->output_data = malloc(len);
    if (!r->output_data)
        return false;
    memcpy(r->output_data, data, len);
    r->output_size = len;
    return true;
}

static void ecrecover(const uint8_t *in, size_t in_size, ldg_evm_result *r)
{
    uint8_t buf[128] = {0};
    if (in_size) /* in is NULL for empty call data */
        memcpy(buf, in, in_size < 128 ? in_size : 128);
    /* v is a 32-byte word that must be 27 or 28. */
    for (int i = 32; i < 63; i++)
        if (buf[i])
            return;
    if (buf[63] != 27 && buf[63] != 28)
        return;
    secp256k1_ecdsa_recoverable_signature sig;
    secp256k1_pubkey pub;
    const secp256k1_context *ctx = secp256k1_context_static;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, buf + 64, buf[63] - 27) ||
        !secp256k1_ecdsa_recover(ctx, &pub, &sig, buf))
        return;
    uint8_t ser[65], h[32], out[32] = {0};
    size_t ser_len = sizeof ser;
    secp256k1_ec_pubkey_serialize(ctx, ser, &ser_len, &pub, SECP256K1_EC_UNCOMPRESSED);
    ldg_keccak256(h, ser + 1, 64);
    memcpy(out + 12, h + 12, 20);
    if (!set_output(r, out, 32))
        r->status = LDG_EVM_OUT_OF_MEMORY;
}

bool ldg_world_precompile(ldg_evm_world *w, const ldg_evm_message *msg, ldg_evm_result *out)
{
    if (!ldg_world_is_precompile(&msg->code_address))
        return false;
    unsigned id = msg->code_address.bytes[19];
    int64_t cost;
    switch (id) {
    case 1:
        cost = 3000;
        break;
    case 2:
        cost = 60 + 12 * words(msg->input_size);
        break;
    case 3:
        cost = 600 + 120 * words(msg->input_size);
        break;
    case 4:
        cost = 15 + 3 * words(msg->input_size);
        break;
    case 5:
    case 6:
    case 7:
    case 8:
    case 9: {
        static ldg_evm_result (*const run[])(const uint8_t *, size_t, int64_t) = {
            ldg_evm_pc_modexp, ldg_evm_pc_bn_add, ldg_evm_pc_bn_mul, ldg_evm_pc_bn_pairing,
            ldg_evm_pc_blake2f};
        *out = run[id - 5](msg->input_data, msg->input_size, msg->gas);
        if (out->status == LDG_EVM_OUT_OF_MEMORY)
            w->failed = true;
        return true;
    }
    default: /* not provided yet: fails like an exceptional halt (specs/vm.md) */
        *out = (ldg_evm_result){.status = LDG_EVM_PRECOMPILE_FAILURE};
        return true;
    }
    if (cost > msg->gas) {
        *out = (ldg_evm_result){.status = LDG_EVM_OUT_OF_GAS};
        return true;
    }
    *out = (ldg_evm_result){.status = LDG_EVM_SUCCESS, .gas_left = msg->gas - cost};
    if (id == 1) {
        ecrecover(msg->input_data, msg->input_size, out);
    } else if (id == 2) {
        uint8_t h[32];
        SHA256(msg->input_data ? msg->input_data : (const uint8_t *)"", msg->input_size, h);
        if (!set_output(out, h, 32))
            out->status = LDG_EVM_OUT_OF_MEMORY;
    } else if (id == 3) {
        /* 20-byte digest, left-padded to a word. */
        uint8_t word[32] = {0};
        unsigned md_len = 0;
        const void *in = msg->input_data ? (const void *)msg->input_data : (const void *)"";
        if (!EVP_Digest(in, msg->input_size, word + 12, &md_len, EVP_ripemd160(), NULL) ||
            md_len != 20)
            *out = (ldg_evm_result){.status = LDG_EVM_PRECOMPILE_FAILURE};
        else if (!set_output(out, word, 32))
            out->status = LDG_EVM_OUT_OF_MEMORY;
    } else if (!set_output(out, msg->input_data, msg->input_size)) {
        out->status = LDG_EVM_OUT_OF_MEMORY;
    }
    if (out->status == LDG_EVM_OUT_OF_MEMORY) {
        w->failed = true;
        out->gas_left = 0;
    }
    return true;
}

/* ---- EIP-4844 blob gas ---- */

#define BLOB_GAS_PER_BLOB 131072
#define BLOB_BASE_FEE_UPDATE_FRACTION 3338477
#define MIN_BLOB_BASE_FEE 1

/* factor * e^(numerator / denominator), the integer approximation of EIP-4844. */
static ldg_u256 fake_exponential(uint64_t factor, uint64_t numerator, uint64_t denominator)
{
    ldg_u256 num = ldg_u256_from_u64(numerator), den = ldg_u256_from_u64(denominator);
    ldg_u256 output = ldg_u256_zero();
    ldg_u256 acc = ldg_u256_mul(ldg_u256_from_u64(factor), den);
    for (uint64_t i = 1; !ldg_u256_is_zero(acc) && i < 10000; i++) {
        output = ldg_u256_add(output, acc);
        acc = ldg_u256_div(ldg_u256_mul(acc, num), ldg_u256_mul(den, ldg_u256_from_u64(i)));
    }
    return ldg_u256_div(output, den);
}

ldg_u256 ldg_evm_blob_base_fee(uint64_t excess_blob_gas)
{
    return fake_exponential(MIN_BLOB_BASE_FEE, excess_blob_gas, BLOB_BASE_FEE_UPDATE_FRACTION);
}

/* ---- transactions ---- */

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
    world_account *s = ldg_world_find(w, &tx->sender);
    uint64_t nonce = s && s->alive ? s->nonce : 0;
    if (nonce != tx->nonce)
        return "nonce mismatch";
    if (nonce == UINT64_MAX)
        return "nonce at maximum";
    if (s && s->alive && s->code_size)
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
    *blob_fee = ldg_u256_zero();
    ldg_u256 max_blob_fee = ldg_u256_zero();
    if (tx->is_blob || tx->blob_hashes_count) {
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
        uint64_t blob_gas = BLOB_GAS_PER_BLOB * tx->blob_hashes_count;
        *blob_fee = mul_u64(blob_price, blob_gas);
        max_blob_fee = mul_u64(tx->max_fee_per_blob_gas, blob_gas);
    }
    /* Balance must cover the worst case: gas_limit * max price + value + max blob fee.
     * Operands are below 2^64 * 2^256 only in theory; detect overflow by division. */
    ldg_u256 gas_cost = mul_u64(max_price, (uint64_t)tx->gas_limit);
    if (tx->gas_limit &&
        !ldg_u256_eq(ldg_u256_div(gas_cost, ldg_u256_from_u64((uint64_t)tx->gas_limit)), max_price))
        return "gas cost overflows";
    bool c1, c2;
    ldg_u256 need = ldg_u256_add_carry(gas_cost, tx->value, &c1);
    need = ldg_u256_add_carry(need, max_blob_fee, &c2);
    if (c1 || c2 || ldg_u256_lt(s && s->alive ? s->balance : ldg_u256_zero(), need))
        return "insufficient funds for gas * price + value";
    return NULL;
}

static void warm_up(ldg_evm_world *w, const ldg_evm_block *b, const ldg_evm_tx *tx)
{
    world_account *a;
    if ((a = ldg_world_entry(w, &tx->sender)))
        ldg_world_warm_account(w, a);
    if (!tx->is_create && (a = ldg_world_entry(w, &tx->to)))
        ldg_world_warm_account(w, a);
    if ((a = ldg_world_entry(w, &b->coinbase))) /* EIP-3651 */
        ldg_world_warm_account(w, a);
    for (unsigned i = 1; i <= PRECOMPILE_LAST; i++) {
        ldg_evm_address p = {{0}};
        p.bytes[19] = (uint8_t)i;
        if ((a = ldg_world_entry(w, &p)))
            ldg_world_warm_account(w, a);
    }
    for (size_t i = 0; i < tx->access_list_count; i++) {
        const ldg_evm_access_entry *e = &tx->access_list[i];
        if (!(a = ldg_world_entry(w, &e->address)))
            continue;
        ldg_world_warm_account(w, a);
        for (size_t k = 0; k < e->key_count; k++)
            ldg_world_warm_slot(w, a, e->keys[k]);
    }
}

/* End of transaction: EIP-6780 deletions, EIP-161 removal of touched empty accounts,
 * new originals for EIP-2200, and no warm or transient state carried over. */
static void finalize(ldg_evm_world *w)
{
    for (size_t i = 0; i < w->account_count; i++) {
        world_account *a = w->accounts[i];
        if (a->alive && (a->destructed || (a->touched && ldg_world_is_empty(a))))
            ldg_world_kill(a);
        a->touched = a->created = a->destructed = a->warm = false;
        ldg_world_slot_table_clear(&a->transient);
        for (size_t k = 0; k < a->storage.cap; k++) {
            a->storage.slots[k].original = a->storage.slots[k].value;
            a->storage.slots[k].warm = false;
        }
    }
    w->journal_len = 0;
}

static void clear_logs(ldg_evm_world *w)
{
    for (size_t i = 0; i < w->log_count; i++)
        free(w->logs[i].data);
    w->log_count = 0;
}

static ldg_evm_result execute(ldg_evm_world *w, const ldg_evm_tx *tx, int64_t gas)
{
    ldg_evm_message m = {
        .kind = tx->is_create ? LDG_EVM_CREATE : LDG_EVM_CALL,
        .depth = 0,
        .gas = gas,
        .recipient = tx->to,
        .sender = tx->sender,
        .input_data = tx->data,
        .input_size = tx->data_size,
        .value = tx->value,
        .code_address = tx->to,
    };
    return ldg_evm_world_host()->call(w, &m);
}

bool ldg_evm_world_apply_tx(ldg_evm_world *w, const ldg_evm_block *b, const ldg_evm_tx *tx,
                            ldg_evm_tx_outcome *out)
{
    memset(out, 0, sizeof *out);
    clear_logs(w);
    ldg_u256 price, blob_fee;
    out->invalid_reason = validate(w, b, tx, &price, &blob_fee);
    if (out->invalid_reason)
        return !w->failed;
    out->valid = true;
    world_account *sender = ldg_world_find(w, &tx->sender);
    ldg_u256 upfront = ldg_u256_add(mul_u64(price, (uint64_t)tx->gas_limit), blob_fee);
    ldg_world_set_balance(w, sender, ldg_u256_sub(sender->balance, upfront));
    if (!tx->is_create)
        ldg_world_set_nonce(w, sender, sender->nonce + 1);
    w->tx = (ldg_evm_tx_context){
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

    ldg_evm_result r = execute(w, tx, tx->gas_limit - intrinsic_gas(tx));
    int64_t gas_used = tx->gas_limit - r.gas_left;
    int64_t refund = r.status == LDG_EVM_SUCCESS && r.gas_refund > 0 ? r.gas_refund : 0;
    if (refund > gas_used / 5) /* EIP-3529 */
        refund = gas_used / 5;
    gas_used -= refund;
    ldg_world_set_balance(
        w, sender,
        ldg_u256_add(sender->balance, mul_u64(price, (uint64_t)(tx->gas_limit - gas_used))));
    world_account *cb = ldg_world_get_or_create(w, &b->coinbase);
    if (cb) {
        ldg_u256 tip = mul_u64(ldg_u256_sub(price, b->base_fee), (uint64_t)gas_used);
        ldg_world_set_balance(w, cb, ldg_u256_add(cb->balance, tip));
        ldg_world_touch(w, cb);
    }
    finalize(w);
    out->status = r.status;
    out->gas_used = gas_used;
    out->output_data = r.output_data;
    out->output_size = r.output_size;
    out->create_address = r.create_address;
    return !w->failed;
}

/* ---- roots ---- */

static bool storage_root(world_account *a, uint8_t root[32])
{
    ldg_mpt_item *items = calloc(a->storage.count + 1, sizeof *items);
    uint8_t(*vals)[33] = calloc(a->storage.count + 1, sizeof *vals);
    bool ok = items && vals;
    size_t n = 0;
    for (size_t i = 0; ok && i < a->storage.cap; i++) {
        world_slot *s = &a->storage.slots[i];
        if (!s->used || ldg_u256_is_zero(s->value))
            continue;
        uint8_t kb[32], vb[32];
        ldg_u256_to_be(kb, s->key);
        ldg_keccak256(items[n].key, kb, 32);
        /* The stored value is rlp(minimal big-endian bytes). */
        ldg_u256_to_be(vb, s->value);
        size_t len = ldg_u256_byte_len(s->value);
        size_t vl = 0;
        if (len == 1 && vb[31] < 0x80) {
            vals[n][vl++] = vb[31];
        } else {
            vals[n][vl++] = (uint8_t)(0x80 + len);
            memcpy(vals[n] + vl, vb + 32 - len, len);
            vl += len;
        }
        items[n].value = vals[n];
        items[n].value_len = vl;
        n++;
    }
    ok = ok && ldg_mpt_root(root, items, n);
    free(items);
    free(vals);
    return ok;
}

bool ldg_evm_world_state_root(ldg_evm_world *w, uint8_t root[32])
{
    ldg_mpt_item *items = calloc(w->account_count + 1, sizeof *items);
    ldg_rlp_buf *bufs = calloc(w->account_count + 1, sizeof *bufs);
    bool ok = items && bufs;
    size_t n = 0;
    for (size_t i = 0; ok && i < w->account_count; i++) {
        world_account *a = w->accounts[i];
        if (!a->alive)
            continue;
        uint8_t sroot[32];
        ok = storage_root(a, sroot);
        ldg_rlp_buf *b = &bufs[n];
        size_t start = ldg_rlp_list_begin(b);
        ldg_rlp_put_u64(b, a->nonce);
        ldg_rlp_put_u256(b, a->balance);
        ldg_rlp_put_bytes(b, sroot, 32);
        ldg_rlp_put_bytes(b, a->code_hash.bytes, 32);
        ldg_rlp_list_end(b, start);
        ok = ok && !b->failed;
        ldg_keccak256(items[n].key, a->addr.bytes, 20);
        items[n].value = b->data;
        items[n].value_len = b->len;
        n++;
    }
    ok = ok && ldg_mpt_root(root, items, n);
    for (size_t i = 0; bufs && i < n; i++)
        ldg_rlp_free(&bufs[i]);
    free(bufs);
    free(items);
    return ok;
}

bool ldg_evm_world_logs_hash(const ldg_evm_world *w, uint8_t hash[32])
{
    ldg_rlp_buf b;
    ldg_rlp_init(&b);
    size_t all = ldg_rlp_list_begin(&b);
    for (size_t i = 0; i < w->log_count; i++) {
        const world_log *l = &w->logs[i];
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
    return w->log_count;
}
