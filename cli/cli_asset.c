/* folio asset issue|show|list|holders; folio transfer; folio account balance */
#include "ast_asset.h"
#include "ast_bond.h"
#include "ast_date.h"
#include "ast_isin.h"
#include "ast_money.h"
#include "cli.h"
#include "cli_views.h"
#include "cli_history.h"
#include "cli_import.h"

#include <string.h>

static void asset_usage(void)
{
    printf(
        "usage: folio asset issue equity --isin ISIN --name TEXT --shares N --to ACCOUNT\n"
        "                               [--class A|B|...] [--risk R1..R5]\n"
        "       folio asset issue bond --isin ISIN --name TEXT --currency CNY --face-value AMOUNT\n"
        "                             --units N --coupon-bps BP --frequency "
        "annual|semiannual|quarterly\n"
        "                             --day-count ACT/365F|ACT/360|30/360 --issue-date D\n"
        "                             --maturity-date D --to ACCOUNT [--risk R1..R5]\n"
        "       folio asset rules set ISIN [--max-holders N] [--lockup-until DATE|none]\n"
        "                             [--transferable yes|no] [--allow-list A,B,...|none]\n"
        "       folio asset rules show ISIN\n"
        "       folio asset issue cash --currency CNY --amount AMOUNT --to ACCOUNT\n"
        "       folio asset redeem cash --currency CNY --amount AMOUNT\n"
        "       folio asset show ISIN\n"
        "       folio asset list [--limit N] [--after ID]\n"
        "       folio asset holders ISIN [--limit N] [--after ACCOUNT]\n"
        "                               [--height H | --record-date YYYY-MM-DD]\n"
        "       folio asset import FILE.csv --isin ISIN --name TEXT [--shares N] [--class A]\n"
        "                             [--risk R1..R5] [--registrar KEY] [--dry-run]\n"
        "       folio asset export ISIN --csv [-o FILE]\n"
        "       (a list shows at most N rows, 1000 by default; when there are more it says\n"
        "       so and gives the --after that shows the next ones; --json has it as \"next\")\n\n"
        "Issuing needs the issuer role (sign with --as). The ISIN's check digit is verified.\n"
        "ACCOUNT is a participant name, a key name in this home, or a 40-hex account.\n"
        "Equity issued without --risk is R3.\n"
        "Cash is issued by a settlement bank (the first to issue a currency). Redeeming\n"
        "retires the signer's cash: the issuing bank pays out off-ledger, the supply shrinks.\n"
        "Money (AMOUNT, --face-value per unit) is typed and shown as a decimal in the\n"
        "currency's units: 500000.50 or 500,000.50, at most the currency's decimals (CNY 2,\n"
        "JPY 0; more is refused, never rounded). N is whole units. Tables show money with\n"
        "its currency (1,250.50 CNY); --json gives {\"currency\",\"minor\",\"scale\",\"decimal\"}\n"
        "(specs/money.md). holders shows the FROZEN part of each holding.\n");
}

static const ast_currency *need_currency(cli_ctx *ctx, const char *cur)
{
    const ast_currency *info = NULL;
    if (!cur || ast_currency_lookup(&info, cur, strlen(cur)) != AST_ISIN_OK) {
        cli_fail(ctx, "BAD_CURRENCY", "'%s' is not a known ISO 4217 currency code (e.g. CNY)",
                 cur ? cur : "");
        return NULL;
    }
    return info;
}

/* The --currency and --amount of the cash commands: a known currency and a positive amount
 * of it. Prints the error. */
static bool cash_amount(cli_ctx *ctx, const char *cur, const char *amt, uint64_t *amount)
{
    if (!need_currency(ctx, cur))
        return false;
    return cli_money_parse(ctx, "--amount", cur, amt, false, amount) == CLI_OK;
}

static bool parse_risk(const char *s, uint64_t *out)
{
    if (!s)
        return false;
    if ((s[0] == 'R' || s[0] == 'r') && s[1] >= '1' && s[1] <= '5' && !s[2]) {
        *out = (uint64_t)(s[1] - '0');
        return true;
    }
    return false;
}

