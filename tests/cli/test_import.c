/* Unit tests for the bulk-import file half (ldg_csv.c, cli_import.c; specs/import.md):
 * the RFC 4180 reader (quotes, CRLF, a byte-order mark, every refusal with its line and
 * column), the field rules of the register and investor formats, duplicates, totals, and
 * the writer as the reader's inverse. A randomised round trip prints its seed and takes
 * FOLIO_TEST_SEED. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldg_csv.h"
#include "cli_import.h"
#include "ldg_hash.h"

/* Two valid BIP-340 x-only keys (tests/e2e/tools/import_gen.py register 2 unit). */
static const char key1[] = "389e55411fa5a7781db5e530f7a741f395a0afed67170e23dd51f57a8fb0ece1";
static const char key2[] = "3bc859c03fbc487914e084eb08e1e5f935bfaeaccb187fa47e6832e459e0a161";

static bool parse(ldg_csv *t, ldg_csv_err *e, const char *s)
{
    return ldg_csv_parse(t, e, (const uint8_t *)s, strlen(s), 100);
}

START_TEST(test_csv_basic)
{
    ldg_csv t;
    ldg_csv_err e;
    ck_assert(parse(&t, &e, "a,b,c\n1,\"x,y\",\"q\"\"q\"\r\n,,\n"));
    ck_assert_uint_eq(t.records, 3);
    ck_assert_uint_eq(t.cols, 3);
    ck_assert_str_eq(ldg_csv_at(&t, 1, 1), "x,y");
    ck_assert_str_eq(ldg_csv_at(&t, 1, 2), "q\"q");
    ck_assert_str_eq(ldg_csv_at(&t, 2, 0), "");
    ck_assert_uint_eq(t.line[2], 3);
    ldg_csv_free(&t);
    /* no final line break; a byte-order mark; a quoted line break counts as a line */
    ck_assert(parse(&t, &e,
                    "\xef\xbb\xbf"
                    "a,b\n\"1\n2\",3\n4,5"));
    ck_assert_str_eq(ldg_csv_at(&t, 0, 0), "a");
    ck_assert_str_eq(ldg_csv_at(&t, 1, 0), "1\n2");
    ck_assert_uint_eq(t.line[2], 4);
    ldg_csv_free(&t);
}
END_TEST

/* Each refusal: its code, line and column. */
static void refused(const char *s, size_t len, ldg_csv_code code, unsigned long line,
                    unsigned long col)
{
    ldg_csv t;
    ldg_csv_err e;
    ck_assert_msg(!ldg_csv_parse(&t, &e, (const uint8_t *)s, len, 100), "accepted: %s", s);
    ck_assert_msg(e.code == code, "%s: code %s, want %s", s, ldg_csv_code_name(e.code),
                  ldg_csv_code_name(code));
    ck_assert_msg(e.line == line && e.column == col, "%s: at %lu:%lu, want %lu:%lu (%s)", s, e.line,
                  e.column, line, col, e.message);
    ck_assert(e.message[0]);
    ck_assert_ptr_null(t.text); /* nothing kept */
}

#define REFUSED(s, code, line, col) refused(s, sizeof s - 1, code, line, col)

