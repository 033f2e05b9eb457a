/* Unit tests for ledger/ldg_codec: canonical msgpack round trips at every width boundary,
 * rejection of each non-canonical form (long integer/length/count forms, trailing bytes,
 * maps, floats, ext, over-deep nesting, truncation), the typed accessors, and the text
 * rule of ldg_obj_str (specs/encoding.md 1.3), plus a seeded random round-trip property. */
#include "testlib.h"

#include "ldg_codec.h"

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
    ck_assert_int_eq(ldg_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e)), LDG_OK);
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
    STR_OK("\xe0\x80\x80");          /* overlong 3-byte: accepted per spec 1.3 */
    STR_OK("\xed\xa0\x80");          /* surrogate: accepted per spec 1.3 */
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
    tcase_add_test(tc, test_random_round_trip);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
