/* Unit tests for the command line's own machinery: the command table's consistency, the
 * dispatcher's refusals, the edit distance behind "did you mean", display widths (wcwidth)
 * and table layout, and number formatting. */
#include <check.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_cmds.h"

START_TEST(test_edit_distance)
{
    ck_assert_uint_eq(cli_edit_distance("asset", "asset"), 0);
    ck_assert_uint_eq(cli_edit_distance("ASSET", "asset"), 0); /* case does not count */
    ck_assert_uint_eq(cli_edit_distance("holdrs", "holders"), 1);
    ck_assert_uint_eq(cli_edit_distance("asets", "asset"), 2);
    ck_assert_uint_eq(cli_edit_distance("ab", "ba"), 1); /* a swap is one edit */
    ck_assert_uint_eq(cli_edit_distance("", "abc"), 3);
    ck_assert_uint_eq(cli_edit_distance("abc", ""), 3);
    ck_assert_uint_eq(cli_edit_distance("kitten", "sitting"), 3);
    char longw[CLI_SUGGEST_LEN_MAX + 2];
    memset(longw, 'a', sizeof longw - 1);
    longw[sizeof longw - 1] = 0;
    ck_assert_uint_eq(cli_edit_distance(longw, "a"), SIZE_MAX);
    longw[CLI_SUGGEST_LEN_MAX] = 0; /* exactly the limit: measured */
    ck_assert_uint_eq(cli_edit_distance(longw, longw), 0);
}
END_TEST

START_TEST(test_suggest)
{
    const char *verbs[] = {"issue", "redeem", "rules", "show", "list", "holders"};
    ck_assert_str_eq(cli_suggest("holdrs", verbs, 6), "holders");
    ck_assert_str_eq(cli_suggest("lsit", verbs, 6), "list");
    ck_assert_str_eq(cli_suggest("SHOW", verbs, 6), "show");
    ck_assert_ptr_null(cli_suggest("zzzzzz", verbs, 6));
    ck_assert_ptr_null(cli_suggest("", verbs, 6));
    const char *opts[] = {"--limit", "--after"};
    ck_assert_str_eq(cli_suggest("--limt", opts, 2), "--limit");
    ck_assert_ptr_null(cli_suggest("--at-height", opts, 2));
}
END_TEST

static bool is_global(const char *name)
{
    return !strcmp(name, "--home") || !strcmp(name, "--as") || !strcmp(name, "--json") ||
           !strcmp(name, "--dry-run") || !strcmp(name, "--help");
}

/* The table is what the CLI accepts and documents: it must be consistent. */
START_TEST(test_table_consistent)
{
    for (size_t i = 0; i < cli_nouns_n; i++) {
        ck_assert_ptr_nonnull(cli_nouns[i].fn);
        ck_assert_ptr_eq(cli_cmds_noun(cli_nouns[i].name), &cli_nouns[i]); /* unique */
        size_t n = 0;
        for (size_t k = 0; k < cli_cmds_n; k++)
            n += !strcmp(cli_cmds[k].noun, cli_nouns[i].name);
        ck_assert_msg(n > 0, "noun %s has no command", cli_nouns[i].name);
    }
    for (size_t i = 0; i < cli_cmds_n; i++) {
        const cli_cmd *c = &cli_cmds[i];
        ck_assert_msg(cli_cmds_noun(c->noun), "%s: no such noun", c->noun);
        ck_assert(c->summary && *c->summary && c->args && c->verb);
        ck_assert(c->verb[0] != '-' && c->verb[0] != ' ');
        ck_assert(c->min_args >= 0);
        ck_assert(c->max_args == CLI_ARGS_ANY || c->max_args >= c->min_args);
        for (size_t k = 0; k < i; k++)
            ck_assert_msg(strcmp(cli_cmds[k].noun, c->noun) || strcmp(cli_cmds[k].verb, c->verb),
                          "%s %s twice", c->noun, c->verb);
        int n = 0;
        for (const cli_optdef *o = c->opts; o && o->name; o++, n++) {
            /* --name, or one dash and one letter (proof's -o) */
            bool long_name = !strncmp(o->name, "--", 2) && o->name[2];
            bool short_name =
                o->name[0] == '-' && isalpha((unsigned char)o->name[1]) && !o->name[2];
            ck_assert_msg(long_name || short_name, "%s: option %s", c->noun, o->name);
            ck_assert_msg(!is_global(o->name), "%s %s redefines %s", c->noun, c->verb, o->name);
            ck_assert(o->help && *o->help);
            for (const cli_optdef *p = c->opts; p != o; p++)
                ck_assert_msg(strcmp(p->name, o->name), "%s %s: %s twice", c->noun, c->verb,
                              o->name);
        }
        ck_assert_int_lt(n, 64); /* the dispatcher's bitmask of options seen */
    }
}
END_TEST

