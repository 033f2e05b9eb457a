/* Interpreter behaviour on its own (no state tests): exceptional halts, gas, jumps,
 * limits, and a few end-to-end programs through the in-memory world. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldg_evm.h"
#include "ldg_evm_state.h"
#include "ldg_keccak.h"

static const ldg_evm_address CONTRACT = {{[19] = 0xcc}};
static const ldg_evm_address CALLER = {{[19] = 0xaa}};

/* Runs code as CONTRACT in a fresh world with the given gas. */
static ldg_evm_result run(const uint8_t *code, size_t len, int64_t gas)
{
    ldg_evm_world *w = ldg_evm_world_new();
    ck_assert_ptr_nonnull(w);
    ck_assert(ldg_evm_world_set_account(w, &CONTRACT, 1, ldg_u256_zero(), code, len));
    ck_assert(ldg_evm_world_set_account(w, &CALLER, 0, ldg_u256_from_u64(1000000), NULL, 0));
    ldg_evm_message m = {.kind = LDG_EVM_CALL,
                         .gas = gas,
                         .recipient = CONTRACT,
                         .sender = CALLER,
                         .code_address = CONTRACT};
    ldg_evm_result r =
        ldg_evm_execute_bytes(ldg_evm_world_host(), ldg_evm_world_ctx(w), &m, code, len);
    ldg_evm_world_free(w);
    return r;
}

static ldg_evm_status status_of(const uint8_t *code, size_t len, int64_t gas)
{
    ldg_evm_result r = run(code, len, gas);
    ldg_evm_status s = r.status;
    ldg_evm_result_release(&r);
    return s;
}

#define RUN_STATUS(gas, ...)                                                                       \
    status_of((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}), gas)

START_TEST(test_return_value)
{
    /* PUSH1 0x2a PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN */
    const uint8_t code[] = {0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3};
    ldg_evm_result r = run(code, sizeof code, 100000);
    ck_assert_int_eq(r.status, LDG_EVM_SUCCESS);
    ck_assert_uint_eq(r.output_size, 32);
    ck_assert_uint_eq(r.output_data[31], 0x2a);
    /* 3+3+3 (+3 memory for one word) +3+3 = 18 */
    ck_assert_int_eq(r.gas_left, 100000 - 18);
    ldg_evm_result_release(&r);
}
END_TEST

START_TEST(test_invalid_and_undefined_opcodes)
{
    ck_assert_int_eq(RUN_STATUS(1000, 0xfe), LDG_EVM_INVALID_INSTRUCTION);
    ck_assert_int_eq(RUN_STATUS(1000, 0x0c), LDG_EVM_UNDEFINED_INSTRUCTION);
    ck_assert_int_eq(RUN_STATUS(1000, 0x21), LDG_EVM_UNDEFINED_INSTRUCTION);
    ck_assert_int_eq(RUN_STATUS(1000, 0xef), LDG_EVM_UNDEFINED_INSTRUCTION);
    ck_assert_int_eq(RUN_STATUS(1000, 0xf6), LDG_EVM_UNDEFINED_INSTRUCTION);
    ldg_evm_result r = run((const uint8_t[]){0xfe}, 1, 1000);
    ck_assert_int_eq(r.gas_left, 0); /* exceptional halt consumes all gas */
}
END_TEST

START_TEST(test_stack_underflow_overflow)
{
    ck_assert_int_eq(RUN_STATUS(1000, 0x01), LDG_EVM_STACK_UNDERFLOW);
    ck_assert_int_eq(RUN_STATUS(1000, 0x60, 0x01, 0x01), LDG_EVM_STACK_UNDERFLOW);
    ck_assert_int_eq(RUN_STATUS(1000, 0x50), LDG_EVM_STACK_UNDERFLOW);
    ck_assert_int_eq(RUN_STATUS(1000, 0x5f, 0x90), LDG_EVM_STACK_UNDERFLOW);
    ck_assert_int_eq(RUN_STATUS(1000, 0x80), LDG_EVM_STACK_UNDERFLOW);
    /* JUMPDEST PUSH0 PUSH0 JUMP: grows by one per loop until 1024 + 1. */
    ck_assert_int_eq(RUN_STATUS(1000000, 0x5b, 0x5f, 0x5f, 0x56), LDG_EVM_STACK_OVERFLOW);
    /* 1024 PUSH0 fit exactly; the 1025th overflows. */
    uint8_t code[1026];
    memset(code, 0x5f, 1024);
    code[1024] = 0x00;
    ck_assert_int_eq(status_of(code, 1025, 100000), LDG_EVM_SUCCESS);
    code[1024] = 0x5f;
    ck_assert_int_eq(status_of(code, 1025, 100000), LDG_EVM_STACK_OVERFLOW);
    code[1024] = 0x80; /* DUP1 at 1024 overflows too */
    ck_assert_int_eq(status_of(code, 1025, 100000), LDG_EVM_STACK_OVERFLOW);
}
END_TEST

