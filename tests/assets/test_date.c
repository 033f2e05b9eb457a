/* Unit tests for assets/ast_date: civil conversions, strict parsing, block time, month
 * arithmetic and durations. The property test prints its seed and takes FOLIO_TEST_SEED. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast_date.h"

static uint64_t test_seed(void)
{
    const char *env = getenv("FOLIO_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : 0xda7e5eedULL;
    printf("test_date: seed=0x%" PRIx64 " (replay with FOLIO_TEST_SEED)\n", seed);
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
    ast_date_err err = ast_date_parse(&d, s, strlen(s));
    ck_assert_msg(err == AST_DATE_OK, "parse %s: %s", s, ast_date_err_str(err));
    return d;
}

static const char *F(ast_date d, char buf[AST_DATE_STR_SIZE])
{
    ck_assert_uint_eq(ast_date_format(buf, AST_DATE_STR_SIZE, d), AST_DATE_STR_LEN);
    return buf;
}

static ast_date_err P(const char *s)
{
    ast_date d = {.days = 12345};
    ast_date_err err = ast_date_parse(&d, s, strlen(s));
    if (err != AST_DATE_OK)
        ck_assert_int_eq(d.days, 12345); /* untouched on failure */
    return err;
}

START_TEST(test_epoch_and_known_days)
{
    ck_assert_int_eq(D("1970-01-01").days, 0);
    ck_assert_int_eq(D("1970-01-02").days, 1);
    ck_assert_int_eq(D("1969-12-31").days, -1);
    ck_assert_int_eq(D("2000-03-01").days, 11017);
    ck_assert_int_eq(D("2024-02-29").days, 19782);
    ck_assert_int_eq(D("0001-01-01").days, AST_DATE_DAYS_MIN);
    ck_assert_int_eq(D("9999-12-31").days, AST_DATE_DAYS_MAX);
    ck_assert_int_eq(D("2024-03-01").days - D("2024-02-28").days, 2);
    ck_assert_int_eq(D("2023-03-01").days - D("2023-02-28").days, 1);
    ck_assert_int_eq(D("2025-01-01").days - D("2024-01-01").days, 366);
    ck_assert_int_eq(D("1900-03-01").days - D("1900-02-28").days, 1);
    ck_assert_int_eq(D("2000-03-01").days - D("2000-02-28").days, 2);
}
END_TEST

START_TEST(test_leap_and_month_lengths)
{
    ck_assert(ast_date_is_leap_year(2024));
    ck_assert(ast_date_is_leap_year(2000));
    ck_assert(!ast_date_is_leap_year(1900));
    ck_assert(!ast_date_is_leap_year(2023));
    ck_assert(!ast_date_is_leap_year(2100));
    ck_assert_uint_eq(ast_date_days_in_month(2024, 2), 29);
    ck_assert_uint_eq(ast_date_days_in_month(2023, 2), 28);
    ck_assert_uint_eq(ast_date_days_in_month(2023, 1), 31);
    ck_assert_uint_eq(ast_date_days_in_month(2023, 4), 30);
    ck_assert_uint_eq(ast_date_days_in_month(2023, 12), 31);
}
END_TEST

