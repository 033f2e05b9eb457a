/* Internals of the in-memory world shared by ldg_evm_state.c (data, journal, host) and
 * ldg_evm_tx.c (transactions, roots, precompiles), and the creation rules both hosts
 * (this world and the ledger-hosted VM, ldg_vm_ledger.c) apply. Not part of the public
 * API. */
#ifndef LDG_EVM_WORLD_INT_H
#define LDG_EVM_WORLD_INT_H

#include "ldg_evm_state.h"
#include "ldg_keccak.h"
#include "ldg_rlp.h"

#include <string.h>

typedef struct world_slot {
    ldg_u256 key;
    ldg_u256 value;
    ldg_u256 original; /* value at the start of the transaction (EIP-2200) */
    bool used;
    bool warm;
} world_slot;

/* Open addressing, linear probing; entries are never removed within a transaction. */
typedef struct slot_table {
    world_slot *slots;
    size_t cap; /* power of two or 0 */
    size_t count;
} slot_table;

typedef struct world_account {
    ldg_evm_address addr;
    uint32_t id;     /* index in ldg_evm_world.accounts */
    bool alive;      /* in the state (false: never existed, or deleted) */
    bool warm;       /* EIP-2929 */
    bool touched;    /* EIP-161 */
    bool created;    /* created in this transaction (EIP-6780) */
    bool destructed; /* SELFDESTRUCT in this transaction, takes effect at its end */
    uint64_t nonce;
    ldg_u256 balance;
    uint8_t *code; /* owned */
    size_t code_size;
    ldg_evm_bytes32 code_hash;
    ldg_evm_code *analysis; /* lazily built, owned */
    slot_table storage;
    slot_table transient;
} world_account;

typedef enum journal_kind {
    J_BALANCE,
    J_NONCE,
    J_STORAGE,
    J_TRANSIENT,
    J_CODE,
    J_ALIVE,
    J_CREATED,
    J_TOUCHED,
    J_WARM_ACCOUNT,
    J_WARM_SLOT,
    J_DESTRUCTED,
} journal_kind;

typedef struct journal_entry {
    uint8_t kind;
    bool old_flag;
    uint32_t account;
    uint64_t old_nonce;
    ldg_u256 key;
    ldg_u256 old;
} journal_entry;

typedef struct world_log {
    ldg_evm_address addr;
    ldg_evm_bytes32 topics[LDG_EVM_LOG_TOPICS_MAX];
    size_t topics_count;
    uint8_t *data; /* owned */
    size_t data_size;
} world_log;

struct ldg_evm_world {
    world_account **accounts; /* stable pointers; index = journal account id */
    size_t account_count, account_cap;
    uint32_t *index; /* open addressing: account id + 1, 0 empty */
    size_t index_cap;
    journal_entry *journal;
    size_t journal_len, journal_cap;
    world_log *logs;
    size_t log_count, log_cap;
    ldg_evm_tx_context tx;
    ldg_evm_block_hash_fn block_hash;
    void *block_hash_user;
    bool failed; /* sticky: an allocation failed */
};

typedef struct world_snapshot {
    size_t journal_len;
    size_t log_count;
} world_snapshot;

world_account *ldg_world_find(const ldg_evm_world *w, const ldg_evm_address *addr);
/* Existing entry (alive or not) or a new dead one; NULL if out of memory. */
world_account *ldg_world_entry(ldg_evm_world *w, const ldg_evm_address *addr);
/* Alive account, created (journaled) if needed; NULL if out of memory. */
world_account *ldg_world_get_or_create(ldg_evm_world *w, const ldg_evm_address *addr);
bool ldg_world_is_empty(const world_account *a);
world_slot *ldg_world_slot_find(const slot_table *t, ldg_u256 key);
world_slot *ldg_world_slot_insert(ldg_evm_world *w, slot_table *t, ldg_u256 key);
void ldg_world_slot_table_clear(slot_table *t);

void ldg_world_journal(ldg_evm_world *w, journal_kind kind, world_account *a, ldg_u256 key,
                       ldg_u256 old, uint64_t old_nonce, bool old_flag);
world_snapshot ldg_world_snapshot_take(const ldg_evm_world *w);
void ldg_world_revert(ldg_evm_world *w, world_snapshot s);

void ldg_world_set_balance(ldg_evm_world *w, world_account *a, ldg_u256 v);
void ldg_world_set_nonce(ldg_evm_world *w, world_account *a, uint64_t v);
void ldg_world_touch(ldg_evm_world *w, world_account *a);
void ldg_world_warm_account(ldg_evm_world *w, world_account *a);
void ldg_world_warm_slot(ldg_evm_world *w, world_account *a, ldg_u256 key);
/* Replaces the code (not journaled: only at creation, whose revert kills the account). */
bool ldg_world_set_code(ldg_evm_world *w, world_account *a, const uint8_t *code, size_t size);
void ldg_world_kill(world_account *a);

/* Runs a precompiled contract at msg->code_address if there is one there; returns false
 * (and leaves out alone) if the address is not a precompile. */
bool ldg_world_precompile(ldg_evm_world *w, const ldg_evm_message *msg, ldg_evm_result *out);
bool ldg_world_is_precompile(const ldg_evm_address *addr);

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

/* ---- contract creation, shared by both hosts ---- */

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
