/* Contracts on the ledger: the EVM host over the state overlay (accounts, code, storage,
 * logs), the contract transactions (deploy, call) and the precompile-registration API
 * through which assets adds the native-instrument precompile (its compliance contracts and
 * transfer hook are assets' too: assets/ast_contract.c). specs/vm_ledger.md is the
 * normative description.
 *
 * State (prefix 'E', specs/vm_ledger.md §2):
 *   'E' 'a' addr20          -> [nonce u64, balance bin32, code_hash bin 0|32]
 *   'E' 'c' code_hash32     -> code bytes (content-addressed)
 *   'E' 's' addr20 slot32   -> value, 32 bytes big-endian; absent = 0, never stored as 0
 *   'E' 'r' txid32          -> call result [status, gas_used, output, created, logs]
 *   'E' 'k' id12            -> compliance contract of an instrument (assets/ast_contract.c)
 *
 * Writes go straight into the overlay with an undo journal, so a nested revert restores
 * the overlay and the transaction's own rollback (ldg_exec) undoes the rest. */
#ifndef LDG_VM_LEDGER_H
#define LDG_VM_LEDGER_H

#include "ldg_evm.h"
#include "ldg_exec.h"

/* Transaction types (90..119, specs/transactions.md). */
enum {
    LDG_VM_TX_DEPLOY = 90, /* contract.deploy [init_code bin, gas u64, (args_len u64)] */
    LDG_VM_TX_CALL = 91,   /* contract.call [to bin20, input bin, gas u64] */
    /* 92: contract.attach, registered by assets (assets/ast_contract.h) */
};

/* Result codes (600..799, specs/errors.md). */
enum {
    LDG_VM_R_REVERTED = 600,       /* the contract reverted (reason in the detail) */
    LDG_VM_R_OUT_OF_GAS = 601,     /* execution ran out of gas */
    LDG_VM_R_EXCEPTION = 602,      /* exceptional halt: invalid opcode, stack, bad jump, ... */
    LDG_VM_R_GAS_LIMIT = 603,      /* gas limit above LDG_VM_TX_GAS_MAX */
    LDG_VM_R_INTRINSIC_GAS = 604,  /* gas limit below the intrinsic cost of the transaction */
    LDG_VM_R_CODE_TOO_LARGE = 605, /* init code over 49152 or deployed code over 24576 bytes */
    LDG_VM_R_EMPTY_CODE = 606,     /* deployment without init code */
    LDG_VM_R_NO_CONTRACT = 607,    /* call to an address that holds no code */
    LDG_VM_R_COLLISION = 608,      /* the contract address is already in use */
    LDG_VM_R_COMPLIANCE = 609,     /* the instrument's compliance contract refused the transfer */
    LDG_VM_R_NATIVE_UNDONE = 610,  /* a frame that moved a native instrument was reverted */
    LDG_VM_R_LIMIT = 611,          /* too many logs or too large a result */
    LDG_VM_R_NOT_ISSUER = 612,     /* only the instrument's issuer may attach a contract */
    LDG_VM_R_UNKNOWN_ASSET = 613,  /* no such instrument */
};

/* Gas limit of one contract transaction: the Ethereum block gas limit of 2024, so any
 * transaction that fits an Ethereum block fits here; it bounds the work of one tx. */
#define LDG_VM_TX_GAS_MAX 30000000
/* Gas a compliance check (canTransfer) may use: generous for a view function reading a few
 * slots; bounds the cost the hook adds to every native transfer, which pays no gas. */
#define LDG_VM_HOOK_GAS_MAX 1000000
/* Logs of one transaction: each costs at least 375 gas, so 30M gas allows 80000; 4096 is
 * far above what a transfer or a payout emits and keeps the stored result small. */
#define LDG_VM_LOGS_MAX 4096
/* Encoded size of one stored call result ('E' 'r'): return data and logs. */
#define LDG_VM_RESULT_SIZE_MAX (512u * 1024)
/* Chain id CHAINID returns ("folio" in ASCII). */
#define LDG_VM_CHAIN_ID 0x666f6c696fULL

#define LDG_VM_KEY_NS 'E'

/* What a call produced. Owned arrays; release with ldg_vm_outcome_free. */
typedef struct ldg_vm_log {
    ldg_evm_address addr;
    ldg_evm_bytes32 topics[LDG_EVM_LOG_TOPICS_MAX];
    size_t topics_count;
    uint8_t *data;
    size_t data_size;
} ldg_vm_log;

typedef struct ldg_vm_outcome {
    ldg_result code; /* LDG_R_OK or an LDG_VM_R_* / assets code */
    ldg_evm_status status;
    int64_t gas_used;   /* after the refund (capped at 1/5), plus intrinsic gas for txs */
    int64_t gas_spent;  /* of the top frame, before the refund */
    int64_t gas_refund; /* the frame's refund counter (SUCCESS only) */
    uint8_t *output;    /* return or revert data */
    size_t output_size;
    bool created;
    ldg_evm_address create_address;
    ldg_vm_log *logs;
    size_t log_count;
    char reason[LDG_TEXT_LEN_MAX + 1]; /* decoded revert reason or halt description */
} ldg_vm_outcome;

void ldg_vm_outcome_free(ldg_vm_outcome *o);

