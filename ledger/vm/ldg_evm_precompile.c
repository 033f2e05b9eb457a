/* Ethereum precompiles 0x05 modexp (EIP-198, EIP-2565 gas), 0x06..0x08 bn254 add, mul and
 * pairing check (EIP-196, EIP-197, EIP-1108 gas) and 0x09 blake2f (EIP-152). specs/vm.md §5.
 *
 * Big numbers are GMP's mpz. All inputs are public (calldata of a transaction), so nothing
 * here needs to run in constant time; the code aims at being plainly correct. */
#include "ldg_evm_world_int.h"

#include <gmp.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared helpers ---- */

/* len bytes of the input at off, zero-padded past its end (EIP-198/196: short input reads
 * as if followed by zeros). */
static void in_read(const uint8_t *in, size_t n, uint64_t off, uint8_t *dst, size_t len)
{
    memset(dst, 0, len);
    if (off >= n)
        return;
    size_t avail = n - (size_t)off;
    memcpy(dst, in + off, avail < len ? avail : len);
}

static ldg_evm_result fail(void)
{
    return (ldg_evm_result){.status = LDG_EVM_PRECOMPILE_FAILURE};
}

static ldg_evm_result oog(void)
{
    return (ldg_evm_result){.status = LDG_EVM_OUT_OF_GAS};
}

/* Success with gas_left and a copy of out (len may be 0). */
static ldg_evm_result success(int64_t gas_left, const uint8_t *out, size_t len)
{
    ldg_evm_result r = {.status = LDG_EVM_SUCCESS, .gas_left = gas_left};
    if (!len)
        return r;
    r.output_data = malloc(len);
    if (!r.output_data)
        return (ldg_evm_result){.status = LDG_EVM_OUT_OF_MEMORY};
    memcpy(r.output_data, out, len);
    r.output_size = len;
    return r;
}

static void mpz_from_be(mpz_t z, const uint8_t *b, size_t len)
{
    mpz_import(z, len, 1, 1, 1, 0, b);
}

/* z (< 256^len) as len big-endian bytes. */
static void mpz_to_be(uint8_t *b, size_t len, const mpz_t z)
{
    memset(b, 0, len);
    size_t count = (mpz_sizeinbase(z, 2) + 7) / 8;
    if (mpz_sgn(z) == 0 || count > len)
        return;
    mpz_export(b + len - count, NULL, 1, 1, 1, 0, z);
}

/* ---- 0x05 modexp ---- */

/* A 32-byte big-endian length word, saturated at UINT64_MAX. */
static uint64_t len_word(const uint8_t *in, size_t n, uint64_t off)
{
    uint8_t w[32];
    in_read(in, n, off, w, 32);
    for (int i = 0; i < 24; i++)
        if (w[i])
            return UINT64_MAX;
    uint64_t v = 0;
    for (int i = 24; i < 32; i++)
        v = (v << 8) | w[i];
    return v;
}

static unsigned bit_length(const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (b[i])
            return (unsigned)(8 * (len - i) - (size_t)__builtin_clz(b[i]) + 24);
    return 0;
}

/* EIP-2565: max(200, mult_complexity * iteration_count / 3), or -1 when it exceeds
 * any int64 gas (sizes past LDG_EVM_MODEXP_LEN_MAX count as that: see specs/vm.md §5). */
static int64_t modexp_gas(const uint8_t *in, size_t n, uint64_t bs, uint64_t es, uint64_t ms)
{
    uint64_t max = bs > ms ? bs : ms;
    if (max == 0)
        return 200;
    if (max > LDG_EVM_MODEXP_LEN_MAX || es > LDG_EVM_MODEXP_LEN_MAX)
        return -1;
    unsigned __int128 words = (max + 7) / 8, mc = words * words;
    uint8_t head[32];
    size_t hl = es < 32 ? (size_t)es : 32;
    in_read(in, n, 96 + bs, head, hl);
    unsigned bits = bit_length(head, hl);
    unsigned __int128 ic = bits ? bits - 1 : 0;
    if (es > 32)
        ic += 8 * (unsigned __int128)(es - 32);
    if (ic == 0)
        ic = 1;
    unsigned __int128 gas = mc * ic / 3;
    if (gas > INT64_MAX)
        return -1;
    return gas < 200 ? 200 : (int64_t)gas;
}

