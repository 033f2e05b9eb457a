/* The executor: applies a block's transactions in order against the state overlay.
 * Modules register transaction types (handlers) and block hooks with a registry; the
 * ledger itself knows nothing of assets or settlement. Each transaction succeeds or fails
 * atomically and leaves a receipt. Handlers must be deterministic: no clock, no floats,
 * no randomness, no iteration order that is not sorted. */
#ifndef LDG_EXEC_H
#define LDG_EXEC_H

#include "ldg_key.h"
#include "ldg_limits.h"
#include "ldg_result.h"
#include "ldg_sigcache.h"
#include "ldg_state.h"
#include "ldg_tx.h"

/* Roles (bit flags, stable numbers: specs/transactions.md). */
enum {
    LDG_ROLE_REGISTRAR = 1u << 0,
    LDG_ROLE_ISSUER = 1u << 1,
    LDG_ROLE_BROKER = 1u << 2,
    LDG_ROLE_CCP = 1u << 3,
    LDG_ROLE_CLEARING = 1u << 4,
    LDG_ROLE_SETTLEMENT_BANK = 1u << 5,
    LDG_ROLE_REGULATOR = 1u << 6,
    LDG_ROLE_INVESTOR = 1u << 7,
    LDG_ROLE_DEPLOYER = 1u << 8,
    LDG_ROLE_VALIDATOR = 1u << 9,
    LDG_ROLE_ALL = (1u << 10) - 1,
    /* Not a role anyone can be registered with (above LDG_ROLE_ALL, so refused at
     * registration and in genesis): only the governance module holds it, when it applies
     * the action of a proposal the committee passed. Transaction types that only the
     * committee may perform (sub-chain registry changes, ...) name it in roles_any. */
    LDG_ROLE_COMMITTEE = 1u << 10,
};
/* "issuer,broker" -> bits; 0 and *bad set to the offending name on an unknown role. */
uint32_t ldg_roles_parse(const char *list, char *bad, size_t bad_len);
/* A participant name as participant.register accepts it: a letter, then letters, digits,
 * '-', '_' and '.' (the length, at most LDG_NAME_LEN_MAX, is checked by the decoder). */
bool ldg_participant_name_ok(const char *s);
/* bits -> "issuer,broker" into out. */
void ldg_roles_format(uint32_t roles, char *out, size_t out_len);

/* Transaction type numbers (stable; specs/transactions.md). Modules own ranges. */
enum {
    LDG_TX_PARTICIPANT_REGISTER = 1,
    /* assets 10..49, settlement 50..89, contract VM 90..119, governance 120..139,
     * sub-chains 140..169, evidence 200..219 (specs/transactions.md §7) */
};

typedef struct ldg_env {
    const char *chain_id;
    uint64_t height;
    uint64_t time_ms; /* block time: the only clock handlers may read */
    bool dev_mode;
    /* Signature checks done ahead of the block (ldg_sigcache.h), or NULL. A handler may ask
     * it instead of ldg_verify: its answer is the same, hit or miss. */
    ldg_sigcache *sigcache;
} ldg_env;

typedef struct ldg_registry ldg_registry;

typedef struct ldg_txctx {
    const ldg_registry *reg;
    ldg_state *st;
    const ldg_env *env;
    const ldg_tx *tx;
    ldg_account sender;
    uint32_t sender_roles;
    uint32_t index;                    /* position in the block */
    char detail[LDG_TEXT_LEN_MAX + 1]; /* optional specifics for the receipt */
    uint8_t data[64];                  /* optional result bytes (e.g. a created id) */
    size_t data_len;
} ldg_txctx;

/* Handler: decodes the payload, checks, writes state. Any non-OK result rolls back. */
typedef ldg_result (*ldg_tx_apply_fn)(ldg_txctx *c, const msgpack_object *payload);

typedef struct ldg_tx_type {
    uint16_t type;
    const char *name;   /* "asset.issue_equity" */
    uint32_t roles_any; /* sender must hold one of these; 0 = any registered sender */
    ldg_tx_apply_fn apply;
} ldg_tx_type;

/* Block hook: runs at the start of every block (before its transactions), e.g. to pay
 * due corporate actions. Bounded work per call is the hook's duty. Returns an ldg_err;
 * failure stops the block (it is a bug or a store error, not a business rejection). */
typedef ldg_err (*ldg_block_hook_fn)(ldg_state *st, const ldg_env *env);