START_TEST(test_out_of_gas)
{
    ck_assert_int_eq(RUN_STATUS(2, 0x60, 0x01), LDG_EVM_OUT_OF_GAS);
    ck_assert_int_eq(RUN_STATUS(3, 0x60, 0x01), LDG_EVM_SUCCESS);
    /* MSTORE at a huge offset: memory cost far beyond any gas. */
    ck_assert_int_eq(RUN_STATUS(1000000, 0x5f, 0x63, 0xff, 0xff, 0xff, 0xff, 0x52),
                     LDG_EVM_OUT_OF_GAS);
    /* MLOAD at offset 2^255. */
    ck_assert_int_eq(RUN_STATUS(1000000, 0x60, 0x01, 0x60, 0xff, 0x1b, 0x51), LDG_EVM_OUT_OF_GAS);
    /* Infinite loop: JUMPDEST PUSH0 JUMP */
    ck_assert_int_eq(RUN_STATUS(100000, 0x5b, 0x5f, 0x56), LDG_EVM_OUT_OF_GAS);
    /* SSTORE with gas <= 2300 fails (EIP-2200). */
    ck_assert_int_eq(RUN_STATUS(2306, 0x60, 0x01, 0x5f, 0x55), LDG_EVM_OUT_OF_GAS);
    /* EXP charges 50 per exponent byte: 3+3+10+50*32 */
    ck_assert_int_eq(RUN_STATUS(1615, 0x7f, [1 ... 32] = 0xff, 0x60, 0x02, 0x0a),
                     LDG_EVM_OUT_OF_GAS);
    ck_assert_int_eq(RUN_STATUS(1616, 0x7f, [1 ... 32] = 0xff, 0x60, 0x02, 0x0a), LDG_EVM_SUCCESS);
}
END_TEST

START_TEST(test_jumps)
{
    /* PUSH1 4 JUMP INVALID JUMPDEST STOP */
    ck_assert_int_eq(RUN_STATUS(1000, 0x60, 0x04, 0x56, 0xfe, 0x5b, 0x00), LDG_EVM_SUCCESS);
    /* Into push data: PUSH1 4 JUMP PUSH1 0x5b (the 0x5b at offset 4 is data) */
    ck_assert_int_eq(RUN_STATUS(1000, 0x60, 0x04, 0x56, 0x60, 0x5b, 0x00),
                     LDG_EVM_BAD_JUMP_DESTINATION);
    /* Not a JUMPDEST, past the end, and huge. */
    ck_assert_int_eq(RUN_STATUS(1000, 0x60, 0x00, 0x56), LDG_EVM_BAD_JUMP_DESTINATION);
    ck_assert_int_eq(RUN_STATUS(1000, 0x60, 0x10, 0x56), LDG_EVM_BAD_JUMP_DESTINATION);
    ck_assert_int_eq(RUN_STATUS(1000, 0x5f, 0x19, 0x56), LDG_EVM_BAD_JUMP_DESTINATION);
    /* JUMPI not taken ignores a bad destination. */
    ck_assert_int_eq(RUN_STATUS(1000, 0x5f, 0x60, 0x10, 0x57, 0x00), LDG_EVM_SUCCESS);
    ck_assert_int_eq(RUN_STATUS(1000, 0x60, 0x01, 0x60, 0x10, 0x57), LDG_EVM_BAD_JUMP_DESTINATION);
    /* A truncated PUSH32 at the end reads zeros and stops. */
    ck_assert_int_eq(RUN_STATUS(1000, 0x7f, 0x01), LDG_EVM_SUCCESS);
    ldg_evm_code *c = ldg_evm_code_analyze((const uint8_t[]){0x60, 0x5b, 0x5b}, 3);
    ck_assert(!ldg_evm_code_is_jumpdest(c, 1));
    ck_assert(ldg_evm_code_is_jumpdest(c, 2));
    ck_assert(!ldg_evm_code_is_jumpdest(c, 3));
    ldg_evm_code_free(c);
}
END_TEST

