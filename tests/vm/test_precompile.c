/* Precompiles 0x05..0x09 (ledger/vm/ldg_evm_precompile.c) on known answers: the EIPs'
 * examples, BLAKE2b's F against OpenSSL's whole BLAKE2b-512, and bn254 identities. Random
 * inputs against independent implementations: tests/e2e/evm_diff_precompiles.sh. */
#include <check.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldg_evm_world_int.h"

static size_t unhex(uint8_t *out, const char *hex)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void expect_output(ldg_evm_result *r, const char *hex)
{
    uint8_t want[512];
    size_t n = unhex(want, hex);
    ck_assert_int_eq(r->status, LDG_EVM_SUCCESS);
    ck_assert_uint_eq(r->output_size, n);
    ck_assert(n == 0 || memcmp(r->output_data, want, n) == 0);
    ldg_evm_result_release(r);
}

#define G1_X "0000000000000000000000000000000000000000000000000000000000000001"
#define G1_Y "0000000000000000000000000000000000000000000000000000000000000002"
/* 2·G1 */
#define G1_2X "030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3"
#define G1_2Y "15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4"
/* −G1: y = p − 2 */
#define G1_NY "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd45"
/* The G2 generator, EIP-197 order: x imaginary, x real, y imaginary, y real. */
#define G2                                                                                         \
    "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"                             \
    "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"                             \
    "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"                             \
    "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa"

START_TEST(test_bn_add_and_mul)
{
    uint8_t in[192];
    size_t n = unhex(in, G1_X G1_Y G1_X G1_Y);
    ldg_evm_result r = ldg_evm_pc_bn_add(in, n, 1000);
    ck_assert_int_eq(r.gas_left, 850);
    expect_output(&r, G1_2X G1_2Y);
    n = unhex(in, G1_X G1_Y "0000000000000000000000000000000000000000000000000000000000000002");
    r = ldg_evm_pc_bn_mul(in, n, 6000);
    ck_assert_int_eq(r.gas_left, 0);
    expect_output(&r, G1_2X G1_2Y);
    /* P + (−P) is the point at infinity, encoded as zeros */
    n = unhex(in, G1_X G1_Y G1_X G1_NY);
    r = ldg_evm_pc_bn_add(in, n, 150);
    expect_output(&r, "0000000000000000000000000000000000000000000000000000000000000000"
                      "0000000000000000000000000000000000000000000000000000000000000000");
    /* empty input: infinity + infinity */
    r = ldg_evm_pc_bn_add(NULL, 0, 150);
    expect_output(&r, "0000000000000000000000000000000000000000000000000000000000000000"
                      "0000000000000000000000000000000000000000000000000000000000000000");
}
END_TEST

START_TEST(test_bn_rejects)
{
    uint8_t in[192];
    /* (1, 3) is not on the curve */
    size_t n = unhex(in, G1_X "0000000000000000000000000000000000000000000000000000000000000003");
    ldg_evm_result r = ldg_evm_pc_bn_mul(in, n, 100000);
    ck_assert_int_eq(r.status, LDG_EVM_PRECOMPILE_FAILURE);
    ck_assert_int_eq(r.gas_left, 0);
    /* a coordinate equal to p */
    n = unhex(in, "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47" G1_Y);
    r = ldg_evm_pc_bn_add(in, n, 100000);
    ck_assert_int_eq(r.status, LDG_EVM_PRECOMPILE_FAILURE);
    /* not enough gas */
    n = unhex(in, G1_X G1_Y);
    r = ldg_evm_pc_bn_add(in, n, 149);
    ck_assert_int_eq(r.status, LDG_EVM_OUT_OF_GAS);
    /* pairing input not a multiple of 192 bytes */
    r = ldg_evm_pc_bn_pairing(in, 64, 1000000);
    ck_assert_int_eq(r.status, LDG_EVM_PRECOMPILE_FAILURE);
    /* a twist point off the curve: G2 with y's real part changed */
    n = unhex(in, G1_X G1_Y G2);
    in[191] ^= 1;
    r = ldg_evm_pc_bn_pairing(in, n, 1000000);
    ck_assert_int_eq(r.status, LDG_EVM_PRECOMPILE_FAILURE);
}
END_TEST

