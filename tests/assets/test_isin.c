/* Unit tests for assets/ast_isin: ISIN and LEI check digits against published identifiers,
 * every rejection, currency table, and a seeded property (single-character changes and
 * adjacent transpositions are caught; prints the seed, takes FOLIO_TEST_SEED). */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast_isin.h"

static uint64_t test_seed(void)
{
    const char *env = getenv("FOLIO_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : 0x151115eedULL;
    printf("test_isin: seed=0x%" PRIx64 " (replay with FOLIO_TEST_SEED)\n", seed);
    return seed;
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static ast_isin_err isin(const char *s)
{
    return ast_isin_validate(s, strlen(s));
}

static ast_isin_err lei(const char *s)
{
    return ast_lei_validate(s, strlen(s));
}

/* Published ISINs (issuers' own filings / exchange listings). */
static const char *const good_isins[] = {
    "US0378331005", /* Apple */
    "CNE100000296", /* BYD H shares */
    "US5949181045", /* Microsoft */
    "GB0002634946", /* BAE Systems */
    "AU0000XVGZA3", /* letters in the NSIN */
    "DE000BAY0017", /* Bayer */
    "JP3633400001", /* Toyota */
    "CNE000001R84", /* Ping An A shares */
    "XS2021832634", /* Eurobond prefix */
};

START_TEST(test_isin_valid)
{
    for (size_t i = 0; i < LDG_ARRAY_LEN(good_isins); i++) {
        ck_assert_msg(isin(good_isins[i]) == AST_ISIN_OK, "%s", good_isins[i]);
        ck_assert(ast_isin_valid(good_isins[i]));
        char c = 0;
        ck_assert_int_eq(ast_isin_check_digit(&c, good_isins[i], 11), AST_ISIN_OK);
        ck_assert_int_eq(c, good_isins[i][11]);
    }
}
END_TEST

START_TEST(test_isin_rejects)
{
    ck_assert_int_eq(isin("US0378331006"), AST_ISIN_ERR_CHECK_DIGIT);
    ck_assert_int_eq(isin("CNE100000297"), AST_ISIN_ERR_CHECK_DIGIT);
    ck_assert_int_eq(isin("US0378331050"), AST_ISIN_ERR_CHECK_DIGIT); /* transposed */
    ck_assert_int_eq(isin("US037833100"), AST_ISIN_ERR_LENGTH);
    ck_assert_int_eq(isin("US03783310055"), AST_ISIN_ERR_LENGTH);
    ck_assert_int_eq(isin(""), AST_ISIN_ERR_LENGTH);
    ck_assert_int_eq(isin("us0378331005"), AST_ISIN_ERR_COUNTRY);
    ck_assert_int_eq(isin("U10378331005"), AST_ISIN_ERR_COUNTRY);
    ck_assert_int_eq(isin("1S0378331005"), AST_ISIN_ERR_COUNTRY);
    ck_assert_int_eq(isin("US03783310a5"), AST_ISIN_ERR_CHARSET);
    ck_assert_int_eq(isin("US037833-005"), AST_ISIN_ERR_CHARSET);
    ck_assert_int_eq(isin("US03783310 5"), AST_ISIN_ERR_CHARSET);
    ck_assert_int_eq(isin("US037833100X"), AST_ISIN_ERR_CHECK_FORMAT);
    ck_assert_int_eq(ast_isin_validate("US0378331005", 12), AST_ISIN_OK);
    ck_assert_int_eq(ast_isin_validate("US0378331005XYZ", 12), AST_ISIN_OK);
    ck_assert_int_eq(ast_isin_validate("US03783310\0"
                                       "5",
                                       12),
                     AST_ISIN_ERR_CHARSET);
    ck_assert_int_eq(ast_isin_validate(NULL, 0), AST_ISIN_ERR_LENGTH);
    ck_assert(!ast_isin_valid(NULL));
    ck_assert(!ast_isin_valid("US0378331005 "));
    ck_assert(!ast_isin_valid("US037833100"));
    char c = 'x';
    ck_assert_int_eq(ast_isin_check_digit(&c, "US037833100", 10), AST_ISIN_ERR_LENGTH);
    ck_assert_int_eq(ast_isin_check_digit(&c, "us037833100", 11), AST_ISIN_ERR_COUNTRY);
    ck_assert_int_eq(ast_isin_check_digit(&c, "US0378331_0", 11), AST_ISIN_ERR_CHARSET);
    ck_assert_int_eq(c, 'x');
}
END_TEST

START_TEST(test_lei)
{
    ck_assert_int_eq(lei("5493001KJTIIGC8Y1R12"), AST_ISIN_OK); /* Bloomberg Finance L.P. */
    ck_assert_int_eq(lei("529900T8BM49AURSDO55"), AST_ISIN_OK); /* a published LEI */
    ck_assert_int_eq(lei("HWUPKR0MPOU8FGXBT394"), AST_ISIN_OK); /* Apple Inc. */
    ck_assert_int_eq(lei("7LTWFZYICNSX8D621K86"), AST_ISIN_OK); /* Deutsche Bank AG */
    ck_assert(ast_lei_valid("5493001KJTIIGC8Y1R12"));
    char cd[2] = {'x', 'x'};
    ck_assert_int_eq(ast_lei_check_digits(cd, "5493001KJTIIGC8Y1R", 18), AST_ISIN_OK);
    ck_assert_int_eq(cd[0], '1');
    ck_assert_int_eq(cd[1], '2');
    ck_assert_int_eq(ast_lei_check_digits(cd, "529900T8BM49AURSDO", 18), AST_ISIN_OK);
    ck_assert_int_eq(cd[0], '5');
    ck_assert_int_eq(cd[1], '5');
    ck_assert_int_eq(lei("5493001KJTIIGC8Y1R13"), AST_ISIN_ERR_CHECK_DIGIT);
    ck_assert_int_eq(lei("5493001KJTIIGC8Y1R21"), AST_ISIN_ERR_CHECK_DIGIT);
    ck_assert_int_eq(lei("5493001KJTIIGC8Y1S12"), AST_ISIN_ERR_CHECK_DIGIT);
    ck_assert_int_eq(lei("5493001KJTIIGC8Y1R1"), AST_ISIN_ERR_LENGTH);
    ck_assert_int_eq(lei("5493001KJTIIGC8Y1R123"), AST_ISIN_ERR_LENGTH);
    ck_assert_int_eq(lei("5493001kjtiigc8y1r12"), AST_ISIN_ERR_CHARSET);
    ck_assert_int_eq(lei("5493001KJTIIGC8Y1-12"), AST_ISIN_ERR_CHARSET);
    ck_assert_int_eq(lei("5493001KJTIIGC8Y1R1A"), AST_ISIN_ERR_CHECK_FORMAT);
    ck_assert_int_eq(lei("5493001KJTIIGC8Y1RA2"), AST_ISIN_ERR_CHECK_FORMAT);
    ck_assert(!ast_lei_valid(NULL));
    ck_assert(!ast_lei_valid("5493001KJTIIGC8Y1R12X"));
    cd[0] = cd[1] = 'x';
    ck_assert_int_eq(ast_lei_check_digits(cd, "5493001KJTIIGC8Y1", 17), AST_ISIN_ERR_LENGTH);
    ck_assert_int_eq(ast_lei_check_digits(cd, "5493001KJTIIGC8Y1r", 18), AST_ISIN_ERR_CHARSET);
    ck_assert_int_eq(cd[0], 'x');
}
END_TEST

START_TEST(test_currency)
{
    static const struct {
        const char *code;
        uint8_t exp;
    } want[] = {{"CNY", 2}, {"USD", 2}, {"EUR", 2}, {"JPY", 0}, {"HKD", 2}, {"GBP", 2}};
    for (size_t i = 0; i < LDG_ARRAY_LEN(want); i++) {
        const ast_currency *c = NULL;
        ck_assert_int_eq(ast_currency_lookup(&c, want[i].code, 3), AST_ISIN_OK);
        ck_assert_str_eq(c->code, want[i].code);
        ck_assert_uint_eq(c->minor_exponent, want[i].exp);
        ck_assert(ast_currency_valid(want[i].code));
    }
    const ast_currency *c = NULL;
    ck_assert_int_eq(ast_currency_lookup(&c, "XYZ", 3), AST_ISIN_ERR_UNKNOWN_CURRENCY);
    ck_assert_int_eq(ast_currency_lookup(&c, "cny", 3), AST_ISIN_ERR_CURRENCY);
    ck_assert_int_eq(ast_currency_lookup(&c, "CN1", 3), AST_ISIN_ERR_CURRENCY);
    ck_assert_int_eq(ast_currency_lookup(&c, "CN", 2), AST_ISIN_ERR_CURRENCY);
    ck_assert_int_eq(ast_currency_lookup(&c, "CNYY", 4), AST_ISIN_ERR_CURRENCY);
    ck_assert_int_eq(ast_currency_lookup(&c, NULL, 0), AST_ISIN_ERR_CURRENCY);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(ast_currency_lookup(&c, "CNYX", 3), AST_ISIN_OK);
    ck_assert(!ast_currency_valid("CNY "));
    ck_assert(!ast_currency_valid("CNYX"));
    ck_assert(!ast_currency_valid(NULL));
    /* table is in strict code order, codes well-formed, exponents small */
    const ast_currency *prev = NULL;
    size_t n = 0;
    for (const ast_currency *e; (e = ast_currency_at(n)) != NULL; n++) {
        ck_assert_uint_eq(strlen(e->code), 3);
        ck_assert_int_eq(ast_currency_lookup(&c, e->code, 3), AST_ISIN_OK);
        ck_assert_ptr_eq(c, e);
        ck_assert_uint_le(e->minor_exponent, 4);
        if (prev)
            ck_assert_int_lt(strcmp(prev->code, e->code), 0);
        prev = e;
    }
    ck_assert_uint_ge(n, 6);
    for (int e = 0; e <= AST_ISIN_ERR_UNKNOWN_CURRENCY; e++)
        ck_assert_ptr_nonnull(ast_isin_err_str((ast_isin_err)e));
}
END_TEST

static char random_alnum(uint64_t *s)
{
    unsigned v = (unsigned)(rng_next(s) % 36);
    return v < 10 ? (char)('0' + v) : (char)('A' + v - 10);
}

/* Random bodies get a computed check digit that validates; every single-character change
 * of the digit-only part and every change of the check digit is rejected. LEIs: any
 * single-character substitution or adjacent transposition of distinct characters is
 * rejected (MOD 97-10 catches all of them). */
START_TEST(test_check_digit_property)
{
    uint64_t s = test_seed() | 1;
    for (int it = 0; it < 20000; it++) {
        char id[AST_LEI_LEN + 1] = {0};
        id[0] = (char)('A' + rng_next(&s) % 26);
        id[1] = (char)('A' + rng_next(&s) % 26);
        for (int i = 2; i < 11; i++)
            id[i] = random_alnum(&s);
        ck_assert_int_eq(ast_isin_check_digit(&id[11], id, 11), AST_ISIN_OK);
        ck_assert_int_eq(ast_isin_validate(id, 12), AST_ISIN_OK);
        char saved = id[11];
        id[11] = (char)('0' + (saved - '0' + 1 + rng_next(&s) % 9) % 10);
        ck_assert_int_eq(ast_isin_validate(id, 12), AST_ISIN_ERR_CHECK_DIGIT);
        id[11] = saved;
        /* a changed decimal digit in the NSIN changes the Luhn sum */
        int pos = 2 + (int)(rng_next(&s) % 9);
        if (id[pos] >= '0' && id[pos] <= '9') {
            char d = id[pos];
            id[pos] = (char)('0' + (d - '0' + 1 + rng_next(&s) % 9) % 10);
            ck_assert_int_eq(ast_isin_validate(id, 12), AST_ISIN_ERR_CHECK_DIGIT);
            id[pos] = d;
        }

        for (int i = 0; i < 18; i++)
            id[i] = random_alnum(&s);
        ck_assert_int_eq(ast_lei_check_digits(&id[18], id, 18), AST_ISIN_OK);
        ck_assert_int_eq(ast_lei_validate(id, 20), AST_ISIN_OK);
        pos = (int)(rng_next(&s) % 20);
        char old = id[pos];
        /* same class (digit for digit, letter for letter): a letter <-> digit swap changes
         * the length of the expansion and is caught only with probability 96/97 */
        do
            id[pos] =
                old <= '9' ? (char)('0' + rng_next(&s) % 10) : (char)('A' + rng_next(&s) % 26);
        while (id[pos] == old);
        ck_assert_int_eq(ast_lei_validate(id, 20), AST_ISIN_ERR_CHECK_DIGIT);
        id[pos] = old;
        pos = (int)(rng_next(&s) % 17);
        if (id[pos] != id[pos + 1] && (id[pos] <= '9') == (id[pos + 1] <= '9')) {
            char t = id[pos];
            id[pos] = id[pos + 1];
            id[pos + 1] = t;
            ck_assert_int_eq(ast_lei_validate(id, 20), AST_ISIN_ERR_CHECK_DIGIT);
        }
    }
}
END_TEST

static Suite *isin_suite(void)
{
    Suite *s = suite_create("ast_isin");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_isin_valid);
    tcase_add_test(tc, test_isin_rejects);
    tcase_add_test(tc, test_lei);
    tcase_add_test(tc, test_currency);
    tcase_add_test(tc, test_check_digit_property);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(isin_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
