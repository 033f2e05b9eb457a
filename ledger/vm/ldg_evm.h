/* The contract VM: an EVM interpreter pinned to the Cancun fork.
 *
 * The interpreter runs one call frame. It reaches the world only through ldg_evm_host, a
 * table of function pointers shaped like EVMC's host interface; nested calls and creates
 * go back through host->call, which runs a new frame. No floating point, no clock, no I/O.
 * See specs/vm.md for the normative description. */
#ifndef LDG_EVM_H
#define LDG_EVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldg_assert.h"
#include "ldg_evm_limits.h"
#include "ldg_u256.h"

typedef struct ldg_evm_address {
    uint8_t bytes[20];
} ldg_evm_address;

typedef struct ldg_evm_bytes32 {
    uint8_t bytes[32];
} ldg_evm_bytes32;

typedef enum ldg_evm_call_kind {
    LDG_EVM_CALL = 0,
    LDG_EVM_DELEGATECALL = 1,
    LDG_EVM_CALLCODE = 2,
    LDG_EVM_CREATE = 3,
    LDG_EVM_CREATE2 = 4,
} ldg_evm_call_kind;

/* Message flags. */
#define LDG_EVM_STATIC 1u /* no state modification allowed (STATICCALL and below) */

/* Status of a frame, numbered as EVMC's evmc_status_code. */
typedef enum ldg_evm_status {
    LDG_EVM_SUCCESS = 0,
    LDG_EVM_FAILURE = 1,
    LDG_EVM_REVERT = 2,
    LDG_EVM_OUT_OF_GAS = 3,
    LDG_EVM_INVALID_INSTRUCTION = 4, /* the designated INVALID opcode 0xfe */
    LDG_EVM_UNDEFINED_INSTRUCTION = 5,
    LDG_EVM_STACK_OVERFLOW = 6,
    LDG_EVM_STACK_UNDERFLOW = 7,
    LDG_EVM_BAD_JUMP_DESTINATION = 8,
    LDG_EVM_INVALID_MEMORY_ACCESS = 9, /* RETURNDATACOPY past the return data */
    LDG_EVM_CALL_DEPTH_EXCEEDED = 10,
    LDG_EVM_STATIC_MODE_VIOLATION = 11,
    LDG_EVM_PRECOMPILE_FAILURE = 12,
    LDG_EVM_CONTRACT_VALIDATION_FAILURE = 13, /* created code starts with 0xEF */
    LDG_EVM_ARGUMENT_OUT_OF_RANGE = 14,
    LDG_EVM_INSUFFICIENT_BALANCE = 17,
    LDG_EVM_INTERNAL_ERROR = -1,
    LDG_EVM_OUT_OF_MEMORY = -3,
} ldg_evm_status;

/* Name of a status ("SUCCESS", "OUT_OF_GAS", ...); static string. */
const char *ldg_evm_status_name(ldg_evm_status s);

/* One message call or creation. Borrowed pointers live for the duration of the call. */
typedef struct ldg_evm_message {
    ldg_evm_call_kind kind;
    uint32_t flags;            /* LDG_EVM_STATIC */
    int32_t depth;             /* 0 for the transaction's own call */
    int64_t gas;               /* gas made available to the frame */
    ldg_evm_address recipient; /* account whose storage and balance the code acts on */
    ldg_evm_address sender;    /* CALLER */
    const uint8_t *input_data; /* call data; init code for creates */
    size_t input_size;
    ldg_u256 value;               /* CALLVALUE (apparent value for DELEGATECALL) */
    ldg_evm_bytes32 create2_salt; /* CREATE2 only */
    ldg_evm_address code_address; /* account whose code runs (differs for CALLCODE/DELEGATECALL) */
} ldg_evm_message;

/* Outcome of a frame. output_data is owned by the result (malloc'd) and released with
 * ldg_evm_result_release; it holds RETURN or REVERT data, empty on other failures. */
typedef struct ldg_evm_result {
    ldg_evm_status status;
    int64_t gas_left;   /* 0 unless SUCCESS or REVERT */
    int64_t gas_refund; /* accumulated refund counter change; 0 unless SUCCESS */
    uint8_t *output_data;
    size_t output_size;
    ldg_evm_address create_address; /* CREATE/CREATE2 success */
} ldg_evm_result;

void ldg_evm_result_release(ldg_evm_result *r);

/* Block and transaction data visible to contracts (all from the block header / tx). */
typedef struct ldg_evm_tx_context {
    ldg_u256 gas_price; /* effective gas price */
    ldg_evm_address origin;
    ldg_evm_address coinbase;
    int64_t block_number;
    int64_t block_timestamp;
    int64_t block_gas_limit;
    ldg_u256 prev_randao;
    ldg_u256 chain_id;
    ldg_u256 base_fee;
    ldg_u256 blob_base_fee;
    const ldg_evm_bytes32 *blob_hashes; /* borrowed; valid for the transaction */
    size_t blob_hashes_count;
} ldg_evm_tx_context;

typedef enum ldg_evm_access_status {
    LDG_EVM_ACCESS_COLD = 0,
    LDG_EVM_ACCESS_WARM = 1,
} ldg_evm_access_status;

