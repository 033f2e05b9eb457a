/* Unit tests for ledger/ldg_codec: canonical msgpack round trips at every width boundary,
 * rejection of each non-canonical form (long integer/length/count forms, trailing bytes,
 * maps, floats, ext, over-deep nesting, truncation), the typed accessors, and the text
 * rule of ldg_obj_str (specs/encoding.md 1.3), plus a seeded random round-trip property.
 * The "differential" case compares ldg_decode's verdict with the re-pack-and-compare
 * procedure it replaced, on enumerated edges and on seeded random and mutated inputs, and
 * wherever both accept, the tree ldg_decode builds with msgpack-c's msgpack_unpack_next's;
 * plus seeded random canonical values for the trees alone, and failed decodes (nothing to
 * free, under LeakSanitizer). */
#include "testlib.h"

#include "ldg_codec.h"
#include "ldg_limits.h"

#include <jansson.h>
#include <signal.h>

static bool decodes(const uint8_t *b, size_t n)
{
    ldg_dec d;
    if (ldg_decode(&d, b, n) != LDG_OK)
        return false;
    ck_assert_ptr_nonnull(d.root);
    ldg_dec_free(&d);
    return true;
}

#define DECODES(...)                                                                               \
    do {                                                                                           \
        const uint8_t b_[] = {__VA_ARGS__};                                                        \
        ck_assert_msg(decodes(b_, sizeof b_), "should decode: " #__VA_ARGS__);                     \
    } while (0)
#define REJECTS(...)                                                                               \
    do {                                                                                           \
        const uint8_t b_[] = {__VA_ARGS__};                                                        \
        ck_assert_msg(!decodes(b_, sizeof b_), "should be rejected: " #__VA_ARGS__);               \
    } while (0)

static const uint64_t u64_cases[] = {
    0, 1, 127, 128, 255, 256, 65535, 65536, 0xffffffffu, 0x100000000ULL, UINT64_MAX, INT64_MAX};
static const int64_t i64_cases[] = {-1,     -32,    -33,         -128,        -129,     -32768,
                                    -32769, -65536, -2147483648, -2147483649, INT64_MIN};

START_TEST(test_u64_round_trip)
{
    for (size_t i = 0; i < LDG_ARRAY_LEN(u64_cases); i++) {
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_enc_u64(&e, u64_cases[i]);
        ldg_dec d;
        ck_assert_int_eq(ldg_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e)), LDG_OK);
        uint64_t v = 0;
        ck_assert(ldg_obj_u64(d.root, &v));
        ck_assert_uint_eq(v, u64_cases[i]);
        bool b;
        ck_assert(!ldg_obj_bool(d.root, &b));
        ldg_dec_free(&d);
        ldg_enc_free(&e);
    }
}
END_TEST

START_TEST(test_i64_round_trip)
{
    for (size_t i = 0; i < LDG_ARRAY_LEN(i64_cases); i++) {
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_enc_i64(&e, i64_cases[i]);
        ldg_dec d;
        ck_assert_int_eq(ldg_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e)), LDG_OK);
        int64_t v = 0;
        ck_assert(ldg_obj_i64(d.root, &v));
        ck_assert_int_eq(v, i64_cases[i]);
        uint64_t u;
        ck_assert_msg(!ldg_obj_u64(d.root, &u), "a negative is not a u64");
        ldg_dec_free(&d);
        ldg_enc_free(&e);
    }
    /* Positive i64 values encode as positive integers and read through both accessors. */
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_i64(&e, 300);
    ck_assert_uint_eq(ldg_enc_len(&e), 3);
    ck_assert_uint_eq(ldg_enc_data(&e)[0], 0xcd);
    ldg_dec d;
    ck_assert_int_eq(ldg_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e)), LDG_OK);
    int64_t v;
    uint64_t u;
    ck_assert(ldg_obj_i64(d.root, &v) && v == 300);
    ck_assert(ldg_obj_u64(d.root, &u) && u == 300);
    ldg_dec_free(&d);
    ldg_enc_free(&e);
    /* A u64 above INT64_MAX is not an i64. */
    const uint8_t big[] = {0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0};
    ck_assert_int_eq(ldg_decode(&d, big, sizeof big), LDG_OK);
    ck_assert(!ldg_obj_i64(d.root, &v));
    ldg_dec_free(&d);
}
END_TEST

START_TEST(test_composite_round_trip)
{
    static uint8_t blob[70000];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i * 7);
    static char text[300];
    memset(text, 'x', sizeof text);
    const size_t bin_lens[] = {0, 1, 255, 256, 65535, 65536, 70000};
    const size_t str_lens[] = {0, 1, 31, 32, 255, 256, 300};
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 4 + 7 + 7);
    ldg_enc_bool(&e, true);
    ldg_enc_bool(&e, false);
    ldg_enc_nil(&e);
    ldg_enc_array(&e, 0);
    for (size_t i = 0; i < 7; i++)
        ldg_enc_bin(&e, blob, bin_lens[i]);
    for (size_t i = 0; i < 7; i++)
        ldg_enc_strn(&e, text, str_lens[i]);
    ldg_dec d;
    ck_assert_int_eq(ldg_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e)), LDG_OK);
    const msgpack_object *f;
    ck_assert(ldg_obj_array(d.root, 18, &f));
    ck_assert(!ldg_obj_array(d.root, 17, &f));
    bool b;
    ck_assert(ldg_obj_bool(&f[0], &b) && b);
    ck_assert(ldg_obj_bool(&f[1], &b) && !b);
    ck_assert_int_eq(f[2].type, MSGPACK_OBJECT_NIL);
    const msgpack_object *inner;
    ck_assert(ldg_obj_array(&f[3], 0, &inner));
    for (size_t i = 0; i < 7; i++) {
        const uint8_t *p;
        size_t n;
        ck_assert(ldg_obj_bin_ref(&f[4 + i], sizeof blob, &p, &n));
        ck_assert_uint_eq(n, bin_lens[i]);
        ck_assert(n == 0 || memcmp(p, blob, n) == 0);
        /* The decoder is zero-copy: binaries point into the input. */
        ck_assert(n == 0 || (p > ldg_enc_data(&e) && p < ldg_enc_data(&e) + ldg_enc_len(&e)));
    }
    for (size_t i = 0; i < 7; i++) {
        ck_assert_int_eq(f[11 + i].type, MSGPACK_OBJECT_STR);
        ck_assert_uint_eq(f[11 + i].via.str.size, str_lens[i]);
    }
    /* Bytes of that value are canonical: the encoder's own output always decodes. */
    ldg_dec_free(&d);
    ldg_enc_free(&e);
}
END_TEST

START_TEST(test_enc_take_and_reset)
{
    ldg_enc e;
    ldg_enc_init(&e);
    size_t n = 99;
    uint8_t *p = ldg_enc_take(&e, &n);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(n, 0);
    free(p);
    ldg_enc_u64(&e, 1000);
    ldg_enc_reset(&e);
    ck_assert_uint_eq(ldg_enc_len(&e), 0);
    ldg_enc_str(&e, "ab");
    p = ldg_enc_take(&e, &n);
    ck_assert_uint_eq(n, 3);
    ck_assert_mem_eq(p,
                     "\xa2"
                     "ab",
                     3);
    ck_assert_uint_eq(ldg_enc_len(&e), 0);
    free(p);
    /* raw appends an already-encoded value */
    const uint8_t one[] = {0x01};
    ldg_enc_array(&e, 1);
    ldg_enc_raw(&e, one, 1);
    ck_assert(decodes(ldg_enc_data(&e), ldg_enc_len(&e)));
    ck_assert_mem_eq(ldg_enc_data(&e), "\x91\x01", 2);
    ldg_enc_free(&e);
}
END_TEST

START_TEST(test_noncanonical_integers)
{
    DECODES(0x05);
    REJECTS(0xcc, 0x05);                                           /* uint8 where fixint fits */
    REJECTS(0xcd, 0x00, 0x05);                                     /* uint16 */
    REJECTS(0xce, 0x00, 0x00, 0x00, 0x05);                         /* uint32 */
    REJECTS(0xcf, 0, 0, 0, 0, 0, 0, 0, 0x05);                      /* uint64 */
    REJECTS(0xd0, 0x05);                                           /* int8 holding a positive */
    REJECTS(0xd3, 0, 0, 0, 0, 0, 0, 0, 0x05);                      /* int64 holding a positive */
    DECODES(0xcc, 0x80);                                           /* 128 needs uint8 */
    REJECTS(0xcd, 0x00, 0x80);                                     /* ...not uint16 */
    DECODES(0xff);                                                 /* -1 */
    REJECTS(0xd0, 0xff);                                           /* -1 as int8 */
    REJECTS(0xd1, 0xff, 0xff);                                     /* -1 as int16 */
    DECODES(0xd0, 0xdf);                                           /* -33 needs int8 */
    REJECTS(0xd1, 0xff, 0xdf);                                     /* ...not int16 */
    DECODES(0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff); /* UINT64_MAX */
}
END_TEST

