/* 256-bit arithmetic: long division (Knuth, TAOCP vol. 2, 4.3.1, algorithm D) on 64-bit
 * limbs with unsigned __int128 products, and the EVM operations built on it. */
#include "ldg_u256.h"

#include "ldg_assert.h"

#include <string.h>

ldg_u256 ldg_u256_from_be_short(const uint8_t *b, size_t len)
{
    LDG_ASSERT(len <= 32);
    uint8_t buf[32] = {0};
    memcpy(buf + 32 - len, b, len);
    return ldg_u256_from_be(buf);
}

unsigned ldg_u256_bit_len(ldg_u256 a)
{
    for (int i = 3; i >= 0; i--)
        if (a.w[i])
            return (unsigned)(i * 64 + 64 - __builtin_clzll(a.w[i]));
    return 0;
}

/* Limbs in use (index of the highest non-zero limb + 1). */
static int limb_count(const uint64_t *x, int n)
{
    while (n > 0 && x[n - 1] == 0)
        n--;
    return n;
}

/* (hi·2^64 + lo) / d and the remainder, for hi < d (the quotient fits 64 bits): one divq
 * on x86-64 instead of libgcc's general 128-bit division. */
static inline uint64_t udiv128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem)
{
#if defined(__x86_64__)
    uint64_t q, r;
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
    *rem = r;
    return q;
#else
    unsigned __int128 n = ((unsigned __int128)hi << 64) | lo;
    *rem = (uint64_t)(n % d);
    return (uint64_t)(n / d);
#endif
}

/* Quotient and remainder of u (m limbs, m <= 8) by v (n limbs, 1 <= n <= 4, v[n-1] != 0).
 * q receives m - n + 1 limbs (or 1 when m < n), r receives n limbs. */
static void divmod_limbs(const uint64_t *u, int m, const uint64_t *v, int n, uint64_t *q,
                         uint64_t *r)
{
    LDG_ASSERT(n >= 1 && n <= 4 && m <= 8 && v[n - 1] != 0);
    if (m < n) {
        q[0] = 0;
        for (int i = 0; i < n; i++)
            r[i] = i < m ? u[i] : 0;
        return;
    }
    if (n == 1) {
        uint64_t rem = 0;
        for (int i = m - 1; i >= 0; i--)
            q[i] = udiv128(rem, u[i], v[0], &rem);
        r[0] = rem;
        return;
    }
    /* Normalise so the divisor's top bit is set; the numerator gains one limb. */
    int s = __builtin_clzll(v[n - 1]);
    uint64_t vn[4], un[9];
    for (int i = n - 1; i > 0; i--)
        vn[i] = (v[i] << s) | (s ? v[i - 1] >> (64 - s) : 0);
    vn[0] = v[0] << s;
    un[m] = s ? u[m - 1] >> (64 - s) : 0;
    for (int i = m - 1; i > 0; i--)
        un[i] = (u[i] << s) | (s ? u[i - 1] >> (64 - s) : 0);
    un[0] = u[0] << s;

    for (int j = m - n; j >= 0; j--) {
        /* qhat = min(top two limbs / vn[n-1], 2^64 - 1); un[j+n] <= vn[n-1] always, and
         * equality is the case whose quotient would not fit 64 bits. */
        uint64_t qhat, rhat;
        bool rhat_big = false; /* rhat >= 2^64: the correction test below cannot hold */
        if (un[j + n] >= vn[n - 1]) {
            qhat = UINT64_MAX;
            unsigned __int128 rh = (unsigned __int128)un[j + n - 1] + vn[n - 1];
            rhat = (uint64_t)rh;
            rhat_big = (rh >> 64) != 0;
        } else {
            qhat = udiv128(un[j + n], un[j + n - 1], vn[n - 1], &rhat);
        }
        while (!rhat_big && (unsigned __int128)qhat * vn[n - 2] >
                                (((unsigned __int128)rhat << 64) | un[j + n - 2])) {
            qhat--;
            unsigned __int128 rh = (unsigned __int128)rhat + vn[n - 1];
            rhat = (uint64_t)rh;
            rhat_big = (rh >> 64) != 0;
        }
        /* Multiply and subtract qhat * vn from un[j .. j+n]. */
        __int128 borrow = 0, t;
        for (int i = 0; i < n; i++) {
            unsigned __int128 p = (unsigned __int128)qhat * vn[i];
            t = (__int128)un[i + j] - borrow - (__int128)(uint64_t)p;
            un[i + j] = (uint64_t)t;
            borrow = (__int128)(uint64_t)(p >> 64) - (t >> 64);
        }
        t = (__int128)un[j + n] - borrow;
        un[j + n] = (uint64_t)t;
        q[j] = qhat;
        if (t < 0) {
            /* qhat was one too large: add the divisor back. */
            q[j]--;
            unsigned __int128 c = 0;
            for (int i = 0; i < n; i++) {
                c += (unsigned __int128)un[i + j] + vn[i];
                un[i + j] = (uint64_t)c;
                c >>= 64;
            }
            un[j + n] += (uint64_t)c;
        }
    }
    for (int i = 0; i < n - 1; i++)
        r[i] = (un[i] >> s) | (s ? un[i + 1] << (64 - s) : 0);
    r[n - 1] = un[n - 1] >> s;
}

/* a / b and a % b for b != 0. */
static void divmod256(ldg_u256 a, ldg_u256 b, ldg_u256 *q, ldg_u256 *r)
{
    uint64_t qq[8] = {0}, rr[4] = {0};
    int n = limb_count(b.w, 4);
    int m = limb_count(a.w, 4);
    LDG_ASSERT(n > 0);
    divmod_limbs(a.w, m, b.w, n, qq, rr);
    if (q)
        *q = (ldg_u256){{qq[0], qq[1], qq[2], qq[3]}};
    if (r)
        *r = (ldg_u256){{rr[0], rr[1], rr[2], rr[3]}};
}