static int issue_equity(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--isin",  "--name", "--shares", "--to",
                                       "--class", "--risk", NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, NULL))
        return CLI_USAGE;
    const char *isin = cli_opt(argc, argv, "--isin"), *name = cli_opt(argc, argv, "--name");
    const char *shares_s = cli_opt(argc, argv, "--shares"), *to_s = cli_opt(argc, argv, "--to");
    const char *cls = cli_opt(argc, argv, "--class"), *risk_s = cli_opt(argc, argv, "--risk");
    if (!isin || !name || !shares_s || !to_s) {
        cli_fail(ctx, "USAGE", "asset issue equity needs --isin, --name, --shares and --to");
        return CLI_USAGE;
    }
    if (!ast_isin_valid(isin)) {
        cli_fail(ctx, "BAD_ISIN",
                 "'%s' is not a valid ISIN (2 letters, 9 alphanumerics, a check "
                 "digit that matches)",
                 isin);
        return CLI_USAGE;
    }
    uint64_t shares, risk = 3;
    if (!cli_parse_u64(shares_s, LDG_QUANTITY_MAX, &shares) || shares == 0) {
        cli_fail(ctx, "BAD_QUANTITY", "--shares must be a whole number from 1 to %llu",
                 (unsigned long long)LDG_QUANTITY_MAX);
        return CLI_USAGE;
    }
    if (risk_s && !parse_risk(risk_s, &risk)) {
        cli_fail(ctx, "BAD_RISK", "--risk must be R1, R2, R3, R4 or R5");
        return CLI_USAGE;
    }
    if (cls && (strlen(cls) == 0 || strlen(cls) > 7)) {
        cli_fail(ctx, "USAGE", "--class is a short share class label such as A or B");
        return CLI_USAGE;
    }
    ldg_account to;
    int rc = cli_resolve_account(ctx, to_s, &to);
    if (rc != CLI_OK)
        return rc;
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 6);
    ldg_enc_str(&p, isin);
    ldg_enc_str(&p, name);
    ldg_enc_u64(&p, shares);
    ldg_enc_bin(&p, to.b, LDG_ACCOUNT_LEN);
    ldg_enc_str(&p, cls ? cls : "");
    ldg_enc_u64(&p, risk);
    char what[64];
    snprintf(what, sizeof what, "issue %s", isin);
    rc = cli_submit(ctx, AST_TX_ISSUE_EQUITY, &p, what, NULL);
    ldg_enc_free(&p);
    if (!risk_s && (rc == CLI_OK || rc == CLI_DRY_RUN))
        fprintf(stderr, "folio: note: no --risk given: the equity is issued at risk level R3\n");
    return rc;
}

static int issue_cash(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--currency", "--amount", "--to", NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, NULL))
        return CLI_USAGE;
    const char *cur = cli_opt(argc, argv, "--currency"), *amt = cli_opt(argc, argv, "--amount");
    const char *to_s = cli_opt(argc, argv, "--to");
    if (!cur || !amt || !to_s) {
        cli_fail(ctx, "USAGE", "asset issue cash needs --currency, --amount and --to");
        return CLI_USAGE;
    }
    uint64_t amount;
    if (!cash_amount(ctx, cur, amt, &amount))
        return CLI_USAGE;
    ldg_account to;
    int rc = cli_resolve_account(ctx, to_s, &to);
    if (rc != CLI_OK)
        return rc;
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 3);
    ldg_enc_str(&p, cur);
    ldg_enc_u64(&p, amount);
    ldg_enc_bin(&p, to.b, LDG_ACCOUNT_LEN);
    char what[CLI_MONEY_LEN + 8], money[CLI_MONEY_LEN];
    snprintf(what, sizeof what, "issue %s", cli_money_text(money, (int64_t)amount, cur));
    rc = cli_submit(ctx, AST_TX_ISSUE_CASH, &p, what, NULL);
    ldg_enc_free(&p);
    return rc;
}

static int redeem_cash(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--currency", "--amount", NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, NULL))
        return CLI_USAGE;
    const char *cur = cli_opt(argc, argv, "--currency"), *amt = cli_opt(argc, argv, "--amount");
    if (!cur || !amt) {
        cli_fail(ctx, "USAGE", "asset redeem cash needs --currency and --amount");
        return CLI_USAGE;
    }
    uint64_t amount;
    if (!cash_amount(ctx, cur, amt, &amount))
        return CLI_USAGE;
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 2);
    ldg_enc_str(&p, cur);
    ldg_enc_u64(&p, amount);
    char what[CLI_MONEY_LEN + 8], money[CLI_MONEY_LEN];
    snprintf(what, sizeof what, "redeem %s", cli_money_text(money, (int64_t)amount, cur));
    int rc = cli_submit(ctx, AST_TX_REDEEM_CASH, &p, what, NULL);
    ldg_enc_free(&p);
    return rc;
}