/* ---- precompiles of other modules ----
 * Addresses 0x100..0x1ff (specs/vm.md §5) are for precompiled contracts that modules above
 * the ledger provide (assets: the native-instrument precompile at 0x100, assets/
 * ast_contract.c). A module registers its function once, at start, before any thread runs;
 * an address nobody registered fails like an unassigned Ethereum precompile. Registered
 * addresses are warm from the start of every contract transaction (like 0x01..0x0a). */
#define LDG_VM_PRECOMPILE_FIRST 0x0100
#define LDG_VM_PRECOMPILE_LAST 0x01ff

/* The running contract transaction, as a registered precompile sees it. */
typedef struct vm_session ldg_vm_frame;
/* Runs the precompile on msg (msg->gas available): the result (ldg_evm_result_release
 * frees its output). Any state change goes through ldg_vm_frame_txctx's overlay. */
typedef ldg_evm_result (*ldg_vm_precompile_fn)(ldg_vm_frame *f, const ldg_evm_message *msg);

/* Process-wide; the same fn on every call for an address (asserts otherwise). */
void ldg_vm_precompile_register(uint16_t address, ldg_vm_precompile_fn fn);
/* The transaction's context (state overlay, sender, registry, detail). */
ldg_txctx *ldg_vm_frame_txctx(ldg_vm_frame *f);
/* The store failed: the transaction ends with LDG_R_STORE_FAILED. */
void ldg_vm_frame_store_failed(ldg_vm_frame *f);
/* The precompile moved a native instrument: a frame reverted after it fails the whole
 * transaction (LDG_VM_R_NATIVE_UNDONE), as native movements have no journal here. */
void ldg_vm_frame_native_moved(ldg_vm_frame *f);
/* The precompile refused with r: if the transaction fails on it, its receipt says r. */
void ldg_vm_frame_refused(ldg_vm_frame *f, ldg_result r);

/* A read-only call of a contract from within a transaction (a module's hook): msg runs as
 * a new top-level message over c's overlay (static flag, depth and gas as msg says) with
 * c's sender as origin. LDG_ERR_IO if the store failed (out is then empty). */
ldg_err ldg_vm_hook_call(ldg_txctx *c, const ldg_evm_message *msg,
                         ldg_evm_result *out) LDG_WARN_UNUSED;

/* ABI helpers for precompiles. */
void ldg_vm_abi_selector(uint8_t out[4], const char *signature);
/* Reads a dynamic string/bytes argument whose head word is at arg index i. Returns a
 * pointer into data, or NULL if malformed or longer than max. */
const uint8_t *ldg_vm_abi_bytes_arg(const uint8_t *args, size_t args_len, size_t i, size_t max,
                                    size_t *len);
/* Encodes Error(string) revert data (malloc'd). */
uint8_t *ldg_vm_abi_error(const char *text, size_t *len);
/* A word below 2^64: false if it is not. */
bool ldg_vm_abi_u64(const uint8_t w[32], uint64_t *v);
void ldg_vm_abi_put_u64(uint8_t w[32], uint64_t v);

/* Registers the result table and the transaction types of the VM. Process-wide like the
 * result table. */
void ldg_vm_register(ldg_registry *r);

/* Runs a message call on st as `from` (a read-only query when the caller throws st away:
 * nothing is committed). reg is needed for the transfer hooks of native movements.
 * Returns LDG_ERR_IO if the store failed; otherwise fills out (free it). */
ldg_err ldg_vm_call(const ldg_registry *reg, ldg_state *st, const ldg_env *env,
                    const ldg_account *from, const ldg_evm_address *to, const uint8_t *input,
                    size_t input_size, int64_t gas, ldg_vm_outcome *out) LDG_WARN_UNUSED;

/* Same for a creation with init code (CREATE address from `from` and its nonce). */
ldg_err ldg_vm_create(const ldg_registry *reg, ldg_state *st, const ldg_env *env,
                      const ldg_account *from, const uint8_t *init, size_t init_size, int64_t gas,
                      ldg_vm_outcome *out) LDG_WARN_UNUSED;

/* Every non-zero storage slot of a, in slot order; fn gets borrowed 32-byte arrays. */
ldg_err ldg_vm_storage_dump(ldg_state *st, const ldg_evm_address *a,
                            void (*fn)(void *arg, const uint8_t slot[32], const uint8_t value[32]),
                            void *arg) LDG_WARN_UNUSED;

/* Reads the stored result of transaction txid into out. LDG_ERR_NOT_FOUND if none. */
ldg_err ldg_vm_result_get(ldg_state *st, const uint8_t txid[32],
                          ldg_vm_outcome *out) LDG_WARN_UNUSED;

/* Account data for queries: nonce, code (copied into *code, malloc'd, may be NULL). */
ldg_err ldg_vm_account_get(ldg_state *st, const ldg_evm_address *a, bool *found, uint64_t *nonce,
                           uint8_t **code, size_t *code_size) LDG_WARN_UNUSED;
/* Storage slot value (zero if absent). */
ldg_err ldg_vm_storage_get(ldg_state *st, const ldg_evm_address *a, const uint8_t slot[32],
                           uint8_t value[32]) LDG_WARN_UNUSED;

/* Decodes revert data: Error(string) -> the string, Panic(uint256) -> "panic 0x..", else
 * "0x" + hex (truncated). Writes a NUL-terminated text. */
void ldg_vm_revert_reason(char *out, size_t out_len, const uint8_t *data, size_t size);

/* Contract address of a CREATE by sender with nonce. */
ldg_evm_address ldg_vm_create_address(const ldg_evm_address *sender, uint64_t nonce);

#endif