START_TEST(test_noncanonical_lengths)
{
    DECODES(0xa1, 'a');
    REJECTS(0xd9, 0x01, 'a');       /* str8 where fixstr fits */
    REJECTS(0xda, 0x00, 0x01, 'a'); /* str16 */
    DECODES(0xc4, 0x01, 0x00);
    REJECTS(0xc5, 0x00, 0x01, 0x00);             /* bin16 where bin8 fits */
    REJECTS(0xc6, 0x00, 0x00, 0x00, 0x01, 0x00); /* bin32 */
    DECODES(0x91, 0x01);
    REJECTS(0xdc, 0x00, 0x01, 0x01);             /* array16 where fixarray fits */
    REJECTS(0xdd, 0x00, 0x00, 0x00, 0x01, 0x01); /* array32 */
    DECODES(0x90);
    REJECTS(0xdc, 0x00, 0x00); /* empty array16 */
}
END_TEST

START_TEST(test_rejected_types_and_framing)
{
    REJECTS(0x80);                                     /* empty map */
    REJECTS(0x81, 0x01, 0x02);                         /* map */
    REJECTS(0x91, 0x81, 0x01, 0x02);                   /* map inside an array */
    REJECTS(0xca, 0x3f, 0x80, 0x00, 0x00);             /* float32 1.0 */
    REJECTS(0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0);       /* float64 1.0 */
    REJECTS(0x92, 0x01, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0); /* float inside an array */
    REJECTS(0xd4, 0x01, 0x00);                         /* fixext1 */
    REJECTS(0xc7, 0x00, 0x01);                         /* ext8 */
    REJECTS(0xc1);                                     /* never-used byte */
    REJECTS(0x01, 0x02);                               /* trailing byte */
    REJECTS(0x90, 0x90);                               /* two values */
    REJECTS(0xa1, 'a', 0x00);                          /* trailing NUL */
    ldg_dec d;
    ck_assert_int_eq(ldg_decode(&d, (const uint8_t *)"", 0), LDG_ERR_DECODE);
    ck_assert_ptr_null(d.root);
    ldg_dec_free(&d); /* harmless on a failed decoder */
}
END_TEST

static size_t nest(uint8_t *buf, size_t depth)
{
    memset(buf, 0x91, depth);
    buf[depth] = 0xc0;
    return depth + 1;
}

START_TEST(test_nesting_limit)
{
    static uint8_t buf[5001];
    /* folio nests at most 16 arrays below the root (CODEC_DEPTH_MAX). */
    ck_assert(decodes(buf, nest(buf, 16)));
    ck_assert(!decodes(buf, nest(buf, 17)));
    ck_assert(!decodes(buf, nest(buf, 100)));
    ck_assert(!decodes(buf, nest(buf, 5000)));
    /* Truncated deep nesting neither. */
    ck_assert(!decodes(buf, 5000));
}
END_TEST

START_TEST(test_truncation)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 5);
    ldg_enc_u64(&e, UINT64_MAX);
    ldg_enc_i64(&e, INT64_MIN);
    ldg_enc_str(&e, "folio-test");
    ldg_enc_bin(&e, "0123456789abcdef0123456789abcdef", 32);
    ldg_enc_array(&e, 2);
    ldg_enc_nil(&e);
    ldg_enc_bool(&e, true);
    size_t n = ldg_enc_len(&e);
    ck_assert(decodes(ldg_enc_data(&e), n));
    for (size_t cut = 0; cut < n; cut++) {
        /* Copy the prefix so ASan sees any read past its end. */
        uint8_t *p = malloc(cut ? cut : 1);
        memcpy(p, ldg_enc_data(&e), cut);
        ck_assert_msg(!decodes(p, cut), "prefix of %zu/%zu bytes decoded", cut, n);
        free(p);
    }
    ldg_enc_free(&e);
}
END_TEST

START_TEST(test_huge_declared_lengths)
{
    /* Headers that claim far more than the input holds must fail, not read past it. */
    REJECTS(0xdd, 0xff, 0xff, 0xff, 0xff);       /* array32 of 4G items */
    REJECTS(0xdc, 0xff, 0xff, 0x01);             /* array16 of 65535 items, one given */
    REJECTS(0xc6, 0xff, 0xff, 0xff, 0xff, 0x00); /* bin32 of 4 GiB */
    REJECTS(0xdb, 0xff, 0xff, 0xff, 0xff, 'a');  /* str32 of 4 GiB */
    REJECTS(0xdf, 0xff, 0xff, 0xff, 0xff);       /* map32 */
}
END_TEST

START_TEST(test_accessors)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_bin(&e, "abcd", 4);
    ldg_enc_str(&e, "abcd");
    ldg_enc_array(&e, 2);
    ldg_enc_u64(&e, 1);
    ldg_enc_u64(&e, 2);
    ldg_dec d;
    ck_assert_int_eq(ldg_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e)), LDG_OK);
    const msgpack_object *f, *g;
    uint32_t n;
    ck_assert(ldg_obj_array(d.root, 3, &f));
    uint8_t out[8];
    ck_assert(ldg_obj_bin(&f[0], out, 4));
    ck_assert_mem_eq(out, "abcd", 4);
    ck_assert(!ldg_obj_bin(&f[0], out, 3));
    ck_assert(!ldg_obj_bin(&f[0], out, 5));
    ck_assert(!ldg_obj_bin(&f[1], out, 4)); /* a string is not a binary */
    const uint8_t *p;
    size_t pl;
    ck_assert(ldg_obj_bin_ref(&f[0], 4, &p, &pl) && pl == 4);
    ck_assert(!ldg_obj_bin_ref(&f[0], 3, &p, &pl));
    char s[8];
    ck_assert(!ldg_obj_str(&f[0], s, 7, false)); /* a binary is not a string */
    ck_assert(ldg_obj_str(&f[1], s, 4, false));
    ck_assert_str_eq(s, "abcd");
    ck_assert(!ldg_obj_str(&f[1], s, 3, false)); /* longer than max */
    ck_assert(ldg_obj_array_any(&f[2], 2, &g, &n) && n == 2);
    ck_assert(!ldg_obj_array_any(&f[2], 1, &g, &n));
    ck_assert(!ldg_obj_array_any(&f[0], 10, &g, &n));
    uint64_t u;
    ck_assert(!ldg_obj_u64(&f[2], &u));
    ck_assert(ldg_obj_u64(&g[1], &u) && u == 2);
    ldg_dec_free(&d);
    ldg_enc_free(&e);
}
END_TEST

static bool str_ok(const char *bytes, size_t n, size_t max, bool allow_empty)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_strn(&e, bytes, n);
    ldg_dec d;
    ldg_err err = ldg_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e));
    if (err != LDG_OK) { /* not UTF-8: the codec refuses it before ldg_obj_str could */
        ck_assert_int_eq(err, LDG_ERR_TEXT);
        ldg_enc_free(&e);
        return false;
    }
    char *out = malloc(max + 1);
    bool ok = ldg_obj_str(d.root, out, max, allow_empty);
    if (ok) {
        ck_assert_uint_eq(strlen(out), n);
        ck_assert(memcmp(out, bytes, n) == 0);
    }
    free(out);
    ldg_dec_free(&d);
    ldg_enc_free(&e);
    return ok;
}

#define STR_OK(lit) ck_assert_msg(str_ok(lit, sizeof lit - 1, 64, false), "should pass: %s", #lit)
#define STR_BAD(lit) ck_assert_msg(!str_ok(lit, sizeof lit - 1, 64, false), "should fail: %s", #lit)

START_TEST(test_string_validation)
{
    STR_OK("plain ASCII ~!");
    STR_OK("caf\xc3\xa9");           /* é */
    STR_OK("\xe2\x82\xac 100");      /* € */
    STR_OK("\xf0\x9f\x98\x80");      /* U+1F600 */
    STR_OK("\xc2\x80");              /* C1 control: accepted per spec 1.3 */
    STR_BAD("a\x01z");               /* C0 control */
    STR_BAD("line\n");               /* newline */
    STR_BAD("tab\there");            /* tab */
    STR_BAD("del\x7f");              /* DEL */
    STR_BAD("nul\0mid");             /* NUL inside */
    STR_BAD("\x80");                 /* lone continuation */
    STR_BAD("\xbf");                 /* lone continuation */
    STR_BAD("\xc0\x80");             /* overlong NUL */
    STR_BAD("\xc1\xbf");             /* overlong 2-byte */
    STR_BAD("\xc3");                 /* truncated 2-byte at the end */
    STR_BAD("\xc3z");                /* bad continuation */
    STR_BAD("\xe2\x82");             /* truncated 3-byte at the end */
    STR_BAD("\xe2\x82z");            /* bad third byte */
    STR_BAD("\xf0\x9f\x98");         /* truncated 4-byte */
    STR_BAD("\xf5\x80\x80\x80");     /* lead byte above f4 */
    STR_BAD("\xf8\x88\x80\x80\x80"); /* 5-byte form */
    STR_BAD("\xff");                 /* never valid */
    /* Empty strings only where allowed; lengths are bytes. */
    ck_assert(!str_ok("", 0, 8, false));
    ck_assert(str_ok("", 0, 8, true));
    ck_assert(str_ok("12345678", 8, 8, false));
    ck_assert(!str_ok("123456789", 9, 8, false));
    ck_assert(!str_ok("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 9, 8, false)); /* 3 chars, 9 bytes */
}
END_TEST

/* The codec's verdict on one string s[0..n), as a fixstr/str8/str16 alone and as the last
 * item of a nested array: LDG_OK or LDG_ERR_TEXT, the same in every position. */
static ldg_err text_verdict(const char *s, size_t n)
{
    ldg_err first = LDG_OK;
    for (int form = 0; form < 2; form++) {
        ldg_enc e;
        ldg_enc_init(&e);
        if (form == 1) {
            ldg_enc_array(&e, 2);
            ldg_enc_u64(&e, 7);
            ldg_enc_array(&e, 1);
        }
        ldg_enc_strn(&e, s, n);
        ldg_dec d;
        ldg_err err = ldg_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e));
        ldg_dec_free(&d);
        ldg_enc_free(&e);
        ck_assert(err == LDG_OK || err == LDG_ERR_TEXT);
        if (form == 0)
            first = err;
        ck_assert_int_eq(err, first);
    }
    return first;
}

