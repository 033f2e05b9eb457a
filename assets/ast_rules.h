/* Transfer rules, legal controls and investor suitability: the one check every movement
 * of an instrument passes (ast_move calls it, so transfers, settlement legs and any other
 * caller of ast_move get it), and which `transfer check` runs as a dry run against the
 * committed state.
 *
 * State (under the 'A' prefix, specs/assets.md):
 *   'A' 'R' id12            -> rules [max_holders u64 (0 = none), lockup_until days i64
 *                              (nil = none), transferable bool, allow list [account20...],
 *                              requires_disclosure true (only when set)]
 *   'A' 'F' id12 account20  -> frozen [quantity u64, order sha256 bin32]
 *   'A' 'I' account20       -> investor [category u64, risk class u64, kyc expiry days i64,
 *                              height u64]
 *   'A' 'P' be64(id)        -> force-transfer proposal
 *   'A' 'N' 'P'             -> u64 next proposal id */
#ifndef AST_RULES_H
#define AST_RULES_H

#include "ast_asset.h"
#include "ast_limits.h"

enum { AST_INVESTOR_PROFESSIONAL = 1, AST_INVESTOR_ORDINARY = 2 };

typedef struct ast_rules {
    uint64_t max_holders; /* 0 = no limit */
    bool has_lockup;
    int64_t lockup_until_days; /* transfers allowed from this date on (block date >= it) */
    bool transferable;
    uint32_t allow_count; /* 0 = anyone may receive */
    ldg_account allow[AST_ALLOW_LIST_MAX];
    /* An ordinary investor receives it only with a disclosure and its acknowledgement
     * registered on chain (specs/evidence.md §10). */
    bool requires_disclosure;
} ast_rules;

typedef struct ast_investor {
    uint64_t category;   /* AST_INVESTOR_* */
    uint64_t risk_class; /* 1..5 (C1..C5) */
    int64_t kyc_expiry_days;
    uint64_t height;
} ast_investor;

enum { AST_PROPOSAL_PENDING = 1, AST_PROPOSAL_EXECUTED = 2 };

/* A force-transfer proposal ('A' 'P' be64(id)). height: the block it was proposed in. */
typedef struct ast_proposal {
    char isin[AST_ID_LEN + 1];
    uint64_t qty;
    ldg_account from, to, proposer, approver;
    uint8_t order[32];
    uint64_t status, height;
} ast_proposal;

/* Decoders of the records above, for the read side. */
ldg_err ast_investor_decode(const uint8_t *v, size_t vl, ast_investor *out) LDG_WARN_UNUSED;
ldg_err ast_frozen_decode(const uint8_t *v, size_t vl, uint64_t *qty,
                          uint8_t order[32]) LDG_WARN_UNUSED;
ldg_err ast_proposal_decode(const uint8_t *v, size_t vl, ast_proposal *out) LDG_WARN_UNUSED;

/* Reads an instrument's rules; *found false (and defaults: transferable, no limits) if
 * none were set. */
ldg_err ast_rules_get(ldg_state *st, const char *id, ast_rules *out, bool *found) LDG_WARN_UNUSED;
ldg_err ast_investor_get(ldg_state *st, const ldg_account *a, ast_investor *out,
                         bool *found) LDG_WARN_UNUSED;
/* Quantity of id frozen on account (0 if none). */
ldg_err ast_frozen_get(ldg_state *st, const char *id, const ldg_account *a,
                       uint64_t *qty) LDG_WARN_UNUSED;
/* Scales every frozen quantity of one account by n/m (rounded down), for splits. */
void ast_frozen_scale(ldg_state *st, const char *id, const ldg_account *a, uint64_t n, uint64_t m);

/* Is moving qty of id from -> to at block time time_ms allowed? Checks, in this order
 * (the first that fails is returned; specs/assets.md "Transfer rules"):
 *   UNKNOWN_ASSET, ZERO_QUANTITY, QUANTITY_TOO_LARGE, SELF_TRANSFER, ACTION_IN_PROGRESS,
 *   INSUFFICIENT_BALANCE, FROZEN, NOT_TRANSFERABLE, LOCKED_UP, NOT_ALLOWED, MAX_HOLDERS,
 *   KYC_EXPIRED, UNSUITABLE, NO_DISCLOSURE.
 * Cash is exempt from the rules after FROZEN (it has no transfer rules, risk level or
 * suitability). Reads only. Out: detail (may be NULL) gets specifics on refusal. */
ldg_result ast_transfer_check(ldg_state *st, uint64_t time_ms, const char *id,
                              const ldg_account *from, const ldg_account *to, uint64_t qty,
                              char *detail, size_t detail_len);

void ast_rules_register(ldg_registry *r);

#endif