/* Effect of an SSTORE on the slot's (original, current, new) values, as EVMC's
 * evmc_storage_status; the interpreter derives gas and refund from it (EIP-2200/3529). */
typedef enum ldg_evm_storage_status {
    LDG_EVM_STORAGE_ASSIGNED = 0,          /* no net gas effect: current == new, or dirty */
    LDG_EVM_STORAGE_ADDED = 1,             /* 0 -> 0 -> Z */
    LDG_EVM_STORAGE_DELETED = 2,           /* X -> X -> 0 */
    LDG_EVM_STORAGE_MODIFIED = 3,          /* X -> X -> Z */
    LDG_EVM_STORAGE_DELETED_ADDED = 4,     /* X -> 0 -> Z */
    LDG_EVM_STORAGE_MODIFIED_DELETED = 5,  /* X -> Y -> 0 */
    LDG_EVM_STORAGE_DELETED_RESTORED = 6,  /* X -> 0 -> X */
    LDG_EVM_STORAGE_ADDED_DELETED = 7,     /* 0 -> Y -> 0 */
    LDG_EVM_STORAGE_MODIFIED_RESTORED = 8, /* X -> Y -> X */
} ldg_evm_storage_status;

/* The host: everything the interpreter may ask of the world. ctx is passed back as is.
 * Addresses and keys are borrowed for the call. The host owns state, journal, access
 * lists (EIP-2929), transient storage (EIP-1153), logs and the execution of nested calls. */
typedef struct ldg_evm_host {
    /* EIP-161 existence: present and not empty (nonce, balance and code all zero). */
    bool (*account_exists)(void *ctx, const ldg_evm_address *addr);
    ldg_u256 (*get_storage)(void *ctx, const ldg_evm_address *addr, const ldg_u256 *key);
    ldg_evm_storage_status (*set_storage)(void *ctx, const ldg_evm_address *addr,
                                          const ldg_u256 *key, const ldg_u256 *value);
    ldg_u256 (*get_balance)(void *ctx, const ldg_evm_address *addr);
    size_t (*get_code_size)(void *ctx, const ldg_evm_address *addr);
    /* Zero for a non-existent account, keccak("") for an existing account without code. */
    ldg_evm_bytes32 (*get_code_hash)(void *ctx, const ldg_evm_address *addr);
    /* Copies code[offset ..] into out (at most out_size bytes); returns bytes copied. */
    size_t (*copy_code)(void *ctx, const ldg_evm_address *addr, size_t offset, uint8_t *out,
                        size_t out_size);
    /* EIP-6780 SELFDESTRUCT; returns true the first time addr is marked in this tx. */
    bool (*selfdestruct)(void *ctx, const ldg_evm_address *addr,
                         const ldg_evm_address *beneficiary);
    /* Runs a nested message (value transfer, snapshot/revert, code execution). */
    ldg_evm_result (*call)(void *ctx, const ldg_evm_message *msg);
    ldg_evm_tx_context (*get_tx_context)(void *ctx);
    ldg_evm_bytes32 (*get_block_hash)(void *ctx, int64_t number);
    void (*emit_log)(void *ctx, const ldg_evm_address *addr, const uint8_t *data, size_t data_size,
                     const ldg_evm_bytes32 topics[], size_t topics_count);
    /* Marks warm and returns the status before the access. */
    ldg_evm_access_status (*access_account)(void *ctx, const ldg_evm_address *addr);
    ldg_evm_access_status (*access_storage)(void *ctx, const ldg_evm_address *addr,
                                            const ldg_u256 *key);
    ldg_u256 (*get_transient_storage)(void *ctx, const ldg_evm_address *addr, const ldg_u256 *key);
    void (*set_transient_storage)(void *ctx, const ldg_evm_address *addr, const ldg_u256 *key,
                                  const ldg_u256 *value);
} ldg_evm_host;

/* Analysed code: a zero-padded copy and the JUMPDEST bitmap, computed once per code and
 * reusable by any number of frames (read-only after creation). */
typedef struct ldg_evm_code ldg_evm_code;

/* Returns NULL if out of memory. code is copied; the caller keeps its buffer. */
ldg_evm_code *ldg_evm_code_analyze(const uint8_t *code, size_t code_size) LDG_WARN_UNUSED;
void ldg_evm_code_free(ldg_evm_code *c);
size_t ldg_evm_code_size(const ldg_evm_code *c);
/* True if offset is a JUMPDEST opcode (not inside PUSH data). */
bool ldg_evm_code_is_jumpdest(const ldg_evm_code *c, uint64_t offset);

/* Executes code for msg. The caller releases the result. */
ldg_evm_result ldg_evm_execute(const ldg_evm_host *host, void *ctx, const ldg_evm_message *msg,
                               const ldg_evm_code *code);

/* Convenience: analyse, execute, free. */
ldg_evm_result ldg_evm_execute_bytes(const ldg_evm_host *host, void *ctx,
                                     const ldg_evm_message *msg, const uint8_t *code,
                                     size_t code_size);

#endif
