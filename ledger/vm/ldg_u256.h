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
#include <string.h>

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

/* Big-endian 64-bit load and store (any alignment): one byte swap, no byte loop. */
static inline uint64_t ldg_load_be64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}

static inline void ldg_store_be64(uint8_t *p, uint64_t v)
{
    v = __builtin_bswap64(v);
    memcpy(p, &v, 8);
}

/* Big-endian 32 bytes <-> value (the EVM's memory and storage byte order). */
static inline ldg_u256 ldg_u256_from_be(const uint8_t b[32])
{
    return (ldg_u256){
        {ldg_load_be64(b + 24), ldg_load_be64(b + 16), ldg_load_be64(b + 8), ldg_load_be64(b)}};
}

static inline void ldg_u256_to_be(uint8_t out[32], ldg_u256 a)
{
    ldg_store_be64(out, a.w[3]);
    ldg_store_be64(out + 8, a.w[2]);
    ldg_store_be64(out + 16, a.w[1]);
    ldg_store_be64(out + 24, a.w[0]);
}

/* Value of up to 32 big-endian bytes (shorter input is the low end). */
ldg_u256 ldg_u256_from_be_short(const uint8_t *b, size_t len);

/* Number of significant bits (0 for zero) and bytes. */
unsigned ldg_u256_bit_len(ldg_u256 a);
static inline unsigned ldg_u256_byte_len(ldg_u256 a)
{
    return (ldg_u256_bit_len(a) + 7) / 8;
}

/* Limb i of a, or fill when i is outside 0..3. Selects instead of indexing: the value
 * stays in registers (an indexed write or read of a limb forces the value through memory,
 * and the interpreter then stalls loading the whole word back). */
static inline uint64_t ldg_u256_limb(ldg_u256 a, int i, uint64_t fill)
{
    uint64_t v = fill;
    v = i == 0 ? a.w[0] : v;
    v = i == 1 ? a.w[1] : v;
    v = i == 2 ? a.w[2] : v;
    v = i == 3 ? a.w[3] : v;
    return v;
}

/* Shifts by whole limbs then bits; the bit part is split in two so that a shift of 0 bits
 * needs no branch (x >> 64 is undefined, (x >> 63) >> 1 is 0). */
static inline ldg_u256 ldg_u256_shl(ldg_u256 a, unsigned shift) /* shift >= 256 gives 0 */
{
    ldg_u256 r = {{0, 0, 0, 0}};
    if (shift >= 256)
        return r;
    int limbs = (int)(shift / 64);
    unsigned bits = shift % 64;
    for (int i = 0; i < 4; i++)
        r.w[i] = (ldg_u256_limb(a, i - limbs, 0) << bits) |
                 ((ldg_u256_limb(a, i - limbs - 1, 0) >> (63 - bits)) >> 1);
    return r;
}

static inline ldg_u256 ldg_u256_shr_fill(ldg_u256 a, unsigned shift, uint64_t fill)
{
    ldg_u256 r = {{fill, fill, fill, fill}};
    if (shift >= 256)
        return r;
    int limbs = (int)(shift / 64);
    unsigned bits = shift % 64;
    for (int i = 0; i < 4; i++)
        r.w[i] = (ldg_u256_limb(a, i + limbs, fill) >> bits) |
                 ((ldg_u256_limb(a, i + limbs + 1, fill) << (63 - bits)) << 1);
    return r;
}

static inline ldg_u256 ldg_u256_shr(ldg_u256 a, unsigned shift) /* shift >= 256 gives 0 */
{
    return ldg_u256_shr_fill(a, shift, 0);
}

static inline ldg_u256 ldg_u256_sar(ldg_u256 a, unsigned shift) /* sign-filling */
{
    return ldg_u256_shr_fill(a, shift, (a.w[3] >> 63) ? UINT64_MAX : 0);
}

/* SIGNEXTEND: copies bit 8·b+7 into every higher bit; b >= 31 leaves x as it is. Per limb
 * a mask of the bits at or below the sign bit, no indexed access. */
static inline ldg_u256 ldg_u256_signextend(ldg_u256 byte_index, ldg_u256 x)
{
    if (!ldg_u256_fits_u64(byte_index) || byte_index.w[0] >= 31)
        return x;
    int sign_bit = (int)byte_index.w[0] * 8 + 7;
    uint64_t fill = (ldg_u256_limb(x, sign_bit / 64, 0) >> (sign_bit % 64)) & 1 ? UINT64_MAX : 0;
    for (int i = 0; i < 4; i++) {
        int d = sign_bit - 64 * i; /* the sign bit's position relative to limb i */
        uint64_t low = d >= 63 ? UINT64_MAX : d < 0 ? 0 : (2ULL << d) - 1;
        x.w[i] = (x.w[i] & low) | (fill & ~low);
    }
    return x;
}

/* EVM semantics: division or modulo by zero gives 0. */
ldg_u256 ldg_u256_div(ldg_u256 a, ldg_u256 b);
ldg_u256 ldg_u256_mod(ldg_u256 a, ldg_u256 b);
ldg_u256 ldg_u256_sdiv(ldg_u256 a, ldg_u256 b);
ldg_u256 ldg_u256_smod(ldg_u256 a, ldg_u256 b);
ldg_u256 ldg_u256_addmod(ldg_u256 a, ldg_u256 b, ldg_u256 m);
ldg_u256 ldg_u256_mulmod(ldg_u256 a, ldg_u256 b, ldg_u256 m);
ldg_u256 ldg_u256_exp(ldg_u256 base, ldg_u256 exponent);
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
