/* Identifier validation: ISIN (ISO 6166), LEI (ISO 17442), currency codes (ISO 4217).
 *
 * Pure and deterministic: no I/O, no globals except a constant currency table, no
 * allocation. Identifiers are ASCII and case-sensitive: lower-case letters are rejected,
 * not folded, so one identifier has one spelling on the ledger. The (str, len) functions
 * take input that need not be NUL-terminated; the *_valid(const char *) conveniences take
 * a NUL-terminated string. specs/assets.md ("ISIN, LEI and currency validation") is the
 * normative text. */
#ifndef AST_ISIN_H
#define AST_ISIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldg_assert.h"

#define AST_ISIN_LEN 12
#define AST_LEI_LEN 20
#define AST_CURRENCY_LEN 3

/* Result of identifier validation, ordered by precedence (the first failing check in this
 * order is returned); numbers are stable. */
typedef enum ast_isin_err {
    AST_ISIN_OK = 0,
    AST_ISIN_ERR_LENGTH = 1,           /* wrong length (ISIN 12 / 11 without check, LEI 20 / 18) */
    AST_ISIN_ERR_COUNTRY = 2,          /* ISIN prefix not two upper-case letters A-Z */
    AST_ISIN_ERR_CHARSET = 3,          /* body character not 0-9 or A-Z */
    AST_ISIN_ERR_CHECK_FORMAT = 4,     /* check character(s) not decimal digits */
    AST_ISIN_ERR_CHECK_DIGIT = 5,      /* check digit(s) do not match */
    AST_ISIN_ERR_CURRENCY = 6,         /* currency code not three upper-case letters A-Z */
    AST_ISIN_ERR_UNKNOWN_CURRENCY = 7, /* well-formed code not in the currency table */
} ast_isin_err;

/* A currency the ledger knows: ISO 4217 alphabetic code and minor-unit exponent (the
 * number of decimal places of the minor unit: 2 for CNY, 0 for JPY). */
typedef struct ast_currency {
    char code[AST_CURRENCY_LEN + 1]; /* NUL-terminated */
    uint8_t minor_exponent;
} ast_currency;

/* A short constant English sentence for an error code (never NULL). */
const char *ast_isin_err_str(ast_isin_err err);

/* Validates an ISIN: 2 letters (country or XS/EU prefix; the code itself is not checked
 * against ISO 3166), 9 alphanumerics (the NSIN), 1 check digit. The check digit is the
 * Luhn check over the digits obtained by replacing each letter with its value A=10 ..
 * Z=35 (e.g. US0378331005, CNE100000296).
 * Returns AST_ISIN_OK or the first failing check (LENGTH, COUNTRY, CHARSET, CHECK_FORMAT,
 * CHECK_DIGIT). */
LDG_WARN_UNUSED ast_isin_err ast_isin_validate(const char *str, size_t len);

/* Convenience: ast_isin_validate on a NUL-terminated string (NULL is invalid). */
bool ast_isin_valid(const char *isin);

/* Computes the ISIN check digit for the first 11 characters (len must be 11).
 * Returns AST_ISIN_OK, LENGTH, COUNTRY or CHARSET. Out: *out: the ASCII digit on success. */
LDG_WARN_UNUSED ast_isin_err ast_isin_check_digit(char *out, const char *str, size_t len);

/* Validates an LEI: 18 alphanumerics then 2 check digits, ISO 7064 MOD 97-10 over the
 * string with letters replaced by A=10 .. Z=35: the number mod 97 must be 1
 * (e.g. 5493001KJTIIGC8Y1R12). The LOU prefix and reserved characters are not checked.
 * Returns AST_ISIN_OK or the first failing check (LENGTH, CHARSET, CHECK_FORMAT,
 * CHECK_DIGIT). */
LDG_WARN_UNUSED ast_isin_err ast_lei_validate(const char *str, size_t len);

/* Convenience: ast_lei_validate on a NUL-terminated string (NULL is invalid). */
bool ast_lei_valid(const char *lei);

/* Computes the two LEI check digits for the first 18 characters (len must be 18):
 * 98 - (n * 100 mod 97), written as two ASCII digits (out[0], out[1]; no NUL).
 * Returns AST_ISIN_OK, LENGTH or CHARSET. Out: out[0..2) on success. */
LDG_WARN_UNUSED ast_isin_err ast_lei_check_digits(char out[2], const char *str, size_t len);

/* Looks up an ISO 4217 code in the ledger's currency table (CNY, USD, EUR, JPY, HKD, GBP,
 * ...; see ast_isin.c to extend it).
 * Returns AST_ISIN_OK, AST_ISIN_ERR_CURRENCY (not 3 upper-case letters) or
 * AST_ISIN_ERR_UNKNOWN_CURRENCY. Out: *out points into a constant table that lives for
 * the whole program, on success. */
LDG_WARN_UNUSED ast_isin_err ast_currency_lookup(const ast_currency **out, const char *str,
                                                 size_t len);

/* The index-th entry of the currency table (in code order), or NULL past its end; for
 * listing the known currencies. The entry lives for the whole program. */
const ast_currency *ast_currency_at(size_t index);

/* Convenience: true iff a NUL-terminated code is in the table (NULL is invalid). */
bool ast_currency_valid(const char *code);

#endif