/* Work due: true if the block hooks have work to do at block time `time_ms` (e.g. a
 * dividend whose pay date has come, or the next chunk of a large payout). The node then
 * produces a block even when no transaction is pending. Reads only; must be cheap. */
typedef bool (*ldg_work_due_fn)(ldg_state *st, uint64_t time_ms);

/* Transfer hook: consulted on every transfer an account makes of an instrument (native
 * transfers, settlement legs, contract-initiated transfers), after the assets module's own
 * rules, e.g. by the contract VM to run an instrument's compliance contract. Movements the
 * ledger makes itself (corporate-action payments) and regulator-approved force transfers
 * (a legal override) do not consult it. Returns LDG_R_OK to allow. */
typedef ldg_result (*ldg_transfer_hook_fn)(ldg_txctx *c, const char *instrument,
                                           const ldg_account *from, const ldg_account *to,
                                           uint64_t quantity);

/* Block hook that needs the registry (e.g. governance applying a passed proposal's action
 * through another module's handler). Runs in registration order with the plain hooks. */
typedef ldg_err (*ldg_block_hook_reg_fn)(const ldg_registry *r, ldg_state *st, const ldg_env *env);

/* Genesis hook: writes a module's state from the genesis document when block 0 is made
 * (and when `chain verify` re-applies genesis). It must write nothing for a document that
 * has nothing for the module, so that the genesis root of older documents is unchanged. */
struct ldg_genesis;
typedef void (*ldg_genesis_hook_fn)(ldg_state *st, const struct ldg_genesis *g);

/* Code gate: consulted by contract.deploy with the code hash of the code being deployed
 * (keccak-256 of the init code without its constructor arguments, specs/vm_ledger.md);
 * returns LDG_R_OK to allow. Set by the governance module (approved code hashes). */
typedef ldg_result (*ldg_code_gate_fn)(ldg_txctx *c, const uint8_t code_hash[32]);

/* Sig-jobs: the signature checks a type's handler will make for tx, gathered before the
 * block runs so that they are verified on every core at once (ldg_exec_presign). Reads st
 * (the state before the block's transactions), writes nothing; at most max jobs into out,
 * returns how many. Its bytes are hostile: a payload that does not decode gives none. A
 * wrong guess only costs time (the handler verifies what it does not find). */
typedef uint32_t (*ldg_sigjobs_fn)(ldg_state *st, const ldg_env *env, const ldg_tx *tx,
                                   ldg_sigjob *out, uint32_t max);

/* Block limits in force for a block: a function of the state after the previous block
 * (the governed block.max_txs and block.max_bytes, specs/governance.md §5), registered by
 * a module (governance); a registry without one has the ceilings. max_bytes bounds the sum
 * of the block's encoded transactions. */
typedef struct ldg_block_limits {
    uint32_t max_txs;
    uint64_t max_bytes;
} ldg_block_limits;
typedef ldg_err (*ldg_block_limits_fn)(ldg_state *st, ldg_block_limits *out);

ldg_registry *ldg_registry_new(void);
void ldg_registry_free(ldg_registry *r);
void ldg_registry_add_tx(ldg_registry *r, const ldg_tx_type *t);
void ldg_registry_add_hook(ldg_registry *r, ldg_block_hook_fn fn);
void ldg_registry_add_work_due(ldg_registry *r, ldg_work_due_fn fn);
void ldg_registry_add_transfer_hook(ldg_registry *r, ldg_transfer_hook_fn fn);
void ldg_registry_add_hook_reg(ldg_registry *r, ldg_block_hook_reg_fn fn);
void ldg_registry_add_genesis_hook(ldg_registry *r, ldg_genesis_hook_fn fn);
/* At most one per type (asserts); the type must be registered. */
void ldg_registry_add_sigjobs(ldg_registry *r, uint16_t type, ldg_sigjobs_fn fn);
/* At most one gate (asserts). Without one, every code hash passes: a registry of the ledger
 * alone (unit tests) has no committee; the node's registry always sets it. */
void ldg_registry_set_code_gate(ldg_registry *r, ldg_code_gate_fn fn);
ldg_result ldg_code_gate_run(ldg_txctx *c, const uint8_t code_hash[32]);
/* At most one (asserts). */
void ldg_registry_set_block_limits(ldg_registry *r, ldg_block_limits_fn fn);
/* The limits for the block after the state st (r may be NULL: the ceilings). Whatever the
 * module returns is kept within [LDG_BLOCK_TX_FLOOR, LDG_BLOCK_TX_MAX] and
 * [LDG_BLOCK_SIZE_FLOOR, LDG_BLOCK_SIZE_MAX], so the memory bounds sized by the ceilings
 * hold for any value. */
