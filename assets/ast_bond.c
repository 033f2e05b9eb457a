#include "ast_bond.h"

typedef unsigned __int128 u128;

const char *ast_bond_err_str(ast_bond_err err)
{
    switch (err) {
    case AST_BOND_OK:
        return "ok";
    case AST_BOND_ERR_DAYCOUNT:
        return "unknown day-count convention";
    case AST_BOND_ERR_FREQUENCY:
        return "unknown coupon frequency";
    case AST_BOND_ERR_FACE_VALUE:
        return "face value must be greater than zero";
    case AST_BOND_ERR_COUPON_RATE:
        return "coupon rate is above the maximum of 100000 bp";
    case AST_BOND_ERR_DATE:
        return "date is outside the supported range";
    case AST_BOND_ERR_MATURITY:
        return "maturity must be after the issue date";
    case AST_BOND_ERR_PERIOD:
        return "period ends before it starts";
    case AST_BOND_ERR_TOO_MANY_PERIODS:
        return "bond has more coupon periods than the maximum of 400";
    case AST_BOND_ERR_BUFFER:
        return "period buffer is too small";
    case AST_BOND_ERR_OVERFLOW:
        return "amount is too large";
    }
    return "unknown bond error";
}

static bool daycount_known(ast_daycount daycount)
{
    return daycount == AST_DAYCOUNT_ACT_365F || daycount == AST_DAYCOUNT_ACT_360 ||
           daycount == AST_DAYCOUNT_30_360;
}

static bool freq_known(ast_coupon_freq freq)
{
    return freq == AST_FREQ_ANNUAL || freq == AST_FREQ_SEMIANNUAL || freq == AST_FREQ_QUARTERLY;
}

/* 30/360 Bond Basis (ISDA 2006 4.16(f)). end >= start, so the result is >= 0. */
static uint64_t days_30_360(ast_date start, ast_date end)
{
    int32_t y1, y2;
    unsigned m1, m2, d1, d2;
    ast_date_to_civil(&y1, &m1, &d1, start);
    ast_date_to_civil(&y2, &m2, &d2, end);
    if (d1 == 31)
        d1 = 30;
    if (d2 == 31 && d1 == 30)
        d2 = 30;
    int64_t days = 360 * ((int64_t)y2 - y1) + 30 * ((int64_t)m2 - m1) + ((int64_t)d2 - d1);
    LDG_ASSERT(days >= 0);
    return (uint64_t)days;
}

ast_bond_err ast_daycount_fraction(ast_fraction *out, ast_daycount daycount, ast_date start,
                                   ast_date end)
{
    LDG_ASSERT(out != NULL);
    if (!daycount_known(daycount))
        return AST_BOND_ERR_DAYCOUNT;
    if (!ast_date_is_valid(start) || !ast_date_is_valid(end))
        return AST_BOND_ERR_DATE;
    if (end.days < start.days)
        return AST_BOND_ERR_PERIOD;
    uint64_t actual = (uint64_t)((int64_t)end.days - start.days);
    switch (daycount) {
    case AST_DAYCOUNT_ACT_365F:
        *out = (ast_fraction){.num = actual, .den = 365};
        break;
    case AST_DAYCOUNT_ACT_360:
        *out = (ast_fraction){.num = actual, .den = 360};
        break;
    case AST_DAYCOUNT_30_360:
        *out = (ast_fraction){.num = days_30_360(start, end), .den = 360};
        break;
    }
    return AST_BOND_OK;
}

ast_bond_err ast_coupon_amount(uint64_t *out, uint64_t face_value, uint32_t coupon_bps,
                               ast_fraction fraction)
{
    LDG_ASSERT(out != NULL && fraction.den > 0);
    u128 num, den;
    /* face * bps < 2^81, times num < 2^64 could exceed 2^128: check rather than reason. */
    if (__builtin_mul_overflow((u128)face_value, (u128)coupon_bps, &num) ||
        __builtin_mul_overflow(num, (u128)fraction.num, &num) ||
        __builtin_mul_overflow((u128)AST_BPS_SCALE, (u128)fraction.den, &den))
        return AST_BOND_ERR_OVERFLOW;
    u128 q = num / den;
    if (q > UINT64_MAX)
        return AST_BOND_ERR_OVERFLOW;
    *out = (uint64_t)q;
    return AST_BOND_OK;
}

/* Coupon date k (k = 0 is the maturity), or false when it falls before 0001-01-01 (and
 * so before any issue date). */
