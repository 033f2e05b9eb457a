#include "ast_isin.h"

#include <string.h>

/* The currencies the ledger knows, in code order. Exponents from ISO 4217 (List One).
 * Extend by adding a row; keep the order (tests check it). */
static const ast_currency currency_table[] = {
    {"AUD", 2}, {"CAD", 2}, {"CHF", 2}, {"CNY", 2}, {"EUR", 2}, {"GBP", 2},
    {"HKD", 2}, {"JPY", 0}, {"KRW", 0}, {"KWD", 3}, {"SGD", 2}, {"USD", 2},
};

const char *ast_isin_err_str(ast_isin_err err)
{
    switch (err) {
    case AST_ISIN_OK:
        return "ok";
    case AST_ISIN_ERR_LENGTH:
        return "identifier has the wrong length";
    case AST_ISIN_ERR_COUNTRY:
        return "ISIN does not start with two upper-case letters";
    case AST_ISIN_ERR_CHARSET:
        return "identifier contains a character other than 0-9 and A-Z";
    case AST_ISIN_ERR_CHECK_FORMAT:
        return "check digits are not decimal digits";
    case AST_ISIN_ERR_CHECK_DIGIT:
        return "check digits do not match";
    case AST_ISIN_ERR_CURRENCY:
        return "currency code is not three upper-case letters";
    case AST_ISIN_ERR_UNKNOWN_CURRENCY:
        return "currency code is not a known ISO 4217 code";
    }
    return "unknown identifier error";
}

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* 0-9 -> 0..9, A-Z -> 10..35; the caller has checked the character set. */
static unsigned char_value(char c)
{
    return is_digit(c) ? (unsigned)(c - '0') : (unsigned)(c - 'A') + 10;
}

static bool all_alnum(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]) && !is_upper(s[i]))
            return false;
    return true;
}

/* Checks the 11-character ISIN body (country + NSIN). */
static ast_isin_err isin_body_check(const char *s)
{
    if (!is_upper(s[0]) || !is_upper(s[1]))
        return AST_ISIN_ERR_COUNTRY;
    if (!all_alnum(s + 2, 9))
        return AST_ISIN_ERR_CHARSET;
    return AST_ISIN_OK;
}

/* Luhn check digit over the decimal expansion of the 11 characters: walking the digits
 * from the right, the first (rightmost) and every second one is doubled. */
static char isin_luhn(const char *s)
{
    unsigned sum = 0;
    bool dbl = true;
    for (size_t i = 11; i-- > 0;) {
        unsigned v = char_value(s[i]);
        unsigned digits[2] = {v % 10, v / 10}; /* right to left */
        unsigned ndigits = v >= 10 ? 2 : 1;
        for (unsigned k = 0; k < ndigits; k++) {
            unsigned d = digits[k] * (dbl ? 2 : 1);
            sum += d / 10 + d % 10;
            dbl = !dbl;
        }
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

ast_isin_err ast_isin_check_digit(char *out, const char *str, size_t len)
{
    LDG_ASSERT(out != NULL && (str != NULL || len == 0));
    if (len != AST_ISIN_LEN - 1)
        return AST_ISIN_ERR_LENGTH;
    ast_isin_err err = isin_body_check(str);
    if (err != AST_ISIN_OK)
        return err;
    *out = isin_luhn(str);
    return AST_ISIN_OK;
}

ast_isin_err ast_isin_validate(const char *str, size_t len)
{
    LDG_ASSERT(str != NULL || len == 0);
    if (len != AST_ISIN_LEN)
        return AST_ISIN_ERR_LENGTH;
    ast_isin_err err = isin_body_check(str);
    if (err != AST_ISIN_OK)
        return err;
    if (!is_digit(str[11]))
        return AST_ISIN_ERR_CHECK_FORMAT;
    return isin_luhn(str) == str[11] ? AST_ISIN_OK : AST_ISIN_ERR_CHECK_DIGIT;
}

bool ast_isin_valid(const char *isin)
{
    return isin != NULL && ast_isin_validate(isin, strnlen(isin, AST_ISIN_LEN + 1)) == AST_ISIN_OK;
}

/* ISO 7064 MOD 97-10: the remainder mod 97 of the decimal number spelled by the
 * characters (letters as two digits), computed incrementally. */
static unsigned mod97(const char *s, size_t n)
{
    unsigned r = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v = char_value(s[i]);
        r = (r * (v >= 10 ? 100 : 10) + v) % 97;
    }
    return r;
}

ast_isin_err ast_lei_check_digits(char out[2], const char *str, size_t len)
{
    LDG_ASSERT(out != NULL && (str != NULL || len == 0));
    if (len != AST_LEI_LEN - 2)
        return AST_ISIN_ERR_LENGTH;
    if (!all_alnum(str, len))
        return AST_ISIN_ERR_CHARSET;
    unsigned check = 98 - (mod97(str, len) * 100) % 97; /* 1..98 */
    out[0] = (char)('0' + check / 10);
    out[1] = (char)('0' + check % 10);
    return AST_ISIN_OK;
}

ast_isin_err ast_lei_validate(const char *str, size_t len)
{
    LDG_ASSERT(str != NULL || len == 0);
    if (len != AST_LEI_LEN)
        return AST_ISIN_ERR_LENGTH;
    if (!all_alnum(str, AST_LEI_LEN - 2))
        return AST_ISIN_ERR_CHARSET;
    if (!is_digit(str[18]) || !is_digit(str[19]))
        return AST_ISIN_ERR_CHECK_FORMAT;
    return mod97(str, AST_LEI_LEN) == 1 ? AST_ISIN_OK : AST_ISIN_ERR_CHECK_DIGIT;
}

bool ast_lei_valid(const char *lei)
{
    return lei != NULL && ast_lei_validate(lei, strnlen(lei, AST_LEI_LEN + 1)) == AST_ISIN_OK;
}

ast_isin_err ast_currency_lookup(const ast_currency **out, const char *str, size_t len)
{
    LDG_ASSERT(out != NULL && (str != NULL || len == 0));
    if (len != AST_CURRENCY_LEN || !is_upper(str[0]) || !is_upper(str[1]) || !is_upper(str[2]))
        return AST_ISIN_ERR_CURRENCY;
    for (size_t i = 0; i < LDG_ARRAY_LEN(currency_table); i++) {
        if (memcmp(currency_table[i].code, str, AST_CURRENCY_LEN) == 0) {
            *out = &currency_table[i];
            return AST_ISIN_OK;
        }
    }
    return AST_ISIN_ERR_UNKNOWN_CURRENCY;
}

bool ast_currency_valid(const char *code)
{
    const ast_currency *c;
    return code != NULL &&
           ast_currency_lookup(&c, code, strnlen(code, AST_CURRENCY_LEN + 1)) == AST_ISIN_OK;
}

const ast_currency *ast_currency_at(size_t index)
{
    return index < LDG_ARRAY_LEN(currency_table) ? &currency_table[index] : NULL;
}
