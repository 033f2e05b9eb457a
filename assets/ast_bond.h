/* Fixed-rate bond math: day-count fractions, coupon schedules, per-unit coupon amounts.
 *
 * Pure and deterministic: integers only, no clock, no I/O, no globals, no allocation.
 * Amounts are uint64_t in the minor unit of the bond's currency, per unit of the bond
 * (one unit = one face value). Rates are basis points (1 bp = 0.01 %). specs/assets.md
 * ("Day-count conventions", "Coupon schedule", "Rounding rules") is the normative text.
 *
 * Conventions (libsecp256k1 style): outputs first, inputs after, a length right after its
 * buffer; on failure the outputs are left untouched unless stated otherwise. */
#ifndef AST_BOND_H
#define AST_BOND_H

#include <stddef.h>
#include <stdint.h>

#include "ast_date.h"
#include "ldg_assert.h"

/* Most coupon periods one bond may have. 400 is 100 years paid quarterly or 200 years
 * semiannually (perpetual-like instruments are out of scope); it bounds the schedule loop
 * and the caller's buffer (400 * sizeof(ast_coupon_period) is ~13 KiB, fine on a stack). */
#define AST_BOND_PERIODS_MAX 400

/* Highest coupon rate accepted: 100000 bp = 1000 % a year. Far above any real bond; its
 * job is to reject unit mistakes (a rate typed in millionths, or a percent times 10^6). */
#define AST_BOND_COUPON_BPS_MAX 100000u

/* Basis points in 1 (100 %). */
#define AST_BPS_SCALE 10000u

/* Result of the fallible bond functions, ordered by precedence (validation reports the
 * first that applies, in this order); numbers are stable. */
typedef enum ast_bond_err {
    AST_BOND_OK = 0,
    AST_BOND_ERR_DAYCOUNT = 1,         /* unknown day-count convention */
    AST_BOND_ERR_FREQUENCY = 2,        /* unknown coupon frequency */
    AST_BOND_ERR_FACE_VALUE = 3,       /* face value is zero */
    AST_BOND_ERR_COUPON_RATE = 4,      /* coupon_bps > AST_BOND_COUPON_BPS_MAX */
    AST_BOND_ERR_DATE = 5,             /* issue or maturity outside the supported date range */
    AST_BOND_ERR_MATURITY = 6,         /* maturity is not strictly after issue */
    AST_BOND_ERR_PERIOD = 7,           /* day-count period ends before it starts */
    AST_BOND_ERR_TOO_MANY_PERIODS = 8, /* more than AST_BOND_PERIODS_MAX coupon periods */
    AST_BOND_ERR_BUFFER = 9,           /* caller's period buffer is too small */
    AST_BOND_ERR_OVERFLOW = 10,        /* an amount does not fit uint64_t */
} ast_bond_err;

/* Day-count conventions. Numbers are stable (they may be stored in instrument terms). */
typedef enum ast_daycount {
    /* actual days / 365, every year, leap or not (ISDA 4.16(d)) */
    AST_DAYCOUNT_ACT_365F = 1,
    /* actual days / 360 (ISDA 4.16(e)) */
    AST_DAYCOUNT_ACT_360 = 2,
    /* 30/360 Bond Basis, ISDA 2006 4.16(f): D1 = 31 -> 30; D2 = 31 -> 30 only if D1 (after
     * its adjustment) is 30; no February rule. days = 360*(Y2-Y1) + 30*(M2-M1) + (D2-D1). */
    AST_DAYCOUNT_30_360 = 3,
} ast_daycount;

/* Coupon payments per year. Numbers are the payments per year and are stable. */
typedef enum ast_coupon_freq {
    AST_FREQ_ANNUAL = 1,
    AST_FREQ_SEMIANNUAL = 2,
    AST_FREQ_QUARTERLY = 4,
} ast_coupon_freq;

/* An exact, non-negative rational num/den; den > 0. Not reduced: for the day counts, num
 * is the day count and den the year basis (365 or 360), as a person would write them. */
typedef struct ast_fraction {
    uint64_t num;
    uint64_t den;
} ast_fraction;

