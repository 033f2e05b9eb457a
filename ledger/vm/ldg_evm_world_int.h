/* Internals of ledger/vm: the standard precompiles (ldg_evm_tx.c, ldg_evm_precompile.c)
 * and the creation rules the host (ldg_vm_ledger.c) applies. Not part of the public API. */
#ifndef LDG_EVM_WORLD_INT_H
#define LDG_EVM_WORLD_INT_H

#include "ldg_evm_state.h"
#include "ldg_keccak.h"
#include "ldg_rlp.h"

#include <string.h>

/* Runs a standard precompiled contract (0x01..0x0a) at msg->code_address if there is one
 * there; returns false (and leaves out alone) if the address is not one. */
bool ldg_evm_precompile_run(const ldg_evm_message *msg, ldg_evm_result *out);
bool ldg_evm_is_precompile(const ldg_evm_address *addr);

/* EIP-4844: gas of one blob. */
#define LDG_EVM_BLOB_GAS_PER_BLOB 131072

/* Precompiles 0x05..0x09 (ldg_evm_precompile.c) on input (in, n) with gas: each returns
 * the result (gas left, output) or an out-of-gas / precompile-failure halt. */
ldg_evm_result ldg_evm_pc_modexp(const uint8_t *in, size_t n, int64_t gas);
ldg_evm_result ldg_evm_pc_bn_add(const uint8_t *in, size_t n, int64_t gas);
ldg_evm_result ldg_evm_pc_bn_mul(const uint8_t *in, size_t n, int64_t gas);
ldg_evm_result ldg_evm_pc_bn_pairing(const uint8_t *in, size_t n, int64_t gas);
ldg_evm_result ldg_evm_pc_blake2f(const uint8_t *in, size_t n, int64_t gas);
/* BLAKE2b's compression function F (RFC 7693 §3.2) with a chosen number of rounds. */
void ldg_blake2b_f(uint64_t h[8], const uint64_t m[16], const uint64_t t[2], bool last,
                   uint32_t rounds);

/* ---- contract creation ---- */

/* CREATE: the last 20 bytes of keccak256(rlp([sender, nonce])). */
static inline ldg_evm_address world_create_address(const ldg_evm_address *sender, uint64_t nonce)
{
    uint8_t h[32];
    ldg_rlp_buf b;
    ldg_rlp_init(&b);
    size_t start = ldg_rlp_list_begin(&b);
    ldg_rlp_put_bytes(&b, sender->bytes, 20);
    ldg_rlp_put_u64(&b, nonce);
    ldg_rlp_list_end(&b, start);
    LDG_ASSERT(!b.failed);
    ldg_keccak256(h, b.data, b.len);
    ldg_rlp_free(&b);
    ldg_evm_address a;
    memcpy(a.bytes, h + 12, 20);
    return a;
}

/* CREATE2: the last 20 bytes of keccak256(0xff ++ sender ++ salt ++ keccak256(init code)). */
static inline ldg_evm_address world_create2_address(const ldg_evm_message *msg)
{
    uint8_t buf[1 + 20 + 32 + 32], h[32];
    buf[0] = 0xff;
    memcpy(buf + 1, msg->sender.bytes, 20);
    memcpy(buf + 21, msg->create2_salt.bytes, 32);
    ldg_keccak256(buf + 53, msg->input_data, msg->input_size);
    ldg_keccak256(h, buf, sizeof buf);
    ldg_evm_address a;
    memcpy(a.bytes, h + 12, 20);
    return a;
}

/* The message that runs a creation's init code: to and at the new address, no input. */
static inline ldg_evm_message world_init_message(const ldg_evm_message *msg, ldg_evm_address addr)
{
    ldg_evm_message m = *msg;
    m.recipient = addr;
    m.code_address = addr;
    m.input_data = NULL;
    m.input_size = 0;
    return m;
}

/* Charges for depositing the code a successful init returned (EIP-170 size, EIP-3541 0xEF,
 * 200 gas per byte): true if the caller is to store it; otherwise r has failed, with no
 * gas left and no refund. */
static inline bool world_deposit_charge(ldg_evm_result *r)
{
    int64_t cost = 200 * (int64_t)r->output_size;
    if (r->output_size > LDG_EVM_CODE_SIZE_MAX || r->gas_left < cost) {
        r->status = LDG_EVM_OUT_OF_GAS;
    } else if (r->output_size && r->output_data[0] == 0xef) {
        r->status = LDG_EVM_CONTRACT_VALIDATION_FAILURE;
    } else {
        r->gas_left -= cost;
        return true;
    }
    r->gas_left = 0;
    r->gas_refund = 0;
    return false;
}

#endif
