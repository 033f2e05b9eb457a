/* Unit tests for net/net_reply: a reply is never NULL and always JSON whatever text it
 * echoes (issue 12 item 1: jansson refuses text that is not UTF-8, and a NULL reply crashed
 * the node), the UTF-8 repair of echoed text, and the paging arguments and cursors. */
#include "testlib.h"

#include "ldg_codec.h"
#include "net_reply.h"

#include <jansson.h>

static json_t *parsed(char *s)
{
    ck_assert_ptr_nonnull(s);
    json_t *j = json_loads(s, 0, NULL);
    ck_assert_msg(j != NULL, "not JSON: %s", s);
    free(s);
    return j;
}

START_TEST(test_error_echoes_bad_text)
{
    static const char *const bad[] = {"x\xed\xa0\x80", "\xe0\x80\x80", "\xf4\x90\x80\x80",
                                      "ab\xe2\x82",    "\xff\xfe",     "\xc0\x80"};
    for (size_t i = 0; i < LDG_ARRAY_LEN(bad); i++) {
        int status = 0;
        json_t *j =
            parsed(net_reply_error(&status, LDG_ERR_PROTOCOL, "unknown method '%s'", bad[i]));
        ck_assert_int_eq(status, LDG_ERR_PROTOCOL);
        ck_assert_str_eq(json_string_value(json_object_get(j, "error")), "PROTOCOL");
        const char *m = json_string_value(json_object_get(j, "message"));
        ck_assert(m && strstr(m, "\xef\xbf\xbd")); /* the bad bytes became U+FFFD */
        json_decref(j);
    }
    /* A message cut by the 512-byte bound in the middle of a character stays UTF-8. */
    char big[600];
    for (size_t i = 0; i + 3 < sizeof big; i += 3)
        memcpy(big + i, "\xe2\x82\xac", 3);
    big[sizeof big - 1] = '\0';
    big[sizeof big - 2] = '\0';
    big[sizeof big - 3] = '\0';
    for (int shift = 0; shift < 3; shift++) {
        int status;
        json_t *j = parsed(net_reply_error(&status, LDG_ERR_INVALID, "%.*s%s", shift, "ab", big));
        json_decref(j);
    }
}
END_TEST

