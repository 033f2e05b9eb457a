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
};

/* Transaction types (10..49). */
enum {
    AST_TX_ISSUE_EQUITY = 10,
    AST_TX_TRANSFER = 11,
};

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

ldg_err ast_balance_get(ldg_state *st, const char *id, const ldg_account *acct,
                        uint64_t *qty) LDG_WARN_UNUSED;
/* Moves qty of id from -> to with every check (balances, overflow); the building block of
 * transfers, settlement legs and corporate actions. Returns a result code; on failure
 * nothing is written. */
ldg_result ast_move(ldg_txctx *c, const char *id, const ldg_account *from, const ldg_account *to,
                    uint64_t qty);
/* Credits newly issued units (supply grows by the caller's record update). */
ldg_result ast_credit(ldg_state *st, const char *id, const ldg_account *to, uint64_t qty);

/* Registers the assets result table and transaction types. */
void ast_asset_register(ldg_registry *r);

#endif