#define TEXT_OK(lit) ck_assert_msg(text_verdict(lit, sizeof lit - 1) == LDG_OK, "UTF-8: %s", #lit)
#define TEXT_BAD(lit)                                                                              \
    ck_assert_msg(text_verdict(lit, sizeof lit - 1) == LDG_ERR_TEXT, "not UTF-8: %s", #lit)

/* RFC 3629 (specs/encoding.md 1.3), enforced by ldg_decode for every string at any depth:
 * the byte strings of issue 12 and each boundary of the RFC's UTF8-1..UTF8-4 rules. */
START_TEST(test_utf8_rfc3629)
{
    TEXT_BAD("x\xed\xa0\x80");    /* the crash: a UTF-16 surrogate (U+D800) */
    TEXT_BAD("\xed\xbf\xbf");     /* U+DFFF, the last surrogate */
    TEXT_OK("\xed\x9f\xbf");      /* U+D7FF, just below */
    TEXT_OK("\xee\x80\x80");      /* U+E000, just above */
    TEXT_BAD("\xe0\x80\x80");     /* overlong U+0000 */
    TEXT_BAD("\xe0\x9f\xbf");     /* overlong U+07FF */
    TEXT_OK("\xe0\xa0\x80");      /* U+0800, the first 3-byte */
    TEXT_BAD("\xc0\x80");         /* overlong 2-byte */
    TEXT_BAD("\xc1\xbf");         /* overlong U+007F */
    TEXT_OK("\xc2\x80");          /* U+0080, the first 2-byte */
    TEXT_OK("\xdf\xbf");          /* U+07FF */
    TEXT_BAD("\xf0\x80\x80\x80"); /* overlong 4-byte */
    TEXT_BAD("\xf0\x8f\xbf\xbf"); /* overlong U+FFFF */
    TEXT_OK("\xf0\x90\x80\x80");  /* U+10000, the first 4-byte */
    TEXT_OK("\xef\xbf\xbf");      /* U+FFFF */
    TEXT_OK("\xf4\x8f\xbf\xbf");  /* U+10FFFF, the last code point */
    TEXT_BAD("\xf4\x90\x80\x80"); /* U+110000 */
    TEXT_BAD("\xf5\x80\x80\x80"); /* lead byte f5 */
    TEXT_BAD("\xf7\xbf\xbf\xbf"); /* U+1FFFFF */
    TEXT_BAD("\xff");
    TEXT_BAD("\xfe");
    TEXT_BAD("\x80");          /* lone continuation */
    TEXT_BAD("a\xc3");         /* truncated at the end */
    TEXT_BAD("\xe2\x82");      /* truncated 3-byte */
    TEXT_BAD("\xf0\x9f\x98");  /* truncated 4-byte */
    TEXT_BAD("\xe2\x82z");     /* bad third byte */
    TEXT_BAD("\xf0\x9f\x98z"); /* bad fourth byte */
    TEXT_BAD("\xe2z\x82");     /* bad second byte */
    TEXT_OK("");
    TEXT_OK("\x01\x7f"); /* control characters are UTF-8 (ldg_obj_str refuses them) */
    TEXT_OK("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    /* The ASCII fast path reads 8 bytes at a time: a bad byte at every offset of a long
     * string, in str8 and str16 forms, is still found. */
    char buf[300];
    for (size_t len = 1; len < sizeof buf; len += 37) {
        for (size_t at = 0; at < len; at++) {
            memset(buf, 'a', len);
            ck_assert_int_eq(text_verdict(buf, len), LDG_OK);
            buf[at] = (char)0xed;
            ck_assert_int_eq(text_verdict(buf, len), LDG_ERR_TEXT);
            if (at + 3 <= len) {
                memcpy(buf + at, "\xed\x9f\xbf", 3);
                ck_assert_int_eq(text_verdict(buf, len), LDG_OK);
            }
        }
    }
    /* Every 3-byte sequence e0..ef xx yy against an independent rule: the code point
     * decoded arithmetically must be 0x800..0xffff and not a surrogate. */
    for (unsigned a = 0xe0; a <= 0xef; a++)
        for (unsigned b = 0x70; b <= 0xcf; b++) {
            char t[3] = {(char)a, (char)b, (char)0x80};
            unsigned cp = (a & 0x0f) << 12 | (b & 0x3f) << 6;
            bool ok = (b & 0xc0) == 0x80 && cp >= 0x800 && !(cp >= 0xd800 && cp <= 0xdfff);
            ck_assert_int_eq(text_verdict(t, 3), ok ? LDG_OK : LDG_ERR_TEXT);
        }
    ck_assert(ldg_utf8_valid((const uint8_t *)"ok", 2));
    ck_assert(!ldg_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));
}
END_TEST

/* Random values (depth and widths drawn from the seed) round-trip through
 * encode -> decode -> re-encode with identical bytes. */
static void random_value(tl_rng *r, ldg_enc *e, int depth)
{
    static const uint8_t pool[64] = {0};
    uint64_t k = tl_rng_below(r, depth < 6 ? 7 : 6);
    uint64_t v = tl_rng_next(r) >> tl_rng_below(r, 64);
    switch (k) {
    case 0:
        ldg_enc_u64(e, v);
        break;
    case 1:
        ldg_enc_i64(e, -(int64_t)(v >> 1) - 1);
        break;
    case 2:
        ldg_enc_bool(e, v & 1);
        break;
    case 3:
        ldg_enc_nil(e);
        break;
    case 4:
        ldg_enc_bin(e, pool, tl_rng_below(r, sizeof pool));
        break;
    case 5:
        ldg_enc_strn(e, "abcdefghijklmnopqrstuvwxyz0123456789", tl_rng_below(r, 37));
        break;
    default: {
        uint32_t n = (uint32_t)tl_rng_below(r, 5);
        ldg_enc_array(e, n);
        for (uint32_t i = 0; i < n; i++)
            random_value(r, e, depth + 1);
    }
    }
}

START_TEST(test_random_round_trip)
{
    tl_rng r;
    tl_rng_init(&r, tl_seed("test_codec", 0xc0dec0deULL));
    ldg_enc e, e2;
    ldg_enc_init(&e);
    ldg_enc_init(&e2);
    for (int it = 0; it < 3000; it++) {
        ldg_enc_reset(&e);
        random_value(&r, &e, 0);
        ldg_dec d;
        ck_assert_int_eq(ldg_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e)), LDG_OK);
        ldg_enc_reset(&e2);
        ck_assert_int_eq(msgpack_pack_object(&e2.pk, *d.root), 0);
        ck_assert_uint_eq(ldg_enc_len(&e2), ldg_enc_len(&e));
        ck_assert(memcmp(ldg_enc_data(&e2), ldg_enc_data(&e), ldg_enc_len(&e)) == 0);
        ldg_dec_free(&d);
        /* A one-bit flip never yields a different value that decodes to the same bytes,
         * and never crashes. */
        size_t n = ldg_enc_len(&e);
        uint8_t *p = malloc(n);
        memcpy(p, ldg_enc_data(&e), n);
        p[tl_rng_below(&r, n)] ^= (uint8_t)(1u << tl_rng_below(&r, 8));
        if (ldg_decode(&d, p, n) == LDG_OK) {
            ldg_enc_reset(&e2);
            ck_assert_int_eq(msgpack_pack_object(&e2.pk, *d.root), 0);
            ck_assert(ldg_enc_len(&e2) == n && memcmp(ldg_enc_data(&e2), p, n) == 0);
            ldg_dec_free(&d);
        }
        free(p);
    }
    ldg_enc_free(&e);
    ldg_enc_free(&e2);
}
END_TEST

/* ---- differential test: ldg_decode against the acceptance procedure it replaced ---- */

/* The reference: ldg_decode's acceptance rule as it was until the canonical check moved into
 * its structure walk, kept here verbatim: walk (bounds, types, depth), unpack with msgpack-c,
 * check the types again, then re-pack the object with msgpack-c's packer into a comparator
 * and require the very same bytes (specs/encoding.md 1.2). The new decoder must accept
 * exactly the byte strings this accepts. */
