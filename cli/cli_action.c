/* folio action dividend|split|cancel|list: corporate actions run by the ledger. */
#include "ast_asset.h"
#include "ast_isin.h"
#include "cli.h"

#include <string.h>

static void usage(void)
{
    printf("usage: folio action dividend ISIN --per-share AMOUNT --currency CNY\n"
           "                             --record-date YYYY-MM-DD --pay-date YYYY-MM-DD\n"
           "       folio action split ISIN --ratio N:M\n"
           "       folio action cancel ID\n"
           "       folio action list [--isin ISIN] [--limit N] [--after ID]\n\n"
           "Issuer role. Holders at the end of the record date (block time, UTC) are paid on\n"
           "the first block at or after the pay date, from the issuer's cash account; each\n"
           "holder gets shares x per-share exactly. AMOUNT is in the currency's units with at\n"
           "most its decimals (--per-share 0.35 --currency CNY pays 0.35 CNY a share).\n"
           "If the issuer is short, nobody is paid, the action is 'unfunded' and retried\n"
           "every block until funded or cancelled. action list shows the amount per unit and\n"
           "what was paid of the total as money with its currency (--json: money objects).\n"
           "A split N:M gives floor(holding x N / M) new shares; the aggregated fractions go\n"
           "to the issuer as whole shares. Bond coupons and redemptions run by themselves.\n");
}

static int submit_id(cli_ctx *ctx, uint64_t type, ldg_enc *p, const char *what)
{
    json_t *tx = NULL;
    int rc = cli_submit(ctx, type, p, what, &tx);
    ldg_enc_free(p);
    if (rc == CLI_OK && !ctx->json)
        printf("action %llu (see 'folio action list')\n", (unsigned long long)cli_receipt_id(tx));
    json_decref(tx);
    return rc;
}

static int dividend(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--per-share", "--currency", "--record-date", "--pay-date",
                                       NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, NULL))
        return CLI_USAGE;
    const char *id = cli_pos(argc, argv, 0, opts), *ps = cli_opt(argc, argv, "--per-share");
    const char *cur = cli_opt(argc, argv, "--currency"), *rd = cli_opt(argc, argv, "--record-date");
    const char *pd = cli_opt(argc, argv, "--pay-date");
    if (!id || !ps || !cur || !rd || !pd) {
        cli_fail(ctx, "USAGE",
                 "action dividend needs ISIN, --per-share, --currency, "
                 "--record-date and --pay-date");
        return CLI_USAGE;
    }
    const ast_currency *info;
    if (ast_currency_lookup(&info, cur, strlen(cur)) != AST_ISIN_OK) {
        cli_fail(ctx, "BAD_CURRENCY", "'%s' is not a known currency", cur);
        return CLI_USAGE;
    }
    uint64_t per;
    int64_t rec, pay;
    if (cli_money_parse(ctx, "--per-share", cur, ps, false, &per) != CLI_OK)
        return CLI_USAGE;
    if (!cli_parse_date(rd, &rec) || !cli_parse_date(pd, &pay)) {
        cli_fail(ctx, "BAD_DATES", "dates are YYYY-MM-DD");
        return CLI_USAGE;
    }
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 5);
    ldg_enc_str(&p, id);
    ldg_enc_u64(&p, per);
    ldg_enc_str(&p, cur);
    ldg_enc_i64(&p, rec);
    ldg_enc_i64(&p, pay);
    char what[CLI_MONEY_LEN + 64], money[CLI_MONEY_LEN];
    snprintf(what, sizeof what, "dividend of %s a share on %.12s",
             cli_money_text(money, (int64_t)per, cur), id);
    return submit_id(ctx, AST_TX_DIVIDEND, &p, what);
}

static int split(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--ratio", NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, NULL))
        return CLI_USAGE;
    const char *id = cli_pos(argc, argv, 0, opts), *r = cli_opt(argc, argv, "--ratio");
    char buf[64];
    uint64_t n, m;
    char *colon;
    if (!id || !r || strlen(r) >= sizeof buf) {
        cli_fail(ctx, "USAGE", "usage: folio action split ISIN --ratio N:M");
        return CLI_USAGE;
    }
    snprintf(buf, sizeof buf, "%s", r);
    colon = strchr(buf, ':');
    if (!colon || (*colon = '\0', !cli_parse_u64(buf, UINT32_MAX, &n)) ||
        !cli_parse_u64(colon + 1, UINT32_MAX, &m)) {
        cli_fail(ctx, "BAD_RATIO", "--ratio is N:M with whole numbers, e.g. 2:1 or 1:10");
        return CLI_USAGE;
    }
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 3);
    ldg_enc_str(&p, id);
    ldg_enc_u64(&p, n);
    ldg_enc_u64(&p, m);
    return submit_id(ctx, AST_TX_SPLIT, &p, "split");
}