START_TEST(test_dump_never_null)
{
    int status = 0;
    json_t *j = parsed(net_reply_dump(NULL, JSON_COMPACT, &status));
    ck_assert_int_eq(status, LDG_ERR_TEXT);
    ck_assert_str_eq(json_string_value(json_object_get(j, "error")), "TEXT");
    json_decref(j);
    /* What a handler builds from stored text that is not UTF-8: json_pack gives NULL. */
    status = 0;
    j = parsed(net_reply_dump(json_pack("{s:s}", "name", "x\xed\xa0\x80"), JSON_COMPACT, &status));
    ck_assert_int_eq(status, LDG_ERR_TEXT);
    json_decref(j);
    status = 0;
    j = parsed(net_reply_dump(json_pack("{s:o}", "name", net_json_text("x\xed\xa0\x80", 4)),
                              JSON_COMPACT, &status));
    ck_assert_int_eq(status, 0);
    ck_assert_str_eq(json_string_value(json_object_get(j, "name")),
                     "x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    json_decref(j);
}
END_TEST

START_TEST(test_sanitize)
{
    char out[16];
    ck_assert_uint_eq(net_utf8_sanitize(out, sizeof out, "caf\xc3\xa9", 5), 5);
    ck_assert_str_eq(out, "caf\xc3\xa9");
    ck_assert_uint_eq(net_utf8_sanitize(out, sizeof out, "\xed\xa0\x80", 3), 9);
    ck_assert(ldg_utf8_valid((const uint8_t *)out, strlen(out)));
    /* Never a partial character at the end of a full buffer. */
    ck_assert_uint_eq(net_utf8_sanitize(out, 5, "\xe2\x82\xac\xe2\x82\xac", 6), 3);
    ck_assert_str_eq(out, "\xe2\x82\xac");
}
END_TEST

static uint32_t enc_args(ldg_enc *e, ldg_dec *d, int kind)
{
    ldg_enc_init(e);
    switch (kind) {
    case 0: /* [] */
        ldg_enc_array(e, 0);
        break;
    case 1: /* [nil, 5] */
        ldg_enc_array(e, 2);
        ldg_enc_nil(e);
        ldg_enc_u64(e, 5);
        break;
    case 2: /* ["bob", 0] */
        ldg_enc_array(e, 2);
        ldg_enc_str(e, "bob");
        ldg_enc_u64(e, 0);
        break;
    case 3: /* [nil, 1001]: over the page max */
        ldg_enc_array(e, 2);
        ldg_enc_nil(e);
        ldg_enc_u64(e, LDG_QUERY_PAGE_MAX + 1);
        break;
    default: /* [7, 1]: a cursor is text */
        ldg_enc_array(e, 2);
        ldg_enc_u64(e, 7);
        ldg_enc_u64(e, 1);
    }
    ck_assert_int_eq(ldg_decode(d, ldg_enc_data(e), ldg_enc_len(e)), LDG_OK);
    return d->root->via.array.size;
}

START_TEST(test_page_args)
{
    ldg_enc e;
    ldg_dec d;
    net_page p;
    char after[LDG_QUERY_CURSOR_MAX + 1];
    const bool ok[] = {true, true, true, false, false};
    for (int k = 0; k < 5; k++) {
        uint32_t n = enc_args(&e, &d, k);
        ck_assert_int_eq(net_page_args(&p, after, d.root->via.array.ptr, n, 0), ok[k]);
        if (k == 0)
            ck_assert(!p.has_after && p.limit == LDG_QUERY_PAGE_MAX);
        if (k == 1)
            ck_assert(!p.has_after && p.limit == 5);
        if (k == 2)
            ck_assert(p.has_after && !strcmp(after, "bob") && p.limit == LDG_QUERY_PAGE_MAX);
        ldg_dec_free(&d);
        ldg_enc_free(&e);
    }
    /* Cursor order is the store's key order; take stops at the limit and says "more". */
    memset(&p, 0, sizeof p);
    p.limit = 2;
    ck_assert(net_page_u64_key(&p, "258"));
    p.has_after = true;
    uint8_t k257[8] = {0, 0, 0, 0, 0, 0, 1, 1}, k258[8] = {0, 0, 0, 0, 0, 0, 1, 2},
            k259[8] = {0, 0, 0, 0, 0, 0, 1, 3};
    ck_assert(!net_page_after(&p, k257, 8) && !net_page_after(&p, k258, 8));
    ck_assert(net_page_after(&p, k259, 8));
    ck_assert(net_page_take(&p, k259, 8) && net_page_take(&p, k259, 8));
    ck_assert(!net_page_take(&p, k259, 8) && p.more);
    char text[21];
    net_page_u64_text(&p, text);
    ck_assert_str_eq(text, "259");
    ck_assert(!net_page_u64_key(&p, "18446744073709551616")); /* 2^64 */
    ck_assert(!net_page_u64_key(&p, "-1") && !net_page_u64_key(&p, ""));
}
END_TEST

/* Times: ISO 8601 UTC with milliseconds beside the integer; dates across leap days and
 * eras; a year past 9999 is null, never a malformed string. */
START_TEST(test_times)
{
    json_t *j = json_object();
    net_json_time(j, "time", 1765090923123ULL); /* 2025-12-07T07:02:03.123Z */
    ck_assert_str_eq(json_string_value(json_object_get(j, "time")), "2025-12-07T07:02:03.123Z");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "time_ms")), 1765090923123LL);
    net_json_time(j, "expiry", 0);
    ck_assert_str_eq(json_string_value(json_object_get(j, "expiry")), "1970-01-01T00:00:00.000Z");
    net_json_time(j, "far", 253402300800000ULL); /* 10000-01-01 */
    ck_assert(json_is_null(json_object_get(j, "far")));
    ck_assert_int_eq(json_integer_value(json_object_get(j, "far_ms")), 253402300800000LL);
    net_json_time(j, "huge", UINT64_MAX);
    ck_assert(json_is_null(json_object_get(j, "huge")));
    ck_assert_int_eq(json_integer_value(json_object_get(j, "huge_ms")), INT64_MAX);
    json_decref(j);
    char d[11];
    ck_assert(net_utc_date(d, 951782400000ULL)); /* 2000-02-29 */
    ck_assert_str_eq(d, "2000-02-29");
    ck_assert(net_utc_date(d, 4107542400000ULL)); /* 2100-03-01 (2100 is not leap) */
    ck_assert_str_eq(d, "2100-03-01");
    ck_assert(net_utc_date(d, 253402300799999ULL));
    ck_assert_str_eq(d, "9999-12-31");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reply");
    TCase *tc = tcase_create("reply");
    tcase_add_test(tc, test_error_echoes_bad_text);
    tcase_add_test(tc, test_dump_never_null);
    tcase_add_test(tc, test_sanitize);
    tcase_add_test(tc, test_page_args);
    tcase_add_test(tc, test_times);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