static size_t ref_walk(const uint8_t *p, size_t len, size_t off, int depth)
{
    if (depth > LDG_CODEC_DEPTH_MAX || off >= len)
        return 0;
    uint8_t b = p[off++];
    size_t rest = len - off, n, w;
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
        return off;
    if (b >= 0xcc && b <= 0xd3) { /* uint8..64, int8..64 */
        w = (size_t)1 << ((b - 0xcc) & 3);
        return w <= rest ? off + w : 0;
    }
    bool array = (b & 0xf0) == 0x90 || b == 0xdc || b == 0xdd;
    if ((b & 0xf0) == 0x90 || (b & 0xe0) == 0xa0) {
        n = b & (array ? 0x0f : 0x1f), w = 0;
    } else if (b == 0xd9 || b == 0xc4) {
        w = 1;
    } else if (b == 0xda || b == 0xc5 || b == 0xdc) {
        w = 2;
    } else if (b == 0xdb || b == 0xc6 || b == 0xdd) {
        w = 4;
    } else {
        return 0; /* maps, floats, ext, 0xc1 */
    }
    if (w > rest)
        return 0;
    if (w) {
        n = 0;
        for (size_t i = 0; i < w; i++)
            n = n << 8 | p[off + i];
        off += w, rest -= w;
    }
    if (n > rest)
        return 0;
    if (!array)
        return off + n;
    for (size_t i = 0; i < n; i++)
        if ((off = ref_walk(p, len, off, depth + 1)) == 0)
            return 0;
    return off;
}

/* The reference for strings is jansson: the codec's text must be exactly what jansson
 * accepts as UTF-8, since a string jansson refuses cannot go into a JSON reply. */
static bool ref_text(const char *p, size_t n)
{
    json_t *j = json_stringn(n ? p : "", n);
    json_decref(j);
    return j != NULL;
}

static bool ref_allowed_types(const msgpack_object *o, int depth)
{
    if (depth > LDG_CODEC_DEPTH_MAX)
        return false;
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
    case MSGPACK_OBJECT_BOOLEAN:
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
    case MSGPACK_OBJECT_BIN:
        return true;
    case MSGPACK_OBJECT_STR:
        return ref_text(o->via.str.ptr, o->via.str.size);
    case MSGPACK_OBJECT_ARRAY:
        for (uint32_t i = 0; i < o->via.array.size; i++)
            if (!ref_allowed_types(&o->via.array.ptr[i], depth + 1))
                return false;
        return true;
    default: /* maps, floats, ext */
        return false;
    }
}

typedef struct ref_cmp {
    const uint8_t *data;
    size_t len, pos;
    bool same;
} ref_cmp;

static int ref_canon_write(void *arg, const char *buf, size_t n)
{
    ref_cmp *c = arg;
    if (n == 0) /* empty bodies arrive with a NULL buffer */
        return c->same ? 0 : -1;
    if (!c->same || n > c->len - c->pos || memcmp(c->data + c->pos, buf, n) != 0) {
        c->same = false;
        return -1;
    }
    c->pos += n;
    return 0;
}

/* On acceptance u holds msgpack-c's tree of the value (the caller destroys it). */
static bool ref_accepts(const uint8_t *data, size_t len, msgpack_unpacked *u)
{
    if (len == 0 || ref_walk(data, len, 0, 0) != len)
        return false;
    msgpack_unpacked_init(u);
    size_t off = 0;
    msgpack_unpack_return r = msgpack_unpack_next(u, (const char *)data, len, &off);
    bool ok = r == MSGPACK_UNPACK_SUCCESS && off == len && ref_allowed_types(&u->data, 0);
    if (ok) {
        ref_cmp cmp = {data, len, 0, true};
        msgpack_packer pk;
        msgpack_packer_init(&pk, &cmp, ref_canon_write);
        ok = msgpack_pack_object(&pk, u->data) == 0 && cmp.same && cmp.pos == len;
    }
    if (!ok)
        msgpack_unpacked_destroy(u);
    return ok;
}

/* ---- the tree: ldg_decode's against msgpack-c's ---- */

/* ldg_decode builds the msgpack_object tree itself. It must be the tree msgpack-c's
 * msgpack_unpack_next gives (callers read it directly): same types and values, same sizes,
 * strings and binaries pointing at the same addresses in data (empty ones too: msgpack-c
 * gives those a stale or NULL pointer, which ldg_decode reproduces), and all of it in the
 * decoder's one block of objects, each object once, inline up to LDG_DEC_SMALL values. */
typedef struct tree_cmp {
    const uint8_t *data;
    size_t len;
    const msgpack_object *block; /* the decoder's objects: block[0..count) */
    size_t count;
    bool *seen;
    char why[200];
} tree_cmp;

static size_t tree_values(const msgpack_object *o)
{
    size_t n = 1;
    if (o->type == MSGPACK_OBJECT_ARRAY)
        for (uint32_t i = 0; i < o->via.array.size; i++)
            n += tree_values(&o->via.array.ptr[i]);
    return n;
}

static bool tree_fail(tree_cmp *c, const char *what, int depth, uint64_t ours, uint64_t theirs)
{
    snprintf(c->why, sizeof c->why,
             "%s at depth %d: ldg_decode 0x%" PRIx64 ", msgpack-c 0x%" PRIx64, what, depth, ours,
             theirs);
    return false;
}

/* The offset of p in data, or -1 for NULL (a pointer outside data fails the comparison). */
static int64_t data_offset(const tree_cmp *c, const char *p)
{
    return p ? (int64_t)((const uint8_t *)p - c->data) : -1;
}