static bool coupon_date(ast_date *out, const ast_bond_terms *terms, bool eom, int32_t k)
{
    int32_t months = -k * (int32_t)(12 / terms->freq);
    ast_date_err err = eom ? ast_date_add_months_eom(out, terms->maturity, months)
                           : ast_date_add_months(out, terms->maturity, months);
    return err == AST_DATE_OK;
}

/* Counts coupon dates after the issue date, stopping once the limit is exceeded.
 * Out: *eom_out: whether the end-of-month rule applies. */
static size_t count_periods(const ast_bond_terms *terms, bool *eom_out)
{
    bool eom = ast_date_is_end_of_month(terms->maturity);
    size_t count = 0;
    for (int32_t k = 0; k <= AST_BOND_PERIODS_MAX; k++) {
        ast_date d;
        if (!coupon_date(&d, terms, eom, k) || d.days <= terms->issue.days)
            break;
        count++;
    }
    *eom_out = eom;
    return count;
}

static ast_bond_err validate_fields(const ast_bond_terms *terms)
{
    if (!daycount_known(terms->daycount))
        return AST_BOND_ERR_DAYCOUNT;
    if (!freq_known(terms->freq))
        return AST_BOND_ERR_FREQUENCY;
    if (terms->face_value == 0)
        return AST_BOND_ERR_FACE_VALUE;
    if (terms->coupon_bps > AST_BOND_COUPON_BPS_MAX)
        return AST_BOND_ERR_COUPON_RATE;
    if (!ast_date_is_valid(terms->issue) || !ast_date_is_valid(terms->maturity))
        return AST_BOND_ERR_DATE;
    if (terms->maturity.days <= terms->issue.days)
        return AST_BOND_ERR_MATURITY;
    return AST_BOND_OK;
}

ast_bond_err ast_bond_validate(const ast_bond_terms *terms)
{
    LDG_ASSERT(terms != NULL);
    ast_bond_err err = validate_fields(terms);
    if (err != AST_BOND_OK)
        return err;
    bool eom;
    if (count_periods(terms, &eom) > AST_BOND_PERIODS_MAX)
        return AST_BOND_ERR_TOO_MANY_PERIODS;
    return AST_BOND_OK;
}

ast_bond_err ast_bond_schedule(ast_coupon_period *periods, size_t periods_cap,
                               size_t *periods_count, const ast_bond_terms *terms)
{
    LDG_ASSERT(periods_count != NULL && terms != NULL);
    LDG_ASSERT(periods != NULL || periods_cap == 0);
    ast_bond_err err = validate_fields(terms);
    if (err != AST_BOND_OK)
        return err;
    bool eom;
    size_t count = count_periods(terms, &eom);
    LDG_ASSERT(count >= 1);
    if (count > AST_BOND_PERIODS_MAX)
        return AST_BOND_ERR_TOO_MANY_PERIODS;
    if (count > periods_cap) {
        *periods_count = count;
        return AST_BOND_ERR_BUFFER;
    }
    /* Period i (oldest first) ends on coupon date k = count - 1 - i. Amounts are computed
     * into the caller's buffer; on overflow its contents are unspecified. */
    ast_date start = terms->issue;
    for (size_t i = 0; i < count; i++) {
        ast_coupon_period *p = &periods[i];
        bool ok = coupon_date(&p->end, terms, eom, (int32_t)(count - 1 - i));
        LDG_ASSERT(ok && p->end.days > start.days);
        p->start = start;
        err = ast_daycount_fraction(&p->fraction, terms->daycount, p->start, p->end);
        LDG_ASSERT(err == AST_BOND_OK);
        err = ast_coupon_amount(&p->amount, terms->face_value, terms->coupon_bps, p->fraction);
        if (err != AST_BOND_OK)
            return err;
        start = p->end;
    }
    LDG_ASSERT(periods[count - 1].end.days == terms->maturity.days);
    *periods_count = count;
    return AST_BOND_OK;
}

uint64_t ast_bond_redemption(const ast_bond_terms *terms)
{
    LDG_ASSERT(terms != NULL && terms->face_value > 0);
    return terms->face_value;
}

size_t ast_bond_periods_due(const ast_coupon_period *periods, size_t periods_count,
                            uint64_t time_ms)
{
    LDG_ASSERT(periods != NULL || periods_count == 0);
    size_t due = 0;
    for (size_t i = 0; i < periods_count; i++) {
        uint64_t start_ms;
        /* A payment date before 1970 has no block time and is long past. */
        if (ast_date_start_ms(&start_ms, periods[i].end) == AST_DATE_OK && start_ms > time_ms)
            break;
        due++;
    }
    return due;
}
