/* 256-bit arithmetic edge cases (the ones the EVM defines specially) and a randomised
 * cross-check of division against multiplication. FOLIO_TEST_SEED replays. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "ldg_u256.h"

static ldg_u256 H(const char *hex)
{
    ldg_u256 v;
    ck_assert_msg(ldg_u256_from_hex(&v, hex), "bad hex %s", hex);
    return v;
}

static ldg_u256 U(uint64_t v)
{
    return ldg_u256_from_u64(v);
}

#define MAX "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define MIN_SIGNED "0x8000000000000000000000000000000000000000000000000000000000000000"

#define ck_u256_eq(a, b)                                                                           \
    do {                                                                                           \
        char sa_[67], sb_[67];                                                                     \
        ldg_u256_to_hex(sa_, (a));                                                                 \
        ldg_u256_to_hex(sb_, (b));                                                                 \
        ck_assert_msg(ldg_u256_eq((a), (b)), "%s != %s", sa_, sb_);                                \
    } while (0)

START_TEST(test_add_sub_wrap)
{
    ck_u256_eq(ldg_u256_add(H(MAX), U(1)), U(0));
    ck_u256_eq(ldg_u256_sub(U(0), U(1)), H(MAX));
    ck_u256_eq(ldg_u256_add(H("0xffffffffffffffff"), U(1)), H("0x10000000000000000"));
    ck_u256_eq(ldg_u256_mul(H(MAX), H(MAX)), U(1));
    ck_u256_eq(ldg_u256_mul(H("0x100000000000000000000000000000000"),
                            H("0x100000000000000000000000000000000")),
               U(0));
}
END_TEST

START_TEST(test_div_mod)
{
    ck_u256_eq(ldg_u256_div(U(7), U(0)), U(0));
    ck_u256_eq(ldg_u256_mod(U(7), U(0)), U(0));
    ck_u256_eq(ldg_u256_div(H(MAX), U(1)), H(MAX));
    ck_u256_eq(ldg_u256_div(H(MAX), H(MAX)), U(1));
    ck_u256_eq(ldg_u256_mod(H(MAX), H("0x10000000000000000")), H("0xffffffffffffffff"));
    ck_u256_eq(ldg_u256_div(H("0x1000000000000000000000000000000000000000000000000"),
                            H("0x1000000000000000000000001")),
               H("0xffffffffffffffffffffffff"));
    /* Knuth D's rare add-back step: divisor with a high limb just above the estimate. */
    ck_u256_eq(ldg_u256_div(H("0x7fffffffffffffff80000000000000000000000000000000"),
                            H("0x800000000000000000000000000000001")),
               H("0xfffffffffffffff"));
}
END_TEST

START_TEST(test_sdiv_smod)
{
    ldg_u256 m1 = H(MAX);                                        /* -1 */
    ck_u256_eq(ldg_u256_sdiv(H(MIN_SIGNED), m1), H(MIN_SIGNED)); /* overflow wraps */
    ck_u256_eq(ldg_u256_sdiv(ldg_u256_neg(U(7)), U(2)), ldg_u256_neg(U(3)));
    ck_u256_eq(ldg_u256_sdiv(U(7), ldg_u256_neg(U(2))), ldg_u256_neg(U(3)));
    ck_u256_eq(ldg_u256_sdiv(U(7), U(0)), U(0));
    ck_u256_eq(ldg_u256_smod(ldg_u256_neg(U(7)), U(2)), m1); /* sign of the dividend */
    ck_u256_eq(ldg_u256_smod(U(7), ldg_u256_neg(U(2))), U(1));
    ck_u256_eq(ldg_u256_smod(H(MIN_SIGNED), m1), U(0));
    ck_u256_eq(ldg_u256_smod(U(7), U(0)), U(0));
}
END_TEST

START_TEST(test_addmod_mulmod)
{
    ck_u256_eq(ldg_u256_addmod(H(MAX), U(2), U(2)), U(1)); /* 2^256 + 1: 257-bit sum */
    ck_u256_eq(ldg_u256_addmod(H(MAX), H(MAX), H(MAX)), U(0));
    ck_u256_eq(ldg_u256_addmod(U(1), U(2), U(0)), U(0));
    ck_u256_eq(ldg_u256_mulmod(H(MAX), H(MAX), H(MAX)), U(0));
    ck_u256_eq(ldg_u256_mulmod(H(MAX), H(MAX), U(12)), U(9));
    ck_u256_eq(ldg_u256_mulmod(U(5), U(6), U(0)), U(0));
    /* (2^256-1)^2 mod (2^256-2) = 1 */
    ck_u256_eq(ldg_u256_mulmod(H(MAX), H(MAX), ldg_u256_sub(H(MAX), U(1))), U(1));
}
END_TEST

START_TEST(test_exp)
{
    ck_u256_eq(ldg_u256_exp(U(0), U(0)), U(1));
    ck_u256_eq(ldg_u256_exp(U(2), U(255)), H(MIN_SIGNED));
    ck_u256_eq(ldg_u256_exp(U(2), U(256)), U(0));
    ck_u256_eq(ldg_u256_exp(H(MAX), U(2)), U(1));
    ck_u256_eq(ldg_u256_exp(H(MAX), U(3)), H(MAX));
    ck_u256_eq(ldg_u256_exp(U(3), U(5)), U(243));
    ck_assert_uint_eq(ldg_u256_byte_len(U(0)), 0);
    ck_assert_uint_eq(ldg_u256_byte_len(U(256)), 2);
}
END_TEST