START_TEST(test_parse_rejects)
{
    ck_assert_int_eq(P("2023-02-29"), AST_DATE_ERR_DAY);
    ck_assert_int_eq(P("2024-13-01"), AST_DATE_ERR_MONTH);
    ck_assert_int_eq(P("2024-00-10"), AST_DATE_ERR_MONTH);
    ck_assert_int_eq(P("2024-01-00"), AST_DATE_ERR_DAY);
    ck_assert_int_eq(P("2024-04-31"), AST_DATE_ERR_DAY);
    ck_assert_int_eq(P("1900-02-29"), AST_DATE_ERR_DAY);
    ck_assert_int_eq(P("0000-01-01"), AST_DATE_ERR_YEAR);
    ck_assert_int_eq(P("2024-01-01x"), AST_DATE_ERR_FORMAT);
    ck_assert_int_eq(P("2024-01-01 "), AST_DATE_ERR_FORMAT);
    ck_assert_int_eq(P("2024-01-01T00:00"), AST_DATE_ERR_FORMAT);
    ck_assert_int_eq(P(" 2024-01-01"), AST_DATE_ERR_FORMAT);
    ck_assert_int_eq(P("2024-1-01"), AST_DATE_ERR_FORMAT);
    ck_assert_int_eq(P("2024/01/01"), AST_DATE_ERR_FORMAT);
    ck_assert_int_eq(P("20240101"), AST_DATE_ERR_FORMAT);
    ck_assert_int_eq(P("+024-01-01"), AST_DATE_ERR_FORMAT);
    ck_assert_int_eq(P("2024-+1-01"), AST_DATE_ERR_FORMAT);
    ck_assert_int_eq(P("2024-01--1"), AST_DATE_ERR_FORMAT);
    ck_assert_int_eq(P(""), AST_DATE_ERR_FORMAT);
    ck_assert_int_eq(P("abcd-ef-gh"), AST_DATE_ERR_FORMAT);
    /* embedded NUL: length says 10, content is not a date */
    ast_date d;
    ck_assert_int_eq(ast_date_parse(&d, "2024-01-0\0", 10), AST_DATE_ERR_FORMAT);
    /* not NUL-terminated input is fine with an explicit length */
    ck_assert_int_eq(ast_date_parse(&d, "2024-02-29garbage", 10), AST_DATE_OK);
    ck_assert_int_eq(d.days, 19782);
    ck_assert_int_eq(ast_date_parse(&d, NULL, 0), AST_DATE_ERR_FORMAT);
}
END_TEST

START_TEST(test_from_civil_rejects)
{
    ast_date d;
    ck_assert_int_eq(ast_date_from_civil(&d, 10000, 1, 1), AST_DATE_ERR_YEAR);
    ck_assert_int_eq(ast_date_from_civil(&d, -5, 1, 1), AST_DATE_ERR_YEAR);
    ck_assert_int_eq(ast_date_from_civil(&d, 2024, 0, 1), AST_DATE_ERR_MONTH);
    ck_assert_int_eq(ast_date_from_civil(&d, 2024, 2, 30), AST_DATE_ERR_DAY);
    ck_assert_int_eq(ast_date_from_civil(&d, 2024, 2, 29), AST_DATE_OK);
    int32_t y;
    unsigned m, day;
    ast_date_to_civil(&y, &m, &day, d);
    ck_assert_int_eq(y, 2024);
    ck_assert_uint_eq(m, 2);
    ck_assert_uint_eq(day, 29);
    ck_assert_uint_eq(ast_date_day_of_month(d), 29);
}
END_TEST

START_TEST(test_format)
{
    char buf[AST_DATE_STR_SIZE];
    ck_assert_str_eq(F(D("2024-02-29"), buf), "2024-02-29");
    ck_assert_str_eq(F(D("0001-01-01"), buf), "0001-01-01");
    ck_assert_str_eq(F(D("9999-12-31"), buf), "9999-12-31");
    ast_date e = {.days = 0};
    ck_assert_str_eq(F(e, buf), "1970-01-01");
    ast_date m1 = {.days = -1};
    ck_assert_str_eq(F(m1, buf), "1969-12-31");
}
END_TEST

START_TEST(test_weekday_and_eom)
{
    ck_assert_uint_eq(ast_date_weekday(D("1970-01-01")), 4); /* Thursday */
    ck_assert_uint_eq(ast_date_weekday(D("2024-02-29")), 4);
    ck_assert_uint_eq(ast_date_weekday(D("2000-01-01")), 6); /* Saturday */
    ck_assert_uint_eq(ast_date_weekday(D("1969-12-28")), 7); /* Sunday */
    ck_assert(ast_date_is_end_of_month(D("2024-02-29")));
    ck_assert(!ast_date_is_end_of_month(D("2024-02-28")));
    ck_assert(ast_date_is_end_of_month(D("2023-02-28")));
    ck_assert(ast_date_is_end_of_month(D("2023-04-30")));
    ck_assert_int_eq(ast_date_end_of_month(D("2024-02-03")).days, D("2024-02-29").days);
    ck_assert_int_eq(ast_date_end_of_month(D("2023-12-31")).days, D("2023-12-31").days);
}
END_TEST

