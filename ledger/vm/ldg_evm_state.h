/* An in-memory Ethereum world: the ledger's EVM host (ldg_vm_ledger.c: accounts, code,
 * storage, journal, EIP-2929 warmth, EIP-1153 transient storage, logs) over a state on an
 * in-memory map, with Cancun transaction processing and the Ethereum state root around it.
 * It is what the ethereum/tests state-test runner, `folio evm run`, the fuzzer and the
 * benchmarks use, so they exercise the host contracts run on. One world, one thread. */
#ifndef LDG_EVM_STATE_H
#define LDG_EVM_STATE_H

#include "ldg_evm.h"

typedef struct ldg_evm_world ldg_evm_world;

/* Returns NULL if out of memory. */
ldg_evm_world *ldg_evm_world_new(void) LDG_WARN_UNUSED;
void ldg_evm_world_free(ldg_evm_world *w);

/* The host table (static storage) and the ctx to pass with it for direct execution. */
const ldg_evm_host *ldg_evm_world_host(void);
void *ldg_evm_world_ctx(ldg_evm_world *w);

/* Pre-state: creates or replaces an account (code copied). False if out of memory. */
bool ldg_evm_world_set_account(ldg_evm_world *w, const ldg_evm_address *addr, uint64_t nonce,
                               ldg_u256 balance, const uint8_t *code,
                               size_t code_size) LDG_WARN_UNUSED;
/* Pre-state storage of an existing account; the value is also the slot's original. */
bool ldg_evm_world_set_storage(ldg_evm_world *w, const ldg_evm_address *addr, ldg_u256 key,
                               ldg_u256 value) LDG_WARN_UNUSED;

/* Post-state queries. */
bool ldg_evm_world_account_alive(const ldg_evm_world *w, const ldg_evm_address *addr);
ldg_u256 ldg_evm_world_balance(const ldg_evm_world *w, const ldg_evm_address *addr);
uint64_t ldg_evm_world_nonce(const ldg_evm_world *w, const ldg_evm_address *addr);
ldg_u256 ldg_evm_world_storage(const ldg_evm_world *w, const ldg_evm_address *addr, ldg_u256 key);
/* Ethereum state root of the alive accounts. False if out of memory. */
bool ldg_evm_world_state_root(ldg_evm_world *w, uint8_t root[32]) LDG_WARN_UNUSED;
/* keccak256(rlp(logs of the last transaction)). False if out of memory. */
bool ldg_evm_world_logs_hash(const ldg_evm_world *w, uint8_t hash[32]) LDG_WARN_UNUSED;
size_t ldg_evm_world_log_count(const ldg_evm_world *w);

/* Block-hash oracle for BLOCKHASH; default returns zero. */
typedef ldg_evm_bytes32 (*ldg_evm_block_hash_fn)(void *user, int64_t number);
void ldg_evm_world_set_block_hash_fn(ldg_evm_world *w, ldg_evm_block_hash_fn fn, void *user);

/* Sets the context contracts see, for direct use of the host without a transaction
 * (ldg_evm_world_apply_tx sets it itself). blob_hashes are borrowed. */
void ldg_evm_world_set_tx_context(ldg_evm_world *w, const ldg_evm_tx_context *tx);

typedef struct ldg_evm_block {
    ldg_evm_address coinbase;
    int64_t number;
    int64_t timestamp;
    int64_t gas_limit;
    ldg_u256 prev_randao;
    ldg_u256 base_fee;
    uint64_t excess_blob_gas;
    ldg_u256 chain_id;
} ldg_evm_block;

typedef struct ldg_evm_access_entry {
    ldg_evm_address address;
    const ldg_u256 *keys; /* borrowed */
    size_t key_count;
} ldg_evm_access_entry;

/* A transaction with its sender already recovered. Pointers are borrowed for the call. */
typedef struct ldg_evm_tx {
    ldg_evm_address sender;
    bool is_create; /* no `to`: deploy data as init code */
    ldg_evm_address to;
    uint64_t nonce;
    int64_t gas_limit;
    bool is_eip1559;    /* max_fee/max_priority_fee instead of gas_price */
    ldg_u256 gas_price; /* legacy and EIP-2930 */
    ldg_u256 max_fee;   /* EIP-1559 */
    ldg_u256 max_priority_fee;
    ldg_u256 value;
    const uint8_t *data;
    size_t data_size;
    const ldg_evm_access_entry *access_list;
    size_t access_list_count;
    const ldg_evm_bytes32 *blob_hashes; /* EIP-4844; blob tx iff count > 0 or is_blob */
    size_t blob_hashes_count;
    bool is_blob;
    ldg_u256 max_fee_per_blob_gas;
} ldg_evm_tx;

typedef struct ldg_evm_tx_outcome {
    bool valid;                 /* false: rejected before execution, state untouched */
    const char *invalid_reason; /* static text when !valid */
    ldg_evm_status status;      /* of the top-level frame */
    int64_t gas_used;           /* after refund */
    uint8_t *output_data;       /* owned; free() it */
    size_t output_size;
    ldg_evm_address create_address;
} ldg_evm_tx_outcome;

/* Validates and executes tx on the world (Cancun rules: intrinsic gas, upfront purchase,
 * nonce, access lists, refund cap 1/5, EIP-1559 priority fee to the coinbase, EIP-4844
 * blob fee, EIP-161 removal of touched empty accounts, EIP-6780 self-destructs).
 * Returns false only if memory ran out (the world is then unusable). */
bool ldg_evm_world_apply_tx(ldg_evm_world *w, const ldg_evm_block *block, const ldg_evm_tx *tx,
                            ldg_evm_tx_outcome *out) LDG_WARN_UNUSED;

/* EIP-4844 blob gas price for an excess blob gas. */
ldg_u256 ldg_evm_blob_base_fee(uint64_t excess_blob_gas);

#endif