static bool same_tree(tree_cmp *c, const msgpack_object *a, const msgpack_object *b, int depth)
{
    if (a < c->block || a >= c->block + c->count)
        return tree_fail(c, "object outside the decoder's block", depth, (uintptr_t)a,
                         (uintptr_t)c->block);
    if (c->seen[a - c->block])
        return tree_fail(c, "object used twice", depth, (uint64_t)(a - c->block), 0);
    c->seen[a - c->block] = true;
    if (a->type != b->type)
        return tree_fail(c, "type", depth, a->type, b->type);
    switch (b->type) {
    case MSGPACK_OBJECT_NIL:
        return true;
    case MSGPACK_OBJECT_BOOLEAN:
        return a->via.boolean == b->via.boolean ||
               tree_fail(c, "boolean", depth, a->via.boolean, b->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return a->via.u64 == b->via.u64 || tree_fail(c, "u64", depth, a->via.u64, b->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return (a->via.i64 == b->via.i64 && a->via.i64 < 0) ||
               tree_fail(c, "i64", depth, (uint64_t)a->via.i64, (uint64_t)b->via.i64);
    case MSGPACK_OBJECT_STR:
    case MSGPACK_OBJECT_BIN: {
        /* via.str and via.bin share their layout */
        if (a->via.str.size != b->via.str.size)
            return tree_fail(c, "length", depth, a->via.str.size, b->via.str.size);
        if (a->via.str.ptr != b->via.str.ptr)
            return tree_fail(c, "body offset", depth, (uint64_t)data_offset(c, a->via.str.ptr),
                             (uint64_t)data_offset(c, b->via.str.ptr));
        int64_t at = data_offset(c, a->via.str.ptr);
        if (a->via.str.size && (at < 0 || (uint64_t)at + a->via.str.size > c->len))
            return tree_fail(c, "body outside data", depth, (uint64_t)at, c->len);
        return true;
    }
    case MSGPACK_OBJECT_ARRAY: {
        uint32_t n = b->via.array.size;
        if (a->via.array.size != n)
            return tree_fail(c, "array size", depth, a->via.array.size, n);
        if (!a->via.array.ptr)
            return tree_fail(c, "array pointer NULL", depth, 0, (uintptr_t)b->via.array.ptr);
        for (uint32_t i = 0; i < n; i++)
            if (!same_tree(c, &a->via.array.ptr[i], &b->via.array.ptr[i], depth + 1))
                return false;
        return true;
    }
    default:
        return tree_fail(c, "type msgpack-c should not give", depth, a->type, b->type);
    }
}

/* Hex of the first bytes of an input, for failure messages. */
static const char *hex_head(char out[2 * 48 + 4], const uint8_t *p, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; i < n && i < 48; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
    if (n > 48)
        memcpy(out + 2 * 48, "...", 4);
    return out;
}

/* Fails the test unless d (ldg_decode of data) holds exactly msgpack-c's tree ref. */
static void check_tree(const ldg_dec *d, const msgpack_object *ref, const uint8_t *data, size_t len)
{
    tree_cmp c = {.data = data, .len = len, .count = tree_values(ref)};
    c.block = d->heap ? d->heap : d->small;
    const char *bad = NULL;
    if (d->root != c.block)
        bad = "the root is not the first object of the block";
    else if ((d->heap != NULL) != (c.count > LDG_DEC_SMALL))
        bad = d->heap ? "allocated for a small tree" : "a big tree inline";
    else {
        c.seen = calloc(c.count, sizeof *c.seen);
        LDG_ASSERT(c.seen);
        if (!same_tree(&c, d->root, ref, 0))
            bad = c.why;
        free(c.seen);
    }
    if (bad) {
        char hex[2 * 48 + 4];
        ck_abort_msg("tree of %zu bytes %s (%zu values): %s", len, hex_head(hex, data, len),
                     c.count, bad);
    }
}

typedef struct diff_stats {
    uint64_t cases, accepted, bytes;
} diff_stats;

/* Fails the test unless the reference and ldg_decode agree on b, and where they accept,
 * unless ldg_decode's tree is msgpack-c's (check_tree); returns the verdict. A rejected
 * input is not freed, so LeakSanitizer sees anything a failed decode left behind. The
 * input is copied to an exact-size allocation so ASan catches a read past its end. The hot
 * paths of this test avoid ck_assert when it passes: Check logs every passing assertion to
 * a file, which would cost more than the decoding under test. */
static bool same_verdict(diff_stats *st, const uint8_t *b, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    LDG_ASSERT(p);
    if (n)
        memcpy(p, b, n);
    msgpack_unpacked u;
    bool want = ref_accepts(p, n, &u);
    ldg_dec d;
    bool got = ldg_decode(&d, p, n) == LDG_OK;
    if (got && !d.root)
        ck_abort_msg("ldg_decode accepted without a root");
    if (!got && (d.root || d.heap))
        ck_abort_msg("ldg_decode failed but left a tree");
    if (want != got) {
        char hex[2 * 48 + 4];
        ck_abort_msg("reference %s, ldg_decode %s: %zu bytes %s", want ? "accepts" : "rejects",
                     got ? "accepts" : "rejects", n, hex_head(hex, p, n));
    }
    if (want) {
        check_tree(&d, &u.data, p, n);
        msgpack_unpacked_destroy(&u);
        ldg_dec_free(&d);
    }
    free(p);
    st->cases++;
    st->accepted += want;
    st->bytes += n;
    return want;
}

/* A growable byte string to build test inputs in. */
typedef struct bytes {
    uint8_t *p;
    size_t n, cap;
} bytes;

/* Room for n more bytes; returns where they go. */
static uint8_t *bytes_reserve(bytes *b, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        LDG_ASSERT(b->p);
    }
    return b->p + b->n;
}

static void bytes_put(bytes *b, const void *data, size_t n)
{
    uint8_t *at = bytes_reserve(b, n);
    if (n) /* msgpack-c passes NULL for an empty body */
        memcpy(at, data, n);
    b->n += n;
}

static void bytes_byte(bytes *b, uint8_t c)
{
    bytes_put(b, &c, 1);
}

/* Header byte h followed by the low `width` bytes of v, big-endian. */
static void bytes_head(bytes *b, uint8_t h, int width, uint64_t v)
{
    bytes_byte(b, h);
    for (int i = width - 1; i >= 0; i--)
        bytes_byte(b, (uint8_t)(v >> (8 * i)));
}

static void bytes_fill(bytes *b, uint8_t c, size_t n)
{
    memset(bytes_reserve(b, n), c, n);
    b->n += n;
}

/* Checks the value v (n bytes) alone and in the contexts that matter to the walk: inside
 * arrays, at the deepest allowed depth and one deeper, truncated, and with a trailing byte.
 * Returns whether the value alone was accepted. */
static bool check_in_contexts(diff_stats *st, const uint8_t *v, size_t n)
{
    bool alone = same_verdict(st, v, n);
    bytes b = {0};
    for (int ctx = 0; ctx < 6; ctx++) {
        b.n = 0;
        switch (ctx) {
        case 0: /* [v] */
            bytes_byte(&b, 0x91);
            bytes_put(&b, v, n);
            break;
        case 1: /* [nil, v, true] */
            bytes_byte(&b, 0x93);
            bytes_byte(&b, 0xc0);
            bytes_put(&b, v, n);
            bytes_byte(&b, 0xc3);
            break;
        case 2: /* v at depth 16, then at depth 17 */
        case 3:
            bytes_fill(&b, 0x91, ctx == 2 ? LDG_CODEC_DEPTH_MAX : LDG_CODEC_DEPTH_MAX + 1);
            bytes_put(&b, v, n);
            break;
        case 4: /* truncated */
            bytes_put(&b, v, n - 1);
            break;
        default: /* trailing nil */
            bytes_put(&b, v, n);
            bytes_byte(&b, 0xc0);
        }
        same_verdict(st, b.p, b.n);
    }
    free(b.p);
    return alone;
}

START_TEST(test_differential_integers)
{
    diff_stats st = {0};
    static const uint64_t u_edges[] = {
        0,          1,          31,         32,     127,        128,
        255,        256,        65535,      65536,  0xffffffff, 0x100000000ULL,
        INT64_MAX,  1ULL << 63, UINT64_MAX, 0x7fff, 0x8000,     0x7fffffff,
        0x80000000, 0xdf,       0xe0,       0xff7f, 0xff80,     0xffff7fff};
    static const int64_t i_edges[] = {
        -1,     -31,    -32,    -33,         -127,        -128,        -129,      -32767,
        -32768, -32769, -65536, -2147483647, -2147483648, -2147483649, INT64_MIN, INT64_MIN + 1};
    bytes b = {0};
    /* Every edge and its neighbours, non-negative then negative, in every form it fits:
     * fixint, uint8..64 (non-negative only), int8..64. Exactly one form is canonical. */
    for (int sign = 0; sign < 2; sign++) {
        size_t count = sign ? LDG_ARRAY_LEN(i_edges) : LDG_ARRAY_LEN(u_edges);
        for (size_t e = 0; e < count; e++) {
            for (int d = -2; d <= 2; d++) {
                uint64_t u = 0;
                int64_t s = 0;
                if (sign) {
                    if ((d < 0 && i_edges[e] < INT64_MIN - d) || (d > 0 && i_edges[e] + d >= 0))
                        continue;
                    s = i_edges[e] + d;
                } else {
                    if ((d < 0 && u_edges[e] < (uint64_t)-d) ||
                        (d > 0 && u_edges[e] > UINT64_MAX - (uint64_t)d))
                        continue;
                    u = u_edges[e] + (uint64_t)d;
                }
                int accepted = 0;
                if (sign ? s >= -32 : u <= 0x7f) {
                    uint8_t one = sign ? (uint8_t)s : (uint8_t)u;
                    accepted += check_in_contexts(&st, &one, 1);
                }
                for (int k = 0; k < 4; k++) {
                    int width = 1 << k;
                    int bits = 8 * width;
                    /* unsigned forms for non-negatives */
                    if (!sign && (bits == 64 || u >> bits == 0)) {
                        b.n = 0;
                        bytes_head(&b, (uint8_t)(0xcc + k), width, u);
                        accepted += check_in_contexts(&st, b.p, b.n);
                    }
                    /* signed forms, for values that fit */
                    bool fits = sign ? (bits == 64 || s >= -(INT64_C(1) << (bits - 1)))
                                     : (bits == 64 ? u <= INT64_MAX : u < (1ULL << (bits - 1)));
                    if (fits) {
                        b.n = 0;
                        bytes_head(&b, (uint8_t)(0xd0 + k), width, sign ? (uint64_t)s : u);
                        accepted += check_in_contexts(&st, b.p, b.n);
                    }
                }
                ck_assert_msg(accepted == 1, "%s%" PRIu64 ": %d canonical forms", sign ? "-" : "",
                              sign ? 0 - (uint64_t)s : u, accepted);
            }
        }
    }
    /* Every 16-bit argument in both 16-bit integer forms. */
    for (uint32_t v = 0; v <= 0xffff; v++) {
        const uint8_t u16[] = {0xcd, (uint8_t)(v >> 8), (uint8_t)v};
        const uint8_t i16[] = {0xd1, (uint8_t)(v >> 8), (uint8_t)v};
        same_verdict(&st, u16, 3);
        same_verdict(&st, i16, 3);
    }
    free(b.p);
    printf("differential integers: %" PRIu64 " cases, %" PRIu64 " accepted\n", st.cases,
           st.accepted);
}
END_TEST

START_TEST(test_differential_short_inputs)
{
    /* Every input of one and two bytes. */
    diff_stats st = {0};
    for (uint32_t v = 0; v <= 0xff; v++) {
        const uint8_t one[] = {(uint8_t)v};
        same_verdict(&st, one, 1);
    }
    for (uint32_t v = 0; v <= 0xffff; v++) {
        const uint8_t two[] = {(uint8_t)(v >> 8), (uint8_t)v};
        same_verdict(&st, two, 2);
    }
    printf("differential short inputs: %" PRIu64 " cases, %" PRIu64 " accepted\n", st.cases,
           st.accepted);
}
END_TEST

START_TEST(test_differential_lengths)
{
    diff_stats st = {0};
    static const size_t lens[] = {0, 1, 15, 16, 17, 31, 32, 33, 255, 256, 257, 65535, 65536, 65537};
    bytes b = {0};
    for (size_t e = 0; e < LDG_ARRAY_LEN(lens); e++) {
        size_t n = lens[e];
        /* kind 0: str (fixstr, str8/16/32), 1: bin (bin8/16/32), 2: array (fixarray,
         * array16/32) of n nils. Exactly one header form is canonical for each. */
        for (int kind = 0; kind < 3; kind++) {
            int accepted = 0;
            for (int form = 0; form < 4; form++) {
                static const uint8_t heads[3][4] = {
                    {0xa0, 0xd9, 0xda, 0xdb}, {0, 0xc4, 0xc5, 0xc6}, {0x90, 0, 0xdc, 0xdd}};
                static const int widths[4] = {0, 1, 2, 4};
                static const uint64_t caps[4] = {0, 0xff, 0xffff, 0xffffffff};
                uint8_t h = heads[kind][form];
                uint64_t cap = form ? caps[form] : kind == 0 ? 31 : 15;
                if (h == 0 || n > cap)
                    continue;
                b.n = 0;
                if (form == 0)
                    bytes_byte(&b, (uint8_t)(h | n));
                else
                    bytes_head(&b, h, widths[form], n);
                bytes_fill(&b, kind == 2 ? 0xc0 : 'x', n);
                accepted += check_in_contexts(&st, b.p, b.n);
            }
            ck_assert_msg(accepted == 1, "kind %d length %zu: %d canonical forms", kind, n,
                          accepted);
        }
    }
    free(b.p);
    printf("differential lengths: %" PRIu64 " cases, %" PRIu64 " accepted\n", st.cases,
           st.accepted);
}
END_TEST

START_TEST(test_differential_nesting)
{
    /* Chains of one-element arrays 13..18 deep around a nil or an empty array, with at most
     * one level in a long form (array16/32 of one) or a canonical array16 of 16 items whose
     * first item continues the chain. */
    diff_stats st = {0};
    bytes b = {0};
    for (int depth = 13; depth <= 18; depth++) {
        for (int odd = -1; odd < depth; odd++) {
            for (int form = 0; form < 3; form++) {
                for (int inner = 0; inner < 2; inner++) {
                    b.n = 0;
                    int sixteen = 0; /* levels that hold 15 more items after the chain */
                    for (int lvl = 0; lvl < depth; lvl++) {
                        if (lvl != odd)
                            bytes_byte(&b, 0x91);
                        else if (form == 0)
                            bytes_head(&b, 0xdc, 2, 1);
                        else if (form == 1)
                            bytes_head(&b, 0xdd, 4, 1);
                        else
                            bytes_head(&b, 0xdc, 2, 16), sixteen++;
                    }
                    bytes_byte(&b, inner ? 0x90 : 0xc0);
                    bytes_fill(&b, 0x01, 15 * (size_t)sixteen);
                    bool canonical = depth <= LDG_CODEC_DEPTH_MAX && (odd < 0 || form == 2);
                    ck_assert(same_verdict(&st, b.p, b.n) == canonical);
                }
            }
        }
    }
    /* Mixed trees: [[1, [2, [3]]], [], "a", [[[]]]] and its long-form variants. */
    static const uint8_t tree[] = {0x94, 0x92, 0x01, 0x92, 0x02, 0x91, 0x03,
                                   0x90, 0xa1, 'a',  0x91, 0x91, 0x90};
    ck_assert(same_verdict(&st, tree, sizeof tree));
    for (size_t i = 0; i < sizeof tree; i++) {
        if ((tree[i] & 0xf0) != 0x90)
            continue;
        b.n = 0;
        bytes_put(&b, tree, i);
        bytes_head(&b, 0xdc, 2, tree[i] & 0x0f);
        bytes_put(&b, tree + i + 1, sizeof tree - i - 1);
        ck_assert(!same_verdict(&st, b.p, b.n));
    }
    free(b.p);
    printf("differential nesting: %" PRIu64 " cases, %" PRIu64 " accepted\n", st.cases,
           st.accepted);
}
END_TEST

/* ---- random msgpack, canonical or not, and mutations of it ---- */

typedef struct gen {
    tl_rng *r;
    bytes *b;
    /* A header takes a non-canonical or refused form when it is the odd_at'th one asked
     * (so that one rule at a time decides), or else with chance noise per mille. */
    uint64_t noise, odd_at, asked;
    msgpack_packer pk;
} gen;

static int bytes_write(void *data, const char *buf, size_t len)
{
    bytes_put(data, buf, len);
    return 0;
}

static bool gen_odd(gen *g)
{
    return g->asked++ == g->odd_at || tl_rng_below(g->r, 1000) < g->noise;
}

/* An integer near a form boundary (as its two's complement if negative), small, or of
 * random bit length. */
static uint64_t gen_number(gen *g)
{
    static const uint64_t edges[] = {
        0,     31,    32,        127,        128,        255,       256,        0x7fff,
        65535, 65536, INT32_MAX, 0xffffffff, 1ULL << 32, INT64_MAX, 1ULL << 63, UINT64_MAX};
    static const int64_t negative_edges[] = {-32,    -33,    -128,      -129,
                                             -32768, -32769, INT32_MIN, INT32_MIN - INT64_C(1)};
    uint64_t delta = tl_rng_below(g->r, 5) - 2;
    switch (tl_rng_below(g->r, 4)) {
    case 0:
        return edges[tl_rng_below(g->r, LDG_ARRAY_LEN(edges))] + delta;
    case 1:
        return (uint64_t)negative_edges[tl_rng_below(g->r, LDG_ARRAY_LEN(negative_edges))] + delta;
    case 2:
        return tl_rng_below(g->r, 300);
    default:
        return tl_rng_next(g->r) >> tl_rng_below(g->r, 64);
    }
}

/* A length or count: mostly short, sometimes around 255/256, rarely around 65536. */
static uint64_t gen_length(gen *g, bool allow_huge)
{
    uint64_t k = tl_rng_below(g->r, 1000);
    if (k < 900)
        return tl_rng_below(g->r, k < 600 ? 6 : 40);
    if (k < 995 || !allow_huge)
        return 252 + tl_rng_below(g->r, 8);
    return 65534 + tl_rng_below(g->r, 4);
}

/* Whether a string or binary of length n gets an odd header form. Lengths around 65536 are
 * rare (they are costly), so those that do occur try another form half the time. */
static bool gen_odd_length(gen *g, uint64_t n)
{
    return gen_odd(g) || (n > 0xffff - 2 && tl_rng_below(g->r, 2));
}

/* Header h of one of the length forms (width 0: the length sits in the low `mask` bits of
 * h); returns the length actually declared, which the caller then supplies. */
static uint64_t gen_head(gen *g, uint8_t h, int width, uint8_t mask, uint64_t n)
{
    static const uint64_t caps[] = {0, 0xff, 0xffff, 0, 0xffffffff};
    if (width == 0) {
        n &= mask;
        bytes_byte(g->b, (uint8_t)(h | n));
    } else {
        n &= caps[width];
        bytes_head(g->b, h, width, n);
    }
    return n;
}

static void gen_value(gen *g, int depth);

static void gen_items(gen *g, uint64_t n, int depth)
{
    for (uint64_t i = 0; i < n; i++) {
        if (g->b->n > 8192 || n > 64)
            bytes_byte(g->b, i & 1 ? 0xc0 : 0x01); /* keeps big arrays cheap */
        else
            gen_value(g, depth);
    }
}

/* The three header forms of each length-carrying type, and their argument widths. */
static const uint8_t str_heads[] = {0xa0, 0xd9, 0xda, 0xdb};
static const int str_widths[] = {0, 1, 2, 4};
static const uint8_t array_heads[] = {0x90, 0xdc, 0xdd};
static const uint8_t map_heads[] = {0x80, 0xde, 0xdf};
static const int array_widths[] = {0, 2, 4}; /* also maps' */
static const int bin_widths[] = {1, 2, 4};   /* also ext8/16/32 */

static void gen_refused(gen *g, int depth)
{
    uint64_t n = tl_rng_below(g->r, 3);
    switch (tl_rng_below(g->r, 6)) {
    case 0: /* fixmap, map16, map32 */
        n = gen_head(g, map_heads[n], array_widths[n], 0x0f, tl_rng_below(g->r, 3));
        gen_items(g, 2 * n, depth + 1);
        break;
    case 1: /* float32, float64 */
        bytes_byte(g->b, n ? 0xcb : 0xca);
        bytes_fill(g->b, (uint8_t)tl_rng_next(g->r), n ? 8 : 4);
        break;
    case 2: /* fixext1..16 */
        n = tl_rng_below(g->r, 5);
        bytes_byte(g->b, (uint8_t)(0xd4 + n));
        bytes_fill(g->b, 0x01, 1 + ((size_t)1 << n));
        break;
    case 3: /* ext8/16/32 */
        n = gen_head(g, (uint8_t)(0xc7 + n), bin_widths[n], 0, tl_rng_below(g->r, 4));
        bytes_fill(g->b, 0x01, 1 + n);
        break;
    default:
        bytes_byte(g->b, 0xc1);
    }
}

static void gen_integer(gen *g)
{
    uint64_t v = gen_number(g);
    bool negative = tl_rng_below(g->r, 2);
    if (!gen_odd(g)) {
        /* canonical, from msgpack-c's own packer */
        if (negative && (int64_t)v < 0)
            LDG_ASSERT(msgpack_pack_int64(&g->pk, (int64_t)v) == 0);
        else
            LDG_ASSERT(msgpack_pack_uint64(&g->pk, v) == 0);
        return;
    }
    uint64_t k = tl_rng_below(g->r, 10);
    if (k == 8)
        bytes_byte(g->b, (uint8_t)(v & 0x7f)); /* positive fixint */
    else if (k == 9)
        bytes_byte(g->b, (uint8_t)(0xe0 | (v & 0x1f))); /* negative fixint */
    else
        bytes_head(g->b, (uint8_t)((k < 4 ? 0xcc : 0xd0) + (k & 3)), 1 << (k & 3), v);
}

static void gen_value(gen *g, int depth)
{
    uint64_t k = tl_rng_below(g->r, depth < 3 ? 12 : depth < 18 ? 16 : 64);
    if (tl_rng_below(g->r, 4) == 0 && gen_odd(g)) {
        gen_refused(g, depth);
        return;
    }
    switch (k) {
    case 0:
    case 1: { /* str */
        uint64_t n = gen_length(g, g->b->n < 1024),
                 f = gen_odd_length(g, n) ? tl_rng_below(g->r, 4) : 9;
        if (f == 9)
            LDG_ASSERT(msgpack_pack_str(&g->pk, n) == 0);
        else
            n = gen_head(g, str_heads[f], str_widths[f], 0x1f, n);
        bytes_fill(g->b, 'x', n);
        break;
    }
    case 2: { /* bin */
        uint64_t n = gen_length(g, g->b->n < 1024),
                 f = gen_odd_length(g, n) ? tl_rng_below(g->r, 3) : 9;
        if (f == 9)
            LDG_ASSERT(msgpack_pack_bin(&g->pk, n) == 0);
        else
            n = gen_head(g, (uint8_t)(0xc4 + f), bin_widths[f], 0, n);
        bytes_fill(g->b, 0xc1, n);
        break;
    }
    case 3:
    case 4:
    case 5:
    case 6: { /* array */
        uint64_t n = gen_length(g, false), f = gen_odd(g) ? tl_rng_below(g->r, 3) : 9;
        if (depth >= 12 && tl_rng_below(g->r, 2))
            n = 1; /* reach past the depth limit now and then */
        if (f == 9)
            LDG_ASSERT(msgpack_pack_array(&g->pk, n) == 0);
        else
            n = gen_head(g, array_heads[f], array_widths[f], 0x0f, n);
        gen_items(g, n, depth + 1);
        break;
    }
    case 7: { /* nil, false, true */
        uint64_t c = tl_rng_below(g->r, 3);
        bytes_byte(g->b, (uint8_t)(c ? 0xc1 + c : 0xc0));
        break;
    }
    default:
        gen_integer(g);
    }
}

static void mutate(tl_rng *r, bytes *b)
{
    static const uint8_t heads[] = {
        0x00, 0x7f, 0x80, 0x8f, 0x90, 0x91, 0x9f, 0xa0, 0xa1, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3,
        0xc4, 0xc5, 0xc6, 0xc7, 0xca, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4,
        0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff, 0x20, 0x21, 0x0f, 0x10, 0x1f};
    uint64_t count = 1 + tl_rng_below(r, 3);
    for (uint64_t m = 0; m < count; m++) {
        size_t at = b->n ? (size_t)tl_rng_below(r, b->n) : 0;
        switch (b->n ? tl_rng_below(r, 8) : 4) {
        case 0:
            b->p[at] ^= (uint8_t)(1u << tl_rng_below(r, 8));
            break;
        case 1:
            b->p[at] = (uint8_t)tl_rng_next(r);
            break;
        case 2:
            b->p[at] = heads[tl_rng_below(r, LDG_ARRAY_LEN(heads))];
            break;
        case 3:
            b->p[at] += tl_rng_below(r, 2) ? 1 : 0xff; /* a length or value one off */
            break;
        case 4: /* insert */
            bytes_byte(b, 0);
            memmove(b->p + at + 1, b->p + at, b->n - at - 1);
            b->p[at] = tl_rng_below(r, 2) ? (uint8_t)tl_rng_next(r)
                                          : heads[tl_rng_below(r, LDG_ARRAY_LEN(heads))];
            break;
        case 5: /* delete */
            memmove(b->p + at, b->p + at + 1, b->n - at - 1);
            b->n--;
            break;
        case 6: /* truncate */
            b->n = at;
            break;
        default: /* append */
            bytes_byte(b, (uint8_t)tl_rng_next(r));
        }
    }
}

#define DIFF_RANDOM_CASES 400000

START_TEST(test_differential_random)
{
    tl_rng r;
    tl_rng_init(&r, tl_seed("test_codec/differential", 0xd1ffc0deULL));
    bytes b = {0};
    gen g = {.r = &r, .b = &b};
    msgpack_packer_init(&g.pk, &b, bytes_write);
    diff_stats gen_st = {0}, mut_st = {0};
    for (int it = 0; it < DIFF_RANDOM_CASES; it++) {
        /* a third all canonical, a third with one odd header, a third noisy */
        static const uint64_t noise[] = {0, 0, 0, 0, 0, 0, 2, 10, 50};
        uint64_t mode = tl_rng_below(&r, LDG_ARRAY_LEN(noise));
        g.noise = noise[mode];
        g.odd_at = mode >= 3 && mode < 6 ? tl_rng_below(&r, 6) : UINT64_MAX;
        g.asked = 0;
        b.n = 0;
        /* One case in eight is a chain of one-element arrays around the value, so the walk
         * meets the depth limit often. */
        int chain = tl_rng_below(&r, 8) ? 0 : 10 + (int)tl_rng_below(&r, 9);
        for (int lvl = 0; lvl < chain; lvl++) {
            if (gen_odd(&g))
                bytes_head(&b, 0xdc, 2, 1);
            else
                bytes_byte(&b, 0x91);
        }
        gen_value(&g, chain);
        same_verdict(&gen_st, b.p, b.n);
        mutate(&r, &b);
        same_verdict(&mut_st, b.p, b.n);
    }
    free(b.p);
    printf("differential random: %" PRIu64 " generated (%" PRIu64 " accepted, %" PRIu64
           " bytes), %" PRIu64 " mutated (%" PRIu64 " accepted)\n",
           gen_st.cases, gen_st.accepted, gen_st.bytes, mut_st.cases, mut_st.accepted);
    /* The generator must give both verdicts plenty of work. */
    ck_assert_uint_gt(gen_st.accepted, gen_st.cases / 5);
    ck_assert_uint_lt(gen_st.accepted, gen_st.cases * 9 / 10);
    ck_assert_uint_gt(mut_st.accepted, mut_st.cases / 50);
}
END_TEST

/* ---- random canonical values: ldg_decode's tree against msgpack-c's ---- */

typedef struct tree_gen {
    tl_rng *r;
    ldg_enc *e;
    size_t budget; /* bytes still to spend on long bodies and big arrays */
    size_t nodes;  /* values still to generate in full; then only cheap ones */
} tree_gen;

/* A length or count: often at a header form's boundary (0, 15/16, 31/32, 255/256,
 * 65535/65536), else short. The long ones only while the budget lasts. */
static uint32_t tree_length(tree_gen *g, uint32_t cap)
{
    static const uint32_t edges[] = {0,  0,  1,   2,   15,  16,    17,   31,
                                     32, 33, 255, 256, 257, 65535, 65536};
    uint32_t n = tl_rng_below(g->r, 3) ? (uint32_t)tl_rng_below(g->r, 8)
                                       : edges[tl_rng_below(g->r, LDG_ARRAY_LEN(edges))];
    if (n > cap || (n > 300 && (n > g->budget || tl_rng_below(g->r, 64))))
        n = (uint32_t)tl_rng_below(g->r, 4);
    if (n > 300)
        g->budget -= n;
    return n;
}

/* A random canonical value at depth `depth`; an array if `array` (and the depth allows). */
static void tree_value(tree_gen *g, int depth, bool array)
{
    static uint8_t body[65537];
    static bool body_ready;
    if (!body_ready) {
        for (size_t i = 0; i < sizeof body; i++)
            body[i] = (uint8_t)(0x20 + i % 95);
        body_ready = true;
    }
    if (g->nodes)
        g->nodes--;
    switch (array && depth < LDG_CODEC_DEPTH_MAX ? 9 : tl_rng_below(g->r, g->nodes ? 10 : 7)) {
    case 0: /* non-negative, at a form boundary or of random bit length */
    case 1: {
        static const uint64_t edges[] = {
            0, 127, 128, 255, 256, 65535, 65536, 0xffffffffULL, 1ULL << 32, INT64_MAX, UINT64_MAX};
        uint64_t v = tl_rng_below(g->r, 2) ? edges[tl_rng_below(g->r, LDG_ARRAY_LEN(edges))] +
                                                 tl_rng_below(g->r, 3) - 1
                                           : tl_rng_next(g->r) >> tl_rng_below(g->r, 64);
        ldg_enc_u64(g->e, v);
        break;
    }
    case 2: { /* negative */
        static const int64_t edges[] = {
            -1, -32, -33, -128, -129, -32768, -32769, INT32_MIN, (int64_t)INT32_MIN - 1, INT64_MIN};
        int64_t v =
            tl_rng_below(g->r, 2)
                ? edges[tl_rng_below(g->r, LDG_ARRAY_LEN(edges))] + (int64_t)tl_rng_below(g->r, 2)
                : -(int64_t)(tl_rng_next(g->r) >> (1 + tl_rng_below(g->r, 63))) - 1;
        if (v >= 0)
            v = -1;
        ldg_enc_i64(g->e, v);
        break;
    }
    case 3: /* nil, false, true */
        if (tl_rng_below(g->r, 3) == 0)
            ldg_enc_nil(g->e);
        else
            ldg_enc_bool(g->e, tl_rng_below(g->r, 2));
        break;
    case 4: /* str, empty one time in four */
    case 5: {
        uint32_t n = tl_rng_below(g->r, 4) ? tree_length(g, sizeof body) : 0;
        ldg_enc_strn(g->e, (const char *)body + tl_rng_below(g->r, 2), n);
        break;
    }
    case 6: { /* bin, likewise */
        uint32_t n = tl_rng_below(g->r, 4) ? tree_length(g, sizeof body) : 0;
        ldg_enc_bin(g->e, body, n);
        break;
    }
    default: { /* array (an empty one at the depth limit) */
        uint32_t n = depth < LDG_CODEC_DEPTH_MAX ? tree_length(g, UINT32_MAX) : 0;
        ldg_enc_array(g->e, n);
        for (uint32_t i = 0; i < n; i++) {
            if ((n > 64 && i > 8) || !g->nodes) /* cheap items, empty strings among them */
                ldg_enc_raw(g->e, i % 3 ? "\xa0" : "\x01", 1);
            else
                tree_value(g, depth + 1, false);
        }
    }
    }
}

#define TREE_RANDOM_CASES 60000

START_TEST(test_tree_random)
{
    tl_rng r;
    tl_rng_init(&r, tl_seed("test_codec/tree", 0x7eeec0deULL));
    ldg_enc e;
    ldg_enc_init(&e);
    diff_stats st = {0};
    uint64_t heap = 0;
    for (int it = 0; it < TREE_RANDOM_CASES; it++) {
        ldg_enc_reset(&e);
        tree_gen g = {.r = &r, .e = &e, .budget = 70000};
        g.nodes = tl_rng_below(&r, 2) ? 1 + tl_rng_below(&r, 20) : 1 + tl_rng_below(&r, 300);
        /* Now and then a chain of one-element arrays around the value, up to the limit. */
        int chain = tl_rng_below(&r, 8) ? 0 : (int)tl_rng_below(&r, LDG_CODEC_DEPTH_MAX + 1);
        for (int lvl = 0; lvl < chain; lvl++)
            ldg_enc_array(&e, 1);
        tree_value(&g, chain, tl_rng_below(&r, 4) != 0);
        /* The encoder is canonical: every case must decode, to msgpack-c's tree. */
        if (!same_verdict(&st, ldg_enc_data(&e), ldg_enc_len(&e))) {
            char hex[2 * 48 + 4];
            ck_abort_msg("a canonical value was rejected: %zu bytes %s", ldg_enc_len(&e),
                         hex_head(hex, ldg_enc_data(&e), ldg_enc_len(&e)));
        }
        ldg_dec d;
        if (ldg_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e)) != LDG_OK)
            ck_abort_msg("a canonical value was rejected");
        heap += d.heap != NULL;
        ldg_dec_free(&d);
    }
    ldg_enc_free(&e);
    printf("tree random: %" PRIu64 " values (%" PRIu64 " bytes), %" PRIu64
           " needed an allocation\n",
           st.cases, st.bytes, heap);
    /* Both the inline and the allocated layout must be well exercised. */
    ck_assert_uint_gt(heap, st.cases / 10);
    ck_assert_uint_lt(heap, st.cases * 9 / 10);
}
END_TEST

