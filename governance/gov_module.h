/* The governance committee of the main chain (specs/governance.md is normative).
 *
 * Members with weights propose (gov.propose) and vote (gov.vote); a proposal passes when
 * the participation and approval weights reach the committee's thresholds before its
 * expiry height, and its action is applied by the block hook at its activation height
 * (pass height + delay), the same on every replica. Kinds: admit / remove a member, grant /
 * revoke a role, approve / revoke a contract code hash (the VM's code gate), set a governed
 * parameter, and the generic committee action: a registered transaction type whose
 * roles_any names LDG_ROLE_COMMITTEE, applied through its handler with the committee
 * account as sender. The ledger core knows nothing of this module. */
#ifndef GOV_MODULE_H
#define GOV_MODULE_H

#include "gov_limits.h"
#include "ldg_exec.h"

/* Transaction types (120..139, specs/transactions.md). */
enum {
    GOV_TX_PROPOSE = 120, /* gov.propose [kind u64, params array, expiry_height u64, delay u64] */
    GOV_TX_VOTE = 121,    /* gov.vote [proposal u64, choice u64] */
};

/* Result codes (900..949, specs/errors.md §2.5). */
enum {
    GOV_R_NOT_MEMBER = 900,
    GOV_R_UNKNOWN_PROPOSAL = 901,
    GOV_R_PROPOSAL_EXPIRED = 902,
    GOV_R_PROPOSAL_CLOSED = 903,
    GOV_R_ALREADY_VOTED = 904,
    GOV_R_BAD_CHOICE = 905,
    GOV_R_BAD_KIND = 906,
    GOV_R_BAD_PARAMS = 907,
    GOV_R_BAD_EXPIRY = 908,
    GOV_R_BAD_DELAY = 909,
    GOV_R_TOO_MANY_PROPOSALS = 910,
    GOV_R_ALREADY_MEMBER = 911,
    GOV_R_QUORUM_BREAK = 912,
    GOV_R_COMMITTEE_FULL = 913,
    GOV_R_CODE_NOT_APPROVED = 914,
    GOV_R_NOT_COMMITTEE_ACTION = 915,
    GOV_R_UNKNOWN_PARAM = 916,
    GOV_R_PARAM_RANGE = 917,
    GOV_R_CODE_APPROVED = 918,
    GOV_R_PROPOSAL_TOO_LARGE = 919,
    GOV_R_CODE_UNKNOWN = 920,
    GOV_R_VALSET_SIZE = 921,          /* the set would have fewer than 1 or over the max */
    GOV_R_VALSET_BAD_KEY = 922,       /* a key is not a valid x-only key */
    GOV_R_VALSET_REPEAT = 923,        /* a key named twice, or added while a validator */
    GOV_R_VALSET_NOT_VALIDATOR = 924, /* a key to remove is not a validator */
    GOV_R_VALSET_HEIGHT = 925,        /* the effective height is not far enough ahead */
    GOV_R_VALSET_PENDING = 926,       /* another change is recorded and not yet in force */
    GOV_R_VALSET_TOO_MANY = 927,      /* the chain has recorded LDG_VALSET_CHANGES_MAX */
};

/* Proposal kinds (stable numbers). */
typedef enum gov_kind {
    GOV_KIND_MEMBER_ADMIT = 1,  /* [account bin20, weight u64] */
    GOV_KIND_MEMBER_REMOVE = 2, /* [account bin20] */
    GOV_KIND_ROLE_GRANT = 3,    /* [account bin20, roles u64] */
    GOV_KIND_ROLE_REVOKE = 4,   /* [account bin20, roles u64] */
    GOV_KIND_CODE_APPROVE = 5,  /* [code_hash bin32] */
    GOV_KIND_CODE_REVOKE = 6,   /* [code_hash bin32] */
    GOV_KIND_PARAM_SET = 7,     /* [name text, value u64] */
    GOV_KIND_ACTION = 8,        /* [type u64, payload bin (one canonical msgpack value)] */
    GOV_KIND_VALIDATOR_SET = 9, /* [op u64, [key bin32...], height u64] */
    GOV_KIND_MAX = 9,
} gov_kind;

/* validator-set operations (specs/governance.md §6.9). */
enum { GOV_VALSET_ADD = 1, GOV_VALSET_REMOVE = 2, GOV_VALSET_REPLACE = 3 };

/* Votes. */
enum { GOV_VOTE_YES = 1, GOV_VOTE_NO = 2, GOV_VOTE_ABSTAIN = 3 };

/* Proposal status. */
typedef enum gov_status {
    GOV_OPEN = 1,      /* voting */
    GOV_PASSED = 2,    /* thresholds reached; waiting for its activation height */
    GOV_ACTIVATED = 3, /* its action applied */
    GOV_FAILED = 4,    /* its action failed at activation (result holds the code) */
    GOV_EXPIRED = 5,   /* the expiry height passed without the thresholds */
} gov_status;

/* Kind names as the CLI and the RPC show them ("member-admit"); NULL if unknown. */
const char *gov_kind_name(uint64_t kind);
uint64_t gov_kind_parse(const char *name); /* 0 if unknown */
const char *gov_status_name(uint64_t status);
uint64_t gov_status_parse(const char *name); /* 0 if unknown */

