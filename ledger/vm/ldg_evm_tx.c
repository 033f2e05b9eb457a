/* The standard precompiles folio provides (ecrecover, sha256, ripemd160, identity here;
 * 0x05..0x09 in ldg_evm_precompile.c) and the EIP-4844 blob gas price. */
#include "ldg_evm_world_int.h"

#include "ldg_keccak.h"

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

bool ldg_evm_is_precompile(const ldg_evm_address *addr)
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

bool ldg_evm_precompile_run(const ldg_evm_message *msg, ldg_evm_result *out)
{
    if (!ldg_evm_is_precompile(&msg->code_address))
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
    if (out->status == LDG_EVM_OUT_OF_MEMORY)
        out->gas_left = 0;
    return true;
}

/* ---- EIP-4844 blob gas ---- */

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