/* The terms the math needs. Plain data: the caller owns it; nothing keeps a pointer. */
typedef struct ast_bond_terms {
    ast_date issue;        /* accrual of the first period starts here */
    ast_date maturity;     /* last coupon and redemption date */
    uint64_t face_value;   /* redemption amount per unit, minor units, > 0 */
    uint32_t coupon_bps;   /* annual rate in basis points, 0 .. AST_BOND_COUPON_BPS_MAX */
    ast_coupon_freq freq;  /* payments per year */
    ast_daycount daycount; /* how a period's fraction of a year is counted */
} ast_bond_terms;

/* One coupon period [start, end): interest accrues from start (inclusive) to end
 * (exclusive) and is paid on end. Dates are unadjusted (no business-day roll). */
typedef struct ast_coupon_period {
    ast_date start;        /* issue date for the first period, else the previous coupon date */
    ast_date end;          /* coupon (payment) date */
    ast_fraction fraction; /* day-count fraction of a year for [start, end) */
    uint64_t amount;       /* per-unit coupon, minor units, rounded down */
} ast_coupon_period;

/* A short constant English sentence for an error code (never NULL). */
const char *ast_bond_err_str(ast_bond_err err);

/* Day-count fraction of a year from start to end (end >= start).
 * Returns AST_BOND_OK, AST_BOND_ERR_DAYCOUNT, AST_BOND_ERR_DATE (invalid date) or
 * AST_BOND_ERR_PERIOD (end < start). start == end gives 0/basis.
 * Out: *out on success. */
LDG_WARN_UNUSED ast_bond_err ast_daycount_fraction(ast_fraction *out, ast_daycount daycount,
                                                   ast_date start, ast_date end);

/* Coupon for one period per unit: floor(face_value * coupon_bps * num / (10000 * den)),
 * computed exactly in 128 bits (one rounding, at the end, towards zero).
 * Returns AST_BOND_OK or AST_BOND_ERR_OVERFLOW when the result exceeds UINT64_MAX.
 * den must be > 0 (asserted). Out: *out on success. */
LDG_WARN_UNUSED ast_bond_err ast_coupon_amount(uint64_t *out, uint64_t face_value,
                                               uint32_t coupon_bps, ast_fraction fraction);

/* Checks terms in the order of ast_bond_err (the first failure is returned), including
 * that the schedule has at most AST_BOND_PERIODS_MAX periods. */
LDG_WARN_UNUSED ast_bond_err ast_bond_validate(const ast_bond_terms *terms);

/* The coupon schedule, oldest period first.
 *
 * Coupon dates are generated backward from the maturity: d_k = maturity - k * (12/freq)
 * months for k = 0, 1, ... while d_k > issue, each computed from the maturity (not from
 * the previous date, so a clamped day does not drift). If the maturity is the last day of
 * its month, every coupon date is the last day of its month (end-of-month rule);
 * otherwise the maturity's day of month is kept and clamped to the month's length. The
 * first period runs from the issue date to the first coupon date and is shorter than a
 * regular period when the issue date is not itself on the schedule (short front stub);
 * there is never a long stub.
 *
 * Args: periods: buffer of periods_cap entries (may be NULL if periods_cap == 0).
 * Out:  *periods_count: number of periods; set on success and on AST_BOND_ERR_BUFFER
 *       (then it is the capacity needed). periods[0 .. count): the schedule, on success.
 * Returns AST_BOND_OK, any ast_bond_validate error, AST_BOND_ERR_BUFFER or
 * AST_BOND_ERR_OVERFLOW (a coupon amount exceeds UINT64_MAX). */
LDG_WARN_UNUSED ast_bond_err ast_bond_schedule(ast_coupon_period *periods, size_t periods_cap,
                                               size_t *periods_count, const ast_bond_terms *terms);

/* Per-unit amount paid at maturity besides the last coupon: the face value. */
uint64_t ast_bond_redemption(const ast_bond_terms *terms);

/* Number of leading periods of a schedule whose payment date has come at block time
 * time_ms (start of the payment date, UTC, <= time_ms). periods must be ascending. */
size_t ast_bond_periods_due(const ast_coupon_period *periods, size_t periods_count,
                            uint64_t time_ms);

#endif