START_TEST(test_csv_refusals)
{
    REFUSED("a,b\nx\"y,1\n", LDG_CSV_BAD_QUOTE, 2, 2);
    REFUSED("a,b\n\"x\"y,1\n", LDG_CSV_BAD_QUOTE, 2, 4);
    REFUSED("a,b\n1,2\n\"x,1\n", LDG_CSV_UNCLOSED_QUOTE, 3, 1);
    REFUSED("a,b\n1,\0\n", LDG_CSV_NUL, 2, 3);
    REFUSED("a,b\n1,2\r3,4\n", LDG_CSV_BARE_CR, 2, 4);
    REFUSED("a,b\n1\n", LDG_CSV_COLUMNS, 2, 1);
    REFUSED("a,b\n1,2,3\n", LDG_CSV_COLUMNS, 2, 5); /* where the extra field starts */
    REFUSED("a,b\n1,2\n\n3,4\n", LDG_CSV_BLANK_LINE, 3, 1);
    REFUSED("a,b\n1,\xc3\x28\n", LDG_CSV_NOT_UTF8, 2, 3);     /* bad continuation */
    REFUSED("a,b\n1,\xc0\xaf\n", LDG_CSV_NOT_UTF8, 2, 3);     /* overlong */
    REFUSED("a,b\n1,\xed\xa0\x80\n", LDG_CSV_NOT_UTF8, 2, 3); /* surrogate */
    REFUSED("", LDG_CSV_EMPTY, 0, 0);
    REFUSED("\xef\xbb\xbf", LDG_CSV_EMPTY, 0, 0);
    /* a field one byte over the bound, and a header of too many columns */
    size_t n = LDG_CSV_FIELD_MAX + 1;
    char *big = malloc(n + 8);
    memcpy(big, "a\n", 2);
    memset(big + 2, 'x', n);
    big[2 + n] = '\n';
    refused(big, n + 3, LDG_CSV_FIELD_TOO_LONG, 2, LDG_CSV_FIELD_MAX + 1);
    memset(big + 2, 'x', n - 1); /* exactly the bound: accepted */
    big[1 + n] = '\n';
    ldg_csv t;
    ldg_csv_err e;
    ck_assert(ldg_csv_parse(&t, &e, (const uint8_t *)big, n + 2, 100));
    ldg_csv_free(&t);
    free(big);
    char wide[LDG_CSV_COLUMNS_MAX * 2 + 4];
    for (int i = 0; i <= LDG_CSV_COLUMNS_MAX; i++)
        memcpy(wide + 2 * i, "a,", 2);
    wide[2 * LDG_CSV_COLUMNS_MAX + 1] = '\n';
    refused(wide, 2 * LDG_CSV_COLUMNS_MAX + 2, LDG_CSV_TOO_MANY_COLUMNS, 1,
            2 * LDG_CSV_COLUMNS_MAX + 1);
}
END_TEST

START_TEST(test_csv_row_bound)
{
    ldg_csv t;
    ldg_csv_err e;
    ck_assert(ldg_csv_parse(&t, &e, (const uint8_t *)"h\n1\n2\n", 6, 2));
    ldg_csv_free(&t);
    ck_assert(!ldg_csv_parse(&t, &e, (const uint8_t *)"h\n1\n2\n3\n", 8, 2));
    ck_assert_int_eq(e.code, LDG_CSV_TOO_MANY_ROWS);
    ck_assert_uint_eq(e.line, 4);
}
END_TEST

/* The problem codes of a parsed file, "CODE@LINE:COL ...". */
static const char *problems(const char *text, cli_imp_kind kind, unsigned scale, char *out,
                            size_t len)
{
    cli_imp_file f;
    cli_imp_parse(&f, kind, (const uint8_t *)text, strlen(text), scale);
    out[0] = 0;
    for (size_t i = 0; i < f.shown; i++) {
        size_t o = strlen(out);
        snprintf(out + o, len - o, "%s%s@%lu:%lu", i ? " " : "", f.problems[i].code,
                 f.problems[i].line, f.problems[i].column);
    }
    cli_imp_free(&f);
    return out;
}

START_TEST(test_register_fields)
{
    char text[2048], p[1024];
    snprintf(text, sizeof text,
             "%s\n"
             "alice,%s,100,ordinary,C3,2030-01-31\n"
             "bob,,1,,,\n"
             "carol,%s,\"1,000\",professional,C5,2031-12-31\n",
             cli_imp_register_header, key1, key2);
    cli_imp_file f;
    ck_assert(cli_imp_parse(&f, CLI_IMP_REGISTER, (const uint8_t *)text, strlen(text), 0));
    ck_assert_uint_eq(f.n, 3);
    ck_assert_uint_eq(f.total, 1101);
    ck_assert(f.rows[0].has_key && f.rows[0].has_profile);
    ck_assert_uint_eq(f.rows[0].risk_class, 3);
    ck_assert(!f.rows[1].has_key && !f.rows[1].has_profile);
    ck_assert_uint_eq(f.rows[2].quantity, 1000);
    ck_assert_uint_eq(f.rows[2].line, 4);
    cli_imp_free(&f);

    snprintf(text, sizeof text,
             "%s\n"
             "1bad,,1,,,\n"         /* not a participant name */
             "bob,abc,1,,,\n"       /* not a key */
             "carol,,0,,,\n"        /* zero */
             "dave,,1.5,,,\n"       /* a fraction at scale 0 */
             "erin,,1,ordinary,,\n" /* a partial profile */
             "frank,,1,retail,C9,2030-02-30\n"
             "bob,,2,,,\n",
             cli_imp_register_header);
    ck_assert_str_eq(problems(text, CLI_IMP_REGISTER, 0, p, sizeof p),
                     "BAD_NAME@2:1 BAD_KEY@3:2 BAD_QUANTITY@4:3 BAD_QUANTITY@5:3 "
                     "BAD_PROFILE@6:5 BAD_PROFILE@7:4 BAD_PROFILE@7:5 BAD_DATE@7:6 "
                     "DUPLICATE@8:1");
    /* at scale 2 a fraction of two decimals is a quantity */
    snprintf(text, sizeof text, "%s\ndave,,1.25,,,\n", cli_imp_register_header);
    ck_assert_str_eq(problems(text, CLI_IMP_REGISTER, 2, p, sizeof p), "");
    /* 64 hex digits that are no key: x = 0 is not on the curve (7 is not a square) */
    snprintf(text, sizeof text, "%s\nx,%064d,1,,,\n", cli_imp_register_header, 0);
    ck_assert_str_eq(problems(text, CLI_IMP_REGISTER, 0, p, sizeof p), "BAD_KEY@2:2");
    /* the same key twice */
    snprintf(text, sizeof text, "%s\nx,%s,1,,,\ny,%s,1,,,\n", cli_imp_register_header, key1, key1);
    ck_assert_str_eq(problems(text, CLI_IMP_REGISTER, 0, p, sizeof p), "DUPLICATE@3:2");
}
END_TEST