static int issue_bond(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {
        "--isin",       "--name",      "--currency",  "--face-value", "--units",
        "--coupon-bps", "--frequency", "--day-count", "--issue-date", "--maturity-date",
        "--to",         "--risk",      NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, NULL))
        return CLI_USAGE;
    const char *v[12];
    for (int i = 0; i < 12; i++)
        v[i] = cli_opt(argc, argv, opts[i]);
    for (int i = 0; i < 11; i++)
        if (!v[i]) {
            cli_fail(ctx, "USAGE", "asset issue bond needs %s", opts[i]);
            return CLI_USAGE;
        }
    if (!ast_isin_valid(v[0])) {
        cli_fail(ctx, "BAD_ISIN", "'%s' is not a valid ISIN", v[0]);
        return CLI_USAGE;
    }
    const ast_currency *info = need_currency(ctx, v[2]);
    if (!info)
        return CLI_USAGE;
    uint64_t face, units, bps, freq, dc, risk = 2;
    int64_t issue, maturity;
    if (cli_money_parse(ctx, "--face-value", v[2], v[3], false, &face) != CLI_OK)
        return CLI_USAGE;
    if (!cli_parse_u64(v[4], LDG_QUANTITY_MAX, &units) || units == 0) {
        cli_fail(ctx, "BAD_QUANTITY", "--units must be a whole number above 0");
        return CLI_USAGE;
    }
    if (!cli_parse_u64(v[5], AST_BOND_COUPON_BPS_MAX, &bps)) {
        cli_fail(ctx, "BAD_TERMS", "--coupon-bps must be 0 to %u basis points",
                 AST_BOND_COUPON_BPS_MAX);
        return CLI_USAGE;
    }
    freq = !strcmp(v[6], "annual")       ? AST_FREQ_ANNUAL
           : !strcmp(v[6], "semiannual") ? AST_FREQ_SEMIANNUAL
           : !strcmp(v[6], "quarterly")  ? AST_FREQ_QUARTERLY
                                         : 0;
    dc = !strcmp(v[7], "ACT/365F")  ? AST_DAYCOUNT_ACT_365F
         : !strcmp(v[7], "ACT/360") ? AST_DAYCOUNT_ACT_360
         : !strcmp(v[7], "30/360")  ? AST_DAYCOUNT_30_360
                                    : 0;
    if (!freq || !dc) {
        cli_fail(ctx, "BAD_TERMS",
                 "--frequency is annual, semiannual or quarterly; --day-count is ACT/365F, "
                 "ACT/360 or 30/360");
        return CLI_USAGE;
    }
    if (!cli_parse_date(v[8], &issue) || !cli_parse_date(v[9], &maturity)) {
        cli_fail(ctx, "BAD_DATES", "dates are YYYY-MM-DD");
        return CLI_USAGE;
    }
    if (v[11] && !parse_risk(v[11], &risk)) {
        cli_fail(ctx, "BAD_RISK", "--risk must be R1, R2, R3, R4 or R5");
        return CLI_USAGE;
    }
    ldg_account to;
    int rc = cli_resolve_account(ctx, v[10], &to);
    if (rc != CLI_OK)
        return rc;
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 12);
    ldg_enc_str(&p, v[0]);
    ldg_enc_str(&p, v[1]);
    ldg_enc_str(&p, v[2]);
    ldg_enc_u64(&p, face);
    ldg_enc_u64(&p, units);
    ldg_enc_u64(&p, bps);
    ldg_enc_u64(&p, freq);
    ldg_enc_u64(&p, dc);
    ldg_enc_i64(&p, issue);
    ldg_enc_i64(&p, maturity);
    ldg_enc_bin(&p, to.b, LDG_ACCOUNT_LEN);
    ldg_enc_u64(&p, risk);
    char what[64];
    snprintf(what, sizeof what, "issue bond %s", v[0]);
    rc = cli_submit(ctx, AST_TX_ISSUE_BOND, &p, what, NULL);
    ldg_enc_free(&p);
    if (!v[11] && (rc == CLI_OK || rc == CLI_DRY_RUN))
        fprintf(stderr, "folio: note: no --risk given: the bond is issued at risk level R2\n");
    return rc;
}

static void show_schedule(cli_ctx *ctx, const char *id, json_t *j)
{
    int rc;
    json_t *b = cli_query(ctx, "bond_schedule", id, &rc);
    if (!b)
        return;
    if (ctx->json) {
        json_object_set(j, "bond", b);
        json_decref(b);
        return;
    }
    char face[CLI_MONEY_LEN];
    cli_money_json_text(face, json_object_get(b, "face_value"));
    printf("  terms     face %s per unit, %lld bp, %s, %s\n", face,
           (long long)json_integer_value(json_object_get(b, "coupon_bps")),
           json_string_value(json_object_get(b, "frequency")),
           json_string_value(json_object_get(b, "day_count")));
    printf("  dates     issued %s, matures %s\n\n",
           json_string_value(json_object_get(b, "issue_date")),
           json_string_value(json_object_get(b, "maturity_date")));
    /* Coupon and redemption in columns of their own: money only, right-aligned. */
    cli_table *t = cli_table_new(6, (const char *const[]){"PERIOD", "START", "PAY DATE", "FRACTION",
                                                          "COUPON", "REDEMPTION"});
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(b, "schedule"), i, p)
    {
        char per[24], frac[48], c[CLI_MONEY_LEN], r[CLI_MONEY_LEN]; /* per: size_t */
        snprintf(per, sizeof per, "%zu", i + 1);
        snprintf(frac, sizeof frac, "%lld/%lld",
                 (long long)json_integer_value(json_object_get(p, "days_num")),
                 (long long)json_integer_value(json_object_get(p, "days_den")));
        cli_money_json_text(c, json_object_get(p, "coupon_per_unit"));
        if (json_is_true(json_object_get(p, "redemption")))
            cli_money_json_text(r, json_object_get(b, "redemption_per_unit"));
        else
            snprintf(r, sizeof r, "-");
        cli_table_row(t, (const char *const[]){per, json_string_value(json_object_get(p, "start")),
                                               json_string_value(json_object_get(p, "pay_date")),
                                               frac, c, r});
    }
    cli_table_print(t, stdout);
    cli_table_free(t);
    json_decref(b);
}