START_TEST(test_static_and_revert)
{
    /* REVERT keeps the gas left and the data. PUSH1 1 PUSH0 MSTORE8 PUSH1 1 PUSH0 REVERT */
    const uint8_t code[] = {0x60, 0x01, 0x5f, 0x53, 0x60, 0x01, 0x5f, 0xfd};
    ldg_evm_result r = run(code, sizeof code, 1000);
    ck_assert_int_eq(r.status, LDG_EVM_REVERT);
    ck_assert_uint_eq(r.output_size, 1);
    ck_assert_uint_eq(r.output_data[0], 1);
    ck_assert_int_gt(r.gas_left, 0);
    ldg_evm_result_release(&r);
    /* SSTORE under a static message. */
    ldg_evm_world *w = ldg_evm_world_new();
    const uint8_t sstore[] = {0x60, 0x01, 0x5f, 0x55};
    ck_assert(ldg_evm_world_set_account(w, &CONTRACT, 1, ldg_u256_zero(), sstore, 4));
    ldg_evm_message m = {.kind = LDG_EVM_CALL,
                         .flags = LDG_EVM_STATIC,
                         .gas = 100000,
                         .recipient = CONTRACT,
                         .code_address = CONTRACT};
    r = ldg_evm_execute_bytes(ldg_evm_world_host(), ldg_evm_world_ctx(w), &m, sstore, 4);
    ck_assert_int_eq(r.status, LDG_EVM_STATIC_MODE_VIOLATION);
    ldg_evm_world_free(w);
}
END_TEST

/* Deploys code through a creation transaction; returns the outcome. */
static ldg_evm_tx_outcome deploy(ldg_evm_world *w, const uint8_t *init, size_t len)
{
    ldg_evm_block b = {.gas_limit = 30000000, .number = 1, .chain_id = ldg_u256_from_u64(1)};
    ldg_evm_tx tx = {.sender = CALLER,
                     .is_create = true,
                     .gas_limit = 10000000,
                     .nonce = ldg_evm_world_nonce(w, &CALLER),
                     .gas_price = ldg_u256_zero(),
                     .data = init,
                     .data_size = len};
    ldg_evm_tx_outcome out;
    ck_assert(ldg_evm_world_apply_tx(w, &b, &tx, &out));
    return out;
}

START_TEST(test_code_size_limits)
{
    ldg_evm_world *w = ldg_evm_world_new();
    ck_assert(ldg_evm_world_set_account(w, &CALLER, 0, ldg_u256_from_u64(1000000), NULL, 0));
    /* init: PUSH2 size PUSH0 RETURN (returns zeros of the given size) */
    uint8_t init[] = {0x61, 0x60, 0x00, 0x5f, 0xf3};
    ldg_evm_tx_outcome out = deploy(w, init, sizeof init); /* 24576: allowed */
    ck_assert(out.valid);
    ck_assert_int_eq(out.status, LDG_EVM_SUCCESS);
    free(out.output_data);
    init[2] = 0x01; /* 24577 */
    out = deploy(w, init, sizeof init);
    ck_assert(out.valid);
    ck_assert_int_eq(out.status, LDG_EVM_OUT_OF_GAS);
    free(out.output_data);
    /* Code starting with 0xEF is rejected (EIP-3541): PUSH1 0xef PUSH0 MSTORE8 PUSH1 1 PUSH0 RETURN
     */
    const uint8_t ef[] = {0x60, 0xef, 0x5f, 0x53, 0x60, 0x01, 0x5f, 0xf3};
    out = deploy(w, ef, sizeof ef);
    ck_assert_int_eq(out.status, LDG_EVM_CONTRACT_VALIDATION_FAILURE);
    free(out.output_data);
    /* Init code over 49152 bytes makes the transaction invalid (EIP-3860). */
    uint8_t *big = calloc(LDG_EVM_INITCODE_SIZE_MAX + 1, 1);
    out = deploy(w, big, LDG_EVM_INITCODE_SIZE_MAX + 1);
    ck_assert(!out.valid);
    free(big);
    ck_assert_uint_eq(ldg_evm_world_nonce(w, &CALLER), 3);
    ldg_evm_world_free(w);
}
END_TEST