START_TEST(test_block_time)
{
    ast_date d;
    uint64_t ms;
    ck_assert_int_eq(ast_date_from_block_time(&d, 0), AST_DATE_OK);
    ck_assert_int_eq(d.days, 0);
    /* 2024-02-29T00:00:00.000Z = 1709164800000 */
    ck_assert_int_eq(ast_date_start_ms(&ms, D("2024-02-29")), AST_DATE_OK);
    ck_assert_uint_eq(ms, 1709164800000ULL);
    ck_assert_int_eq(ast_date_end_ms(&ms, D("2024-02-29")), AST_DATE_OK);
    ck_assert_uint_eq(ms, 1709251199999ULL);
    ck_assert_int_eq(ast_date_from_block_time(&d, 1709251199999ULL), AST_DATE_OK);
    ck_assert_int_eq(d.days, D("2024-02-29").days);
    ck_assert_int_eq(ast_date_from_block_time(&d, 1709251200000ULL), AST_DATE_OK);
    ck_assert_int_eq(d.days, D("2024-03-01").days);
    ck_assert_int_eq(ast_date_end_ms(&ms, D("9999-12-31")), AST_DATE_OK);
    ck_assert_int_eq(ast_date_from_block_time(&d, ms), AST_DATE_OK);
    ck_assert_int_eq(d.days, AST_DATE_DAYS_MAX);
    ck_assert_int_eq(ast_date_from_block_time(&d, ms + 1), AST_DATE_ERR_RANGE);
    ck_assert_int_eq(ast_date_from_block_time(&d, UINT64_MAX), AST_DATE_ERR_RANGE);
    ms = 7;
    ck_assert_int_eq(ast_date_start_ms(&ms, D("1969-12-31")), AST_DATE_ERR_RANGE);
    ck_assert_int_eq(ast_date_end_ms(&ms, D("1969-12-31")), AST_DATE_ERR_RANGE);
    ck_assert_uint_eq(ms, 7);
}
END_TEST

static const char *add(const char *s, int32_t months, bool eom, char buf[AST_DATE_STR_SIZE])
{
    ast_date r;
    ast_date_err err =
        eom ? ast_date_add_months_eom(&r, D(s), months) : ast_date_add_months(&r, D(s), months);
    ck_assert_int_eq(err, AST_DATE_OK);
    return F(r, buf);
}

START_TEST(test_add_months)
{
    char b[AST_DATE_STR_SIZE];
    ck_assert_str_eq(add("2024-01-31", 1, false, b), "2024-02-29");
    ck_assert_str_eq(add("2023-01-31", 1, false, b), "2023-02-28");
    ck_assert_str_eq(add("2024-01-31", 2, false, b), "2024-03-31");
    ck_assert_str_eq(add("2024-02-29", 1, false, b), "2024-03-29");
    ck_assert_str_eq(add("2024-02-29", 12, false, b), "2025-02-28");
    ck_assert_str_eq(add("2024-02-29", 48, false, b), "2028-02-29");
    ck_assert_str_eq(add("2024-03-31", -1, false, b), "2024-02-29");
    ck_assert_str_eq(add("2024-01-15", -1, false, b), "2023-12-15");
    ck_assert_str_eq(add("2024-01-15", -13, false, b), "2022-12-15");
    ck_assert_str_eq(add("2024-01-15", 0, false, b), "2024-01-15");
    ck_assert_str_eq(add("2024-11-30", 3, false, b), "2025-02-28");
    ck_assert_str_eq(add("2024-02-29", 1, true, b), "2024-03-31");
    ck_assert_str_eq(add("2024-04-30", -6, true, b), "2023-10-31");
    ck_assert_str_eq(add("2024-04-10", -2, true, b), "2024-02-29");
    ast_date r = {.days = 77};
    ck_assert_int_eq(ast_date_add_months(&r, D("9999-12-01"), 1), AST_DATE_ERR_RANGE);
    ck_assert_int_eq(ast_date_add_months(&r, D("0001-01-31"), -1), AST_DATE_ERR_RANGE);
    ck_assert_int_eq(ast_date_add_months(&r, D("2024-01-01"), INT32_MAX), AST_DATE_ERR_RANGE);
    ck_assert_int_eq(ast_date_add_months(&r, D("2024-01-01"), INT32_MIN), AST_DATE_ERR_RANGE);
    ck_assert_int_eq(r.days, 77);
    ck_assert_int_eq(ast_date_add_months(&r, D("0001-01-31"), 9998 * 12 + 11), AST_DATE_OK);
    ck_assert_int_eq(r.days, AST_DATE_DAYS_MAX);
}
END_TEST