START_TEST(test_tree_layout)
{
    /* The boundary between the inline block and an allocation: an array of n - 1 nils is
     * n values; and the trees msgpack-c gives empty strings, binaries and arrays. */
    diff_stats st = {0};
    bytes b = {0};
    for (size_t n = 1; n <= LDG_DEC_SMALL + 2; n++) {
        b.n = 0;
        if (n - 1 <= 15)
            bytes_byte(&b, (uint8_t)(0x90 | (n - 1)));
        else
            bytes_head(&b, 0xdc, 2, n - 1);
        bytes_fill(&b, 0xc0, n - 1);
        ck_assert(check_in_contexts(&st, b.p, b.n));
    }
    static const uint8_t empties[][12] = {
        {0xa0},                                   /* "" alone: NULL */
        {0xc4, 0x00},                             /* bin8 of 0: its length byte */
        {0x92, 0xa1, 'a', 0xa0},                  /* "" after "a": the "a" */
        {0x93, 0xcd, 0x01, 0x00, 0xa0, 0x90},     /* "" after a uint16: its argument */
        {0x93, 0xd0, 0x80, 0xc4, 0x00, 0xa0},     /* "" after an empty bin8 */
        {0x94, 0x90, 0x90, 0x91, 0x90, 0xa0},     /* empty arrays, then "": NULL */
        {0x92, 0xa3, 'a', 'b', 'c', 0xc4, 0x00},  /* bin8 of 0 after a string */
        {0x92, 0x91, 0xa2, 'h', 'i', 0x91, 0xa0}, /* "" in another array after "hi" */
    };
    static const size_t empty_lens[] = {1, 2, 4, 6, 6, 6, 7, 7};
    for (size_t i = 0; i < LDG_ARRAY_LEN(empties); i++)
        ck_assert(check_in_contexts(&st, empties[i], empty_lens[i]));
    /* array16 and array32 headers hold their count; array16 of 16 empty strings */
    b.n = 0;
    bytes_head(&b, 0xdc, 2, 16);
    bytes_fill(&b, 0xa0, 16);
    ck_assert(check_in_contexts(&st, b.p, b.n));
    b.n = 0;
    bytes_head(&b, 0xdd, 4, 65536);
    bytes_fill(&b, 0xa0, 65536);
    ck_assert(check_in_contexts(&st, b.p, b.n));
    free(b.p);
}
END_TEST