START_TEST(test_create_opcode_initcode_limit)
{
    /* CREATE with size 49153 from memory fails the frame: PUSH2 0xc001 PUSH0 PUSH0 CREATE */
    ck_assert_int_eq(RUN_STATUS(10000000, 0x61, 0xc0, 0x01, 0x5f, 0x5f, 0xf0), LDG_EVM_OUT_OF_GAS);
    /* 49152 is fine (the init code is zeros: STOP). */
    ck_assert_int_eq(RUN_STATUS(10000000, 0x61, 0xc0, 0x00, 0x5f, 0x5f, 0xf0), LDG_EVM_SUCCESS);
}
END_TEST

START_TEST(test_keccak_vectors)
{
    uint8_t h[32];
    ldg_keccak256(h, NULL, 0);
    ck_assert_uint_eq(h[0], 0xc5);
    ck_assert_uint_eq(h[31], 0x70);
    ldg_keccak256(h, (const uint8_t *)"abc", 3);
    ck_assert_uint_eq(h[0], 0x4e);
    ck_assert_uint_eq(h[1], 0x03);
    ck_assert_uint_eq(h[31], 0x45);
    /* Incremental over the rate boundary equals one-shot. */
    uint8_t data[300], h2[32];
    for (int i = 0; i < 300; i++)
        data[i] = (uint8_t)i;
    ldg_keccak256(h, data, 300);
    ldg_keccak k;
    ldg_keccak_init(&k);
    ldg_keccak_update(&k, data, 100);
    ldg_keccak_update(&k, data + 100, 36);
    ldg_keccak_update(&k, data + 136, 164);
    ldg_keccak_final(&k, h2);
    ck_assert_mem_eq(h, h2, 32);
}
END_TEST

static ldg_evm_address addr_hex(const char *hex)
{
    ldg_evm_address a;
    for (int i = 0; i < 20; i++) {
        unsigned v;
        ck_assert(sscanf(hex + 2 * i, "%2x", &v) == 1);
        a.bytes[i] = (uint8_t)v;
    }
    return a;
}

/* Sends a call transaction from CALLER to `to`; returns the outcome (output freed). */
static ldg_evm_tx_outcome call_tx(ldg_evm_world *w, const ldg_evm_address *to)
{
    ldg_evm_block b = {.gas_limit = 30000000, .number = 1, .chain_id = ldg_u256_from_u64(1)};
    ldg_evm_tx tx = {.sender = CALLER,
                     .to = *to,
                     .gas_limit = 1000000,
                     .nonce = ldg_evm_world_nonce(w, &CALLER),
                     .gas_price = ldg_u256_zero()};
    ldg_evm_tx_outcome out;
    ck_assert(ldg_evm_world_apply_tx(w, &b, &tx, &out));
    ck_assert(out.valid);
    free(out.output_data);
    out.output_data = NULL;
    return out;
}