ldg_evm_result ldg_evm_pc_modexp(const uint8_t *in, size_t n, int64_t gas)
{
    uint64_t bs = len_word(in, n, 0), es = len_word(in, n, 32), ms = len_word(in, n, 64);
    int64_t cost = modexp_gas(in, n, bs, es, ms);
    if (cost < 0 || cost > gas)
        return oog();
    if (ms == 0)
        return success(gas - cost, NULL, 0);
    /* bs, es, ms are at most LDG_EVM_MODEXP_LEN_MAX here (modexp_gas). */
    uint8_t *buf = malloc(bs + es + ms + 1);
    if (!buf)
        return (ldg_evm_result){.status = LDG_EVM_OUT_OF_MEMORY};
    in_read(in, n, 96, buf, bs + es + ms);
    mpz_t b, e, m;
    mpz_inits(b, e, m, NULL);
    mpz_from_be(b, buf, bs);
    mpz_from_be(e, buf + bs, es);
    mpz_from_be(m, buf + bs + es, ms);
    if (mpz_sgn(m) == 0)
        mpz_set_ui(b, 0); /* x mod 0 is 0 by EIP-198 */
    else
        mpz_powm(b, b, e, m);
    mpz_to_be(buf, ms, b);
    ldg_evm_result r = success(gas - cost, buf, ms);
    mpz_clears(b, e, m, NULL);
    free(buf);
    return r;
}

/* ---- 0x09 blake2f ----
 * BLAKE2b's compression function F (RFC 7693 §3.2) with EIP-152's round count. Written
 * here because no library folio can use exports F with a caller-chosen number of rounds:
 * OpenSSL, libsodium, nettle and libb2 only offer the whole hash (12 rounds). */

static const uint64_t BLAKE2B_IV[8] = {0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b,
                                       0xa54ff53a5f1d36f1, 0x510e527fade682d1, 0x9b05688c2b3e6c1f,
                                       0x1f83d9abfb41bd6b, 0x5be0cd19137e2179};