START_TEST(test_register_file_level)
{
    char p[1024];
    ck_assert_str_eq(problems("holder,key,quantity,category,risk_class,kyc_expiry\nx,,1,,,\n",
                              CLI_IMP_REGISTER, 0, p, sizeof p),
                     "BAD_HEADER@1:2");
    ck_assert_str_eq(problems("holder,quantity\nx,1\n", CLI_IMP_REGISTER, 0, p, sizeof p),
                     "BAD_HEADER@1:0");
    char text[256];
    snprintf(text, sizeof text, "%s\n", cli_imp_register_header);
    ck_assert_str_eq(problems(text, CLI_IMP_REGISTER, 0, p, sizeof p), "NO_ROWS@0:0");
    ck_assert_str_eq(problems("a,\"b\n", CLI_IMP_REGISTER, 0, p, sizeof p), "UNCLOSED_QUOTE@1:3");
    /* quantities that add up past the largest supply: BAD_TOTAL on the row that passes it */
    snprintf(text, sizeof text, "%s\na,,%llu,,,\nb,,%llu,,,\n", cli_imp_register_header,
             (unsigned long long)LDG_QUANTITY_MAX, 1ULL);
    ck_assert_str_eq(problems(text, CLI_IMP_REGISTER, 0, p, sizeof p), "BAD_TOTAL@3:3");
}
END_TEST

START_TEST(test_problem_cap)
{
    /* a file wrong on every line: every problem counted, the first CLI_IMPORT_ERRORS_MAX kept */
    size_t rows = CLI_IMPORT_ERRORS_MAX + 50, len = 0, cap = 64 + rows * 16;
    char *text = malloc(cap);
    len += (size_t)snprintf(text, cap, "%s\n", cli_imp_register_header);
    for (size_t i = 0; i < rows; i++)
        len += (size_t)snprintf(text + len, cap - len, "h%zu,,0,,,\n", i);
    cli_imp_file f;
    ck_assert(!cli_imp_parse(&f, CLI_IMP_REGISTER, (const uint8_t *)text, len, 0));
    ck_assert_uint_eq(f.count, rows);
    ck_assert_uint_eq(f.shown, CLI_IMPORT_ERRORS_MAX);
    cli_imp_free(&f);
    free(text);
}
END_TEST

/* A problem quoting a field cut inside a character stays UTF-8. */
START_TEST(test_problem_utf8)
{
    cli_imp_file f = {0};
    cli_imp_problem_add(&f, 1, 1, "X", "'%.2s'", "\xe4\xb8\xad"); /* 中 cut after 2 bytes */
    ck_assert_str_eq(f.problems[0].message, "'?"
                                            "?'");
    const uint8_t *m = (const uint8_t *)f.problems[0].message;
    for (size_t i = 0; m[i];) {
        size_t k = ldg_csv_utf8_len(m + i, strlen((const char *)m + i));
        ck_assert_uint_gt(k, 0);
        i += k;
    }
}
END_TEST