static int dispatch(const char *const *words)
{
    char *argv[32];
    int argc = 0;
    for (; words[argc]; argc++)
        argv[argc] = strdup(words[argc]); /* writable, as main's argv: values are normalised */
    argv[argc] = NULL;
    cli_ctx ctx = {0};
    snprintf(ctx.home, sizeof ctx.home, "/nonexistent/folio-test-home");
    int rc = cli_cmds_dispatch(&ctx, argc, argv);
    net_client_close(ctx.client);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return rc;
}

#define REFUSED(...) ck_assert_int_eq(dispatch((const char *const[]){__VA_ARGS__, NULL}), CLI_USAGE)

/* dispatch, with what it wrote to stderr in err */
static int dispatch_err(const char *const *words, char *err, size_t len)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    ck_assert_ptr_nonnull(tmp);
    int saved = dup(fileno(stderr));
    dup2(fileno(tmp), fileno(stderr));
    int rc = dispatch(words);
    fflush(stderr);
    dup2(saved, fileno(stderr));
    close(saved);
    rewind(tmp);
    size_t n = fread(err, 1, len - 1, tmp);
    err[n] = '\0';
    fclose(tmp);
    return rc;
}

START_TEST(test_dispatch_short_option)
{
    char err[1024];
    /* proof lists -o FILE: the dispatcher knows it, wants its value, and lets it through */
    dispatch_err((const char *const[]){"proof", "key", "56", "-o", NULL}, err, sizeof err);
    ck_assert_msg(strstr(err, "option -o needs a value"), "%s", err);
    dispatch_err((const char *const[]){"proof", "key", "56", "-o", "a", "-o", "b", NULL}, err,
                 sizeof err);
    ck_assert_msg(strstr(err, "option -o is given twice"), "%s", err);
    dispatch_err((const char *const[]){"proof", "key", "56", "-o", "/nonexistent/x", NULL}, err,
                 sizeof err);
    ck_assert_msg(!strstr(err, "unknown option") && !strstr(err, "USAGE: 'folio proof"), "%s", err);
    /* elsewhere a one-dash word is still refused */
    ck_assert_int_eq(dispatch_err((const char *const[]){"proof", "verify", "F", "-o", "x", NULL},
                                  err, sizeof err),
                     CLI_USAGE);
    ck_assert_msg(strstr(err, "unknown option '-o'"), "%s", err);
}
END_TEST

START_TEST(test_dispatch_refuses)
{
    REFUSED("asets", "list");
    REFUSED("asset");
    REFUSED("asset", "holdrs", "X");
    REFUSED("asset", "issue", "stock");
    REFUSED("asset", "holders", "US0378331005", "--at-height", "10");
    REFUSED("asset", "holders", "US0378331005", "extra");
    REFUSED("asset", "holders");                              /* missing ISIN */
    REFUSED("asset", "list", "--limit");                      /* missing value */
    REFUSED("asset", "list", "--limit", "1", "--limit", "2"); /* twice */
    REFUSED("node", "start", "--dev=yes");                    /* a flag with a value */
    REFUSED("node", "status", "-x");                          /* a short option */
    REFUSED("errors", "205", "206");
    REFUSED("transfer", "chek", "X", "1"); /* a typo of transfer's verb */
    REFUSED("keys", "list", "--secret");   /* an option of another verb */
    /* a one-dash option only where the table lists it (proof's -o FILE), with its value */
    REFUSED("proof", "holding", "X", "Y", "-o");
    REFUSED("proof", "verify", "F", "-o", "x");
    REFUSED("proof", "holding", "X", "Y", "-o", "a", "-o", "b");
    REFUSED("asset", "show", "US0378331006"); /* a wrong check digit, before any node */
    REFUSED("trade", "list", "--status", "setled");
}
END_TEST

START_TEST(test_dispatch_accepts)
{
    /* commands that need no node or home */
    ck_assert_int_eq(dispatch((const char *const[]){"errors", "205", NULL}), CLI_OK);
    ck_assert_int_eq(dispatch((const char *const[]){"errors", NULL}), CLI_OK);
    ck_assert_int_eq(dispatch((const char *const[]){"commands", NULL}), CLI_OK);
    ck_assert_int_eq(dispatch((const char *const[]){"asset", "holders", "--help", NULL}), CLI_OK);
    ck_assert_int_eq(dispatch((const char *const[]){"asset", "issue", "-h", NULL}), CLI_OK);
    /* a negative number is an argument, not an option; options may use '=' */
    ck_assert_int_eq(dispatch((const char *const[]){"contract", "encode", "f(int8)", "-5", NULL}),
                     CLI_OK);
    /* past the table: the verifier runs, and says it cannot read the file */
    ck_assert_int_eq(dispatch((const char *const[]){"proof", "verify", "/nonexistent/b",
                                                    "--genesis", "/nonexistent/g", NULL}),
                     CLI_LOCAL);
    cli_ctx ctx = {.dry_run = true};
    char *argv[] = {"errors", NULL};
    ck_assert_int_eq(cli_cmds_dispatch(&ctx, 1, argv), CLI_USAGE); /* --dry-run, reads only */
}
END_TEST