static int rules_set(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--max-holders", "--lockup-until", "--transferable",
                                       "--allow-list", NULL};
    static const char *const flags[] = {"--requires-disclosure", "--disclosure-not-required", NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, flags))
        return CLI_USAGE;
    bool dis_on = cli_flag(argc, argv, flags[0]), dis_off = cli_flag(argc, argv, flags[1]);
    if (dis_on && dis_off) {
        cli_fail(ctx, "USAGE",
                 "--requires-disclosure and --disclosure-not-required exclude each "
                 "other");
        return CLI_USAGE;
    }
    const char *id = cli_pos(argc, argv, 0, opts);
    const char *mh = cli_opt(argc, argv, "--max-holders"),
               *lu = cli_opt(argc, argv, "--lockup-until");
    const char *tr = cli_opt(argc, argv, "--transferable"),
               *al = cli_opt(argc, argv, "--allow-list");
    if (!id || strlen(id) > AST_ID_LEN) {
        cli_fail(ctx, "USAGE", "usage: folio asset rules set ISIN [options]");
        return CLI_USAGE;
    }
    uint64_t max = 0;
    int64_t lock = 0;
    if (mh && !cli_parse_u64(mh, UINT32_MAX, &max)) {
        cli_fail(ctx, "USAGE", "--max-holders is a whole number (0 = no limit)");
        return CLI_USAGE;
    }
    if (lu && strcmp(lu, "none") && !cli_parse_date(lu, &lock)) {
        cli_fail(ctx, "BAD_DATES", "--lockup-until is YYYY-MM-DD or none");
        return CLI_USAGE;
    }
    if (tr && strcmp(tr, "yes") && strcmp(tr, "no")) {
        cli_fail(ctx, "USAGE", "--transferable is yes or no");
        return CLI_USAGE;
    }
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, dis_on || dis_off ? 6 : 5); /* 5: the form before the disclosure rule */
    ldg_enc_str(&p, id);
    if (mh)
        ldg_enc_u64(&p, max);
    else
        ldg_enc_nil(&p);
    if (!lu)
        ldg_enc_nil(&p);
    else if (!strcmp(lu, "none"))
        ldg_enc_bool(&p, false);
    else
        ldg_enc_i64(&p, lock);
    if (tr)
        ldg_enc_bool(&p, !strcmp(tr, "yes"));
    else
        ldg_enc_nil(&p);
    int rc = CLI_OK;
    if (!al) {
        ldg_enc_nil(&p);
    } else if (!strcmp(al, "none") || !*al) {
        ldg_enc_array(&p, 0);
    } else {
        char buf[4096];
        snprintf(buf, sizeof buf, "%s", al);
        uint32_t n = 1;
        for (const char *c = buf; *c; c++)
            n += *c == ',';
        ldg_enc_array(&p, n);
        char *save = NULL;
        for (char *tok = strtok_r(buf, ",", &save); tok && rc == CLI_OK;
             tok = strtok_r(NULL, ",", &save)) {
            ldg_account a;
            rc = cli_resolve_account(ctx, tok, &a);
            if (rc == CLI_OK)
                ldg_enc_bin(&p, a.b, LDG_ACCOUNT_LEN);
        }
    }
    if (dis_on || dis_off)
        ldg_enc_bool(&p, dis_on);
    if (rc == CLI_OK) {
        char what[64];
        snprintf(what, sizeof what, "rules of %s", id);
        rc = cli_submit(ctx, AST_TX_RULES_SET, &p, what, NULL);
    }
    ldg_enc_free(&p);
    return rc;
}

static int rules_show(cli_ctx *ctx, const char *id)
{
    int rc;
    json_t *j = cli_query(ctx, "rules", id, &rc);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
    } else {
        json_t *lu = json_object_get(j, "lockup_until");
        printf("rules of %s\n  transferable  %s\n  max holders   %lld%s\n  lock-up until %s\n"
               "  allow list    %zu account(s)\n  disclosure    %s\n",
               id, json_is_true(json_object_get(j, "transferable")) ? "yes" : "no",
               (long long)json_integer_value(json_object_get(j, "max_holders")),
               json_integer_value(json_object_get(j, "max_holders")) ? "" : " (no limit)",
               json_is_string(lu) ? json_string_value(lu) : "none",
               json_array_size(json_object_get(j, "allow_list")),
               json_is_true(json_object_get(j, "requires_disclosure"))
                   ? "required for ordinary investors (specs/evidence.md §10)"
                   : "not required");
    }
    json_decref(j);
    return CLI_OK;
}

/* The scale a reply gives for its instrument (0 if absent or absurd). */
static unsigned scale_of(const json_t *j)
{
    json_int_t s = json_integer_value(json_object_get(j, "scale"));
    return s >= 0 && s <= 18 ? (unsigned)s : 0;
}

