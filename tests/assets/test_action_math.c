/* Unit tests for assets/ast_action_math: dividends, pro-rata allocation, splits and cash
 * in lieu, worked by hand, every rejection, and seeded conservation properties (prints the
 * seed, takes FOLIO_TEST_SEED). */
#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast_action_math.h"
#include "ldg_limits.h"

typedef unsigned __int128 u128;

static uint64_t test_seed(void)
{
    const char *env = getenv("FOLIO_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : 0xac7105eedULL;
    printf("test_action_math: seed=0x%" PRIx64 " (replay with FOLIO_TEST_SEED)\n", seed);
    return seed;
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

#define ck_array_eq(got, want, n)                                                                  \
    do {                                                                                           \
        for (size_t i_ = 0; i_ < (n); i_++)                                                        \
            ck_assert_msg((got)[i_] == (want)[i_], "index %zu: %" PRIu64 " != %" PRIu64, i_,       \
                          (uint64_t)(got)[i_], (uint64_t)(want)[i_]);                              \
    } while (0)

START_TEST(test_dividend)
{
    const uint64_t h[] = {100, 250, 0, 1};
    uint64_t a[4], total = 0;
    ck_assert_int_eq(ast_dividend_allocate(a, &total, h, 4, 35), AST_ACTION_OK);
    const uint64_t want[] = {3500, 8750, 0, 35};
    ck_array_eq(a, want, 4);
    ck_assert_uint_eq(total, 12285);
    ck_assert_int_eq(ast_dividend_allocate(NULL, &total, NULL, 0, 35), AST_ACTION_OK);
    ck_assert_uint_eq(total, 0);
    /* exact at the top: (2^64-1) * 1 */
    const uint64_t top[] = {UINT64_MAX, 0};
    ck_assert_int_eq(ast_dividend_allocate(a, &total, top, 2, 1), AST_ACTION_OK);
    ck_assert_uint_eq(total, UINT64_MAX);
}
END_TEST

START_TEST(test_dividend_rejects)
{
    uint64_t a[2], total = 77;
    const uint64_t h[] = {10, 20};
    ck_assert_int_eq(ast_dividend_allocate(a, &total, h, 2, 0), AST_ACTION_ERR_AMOUNT);
    const uint64_t big[] = {UINT64_MAX / 2 + 1};
    ck_assert_int_eq(ast_dividend_allocate(a, &total, big, 1, 2), AST_ACTION_ERR_OVERFLOW);
    const uint64_t two[] = {UINT64_MAX / 2 + 1, UINT64_MAX / 2 + 1};
    ck_assert_int_eq(ast_dividend_allocate(a, &total, two, 2, 1), AST_ACTION_ERR_OVERFLOW);
    ck_assert_uint_eq(total, 77);
}
END_TEST

START_TEST(test_pro_rata)
{
    uint64_t a[4], rem = 99;
    const uint64_t thirds[] = {1, 1, 1};
    ck_assert_int_eq(ast_pro_rata_allocate(a, &rem, thirds, 3, 1000), AST_ACTION_OK);
    const uint64_t w1[] = {333, 333, 333};
    ck_array_eq(a, w1, 3);
    ck_assert_uint_eq(rem, 1);
    /* 7 over 2:3:5 -> 1.4, 2.1, 3.5 -> 1, 2, 3, remainder 1 */
    const uint64_t h[] = {2, 3, 0, 5};
    ck_assert_int_eq(ast_pro_rata_allocate(a, &rem, h, 4, 7), AST_ACTION_OK);
    const uint64_t w2[] = {1, 2, 0, 3};
    ck_array_eq(a, w2, 4);
    ck_assert_uint_eq(rem, 1);
    /* exact division leaves nothing */
    ck_assert_int_eq(ast_pro_rata_allocate(a, &rem, h, 4, 1000), AST_ACTION_OK);
    const uint64_t w3[] = {200, 300, 0, 500};
    ck_array_eq(a, w3, 4);
    ck_assert_uint_eq(rem, 0);
    /* 128-bit intermediates: total * holding would overflow 64 bits */
    const uint64_t huge[] = {UINT64_MAX - 1, 1};
    ck_assert_int_eq(ast_pro_rata_allocate(a, &rem, huge, 2, UINT64_MAX), AST_ACTION_OK);
    ck_assert_uint_eq(a[0], UINT64_MAX - 1);
    ck_assert_uint_eq(a[1], 1);
    ck_assert_uint_eq(rem, 0);
    /* a total smaller than the number of holders: everything may go to the issuer */
    const uint64_t many[] = {1, 1, 1, 1};
    ck_assert_int_eq(ast_pro_rata_allocate(a, &rem, many, 4, 3), AST_ACTION_OK);
    const uint64_t w4[] = {0, 0, 0, 0};
    ck_array_eq(a, w4, 4);
    ck_assert_uint_eq(rem, 3);
}
END_TEST

START_TEST(test_pro_rata_rejects)
{
    uint64_t a[2], rem = 55;
    const uint64_t h[] = {1, 2};
    ck_assert_int_eq(ast_pro_rata_allocate(a, &rem, h, 2, 0), AST_ACTION_ERR_AMOUNT);
    const uint64_t zero[] = {0, 0};
    ck_assert_int_eq(ast_pro_rata_allocate(a, &rem, zero, 2, 10), AST_ACTION_ERR_NO_HOLDINGS);
    ck_assert_int_eq(ast_pro_rata_allocate(NULL, &rem, NULL, 0, 10), AST_ACTION_ERR_NO_HOLDINGS);
    const uint64_t over[] = {UINT64_MAX, 1};
    ck_assert_int_eq(ast_pro_rata_allocate(a, &rem, over, 2, 10), AST_ACTION_ERR_OVERFLOW);
    ck_assert_uint_eq(rem, 55);
}
END_TEST

START_TEST(test_split_forward)
{
    /* 3:2 over 1, 3, 5, 10: 1.5, 4.5, 7.5, 15 -> 1, 4, 7, 15 with fractions 1/2 each for
     * the first three. before 19, after floor(57/2) = 28, holders 27, issuer 1. */
    const uint64_t h[] = {1, 3, 5, 10};
    uint64_t n[4], f[4];
    ast_split_totals t;
    ck_assert_int_eq(ast_split_apply(n, f, &t, h, 4, 3, 2), AST_ACTION_OK);
    const uint64_t wn[] = {1, 4, 7, 15}, wf[] = {1, 1, 1, 0};
    ck_array_eq(n, wn, 4);
    ck_array_eq(f, wf, 4);
    ck_assert_uint_eq(t.before, 19);
    ck_assert_uint_eq(t.after, 28);
    ck_assert_uint_eq(t.holders_after, 27);
    ck_assert_uint_eq(t.issuer, 1);
    /* 2:1 is exact */
    ck_assert_int_eq(ast_split_apply(n, NULL, &t, h, 4, 2, 1), AST_ACTION_OK);
    const uint64_t w2[] = {2, 6, 10, 20};
    ck_array_eq(n, w2, 4);
    ck_assert_uint_eq(t.after, 38);
    ck_assert_uint_eq(t.issuer, 0);
}
END_TEST

START_TEST(test_split_reverse_and_cash_in_lieu)
{
    /* 1:10 over 5, 15, 25, 100: 0.5, 1.5, 2.5, 10 -> 0, 1, 2, 10; before 145, after 14,
     * holders 13, the three halves aggregate to 1 share (plus half a share not issued). */
    const uint64_t h[] = {5, 15, 25, 100};
    uint64_t n[4], f[4], cash[4], cash_total = 0;
    ast_split_totals t;
    ck_assert_int_eq(ast_split_apply(n, f, &t, h, 4, 1, 10), AST_ACTION_OK);
    const uint64_t wn[] = {0, 1, 2, 10}, wf[] = {5, 5, 5, 0};
    ck_array_eq(n, wn, 4);
    ck_array_eq(f, wf, 4);
    ck_assert_uint_eq(t.before, 145);
    ck_assert_uint_eq(t.after, 14);
    ck_assert_uint_eq(t.holders_after, 13);
    ck_assert_uint_eq(t.issuer, 1);
    /* half a new share at 20.00 is 10.00 each */
    ck_assert_int_eq(ast_split_cash_in_lieu(cash, &cash_total, f, 4, 10, 2000), AST_ACTION_OK);
    const uint64_t wc[] = {1000, 1000, 1000, 0};
    ck_array_eq(cash, wc, 4);
    ck_assert_uint_eq(cash_total, 3000);
    /* 1:3 leaves thirds: 1/3 of 1.00 is 0.33, 2/3 is 0.66 (rounded down) */
    const uint64_t h3[] = {1, 2, 3};
    ck_assert_int_eq(ast_split_apply(n, f, &t, h3, 3, 1, 3), AST_ACTION_OK);
    const uint64_t wn3[] = {0, 0, 1}, wf3[] = {1, 2, 0};
    ck_array_eq(n, wn3, 3);
    ck_array_eq(f, wf3, 3);
    ck_assert_uint_eq(t.after, 2);
    ck_assert_uint_eq(t.issuer, 1);
    ck_assert_int_eq(ast_split_cash_in_lieu(cash, &cash_total, f, 3, 3, 100), AST_ACTION_OK);
    const uint64_t wc3[] = {33, 66, 0};
    ck_array_eq(cash, wc3, 3);
    ck_assert_uint_eq(cash_total, 99);
}
END_TEST

START_TEST(test_split_rejects)
{
    const uint64_t h[] = {10, 20};
    uint64_t n[2], f[2], cash[2], total = 9;
    ast_split_totals t = {1, 2, 3, 4};
    ck_assert_int_eq(ast_split_apply(n, f, &t, h, 2, 0, 5), AST_ACTION_ERR_RATIO);
    ck_assert_int_eq(ast_split_apply(n, f, &t, h, 2, 5, 0), AST_ACTION_ERR_RATIO);
    ck_assert_int_eq(ast_split_apply(n, f, &t, h, 2, 0, 0), AST_ACTION_ERR_RATIO);
    const uint64_t over[] = {UINT64_MAX, 1};
    ck_assert_int_eq(ast_split_apply(n, f, &t, over, 2, 1, 1), AST_ACTION_ERR_OVERFLOW);
    const uint64_t cap[] = {LDG_QUANTITY_MAX / 2, LDG_QUANTITY_MAX / 2};
    ck_assert_int_eq(ast_split_apply(n, f, &t, cap, 2, 1, 1), AST_ACTION_OK);
    ck_assert_uint_eq(t.after, LDG_QUANTITY_MAX);
    ck_assert_int_eq(ast_split_apply(n, f, &t, cap, 2, 3, 2), AST_ACTION_ERR_QUANTITY_MAX);
    const uint64_t big[] = {UINT64_MAX};
    ck_assert_int_eq(ast_split_apply(n, f, &t, big, 1, 2, 1), AST_ACTION_ERR_QUANTITY_MAX);
    /* extreme ratios stay exact in 128 bits */
    ck_assert_int_eq(ast_split_apply(n, f, &t, big, 1, UINT64_MAX, UINT64_MAX - 1),
                     AST_ACTION_ERR_QUANTITY_MAX);
    ck_assert_int_eq(ast_split_apply(n, f, &t, big, 1, 1, UINT64_MAX), AST_ACTION_OK);
    ck_assert_uint_eq(n[0], 1);
    ck_assert_uint_eq(f[0], 0);
    ck_assert_int_eq(ast_split_apply(n, f, &t, big, 1, 2, UINT64_MAX), AST_ACTION_OK);
    ck_assert_uint_eq(n[0], 2);
    const uint64_t holdings_max[] = {LDG_QUANTITY_MAX};
    ck_assert_int_eq(ast_split_apply(n, f, &t, holdings_max, 1, UINT64_MAX, UINT64_MAX),
                     AST_ACTION_OK);
    ck_assert_uint_eq(n[0], LDG_QUANTITY_MAX);
    t = (ast_split_totals){1, 2, 3, 4};
    ck_assert_int_eq(ast_split_apply(n, f, &t, h, 2, 0, 1), AST_ACTION_ERR_RATIO);
    ck_assert_uint_eq(t.before, 1); /* untouched on failure */
    /* cash in lieu */
    const uint64_t fr[] = {1, 2};
    ck_assert_int_eq(ast_split_cash_in_lieu(cash, &total, fr, 2, 0, 100), AST_ACTION_ERR_RATIO);
    ck_assert_int_eq(ast_split_cash_in_lieu(cash, &total, fr, 2, 3, 0), AST_ACTION_ERR_AMOUNT);
    const uint64_t fmax[] = {UINT64_MAX - 1, UINT64_MAX - 1};
    ck_assert_int_eq(ast_split_cash_in_lieu(cash, &total, fmax, 2, UINT64_MAX, UINT64_MAX),
                     AST_ACTION_ERR_OVERFLOW);
    ck_assert_uint_eq(total, 9);
    ck_assert_int_eq(ast_split_cash_in_lieu(cash, &total, fmax, 1, UINT64_MAX, UINT64_MAX),
                     AST_ACTION_OK);
    ck_assert_uint_eq(total, UINT64_MAX - 1);
    for (int e = 0; e <= AST_ACTION_ERR_QUANTITY_MAX; e++)
        ck_assert_ptr_nonnull(ast_action_err_str((ast_action_err)e));
}
END_TEST

/* Random holdings with a mix of magnitudes: zeros, small, and large. */
static size_t random_holdings(uint64_t *h, size_t cap, uint64_t *s, uint64_t sum_max)
{
    size_t n = (size_t)(rng_next(s) % cap);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t v;
        switch (rng_next(s) % 4) {
        case 0:
            v = 0;
            break;
        case 1:
            v = rng_next(s) % 100;
            break;
        case 2:
            v = rng_next(s) % 1000000007ULL;
            break;
        default:
            v = rng_next(s) >> (rng_next(s) % 64);
            break;
        }
        if (v > sum_max - sum)
            v = (sum_max - sum) / 2;
        h[i] = v;
        sum += v;
    }
    return n;
}

START_TEST(test_conservation_property)
{
    uint64_t s = test_seed() | 1;
    enum { CAP = 64 };
    uint64_t h[CAP], a[CAP], f[CAP], cash[CAP];
    for (int it = 0; it < 20000; it++) {
        size_t n = random_holdings(h, CAP, &s, it % 2 ? UINT64_MAX : LDG_QUANTITY_MAX / 32);
        u128 before = 0;
        size_t nonzero = 0;
        for (size_t i = 0; i < n; i++) {
            before += h[i];
            nonzero += h[i] != 0;
        }
        /* pro rata: exact split, each share rounded down, remainder < nonzero holders */
        uint64_t total = 1 + rng_next(&s) % (it % 2 ? 1000 : UINT64_MAX), rem;
        ast_action_err err = ast_pro_rata_allocate(a, &rem, h, n, total);
        if (before == 0) {
            ck_assert_int_eq(err, AST_ACTION_ERR_NO_HOLDINGS);
        } else {
            ck_assert_int_eq(err, AST_ACTION_OK);
            u128 paid = rem;
            for (size_t i = 0; i < n; i++) {
                paid += a[i];
                ck_assert((u128)a[i] * before <= (u128)total * h[i]);
                ck_assert(((u128)a[i] + 1) * before > (u128)total * h[i]);
            }
            ck_assert(paid == total);
            ck_assert_uint_lt(rem, nonzero);
        }
        /* split: per-holder identity and the conservation rule */
        uint64_t rn = 1 + rng_next(&s) % (it % 3 ? 20 : UINT64_MAX);
        uint64_t rd = 1 + rng_next(&s) % (it % 5 ? 20 : UINT64_MAX);
        ast_split_totals t;
        err = ast_split_apply(a, f, &t, h, n, rn, rd);
        u128 after = before * rn / rd;
        if (after > LDG_QUANTITY_MAX) {
            ck_assert_int_eq(err, AST_ACTION_ERR_QUANTITY_MAX);
            continue;
        }
        ck_assert_int_eq(err, AST_ACTION_OK);
        ck_assert(t.before == before && t.after == after);
        u128 holders = 0, fsum = 0;
        for (size_t i = 0; i < n; i++) {
            ck_assert((u128)a[i] * rd + f[i] == (u128)h[i] * rn);
            ck_assert_uint_lt(f[i], rd);
            holders += a[i];
            fsum += f[i];
        }
        ck_assert(t.holders_after == holders);
        ck_assert(t.holders_after + t.issuer == t.after);
        ck_assert(t.issuer == fsum / rd);
        /* cash in lieu: each amount is floor(f * price / rd) < price */
        uint64_t price = 1 + rng_next(&s) % 1000000, cash_total;
        ck_assert_int_eq(ast_split_cash_in_lieu(cash, &cash_total, f, n, rd, price), AST_ACTION_OK);
        u128 csum = 0;
        for (size_t i = 0; i < n; i++) {
            ck_assert((u128)cash[i] * rd <= (u128)f[i] * price);
            ck_assert(((u128)cash[i] + 1) * rd > (u128)f[i] * price);
            csum += cash[i];
        }
        ck_assert(csum == cash_total);
    }
}
END_TEST

START_TEST(test_dividend_property)
{
    uint64_t s = test_seed() | 1;
    enum { CAP = 64 };
    uint64_t h[CAP], a[CAP];
    for (int it = 0; it < 20000; it++) {
        size_t n = random_holdings(h, CAP, &s, UINT64_MAX);
        uint64_t per_share = 1 + (rng_next(&s) >> (rng_next(&s) % 64)) % UINT64_MAX, total;
        ast_action_err err = ast_dividend_allocate(a, &total, h, n, per_share);
        u128 want = 0;
        bool overflow = false;
        for (size_t i = 0; i < n; i++) {
            u128 x = (u128)h[i] * per_share;
            overflow |= x > UINT64_MAX;
            if (!overflow)
                want += x; /* stays < 2^70: no 128-bit overflow */
        }
        overflow |= want > UINT64_MAX;
        if (overflow) {
            ck_assert_int_eq(err, AST_ACTION_ERR_OVERFLOW);
            continue;
        }
        ck_assert_int_eq(err, AST_ACTION_OK);
        ck_assert(total == want);
        for (size_t i = 0; i < n; i++)
            ck_assert(a[i] == (u128)h[i] * per_share);
    }
}
END_TEST

static Suite *action_suite(void)
{
    Suite *s = suite_create("ast_action_math");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_dividend);
    tcase_add_test(tc, test_dividend_rejects);
    tcase_add_test(tc, test_pro_rata);
    tcase_add_test(tc, test_pro_rata_rejects);
    tcase_add_test(tc, test_split_forward);
    tcase_add_test(tc, test_split_reverse_and_cash_in_lieu);
    tcase_add_test(tc, test_split_rejects);
    tcase_add_test(tc, test_conservation_property);
    tcase_add_test(tc, test_dividend_property);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(action_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