START_TEST(test_signextend_byte)
{
    ck_u256_eq(ldg_u256_signextend(U(0), U(0xff)), H(MAX));
    ck_u256_eq(ldg_u256_signextend(U(0), U(0x7f)), U(0x7f));
    ck_u256_eq(ldg_u256_signextend(U(1), U(0x18000)), ldg_u256_neg(U(0x8000)));
    ck_u256_eq(ldg_u256_signextend(U(31), U(0xff)), U(0xff));
    ck_u256_eq(ldg_u256_signextend(H(MAX), U(0xff)), U(0xff));
    ck_u256_eq(ldg_u256_signextend(
                   U(30), H("0x0080000000000000000000000000000000000000000000000000000000000000")),
               H("0xff80000000000000000000000000000000000000000000000000000000000000"));
    ck_u256_eq(ldg_u256_byte(U(31), U(0x1234)), U(0x34));
    ck_u256_eq(ldg_u256_byte(U(30), U(0x1234)), U(0x12));
    ck_u256_eq(ldg_u256_byte(U(0), H(MIN_SIGNED)), U(0x80));
    ck_u256_eq(ldg_u256_byte(U(32), H(MAX)), U(0));
    ck_u256_eq(ldg_u256_byte(H(MAX), H(MAX)), U(0));
}
END_TEST

START_TEST(test_shifts)
{
    ck_u256_eq(ldg_u256_shl(U(1), 255), H(MIN_SIGNED));
    ck_u256_eq(ldg_u256_shl(U(1), 256), U(0));
    ck_u256_eq(ldg_u256_shl(H(MAX), 64),
               H("0xffffffffffffffffffffffffffffffffffffffffffffffff0000000000000000"));
    ck_u256_eq(ldg_u256_shr(H(MIN_SIGNED), 255), U(1));
    ck_u256_eq(ldg_u256_shr(H(MAX), 256), U(0));
    ck_u256_eq(ldg_u256_sar(H(MIN_SIGNED), 255), H(MAX));
    ck_u256_eq(ldg_u256_sar(H(MIN_SIGNED), 256), H(MAX));
    ck_u256_eq(ldg_u256_sar(H(MIN_SIGNED), 1),
               H("0xc000000000000000000000000000000000000000000000000000000000000000"));
    ck_u256_eq(ldg_u256_sar(U(16), 4), U(1));
    ck_u256_eq(ldg_u256_sar(U(16), 300), U(0));
    ck_assert_uint_eq(ldg_u256_shift_count(H(MAX)), 256);
}
END_TEST

START_TEST(test_compare_hex)
{
    ck_assert(ldg_u256_slt(H(MAX), U(0)));
    ck_assert(!ldg_u256_slt(U(0), H(MAX)));
    ck_assert(ldg_u256_lt(U(0), H(MAX)));
    ldg_u256 v;
    ck_assert(!ldg_u256_from_hex(&v, "12"));
    ck_assert(!ldg_u256_from_hex(&v, "0xzz"));
    ck_assert(ldg_u256_from_hex(&v, "0x") && ldg_u256_is_zero(v));
    char s[67];
    ldg_u256_to_hex(s, U(0));
    ck_assert_str_eq(s, "0x0");
    ldg_u256_to_hex(s, U(0xabc));
    ck_assert_str_eq(s, "0xabc");
}
END_TEST

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Random operands with random limb counts: q*b + r == a and r < b. */
START_TEST(test_division_identity_random)
{
    const char *env = getenv("FOLIO_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : 0x5eed256ULL;
    printf("test_division_identity_random: seed=0x%llx\n", (unsigned long long)seed);
    uint64_t s = seed | 1;
    for (int it = 0; it < 200000; it++) {
        ldg_u256 a = U(0), b = U(0), m = U(0);
        int la = 1 + (int)(rng(&s) % 4), lb = 1 + (int)(rng(&s) % 4);
        for (int i = 0; i < la; i++)
            a.w[i] = rng(&s) >> (rng(&s) % 64 == 0 ? 32 : 0);
        for (int i = 0; i < lb; i++)
            b.w[i] = rng(&s) % 4 == 0 ? UINT64_MAX : rng(&s);
        if (ldg_u256_is_zero(b))
            continue;
        ldg_u256 q = ldg_u256_div(a, b), r = ldg_u256_mod(a, b);
        ck_assert(ldg_u256_lt(r, b));
        ck_u256_eq(ldg_u256_add(ldg_u256_mul(q, b), r), a);
        /* mulmod against addmod-by-doubling for a small multiplier. */
        m = b;
        uint64_t k = rng(&s) % 8;
        ldg_u256 acc = U(0);
        for (uint64_t j = 0; j < k; j++)
            acc = ldg_u256_addmod(acc, a, m);
        ck_u256_eq(ldg_u256_mulmod(a, U(k), m), acc);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vm_u256");
    TCase *tc = tcase_create("u256");
    tcase_add_test(tc, test_add_sub_wrap);
    tcase_add_test(tc, test_div_mod);
    tcase_add_test(tc, test_sdiv_smod);
    tcase_add_test(tc, test_addmod_mulmod);
    tcase_add_test(tc, test_exp);
    tcase_add_test(tc, test_signextend_byte);
    tcase_add_test(tc, test_shifts);
    tcase_add_test(tc, test_compare_hex);
    tcase_add_test(tc, test_division_identity_random);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