ldg_err ldg_block_limits_read(const ldg_registry *r, ldg_state *st,
                              ldg_block_limits *out) LDG_WARN_UNUSED;
/* Whether n transactions of `bytes` encoded bytes in all fit lim; if not, why (may be
 * NULL) names the limit and the value in force. */
bool ldg_block_limits_fit(const ldg_block_limits *lim, uint64_t n, uint64_t bytes, char *why,
                          size_t why_len);
/* Runs the genesis hooks in registration order (after ldg_genesis_apply). */
void ldg_exec_genesis_hooks(const ldg_registry *r, ldg_state *st, const struct ldg_genesis *g);
/* Runs every transfer hook in registration order; the first refusal wins. */
ldg_result ldg_transfer_hooks_run(ldg_txctx *c, const char *instrument, const ldg_account *from,
                                  const ldg_account *to, uint64_t quantity);
bool ldg_registry_work_due(const ldg_registry *r, ldg_state *st, uint64_t time_ms);
const ldg_tx_type *ldg_registry_find(const ldg_registry *r, uint64_t type);

typedef struct ldg_receipt {
    ldg_result code;
    char detail[LDG_TEXT_LEN_MAX + 1];
    uint8_t data[64];
    size_t data_len;
} ldg_receipt;

/* Gathers the sig-jobs of txs (at most LDG_SIGCACHE_BLOCK_JOBS, in block order) and
 * verifies them into env->sigcache on up to `threads` threads. Nothing without a cache.
 * Returns the number of jobs gathered. */
uint32_t ldg_exec_presign(const ldg_registry *r, ldg_state *st, const ldg_env *env,
                          const ldg_tx *txs, uint32_t n, unsigned threads);

/* Runs the block hooks. */
ldg_err ldg_exec_begin_block(const ldg_registry *r, ldg_state *st,
                             const ldg_env *env) LDG_WARN_UNUSED;
/* Applies one decoded transaction whose signature is already verified. Fills rc.
 * Returns an ldg_err only for store failures (the block must then be abandoned). */
ldg_err ldg_exec_tx(const ldg_registry *r, ldg_state *st, const ldg_env *env, const ldg_tx *tx,
                    uint32_t index, ldg_receipt *rc) LDG_WARN_UNUSED;

/* Stateless admission checks for the mempool (chain id, expiry window against `now_ms`).
 * Signature checks are separate (ldg_tx_verify). */
ldg_result ldg_exec_precheck(const ldg_tx *tx, const char *chain_id, uint64_t now_ms);

/* Sets rc->detail with printf formatting. */
void ldg_txctx_detail(ldg_txctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- state keys owned by the ledger (specs/state.md) ---- */
#define LDG_KEY_PARTICIPANT 'p' /* 'p' account20 -> [name, roles, pubkey, height] */
#define LDG_KEY_NAME 'n'        /* 'n' name -> account20 */
#define LDG_KEY_TXID 'x'        /* 'x' txid32 -> [height, index] (replay guard, lookup) */
#define LDG_KEY_VALIDATOR 'v'   /* 'v' index_be32 -> pubkey32 */
#define LDG_KEY_VALIDATOR_COUNT 'V'

typedef struct ldg_participant {
    char name[LDG_NAME_LEN_MAX + 1];
    uint32_t roles;
    ldg_pubkey pubkey;
    uint64_t height;
    ldg_account account;
} ldg_participant;

/* Reads a participant; LDG_OK with *found false if none. */
ldg_err ldg_participant_get(ldg_state *st, const ldg_account *a, ldg_participant *out,
                            bool *found) LDG_WARN_UNUSED;
ldg_err ldg_participant_decode(const uint8_t *v, size_t vl, ldg_participant *out);
void ldg_participant_put(ldg_state *st, const ldg_participant *p);
/* Looks a participant up by name. */
ldg_err ldg_participant_by_name(ldg_state *st, const char *name, ldg_participant *out,
                                bool *found) LDG_WARN_UNUSED;

/* Registers the ledger's own transaction types (participant.register). */
void ldg_exec_register_core(ldg_registry *r);

/* Helpers for u64 values stored as canonical msgpack. */
void ldg_state_put_u64(ldg_state *st, const void *key, size_t klen, uint64_t v);
ldg_err ldg_state_get_u64(ldg_state *st, const void *key, size_t klen,
                          uint64_t *v) LDG_WARN_UNUSED; /* absent = 0 */

#endif