/* A proposal's decoded parameters. */
typedef struct gov_params {
    uint64_t kind;
    ldg_account account; /* member / role kinds */
    uint64_t value;      /* weight, roles, parameter value or action type */
    uint8_t hash[32];    /* code kinds */
    char name[GOV_PARAM_NAME_LEN_MAX + 1];
    const uint8_t *payload; /* action: borrowed from the decoded input */
    size_t payload_len;
    /* validator-set: op in value, the keys, the height the new set certifies from */
    uint32_t key_count;
    ldg_pubkey keys[LDG_VALIDATORS_MAX];
    uint64_t height;
} gov_params;

/* The gov.propose payload. */
typedef struct gov_proposal_in {
    gov_params params;
    uint64_t expiry_height;
    uint64_t delay;
} gov_proposal_in;

/* Decodes a gov.propose payload (the fuzzed decoder): shape and per-kind field domains
 * only, no state. Returns LDG_R_OK, LDG_R_BAD_PAYLOAD (not [kind, params, expiry, delay]),
 * GOV_R_BAD_KIND, GOV_R_BAD_PARAMS or GOV_R_PROPOSAL_TOO_LARGE; detail (may be NULL) says
 * which field. out->params.payload points into o. */
ldg_result gov_proposal_decode(const msgpack_object *o, gov_proposal_in *out, char *detail,
                               size_t detail_len);
/* Canonical encoding of a kind's parameters array (what the proposal record stores). */
void gov_params_encode(ldg_enc *e, const gov_params *p);

/* The stored proposal (state key 'G' 'p' be64(id)). */
typedef struct gov_proposal {
    uint64_t id;
    ldg_account proposer;
    uint8_t params[GOV_PROPOSAL_SIZE_MAX]; /* the encoded parameters array */
    size_t params_len;
    uint64_t kind, height, expiry_height, delay, status;
    uint64_t yes, no, abstain; /* weights */
    uint64_t activation_height;
    uint64_t result; /* ldg_result at activation (FAILED), else 0 */
    char detail[LDG_TEXT_LEN_MAX + 1];
} gov_proposal;

ldg_err gov_proposal_get(ldg_state *st, uint64_t id, gov_proposal *out,
                         bool *found) LDG_WARN_UNUSED;
/* Decodes a stored parameters array back (borrowing into dec, which the caller frees). */
ldg_err gov_params_decode_stored(const gov_proposal *p, ldg_dec *dec,
                                 gov_params *out) LDG_WARN_UNUSED;

/* The committee as state holds it (or, for a chain whose genesis named none and that has
 * had no governance transaction yet, as it will be: its genesis registrars, weight 1). */
typedef struct gov_member {
    ldg_account account;
    uint64_t weight;
    uint64_t height; /* admitted at */
} gov_member;
typedef struct gov_committee {
    uint32_t count;
    uint64_t total_weight;
    gov_member members[LDG_COMMITTEE_MEMBERS_MAX]; /* by account, ascending */
    bool derived;                                  /* not in state yet (see above) */
} gov_committee;
ldg_err gov_committee_read(ldg_state *st, gov_committee *out) LDG_WARN_UNUSED;

/* Governed parameters (state key 'G' 'P' name; absent = default). */
typedef struct gov_param_def {
    const char *name;
    uint64_t def, min, max;
    const char *text;
} gov_param_def;
extern const gov_param_def gov_param_defs[];
extern const size_t gov_param_def_count;
/* The value in force (default if never set); LDG_ERR_NOT_FOUND for an unknown name. */
ldg_err gov_param_get(ldg_state *st, const char *name, uint64_t *value) LDG_WARN_UNUSED;

/* The block limits in force for the block after st (block.max_txs, block.max_bytes): the
 * registry's ldg_block_limits_fn. */
ldg_err gov_block_limits(ldg_state *st, ldg_block_limits *out) LDG_WARN_UNUSED;

/* The committee's own account, the sender of every committee action: the first 20 bytes
 * of TH("folio/committee", ""). No key hashes to it; it is no participant. */
void gov_committee_account(ldg_account *out);

/* Records code_hash as approved by proposal `by` ('G' 'h' hash -> by): what an activated
 * code-approve writes; tests that deploy set up their approvals with it. */
void gov_code_approved_put(ldg_state *st, const uint8_t code_hash[32], uint64_t by);

/* Registers result codes, the two transaction types, the genesis hook, the block hook,
 * the block limits (block.max_txs, block.max_bytes),
 * the work-due check and the code gate. */
void gov_module_register(ldg_registry *r);

/* Whether a tally passes (specs/governance.md §7): participation (yes + no + abstain) *
 * 10000 >= total * quorum_bps, and yes * 10000 >= (yes + no) * approval_bps with yes > 0. */
bool gov_tally_passes(uint64_t yes, uint64_t no, uint64_t abstain, uint64_t total,
                      uint64_t quorum_bps, uint64_t approval_bps);

/* ---- for the module's own files ---- */
/* `height` is the block being executed, `delay` the blocks before the action can apply at
 * the earliest (the proposal's delay when proposed, 0 at activation). */
ldg_result gov_kind_check(const ldg_registry *r, ldg_state *st, uint64_t height, uint64_t delay,
                          const gov_params *p, char *detail, size_t detail_len);
ldg_result gov_kind_apply(const ldg_registry *r, ldg_state *st, const ldg_env *env,
                          uint64_t proposal_id, const gov_params *p, char *detail,
                          size_t detail_len);
ldg_err gov_committee_materialise(ldg_state *st, gov_committee *c) LDG_WARN_UNUSED;
void gov_committee_write(ldg_state *st, const gov_committee *c);
void gov_proposal_put(ldg_state *st, const gov_proposal *p);
void gov_key_id(uint8_t key[10], char sub, uint64_t id);

#endif
