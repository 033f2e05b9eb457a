/* Internals shared by ldg_vm_ledger.c (host, session, transactions), ldg_vm_precompile.c
 * (modules' precompiles) and ldg_evm_world.c (the in-memory world). Not public. */
#ifndef LDG_VM_INT_H
#define LDG_VM_INT_H

#include "ldg_vm_ledger.h"

/* Per-transaction bookkeeping keyed by (kind, address, slot): warmth (EIP-2929), the
 * slot's value at the start of the transaction (EIP-2200), transient storage (EIP-1153),
 * creation and self-destruction (EIP-6780). */
#define VM_ENTRY_KEY_LEN 53
typedef struct vm_entry {
    uint8_t key[VM_ENTRY_KEY_LEN]; /* kind(1) addr(20) slot(32) */
    bool warm;
    bool has_original;
    bool created;
    bool destructed;
    ldg_u256 original;
    ldg_u256 transient;
} vm_entry;

typedef struct vm_journal {
    uint8_t kind;
    bool old_flag;
    bool had; /* J_KV: the key existed */
    uint32_t entry;
    ldg_u256 old;
    uint8_t *key; /* J_KV: owned */
    size_t klen;
    uint8_t *val; /* J_KV: owned old value */
    size_t vlen;
} vm_journal;

typedef struct vm_code_cache {
    uint8_t hash[32];
    ldg_evm_code *code;
    uint32_t users; /* frames running this analysis: it must not be evicted */
} vm_code_cache;

#define VM_CODE_CACHE_MAX 16

typedef struct vm_session {
    ldg_txctx *c;
    ldg_state *st;
    ldg_evm_tx_context txc;
    vm_entry *entries;
    size_t entry_count, entry_cap;
    uint32_t *index; /* entry id + 1, 0 empty; open addressing */
    size_t index_cap;
    vm_journal *journal;
    size_t journal_len, journal_cap;
    ldg_vm_log *logs;
    size_t log_count, log_cap;
    vm_code_cache cache[VM_CODE_CACHE_MAX];
    size_t cache_count;
    uint64_t native_moves; /* successful precompile transfers so far */
    bool poisoned;         /* a frame that made a native movement was reverted */
    bool store_failed;
    bool limit_hit;
    ldg_result native_refusal; /* last refusal of a precompile transfer, for the receipt */
    bool natives;              /* the native precompiles (0x100..0x1ff) answer */
    /* BLOCKHASH oracle; NULL: 0 (the ledger keeps no block hashes in the state) */
    ldg_evm_bytes32 (*block_hash)(void *user, int64_t number);
    void *block_hash_user;
} vm_session;

/* An account record ('E' 'a'), decoded. */
typedef struct vm_account {
    bool found;
    uint64_t nonce;
    ldg_u256 balance;
    bool has_code;
    uint8_t code_hash[32];
} vm_account;

/* A registered precompile's address range (0x100..0x1ff): runs it (or fails it if no
 * module registered the address) and returns true; false outside the range. */
bool ldg_vm_native_precompile(vm_session *s, const ldg_evm_message *msg, ldg_evm_result *out);
bool ldg_vm_is_native_precompile(const ldg_evm_address *a);
/* EIP-2929 for modules' precompiles: every registered address starts warm. */
void ldg_vm_warm_registered(vm_session *s);

void ldg_vm_session_init(vm_session *s, ldg_txctx *c, const ldg_account *origin);
void ldg_vm_session_free(vm_session *s);
/* Runs a top-level message through the host, warming what the ledger warms. */
ldg_evm_result ldg_vm_session_run(vm_session *s, const ldg_evm_message *msg);

/* The pieces the in-memory Ethereum world (ldg_evm_world.c) builds its transactions from:
 * it runs on this host, over an ldg_state, so the public fixtures test the production
 * host. */
const ldg_evm_host *ldg_vm_host(void); /* ctx: the vm_session */
/* A nested message (no warming): value transfer, precompiles, code, snapshot/revert. */
ldg_evm_result ldg_vm_session_call(vm_session *s, const ldg_evm_message *msg);
void ldg_vm_account_load(vm_session *s, const ldg_evm_address *addr, vm_account *a);
/* Journaled; an empty account (EIP-161) is deleted instead. */
void ldg_vm_account_store(vm_session *s, const ldg_evm_address *addr, const vm_account *a);
bool ldg_vm_account_empty(const vm_account *a);
ldg_u256 ldg_vm_storage_read(vm_session *s, const ldg_evm_address *addr, const ldg_u256 *key);
/* Pre-state: writes a slot outside the journal and the per-transaction originals. */
void ldg_vm_storage_put_raw(vm_session *s, const ldg_evm_address *addr, const ldg_u256 *key,
                            const ldg_u256 *value);
/* Stores code under its hash (written once) and gives the hash. */
void ldg_vm_code_put(vm_session *s, const uint8_t *code, size_t n, uint8_t hash[32]);
void ldg_vm_warm_account(vm_session *s, const ldg_evm_address *addr);
void ldg_vm_warm_slot(vm_session *s, const ldg_evm_address *addr, const ldg_u256 *key);
/* End of transaction: accounts created and self-destructed in it go, with their storage. */
void ldg_vm_apply_destructs(vm_session *s);

#endif