/* Values by their placeholder: normalised in place, or refused with what to type. */
static int value(const char *what, const char *ph, char *v)
{
    cli_ctx ctx = {0};
    return cli_value_check(&ctx, what, ph, v);
}

START_TEST(test_values)
{
    char isin[] = "us0378331005", bad[] = "US0378331006", cash[] = "cny", pair[] = "cne100000296:5";
    ck_assert_int_eq(value("ISIN", "ISIN", isin), CLI_OK);
    ck_assert_str_eq(isin, "US0378331005");
    ck_assert_int_eq(value("ISIN", "ISIN", bad), CLI_USAGE); /* the check digit is 5 */
    ck_assert_int_eq(value("ISIN", "ISIN", cash), CLI_OK);   /* a cash instrument's id */
    ck_assert_str_eq(cash, "CNY");
    ck_assert_int_eq(value("--deliver", "ISIN:QTY", pair), CLI_OK);
    ck_assert_str_eq(pair, "CNE100000296:5");
    char cur[] = "usd", cnx[] = "CNX", pay[] = "eur:1.5";
    ck_assert_int_eq(value("--currency", "CCY", cur), CLI_OK);
    ck_assert_str_eq(cur, "USD");
    ck_assert_int_eq(value("--currency", "CCY", cnx), CLI_USAGE);
    ck_assert_int_eq(value("--pay", "CCY:AMOUNT", pay), CLI_OK);
    ck_assert_str_eq(pay, "EUR:1.5");
    char st[] = "SETTLED", dc[] = "act/360", typo[] = "setled", yes[] = "Yes";
    const char *status = "submitted|novated|partly-settled|settled|cancelled";
    ck_assert_int_eq(value("--status", status, st), CLI_OK);
    ck_assert_str_eq(st, "settled");
    ck_assert_int_eq(value("--day-count", "ACT/365F|ACT/360|30/360", dc), CLI_OK);
    ck_assert_str_eq(dc, "ACT/360");
    ck_assert_int_eq(value("--status", status, typo), CLI_USAGE);
    ck_assert_int_eq(value("--transferable", "yes|no", yes), CLI_OK);
    ck_assert_str_eq(yes, "yes");
    char roles[] = "Issuer,BROKER", brokr[] = "brokr", risk[] = "r2", file[] = "x.html";
    ck_assert_int_eq(value("--role", "ROLE[,ROLE...]", roles), CLI_OK);
    ck_assert_str_eq(roles, "issuer,broker");
    ck_assert_int_eq(value("--role", "ROLE[,ROLE...]", brokr), CLI_USAGE);
    ck_assert_int_eq(value("--risk", "R1..R5", risk), CLI_OK);
    ck_assert_str_eq(risk, "R2");
    /* placeholders that are not literal words are the command's */
    ck_assert_int_eq(value("--html", "FILE|-", file), CLI_OK);
    ck_assert_str_eq(file, "x.html");
    char bin[] = "a.bin";
    ck_assert_int_eq(value("FILE", "FILE.bin|FILE.json", bin), CLI_OK);
    char date[] = "NONE";
    ck_assert_int_eq(value("--lockup-until", "YYYY-MM-DD|none", date), CLI_OK);
}
END_TEST

START_TEST(test_usage_line)
{
    for (size_t i = 0; i < cli_cmds_n; i++)
        if (!strcmp(cli_cmds[i].noun, "asset") && !strcmp(cli_cmds[i].verb, "holders")) {
            char u[256];
            cli_cmds_usage_line(u, sizeof u, &cli_cmds[i]);
            /* the options after these may grow (--height, --record-date) */
            const char *want = "folio asset holders ISIN [--limit N] [--after CURSOR]";
            ck_assert_msg(!strncmp(u, want, strlen(want)), "usage line: %s", u);
            return;
        }
    ck_abort_msg("asset holders is not in the table");
}
END_TEST