START_TEST(test_bn_pairing)
{
    uint8_t in[2 * 192];
    /* e(P, Q)·e(−P, Q) = 1 */
    size_t n = unhex(in, G1_X G1_Y G2 G1_X G1_NY G2);
    ldg_evm_result r = ldg_evm_pc_bn_pairing(in, n, 200000);
    ck_assert_int_eq(r.gas_left, 200000 - 45000 - 2 * 34000);
    expect_output(&r, "0000000000000000000000000000000000000000000000000000000000000001");
    /* e(P, Q)·e(P, Q) ≠ 1 */
    n = unhex(in, G1_X G1_Y G2 G1_X G1_Y G2);
    r = ldg_evm_pc_bn_pairing(in, n, 200000);
    expect_output(&r, "0000000000000000000000000000000000000000000000000000000000000000");
    /* e(2P, Q)·e(−P, Q)·e(−P, Q) = 1 needs bilinearity, not only the inverse */
    uint8_t in3[3 * 192];
    n = unhex(in3, G1_2X G1_2Y G2 G1_X G1_NY G2 G1_X G1_NY G2);
    r = ldg_evm_pc_bn_pairing(in3, n, 200000);
    expect_output(&r, "0000000000000000000000000000000000000000000000000000000000000001");
    /* no pairs: 1 */
    r = ldg_evm_pc_bn_pairing(NULL, 0, 45000);
    expect_output(&r, "0000000000000000000000000000000000000000000000000000000000000001");
    r = ldg_evm_pc_bn_pairing(NULL, 0, 44999);
    ck_assert_int_eq(r.status, LDG_EVM_OUT_OF_GAS);
}
END_TEST

