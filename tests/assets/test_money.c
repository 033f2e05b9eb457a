/* Unit tests for assets/ast_money: the one parser and formatter of amounts (specs/money.md).
 * Exact conversions, every rejection, separators, and a seeded round trip (prints the seed,
 * takes FOLIO_TEST_SEED). */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast_asset.h"
#include "ast_money.h"
#include "ldg_limits.h"

static uint64_t parse_ok(const char *s, unsigned scale)
{
    uint64_t v = 0;
    ast_money_err e = ast_money_parse(s, scale, &v);
    ck_assert_msg(e == AST_MONEY_OK, "'%s' scale %u: %s", s, scale, ast_money_err_str(e));
    return v;
}

static ast_money_err parse_err(const char *s, unsigned scale)
{
    uint64_t v = 12345;
    ast_money_err e = ast_money_parse(s, scale, &v);
    ck_assert_msg(e != AST_MONEY_OK, "'%s' scale %u accepted", s, scale);
    ck_assert_uint_eq(v, 12345); /* nothing written on failure */
    return e;
}

START_TEST(test_parse_exact)
{
    ck_assert_uint_eq(parse_ok("100", 2), 10000);
    ck_assert_uint_eq(parse_ok("100.5", 2), 10050);
    ck_assert_uint_eq(parse_ok("100.50", 2), 10050);
    ck_assert_uint_eq(parse_ok("0.35", 2), 35);
    ck_assert_uint_eq(parse_ok("0.01", 2), 1);
    ck_assert_uint_eq(parse_ok("500000.5", 2), 50000050);
    ck_assert_uint_eq(parse_ok("1,000,000.25", 2), 100000025);
    ck_assert_uint_eq(parse_ok("3000", 0), 3000);
    ck_assert_uint_eq(parse_ok("999", 0), 999);
    ck_assert_uint_eq(parse_ok("0", 2), 0);
    ck_assert_uint_eq(parse_ok("46116860184273879.03", 2), LDG_QUANTITY_MAX - 1);
    ck_assert_uint_eq(parse_ok("46116860184273879.04", 2), LDG_QUANTITY_MAX);
}
END_TEST

START_TEST(test_parse_rejects)
{
    ck_assert_int_eq(parse_err("12.505", 2), AST_MONEY_DECIMALS);
    ck_assert_int_eq(parse_err("1.5", 0), AST_MONEY_DECIMALS);
    ck_assert_int_eq(parse_err("", 2), AST_MONEY_EMPTY);
    ck_assert_int_eq(parse_err(".", 2), AST_MONEY_EMPTY);
    ck_assert_int_eq(parse_err(".5", 2), AST_MONEY_SYNTAX);
    ck_assert_int_eq(parse_err("5.", 2), AST_MONEY_SYNTAX);
    ck_assert_int_eq(parse_err("-5", 2), AST_MONEY_SYNTAX);
    ck_assert_int_eq(parse_err("+5", 2), AST_MONEY_SYNTAX);
    ck_assert_int_eq(parse_err("5 ", 2), AST_MONEY_SYNTAX);
    ck_assert_int_eq(parse_err("1e5", 2), AST_MONEY_SYNTAX);
    ck_assert_int_eq(parse_err("1.2.3", 2), AST_MONEY_SYNTAX);
    ck_assert_int_eq(parse_err("1,00", 2), AST_MONEY_SYNTAX);
    ck_assert_int_eq(parse_err("10,00,000", 2), AST_MONEY_SYNTAX);
    ck_assert_int_eq(parse_err(",100", 2), AST_MONEY_SYNTAX);
    ck_assert_int_eq(parse_err("1000,000", 2), AST_MONEY_SYNTAX);
    ck_assert_int_eq(parse_err("1.000,5", 2), AST_MONEY_SYNTAX);
    ck_assert_int_eq(parse_err("46116860184273879.05", 2), AST_MONEY_TOO_LARGE);
    ck_assert_int_eq(parse_err("99999999999999999999999", 0), AST_MONEY_TOO_LARGE);
    ck_assert_int_eq(parse_err("100000000000000000", 2), AST_MONEY_TOO_LARGE);
}
END_TEST

