/* Unit tests for sealed key files (net_keyfile.c, specs/home.md §2.3) and the node log's
 * line format (net_log.c): a sealed secret opens only with its passphrase; any change to
 * any field is refused; figures above the limits are refused before scrypt runs; the
 * clear form is exactly 64 hex digits and an optional newline. */
#include "testlib.h"

#include "ldg_limits.h"
#include "net_keyfile.h"
#include "net_log.h"

#include <string.h>

static const uint8_t secret[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static ldg_err open_text(const char *text, const char *pass, uint8_t out[32])
{
    return net_keyfile_open((const uint8_t *)text, strlen(text), pass, out);
}

START_TEST(test_seal_open_round_trip)
{
    char line[NET_KEY_FILE_MAX];
    uint8_t out[32];
    ck_assert_int_eq(net_keyfile_seal(line, sizeof line, secret, "correct horse"), LDG_OK);
    ck_assert(net_keyfile_sealed((const uint8_t *)line, strlen(line)));
    ck_assert(strncmp(line, "folio-key-v1:scrypt:15:8:1:", 27) == 0);
    ck_assert(line[strlen(line) - 1] == '\n');
    ck_assert_int_eq(open_text(line, "correct horse", out), LDG_OK);
    ck_assert(memcmp(out, secret, 32) == 0);
    ck_assert_int_eq(open_text(line, NULL, out), LDG_ERR_DENIED);
    ck_assert_int_eq(open_text(line, "wrong horse", out), LDG_ERR_CRYPTO);
    /* Two seals of one secret differ (salt and nonce are random). */
    char again[NET_KEY_FILE_MAX];
    ck_assert_int_eq(net_keyfile_seal(again, sizeof again, secret, "correct horse"), LDG_OK);
    ck_assert_str_ne(line, again);
    ck_assert_int_eq(net_keyfile_seal(again, sizeof again, secret, ""), LDG_ERR_INVALID);
}
END_TEST

START_TEST(test_every_change_refused)
{
    char line[NET_KEY_FILE_MAX], bad[NET_KEY_FILE_MAX];
    uint8_t out[32];
    ck_assert_int_eq(net_keyfile_seal(line, sizeof line, secret, "pw"), LDG_OK);
    size_t start = strlen("folio-key-v1:scrypt:15:8:1:");
    /* One hex digit changed anywhere in salt, nonce, ciphertext or tag: never opens. */
    for (size_t i = start; i + 1 < strlen(line); i += 13) {
        if (line[i] == ':')
            continue;
        memcpy(bad, line, sizeof bad);
        bad[i] = bad[i] == '0' ? '1' : '0';
        ldg_err e = open_text(bad, "pw", out);
        ck_assert_msg(e == LDG_ERR_CRYPTO, "byte %zu changed: %d", i, (int)e);
    }
    /* The cost figures are authenticated too: 15 -> 14 does not open. */
    memcpy(bad, line, sizeof bad);
    bad[start - 6] = '4';
    ck_assert_int_eq(open_text(bad, "pw", out), LDG_ERR_CRYPTO);
}
END_TEST

START_TEST(test_malformed_and_limits)
{
    char line[NET_KEY_FILE_MAX], bad[NET_KEY_FILE_MAX + 64];
    uint8_t out[32];
    ck_assert_int_eq(net_keyfile_seal(line, sizeof line, secret, "pw"), LDG_OK);
    const char *tail = line + strlen("folio-key-v1:scrypt:15:8:1:");
    /* Above the read limits: refused as corrupt, before any scrypt work. */
    snprintf(bad, sizeof bad, "folio-key-v1:scrypt:19:8:1:%s", tail);
    ck_assert_int_eq(open_text(bad, "pw", out), LDG_ERR_CORRUPT);
    snprintf(bad, sizeof bad, "folio-key-v1:scrypt:15:9:1:%s", tail);
    ck_assert_int_eq(open_text(bad, "pw", out), LDG_ERR_CORRUPT);
    snprintf(bad, sizeof bad, "folio-key-v1:scrypt:15:8:2:%s", tail);
    ck_assert_int_eq(open_text(bad, "pw", out), LDG_ERR_CORRUPT);
    snprintf(bad, sizeof bad, "folio-key-v1:scrypt:015:8:1:%s", tail);
    ck_assert_int_eq(open_text(bad, "pw", out), LDG_ERR_CORRUPT);
    snprintf(bad, sizeof bad, "folio-key-v1:bcrypt:15:8:1:%s", tail);
    ck_assert_int_eq(open_text(bad, "pw", out), LDG_ERR_CORRUPT);
    /* No newline, an extra field, a short field. */
    snprintf(bad, sizeof bad, "%.*s", (int)strlen(line) - 1, line);
    ck_assert_int_eq(open_text(bad, "pw", out), LDG_ERR_CORRUPT);
    snprintf(bad, sizeof bad, "%.*s:00\n", (int)strlen(line) - 1, line);
    ck_assert_int_eq(open_text(bad, "pw", out), LDG_ERR_CORRUPT);
    snprintf(bad, sizeof bad, "%.*s\n", (int)strlen(line) - 3, line);
    ck_assert_int_eq(open_text(bad, "pw", out), LDG_ERR_CORRUPT);
    ck_assert_int_eq(open_text("folio-key-v1:", "pw", out), LDG_ERR_CORRUPT);
    /* Clear keys: exactly 64 hex digits and an optional newline. */
    char hex[80] = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
    ck_assert_int_eq(open_text(hex, NULL, out), LDG_OK);
    ck_assert(memcmp(out, secret, 32) == 0);
    strcat(hex, "\n");
    ck_assert_int_eq(open_text(hex, NULL, out), LDG_OK);
    strcat(hex, "\n");
    ck_assert_int_eq(open_text(hex, NULL, out), LDG_ERR_CORRUPT);
    ck_assert_int_eq(open_text("0102", NULL, out), LDG_ERR_CORRUPT);
    ck_assert_int_eq(
        open_text("zz02030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", NULL, out),
        LDG_ERR_CORRUPT);
    memset(bad, 'a', sizeof bad - 1);
    bad[sizeof bad - 1] = '\0';
    ck_assert_int_eq(open_text(bad, "pw", out), LDG_ERR_CORRUPT);
}
END_TEST

START_TEST(test_log_line_format)
{
    char line[256];
    net_log_format(line, sizeof line, NET_LOG_WARN, 1796627012123LL, "validator 2 lost");
    ck_assert_str_eq(line, "2026-12-07T07:03:32.123Z WARN  validator 2 lost");
    net_log_format(line, sizeof line, NET_LOG_INFO, 0, "x");
    ck_assert_str_eq(line, "1970-01-01T00:00:00.000Z INFO  x");
    net_log_format(line, sizeof line, NET_LOG_ERROR, 5, "y");
    ck_assert_str_eq(line, "1970-01-01T00:00:00.005Z ERROR y");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("keyfile");
    TCase *tc = tcase_create("keyfile");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_seal_open_round_trip);
    tcase_add_test(tc, test_every_change_refused);
    tcase_add_test(tc, test_malformed_and_limits);
    tcase_add_test(tc, test_log_line_format);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