static ast_date_err dur(uint64_t *ms, const char *s)
{
    return ast_duration_parse(ms, s, strlen(s));
}

START_TEST(test_duration)
{
    uint64_t ms = 0;
    ck_assert_int_eq(dur(&ms, "30d"), AST_DATE_OK);
    ck_assert_uint_eq(ms, 30ULL * 86400000);
    ck_assert_int_eq(dur(&ms, "12h"), AST_DATE_OK);
    ck_assert_uint_eq(ms, 43200000);
    ck_assert_int_eq(dur(&ms, "90m"), AST_DATE_OK);
    ck_assert_uint_eq(ms, 5400000);
    ck_assert_int_eq(dur(&ms, "45s"), AST_DATE_OK);
    ck_assert_uint_eq(ms, 45000);
    ck_assert_int_eq(dur(&ms, "2w"), AST_DATE_OK);
    ck_assert_uint_eq(ms, 1209600000);
    ck_assert_int_eq(dur(&ms, "0s"), AST_DATE_OK);
    ck_assert_uint_eq(ms, 0);
    /* UINT64_MAX = 18446744073709551615 ms; 18446744073709551 s is the largest in seconds */
    ck_assert_int_eq(dur(&ms, "18446744073709551s"), AST_DATE_OK);
    ck_assert_uint_eq(ms, 18446744073709551000ULL);
    ms = 99;
    ck_assert_int_eq(dur(&ms, "18446744073709552s"), AST_DATE_ERR_OVERFLOW);
    ck_assert_int_eq(dur(&ms, "18446744073709551616s"), AST_DATE_ERR_OVERFLOW);
    ck_assert_int_eq(dur(&ms, "99999999999999999999999999w"), AST_DATE_ERR_OVERFLOW);
    ck_assert_int_eq(dur(&ms, "30500000000000w"), AST_DATE_ERR_OVERFLOW);
    ck_assert_int_eq(dur(&ms, ""), AST_DATE_ERR_DURATION);
    ck_assert_int_eq(dur(&ms, "d"), AST_DATE_ERR_DURATION);
    ck_assert_int_eq(dur(&ms, "30"), AST_DATE_ERR_DURATION);
    ck_assert_int_eq(dur(&ms, "-5d"), AST_DATE_ERR_DURATION);
    ck_assert_int_eq(dur(&ms, "+5d"), AST_DATE_ERR_DURATION);
    ck_assert_int_eq(dur(&ms, " 5d"), AST_DATE_ERR_DURATION);
    ck_assert_int_eq(dur(&ms, "05d"), AST_DATE_ERR_DURATION);
    ck_assert_int_eq(dur(&ms, "00s"), AST_DATE_ERR_DURATION);
    ck_assert_int_eq(dur(&ms, "5y"), AST_DATE_ERR_UNIT);
    ck_assert_int_eq(dur(&ms, "5D"), AST_DATE_ERR_UNIT);
    ck_assert_int_eq(dur(&ms, "5ms"), AST_DATE_ERR_UNIT);
    ck_assert_int_eq(dur(&ms, "5d "), AST_DATE_ERR_UNIT);
    ck_assert_int_eq(dur(&ms, "5dd"), AST_DATE_ERR_UNIT);
    ck_assert_int_eq(dur(&ms, "5 d"), AST_DATE_ERR_UNIT);
    ck_assert_int_eq(dur(&ms, "1.5h"), AST_DATE_ERR_UNIT);
    ck_assert_int_eq(ast_duration_parse(&ms, "5d\0", 3), AST_DATE_ERR_UNIT);
    ck_assert_uint_eq(ms, 99);
    ck_assert_int_eq(ast_duration_parse(&ms, "7dXYZ", 2), AST_DATE_OK);
    ck_assert_uint_eq(ms, 7 * 86400000ULL);
}
END_TEST