static int show(cli_ctx *ctx, const char *id)
{
    int rc;
    json_t *j = cli_query(ctx, "asset", id, &rc);
    if (!j)
        return rc;
    bool is_bond = !strcmp(json_string_value(json_object_get(j, "kind")), "bond");
    if (ctx->json) {
        if (is_bond)
            show_schedule(ctx, id, j);
        cli_print_json(j);
    } else {
        printf("%s  %s\n", json_string_value(json_object_get(j, "id")),
               json_string_value(json_object_get(j, "name")));
        printf("  kind      %s%s%s\n", json_string_value(json_object_get(j, "kind")),
               *json_string_value(json_object_get(j, "class")) ? ", class " : "",
               json_string_value(json_object_get(j, "class")));
        json_t *iss = json_object_get(j, "issuer");
        char supply[CLI_MONEY_LEN];
        printf("  issuer    %s (%s)\n", json_string_value(json_object_get(iss, "name")),
               json_string_value(json_object_get(iss, "account")));
        printf("  supply    %s\n", cli_amount_json_text(supply, j, "supply", scale_of(j)));
        printf("  risk      %s\n", json_string_value(json_object_get(j, "risk")));
        printf("  holders   %lld\n", (long long)json_integer_value(json_object_get(j, "holders")));
        if (is_bond)
            show_schedule(ctx, id, j);
    }
    json_decref(j);
    return CLI_OK;
}

static int list(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--limit", "--after", NULL};
    cli_page page;
    if (!cli_check_opts(ctx, argc, argv, opts, NULL) ||
        !cli_check_positionals(ctx, argc, argv, opts, 0) || !cli_page_parse(ctx, argc, argv, &page))
        return CLI_USAGE;
    int rc;
    json_t *j = cli_list_query(ctx, "assets", NULL, &page, &rc);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
    } else {
        cli_table *t = cli_table_new(
            7, (const char *const[]){"ID", "KIND", "NAME", "ISSUER", "SUPPLY", "RISK", "HOLDERS"});
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(j, "assets"), i, a)
        {
            char supply[CLI_MONEY_LEN], holders[CLI_MONEY_LEN];
            cli_amount_json_text(supply, a, "supply", scale_of(a));
            cli_quantity_text(holders, json_integer_value(json_object_get(a, "holders")), 0);
            cli_table_row(
                t, (const char *const[]){
                       json_string_value(json_object_get(a, "id")),
                       json_string_value(json_object_get(a, "kind")),
                       json_string_value(json_object_get(a, "name")),
                       json_string_value(json_object_get(json_object_get(a, "issuer"), "name")),
                       supply, json_string_value(json_object_get(a, "risk")), holders});
        }
        cli_table_print(t, stdout);
        cli_table_free(t);
    }
    cli_page_more(ctx, j, "asset list", &page);
    json_decref(j);
    return CLI_OK;
}

/* The sum of every holding of id, page by page (the node checks conservation only when one
 * reply holds the whole register): false, with *rc set, if a page could not be read. */
static bool register_total(cli_ctx *ctx, const char *id, const cli_when *when, json_int_t *total,
                           bool *overflow, int *rc)
{
    char cursor[LDG_QUERY_CURSOR_MAX + 1] = "";
    *total = 0;
    *overflow = false;
    for (;;) {
        cli_page p = {cursor[0] ? cursor : NULL, 0};
        json_t *j = cli_history_list(ctx, "holders", id, &p, when, rc);
        if (!j)
            return false;
        size_t i;
        json_t *h;
        json_array_foreach(json_object_get(j, "holders"), i, h)
        {
            json_int_t q = json_integer_value(json_object_get(h, "quantity"));
            *overflow |= q < 0 || __builtin_add_overflow(*total, q, total);
        }
        const char *next = json_string_value(json_object_get(j, "next"));
        bool more = next && strlen(next) <= LDG_QUERY_CURSOR_MAX && strcmp(next, cursor) != 0;
        if (more)
            snprintf(cursor, sizeof cursor, "%s", next);
        json_decref(j);
        if (!more)
            return true;
    }
}