START_TEST(test_format)
{
    char b[AST_MONEY_TEXT_LEN];
    ck_assert_str_eq(ast_money_format(b, sizeof b, 10050, 2, true), "100.50");
    ck_assert_str_eq(ast_money_format(b, sizeof b, 35, 2, true), "0.35");
    ck_assert_str_eq(ast_money_format(b, sizeof b, 50000050, 2, true), "500,000.50");
    ck_assert_str_eq(ast_money_format(b, sizeof b, 50000050, 2, false), "500000.50");
    ck_assert_str_eq(ast_money_format(b, sizeof b, 1000, 0, true), "1,000");
    ck_assert_str_eq(ast_money_format(b, sizeof b, 999, 0, true), "999");
    ck_assert_str_eq(ast_money_format(b, sizeof b, -123456789, 2, true), "-1,234,567.89");
    ck_assert_str_eq(ast_money_format(b, sizeof b, INT64_MIN, 0, false), "-9223372036854775808");
    ck_assert_str_eq(ast_money_format(b, sizeof b, 7, 3, true), "0.007");
    char small[6];
    ck_assert_str_eq(ast_money_format(small, sizeof small, 1234567, 2, true), "12,34");
}
END_TEST

/* The ledger's messages: cash as money with its currency, securities as units and id. */
START_TEST(test_amount_text)
{
    char b[AST_MONEY_TEXT_LEN + AST_ID_LEN + 2];
    ast_asset cny = {.id = "CNY", .kind = AST_KIND_CASH, .scale = 2, .currency = "CNY"};
    ast_asset eq = {.id = "CNE000001R84", .kind = AST_KIND_EQUITY, .scale = 0};
    ck_assert_str_eq(ast_asset_amount_text(b, sizeof b, &cny, 10000), "100.00 CNY");
    ck_assert_str_eq(ast_asset_amount_text(b, sizeof b, &cny, 35), "0.35 CNY");
    ck_assert_str_eq(ast_asset_amount_text(b, sizeof b, &eq, 1200), "1,200 CNE000001R84");
    ck_assert_str_eq(ast_id_amount_text(b, sizeof b, "CNY", 50000050), "500,000.50 CNY");
    ck_assert_str_eq(ast_id_amount_text(b, sizeof b, "JPY", 3000), "3,000 JPY");
    ck_assert_str_eq(ast_id_amount_text(b, sizeof b, "CNE000001R84", 7), "7 CNE000001R84");
}
END_TEST

START_TEST(test_currency_scale)
{
    unsigned s = 99;
    ck_assert(ast_money_currency_scale("CNY", &s) && s == 2);
    ck_assert(ast_money_currency_scale("JPY", &s) && s == 0);
    ck_assert(!ast_money_currency_scale("XXQ", &s));
    ck_assert(!ast_money_currency_scale("cny", &s));
    ck_assert(!ast_money_currency_scale(NULL, &s));
}
END_TEST

START_TEST(test_round_trip)
{
    const char *env = getenv("FOLIO_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : 0x30e7ULL;
    printf("test_money: seed=0x%" PRIx64 " (replay with FOLIO_TEST_SEED)\n", seed);
    for (int i = 0; i < 200000; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        uint64_t v = seed % (LDG_QUANTITY_MAX + 1);
        unsigned scale = (unsigned)(seed >> 59) % 7;
        char b[AST_MONEY_TEXT_LEN];
        uint64_t back = 0;
        ast_money_format(b, sizeof b, (int64_t)v, scale, i % 2);
        ck_assert_int_eq(ast_money_parse(b, scale, &back), AST_MONEY_OK);
        ck_assert_uint_eq(back, v);
    }
}
END_TEST

static Suite *money_suite(void)
{
    Suite *s = suite_create("ast_money");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_parse_exact);
    tcase_add_test(tc, test_parse_rejects);
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_amount_text);
    tcase_add_test(tc, test_currency_scale);
    tcase_add_test(tc, test_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(money_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