START_TEST(test_investor_fields)
{
    char text[1024], p[512];
    snprintf(text, sizeof text, "%s\nann,,ordinary,C2,2030-01-01\nbea,%s,,,\n",
             cli_imp_investors_header, key1);
    ck_assert_str_eq(problems(text, CLI_IMP_INVESTORS, 0, p, sizeof p),
                     "BAD_KEY@2:2 BAD_PROFILE@3:3");
}
END_TEST

/* Writer then reader gives the same fields, for random names, quantities and profiles. */
START_TEST(test_round_trip)
{
    const char *env = getenv("FOLIO_TEST_SEED");
    uint64_t s = env ? strtoull(env, NULL, 0) : 0x1e9037ULL;
    printf("test_round_trip: seed=0x%llx (replay with FOLIO_TEST_SEED)\n", (unsigned long long)s);
    size_t len = strlen(cli_imp_register_header), cap = len + 1;
    char *buf = malloc(cap);
    memcpy(buf, cli_imp_register_header, len);
    buf[len++] = '\n';
    char names[50][24];
    cli_imp_row rows[50];
    for (int i = 0; i < 50; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        snprintf(names[i], sizeof names[i], "n%02d_%llu", i, (unsigned long long)(s % 100000));
        rows[i] = (cli_imp_row){.name = names[i],
                                .has_key = i == 1 || i == 3, /* one account each */
                                .quantity = 1 + s % 1000000,
                                .has_profile = i % 3 != 0,
                                .category = 1 + (s >> 20) % 2,
                                .risk_class = 1 + (s >> 24) % 5,
                                .kyc_days = 20000 + (int64_t)((s >> 30) % 5000)};
        if (rows[i].has_key)
            ck_assert_int_eq(ldg_hex_decode(rows[i].pub.b, LDG_PUBKEY_LEN, i == 1 ? key1 : key2),
                             0);
        ck_assert(cli_imp_write_row(&buf, &len, &cap, CLI_IMP_REGISTER, &rows[i], 2));
    }
    cli_imp_file f;
    ck_assert_msg(cli_imp_parse(&f, CLI_IMP_REGISTER, (const uint8_t *)buf, len, 2), "%s",
                  f.shown ? f.problems[0].message : "");
    for (int i = 0; i < 50 && !f.count; i++) {
        ck_assert_str_eq(f.rows[i].name, rows[i].name);
        ck_assert_uint_eq(f.rows[i].quantity, rows[i].quantity);
        ck_assert_int_eq(f.rows[i].has_profile, rows[i].has_profile);
        if (rows[i].has_profile) {
            ck_assert_uint_eq(f.rows[i].category, rows[i].category);
            ck_assert_uint_eq(f.rows[i].risk_class, rows[i].risk_class);
            ck_assert_int_eq(f.rows[i].kyc_days, rows[i].kyc_days);
        }
    }
    cli_imp_free(&f);
    free(buf);
}
END_TEST

START_TEST(test_put_quotes)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    ck_assert(ldg_csv_put(&buf, &len, &cap, "a,b", false));
    ck_assert(ldg_csv_put(&buf, &len, &cap, "say \"hi\"", false));
    ck_assert(ldg_csv_put(&buf, &len, &cap, "plain", true));
    ck_assert_int_eq((int)len, (int)strlen("\"a,b\",\"say \"\"hi\"\"\",plain\n"));
    ck_assert(!memcmp(buf, "\"a,b\",\"say \"\"hi\"\"\",plain\n", len));
    ldg_csv t;
    ldg_csv_err e;
    ck_assert(ldg_csv_parse(&t, &e, (const uint8_t *)buf, len, 10));
    ck_assert_str_eq(ldg_csv_at(&t, 0, 1), "say \"hi\"");
    ldg_csv_free(&t);
    free(buf);
}
END_TEST

static Suite *import_suite(void)
{
    Suite *s = suite_create("import");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_csv_basic);
    tcase_add_test(tc, test_csv_refusals);
    tcase_add_test(tc, test_csv_row_bound);
    tcase_add_test(tc, test_register_fields);
    tcase_add_test(tc, test_register_file_level);
    tcase_add_test(tc, test_problem_cap);
    tcase_add_test(tc, test_problem_utf8);
    tcase_add_test(tc, test_investor_fields);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_put_quotes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(import_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
