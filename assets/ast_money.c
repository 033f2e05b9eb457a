/* Decimal text <-> minor units (specs/money.md). Exact: integers only, checked arithmetic. */
#include "ast_money.h"

#include <stdio.h>
#include <string.h>

#include "ast_isin.h"
#include "ldg_limits.h"

const char *ast_money_err_str(ast_money_err err)
{
    switch (err) {
    case AST_MONEY_OK:
        return "ok";
    case AST_MONEY_EMPTY:
        return "no digits";
    case AST_MONEY_SYNTAX:
        return "not a decimal number (digits, one '.', optional ',' between groups of three)";
    case AST_MONEY_DECIMALS:
        return "more decimals than the unit has";
    case AST_MONEY_TOO_LARGE:
        return "too large";
    }
    return "unknown money error";
}

/* Checks the placement of ',' in the integer part s[0..n): none, or every group of three. */
static bool groups_ok(const char *s, size_t n)
{
    if (!memchr(s, ',', n))
        return true;
    size_t digits = 0;
    for (size_t i = n; i-- > 0;) {
        if (s[i] == ',') {
            if (digits != 3 || i == 0)
                return false;
            digits = 0;
        } else {
            digits++;
        }
    }
    return digits >= 1 && digits <= 3;
}

ast_money_err ast_money_parse(const char *s, unsigned scale, uint64_t *out)
{
    if (!s || !*s)
        return AST_MONEY_EMPTY;
    if (scale > AST_MONEY_SCALE_MAX)
        return AST_MONEY_SYNTAX;
    const char *dot = strchr(s, '.');
    size_t int_len = dot ? (size_t)(dot - s) : strlen(s);
    /* The form first, so that "1.000,5" is a syntax error, not a count of decimals. */
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || p == dot || (*p == ',' && (size_t)(p - s) < int_len)))
            return AST_MONEY_SYNTAX;
    uint64_t v = 0;
    unsigned decimals = 0;
    bool digit = false;
    for (const char *p = s; *p; p++) {
        if (p == dot)
            continue;
        if (*p == ',')
            continue;
        digit = true;
        if (dot && p > dot && ++decimals > scale)
            return AST_MONEY_DECIMALS;
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
            return AST_MONEY_TOO_LARGE;
    }
    if (!digit || (dot && !dot[1]) || int_len == 0)
        return digit ? AST_MONEY_SYNTAX : AST_MONEY_EMPTY;
    if (!groups_ok(s, int_len))
        return AST_MONEY_SYNTAX;
    for (; decimals < scale; decimals++)
        if (__builtin_mul_overflow(v, 10, &v))
            return AST_MONEY_TOO_LARGE;
    if (v > LDG_QUANTITY_MAX)
        return AST_MONEY_TOO_LARGE;
    *out = v;
    return AST_MONEY_OK;
}

char *ast_money_format(char *out, size_t len, int64_t minor, unsigned scale, bool separators)
{
    LDG_ASSERT(out && len > 0);
    if (scale > AST_MONEY_SCALE_MAX)
        scale = 0;
    /* The magnitude as unsigned, so INT64_MIN is exact too. */
    uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    uint64_t p = 1;
    for (unsigned i = 0; i < scale; i++)
        p *= 10;
    char digits[24];
    int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)(mag / p));
    char buf[AST_MONEY_TEXT_LEN];
    size_t k = 0;
    if (minor < 0)
        buf[k++] = '-';
    for (int i = 0; i < nd; i++) {
        buf[k++] = digits[i];
        int left = nd - 1 - i;
        if (separators && left > 0 && left % 3 == 0)
            buf[k++] = ',';
    }
    if (scale > 0) {
        buf[k++] = '.';
        snprintf(buf + k, sizeof buf - k, "%0*llu", (int)scale, (unsigned long long)(mag % p));
    } else {
        buf[k] = 0;
    }
    snprintf(out, len, "%s", buf);
    return out;
}

bool ast_money_currency_scale(const char *code, unsigned *scale)
{
    const ast_currency *c = NULL;
    if (!code || ast_currency_lookup(&c, code, strlen(code)) != AST_ISIN_OK)
        return false;
    *scale = c->minor_exponent;
    return true;
}
