/* Unit tests for assets/ast_bond: day counts worked by hand, schedules with stubs and the
 * end-of-month rule, exact coupon amounts, every validation error, and a seeded property
 * test over random bonds (prints its seed, takes FOLIO_TEST_SEED). */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast_bond.h"

static uint64_t test_seed(void)
{
    const char *env = getenv("FOLIO_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : 0xb0d5eedULL;
    printf("test_bond: seed=0x%" PRIx64 " (replay with FOLIO_TEST_SEED)\n", seed);
    return seed;
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static ast_date D(const char *s)
{
    ast_date d;
    ck_assert_int_eq(ast_date_parse(&d, s, strlen(s)), AST_DATE_OK);
    return d;
}

static ast_fraction frac(ast_daycount dc, const char *a, const char *b)
{
    ast_fraction f = {0, 0};
    ck_assert_int_eq(ast_daycount_fraction(&f, dc, D(a), D(b)), AST_BOND_OK);
    return f;
}

#define ck_frac(f, n, d)                                                                           \
    do {                                                                                           \
        ast_fraction f_ = (f);                                                                     \
        ck_assert_uint_eq(f_.num, (n));                                                            \
        ck_assert_uint_eq(f_.den, (d));                                                            \
    } while (0)

START_TEST(test_act_365f_vs_act_360)
{
    /* Jan 31 + Feb 29 + Mar 31 + Apr 30 + May 31 + Jun 30 = 182 days */
    ck_frac(frac(AST_DAYCOUNT_ACT_365F, "2024-01-01", "2024-07-01"), 182, 365);
    ck_frac(frac(AST_DAYCOUNT_ACT_360, "2024-01-01", "2024-07-01"), 182, 360);
    ck_frac(frac(AST_DAYCOUNT_ACT_365F, "2023-01-01", "2023-07-01"), 181, 365);
    /* a leap year is 366/365 under ACT/365F: the denominator never changes */
    ck_frac(frac(AST_DAYCOUNT_ACT_365F, "2024-01-01", "2025-01-01"), 366, 365);
    ck_frac(frac(AST_DAYCOUNT_ACT_360, "2024-01-01", "2025-01-01"), 366, 360);
    ck_frac(frac(AST_DAYCOUNT_ACT_365F, "2024-02-29", "2025-02-28"), 365, 365);
    ck_frac(frac(AST_DAYCOUNT_ACT_365F, "2024-02-28", "2024-03-01"), 2, 365);
    ck_frac(frac(AST_DAYCOUNT_ACT_360, "2024-05-05", "2024-05-05"), 0, 360);
}
END_TEST

START_TEST(test_30_360_bond_basis)
{
    const ast_daycount b = AST_DAYCOUNT_30_360;
    ck_frac(frac(b, "2024-01-15", "2024-07-15"), 180, 360);
    ck_frac(frac(b, "2024-01-01", "2025-01-01"), 360, 360);
    /* month ends Jan 31 -> Feb 29 -> Mar 31: D1 31->30; Feb 29 is not adjusted (Bond Basis
     * has no February rule); D2 = 31 stays when D1 = 29. The parts do not add up to the
     * whole (29 + 32 != 60), which is how the convention is defined. */
    ck_frac(frac(b, "2024-01-31", "2024-02-29"), 29, 360);
    ck_frac(frac(b, "2024-02-29", "2024-03-31"), 32, 360);
    ck_frac(frac(b, "2024-01-31", "2024-03-31"), 60, 360);
    ck_frac(frac(b, "2024-01-30", "2024-03-31"), 60, 360);
    ck_frac(frac(b, "2024-01-15", "2024-03-31"), 76, 360);
    ck_frac(frac(b, "2024-02-29", "2025-02-28"), 359, 360);
    ck_frac(frac(b, "2023-02-28", "2024-02-29"), 361, 360);
    ck_frac(frac(b, "2024-08-31", "2025-02-28"), 178, 360);
    ck_frac(frac(b, "2025-02-28", "2025-08-31"), 183, 360);
    ck_frac(frac(b, "2024-12-31", "2025-03-31"), 90, 360);
    ck_frac(frac(b, "2024-03-31", "2024-03-31"), 0, 360);
    ck_frac(frac(b, "2024-03-30", "2024-03-31"), 0, 360);
    ck_frac(frac(b, "2024-03-29", "2024-03-31"), 2, 360);
}
END_TEST

START_TEST(test_daycount_rejects)
{
    ast_fraction f = {7, 7};
    ck_assert_int_eq(ast_daycount_fraction(&f, (ast_daycount)0, D("2024-01-01"), D("2024-02-01")),
                     AST_BOND_ERR_DAYCOUNT);
    ck_assert_int_eq(ast_daycount_fraction(&f, (ast_daycount)4, D("2024-01-01"), D("2024-02-01")),
                     AST_BOND_ERR_DAYCOUNT);
    ck_assert_int_eq(
        ast_daycount_fraction(&f, AST_DAYCOUNT_ACT_360, D("2024-02-01"), D("2024-01-31")),
        AST_BOND_ERR_PERIOD);
    ast_date bad = {.days = AST_DATE_DAYS_MAX + 1};
    ck_assert_int_eq(ast_daycount_fraction(&f, AST_DAYCOUNT_ACT_360, D("2024-02-01"), bad),
                     AST_BOND_ERR_DATE);
    ck_assert_uint_eq(f.num, 7);
    ck_assert_uint_eq(f.den, 7);
}
END_TEST

START_TEST(test_coupon_amount)
{
    uint64_t a = 0;
    ast_fraction half = {180, 360};
    ck_assert_int_eq(ast_coupon_amount(&a, 10000, 350, half), AST_BOND_OK);
    ck_assert_uint_eq(a, 175);
    /* 350 * 182 / 365 = 174.52 -> 174; /360 = 176.94 -> 176 (rounded down, not nearest) */
    ck_assert_int_eq(ast_coupon_amount(&a, 10000, 350, (ast_fraction){182, 365}), AST_BOND_OK);
    ck_assert_uint_eq(a, 174);
    ck_assert_int_eq(ast_coupon_amount(&a, 10000, 350, (ast_fraction){182, 360}), AST_BOND_OK);
    ck_assert_uint_eq(a, 176);
    ck_assert_int_eq(ast_coupon_amount(&a, 10000, 0, half), AST_BOND_OK);
    ck_assert_uint_eq(a, 0);
    ck_assert_int_eq(ast_coupon_amount(&a, 1, 1, (ast_fraction){1, 365}), AST_BOND_OK);
    ck_assert_uint_eq(a, 0);
    /* exactness at the top: UINT64_MAX * 10000 bp * 1/1 = UINT64_MAX */
    ck_assert_int_eq(ast_coupon_amount(&a, UINT64_MAX, 10000, (ast_fraction){1, 1}), AST_BOND_OK);
    ck_assert_uint_eq(a, UINT64_MAX);
    /* (2^64-1) * 9999 / 10000 computed without intermediate rounding */
    ck_assert_int_eq(ast_coupon_amount(&a, UINT64_MAX, 9999, (ast_fraction){1, 1}), AST_BOND_OK);
    ck_assert_uint_eq(a, (uint64_t)(((unsigned __int128)UINT64_MAX * 9999) / 10000));
    a = 5;
    ck_assert_int_eq(ast_coupon_amount(&a, UINT64_MAX, 10001, (ast_fraction){1, 1}),
                     AST_BOND_ERR_OVERFLOW);
    ck_assert_int_eq(ast_coupon_amount(&a, UINT64_MAX, 100000, (ast_fraction){UINT64_MAX, 1}),
                     AST_BOND_ERR_OVERFLOW);
    ck_assert_int_eq(ast_coupon_amount(&a, 1, 1, (ast_fraction){1, UINT64_MAX}), AST_BOND_OK);
    ck_assert_uint_eq(a, 0);
    ck_assert_int_eq(ast_coupon_amount(&a, UINT64_MAX, 1, (ast_fraction){UINT64_MAX, UINT64_MAX}),
                     AST_BOND_OK);
    ck_assert_uint_eq(a, UINT64_MAX / 10000);
}
END_TEST

static ast_bond_terms terms(const char *issue, const char *maturity, uint64_t face, uint32_t bps,
                            ast_coupon_freq freq, ast_daycount dc)
{
    return (ast_bond_terms){.issue = D(issue),
                            .maturity = D(maturity),
                            .face_value = face,
                            .coupon_bps = bps,
                            .freq = freq,
                            .daycount = dc};
}

struct expect {
    const char *start, *end;
    uint64_t num, amount;
};

static void check_schedule(const ast_bond_terms *t, const struct expect *e, size_t n)
{
    ast_coupon_period p[AST_BOND_PERIODS_MAX];
    size_t count = 0;
    ck_assert_int_eq(ast_bond_validate(t), AST_BOND_OK);
    ck_assert_int_eq(ast_bond_schedule(p, LDG_ARRAY_LEN(p), &count, t), AST_BOND_OK);
    ck_assert_uint_eq(count, n);
    for (size_t i = 0; i < n; i++) {
        char s[AST_DATE_STR_SIZE], en[AST_DATE_STR_SIZE];
        ast_date_format(s, sizeof s, p[i].start);
        ast_date_format(en, sizeof en, p[i].end);
        ck_assert_str_eq(s, e[i].start);
        ck_assert_str_eq(en, e[i].end);
        ck_assert_uint_eq(p[i].fraction.num, e[i].num);
        ck_assert_uint_eq(p[i].amount, e[i].amount);
    }
}

START_TEST(test_schedule_semiannual_regular)
{
    /* face 100.00 CNY, 3.50 %, semiannual, 30/360: 10000 * 350/10000 * 180/360 = 175 */
    ast_bond_terms t =
        terms("2024-01-15", "2026-01-15", 10000, 350, AST_FREQ_SEMIANNUAL, AST_DAYCOUNT_30_360);
    const struct expect e[] = {
        {"2024-01-15", "2024-07-15", 180, 175},
        {"2024-07-15", "2025-01-15", 180, 175},
        {"2025-01-15", "2025-07-15", 180, 175},
        {"2025-07-15", "2026-01-15", 180, 175},
    };
    check_schedule(&t, e, LDG_ARRAY_LEN(e));
    ck_assert_uint_eq(ast_bond_redemption(&t), 10000);
}
END_TEST

START_TEST(test_schedule_semiannual_act)
{
    ast_bond_terms t =
        terms("2024-01-15", "2025-01-15", 10000, 350, AST_FREQ_SEMIANNUAL, AST_DAYCOUNT_ACT_365F);
    /* 182 days -> 63700/365 = 174.5 -> 174; 184 days -> 64400/365 = 176.4 -> 176 */
    const struct expect e365[] = {
        {"2024-01-15", "2024-07-15", 182, 174},
        {"2024-07-15", "2025-01-15", 184, 176},
    };
    check_schedule(&t, e365, LDG_ARRAY_LEN(e365));
    t.daycount = AST_DAYCOUNT_ACT_360;
    /* 63700/360 = 176.9 -> 176; 64400/360 = 178.9 -> 178 */
    const struct expect e360[] = {
        {"2024-01-15", "2024-07-15", 182, 176},
        {"2024-07-15", "2025-01-15", 184, 178},
    };
    check_schedule(&t, e360, LDG_ARRAY_LEN(e360));
}
END_TEST

START_TEST(test_schedule_semiannual_stub)
{
    /* issue off-cycle: short front stub 2024-03-01 -> 2024-07-15 = 4*30 + 14 = 134 days,
     * 350 * 134 / 360 = 130.3 -> 130 */
    ast_bond_terms t =
        terms("2024-03-01", "2026-01-15", 10000, 350, AST_FREQ_SEMIANNUAL, AST_DAYCOUNT_30_360);
    const struct expect e[] = {
        {"2024-03-01", "2024-07-15", 134, 130},
        {"2024-07-15", "2025-01-15", 180, 175},
        {"2025-01-15", "2025-07-15", 180, 175},
        {"2025-07-15", "2026-01-15", 180, 175},
    };
    check_schedule(&t, e, LDG_ARRAY_LEN(e));
}
END_TEST

START_TEST(test_schedule_annual_leap)
{
    /* 1000.00 at 5 %, annual, ACT/365F: 2024 has 366 days -> 5000 * 366/365 = 5013.7 */
    ast_bond_terms t =
        terms("2024-01-01", "2027-01-01", 100000, 500, AST_FREQ_ANNUAL, AST_DAYCOUNT_ACT_365F);
    const struct expect e[] = {
        {"2024-01-01", "2025-01-01", 366, 5013},
        {"2025-01-01", "2026-01-01", 365, 5000},
        {"2026-01-01", "2027-01-01", 365, 5000},
    };
    check_schedule(&t, e, LDG_ARRAY_LEN(e));
    /* annual with a one-day stub */
    t = terms("2024-12-31", "2026-01-01", 100000, 500, AST_FREQ_ANNUAL, AST_DAYCOUNT_ACT_365F);
    const struct expect s[] = {
        {"2024-12-31", "2025-01-01", 1, 13}, /* 5000/365 = 13.7 */
        {"2025-01-01", "2026-01-01", 365, 5000},
    };
    check_schedule(&t, s, LDG_ARRAY_LEN(s));
}
END_TEST

START_TEST(test_schedule_quarterly_eom)
{
    /* maturity Jun 30 is a month end: every coupon date is a month end (Mar 31, not Mar 30).
     * Stub 2024-05-15 -> 2024-06-30 = 30 + 15 = 45 days: 400 bp * 45/360 on 10000 = 50. */
    ast_bond_terms t =
        terms("2024-05-15", "2025-06-30", 10000, 400, AST_FREQ_QUARTERLY, AST_DAYCOUNT_30_360);
    const struct expect e[] = {
        {"2024-05-15", "2024-06-30", 45, 50},  {"2024-06-30", "2024-09-30", 90, 100},
        {"2024-09-30", "2024-12-31", 90, 100}, {"2024-12-31", "2025-03-31", 90, 100},
        {"2025-03-31", "2025-06-30", 90, 100},
    };
    check_schedule(&t, e, LDG_ARRAY_LEN(e));
}
END_TEST

START_TEST(test_schedule_quarterly_clamped_not_eom)
{
    /* maturity on the 30th of a 31-day month is not a month end: the day 30 is kept and
     * clamped in February, computed from the maturity each time (no drift to the 28th). */
    ast_bond_terms t =
        terms("2024-05-30", "2025-05-30", 10000, 400, AST_FREQ_QUARTERLY, AST_DAYCOUNT_ACT_360);
    const struct expect e[] = {
        {"2024-05-30", "2024-08-30", 92, 102}, /* 400*92/360 = 102.2 */
        {"2024-08-30", "2024-11-30", 92, 102},
        {"2024-11-30", "2025-02-28", 90, 100},
        {"2025-02-28", "2025-05-30", 91, 101}, /* 101.1 */
    };
    check_schedule(&t, e, LDG_ARRAY_LEN(e));
}
END_TEST

START_TEST(test_schedule_february_eom_30_360)
{
    /* maturity 2026-02-28 is a month end, so the schedule rolls on month ends including the
     * leap day 2024-02-29. Bond Basis gives uneven 30/360 periods around February:
     * 182 -> 176.9, 178 -> 173.05, 183 -> 177.9 (rounded down). */
    ast_bond_terms t =
        terms("2024-02-29", "2026-02-28", 10000, 350, AST_FREQ_SEMIANNUAL, AST_DAYCOUNT_30_360);
    const struct expect e[] = {
        {"2024-02-29", "2024-08-31", 182, 176},
        {"2024-08-31", "2025-02-28", 178, 173},
        {"2025-02-28", "2025-08-31", 183, 177},
        {"2025-08-31", "2026-02-28", 178, 173},
    };
    check_schedule(&t, e, LDG_ARRAY_LEN(e));
}
END_TEST

START_TEST(test_schedule_single_period)
{
    ast_bond_terms t =
        terms("2024-06-01", "2024-06-02", 10000, 350, AST_FREQ_QUARTERLY, AST_DAYCOUNT_ACT_365F);
    const struct expect e[] = {{"2024-06-01", "2024-06-02", 1, 0}};
    check_schedule(&t, e, LDG_ARRAY_LEN(e));
}
END_TEST

START_TEST(test_period_limit_and_buffer)
{
    ast_bond_terms t =
        terms("2000-01-01", "2100-01-01", 10000, 350, AST_FREQ_QUARTERLY, AST_DAYCOUNT_30_360);
    ck_assert_int_eq(ast_bond_validate(&t), AST_BOND_OK);
    static ast_coupon_period p[AST_BOND_PERIODS_MAX];
    size_t count = 0;
    ck_assert_int_eq(ast_bond_schedule(p, LDG_ARRAY_LEN(p), &count, &t), AST_BOND_OK);
    ck_assert_uint_eq(count, 400);
    ck_assert_uint_eq(p[0].amount, 87); /* 350 * 90/360 = 87.5 */
    t.maturity = D("2100-04-01");
    ck_assert_int_eq(ast_bond_validate(&t), AST_BOND_ERR_TOO_MANY_PERIODS);
    count = 3;
    ck_assert_int_eq(ast_bond_schedule(p, LDG_ARRAY_LEN(p), &count, &t),
                     AST_BOND_ERR_TOO_MANY_PERIODS);
    ck_assert_uint_eq(count, 3);
    t = terms("0001-01-01", "9999-12-31", 1, 0, AST_FREQ_ANNUAL, AST_DAYCOUNT_ACT_360);
    ck_assert_int_eq(ast_bond_validate(&t), AST_BOND_ERR_TOO_MANY_PERIODS);
    /* buffer too small: the needed count is reported, nothing else */
    t = terms("2024-01-15", "2026-01-15", 10000, 350, AST_FREQ_SEMIANNUAL, AST_DAYCOUNT_30_360);
    ck_assert_int_eq(ast_bond_schedule(p, 3, &count, &t), AST_BOND_ERR_BUFFER);
    ck_assert_uint_eq(count, 4);
    ck_assert_int_eq(ast_bond_schedule(NULL, 0, &count, &t), AST_BOND_ERR_BUFFER);
    ck_assert_uint_eq(count, 4);
}
END_TEST

START_TEST(test_validate_each_error)
{
    const ast_bond_terms good =
        terms("2024-01-15", "2026-01-15", 10000, 350, AST_FREQ_SEMIANNUAL, AST_DAYCOUNT_30_360);
    ast_bond_terms t = good;
    ck_assert_int_eq(ast_bond_validate(&t), AST_BOND_OK);
    t.daycount = (ast_daycount)9;
    ck_assert_int_eq(ast_bond_validate(&t), AST_BOND_ERR_DAYCOUNT);
    t = good;
    t.freq = (ast_coupon_freq)3;
    ck_assert_int_eq(ast_bond_validate(&t), AST_BOND_ERR_FREQUENCY);
    t.freq = (ast_coupon_freq)0;
    ck_assert_int_eq(ast_bond_validate(&t), AST_BOND_ERR_FREQUENCY);
    t = good;
    t.face_value = 0;
    ck_assert_int_eq(ast_bond_validate(&t), AST_BOND_ERR_FACE_VALUE);
    t = good;
    t.coupon_bps = AST_BOND_COUPON_BPS_MAX;
    ck_assert_int_eq(ast_bond_validate(&t), AST_BOND_OK);
    t.coupon_bps = AST_BOND_COUPON_BPS_MAX + 1;
    ck_assert_int_eq(ast_bond_validate(&t), AST_BOND_ERR_COUPON_RATE);
    t = good;
    t.issue.days = AST_DATE_DAYS_MIN - 1;
    ck_assert_int_eq(ast_bond_validate(&t), AST_BOND_ERR_DATE);
    t = good;
    t.maturity.days = AST_DATE_DAYS_MAX + 1;
    ck_assert_int_eq(ast_bond_validate(&t), AST_BOND_ERR_DATE);
    t = good;
    t.maturity = t.issue;
    ck_assert_int_eq(ast_bond_validate(&t), AST_BOND_ERR_MATURITY);
    t.maturity.days = t.issue.days - 1;
    ck_assert_int_eq(ast_bond_validate(&t), AST_BOND_ERR_MATURITY);
    /* precedence: the first error in enum order wins */
    t.face_value = 0;
    t.coupon_bps = AST_BOND_COUPON_BPS_MAX + 1;
    ck_assert_int_eq(ast_bond_validate(&t), AST_BOND_ERR_FACE_VALUE);
    /* schedule reports the same errors */
    ast_coupon_period p[8];
    size_t count = 42;
    ck_assert_int_eq(ast_bond_schedule(p, 8, &count, &t), AST_BOND_ERR_FACE_VALUE);
    ck_assert_uint_eq(count, 42);
    /* overflow of a coupon amount */
    t = good;
    t.face_value = UINT64_MAX;
    t.coupon_bps = AST_BOND_COUPON_BPS_MAX;
    t.freq = AST_FREQ_ANNUAL;
    ck_assert_int_eq(ast_bond_validate(&t), AST_BOND_OK);
    ck_assert_int_eq(ast_bond_schedule(p, 8, &count, &t), AST_BOND_ERR_OVERFLOW);
    ck_assert_uint_eq(count, 42);
    for (int e = 0; e <= AST_BOND_ERR_OVERFLOW; e++)
        ck_assert_ptr_nonnull(ast_bond_err_str((ast_bond_err)e));
    ck_assert_str_eq(ast_bond_err_str(AST_BOND_OK), "ok");
}
END_TEST

START_TEST(test_periods_due)
{
    ast_bond_terms t =
        terms("2024-01-15", "2026-01-15", 10000, 350, AST_FREQ_SEMIANNUAL, AST_DAYCOUNT_30_360);
    ast_coupon_period p[8];
    size_t n;
    ck_assert_int_eq(ast_bond_schedule(p, 8, &n, &t), AST_BOND_OK);
    uint64_t ms;
    ck_assert_int_eq(ast_date_start_ms(&ms, D("2024-07-15")), AST_DATE_OK);
    ck_assert_uint_eq(ast_bond_periods_due(p, n, ms - 1), 0);
    ck_assert_uint_eq(ast_bond_periods_due(p, n, ms), 1);
    ck_assert_int_eq(ast_date_end_ms(&ms, D("2025-07-15")), AST_DATE_OK);
    ck_assert_uint_eq(ast_bond_periods_due(p, n, ms), 3);
    ck_assert_uint_eq(ast_bond_periods_due(p, n, UINT64_MAX), 4);
    ck_assert_uint_eq(ast_bond_periods_due(p, n, 0), 0);
    ck_assert_uint_eq(ast_bond_periods_due(NULL, 0, 0), 0);
}
END_TEST

/* A coupon date must lie on the maturity's cycle: a whole number of steps of 12/freq
 * months before it, on the month's last day (end-of-month rule) or on the maturity's
 * day of month clamped to the month's length. Returns the month index y*12+m-1. */
static int64_t check_on_cycle(const ast_bond_terms *t, ast_date d)
{
    int32_t y, my;
    unsigned m, day, mm, mday;
    ast_date_to_civil(&y, &m, &day, d);
    ast_date_to_civil(&my, &mm, &mday, t->maturity);
    int64_t index = (int64_t)y * 12 + m - 1;
    int64_t back = (int64_t)my * 12 + mm - 1 - index;
    ck_assert_int_ge(back, 0);
    ck_assert_int_eq(back % (12 / t->freq), 0);
    unsigned last = ast_date_days_in_month(y, m);
    if (ast_date_is_end_of_month(t->maturity))
        ck_assert_uint_eq(day, last);
    else
        ck_assert_uint_eq(day, mday < last ? mday : last);
    return index;
}

static void check_random_schedule(const ast_bond_terms *t, const ast_coupon_period *p, size_t n)
{
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_le(n, AST_BOND_PERIODS_MAX);
    ck_assert_int_eq(p[0].start.days, t->issue.days);
    ck_assert_int_eq(p[n - 1].end.days, t->maturity.days);
    int64_t step = 12 / (int64_t)t->freq;
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_lt(p[i].start.days, p[i].end.days);
        int64_t end_index = check_on_cycle(t, p[i].end);
        if (i > 0) {
            ck_assert_int_eq(p[i].start.days, p[i - 1].end.days);
            ck_assert_int_eq(end_index - check_on_cycle(t, p[i].start), step);
        } else {
            /* front stub: the issue date is after the cycle date one step back, so the
             * stub is never longer than a regular period (less than step months + 1) */
            int32_t y;
            unsigned m;
            ast_date_to_civil(&y, &m, NULL, t->issue);
            ck_assert_int_le(end_index - ((int64_t)y * 12 + m - 1), step);
        }
        /* rounding: amount = floor(face * bps * num / (10000 * den)) */
        unsigned __int128 num =
            (unsigned __int128)t->face_value * t->coupon_bps * p[i].fraction.num;
        unsigned __int128 den = (unsigned __int128)AST_BPS_SCALE * p[i].fraction.den;
        ck_assert(p[i].amount * den <= num);
        ck_assert((p[i].amount + (unsigned __int128)1) * den > num);
        ast_fraction f;
        ck_assert_int_eq(ast_daycount_fraction(&f, t->daycount, p[i].start, p[i].end), AST_BOND_OK);
        ck_assert_uint_eq(f.num, p[i].fraction.num);
        ck_assert_uint_le(f.num, 366 * 12 / step + 1);
    }
}

START_TEST(test_random_schedules_property)
{
    uint64_t s = test_seed() | 1;
    static ast_coupon_period p[AST_BOND_PERIODS_MAX];
    static const ast_coupon_freq freqs[] = {AST_FREQ_ANNUAL, AST_FREQ_SEMIANNUAL,
                                            AST_FREQ_QUARTERLY};
    for (int i = 0; i < 3000; i++) {
        ast_bond_terms t = {
            .issue = {.days = (int32_t)(rng_next(&s) % 40000)},
            .face_value = 1 + rng_next(&s) % 10000000000ULL,
            .coupon_bps = (uint32_t)(rng_next(&s) % (AST_BOND_COUPON_BPS_MAX + 1)),
            .freq = freqs[rng_next(&s) % 3],
            .daycount = (ast_daycount)(1 + rng_next(&s) % 3),
        };
        t.maturity.days = t.issue.days + 1 + (int32_t)(rng_next(&s) % (365 * 40));
        size_t n = 0;
        ast_bond_err err = ast_bond_schedule(p, LDG_ARRAY_LEN(p), &n, &t);
        ck_assert_int_eq(err, AST_BOND_OK);
        check_random_schedule(&t, p, n);
    }
}
END_TEST

static Suite *bond_suite(void)
{
    Suite *s = suite_create("ast_bond");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_act_365f_vs_act_360);
    tcase_add_test(tc, test_30_360_bond_basis);
    tcase_add_test(tc, test_daycount_rejects);
    tcase_add_test(tc, test_coupon_amount);
    tcase_add_test(tc, test_schedule_semiannual_regular);
    tcase_add_test(tc, test_schedule_semiannual_act);
    tcase_add_test(tc, test_schedule_semiannual_stub);
    tcase_add_test(tc, test_schedule_annual_leap);
    tcase_add_test(tc, test_schedule_quarterly_eom);
    tcase_add_test(tc, test_schedule_quarterly_clamped_not_eom);
    tcase_add_test(tc, test_schedule_february_eom_30_360);
    tcase_add_test(tc, test_schedule_single_period);
    tcase_add_test(tc, test_period_limit_and_buffer);
    tcase_add_test(tc, test_validate_each_error);
    tcase_add_test(tc, test_periods_due);
    tcase_add_test(tc, test_random_schedules_property);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bond_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