ldg_u256 ldg_u256_div(ldg_u256 a, ldg_u256 b)
{
    if (ldg_u256_is_zero(b))
        return ldg_u256_zero();
    if (ldg_u256_fits_u64(a) && ldg_u256_fits_u64(b))
        return ldg_u256_from_u64(a.w[0] / b.w[0]);
    ldg_u256 q;
    divmod256(a, b, &q, NULL);
    return q;
}

ldg_u256 ldg_u256_mod(ldg_u256 a, ldg_u256 b)
{
    if (ldg_u256_is_zero(b))
        return ldg_u256_zero();
    if (ldg_u256_fits_u64(a) && ldg_u256_fits_u64(b))
        return ldg_u256_from_u64(a.w[0] % b.w[0]);
    ldg_u256 r;
    divmod256(a, b, NULL, &r);
    return r;
}

static ldg_u256 abs256(ldg_u256 a)
{
    return ldg_u256_is_neg(a) ? ldg_u256_neg(a) : a;
}

ldg_u256 ldg_u256_sdiv(ldg_u256 a, ldg_u256 b)
{
    if (ldg_u256_is_zero(b))
        return ldg_u256_zero();
    /* -2^255 / -1 overflows back to -2^255, which the wrapping negation gives for free. */
    ldg_u256 q = ldg_u256_div(abs256(a), abs256(b));
    return ldg_u256_is_neg(a) != ldg_u256_is_neg(b) ? ldg_u256_neg(q) : q;
}

ldg_u256 ldg_u256_smod(ldg_u256 a, ldg_u256 b)
{
    if (ldg_u256_is_zero(b))
        return ldg_u256_zero();
    /* The result takes the sign of the dividend. */
    ldg_u256 r = ldg_u256_mod(abs256(a), abs256(b));
    return ldg_u256_is_neg(a) ? ldg_u256_neg(r) : r;
}

ldg_u256 ldg_u256_addmod(ldg_u256 a, ldg_u256 b, ldg_u256 m)
{
    if (ldg_u256_is_zero(m))
        return ldg_u256_zero();
    bool carry;
    ldg_u256 s = ldg_u256_add_carry(a, b, &carry);
    uint64_t u[5] = {s.w[0], s.w[1], s.w[2], s.w[3], carry ? 1 : 0};
    uint64_t q[8], r[4] = {0};
    divmod_limbs(u, limb_count(u, 5), m.w, limb_count(m.w, 4), q, r);
    return (ldg_u256){{r[0], r[1], r[2], r[3]}};
}

ldg_u256 ldg_u256_mulmod(ldg_u256 a, ldg_u256 b, ldg_u256 m)
{
    if (ldg_u256_is_zero(m))
        return ldg_u256_zero();
    uint64_t p[8] = {0};
    for (int i = 0; i < 4; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < 4; j++) {
            unsigned __int128 t = (unsigned __int128)a.w[i] * b.w[j] + p[i + j] + carry;
            p[i + j] = (uint64_t)t;
            carry = (uint64_t)(t >> 64);
        }
        p[i + 4] = carry;
    }
    uint64_t q[8], r[4] = {0};
    divmod_limbs(p, limb_count(p, 8), m.w, limb_count(m.w, 4), q, r);
    return (ldg_u256){{r[0], r[1], r[2], r[3]}};
}

ldg_u256 ldg_u256_exp(ldg_u256 base, ldg_u256 exponent)
{
    ldg_u256 result = ldg_u256_from_u64(1);
    unsigned bits = ldg_u256_bit_len(exponent);
    for (unsigned i = 0; i < bits; i++) {
        if ((exponent.w[i / 64] >> (i % 64)) & 1)
            result = ldg_u256_mul(result, base);
        base = ldg_u256_mul(base, base);
    }
    return result;
}

ldg_u256 ldg_u256_byte(ldg_u256 index, ldg_u256 x)
{
    if (!ldg_u256_fits_u64(index) || index.w[0] >= 32)
        return ldg_u256_zero();
    unsigned from_low = 31 - (unsigned)index.w[0];
    return ldg_u256_from_u64((x.w[from_low / 8] >> (8 * (from_low % 8))) & 0xff);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool ldg_u256_from_hex(ldg_u256 *out, const char *hex)
{
    if (hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X'))
        return false;
    hex += 2;
    size_t len = strlen(hex);
    while (len > 64 && *hex == '0') {
        hex++;
        len--;
    }
    if (len > 64)
        return false;
    ldg_u256 r = ldg_u256_zero();
    for (size_t i = 0; i < len; i++) {
        int d = hex_digit(hex[i]);
        if (d < 0)
            return false;
        r = ldg_u256_or(ldg_u256_shl(r, 4), ldg_u256_from_u64((uint64_t)d));
    }
    *out = r;
    return true;
}

void ldg_u256_to_hex(char *out, ldg_u256 a)
{
    static const char digits[] = "0123456789abcdef";
    out[0] = '0';
    out[1] = 'x';
    unsigned nibbles = (ldg_u256_bit_len(a) + 3) / 4;
    if (nibbles == 0)
        nibbles = 1;
    for (unsigned i = 0; i < nibbles; i++) {
        unsigned k = nibbles - 1 - i;
        out[2 + i] = digits[(a.w[k / 16] >> (4 * (k % 16))) & 0xf];
    }
    out[2 + nibbles] = '\0';
}
