/* Instruments and holdings: the register of holders is the ledger.
 *
 * State (specs/state.md):
 *   'a' id12           -> asset record [kind, name, issuer, supply, scale, class, risk, currency]
 *   'b' id12 account20 -> holding (u64, minor units); absent = 0, never stored as 0
 *   'H' id12           -> number of accounts with a non-zero holding
 * id12 is the ISIN (12 chars) or, for cash, the ISO 4217 code padded with zero bytes. */
#ifndef AST_ASSET_H
#define AST_ASSET_H

#include "ldg_exec.h"

#define AST_ID_LEN 12

enum { AST_KIND_EQUITY = 1, AST_KIND_BOND = 2, AST_KIND_CASH = 3 };

/* Result codes of the assets module (200..399, specs/errors.md). */
enum {
    AST_R_UNKNOWN_ASSET = 200,
    AST_R_BAD_ISIN = 201,
    AST_R_ASSET_EXISTS = 202,
    AST_R_ZERO_QUANTITY = 203,
    AST_R_QUANTITY_TOO_LARGE = 204,
    AST_R_INSUFFICIENT_BALANCE = 205,
    AST_R_SELF_TRANSFER = 206,
    AST_R_BAD_NAME = 207,
    AST_R_BAD_RISK = 208,
    AST_R_BAD_CURRENCY = 209,
    AST_R_CASH_ISSUER = 210,      /* another settlement bank issues this currency */
    AST_R_NOT_CASH = 211,         /* the instrument is not a cash token */
    AST_R_BAD_TERMS = 212,        /* bond terms invalid (face value, rate, frequency, day count) */
    AST_R_BAD_DATES = 213,        /* maturity not after issue, record date not before pay date */
    AST_R_BAD_INVESTOR = 214,     /* investor category or risk class out of range */
    AST_R_UNSUITABLE = 215,       /* instrument risk above the ordinary investor's class */
    AST_R_KYC_EXPIRED = 216,      /* recipient's KYC has expired */
    AST_R_NOT_TRANSFERABLE = 217, /* the instrument's rules forbid transfers */
    AST_R_LOCKED_UP = 218,        /* transfers are locked up until a date */
    AST_R_NOT_ALLOWED = 219,      /* recipient is not on the instrument's allow list */
    AST_R_MAX_HOLDERS = 220,      /* the transfer would exceed the maximum number of holders */
    AST_R_FROZEN = 221,           /* the quantity is frozen by a regulator's order */
    AST_R_NOT_ISSUER = 222,       /* only the instrument's issuer (or a regulator) may do this */
    AST_R_UNKNOWN_PROPOSAL = 223, /* no force-transfer proposal with this id */
    AST_R_SAME_REGULATOR = 224,   /* the approver must differ from the proposer */
    AST_R_PROPOSAL_CLOSED = 225,  /* the proposal was already executed */
    AST_R_WRONG_KIND = 226,       /* the action does not apply to this kind of instrument */
    AST_R_BAD_RATIO = 227,        /* split ratio has a zero side */
    AST_R_UNKNOWN_ACTION = 228,   /* no corporate action with this id */
    AST_R_ACTION_CLOSED = 229,    /* the action is already paid, applied or cancelled */
    AST_R_ACTION_IN_PROGRESS = 230, /* a split or a final redemption is being applied */
    AST_R_NOT_FROZEN = 231,         /* unfreeze of more than is frozen */
    AST_R_LIST_TOO_LONG = 232,      /* allow list over AST_ALLOW_LIST_MAX accounts */
    AST_R_UNKNOWN_INVESTOR = 233,   /* no investor profile for this account */
    AST_R_NO_DISCLOSURE = 234,      /* ordinary investor without a registered disclosure */
};

/* Transaction types (10..49). */
enum {
    AST_TX_ISSUE_EQUITY = 10,
    AST_TX_TRANSFER = 11,
    AST_TX_ISSUE_CASH = 12,    /* asset.issue_cash [currency, amount, to] */
    AST_TX_REDEEM_CASH = 13,   /* asset.redeem_cash [currency, amount] */
    AST_TX_ISSUE_BOND = 14,    /* asset.issue_bond (ast_bond_tx.c) */
    AST_TX_INVESTOR = 15,      /* investor.register */
    AST_TX_RULES_SET = 16,     /* asset.rules_set */
    AST_TX_FREEZE = 17,        /* control.freeze */
    AST_TX_UNFREEZE = 18,      /* control.unfreeze */
    AST_TX_FORCE_PROPOSE = 19, /* control.force_transfer */
    AST_TX_FORCE_APPROVE = 20, /* control.approve */
    AST_TX_DIVIDEND = 21,      /* action.dividend */
    AST_TX_SPLIT = 22,         /* action.split */
    AST_TX_ACTION_CANCEL = 23, /* action.cancel */
};

/* Second key byte of the assets module's keys under the 'A' prefix (specs/assets.md). */
#define AST_KEY_NS 'A'

