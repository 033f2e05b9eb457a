/* 256-bit unsigned integers for the EVM: four 64-bit limbs, least significant first.
 * Arithmetic wraps modulo 2^256 exactly as the EVM defines it; the signed operations
 * (SDIV, SMOD, SLT, SGT, SAR, SIGNEXTEND) read the value as two's complement.
 * Pure functions on values: no allocation, no global state. The short hot operations
 * are inline here; division, modular and exponentiation live in ldg_u256.c. */
#ifndef LDG_U256_H
#define LDG_U256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ldg_u256 {
    uint64_t w[4]; /* w[0] least significant */
} ldg_u256;

static inline ldg_u256 ldg_u256_from_u64(uint64_t v)
{
    return (ldg_u256){{v, 0, 0, 0}};
}

static inline ldg_u256 ldg_u256_zero(void)
{
    return (ldg_u256){{0, 0, 0, 0}};
}

static inline ldg_u256 ldg_u256_max(void)
{
    return (ldg_u256){{UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}};
}

static inline bool ldg_u256_is_zero(ldg_u256 a)
{
    return (a.w[0] | a.w[1] | a.w[2] | a.w[3]) == 0;
}

static inline bool ldg_u256_eq(ldg_u256 a, ldg_u256 b)
{
    return ((a.w[0] ^ b.w[0]) | (a.w[1] ^ b.w[1]) | (a.w[2] ^ b.w[2]) | (a.w[3] ^ b.w[3])) == 0;
}

/* True if a fits in 64 bits. */
static inline bool ldg_u256_fits_u64(ldg_u256 a)
{
    return (a.w[1] | a.w[2] | a.w[3]) == 0;
}

static inline bool ldg_u256_lt(ldg_u256 a, ldg_u256 b)
{
    for (int i = 3; i >= 0; i--)
        if (a.w[i] != b.w[i])
            return a.w[i] < b.w[i];
    return false;
}

static inline bool ldg_u256_is_neg(ldg_u256 a)
{
    return (a.w[3] >> 63) != 0;
}

static inline bool ldg_u256_slt(ldg_u256 a, ldg_u256 b)
{
    bool na = ldg_u256_is_neg(a), nb = ldg_u256_is_neg(b);
    if (na != nb)
        return na;
    return ldg_u256_lt(a, b);
}

static inline ldg_u256 ldg_u256_add(ldg_u256 a, ldg_u256 b)
{
    ldg_u256 r;
    unsigned long long c = 0;
    for (int i = 0; i < 4; i++) {
        unsigned long long s;
        unsigned long long c1 = __builtin_uaddll_overflow(a.w[i], b.w[i], &s);
        unsigned long long c2 = __builtin_uaddll_overflow(s, c, &s);
        r.w[i] = s;
        c = c1 | c2;
    }
    return r;
}

/* a + b, setting *carry to the bit that did not fit. */
static inline ldg_u256 ldg_u256_add_carry(ldg_u256 a, ldg_u256 b, bool *carry)
{
    ldg_u256 r;
    unsigned long long c = 0;
    for (int i = 0; i < 4; i++) {
        unsigned long long s;
        unsigned long long c1 = __builtin_uaddll_overflow(a.w[i], b.w[i], &s);
        unsigned long long c2 = __builtin_uaddll_overflow(s, c, &s);
        r.w[i] = s;
        c = c1 | c2;
    }
    *carry = c != 0;
    return r;
}

static inline ldg_u256 ldg_u256_sub(ldg_u256 a, ldg_u256 b)
{
    ldg_u256 r;
    unsigned long long br = 0;
    for (int i = 0; i < 4; i++) {
        unsigned long long d;
        unsigned long long b1 = __builtin_usubll_overflow(a.w[i], b.w[i], &d);
        unsigned long long b2 = __builtin_usubll_overflow(d, br, &d);
        r.w[i] = d;
        br = b1 | b2;
    }
    return r;
}

static inline ldg_u256 ldg_u256_neg(ldg_u256 a)
{
    return ldg_u256_sub(ldg_u256_zero(), a);
}

static inline ldg_u256 ldg_u256_mul(ldg_u256 a, ldg_u256 b)
{
    /* Schoolbook, keeping only the low four limbs. */
    uint64_t r[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        uint64_t carry = 0;
        for (int j = 0; i + j < 4; j++) {
            unsigned __int128 p = (unsigned __int128)a.w[i] * b.w[j] + r[i + j] + carry;
            r[i + j] = (uint64_t)p;
            carry = (uint64_t)(p >> 64);
        }
    }
    return (ldg_u256){{r[0], r[1], r[2], r[3]}};
}