START_TEST(test_create_addresses)
{
    /* CREATE: keccak(rlp([sender, nonce])) */
    ldg_evm_world *w = ldg_evm_world_new();
    ldg_evm_address sender = addr_hex("6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0");
    ck_assert(ldg_evm_world_set_account(w, &sender, 0, ldg_u256_from_u64(1000000), NULL, 0));
    ldg_evm_block b = {.gas_limit = 30000000, .number = 1, .chain_id = ldg_u256_from_u64(1)};
    const uint8_t init[] = {0x00};
    ldg_evm_tx tx = {.sender = sender,
                     .is_create = true,
                     .gas_limit = 100000,
                     .gas_price = ldg_u256_zero(),
                     .data = init,
                     .data_size = 1};
    ldg_evm_tx_outcome out;
    ck_assert(ldg_evm_world_apply_tx(w, &b, &tx, &out));
    ck_assert_int_eq(out.status, LDG_EVM_SUCCESS);
    ldg_evm_address want = addr_hex("cd234a471b72ba2f1ccf0a70fcaba648a5eecd8d");
    ck_assert_mem_eq(out.create_address.bytes, want.bytes, 20);
    ck_assert(ldg_evm_world_account_alive(w, &want));
    ck_assert_uint_eq(ldg_evm_world_nonce(w, &want), 1);
    ldg_evm_world_free(w);

    /* CREATE2, EIP-1014 example 0: deployer 0x0, salt 0, init code 0x00. */
    w = ldg_evm_world_new();
    const ldg_evm_address zero = {{0}};
    /* PUSH0 PUSH1 1 PUSH0 PUSH0 CREATE2 PUSH0 MSTORE PUSH1 32 PUSH0 RETURN */
    const uint8_t code[] = {0x5f, 0x60, 0x01, 0x5f, 0x5f, 0xf5, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3};
    ck_assert(ldg_evm_world_set_account(w, &zero, 1, ldg_u256_zero(), code, sizeof code));
    ldg_evm_message m = {
        .kind = LDG_EVM_CALL, .gas = 1000000, .recipient = zero, .code_address = zero};
    ldg_evm_result r =
        ldg_evm_execute_bytes(ldg_evm_world_host(), ldg_evm_world_ctx(w), &m, code, sizeof code);
    ck_assert_int_eq(r.status, LDG_EVM_SUCCESS);
    want = addr_hex("4d1a2e2bb4f88f0250f26ffff098b0b30b26bf38");
    ck_assert_mem_eq(r.output_data + 12, want.bytes, 20);
    ldg_evm_result_release(&r);
    ldg_evm_world_free(w);
}
END_TEST

START_TEST(test_revert_undoes_callee_state)
{
    ldg_evm_world *w = ldg_evm_world_new();
    ldg_evm_address a = addr_hex("00000000000000000000000000000000000000a1");
    ldg_evm_address b = addr_hex("00000000000000000000000000000000000000b1");
    /* B: SSTORE(0, 1); LOG0; REVERT(0, 0) */
    const uint8_t code_b[] = {0x60, 0x01, 0x5f, 0x55, 0x5f, 0x5f, 0xa0, 0x5f, 0x5f, 0xfd};
    /* A: CALL(gas, B, 0, 0, 0, 0, 0); PUSH1 1 SSTORE(1, result + 1) */
    const uint8_t code_a[] = {0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x60, 0xb1, 0x5a,
                              0xf1, 0x60, 0x01, 0x01, 0x60, 0x01, 0x55};
    ck_assert(ldg_evm_world_set_account(w, &a, 1, ldg_u256_zero(), code_a, sizeof code_a));
    ck_assert(ldg_evm_world_set_account(w, &b, 1, ldg_u256_zero(), code_b, sizeof code_b));
    ck_assert(ldg_evm_world_set_account(w, &CALLER, 0, ldg_u256_from_u64(1), NULL, 0));
    ldg_evm_tx_outcome out = call_tx(w, &a);
    ck_assert_int_eq(out.status, LDG_EVM_SUCCESS);
    ck_assert(ldg_u256_is_zero(ldg_evm_world_storage(w, &b, ldg_u256_zero())));
    ck_assert(ldg_u256_eq(ldg_evm_world_storage(w, &a, ldg_u256_from_u64(1)),
                          ldg_u256_from_u64(1))); /* call returned 0 */
    ck_assert_uint_eq(ldg_evm_world_log_count(w), 0);
    ldg_evm_world_free(w);
}
END_TEST

