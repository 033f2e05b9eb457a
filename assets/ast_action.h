/* Corporate actions run by the ledger: cash dividends, stock splits, bond coupons and
 * redemptions. Block hooks advance them in bounded chunks (AST_ACTION_ROWS_PER_BLOCK_MAX
 * rows per block); the work-due function tells the node a block is needed.
 *
 * Record-date snapshot: the first block at or after the end of the record date starts a
 * snapshot of the register; chunks copy holdings into 'A' 'S' keys in account order, and
 * any holding that changes before its chunk is copied keeps its record-date value first
 * (copy on write, ast_snapshot_cow). The snapshot is therefore exactly the register at
 * the end of the record date, however many blocks the copy takes.
 *
 * State (under the 'A' prefix, specs/assets.md "Corporate actions"):
 *   'A' 'X' be64(id)              -> action record
 *   'A' 'D' be64(due_ms) be64(id) -> (empty) due index: work at or after due_ms
 *   'A' 'U' be64(id)              -> (empty) unfunded payments, retried every block
 *   'A' 'S' be64(id) account20    -> u64 record-date holding (0 = held nothing)
 *   'A' 'Z' id12 be64(id)         -> (empty) snapshot of id12 in progress
 *   'A' 'L' id12                  -> u64 action id locking the instrument (split, maturity)
 *   'A' 'N' 'X'                   -> u64 next action id */
#ifndef AST_ACTION_H
#define AST_ACTION_H

#include "ast_asset.h"
#include "ast_bond.h"

enum {
    AST_ACTION_DIVIDEND = 1,
    AST_ACTION_COUPON = 2,
    AST_ACTION_REDEMPTION = 3, /* last coupon + face value, then the bonds are retired */
    AST_ACTION_SPLIT = 4,
};

enum {
    AST_ACT_SCHEDULED = 1, /* waiting for the end of the record date */
    AST_ACT_RECORDING = 2, /* snapshot being copied */
    AST_ACT_RECORDED = 3,  /* waiting for the pay date */
    AST_ACT_UNFUNDED = 4,  /* issuer short of cash; retried every block */
    AST_ACT_PAYING = 5,    /* funded (cash in escrow), paying chunk by chunk */
    AST_ACT_DONE = 6,
    AST_ACT_CANCELLED = 7,
    AST_ACT_SPLITTING = 8,
};

typedef struct ast_action {
    uint64_t id;
    uint64_t kind;
    char isin[AST_ID_LEN + 1];
    char currency[4];
    uint64_t per_unit;      /* cash minor units per share / bond unit */
    uint64_t record_end_ms; /* last millisecond of the record date */
    uint64_t pay_ms;        /* first millisecond of the pay date */
    uint64_t state;
    uint8_t cursor[LDG_ACCOUNT_LEN]; /* last account processed in the current phase */
    bool has_cursor;
    uint64_t snap_units;   /* units in the snapshot */
    uint64_t snap_holders; /* non-zero holdings in the snapshot */
    uint64_t total;        /* cash to pay: snap_units * per_unit */
    uint64_t paid;         /* cash paid so far */
    uint64_t paid_holders;
    uint64_t ratio_new, ratio_old; /* split N:M */
    uint64_t frac_sum;             /* split: sum of fractions (in 1/M of a new share) */
    uint64_t period;               /* bond: index of the coupon period */
    uint64_t created_height;
    uint64_t due_ms; /* key of its 'A' 'D' entry; 0 = none */
    uint64_t unpaid; /* cash left in escrow because a credit failed (overflow) */
} ast_action;

/* Escrow account that holds a funded payment until it is paid out. */
extern const ldg_account ast_escrow_account;

/* Keeps the record-date value of a holding that is about to change while a snapshot of
 * the instrument is being copied. Called by every writer of holdings. */
void ast_snapshot_cow(ldg_state *st, const char *id, const ldg_account *acct, uint64_t before);

/* Locked instrument (split or final redemption in progress): the locking action id or 0. */
ldg_err ast_action_lock_get(ldg_state *st, const char *id, uint64_t *action) LDG_WARN_UNUSED;

ldg_err ast_action_get(ldg_state *st, uint64_t id, ast_action *out, bool *found) LDG_WARN_UNUSED;
ldg_err ast_action_decode(const uint8_t *v, size_t vl, ast_action *out) LDG_WARN_UNUSED;
const char *ast_action_kind_name(uint64_t kind);
const char *ast_action_state_name(uint64_t state);

/* Bond terms stored at issue ('A' 'T' id12 -> [currency, face, bps, freq, daycount,
 * issue days i64, maturity days i64]), ast_bond_tx.c. */
ldg_err ast_bond_terms_get(ldg_state *st, const char *isin, ast_bond_terms *out, char currency[4],
                           bool *found) LDG_WARN_UNUSED;
void ast_bond_register(ldg_registry *r);

/* Schedules the coupon (or final redemption) of bond period `period` (ast_bond_tx.c). */
ldg_result ast_action_schedule_coupon(ldg_state *st, const char *isin, uint64_t period,
                                      uint64_t height);

/* Registers the action transactions, block hook and work-due function. */
void ast_action_register(ldg_registry *r);

#endif