START_TEST(test_failure_needs_no_free)
{
    /* Inputs that fail late (after many values, past the inline block): the decoder is left
     * with no tree, and since nothing is freed here, LeakSanitizer would report an
     * allocation that a failed decode kept. */
    bytes b = {0};
    for (int kind = 0; kind < 4; kind++) {
        b.n = 0;
        bytes_head(&b, 0xdc, 2, 1000);
        bytes_fill(&b, 0xc0, 999);
        if (kind == 0)
            bytes_byte(&b, 0xca); /* a float last */
        else if (kind == 1)
            bytes_put(&b, "\xc0\xc0", 2); /* a trailing byte */
        else if (kind == 2)
            bytes_head(&b, 0xcd, 2, 5); /* the last item not canonical */
        else
            b.n--; /* truncated */
        uint8_t *p = malloc(b.n);
        memcpy(p, b.p, b.n);
        ldg_dec d;
        memset(&d, 0xa5, sizeof d);
        ck_assert_int_eq(ldg_decode(&d, p, b.n), LDG_ERR_DECODE);
        ck_assert_ptr_null(d.root);
        ck_assert_ptr_null(d.heap);
        free(p);
    }
    free(b.p);
}
END_TEST

START_TEST(test_moved_decoder_asserts)
{
    /* root points into the decoder: freeing a copy of a decoded ldg_dec is caught. */
    const uint8_t v[] = {0x92, 0x01, 0x02};
    ldg_dec d, moved;
    ck_assert_int_eq(ldg_decode(&d, v, sizeof v), LDG_OK);
    ck_assert_ptr_eq(d.root, d.small);
    memcpy(&moved, &d, sizeof d);
    ldg_dec_free(&moved); /* aborts */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("codec");
    TCase *tc = tcase_create("codec");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_u64_round_trip);
    tcase_add_test(tc, test_i64_round_trip);
    tcase_add_test(tc, test_composite_round_trip);
    tcase_add_test(tc, test_enc_take_and_reset);
    tcase_add_test(tc, test_noncanonical_integers);
    tcase_add_test(tc, test_noncanonical_lengths);
    tcase_add_test(tc, test_rejected_types_and_framing);
    tcase_add_test(tc, test_nesting_limit);
    tcase_add_test(tc, test_truncation);
    tcase_add_test(tc, test_huge_declared_lengths);
    tcase_add_test(tc, test_accessors);
    tcase_add_test(tc, test_string_validation);
    tcase_add_test(tc, test_utf8_rfc3629);
    tcase_add_test(tc, test_random_round_trip);
    suite_add_tcase(s, tc);
    TCase *diff = tcase_create("differential");
    tcase_set_timeout(diff, 600);
    tcase_add_test(diff, test_differential_integers);
    tcase_add_test(diff, test_differential_short_inputs);
    tcase_add_test(diff, test_differential_lengths);
    tcase_add_test(diff, test_differential_nesting);
    tcase_add_test(diff, test_differential_random);
    tcase_add_test(diff, test_tree_layout);
    tcase_add_test(diff, test_tree_random);
    tcase_add_test(diff, test_failure_needs_no_free);
    tcase_add_test_raise_signal(diff, test_moved_decoder_asserts, SIGABRT);
    suite_add_tcase(s, diff);
    return tl_run(s);
}