START_TEST(test_sstore_refund_capped)
{
    ldg_evm_world *w = ldg_evm_world_new();
    /* PUSH0 PUSH0 SSTORE: clears slot 0 (was 1): 2 + 2 + 2100 cold + 2900, refund 4800. */
    const uint8_t code[] = {0x5f, 0x5f, 0x55};
    ck_assert(ldg_evm_world_set_account(w, &CONTRACT, 1, ldg_u256_zero(), code, sizeof code));
    ck_assert(ldg_evm_world_set_storage(w, &CONTRACT, ldg_u256_zero(), ldg_u256_from_u64(1)));
    ck_assert(ldg_evm_world_set_account(w, &CALLER, 0, ldg_u256_from_u64(1), NULL, 0));
    ldg_evm_tx_outcome out = call_tx(w, &CONTRACT);
    ck_assert_int_eq(out.status, LDG_EVM_SUCCESS);
    ck_assert_int_eq(out.gas_used, 21000 + 5004 - 4800);
    ldg_evm_world_free(w);
}
END_TEST

START_TEST(test_transient_storage_cleared_between_txs)
{
    ldg_evm_world *w = ldg_evm_world_new();
    /* SSTORE(0, TLOAD(1)); TSTORE(1, 7) */
    const uint8_t code[] = {0x60, 0x01, 0x5c, 0x5f, 0x55, 0x60, 0x07, 0x60, 0x01, 0x5d};
    ck_assert(ldg_evm_world_set_account(w, &CONTRACT, 1, ldg_u256_zero(), code, sizeof code));
    ck_assert(ldg_evm_world_set_account(w, &CALLER, 0, ldg_u256_from_u64(1), NULL, 0));
    ck_assert_int_eq(call_tx(w, &CONTRACT).status, LDG_EVM_SUCCESS);
    ck_assert_int_eq(call_tx(w, &CONTRACT).status, LDG_EVM_SUCCESS);
    ck_assert(ldg_u256_is_zero(ldg_evm_world_storage(w, &CONTRACT, ldg_u256_zero())));
    /* Within one frame TLOAD sees TSTORE: TSTORE(1, 5) TLOAD(1) MSTORE RETURN */
    const uint8_t t[] = {0x60, 0x05, 0x60, 0x01, 0x5d, 0x60, 0x01,
                         0x5c, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3};
    ldg_evm_result r = run(t, sizeof t, 100000);
    ck_assert_int_eq(r.status, LDG_EVM_SUCCESS);
    ck_assert_uint_eq(r.output_data[31], 5);
    ldg_evm_result_release(&r);
    ldg_evm_world_free(w);
}
END_TEST

START_TEST(test_call_depth_limit)
{
    /* The contract calls itself with all its gas; with enough gas the recursion reaches
     * depth 1024, where the CALL pushes 0 instead of failing, and every frame returns. */
    ldg_evm_world *w = ldg_evm_world_new();
    /* CALL(gas, ADDRESS, 0, 0, 0, 0, 0); SSTORE(0, 1) */
    const uint8_t code[] = {0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x30, 0x5a,
                            0xf1, 0x50, 0x60, 0x01, 0x5f, 0x55};
    ck_assert(ldg_evm_world_set_account(w, &CONTRACT, 1, ldg_u256_zero(), code, sizeof code));
    ldg_evm_tx_context tx = {.chain_id = ldg_u256_from_u64(1)};
    ldg_evm_world_set_tx_context(w, &tx);
    ldg_evm_message m = {.kind = LDG_EVM_CALL,
                         .gas = INT64_MAX / 2,
                         .recipient = CONTRACT,
                         .sender = CALLER,
                         .code_address = CONTRACT};
    ldg_evm_result r =
        ldg_evm_execute_bytes(ldg_evm_world_host(), ldg_evm_world_ctx(w), &m, code, sizeof code);
    ck_assert_int_eq(r.status, LDG_EVM_SUCCESS);
    /* 1025 frames ran, each spending ~245 gas (warm CALL, warm SSTORE, stack ops); a
     * shallower recursion would have used far less. */
    int64_t used = INT64_MAX / 2 - r.gas_left;
    ck_assert_int_gt(used, 1024 * 240);
    ck_assert_int_lt(used, 1026 * 260 + 22100);
    ck_assert(
        ldg_u256_eq(ldg_evm_world_storage(w, &CONTRACT, ldg_u256_zero()), ldg_u256_from_u64(1)));
    ldg_evm_result_release(&r);
    ldg_evm_world_free(w);
}
END_TEST

