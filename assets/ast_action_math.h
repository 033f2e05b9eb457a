/* Corporate-action arithmetic: dividends, pro-rata allocation, stock splits, cash in lieu.
 *
 * Pure and deterministic: integers only, exact 128-bit intermediates, no clock, no I/O, no
 * globals, no allocation. Holdings and quantities are uint64_t in the instrument's smallest
 * unit; cash amounts are uint64_t in the currency's minor unit. Every result is rounded
 * down (towards zero); what rounding removes is reported, never lost, so the caller can
 * assign it to the issuer and the totals balance. specs/assets.md ("Rounding rules") is
 * the normative text.
 *
 * Arrays: holdings[i] and the per-holder outputs at index i belong to the same holder; the
 * caller owns every array and keeps the order (sort by account before calling when the
 * order reaches a block). Output arrays have the same length as holdings and must not
 * overlap it. On failure the scalar outputs are untouched and the contents of output
 * arrays are unspecified (partially written). */
#ifndef AST_ACTION_MATH_H
#define AST_ACTION_MATH_H

#include <stddef.h>
#include <stdint.h>

#include "ldg_assert.h"

/* Result of the action math, ordered by precedence; numbers are stable. */
typedef enum ast_action_err {
    AST_ACTION_OK = 0,
    AST_ACTION_ERR_AMOUNT = 1,       /* per-share amount, total or price is zero */
    AST_ACTION_ERR_RATIO = 2,        /* split ratio with a zero side (0:M or N:0) */
    AST_ACTION_ERR_NO_HOLDINGS = 3,  /* holdings sum to zero: nothing to allocate over */
    AST_ACTION_ERR_OVERFLOW = 4,     /* a product or sum does not fit uint64_t */
    AST_ACTION_ERR_QUANTITY_MAX = 5, /* split result above LDG_QUANTITY_MAX shares */
} ast_action_err;

/* A short constant English sentence for an error code (never NULL). */
const char *ast_action_err_str(ast_action_err err);

/* Cash dividend at a fixed amount per share: amounts[i] = holdings[i] * per_share.
 * Also pays bond coupons and redemptions: per_share = ast_coupon_period.amount (or the
 * face value), so every unit of the same bond is paid the same rounded amount.
 * Nothing is rounded, so there is no remainder.
 * Out: amounts[0..count), *total = sum of amounts (both on success).
 * Returns AST_ACTION_OK, AST_ACTION_ERR_AMOUNT (per_share == 0) or AST_ACTION_ERR_OVERFLOW
 * (a product or the total exceeds UINT64_MAX). */
LDG_WARN_UNUSED ast_action_err ast_dividend_allocate(uint64_t *amounts, uint64_t *total,
                                                     const uint64_t *holdings, size_t count,
                                                     uint64_t per_share);

/* Splits a fixed `total` over holders in proportion to their holdings, each share rounded
 * down: amounts[i] = floor(total * holdings[i] / sum(holdings)), computed exactly in 128
 * bits. The remainder total - sum(amounts) goes to the issuer; it is less than the number
 * of non-zero holdings. Exact: sum(amounts) + *remainder == total.
 * Out: amounts[0..count), *remainder (on success).
 * Returns AST_ACTION_OK, AST_ACTION_ERR_AMOUNT (total == 0), AST_ACTION_ERR_NO_HOLDINGS
 * (count == 0 or all holdings zero) or AST_ACTION_ERR_OVERFLOW (holdings sum > UINT64_MAX). */
LDG_WARN_UNUSED ast_action_err ast_pro_rata_allocate(uint64_t *amounts, uint64_t *remainder,
                                                     const uint64_t *holdings, size_t count,
                                                     uint64_t total);

/* Totals of a split, for the caller's conservation check and receipt. */
typedef struct ast_split_totals {
    uint64_t before;        /* sum of holdings before the split */
    uint64_t after;         /* floor(before * ratio_new / ratio_old): shares that exist after */
    uint64_t holders_after; /* sum of new_holdings */
    uint64_t issuer;        /* after - holders_after: aggregated fractions, to the issuer */
} ast_split_totals;

/* Stock split (ratio_new > ratio_old) or reverse split (ratio_new < ratio_old) N:M: every
 * holding becomes holdings[i] * N / M. Each holder gets the whole part,
 * new_holdings[i] = floor(holdings[i] * N / M); the fractional part is
 * fractions[i] / M of a new share, with fractions[i] = holdings[i] * N mod M.
 *
 * Conservation rule: the number of shares after the split is floor(before * N / M) (the
 * same as if the issuer's whole register were one holding). The holders' fractions are
 * aggregated: issuer = floor(sum(fractions) / M) whole new shares go to the issuer (who
 * typically sells them and pays cash in lieu; see ast_split_cash_in_lieu), so
 * holders_after + issuer == after. The sub-share rest (sum(fractions) mod M) / M is not
 * issued to anyone.
 *
 * Args: fractions may be NULL when the caller does not need them.
 * Out: new_holdings[0..count), fractions[0..count), *totals (on success).
 * Returns AST_ACTION_OK, AST_ACTION_ERR_RATIO (N == 0 or M == 0), AST_ACTION_ERR_OVERFLOW
 * (holdings sum > UINT64_MAX) or AST_ACTION_ERR_QUANTITY_MAX (after > LDG_QUANTITY_MAX). */
LDG_WARN_UNUSED ast_action_err ast_split_apply(uint64_t *new_holdings, uint64_t *fractions,
                                               ast_split_totals *totals, const uint64_t *holdings,
                                               size_t count, uint64_t ratio_new,
                                               uint64_t ratio_old);

/* Cash in lieu of fractional shares: amounts[i] = floor(fractions[i] * price / ratio_old),
 * where fractions[] comes from ast_split_apply with the same ratio_old and price is the
 * price of one new (post-split) share in cash minor units. Each fraction is < ratio_old,
 * so each amount is < price.
 * Out: amounts[0..count), *total = sum of amounts (on success).
 * Returns AST_ACTION_OK, AST_ACTION_ERR_RATIO (ratio_old == 0), AST_ACTION_ERR_AMOUNT
 * (price == 0) or AST_ACTION_ERR_OVERFLOW (the total exceeds UINT64_MAX).
 * A fraction >= ratio_old is a programmer error (asserted). */
LDG_WARN_UNUSED ast_action_err ast_split_cash_in_lieu(uint64_t *amounts, uint64_t *total,
                                                      const uint64_t *fractions, size_t count,
                                                      uint64_t ratio_old, uint64_t price);

#endif
