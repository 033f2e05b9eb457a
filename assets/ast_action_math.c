#include "ast_action_math.h"

#include <stdbool.h>

#include "ldg_limits.h"

typedef unsigned __int128 u128;

const char *ast_action_err_str(ast_action_err err)
{
    switch (err) {
    case AST_ACTION_OK:
        return "ok";
    case AST_ACTION_ERR_AMOUNT:
        return "amount must be greater than zero";
    case AST_ACTION_ERR_RATIO:
        return "split ratio must have both sides greater than zero";
    case AST_ACTION_ERR_NO_HOLDINGS:
        return "there are no holdings to allocate over";
    case AST_ACTION_ERR_OVERFLOW:
        return "amount is too large";
    case AST_ACTION_ERR_QUANTITY_MAX:
        return "split would exceed the maximum number of shares";
    }
    return "unknown corporate action error";
}

/* Sum of holdings, or false on overflow. */
static bool sum_holdings(uint64_t *out, const uint64_t *holdings, size_t count)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++)
        if (__builtin_add_overflow(sum, holdings[i], &sum))
            return false;
    *out = sum;
    return true;
}

ast_action_err ast_dividend_allocate(uint64_t *amounts, uint64_t *total, const uint64_t *holdings,
                                     size_t count, uint64_t per_share)
{
    LDG_ASSERT(total != NULL && ((amounts != NULL && holdings != NULL) || count == 0));
    if (per_share == 0)
        return AST_ACTION_ERR_AMOUNT;
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++) {
        if (__builtin_mul_overflow(holdings[i], per_share, &amounts[i]) ||
            __builtin_add_overflow(sum, amounts[i], &sum))
            return AST_ACTION_ERR_OVERFLOW;
    }
    *total = sum;
    return AST_ACTION_OK;
}

ast_action_err ast_pro_rata_allocate(uint64_t *amounts, uint64_t *remainder,
                                     const uint64_t *holdings, size_t count, uint64_t total)
{
    LDG_ASSERT(remainder != NULL && ((amounts != NULL && holdings != NULL) || count == 0));
    if (total == 0)
        return AST_ACTION_ERR_AMOUNT;
    uint64_t base;
    if (!sum_holdings(&base, holdings, count))
        return AST_ACTION_ERR_OVERFLOW;
    if (base == 0)
        return AST_ACTION_ERR_NO_HOLDINGS;
    uint64_t paid = 0;
    for (size_t i = 0; i < count; i++) {
        /* holdings[i] <= base, so each share is <= total and the sum of floors <= total */
        amounts[i] = (uint64_t)(((u128)total * holdings[i]) / base);
        paid += amounts[i];
        LDG_ASSERT(paid <= total);
    }
    *remainder = total - paid;
    return AST_ACTION_OK;
}

ast_action_err ast_split_apply(uint64_t *new_holdings, uint64_t *fractions,
                               ast_split_totals *totals, const uint64_t *holdings, size_t count,
                               uint64_t ratio_new, uint64_t ratio_old)
{
    LDG_ASSERT(totals != NULL && ((new_holdings != NULL && holdings != NULL) || count == 0));
    if (ratio_new == 0 || ratio_old == 0)
        return AST_ACTION_ERR_RATIO;
    uint64_t before;
    if (!sum_holdings(&before, holdings, count))
        return AST_ACTION_ERR_OVERFLOW;
    /* (2^64-1)^2 < 2^128: the products below cannot overflow 128 bits. */
    u128 after = (u128)before * ratio_new / ratio_old;
    if (after > LDG_QUANTITY_MAX)
        return AST_ACTION_ERR_QUANTITY_MAX;
    u128 holders_after = 0, fraction_sum = 0;
    for (size_t i = 0; i < count; i++) {
        u128 scaled = (u128)holdings[i] * ratio_new;
        new_holdings[i] = (uint64_t)(scaled / ratio_old); /* <= after, fits */
        if (fractions)
            fractions[i] = (uint64_t)(scaled % ratio_old);
        holders_after += new_holdings[i];
        fraction_sum += scaled % ratio_old; /* count * 2^64 cannot reach 2^128 */
    }
    LDG_ASSERT(holders_after + fraction_sum / ratio_old == after);
    *totals = (ast_split_totals){.before = before,
                                 .after = (uint64_t)after,
                                 .holders_after = (uint64_t)holders_after,
                                 .issuer = (uint64_t)(after - holders_after)};
    return AST_ACTION_OK;
}

ast_action_err ast_split_cash_in_lieu(uint64_t *amounts, uint64_t *total, const uint64_t *fractions,
                                      size_t count, uint64_t ratio_old, uint64_t price)
{
    LDG_ASSERT(total != NULL && ((amounts != NULL && fractions != NULL) || count == 0));
    if (ratio_old == 0)
        return AST_ACTION_ERR_RATIO;
    if (price == 0)
        return AST_ACTION_ERR_AMOUNT;
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++) {
        LDG_ASSERT(fractions[i] < ratio_old);
        amounts[i] = (uint64_t)(((u128)fractions[i] * price) / ratio_old); /* < price */
        if (__builtin_add_overflow(sum, amounts[i], &sum))
            return AST_ACTION_ERR_OVERFLOW;
    }
    *total = sum;
    return AST_ACTION_OK;
}