typedef struct ast_asset {
    char id[AST_ID_LEN + 1];
    uint64_t kind;
    char name[LDG_NAME_LEN_MAX + 1];
    ldg_account issuer;
    uint64_t supply;
    uint64_t scale; /* decimal places of the minor unit */
    char share_class[8];
    uint64_t risk; /* 1..5 (R1..R5) */
    char currency[4];
} ast_asset;

/* The 12-byte key form of an instrument id; false if id is empty or longer than 12. */
bool ast_id_key(uint8_t out[AST_ID_LEN], const char *id);

ldg_err ast_asset_get(ldg_state *st, const char *id, ast_asset *out, bool *found) LDG_WARN_UNUSED;
ldg_err ast_asset_decode(const uint8_t *v, size_t vl, ast_asset *out) LDG_WARN_UNUSED;
void ast_asset_put(ldg_state *st, const ast_asset *a);

/* Why a holding changes: the reason recorded in its history (ast_history.h), stable
 * numbers (specs/assets.md "History"). AST_WHY_TX: what the executing transaction's type
 * says (a transfer, a settlement leg, a contract's movement...). */
enum {
    AST_WHY_TX = 0,
    AST_WHY_TRANSFER = 1,
    AST_WHY_SETTLEMENT = 2,
    AST_WHY_DIVIDEND = 3,
    AST_WHY_COUPON = 4,
    AST_WHY_SPLIT = 5,
    AST_WHY_FORCED_TRANSFER = 6,
    AST_WHY_ISSUANCE = 7,
    AST_WHY_REDEMPTION = 8,
    AST_WHY_BUY_IN = 9,
    AST_WHY_CONTRACT = 10,
    AST_WHY_OTHER = 11,
};

typedef struct ast_why {
    uint64_t reason;                 /* AST_WHY_* */
    const ldg_account *counterparty; /* NULL: none (or the other side of a movement) */
    uint64_t ref;                    /* corporate action or proposal id, 0 if none */
} ast_why;

/* q of instrument a as the ledger's messages write it (specs/money.md §3): cash as money with
 * its currency and decimals ("1,250.50 CNY"), a security as units at its scale followed by
 * its id ("1,200 CNE100000296"). Always NUL-terminates; returns out. */
char *ast_asset_amount_text(char *out, size_t len, const ast_asset *a, uint64_t q);
/* The same for an instrument known by id only (a currency code is cash; anything else is
 * written as units of scale 0). */
char *ast_id_amount_text(char *out, size_t len, const char *id, uint64_t q);

ldg_err ast_balance_get(ldg_state *st, const char *id, const ldg_account *acct,
                        uint64_t *qty) LDG_WARN_UNUSED;
/* Moves qty of id from -> to with every check (balances, overflow); the building block of
 * transfers, settlement legs and corporate actions. Returns a result code; on failure
 * nothing is written. */
ldg_result ast_move(ldg_txctx *c, const char *id, const ldg_account *from, const ldg_account *to,
                    uint64_t qty);
/* Credits newly issued units (supply grows by the caller's record update). */
ldg_result ast_credit(ldg_state *st, const char *id, const ldg_account *to, uint64_t qty);
/* Removes qty from a holding (retirement; the caller shrinks the supply). */
ldg_result ast_debit(ldg_state *st, const char *id, const ldg_account *from, uint64_t qty);
/* A movement with the balance checks only: no transfer rules, no controls. For the
 * ledger's own movements (corporate-action payments, approved force transfers). */
ldg_result ast_move_raw(ldg_state *st, const char *id, const ldg_account *from,
                        const ldg_account *to, uint64_t qty);
/* Rewrites a holding from `before` (its current value) to `after` (splits). */
void ast_holding_set(ldg_state *st, const char *id, const ldg_account *acct, uint64_t before,
                     uint64_t after);
/* The same four with the reason the history records (the ones above record AST_WHY_TX).
 * For movements, why->counterparty is ignored: each side's is the other. */
ldg_result ast_move_why(ldg_txctx *c, const char *id, const ldg_account *from,
                        const ldg_account *to, uint64_t qty, const ast_why *why);
ldg_result ast_credit_why(ldg_state *st, const char *id, const ldg_account *to, uint64_t qty,
                          const ast_why *why);
ldg_result ast_debit_why(ldg_state *st, const char *id, const ldg_account *from, uint64_t qty,
                         const ast_why *why);
ldg_result ast_move_raw_why(ldg_state *st, const char *id, const ldg_account *from,
                            const ldg_account *to, uint64_t qty, const ast_why *why);
void ast_holding_set_why(ldg_state *st, const char *id, const ldg_account *acct, uint64_t before,
                         uint64_t after, const ast_why *why);
/* Recipient must be a registered participant (sets the detail). */
ldg_result ast_require_participant(ldg_txctx *c, const ldg_account *a);
/* Holder count of an instrument. */
ldg_err ast_holders_get(ldg_state *st, const char *id, uint64_t *count) LDG_WARN_UNUSED;

/* Registers the assets result table and transaction types. */
void ast_asset_register(ldg_registry *r);

#endif