static int holders(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--limit", "--after", "--height", "--record-date", NULL};
    cli_page page;
    if (!cli_check_opts(ctx, argc, argv, opts, NULL) ||
        !cli_check_positionals(ctx, argc, argv, opts, 1) || !cli_page_parse(ctx, argc, argv, &page))
        return CLI_USAGE;
    const char *id = cli_pos(argc, argv, 0, opts);
    if (!id) {
        cli_fail(ctx, "USAGE", "asset holders needs an ISIN");
        return CLI_USAGE;
    }
    cli_when when;
    int rc = cli_history_parse(ctx, argc, argv, &when);
    if (rc != CLI_OK)
        return rc;
    char cmd[112];
    int cl = snprintf(cmd, sizeof cmd, "asset holders %s", id);
    if (when.set && cl > 0 && (size_t)cl < sizeof cmd)
        snprintf(cmd + cl, sizeof cmd - (size_t)cl, " --height %llu",
                 (unsigned long long)when.height);
    json_t *j = cli_history_list(ctx, "holders", id, &page, &when, &rc);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
        json_decref(j);
        return CLI_OK;
    }
    /* A register over several pages: its total and conservation from every page. */
    bool conserved = json_is_true(json_object_get(j, "conserved"));
    if (!json_object_get(j, "conserved")) {
        json_int_t sum;
        bool overflow;
        if (!register_total(ctx, id, &when, &sum, &overflow, &rc)) {
            json_decref(j);
            return rc;
        }
        json_object_set_new(j, "total", json_integer(sum));
        conserved = !overflow && sum == json_integer_value(json_object_get(j, "supply"));
    }
    long long total = json_integer_value(json_object_get(j, "total"));
    unsigned scale = scale_of(j);
    bool cash = json_object_get(j, "currency") != NULL;
    printf("register of holders: %s  %s\n", json_string_value(json_object_get(j, "id")),
           json_string_value(json_object_get(j, "name")));
    cli_history_title(&when);
    printf("\n");
    cli_table *t =
        cli_table_new(5, (const char *const[]){"HOLDER", "ACCOUNT", cash ? "AMOUNT" : "QUANTITY",
                                               "FROZEN", "SHARE"});
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(j, "holders"), i, h)
    {
        long long q = json_integer_value(json_object_get(h, "quantity"));
        char qs[CLI_MONEY_LEN], fz[CLI_MONEY_LEN], pct[32];
        cli_amount_json_text(qs, h, "quantity", scale);
        if (json_integer_value(json_object_get(h, "frozen")))
            cli_amount_json_text(fz, h, "frozen", scale);
        else
            snprintf(fz, sizeof fz, "-");
        /* Share in basis points, integer arithmetic. */
        long long bp = total ? (long long)((__int128)q * 10000 / total) : 0;
        snprintf(pct, sizeof pct, "%lld.%02lld%%", bp / 100, bp % 100);
        const char *name = json_string_value(json_object_get(h, "name"));
        cli_table_row(t, (const char *const[]){*name ? name : "(unregistered)",
                                               json_string_value(json_object_get(h, "account")), qs,
                                               fz, pct});
    }
    char ts[CLI_MONEY_LEN], hc[CLI_MONEY_LEN + 8], sup[CLI_MONEY_LEN];
    cli_amount_json_text(ts, j, "total", scale);
    cli_amount_json_text(sup, j, "supply", scale);
    cli_quantity_text(hc, json_integer_value(json_object_get(j, "holder_count")), 0);
    strcat(hc, " holders");
    cli_table_row(t, (const char *const[]){"TOTAL", hc, ts, "", "100.00%"});
    cli_table_print(t, stdout);
    cli_table_free(t);
    printf("\nissued %s, held %s: %s\n", sup, ts, conserved ? "conserved" : "MISMATCH");
    cli_page_more(ctx, j, cmd, &page);
    json_decref(j);
    return conserved ? CLI_OK : CLI_REJECTED; /* a check failed (exit 1) */
}

int cli_asset_main(cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    if (!verb || cli_wants_help(argc, argv)) {
        asset_usage();
        return verb ? CLI_OK : CLI_USAGE;
    }
    if (!strcmp(verb, "issue")) {
        const char *kind = argc > 2 ? argv[2] : "";
        if (!strcmp(kind, "equity"))
            return issue_equity(ctx, argc - 2, argv + 2);
        if (!strcmp(kind, "cash"))
            return issue_cash(ctx, argc - 2, argv + 2);
        if (!strcmp(kind, "bond"))
            return issue_bond(ctx, argc - 2, argv + 2);
        cli_fail(ctx, "USAGE", "asset issue takes a kind: equity, bond or cash");
        return CLI_USAGE;
    }
    if (!strcmp(verb, "redeem")) {
        const char *kind = argc > 2 ? argv[2] : "";
        if (!strcmp(kind, "cash"))
            return redeem_cash(ctx, argc - 2, argv + 2);
        cli_fail(ctx, "USAGE", "asset redeem takes a kind: cash");
        return CLI_USAGE;
    }
    if (!strcmp(verb, "list"))
        return list(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "import"))
        return cli_asset_import(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "export"))
        return cli_asset_export(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "rules")) {
        const char *sub = argc > 2 ? argv[2] : "";
        if (!strcmp(sub, "set"))
            return rules_set(ctx, argc - 2, argv + 2);
        if (!strcmp(sub, "show") && argc > 3)
            return rules_show(ctx, argv[3]);
        cli_fail(ctx, "USAGE", "asset rules set ISIN [options] | asset rules show ISIN");
        return CLI_USAGE;
    }
    if ((!strcmp(verb, "show") || !strcmp(verb, "holders")) && argc < 3) {
        cli_fail(ctx, "USAGE", "asset %s needs an ISIN", verb);
        return CLI_USAGE;
    }
    if (!strcmp(verb, "show"))
        return show(ctx, argv[2]);
    if (!strcmp(verb, "holders"))
        return holders(ctx, argc - 1, argv + 1);
    cli_fail(ctx, "USAGE", "unknown verb 'asset %s' (issue, show, list, holders)", verb);
    return CLI_USAGE;
}