/* Calls precompile `id` with input via STATICCALL and returns its 32-byte output word. */
static void precompile_word(uint8_t id, const char *input_hex, uint8_t out[32])
{
    uint8_t input[256];
    size_t n = strlen(input_hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        ck_assert(sscanf(input_hex + 2 * i, "%2x", &v) == 1);
        input[i] = (uint8_t)v;
    }
    /* CALLDATACOPY(0, 0, size); STATICCALL(gas, id, 0, size, 0x100, 32); RETURN(0x100, 32) */
    const uint8_t code[] = {0x36, 0x5f, 0x5f, 0x37, 0x60, 0x20, 0x61, 0x01, 0x00, 0x36, 0x5f,
                            0x60, id,   0x5a, 0xfa, 0x50, 0x60, 0x20, 0x61, 0x01, 0x00, 0xf3};
    ldg_evm_world *w = ldg_evm_world_new();
    ck_assert(ldg_evm_world_set_account(w, &CONTRACT, 1, ldg_u256_zero(), code, sizeof code));
    ldg_evm_message m = {.kind = LDG_EVM_CALL,
                         .gas = 100000,
                         .recipient = CONTRACT,
                         .sender = CALLER,
                         .code_address = CONTRACT,
                         .input_data = input,
                         .input_size = n};
    ldg_evm_result r =
        ldg_evm_execute_bytes(ldg_evm_world_host(), ldg_evm_world_ctx(w), &m, code, sizeof code);
    ck_assert_int_eq(r.status, LDG_EVM_SUCCESS);
    ck_assert_uint_eq(r.output_size, 32);
    memcpy(out, r.output_data, 32);
    ldg_evm_result_release(&r);
    ldg_evm_world_free(w);
}

START_TEST(test_precompiles)
{
    uint8_t out[32];
    /* ecrecover (go-ethereum's test vector) */
    precompile_word(1,
                    "38d18acb67d25c8bb9942764b62f18e17054f66a817bd4295423adf9ed98873e"
                    "000000000000000000000000000000000000000000000000000000000000001b"
                    "38d18acb67d25c8bb9942764b62f18e17054f66a817bd4295423adf9ed98873e"
                    "789d1dd423d25f0772d2748d60f7e4b81bb14d086eba8e8e8efb6dcff8a4ae02",
                    out);
    ldg_evm_address want = addr_hex("ceaccac640adf55b2028469bd36ba501f28b699d");
    ck_assert_mem_eq(out + 12, want.bytes, 20);
    precompile_word(2, "616263", out); /* sha256("abc") */
    ck_assert_uint_eq(out[0], 0xba);
    ck_assert_uint_eq(out[31], 0xad);
    precompile_word(3, "616263", out); /* ripemd160("abc"), left-padded */
    ck_assert_uint_eq(out[0], 0);
    ck_assert_uint_eq(out[12], 0x8e);
    ck_assert_uint_eq(out[31], 0xfc);
    precompile_word(4, "616263", out); /* identity */
    ck_assert_uint_eq(out[0], 0x61);
    ck_assert_uint_eq(out[2], 0x63);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vm_evm");
    TCase *tc = tcase_create("evm");
    tcase_add_test(tc, test_return_value);
    tcase_add_test(tc, test_invalid_and_undefined_opcodes);
    tcase_add_test(tc, test_stack_underflow_overflow);
    tcase_add_test(tc, test_out_of_gas);
    tcase_add_test(tc, test_jumps);
    tcase_add_test(tc, test_static_and_revert);
    tcase_add_test(tc, test_code_size_limits);
    tcase_add_test(tc, test_create_opcode_initcode_limit);
    tcase_add_test(tc, test_keccak_vectors);
    tcase_add_test(tc, test_create_addresses);
    tcase_add_test(tc, test_revert_undoes_callee_state);
    tcase_add_test(tc, test_sstore_refund_capped);
    tcase_add_test(tc, test_transient_storage_cleared_between_txs);
    tcase_add_test(tc, test_call_depth_limit);
    tcase_add_test(tc, test_precompiles);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
