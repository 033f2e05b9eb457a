/* libFuzzer target: random bytecode through the interpreter and the in-memory world.
 * The input is the code of a contract (also its call data); it is called once directly
 * and once through a transaction, then deployed as init code, and the state root is
 * computed. Checks the interpreter's invariants: gas never grows, exceptional halts
 * consume all gas and return no data, nothing crashes or leaks under ASan. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldg_assert.h"
#include "ldg_evm.h"
#include "ldg_evm_state.h"

/* Bounds one input's run time: about 30k cheap instructions. */
#define FUZZ_EVM_GAS 100000
#define FUZZ_EVM_CODE_MAX 4096

static const ldg_evm_address fuzz_contract = {{[19] = 0xcc}};
static const ldg_evm_address fuzz_other = {{[19] = 0xdd}};
static const ldg_evm_address fuzz_sender = {{[19] = 0xaa}};

static void check_result(const ldg_evm_result *r, int64_t gas)
{
    LDG_ASSERT(r->gas_left >= 0 && r->gas_left <= gas);
    if (r->status != LDG_EVM_SUCCESS && r->status != LDG_EVM_REVERT) {
        LDG_ASSERT(r->gas_left == 0);
        LDG_ASSERT(r->output_size == 0);
    }
    if (r->status != LDG_EVM_SUCCESS)
        LDG_ASSERT(r->gas_refund == 0);
}

static ldg_evm_world *fuzz_world(const uint8_t *code, size_t size)
{
    ldg_evm_world *w = ldg_evm_world_new();
    LDG_ASSERT(w);
    LDG_ASSERT(
        ldg_evm_world_set_account(w, &fuzz_contract, 1, ldg_u256_from_u64(1000000), code, size));
    LDG_ASSERT(ldg_evm_world_set_account(w, &fuzz_other, 0, ldg_u256_from_u64(5), code, size));
    LDG_ASSERT(
        ldg_evm_world_set_account(w, &fuzz_sender, 0, ldg_u256_from_u64(1ULL << 40), NULL, 0));
    LDG_ASSERT(
        ldg_evm_world_set_storage(w, &fuzz_contract, ldg_u256_from_u64(1), ldg_u256_from_u64(7)));
    return w;
}

static void fuzz_direct(const uint8_t *code, size_t size)
{
    ldg_evm_world *w = fuzz_world(code, size);
    ldg_evm_message m = {.kind = LDG_EVM_CALL,
                         .gas = FUZZ_EVM_GAS,
                         .recipient = fuzz_contract,
                         .sender = fuzz_sender,
                         .code_address = fuzz_contract,
                         .input_data = code,
                         .input_size = size,
                         .value = ldg_u256_from_u64(3)};
    ldg_evm_result r =
        ldg_evm_execute_bytes(ldg_evm_world_host(), ldg_evm_world_ctx(w), &m, code, size);
    check_result(&r, FUZZ_EVM_GAS);
    ldg_evm_result_release(&r);
    ldg_evm_world_free(w);
}

static void fuzz_tx(const uint8_t *code, size_t size, bool create)
{
    ldg_evm_world *w = fuzz_world(code, size);
    ldg_evm_block b = {.gas_limit = 30000000,
                       .number = 5,
                       .timestamp = 1000,
                       .base_fee = ldg_u256_from_u64(7),
                       .chain_id = ldg_u256_from_u64(1)};
    ldg_evm_tx tx = {.sender = fuzz_sender,
                     .is_create = create,
                     .to = fuzz_contract,
                     .gas_limit = 21000 + 32000 + 16 * (int64_t)size + FUZZ_EVM_GAS,
                     .gas_price = ldg_u256_from_u64(10),
                     .value = ldg_u256_from_u64(1),
                     .data = code,
                     .data_size = size};
    ldg_evm_tx_outcome out;
    LDG_ASSERT(ldg_evm_world_apply_tx(w, &b, &tx, &out));
    LDG_ASSERT(out.valid);
    LDG_ASSERT(out.gas_used > 0 && out.gas_used <= tx.gas_limit);
    uint8_t root[32], logs[32];
    LDG_ASSERT(ldg_evm_world_state_root(w, root));
    LDG_ASSERT(ldg_evm_world_logs_hash(w, logs));
    free(out.output_data);
    ldg_evm_world_free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_EVM_CODE_MAX)
        return 0;
    fuzz_direct(data, size);
    fuzz_tx(data, size, false);
    fuzz_tx(data, size, true);
    return 0;
}

/* Seeds: small programs that reach the interesting paths (memory, storage, calls,
 * creates, logs, transient storage, self-destruct). */
static const char *const fuzz_seeds[] = {
    /* loop: i = 100; do { i-- } while (i) with arithmetic */
    "606460005b600190038060020a5060018101905080600457",
    /* keccak of 64 bytes of memory, stored */
    "7fdeadbeef00000000000000000000000000000000000000000000000000000000600052604060002060015500",
    /* sload/sstore/tstore/tload/mcopy */
    "60015460020260025560055f5d5f5c60035260205f60205e595f5500",
    /* call self with value 1, returndatacopy */
    "60206000602060006001305af1503d5f5f3e3d5f5ff3",
    /* staticcall other, delegatecall other */
    "5f5f5f5f60dd61fffffa505f5f5f5f60dd61fffff450",
    /* create and create2 with tiny init code returning 1 byte */
    "6c60016000536001601ff3000000005f52600d60135ff0506000600d60135f5ff500",
    /* log2 and revert with data */
    "60aa60bb60205f a2 60205ffd",
    /* selfdestruct to other */
    "60ddff",
};

static int hexv(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    if (index >= LDG_ARRAY_LEN(fuzz_seeds))
        return 0;
    size_t n = 0;
    int hi = -1;
    for (const char *p = fuzz_seeds[index]; *p && n < cap; p++) {
        int v = hexv(*p);
        if (v < 0)
            continue; /* spaces for readability */
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return n;
}