/* The transfer's payload: [isin, quantity, to]. */
static void transfer_payload(ldg_enc *p, const char *id, uint64_t qty, const ldg_account *to)
{
    ldg_enc_init(p);
    ldg_enc_array(p, 3);
    ldg_enc_str(p, id);
    ldg_enc_u64(p, qty);
    ldg_enc_bin(p, to->b, LDG_ACCOUNT_LEN);
}

/* --from a key of this home (or no --from: the signing key): the transfer itself, signed,
 * through the node's check method (what the next block would answer). --from another
 * account, whose key is not here: the transfer rules alone (transfer_check). */
static json_t *transfer_check_query(cli_ctx *ctx, const char *id, uint64_t qty, const char *from_s,
                                    const ldg_account *from, const ldg_account *to, int *rc)
{
    ldg_pubkey pub;
    if (!from_s ||
        (net_key_name_ok(from_s) && net_key_load_pub(ctx->home, from_s, &pub) == LDG_OK)) {
        const char *as = ctx->as;
        if (from_s)
            ctx->as = from_s;
        ldg_enc p;
        transfer_payload(&p, id, qty, to);
        json_t *j = cli_check(ctx, AST_TX_TRANSFER, &p, rc);
        ldg_enc_free(&p);
        ctx->as = as;
        return j;
    }
    char fh[LDG_ACCOUNT_HEX_LEN], th[LDG_ACCOUNT_HEX_LEN];
    ldg_account_hex(fh, from);
    ldg_account_hex(th, to);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 5);
    ldg_enc_str(&e, "transfer_check");
    ldg_enc_str(&e, id);
    ldg_enc_u64(&e, qty);
    ldg_enc_str(&e, fh);
    ldg_enc_str(&e, th);
    json_t *j = cli_call(ctx, &e, rc);
    ldg_enc_free(&e);
    return j;
}

static int transfer_check(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--from", "--to", NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, NULL) ||
        !cli_check_positionals(ctx, argc, argv, opts, 3))
        return CLI_USAGE;
    const char *id = cli_pos(argc, argv, 1, opts), *qty_s = cli_pos(argc, argv, 2, opts);
    const char *from_s = cli_opt(argc, argv, "--from"), *to_s = cli_opt(argc, argv, "--to");
    uint64_t qty;
    char amount[CLI_MONEY_LEN];
    if (!id || !qty_s || !to_s || strlen(id) > AST_ID_LEN) {
        cli_fail(ctx, "USAGE", "usage: folio transfer check ISIN QUANTITY --to B [--from A]");
        return CLI_USAGE;
    }
    int rc = cli_instrument_amount_parse(ctx, "QUANTITY", id, qty_s, &qty, amount);
    if (rc != CLI_OK)
        return rc;
    ldg_account from, to;
    rc = from_s ? cli_resolve_account(ctx, from_s, &from) : CLI_OK;
    if (rc == CLI_OK)
        rc = cli_resolve_account(ctx, to_s, &to);
    if (rc != CLI_OK)
        return rc;
    json_t *j = transfer_check_query(ctx, id, qty, from_s, &from, &to, &rc);
    if (!j)
        return rc;
    bool ok = json_is_true(json_object_get(j, "allowed"));
    if (ctx->json) {
        cli_print_json(j);
    } else if (ok) {
        printf("allowed: %s from %s to %s\n", amount, from_s ? from_s : cli_signer_name(ctx, NULL),
               to_s);
    } else {
        const char *d = json_string_value(json_object_get(j, "detail"));
        printf("blocked: %s (code %lld): %s%s%s\n", json_string_value(json_object_get(j, "name")),
               (long long)json_integer_value(json_object_get(j, "code")),
               json_string_value(json_object_get(j, "message")), d && *d ? " — " : "", d ? d : "");
    }
    json_decref(j);
    return ok ? CLI_OK : CLI_REJECTED;
}