static const uint8_t BLAKE2B_SIGMA[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

static inline uint64_t rotr64(uint64_t x, unsigned k)
{
    return (x >> k) | (x << (64 - k));
}

static inline void blake2b_g(uint64_t v[16], int a, int b, int c, int d, uint64_t x, uint64_t y)
{
    v[a] = v[a] + v[b] + x;
    v[d] = rotr64(v[d] ^ v[a], 32);
    v[c] = v[c] + v[d];
    v[b] = rotr64(v[b] ^ v[c], 24);
    v[a] = v[a] + v[b] + y;
    v[d] = rotr64(v[d] ^ v[a], 16);
    v[c] = v[c] + v[d];
    v[b] = rotr64(v[b] ^ v[c], 63);
}

#define BLAKE2B_ROUND(s)                                                                           \
    do {                                                                                           \
        blake2b_g(v, 0, 4, 8, 12, mm[(s)[0]], mm[(s)[1]]);                                         \
        blake2b_g(v, 1, 5, 9, 13, mm[(s)[2]], mm[(s)[3]]);                                         \
        blake2b_g(v, 2, 6, 10, 14, mm[(s)[4]], mm[(s)[5]]);                                        \
        blake2b_g(v, 3, 7, 11, 15, mm[(s)[6]], mm[(s)[7]]);                                        \
        blake2b_g(v, 0, 5, 10, 15, mm[(s)[8]], mm[(s)[9]]);                                        \
        blake2b_g(v, 1, 6, 11, 12, mm[(s)[10]], mm[(s)[11]]);                                      \
        blake2b_g(v, 2, 7, 8, 13, mm[(s)[12]], mm[(s)[13]]);                                       \
        blake2b_g(v, 3, 4, 9, 14, mm[(s)[14]], mm[(s)[15]]);                                       \
    } while (0)

/* Rounds go ten at a time with the schedule unrolled, so the message words are indexed by
 * constants and stay in registers: EIP-152 allows 2^32 - 1 rounds for as many gas, and
 * ethereum/tests has such a call (stTimeConsuming/CALLBlake2f_MaxRounds). */
void ldg_blake2b_f(uint64_t h[8], const uint64_t m[16], const uint64_t t[2], bool last,
                   uint32_t rounds)
{
    uint64_t v[16], mm[16];
    memcpy(mm, m, sizeof mm);
    for (int i = 0; i < 8; i++) {
        v[i] = h[i];
        v[i + 8] = BLAKE2B_IV[i];
    }
    v[12] ^= t[0];
    v[13] ^= t[1];
    if (last)
        v[14] = ~v[14];
    uint32_t r = 0;
    for (; rounds - r >= 10; r += 10) {
#pragma GCC unroll 10
        for (int k = 0; k < 10; k++)
            BLAKE2B_ROUND(BLAKE2B_SIGMA[k]);
    }
    for (; r < rounds; r++)
        BLAKE2B_ROUND(BLAKE2B_SIGMA[r % 10]);
    for (int i = 0; i < 8; i++)
        h[i] ^= v[i] ^ v[i + 8];
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* EIP-152: exactly 213 bytes: rounds (4, big-endian), h (8×8), m (16×8), t (2×8), all
 * little-endian, and the final-block flag (1 byte, 0 or 1). Gas: one per round. */
ldg_evm_result ldg_evm_pc_blake2f(const uint8_t *in, size_t n, int64_t gas)
{
    if (n != 213 || in[212] > 1)
        return fail();
    uint32_t rounds = (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
    if ((int64_t)rounds > gas)
        return oog();
    uint64_t h[8], m[16], t[2];
    for (int i = 0; i < 8; i++)
        h[i] = le64(in + 4 + 8 * i);
    for (int i = 0; i < 16; i++)
        m[i] = le64(in + 68 + 8 * i);
    t[0] = le64(in + 196);
    t[1] = le64(in + 204);
    ldg_blake2b_f(h, m, t, in[212] == 1, rounds);
    uint8_t out[64];
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++)
            out[8 * i + j] = (uint8_t)(h[i] >> (8 * j));
    return success(gas - rounds, out, 64);
}

/* ---- bn254 (alt_bn128) ----
 * Field Fp, its extension Fp2 = Fp[i]/(i² + 1), and Fp12 as py_ecc's bn128 module builds
 * it: Fp[w]/(w¹² − 18w⁶ + 82), where w⁶ = ξ = 9 + i. G1: y² = x³ + 3 over Fp. G2: the
 * twist y² = x³ + 3/ξ over Fp2; a twist point (x, y) is the Fp12 point (x·w², y·w³).
 * Pairing: the optimal ate Miller loop (loop count 6u + 2) with the two Frobenius steps,
 * then the final exponentiation to (p¹² − 1)/r, computed as one plain power: slower than
 * the cyclotomic tricks, but each step is the definition. G1 arithmetic reuses the Fp2
 * code with zero imaginary parts (Fp is a subfield). Points are affine. */

#define BN_P "21888242871839275222246405745257275088696311157297823662689037894645226208583"
#define BN_R "21888242871839275222246405745257275088548364400416034343698204186575808495617"
#define BN_ATE_LOOP "29793968203157093288" /* 6u + 2, u = 4965661367192848881 */

typedef struct {
    mpz_t c0, c1; /* c0 + c1·i */
} fp2;

typedef struct {
    fp2 x, y;
    bool inf;
} bn_point;

typedef struct {
    mpz_t c[12];
} fp12;

typedef struct {
    mpz_t p, r, ate, final_exp;
    fp2 b1, b2;         /* curve constants: 3 and 3/ξ */
    fp2 frob_x, frob_y; /* ξ^((p−1)/3), ξ^((p−1)/2): the Frobenius on twist points */
    mpz_t t[23], u0, u1, u2;
} bn_ctx;

static void fp2_init(fp2 *a)
{
    mpz_inits(a->c0, a->c1, NULL);
}

static void fp2_clear(fp2 *a)
{
    mpz_clears(a->c0, a->c1, NULL);
}

static void fp2_set(fp2 *r, const fp2 *a)
{
    mpz_set(r->c0, a->c0);
    mpz_set(r->c1, a->c1);
}

static bool fp2_eq(const fp2 *a, const fp2 *b)
{
    return mpz_cmp(a->c0, b->c0) == 0 && mpz_cmp(a->c1, b->c1) == 0;
}

static bool fp2_is_zero(const fp2 *a)
{
    return mpz_sgn(a->c0) == 0 && mpz_sgn(a->c1) == 0;
}

static void fp2_add(bn_ctx *k, fp2 *r, const fp2 *a, const fp2 *b)
{
    mpz_add(r->c0, a->c0, b->c0);
    mpz_mod(r->c0, r->c0, k->p);
    mpz_add(r->c1, a->c1, b->c1);
    mpz_mod(r->c1, r->c1, k->p);
}

static void fp2_sub(bn_ctx *k, fp2 *r, const fp2 *a, const fp2 *b)
{
    mpz_sub(r->c0, a->c0, b->c0);
    mpz_mod(r->c0, r->c0, k->p);
    mpz_sub(r->c1, a->c1, b->c1);
    mpz_mod(r->c1, r->c1, k->p);
}

static void fp2_neg(bn_ctx *k, fp2 *r, const fp2 *a)
{
    mpz_neg(r->c0, a->c0);
    mpz_mod(r->c0, r->c0, k->p);
    mpz_neg(r->c1, a->c1);
    mpz_mod(r->c1, r->c1, k->p);
}

static void fp2_conj(bn_ctx *k, fp2 *r, const fp2 *a)
{
    mpz_set(r->c0, a->c0);
    mpz_neg(r->c1, a->c1);
    mpz_mod(r->c1, r->c1, k->p);
}

/* (a0 + a1 i)(b0 + b1 i) = a0b0 − a1b1 + (a0b1 + a1b0) i; r may alias a or b. */
static void fp2_mul(bn_ctx *k, fp2 *r, const fp2 *a, const fp2 *b)
{
    mpz_mul(k->u0, a->c0, b->c0);
    mpz_mul(k->u1, a->c1, b->c1);
    mpz_mul(k->u2, a->c0, b->c1);
    mpz_addmul(k->u2, a->c1, b->c0);
    mpz_sub(k->u0, k->u0, k->u1);
    mpz_mod(r->c0, k->u0, k->p);
    mpz_mod(r->c1, k->u2, k->p);
}

static void fp2_mul_ui(bn_ctx *k, fp2 *r, const fp2 *a, unsigned long s)
{
    mpz_mul_ui(r->c0, a->c0, s);
    mpz_mod(r->c0, r->c0, k->p);
    mpz_mul_ui(r->c1, a->c1, s);
    mpz_mod(r->c1, r->c1, k->p);
}

/* 1/a = conj(a) / (a0² + a1²); false for a = 0. */
static bool fp2_inv(bn_ctx *k, fp2 *r, const fp2 *a)
{
    mpz_mul(k->u0, a->c0, a->c0);
    mpz_addmul(k->u0, a->c1, a->c1);
    mpz_mod(k->u0, k->u0, k->p);
    if (!mpz_invert(k->u0, k->u0, k->p))
        return false;
    mpz_mul(r->c0, a->c0, k->u0);
    mpz_mod(r->c0, r->c0, k->p);
    mpz_mul(r->c1, a->c1, k->u0);
    mpz_neg(r->c1, r->c1);
    mpz_mod(r->c1, r->c1, k->p);
    return true;
}

static void fp2_pow(bn_ctx *k, fp2 *r, const fp2 *a, const mpz_t e)
{
    fp2 acc;
    fp2_init(&acc);
    mpz_set_ui(acc.c0, 1);
    for (long i = (long)mpz_sizeinbase(e, 2) - 1; i >= 0; i--) {
        fp2_mul(k, &acc, &acc, &acc);
        if (mpz_tstbit(e, (mp_bitcnt_t)i))
            fp2_mul(k, &acc, &acc, a);
    }
    fp2_set(r, &acc);
    fp2_clear(&acc);
}

static void pt_init(bn_point *a)
{
    fp2_init(&a->x);
    fp2_init(&a->y);
    a->inf = true;
}

static void pt_clear(bn_point *a)
{
    fp2_clear(&a->x);
    fp2_clear(&a->y);
}

static void pt_set(bn_point *r, const bn_point *a)
{
    fp2_set(&r->x, &a->x);
    fp2_set(&r->y, &a->y);
    r->inf = a->inf;
}

static bool pt_on_curve(bn_ctx *k, const bn_point *a, const fp2 *b)
{
    if (a->inf)
        return true;
    fp2 l, rr;
    fp2_init(&l);
    fp2_init(&rr);
    fp2_mul(k, &l, &a->y, &a->y);
    fp2_mul(k, &rr, &a->x, &a->x);
    fp2_mul(k, &rr, &rr, &a->x);
    fp2_add(k, &rr, &rr, b);
    bool ok = fp2_eq(&l, &rr);
    fp2_clear(&l);
    fp2_clear(&rr);
    return ok;
}

/* The slope λ of the line through a and b (the tangent if a == b); false if vertical. */
static bool pt_slope(bn_ctx *k, fp2 *lambda, const bn_point *a, const bn_point *b)
{
    fp2 num, den;
    fp2_init(&num);
    fp2_init(&den);
    bool ok;
    if (!fp2_eq(&a->x, &b->x)) {
        fp2_sub(k, &num, &b->y, &a->y);
        fp2_sub(k, &den, &b->x, &a->x);
    } else if (fp2_eq(&a->y, &b->y)) {
        fp2_mul(k, &num, &a->x, &a->x);
        fp2_mul_ui(k, &num, &num, 3);
        fp2_add(k, &den, &a->y, &a->y);
    }
    ok = !fp2_is_zero(&den) && fp2_inv(k, &den, &den);
    if (ok)
        fp2_mul(k, lambda, &num, &den);
    fp2_clear(&num);
    fp2_clear(&den);
    return ok;
}

/* r = a + b on y² = x³ + b (any b: the slope formulas do not use it); r may alias. */
static void pt_add(bn_ctx *k, bn_point *r, const bn_point *a, const bn_point *b)
{
    if (a->inf) {
        pt_set(r, b);
        return;
    }
    if (b->inf) {
        pt_set(r, a);
        return;
    }
    fp2 lambda, x3, y3;
    fp2_init(&lambda);
    fp2_init(&x3);
    fp2_init(&y3);
    if (!pt_slope(k, &lambda, a, b)) {
        r->inf = true; /* a == −b */
    } else {
        fp2_mul(k, &x3, &lambda, &lambda);
        fp2_sub(k, &x3, &x3, &a->x);
        fp2_sub(k, &x3, &x3, &b->x);
        fp2_sub(k, &y3, &a->x, &x3);
        fp2_mul(k, &y3, &y3, &lambda);
        fp2_sub(k, &y3, &y3, &a->y);
        fp2_set(&r->x, &x3);
        fp2_set(&r->y, &y3);
        r->inf = false;
    }
    fp2_clear(&lambda);
    fp2_clear(&x3);
    fp2_clear(&y3);
}

static void pt_mul(bn_ctx *k, bn_point *r, const bn_point *a, const mpz_t s)
{
    bn_point acc;
    pt_init(&acc);
    for (long i = (long)mpz_sizeinbase(s, 2) - 1; i >= 0; i--) {
        pt_add(k, &acc, &acc, &acc);
        if (mpz_tstbit(s, (mp_bitcnt_t)i))
            pt_add(k, &acc, &acc, a);
    }
    pt_set(r, &acc);
    pt_clear(&acc);
}

static void fp12_init(fp12 *a)
{
    for (int i = 0; i < 12; i++)
        mpz_init(a->c[i]);
}

static void fp12_clear(fp12 *a)
{
    for (int i = 0; i < 12; i++)
        mpz_clear(a->c[i]);
}

static void fp12_one(fp12 *a)
{
    for (int i = 0; i < 12; i++)
        mpz_set_ui(a->c[i], i == 0);
}

static bool fp12_is_one(const fp12 *a)
{
    for (int i = 0; i < 12; i++)
        if (mpz_cmp_ui(a->c[i], i == 0) != 0)
            return false;
    return true;
}

/* Schoolbook product, then w^j = w^(j−12)·(18w⁶ − 82) from the top down; r may alias. */
static void fp12_mul(bn_ctx *k, fp12 *r, const fp12 *a, const fp12 *b)
{
    for (int i = 0; i < 23; i++)
        mpz_set_ui(k->t[i], 0);
    for (int i = 0; i < 12; i++) {
        if (mpz_sgn(a->c[i]) == 0)
            continue;
        for (int j = 0; j < 12; j++)
            mpz_addmul(k->t[i + j], a->c[i], b->c[j]);
    }
    for (int j = 22; j >= 12; j--) {
        if (mpz_sgn(k->t[j]) == 0)
            continue;
        mpz_mod(k->t[j], k->t[j], k->p);
        mpz_addmul_ui(k->t[j - 6], k->t[j], 18);
        mpz_submul_ui(k->t[j - 12], k->t[j], 82);
    }
    for (int i = 0; i < 12; i++)
        mpz_mod(r->c[i], k->t[i], k->p);
}

static void fp12_pow(bn_ctx *k, fp12 *r, const fp12 *a, const mpz_t e)
{
    fp12 acc;
    fp12_init(&acc);
    fp12_one(&acc);
    for (long i = (long)mpz_sizeinbase(e, 2) - 1; i >= 0; i--) {
        fp12_mul(k, &acc, &acc, &acc);
        if (mpz_tstbit(e, (mp_bitcnt_t)i))
            fp12_mul(k, &acc, &acc, a);
    }
    for (int i = 0; i < 12; i++)
        mpz_set(r->c[i], acc.c[i]);
    fp12_clear(&acc);
}

/* Adds c·w^s to l, c in Fp2 embedded as (c0 − 9c1) + c1·w⁶ (since i = w⁶ − 9); s ≤ 5. */
static void fp12_put(bn_ctx *k, fp12 *l, int s, const fp2 *c)
{
    mpz_submul_ui(l->c[s], c->c1, 9);
    mpz_add(l->c[s], l->c[s], c->c0);
    mpz_mod(l->c[s], l->c[s], k->p);
    mpz_add(l->c[s + 6], l->c[s + 6], c->c1);
    mpz_mod(l->c[s + 6], l->c[s + 6], k->p);
}

/* The line through twist points a and b (tangent if equal) evaluated at the G1 point
 * (xp, yp), in Fp12. With X = x·w², Y = y·w³ the slope is λ·w and the line is
 * −yp + xp·λ·w + (ya − λ·xa)·w³; a vertical line is xp − xa·w². */
static void line_eval(bn_ctx *k, fp12 *l, const bn_point *a, const bn_point *b, const mpz_t xp,
                      const mpz_t yp)
{
    fp2 lambda, t;
    fp2_init(&lambda);
    fp2_init(&t);
    for (int i = 0; i < 12; i++)
        mpz_set_ui(l->c[i], 0);
    if (a->inf || b->inf) {
        mpz_set_ui(l->c[0], 1); /* unreachable for points of order r; keeps it defined */
    } else if (pt_slope(k, &lambda, a, b)) {
        mpz_neg(l->c[0], yp);
        mpz_mod(l->c[0], l->c[0], k->p);
        mpz_mul(t.c0, lambda.c0, xp);
        mpz_mul(t.c1, lambda.c1, xp);
        mpz_mod(t.c0, t.c0, k->p);
        mpz_mod(t.c1, t.c1, k->p);
        fp12_put(k, l, 1, &t);
        fp2_mul(k, &t, &lambda, &a->x);
        fp2_sub(k, &t, &a->y, &t);
        fp12_put(k, l, 3, &t);
    } else {
        mpz_set(l->c[0], xp);
        fp2_neg(k, &t, &a->x);
        fp12_put(k, l, 2, &t);
    }
    fp2_clear(&lambda);
    fp2_clear(&t);
}

/* π(x, y) = (conj(x)·ξ^((p−1)/3), conj(y)·ξ^((p−1)/2)): the p-power Frobenius of the Fp12
 * point (x·w², y·w³), written back on the twist. */
static void pt_frobenius(bn_ctx *k, bn_point *r, const bn_point *a)
{
    fp2_conj(k, &r->x, &a->x);
    fp2_mul(k, &r->x, &r->x, &k->frob_x);
    fp2_conj(k, &r->y, &a->y);
    fp2_mul(k, &r->y, &r->y, &k->frob_y);
    r->inf = a->inf;
}

/* f *= the Miller loop of the twist point q and the G1 point (xp, yp). */
static void miller_loop(bn_ctx *k, fp12 *f, const bn_point *q, const mpz_t xp, const mpz_t yp)
{
    bn_point r, q1, q2;
    fp12 l, g;
    pt_init(&r);
    pt_init(&q1);
    pt_init(&q2);
    fp12_init(&l);
    fp12_init(&g);
    fp12_one(&g);
    pt_set(&r, q);
    for (long i = (long)mpz_sizeinbase(k->ate, 2) - 2; i >= 0; i--) {
        line_eval(k, &l, &r, &r, xp, yp);
        fp12_mul(k, &g, &g, &g);
        fp12_mul(k, &g, &g, &l);
        pt_add(k, &r, &r, &r);
        if (mpz_tstbit(k->ate, (mp_bitcnt_t)i)) {
            line_eval(k, &l, &r, q, xp, yp);
            fp12_mul(k, &g, &g, &l);
            pt_add(k, &r, &r, q);
        }
    }
    pt_frobenius(k, &q1, q);
    pt_frobenius(k, &q2, &q1);
    fp2_neg(k, &q2.y, &q2.y);
    line_eval(k, &l, &r, &q1, xp, yp);
    fp12_mul(k, &g, &g, &l);
    pt_add(k, &r, &r, &q1);
    line_eval(k, &l, &r, &q2, xp, yp);
    fp12_mul(k, &g, &g, &l);
    fp12_mul(k, f, f, &g);
    pt_clear(&r);
    pt_clear(&q1);
    pt_clear(&q2);
    fp12_clear(&l);
    fp12_clear(&g);
}

static void bn_init(bn_ctx *k)
{
    mpz_init_set_str(k->p, BN_P, 10);
    mpz_init_set_str(k->r, BN_R, 10);
    mpz_init_set_str(k->ate, BN_ATE_LOOP, 10);
    mpz_inits(k->final_exp, k->u0, k->u1, k->u2, NULL);
    for (int i = 0; i < 23; i++)
        mpz_init(k->t[i]);
    fp2_init(&k->b1);
    fp2_init(&k->b2);
    fp2_init(&k->frob_x);
    fp2_init(&k->frob_y);
    mpz_set_ui(k->b1.c0, 3);
    /* b2 = 3/ξ */
    fp2 xi;
    fp2_init(&xi);
    mpz_set_ui(xi.c0, 9);
    mpz_set_ui(xi.c1, 1);
    fp2_inv(k, &k->b2, &xi);
    fp2_mul(k, &k->b2, &k->b2, &k->b1);
    mpz_t e;
    mpz_init(e);
    mpz_sub_ui(e, k->p, 1);
    mpz_divexact_ui(e, e, 3);
    fp2_pow(k, &k->frob_x, &xi, e);
    mpz_sub_ui(e, k->p, 1);
    mpz_divexact_ui(e, e, 2);
    fp2_pow(k, &k->frob_y, &xi, e);
    mpz_pow_ui(e, k->p, 12);
    mpz_sub_ui(e, e, 1);
    mpz_divexact(k->final_exp, e, k->r);
    mpz_clear(e);
    fp2_clear(&xi);
}

static void bn_free(bn_ctx *k)
{
    mpz_clears(k->p, k->r, k->ate, k->final_exp, k->u0, k->u1, k->u2, NULL);
    for (int i = 0; i < 23; i++)
        mpz_clear(k->t[i]);
    fp2_clear(&k->b1);
    fp2_clear(&k->b2);
    fp2_clear(&k->frob_x);
    fp2_clear(&k->frob_y);
}

/* An Fp element: 32 bytes, below p. */
static bool fp_read(bn_ctx *k, mpz_t z, const uint8_t *b)
{
    mpz_from_be(z, b, 32);
    return mpz_cmp(z, k->p) < 0;
}

/* A G1 point (x, y), (0, 0) being the point at infinity; false if not on the curve. */
static bool g1_read(bn_ctx *k, bn_point *a, const uint8_t b[64])
{
    mpz_set_ui(a->x.c1, 0);
    mpz_set_ui(a->y.c1, 0);
    if (!fp_read(k, a->x.c0, b) || !fp_read(k, a->y.c0, b + 32))
        return false;
    a->inf = mpz_sgn(a->x.c0) == 0 && mpz_sgn(a->y.c0) == 0;
    return pt_on_curve(k, a, &k->b1);
}

/* A G2 point as EIP-197 encodes it: x's imaginary part, x's real part, then y's; all zero
 * is the point at infinity. false unless on the twist and of order r. */
static bool g2_read(bn_ctx *k, bn_point *a, const uint8_t b[128])
{
    if (!fp_read(k, a->x.c1, b) || !fp_read(k, a->x.c0, b + 32) || !fp_read(k, a->y.c1, b + 64) ||
        !fp_read(k, a->y.c0, b + 96))
        return false;
    a->inf = fp2_is_zero(&a->x) && fp2_is_zero(&a->y);
    if (a->inf)
        return true;
    if (!pt_on_curve(k, a, &k->b2))
        return false;
    bn_point t;
    pt_init(&t);
    pt_mul(k, &t, a, k->r);
    bool ok = t.inf;
    pt_clear(&t);
    return ok;
}

static ldg_evm_result g1_result(int64_t gas_left, const bn_point *a)
{
    uint8_t out[64] = {0};
    if (!a->inf) {
        mpz_to_be(out, 32, a->x.c0);
        mpz_to_be(out + 32, 32, a->y.c0);
    }
    return success(gas_left, out, 64);
}

/* 0x06: EIP-196 addition, 150 gas (EIP-1108). */
ldg_evm_result ldg_evm_pc_bn_add(const uint8_t *in, size_t n, int64_t gas)
{
    if (gas < 150)
        return oog();
    uint8_t buf[128];
    in_read(in, n, 0, buf, sizeof buf);
    bn_ctx k;
    bn_init(&k);
    bn_point a, b;
    pt_init(&a);
    pt_init(&b);
    ldg_evm_result r = fail();
    if (g1_read(&k, &a, buf) && g1_read(&k, &b, buf + 64)) {
        pt_add(&k, &a, &a, &b);
        r = g1_result(gas - 150, &a);
    }
    pt_clear(&a);
    pt_clear(&b);
    bn_free(&k);
    return r;
}

/* 0x07: EIP-196 scalar multiplication (any 256-bit scalar), 6000 gas (EIP-1108). */
ldg_evm_result ldg_evm_pc_bn_mul(const uint8_t *in, size_t n, int64_t gas)
{
    if (gas < 6000)
        return oog();
    uint8_t buf[96];
    in_read(in, n, 0, buf, sizeof buf);
    bn_ctx k;
    bn_init(&k);
    bn_point a;
    pt_init(&a);
    mpz_t s;
    mpz_init(s);
    ldg_evm_result r = fail();
    if (g1_read(&k, &a, buf)) {
        mpz_from_be(s, buf + 64, 32);
        pt_mul(&k, &a, &a, s);
        r = g1_result(gas - 6000, &a);
    }
    mpz_clear(s);
    pt_clear(&a);
    bn_free(&k);
    return r;
}

/* 0x08: EIP-197 pairing check over 192-byte (G1, G2) pairs: 1 if the product of the
 * pairings is 1, else 0. 45000 + 34000 per pair (EIP-1108). */
ldg_evm_result ldg_evm_pc_bn_pairing(const uint8_t *in, size_t n, int64_t gas)
{
    if (n % 192)
        return fail();
    size_t pairs = n / 192;
    if ((uint64_t)gas < 45000 || ((uint64_t)gas - 45000) / 34000 < pairs)
        return oog();
    int64_t cost = 45000 + 34000 * (int64_t)pairs;
    bn_ctx k;
    bn_init(&k);
    bn_point a, b;
    pt_init(&a);
    pt_init(&b);
    fp12 f;
    fp12_init(&f);
    fp12_one(&f);
    bool ok = true;
    for (size_t i = 0; ok && i < pairs; i++) {
        ok = g1_read(&k, &a, in + 192 * i) && g2_read(&k, &b, in + 192 * i + 64);
        if (ok && !a.inf && !b.inf)
            miller_loop(&k, &f, &b, a.x.c0, a.y.c0);
    }
    ldg_evm_result r = fail();
    if (ok) {
        fp12_pow(&k, &f, &f, k.final_exp);
        uint8_t out[32] = {0};
        out[31] = fp12_is_one(&f);
        r = success(gas - cost, out, 32);
    }
    fp12_clear(&f);
    pt_clear(&a);
    pt_clear(&b);
    bn_free(&k);
    return r;
}