static int cancel(cli_ctx *ctx, int argc, char **argv)
{
    uint64_t id;
    if (argc < 2 || !cli_parse_u64(argv[1], UINT64_MAX, &id)) {
        cli_fail(ctx, "USAGE", "usage: folio action cancel ID");
        return CLI_USAGE;
    }
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 1);
    ldg_enc_u64(&p, id);
    char what[64];
    snprintf(what, sizeof what, "cancel action %llu", (unsigned long long)id);
    int rc = cli_submit(ctx, AST_TX_ACTION_CANCEL, &p, what, NULL);
    ldg_enc_free(&p);
    return rc;
}

static const char *s_of(json_t *j, const char *k)
{
    const char *s = json_string_value(json_object_get(j, k));
    return s ? s : "";
}

static int list(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--isin", "--limit", "--after", NULL};
    cli_page page;
    if (!cli_check_opts(ctx, argc, argv, opts, NULL) || !cli_page_parse(ctx, argc, argv, &page))
        return CLI_USAGE;
    int rc;
    const char *isin = cli_opt(argc, argv, "--isin");
    char cmd[64];
    snprintf(cmd, sizeof cmd, "action list%s%s", isin ? " --isin " : "", isin ? isin : "");
    json_t *j = cli_list_query(ctx, "actions", isin ? isin : "", &page, &rc);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
        json_decref(j);
        return CLI_OK;
    }
    /* Every money column holds only money (or "-"), so the table right-aligns it; a split's
     * ratio goes with its kind. */
    cli_table *t =
        cli_table_new(10, (const char *const[]){"ID", "KIND", "ISIN", "STATE", "RECORD", "PAY",
                                                "PER UNIT", "PAID", "TOTAL", "HOLDERS PAID"});
    cli_table_empty(t, isin ? "no corporate actions for this instrument" : "no corporate actions");
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(j, "actions"), i, a)
    {
        char id[24], kind[64], per[CLI_MONEY_LEN], paid[CLI_MONEY_LEN], tot[CLI_MONEY_LEN];
        char holders[48];
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(a, "id")));
        if (!strcmp(s_of(a, "kind"), "split")) {
            snprintf(kind, sizeof kind, "split %s", s_of(a, "ratio"));
            cli_table_row(t, (const char *const[]){id, kind, s_of(a, "isin"), s_of(a, "state"), "-",
                                                   "-", "-", "-", "-", "-"});
            continue;
        }
        snprintf(kind, sizeof kind, "%s", s_of(a, "kind"));
        cli_money_json_text(per, json_object_get(a, "per_unit"));
        /* Before the record date nothing is known of the total: "-", not "0.00 CNY". */
        bool recorded = strcmp(s_of(a, "state"), "scheduled") &&
                        strcmp(s_of(a, "state"), "recording") &&
                        json_integer_value(json_object_get(a, "record_holders")) > 0;
        cli_money_json_text(paid, json_object_get(a, "paid"));
        cli_money_json_text(tot, json_object_get(a, "total"));
        snprintf(holders, sizeof holders, "%lld of %lld",
                 (long long)json_integer_value(json_object_get(a, "paid_holders")),
                 (long long)json_integer_value(json_object_get(a, "record_holders")));
        cli_table_row(t, (const char *const[]){id, kind, s_of(a, "isin"), s_of(a, "state"),
                                               s_of(a, "record_date"), s_of(a, "pay_date"), per,
                                               recorded ? paid : "-", recorded ? tot : "-",
                                               recorded ? holders : "-"});
    }
    cli_table_print(t, stdout);
    cli_table_free(t);
    cli_page_more(ctx, j, cmd, &page);
    json_decref(j);
    return CLI_OK;
}

int cli_action_main(cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    if (!verb || cli_wants_help(argc, argv)) {
        usage();
        return verb ? CLI_OK : CLI_USAGE;
    }
    if (!strcmp(verb, "dividend"))
        return dividend(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "split"))
        return split(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "cancel"))
        return cancel(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "list"))
        return list(ctx, argc - 1, argv + 1);
    cli_fail(ctx, "USAGE", "unknown verb 'action %s' (dividend, split, cancel, list)", verb);
    return CLI_USAGE;
}