START_TEST(test_wcwidth)
{
    ck_assert_int_eq(cli_wcwidth('a'), 1);
    ck_assert_int_eq(cli_wcwidth(0x4e2d), 2);  /* 中 */
    ck_assert_int_eq(cli_wcwidth(0xff21), 2);  /* fullwidth A */
    ck_assert_int_eq(cli_wcwidth(0xac00), 2);  /* Hangul */
    ck_assert_int_eq(cli_wcwidth(0x1f600), 2); /* emoji */
    ck_assert_int_eq(cli_wcwidth(0x0301), 0);  /* combining acute */
    ck_assert_int_eq(cli_wcwidth(0x200b), 0);  /* zero width space */
    ck_assert_int_eq(cli_wcwidth(0x00e9), 1);  /* é */
    ck_assert_int_eq(cli_wcwidth(0x1b), -1);
    ck_assert_uint_eq(cli_text_width("中国银行"), 8);
    ck_assert_uint_eq(cli_text_width("Bank A"), 6);
    ck_assert_uint_eq(cli_text_width("e\xcc\x81"), 1); /* e + combining acute */
    ck_assert_uint_eq(cli_text_width("\xff\xfe"), 2);  /* malformed: a column each */
    ck_assert_uint_eq(cli_text_width("\xe4\xb8"), 2);  /* truncated sequence */
    ck_assert_uint_eq(cli_text_width("招商银行 Ltd"), 12);
}
END_TEST

/* Display width measured independently of cli_text_width: CJK ideographs (UTF-8 lead
 * bytes E4..E9) are two columns, any other character one. */
static size_t cols(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xc0) == 0x80)
            continue;
        w += *p >= 0xe4 && *p <= 0xe9 ? 2 : 1;
    }
    return w;
}

/* Prints a table into a string. */
static char *render(cli_table *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    cli_table_print(t, f);
    fclose(f);
    return buf;
}

START_TEST(test_table_alignment)
{
    cli_table *t = cli_table_new(3, (const char *const[]){"NAME", "QUANTITY", "ACCOUNT"});
    cli_table_row(t, (const char *const[]){"中国银行", "1,000", "aa"});
    cli_table_row(t, (const char *const[]){"Bank A", "25", "bb"});
    cli_table_row(t, (const char *const[]){"招商", "1,234,567.50 CNY", "cc"});
    char *out = render(t);
    cli_table_free(t);
    /* every line: the QUANTITY column ends, and ACCOUNT starts, at the same display column */
    size_t lines = 0, end_col = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        if (lines == 1)
            continue; /* the rule under the headers */
        char *acct = strrchr(line, ' ') + 1;
        char save = *acct;
        *acct = 0;
        size_t col = cols(line);
        *acct = save;
        if (lines == 0)
            end_col = col;
        ck_assert_msg(col == end_col, "line %zu: account at column %zu, not %zu: %s", lines, col,
                      end_col, line);
    }
    ck_assert_uint_eq(lines, 5);
    free(out);

    t = cli_table_new(2, (const char *const[]){"NAME", "N"});
    cli_table_row(t, (const char *const[]){"a", "5"});
    cli_table_row(t, (const char *const[]){"b", "10"});
    out = render(t);
    ck_assert_str_eq(out, "NAME   N\n----  --\na      5\nb     10\n"); /* numbers right */
    free(out);
    cli_table_free(t);

    t = cli_table_new(2, (const char *const[]){"ID", "NAME"});
    cli_table_row(t, (const char *const[]){"x1", "a\x1b[2Jb"}); /* control characters */
    out = render(t);
    ck_assert_ptr_null(strchr(out, 0x1b));
    free(out);
    cli_table_free(t);
}
END_TEST

START_TEST(test_table_empty)
{
    cli_table *t = cli_table_new(2, (const char *const[]){"ACCOUNT", "QUANTITY"});
    char *out = render(t);
    ck_assert_str_eq(out, "none\n");
    free(out);
    cli_table_empty(t, "no holders");
    out = render(t);
    ck_assert_str_eq(out, "no holders\n");
    free(out);
    cli_table_free(t);
}
END_TEST

START_TEST(test_num)
{
    char b[32];
    cli_num(b, sizeof b, 0);
    ck_assert_str_eq(b, "0");
    cli_num(b, sizeof b, 999);
    ck_assert_str_eq(b, "999");
    cli_num(b, sizeof b, 1000);
    ck_assert_str_eq(b, "1,000");
    cli_num(b, sizeof b, 1234567);
    ck_assert_str_eq(b, "1,234,567");
    cli_num(b, sizeof b, UINT64_MAX);
    ck_assert_str_eq(b, "18,446,744,073,709,551,615");
    cli_num(b, 4, 1234567); /* truncated, still terminated */
    ck_assert_uint_eq(strlen(b), 3);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_edit_distance);
    tcase_add_test(tc, test_suggest);
    tcase_add_test(tc, test_table_consistent);
    tcase_add_test(tc, test_dispatch_short_option);
    tcase_add_test(tc, test_dispatch_refuses);
    tcase_add_test(tc, test_dispatch_accepts);
    tcase_add_test(tc, test_values);
    tcase_add_test(tc, test_usage_line);
    tcase_add_test(tc, test_wcwidth);
    tcase_add_test(tc, test_table_alignment);
    tcase_add_test(tc, test_table_empty);
    tcase_add_test(tc, test_num);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cli_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