int cli_transfer_main(cli_ctx *ctx, int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "check") && !cli_wants_help(argc, argv))
        return transfer_check(ctx, argc, argv);
    static const char *const opts[] = {"--to", NULL};
    if (cli_wants_help(argc, argv)) {
        printf(
            "usage: folio transfer ISIN|CURRENCY QUANTITY --to ACCOUNT [--as KEY]\n"
            "       folio transfer check ISIN|CURRENCY QUANTITY --to ACCOUNT [--from ACCOUNT]\n\n"
            "Moves QUANTITY from the signer's own account to ACCOUNT (a participant name, a\n"
            "key name in this home, or a 40-hex account) and waits for the commit.\n"
            "QUANTITY of a security is whole units (1200); of cash (a currency code such as\n"
            "CNY) it is an amount in the currency's units with at most its decimals\n"
            "('transfer CNY 100.50' moves 100.50 CNY; 100.505 is refused).\n"
            "check is a dry run against the committed state: 'allowed', or the first rule\n"
            "that blocks the transfer with its stable reason code (exit 1). From a key of\n"
            "this home (--from KEY, or the signing key) it is the transfer itself, checked\n"
            "by the node as the next block would execute it; from another account, the\n"
            "transfer rules alone.\n");
        return CLI_OK;
    }
    if (!cli_check_opts(ctx, argc, argv, opts, NULL) ||
        !cli_check_positionals(ctx, argc, argv, opts, 2))
        return CLI_USAGE;
    const char *id = cli_pos(argc, argv, 0, opts), *qty_s = cli_pos(argc, argv, 1, opts);
    const char *to_s = cli_opt(argc, argv, "--to");
    if (!id || !qty_s || !to_s) {
        cli_fail(ctx, "USAGE", "usage: folio transfer ISIN QUANTITY --to ACCOUNT");
        return CLI_USAGE;
    }
    uint64_t qty;
    char amount[CLI_MONEY_LEN];
    if (strlen(id) > AST_ID_LEN) {
        cli_fail(ctx, "UNKNOWN_ASSET", "'%s' is not an instrument identifier", id);
        return CLI_USAGE;
    }
    int rc = cli_instrument_amount_parse(ctx, "QUANTITY", id, qty_s, &qty, amount);
    if (rc != CLI_OK)
        return rc;
    ldg_account to;
    rc = cli_resolve_account(ctx, to_s, &to);
    if (rc != CLI_OK)
        return rc;
    ldg_enc p;
    transfer_payload(&p, id, qty, &to);
    char what[CLI_MONEY_LEN + 160];
    snprintf(what, sizeof what, "transfer %s to %s", amount, to_s);
    rc = cli_submit(ctx, AST_TX_TRANSFER, &p, what, NULL);
    ldg_enc_free(&p);
    return rc;
}

int cli_account_main(cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    if (verb && !strcmp(verb, "history"))
        return cli_account_history(ctx, argc - 1, argv + 1);
    if (verb && !strcmp(verb, "statement"))
        return cli_account_statement(ctx, argc - 1, argv + 1);
    if (!verb || cli_wants_help(argc, argv) || strcmp(verb, "balance") != 0) {
        printf("usage: folio account balance ACCOUNT [--limit N] [--after ID] [--height H]\n\n"
               "Shows every instrument ACCOUNT holds (participant name, key name or 40-hex):\n"
               "securities in units, cash as money with its currency (1,250.50 CNY), and the\n"
               "FROZEN part of each holding. --json: quantity and frozen in smallest units with\n"
               "the instrument's scale; cash adds quantity_money/frozen_money (specs/money.md).\n"
               "--height H: as of block H; history older than the node's retain_blocks is\n"
               "pruned and refused as PRUNED.\n");
        return verb && cli_wants_help(argc, argv) ? CLI_OK : CLI_USAGE;
    }
    static const char *const opts[] = {"--limit", "--after", "--height", NULL};
    cli_page page;
    if (!cli_check_opts(ctx, argc - 1, argv + 1, opts, NULL) ||
        !cli_check_positionals(ctx, argc - 1, argv + 1, opts, 1) ||
        !cli_page_parse(ctx, argc - 1, argv + 1, &page))
        return CLI_USAGE;
    const char *who = cli_pos(argc - 1, argv + 1, 0, opts);
    if (!who) {
        cli_fail(ctx, "USAGE", "account balance needs an ACCOUNT");
        return CLI_USAGE;
    }
    cli_when when;
    int rc = cli_history_parse(ctx, argc - 1, argv + 1, &when);
    ldg_account a;
    if (rc == CLI_OK)
        rc = cli_resolve_account(ctx, who, &a);
    if (rc != CLI_OK)
        return rc;
    char hex[LDG_ACCOUNT_HEX_LEN], cmd[112];
    ldg_account_hex(hex, &a);
    int cl = snprintf(cmd, sizeof cmd, "account balance %s", hex);
    if (when.set && cl > 0 && (size_t)cl < sizeof cmd)
        snprintf(cmd + cl, sizeof cmd - (size_t)cl, " --height %llu",
                 (unsigned long long)when.height);
    json_t *j = cli_history_list(ctx, "balance", hex, &page, &when, &rc);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
    } else {
        const char *name = json_string_value(json_object_get(j, "name"));
        printf("account %s%s%s%s\n", hex, *name ? " (" : "", name, *name ? ")" : "");
        cli_history_title(&when);
        printf("\n");
        cli_table *t =
            cli_table_new(5, (const char *const[]){"ID", "KIND", "NAME", "QUANTITY", "FROZEN"});
        size_t i;
        json_t *b;
        json_array_foreach(json_object_get(j, "balances"), i, b)
        {
            char q[CLI_MONEY_LEN], fz[CLI_MONEY_LEN];
            cli_amount_json_text(q, b, "quantity", scale_of(b));
            if (json_integer_value(json_object_get(b, "frozen")))
                cli_amount_json_text(fz, b, "frozen", scale_of(b));
            else
                snprintf(fz, sizeof fz, "-");
            cli_table_row(t, (const char *const[]){json_string_value(json_object_get(b, "id")),
                                                   json_string_value(json_object_get(b, "kind")),
                                                   json_string_value(json_object_get(b, "name")), q,
                                                   fz});
        }
        cli_table_print(t, stdout);
        cli_table_free(t);
    }
    cli_page_more(ctx, j, cmd, &page);
    json_decref(j);
    return CLI_OK;
}