/* Property: every valid day number formats, parses back to itself, and its civil fields
 * agree with stepping one day at a time; month addition lands in the expected month. */
START_TEST(test_roundtrip_property)
{
    uint64_t s = test_seed() | 1;
    char buf[AST_DATE_STR_SIZE];
    for (int i = 0; i < 50000; i++) {
        int64_t span = (int64_t)AST_DATE_DAYS_MAX - AST_DATE_DAYS_MIN + 1;
        ast_date d = {.days = (int32_t)(AST_DATE_DAYS_MIN + (int64_t)(rng_next(&s) % span))};
        ast_date back;
        F(d, buf);
        ck_assert_int_eq(ast_date_parse(&back, buf, AST_DATE_STR_LEN), AST_DATE_OK);
        ck_assert_int_eq(back.days, d.days);
        int32_t y;
        unsigned m, day;
        ast_date_to_civil(&y, &m, &day, d);
        if (d.days < AST_DATE_DAYS_MAX) {
            ast_date next = {.days = d.days + 1};
            int32_t y2;
            unsigned m2, day2;
            ast_date_to_civil(&y2, &m2, &day2, next);
            if (day == ast_date_days_in_month(y, m)) {
                ck_assert_uint_eq(day2, 1);
                ck_assert_uint_eq(m2, m == 12 ? 1 : m + 1);
            } else {
                ck_assert_int_eq(y2, y);
                ck_assert_uint_eq(m2, m);
                ck_assert_uint_eq(day2, day + 1);
            }
        }
        int32_t k = (int32_t)(rng_next(&s) % 2401) - 1200;
        ast_date r;
        if (ast_date_add_months(&r, d, k) == AST_DATE_OK) {
            int32_t ry;
            unsigned rm, rd;
            ast_date_to_civil(&ry, &rm, &rd, r);
            ck_assert_int_eq((int64_t)ry * 12 + rm - 1, (int64_t)y * 12 + m - 1 + k);
            ck_assert_uint_eq(
                rd, day < ast_date_days_in_month(ry, rm) ? day : ast_date_days_in_month(ry, rm));
        }
        if (d.days >= 0) {
            uint64_t a, b;
            ck_assert_int_eq(ast_date_start_ms(&a, d), AST_DATE_OK);
            ck_assert_int_eq(ast_date_end_ms(&b, d), AST_DATE_OK);
            ck_assert_uint_eq(b - a, AST_MS_PER_DAY - 1);
            uint64_t t = a + rng_next(&s) % AST_MS_PER_DAY;
            ck_assert_int_eq(ast_date_from_block_time(&back, t), AST_DATE_OK);
            ck_assert_int_eq(back.days, d.days);
        }
    }
}
END_TEST

/* Every (year, month, day) triple in a window is accepted exactly when it exists. */
START_TEST(test_parse_exhaustive_window)
{
    char buf[16];
    int32_t prev = D("1899-12-31").days;
    for (unsigned y = 1900; y <= 2101; y++)
        for (unsigned m = 0; m <= 13; m++)
            for (unsigned d = 0; d <= 32; d++) {
                snprintf(buf, sizeof buf, "%04u-%02u-%02u", y, m, d);
                ast_date r;
                ast_date_err err = ast_date_parse(&r, buf, strlen(buf));
                bool exists = m >= 1 && m <= 12 && d >= 1 && d <= ast_date_days_in_month(y, m);
                ck_assert_msg((err == AST_DATE_OK) == exists, "%s", buf);
                if (exists) {
                    ck_assert_int_eq(r.days, prev + 1);
                    prev = r.days;
                }
            }
}
END_TEST

static Suite *date_suite(void)
{
    Suite *s = suite_create("ast_date");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_epoch_and_known_days);
    tcase_add_test(tc, test_leap_and_month_lengths);
    tcase_add_test(tc, test_parse_rejects);
    tcase_add_test(tc, test_from_civil_rejects);
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_weekday_and_eom);
    tcase_add_test(tc, test_block_time);
    tcase_add_test(tc, test_add_months);
    tcase_add_test(tc, test_duration);
    tcase_add_test(tc, test_roundtrip_property);
    tcase_add_test(tc, test_parse_exhaustive_window);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(date_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
