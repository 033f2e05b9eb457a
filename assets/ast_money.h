/* Money and quantities as people write them (specs/money.md): a decimal in the unit of the
 * currency or instrument ("1,234.50"), converted exactly to and from the integer of minor
 * units the ledger keeps. One formatter and one parser for the whole project: the CLI, the
 * node's JSON replies and the ledger's own messages use these. */
#ifndef AST_MONEY_H
#define AST_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldg_assert.h"

/* Largest scale (decimals) an amount may have: 10^18 still fits in 64 bits. */
#define AST_MONEY_SCALE_MAX 18
/* Room for the longest text ast_money_format writes: 20 digits, 6 separators, sign, point,
 * 18 decimals, NUL (with margin). */
#define AST_MONEY_TEXT_LEN 64

typedef enum ast_money_err {
    AST_MONEY_OK = 0,
    AST_MONEY_EMPTY = 1,     /* no digits */
    AST_MONEY_SYNTAX = 2,    /* a character other than digits, one '.', and well-placed ',' */
    AST_MONEY_DECIMALS = 3,  /* more decimals than the scale allows */
    AST_MONEY_TOO_LARGE = 4, /* above LDG_QUANTITY_MAX minor units */
} ast_money_err;

/* A short constant sentence for err (never NULL). */
const char *ast_money_err_str(ast_money_err err);

/* Parses a non-negative decimal ("100", "100.5", "1,000.50") with at most `scale` decimals
 * into minor units (100.5 at scale 2 -> 10050). Thousands separators are optional but, when
 * present, must group the integer part by three. No sign, no spaces, no exponent. The result
 * is at most LDG_QUANTITY_MAX. */
LDG_WARN_UNUSED ast_money_err ast_money_parse(const char *s, unsigned scale, uint64_t *out);

/* Writes minor units as a decimal with exactly `scale` decimals ("12.30" for 1230 at scale 2,
 * "7" at scale 0); with `separators`, the integer part is grouped by three with ','. A
 * negative value gets a leading '-'. Always NUL-terminates (len >= AST_MONEY_TEXT_LEN is
 * always enough); returns out. scale above AST_MONEY_SCALE_MAX is treated as 0. */
char *ast_money_format(char *out, size_t len, int64_t minor, unsigned scale, bool separators);

/* The scale of a currency code (ISO 4217 minor-unit exponent: CNY 2, JPY 0); false if the
 * code is not a currency the ledger knows. */
bool ast_money_currency_scale(const char *code, unsigned *scale);

#endif