static inline ldg_u256 ldg_u256_and(ldg_u256 a, ldg_u256 b)
{
    return (ldg_u256){{a.w[0] & b.w[0], a.w[1] & b.w[1], a.w[2] & b.w[2], a.w[3] & b.w[3]}};
}

static inline ldg_u256 ldg_u256_or(ldg_u256 a, ldg_u256 b)
{
    return (ldg_u256){{a.w[0] | b.w[0], a.w[1] | b.w[1], a.w[2] | b.w[2], a.w[3] | b.w[3]}};
}

static inline ldg_u256 ldg_u256_xor(ldg_u256 a, ldg_u256 b)
{
    return (ldg_u256){{a.w[0] ^ b.w[0], a.w[1] ^ b.w[1], a.w[2] ^ b.w[2], a.w[3] ^ b.w[3]}};
}

static inline ldg_u256 ldg_u256_not(ldg_u256 a)
{
    return (ldg_u256){{~a.w[0], ~a.w[1], ~a.w[2], ~a.w[3]}};
}

/* Big-endian 32 bytes <-> value (the EVM's memory and storage byte order). */
static inline ldg_u256 ldg_u256_from_be(const uint8_t b[32])
{
    ldg_u256 r;
    for (int i = 0; i < 4; i++) {
        uint64_t v = 0;
        for (int k = 0; k < 8; k++)
            v = (v << 8) | b[(3 - i) * 8 + k];
        r.w[i] = v;
    }
    return r;
}

static inline void ldg_u256_to_be(uint8_t out[32], ldg_u256 a)
{
    for (int i = 0; i < 4; i++) {
        uint64_t v = a.w[i];
        for (int k = 7; k >= 0; k--) {
            out[(3 - i) * 8 + k] = (uint8_t)v;
            v >>= 8;
        }
    }
}

/* Value of up to 32 big-endian bytes (shorter input is the low end). */
ldg_u256 ldg_u256_from_be_short(const uint8_t *b, size_t len);

/* Number of significant bits (0 for zero) and bytes. */
unsigned ldg_u256_bit_len(ldg_u256 a);
static inline unsigned ldg_u256_byte_len(ldg_u256 a)
{
    return (ldg_u256_bit_len(a) + 7) / 8;
}

ldg_u256 ldg_u256_shl(ldg_u256 a, unsigned shift); /* shift >= 256 gives 0 */
ldg_u256 ldg_u256_shr(ldg_u256 a, unsigned shift); /* shift >= 256 gives 0 */
ldg_u256 ldg_u256_sar(ldg_u256 a, unsigned shift); /* sign-filling */

/* EVM semantics: division or modulo by zero gives 0. */
ldg_u256 ldg_u256_div(ldg_u256 a, ldg_u256 b);
ldg_u256 ldg_u256_mod(ldg_u256 a, ldg_u256 b);
ldg_u256 ldg_u256_sdiv(ldg_u256 a, ldg_u256 b);
ldg_u256 ldg_u256_smod(ldg_u256 a, ldg_u256 b);
ldg_u256 ldg_u256_addmod(ldg_u256 a, ldg_u256 b, ldg_u256 m);
ldg_u256 ldg_u256_mulmod(ldg_u256 a, ldg_u256 b, ldg_u256 m);
ldg_u256 ldg_u256_exp(ldg_u256 base, ldg_u256 exponent);
ldg_u256 ldg_u256_signextend(ldg_u256 byte_index, ldg_u256 x);
ldg_u256 ldg_u256_byte(ldg_u256 index, ldg_u256 x);

/* Shift-count operand of SHL/SHR/SAR: anything >= 256 is saturated to 256. */
static inline unsigned ldg_u256_shift_count(ldg_u256 a)
{
    return ldg_u256_fits_u64(a) && a.w[0] < 256 ? (unsigned)a.w[0] : 256u;
}

/* Parses "0x..." hex (at most 64 digits, "0x" alone is 0). Returns false on bad input. */
bool ldg_u256_from_hex(ldg_u256 *out, const char *hex);
/* Writes "0x" + minimal hex (at least one digit) into out (>= 67 bytes). */
void ldg_u256_to_hex(char *out, ldg_u256 a);

#endif
