/* Civil dates and durations for instruments (coupon dates, record dates, maturities).
 *
 * Pure and deterministic: integers only, no clock, no I/O, no globals. A date is a
 * proleptic Gregorian calendar date in UTC, stored as the number of days since
 * 1970-01-01 (negative before). Block time is milliseconds since the Unix epoch, UTC,
 * as a uint64_t (block time never precedes 1970).
 *
 * Supported range: 0001-01-01 .. 9999-12-31 (the years YYYY can spell). Every function
 * that produces a date checks the range; functions that take a date assert it is valid
 * (ast_date_is_valid), since only a programmer can construct an invalid one.
 *
 * Conventions (libsecp256k1 style): outputs first, inputs after, a length right after its
 * buffer; on failure the outputs are left untouched unless stated otherwise. */
#ifndef AST_DATE_H
#define AST_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldg_assert.h"

/* Result of the fallible date functions, ordered by precedence; numbers are stable. */
typedef enum ast_date_err {
    AST_DATE_OK = 0,
    AST_DATE_ERR_FORMAT = 1,   /* not exactly YYYY-MM-DD (length, digits, dashes, garbage) */
    AST_DATE_ERR_YEAR = 2,     /* year outside 1..9999 */
    AST_DATE_ERR_MONTH = 3,    /* month outside 1..12 */
    AST_DATE_ERR_DAY = 4,      /* day outside 1..days in that month (2023-02-29) */
    AST_DATE_ERR_RANGE = 5,    /* result outside the supported range, or before 1970 for ms */
    AST_DATE_ERR_DURATION = 6, /* duration not <digits><unit>: empty, sign, space, 01d */
    AST_DATE_ERR_UNIT = 7,     /* duration unit not one of s m h d w */
    AST_DATE_ERR_OVERFLOW = 8, /* duration does not fit uint64_t milliseconds */
} ast_date_err;

/* A calendar date. `days` is days since 1970-01-01; compare dates by comparing `days`. */
typedef struct ast_date {
    int32_t days;
} ast_date;

#define AST_DATE_YEAR_MIN 1
#define AST_DATE_YEAR_MAX 9999
/* days of 0001-01-01 and 9999-12-31 */
#define AST_DATE_DAYS_MIN (-719162)
#define AST_DATE_DAYS_MAX 2932896

/* "YYYY-MM-DD" is 10 characters; ast_date_format writes a terminating NUL as well. */
#define AST_DATE_STR_LEN 10
#define AST_DATE_STR_SIZE (AST_DATE_STR_LEN + 1)

#define AST_MS_PER_SECOND 1000ULL
#define AST_MS_PER_MINUTE (60ULL * AST_MS_PER_SECOND)
#define AST_MS_PER_HOUR (60ULL * AST_MS_PER_MINUTE)
#define AST_MS_PER_DAY (24ULL * AST_MS_PER_HOUR)
#define AST_MS_PER_WEEK (7ULL * AST_MS_PER_DAY)

/* A short constant English sentence for an error code (never NULL). */
const char *ast_date_err_str(ast_date_err err);

/* Gregorian leap year: divisible by 4, except centuries not divisible by 400. */
bool ast_date_is_leap_year(int32_t year);

/* Days in `month` (1..12, asserted) of `year`: 28..31. */
unsigned ast_date_days_in_month(int32_t year, unsigned month);

/* True iff d lies in the supported range 0001-01-01 .. 9999-12-31. */
bool ast_date_is_valid(ast_date d);

/* Builds a date from year, month, day.
 * Returns AST_DATE_OK, or AST_DATE_ERR_YEAR / _MONTH / _DAY for an impossible date.
 * Out: *out on success. */
LDG_WARN_UNUSED ast_date_err ast_date_from_civil(ast_date *out, int32_t year, unsigned month,
                                                 unsigned day);

/* Splits a valid date into year (1..9999), month (1..12), day (1..31). Any output may be
 * NULL when not wanted. */