START_TEST(test_modexp)
{
    uint8_t in[256];
    /* EIP-198's first example: 3^(p−1) mod p = 1 for the secp256k1 field prime p */
    size_t n = unhex(in, "0000000000000000000000000000000000000000000000000000000000000001"
                         "0000000000000000000000000000000000000000000000000000000000000020"
                         "0000000000000000000000000000000000000000000000000000000000000020"
                         "03"
                         "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e"
                         "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f");
    ldg_evm_result r = ldg_evm_pc_modexp(in, n, 100000);
    /* EIP-2565: words 4, 16 · 255 / 3 = 1360 */
    ck_assert_int_eq(r.gas_left, 100000 - 1360);
    expect_output(&r, "0000000000000000000000000000000000000000000000000000000000000001");
    /* EIP-198's second example: modulus 0 gives zero bytes */
    n = unhex(in, "0000000000000000000000000000000000000000000000000000000000000000"
                  "0000000000000000000000000000000000000000000000000000000000000020"
                  "0000000000000000000000000000000000000000000000000000000000000020"
                  "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e");
    r = ldg_evm_pc_modexp(in, n, 100000);
    expect_output(&r, "0000000000000000000000000000000000000000000000000000000000000000");
    /* 7^3 mod 10 = 3, truncated input: the modulus byte is missing → modulus 0 → 0 */
    n = unhex(in, "0000000000000000000000000000000000000000000000000000000000000001"
                  "0000000000000000000000000000000000000000000000000000000000000001"
                  "0000000000000000000000000000000000000000000000000000000000000001"
                  "07030a");
    r = ldg_evm_pc_modexp(in, n, 200);
    ck_assert_int_eq(r.gas_left, 0);
    expect_output(&r, "03");
    r = ldg_evm_pc_modexp(in, n - 1, 200);
    expect_output(&r, "00");
    r = ldg_evm_pc_modexp(in, n, 199);
    ck_assert_int_eq(r.status, LDG_EVM_OUT_OF_GAS);
    /* huge exponent length with empty base and modulus: 200 gas, empty output */
    n = unhex(in, "0000000000000000000000000000000000000000000000000000000000000000"
                  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
                  "0000000000000000000000000000000000000000000000000000000000000000");
    r = ldg_evm_pc_modexp(in, n, 200);
    expect_output(&r, "");
    /* huge modulus length: out of gas, nothing allocated */
    n = unhex(in, "0000000000000000000000000000000000000000000000000000000000000001"
                  "0000000000000000000000000000000000000000000000000000000000000001"
                  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    r = ldg_evm_pc_modexp(in, n, INT64_MAX);
    ck_assert_int_eq(r.status, LDG_EVM_OUT_OF_GAS);
}
END_TEST

/* EIP-152's test vector 5: F of BLAKE2b("abc") with 12 rounds. */
START_TEST(test_blake2f_eip152)
{
    uint8_t in[213];
    size_t n =
        unhex(in, "0000000c48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182"
                  "e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b6162630000000000"
                  "0000000000000000000000000000000000000000000000000000000000000000000000000000"
                  "0000000000000000000000000000000000000000000000000000000000000000000000000000"
                  "0000000000000000000000000000000000000000000000000000000000000000000000000000"
                  "0000000000000300000000000000000000000000000001");
    ck_assert_uint_eq(n, 213);
    ldg_evm_result r = ldg_evm_pc_blake2f(in, n, 12);
    ck_assert_int_eq(r.gas_left, 0);
    expect_output(&r, "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab"
                      "792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
    r = ldg_evm_pc_blake2f(in, n, 11);
    ck_assert_int_eq(r.status, LDG_EVM_OUT_OF_GAS);
    in[212] = 2; /* final-block flag must be 0 or 1 */
    r = ldg_evm_pc_blake2f(in, n, 100);
    ck_assert_int_eq(r.status, LDG_EVM_PRECOMPILE_FAILURE);
    r = ldg_evm_pc_blake2f(in, n - 1, 100);
    ck_assert_int_eq(r.status, LDG_EVM_PRECOMPILE_FAILURE);
}
END_TEST

/* One-block BLAKE2b-512 through F (12 rounds) equals OpenSSL's BLAKE2b-512, for every
 * message length 0..128. */
START_TEST(test_blake2f_matches_openssl)
{
    static const uint64_t iv[8] = {0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b,
                                   0xa54ff53a5f1d36f1, 0x510e527fade682d1, 0x9b05688c2b3e6c1f,
                                   0x1f83d9abfb41bd6b, 0x5be0cd19137e2179};
    uint8_t msg[128];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 37 + 11);
    for (size_t len = 0; len <= 128; len++) {
        uint64_t h[8], m[16] = {0}, t[2] = {len, 0};
        memcpy(h, iv, sizeof h);
        h[0] ^= 0x01010000 ^ 64; /* parameter block: digest 64, no key, fanout/depth 1 */
        for (size_t i = 0; i < len; i++)
            m[i / 8] |= (uint64_t)msg[i] << (8 * (i % 8));
        ldg_blake2b_f(h, m, t, true, 12);
        uint8_t got[64], want[64];
        for (int i = 0; i < 64; i++)
            got[i] = (uint8_t)(h[i / 8] >> (8 * (i % 8)));
        unsigned wl = 0;
        ck_assert(EVP_Digest(msg, len, want, &wl, EVP_blake2b512(), NULL));
        ck_assert_uint_eq(wl, 64);
        ck_assert_msg(memcmp(got, want, 64) == 0, "length %zu", len);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vm_precompile");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_bn_add_and_mul);
    tcase_add_test(tc, test_bn_rejects);
    tcase_add_test(tc, test_bn_pairing);
    tcase_add_test(tc, test_modexp);
    tcase_add_test(tc, test_blake2f_eip152);
    tcase_add_test(tc, test_blake2f_matches_openssl);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