void ast_date_to_civil(int32_t *year, unsigned *month, unsigned *day, ast_date d);

/* Day of the month, 1..31. */
unsigned ast_date_day_of_month(ast_date d);

/* Day of the week, ISO numbering: 1 = Monday .. 7 = Sunday. */
unsigned ast_date_weekday(ast_date d);

/* True iff d is the last day of its month (Jan 31, Feb 28 in 2023, Feb 29 in 2024, ...). */
bool ast_date_is_end_of_month(ast_date d);

/* The last day of d's month. */
ast_date ast_date_end_of_month(ast_date d);

/* Parses exactly "YYYY-MM-DD" (four, two, two ASCII digits; no sign, no spaces, no time,
 * nothing after). `str` need not be NUL-terminated; `len` is its length in bytes.
 * Returns AST_DATE_OK or the first failing check (FORMAT, YEAR, MONTH, DAY).
 * Out: *out on success. */
LDG_WARN_UNUSED ast_date_err ast_date_parse(ast_date *out, const char *str, size_t len);

/* Writes "YYYY-MM-DD" and a NUL into out; out_size >= AST_DATE_STR_SIZE (asserted).
 * Returns AST_DATE_STR_LEN, the number of characters written before the NUL. */
size_t ast_date_format(char *out, size_t out_size, ast_date d);

/* The date (UTC) containing the block time `time_ms`.
 * Returns AST_DATE_ERR_RANGE when that date is after 9999-12-31. */
LDG_WARN_UNUSED ast_date_err ast_date_from_block_time(ast_date *out, uint64_t time_ms);

/* First millisecond of d (00:00:00.000 UTC).
 * Returns AST_DATE_ERR_RANGE for dates before 1970-01-01 (no block time exists). */
LDG_WARN_UNUSED ast_date_err ast_date_start_ms(uint64_t *out_ms, ast_date d);

/* Last millisecond of d (23:59:59.999 UTC): "the end of the record date". A block time t
 * is on or before the end of d iff t <= *out_ms.
 * Returns AST_DATE_ERR_RANGE for dates before 1970-01-01. */
LDG_WARN_UNUSED ast_date_err ast_date_end_ms(uint64_t *out_ms, ast_date d);

/* Adds `months` (may be negative) calendar months, clamping the day to the length of the
 * target month: 2024-01-31 + 1 = 2024-02-29, 2023-01-31 + 1 = 2023-02-28,
 * 2024-03-31 - 1 = 2024-02-29. Note that clamping is not reversible (Feb 29 + 1 = Mar 29).
 * Returns AST_DATE_ERR_RANGE when the result leaves the supported range. */
LDG_WARN_UNUSED ast_date_err ast_date_add_months(ast_date *out, ast_date d, int32_t months);

/* Like ast_date_add_months, but the result is always the last day of the target month
 * (the end-of-month roll used for coupon dates when the maturity is a month end). */
LDG_WARN_UNUSED ast_date_err ast_date_add_months_eom(ast_date *out, ast_date d, int32_t months);

/* Parses a duration "<digits><unit>" into milliseconds. Units: s (seconds), m (minutes),
 * h (hours), d (days of 86400 s; UTC has no DST), w (weeks of 7 days). Digits are ASCII,
 * at least one, no leading zero unless the number is exactly 0 ("0s" is valid, "01s" is
 * not), no sign, no spaces, nothing after the unit. `str` need not be NUL-terminated.
 * Returns AST_DATE_OK, AST_DATE_ERR_DURATION (shape), AST_DATE_ERR_UNIT (unknown unit,
 * e.g. "5y" or "5ms") or AST_DATE_ERR_OVERFLOW (result > UINT64_MAX ms).
 * Out: *out_ms on success. */
LDG_WARN_UNUSED ast_date_err ast_duration_parse(uint64_t *out_ms, const char *str, size_t len);

#endif
