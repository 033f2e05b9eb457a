/* folio cycle run|list|show|report */
#include "cli.h"
#include "stl_ledger.h"

#include <string.h>

int cli_cycle_report_html(cli_ctx *ctx, json_t *cycle, const char *path);

static json_t *get_cycle(cli_ctx *ctx, const char *n_s, int *rc)
{
    uint64_t n;
    if (!n_s || !cli_parse_u64(n_s, UINT64_MAX, &n)) {
        cli_fail(ctx, "USAGE", "a cycle number is required (see 'folio cycle list')");
        *rc = CLI_USAGE;
        return NULL;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "cycle");
    ldg_enc_u64(&e, n);
    json_t *j = cli_call(ctx, &e, rc);
    ldg_enc_free(&e);
    return j;
}

static bool no_extra(cli_ctx *ctx, int argc, char **argv, int allowed, const char *const *valued)
{
    if (!cli_check_opts(ctx, argc, argv, valued, NULL))
        return false;
    if (cli_pos(argc, argv, allowed, valued)) {
        cli_fail(ctx, "USAGE", "unexpected argument '%s'", cli_pos(argc, argv, allowed, valued));
        return false;
    }
    return true;
}

static void pct_bp(char *out, size_t len, long long bp)
{
    snprintf(out, len, "%lld.%02lld%%", bp / 100, bp % 100);
}

static long long iv(json_t *j, const char *k)
{
    return (long long)json_integer_value(json_object_get(j, k));
}

static const char *pname(json_t *p)
{
    const char *n = json_string_value(json_object_get(p, "name"));
    return n && *n ? n : json_string_value(json_object_get(p, "account"));
}

static const char *money_of(char out[CLI_MONEY_LEN], json_t *r, const char *k)
{
    return cli_money_json_text(out, json_object_get(r, k));
}

static void print_currencies(json_t *j)
{
    json_t *cur = json_object_get(j, "currencies");
    if (json_array_size(cur) == 0) {
        printf("\nno obligations, so no money figures\n");
        return;
    }
    printf("\nper currency (amounts of different currencies are never added)\n");
    cli_table *t = cli_table_new(
        6, (const char *const[]){"CURRENCY", "GROSS", "NET", "EFFICIENCY", "SETTLED", "CARRIED"});
    size_t i;
    json_t *r;
    json_array_foreach(cur, i, r)
    {
        char g[CLI_MONEY_LEN], n[CLI_MONEY_LEN], e[24], s[CLI_MONEY_LEN], c[CLI_MONEY_LEN];
        pct_bp(e, sizeof e, iv(r, "netting_efficiency_bp"));
        cli_table_row(t, (const char *const[]){
                             json_string_value(json_object_get(r, "currency")),
                             money_of(g, r, "gross_value"), money_of(n, r, "net_value"), e,
                             money_of(s, r, "settled_value"), money_of(c, r, "carried_value")});
    }
    cli_table_print(t, stdout);
    cli_table_free(t);
    printf("gross: cash of every obligation (each trade on both sides of the CCP); net: cash "
           "that moves at net, to and from the CCP; efficiency = 1 - net/gross\n");
}

static void print_cycle(json_t *j)
{
    if (json_is_true(json_object_get(j, "preview")))
        printf("preview of cycle %lld: what 'cycle run' would do now (nothing committed)\n",
               iv(j, "cycle"));
    else
        printf("cycle %lld (block %lld, %s)\n", iv(j, "cycle"), iv(j, "height"),
               json_string_value(json_object_get(j, "time")));
    printf("  obligations in      %lld\n", iv(j, "obligations"));
    printf("  settled             %lld obligations\n", iv(j, "settled_count"));
    printf("  carried over        %lld obligations\n", iv(j, "carried_count"));
    printf("  CCP                 %s\n", pname(json_object_get(j, "ccp")));
    printf("  LSM                 %s\n", json_string_value(json_object_get(j, "lsm_method")));
    printf("  bilateral queue     %lld settled, %lld waiting\n", iv(j, "queue_settled"),
           iv(j, "queue_waiting"));
    print_currencies(j);
}

static void print_positions(json_t *j)
{
    size_t i;
    json_t *r;
    printf("\nnet positions (+ receives, - delivers or pays)\n");
    cli_table *t = cli_table_new(3, (const char *const[]){"PARTICIPANT", "ASSET", "NET"});
    json_array_foreach(json_object_get(j, "positions"), i, r)
    {
        char n[CLI_MONEY_LEN + 1];
        json_t *nv = json_object_get(r, "net");
        if (json_is_object(nv)) {
            char m[CLI_MONEY_LEN];
            cli_money_json_text(m, nv);
            snprintf(n, sizeof n, "%s%s", m[0] == '-' ? "" : "+", m);
        } else {
            char q[CLI_MONEY_LEN];
            long long v = (long long)json_integer_value(nv);
            cli_quantity_text(q, v, 0);
            snprintf(n, sizeof n, "%s%s", v < 0 ? "" : "+", q);
        }
        cli_table_row(t, (const char *const[]){pname(json_object_get(r, "participant")),
                                               json_string_value(json_object_get(r, "asset")), n});
    }
    cli_table_print(t, stdout);
    cli_table_free(t);
}

static void print_details(json_t *j)
{
    size_t i;
    json_t *r;
    if (json_array_size(json_object_get(j, "positions")))
        print_positions(j);
    if (json_array_size(json_object_get(j, "participants"))) {
        printf("\nper participant and currency (cash)\n");
        cli_table *t =
            cli_table_new(4, (const char *const[]){"PARTICIPANT", "CURRENCY", "GROSS", "NET"});
        json_array_foreach(json_object_get(j, "participants"), i, r)
        {
            char g[CLI_MONEY_LEN], n[CLI_MONEY_LEN];
            cli_table_row(t,
                          (const char *const[]){pname(json_object_get(r, "participant")),
                                                json_string_value(json_object_get(r, "currency")),
                                                money_of(g, r, "gross"), money_of(n, r, "net")});
        }
        cli_table_print(t, stdout);
        cli_table_free(t);
    }
    if (json_array_size(json_object_get(j, "failures"))) {
        printf("\ncarried into the next cycle (a fail carried through %lld cycles may be closed: "
               "folio cycle close)\n",
               iv(j, "fail_close_cycles"));
        cli_table *t =
            cli_table_new(8, (const char *const[]){"OBLIGATION", "TRADE", "AGE", "DELIVERER",
                                                   "RECEIVER", "QTY", "CASH", "REASON"});
        json_array_foreach(json_object_get(j, "failures"), i, r)
        {
            char o[24], tr[24], age[24], q[CLI_MONEY_LEN], c[CLI_MONEY_LEN];
            snprintf(o, sizeof o, "%lld", iv(r, "obligation"));
            snprintf(tr, sizeof tr, "%lld", iv(r, "trade"));
            snprintf(age, sizeof age, "%lld", iv(r, "age_cycles"));
            char qi[CLI_MONEY_LEN + 16];
            cli_quantity_text(q, iv(r, "quantity"), 0);
            snprintf(qi, sizeof qi, "%s %s", q, json_string_value(json_object_get(r, "isin")));
            cli_table_row(t, (const char *const[]){
                                 o, tr, age, pname(json_object_get(r, "deliverer")),
                                 pname(json_object_get(r, "receiver")), qi, money_of(c, r, "cash"),
                                 json_string_value(json_object_get(r, "reason"))});
        }
        cli_table_print(t, stdout);
        cli_table_free(t);
    }
}

/* cycle list: one row per cycle and currency (a cycle without obligations: one row). */
static void list_rows(json_t *j)
{
    cli_table *t = cli_table_new(
        10, (const char *const[]){"CYCLE", "BLOCK", "OBLIGATIONS", "SETTLED", "CARRIED", "CURRENCY",
                                  "GROSS", "NET", "EFFICIENCY", "CARRIED VALUE"});
    size_t i, k;
    json_t *r, *c;
    json_array_foreach(json_object_get(j, "cycles"), i, r)
    {
        char cy[24], b[24], o[24], s[24], ca[24];
        snprintf(cy, sizeof cy, "%lld", iv(r, "cycle"));
        snprintf(b, sizeof b, "%lld", iv(r, "height"));
        snprintf(o, sizeof o, "%lld", iv(r, "obligations"));
        snprintf(s, sizeof s, "%lld", iv(r, "settled_count"));
        snprintf(ca, sizeof ca, "%lld", iv(r, "carried_count"));
        json_t *cur = json_object_get(r, "currencies");
        if (json_array_size(cur) == 0)
            cli_table_row(t, (const char *const[]){cy, b, o, s, ca, "-", "-", "-", "-", "-"});
        json_array_foreach(cur, k, c)
        {
            char g[CLI_MONEY_LEN], n[CLI_MONEY_LEN], e[24], cv[CLI_MONEY_LEN];
            pct_bp(e, sizeof e, iv(c, "netting_efficiency_bp"));
            /* The cycle's own figures on its first row only. */
            cli_table_row(t, (const char *const[]){
                                 k ? "" : cy, k ? "" : b, k ? "" : o, k ? "" : s, k ? "" : ca,
                                 json_string_value(json_object_get(c, "currency")),
                                 money_of(g, c, "gross_value"), money_of(n, c, "net_value"), e,
                                 money_of(cv, c, "carried_value")});
        }
    }
    cli_table_print(t, stdout);
    cli_table_free(t);
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
    int rc;
    if (!no_extra(ctx, argc, argv, 0, NULL))
        return CLI_USAGE;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 0);
    json_t *tx = NULL;
    rc = cli_stl_submit(ctx, STL_TX_CYCLE_RUN, &e, "cycle run", &tx);
    ldg_enc_free(&e);
    if (rc != CLI_OK) {
        json_decref(tx);
        return rc;
    }
    char n[24];
    snprintf(n, sizeof n, "%llu", (unsigned long long)cli_receipt_id(tx));
    json_t *j = get_cycle(ctx, n, &rc);
    if (j && ctx->json) {
        json_object_set(j, "tx", json_object_get(tx, "id"));
        cli_print_json(j);
    } else if (j) {
        print_cycle(j);
        print_details(j);
    }
    json_decref(tx);
    json_decref(j);
    return j ? CLI_OK : rc;
}

static int preview(cli_ctx *ctx, int argc, char **argv)
{
    int rc;
    if (!no_extra(ctx, argc, argv, 0, NULL))
        return CLI_USAGE;
    json_t *j = cli_query(ctx, "cycle_preview", NULL, &rc);
    if (!j)
        return rc;
    json_t *rej = json_object_get(j, "rejected");
    if (ctx->json) {
        cli_print_json(j);
    } else if (rej) {
        const char *detail = json_string_value(json_object_get(rej, "detail"));
        printf("cycle run would be rejected now: %s (code %lld): %s%s%s\n",
               json_string_value(json_object_get(rej, "name")), iv(rej, "code"),
               json_string_value(json_object_get(rej, "message")), detail && *detail ? " — " : "",
               detail ? detail : "");
    } else {
        print_cycle(j);
        print_details(j);
    }
    json_decref(j);
    return rej ? CLI_REJECTED : CLI_OK;
}

/* cycle close-after K: the chain's fail-close period, in cycles. */
static int close_after(cli_ctx *ctx, int argc, char **argv)
{
    const char *k_s = cli_pos(argc, argv, 0, NULL);
    uint64_t k;
    if (!k_s || !cli_parse_u64(k_s, STL_FAIL_CLOSE_CYCLES_MAX, &k) || k == 0) {
        cli_fail(ctx, "USAGE", "cycle close-after needs a number of cycles, 1 to %d, not '%s'",
                 STL_FAIL_CLOSE_CYCLES_MAX, k_s ? k_s : "");
        return CLI_USAGE;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_u64(&e, k);
    int rc = cli_stl_submit_say(ctx, STL_TX_FAIL_CLOSE_AFTER, &e, "cycle close-after");
    ldg_enc_free(&e);
    return rc;
}

/* cycle close TRADE_ID --price P: the price is parsed in the trade's currency. */
static int close_fail(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--price", NULL};
    if (!no_extra(ctx, argc, argv, 1, opts))
        return CLI_USAGE;
    const char *id_s = cli_pos(argc, argv, 0, opts), *ps = cli_opt(argc, argv, "--price");
    uint64_t id, price;
    if (!id_s || !cli_parse_u64(id_s, UINT64_MAX, &id) || !ps) {
        cli_fail(ctx, "USAGE", "usage: folio cycle close TRADE_ID --price P");
        return CLI_USAGE;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "trade");
    ldg_enc_u64(&e, id);
    int rc;
    json_t *t = cli_call(ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!t)
        return rc;
    char ccy[16];
    snprintf(ccy, sizeof ccy, "%s", json_string_value(json_object_get(t, "currency")));
    json_decref(t);
    rc = cli_money_parse(ctx, "--price", ccy, ps, false, &price);
    if (rc != CLI_OK)
        return rc;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_u64(&e, id);
    ldg_enc_u64(&e, price);
    char what[64];
    snprintf(what, sizeof what, "cycle close %llu", (unsigned long long)id);
    rc = cli_stl_submit_say(ctx, STL_TX_FAIL_CLOSE, &e, what);
    ldg_enc_free(&e);
    return rc;
}

int cli_cycle_main(cli_ctx *ctx, int argc, char **argv)
{
    /* The dispatcher (cli_cmds.c) has checked the verb, options and arguments and
     * answered --help. */
    const char *verb = argv[1];
    int rc;
    if (!strcmp(verb, "run"))
        return run(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "preview"))
        return preview(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "close"))
        return close_fail(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "close-after"))
        return close_after(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "list")) {
        static const char *const opts[] = {"--limit", "--after", NULL};
        cli_page page;
        if (!no_extra(ctx, argc - 1, argv + 1, 0, opts) ||
            !cli_page_parse(ctx, argc - 1, argv + 1, &page))
            return CLI_USAGE;
        json_t *j = cli_list_query(ctx, "cycles", NULL, &page, &rc);
        if (!j)
            return rc;
        if (ctx->json) {
            cli_print_json(j);
        } else {
            list_rows(j);
        }
        cli_page_more(ctx, j, "cycle list", &page);
        json_decref(j);
        return CLI_OK;
    }
    if (!strcmp(verb, "show") || !strcmp(verb, "report")) {
        bool report = !strcmp(verb, "report");
        static const char *const html[] = {"--html", NULL};
        if (!no_extra(ctx, argc - 1, argv + 1, 1, report ? html : NULL))
            return CLI_USAGE;
        const char *path = report ? cli_opt(argc - 1, argv + 1, "--html") : NULL;
        if (report && (!path || !*path)) {
            cli_fail(ctx, "USAGE", "cycle report N needs --html FILE (or --html - for stdout)");
            return CLI_USAGE;
        }
        json_t *j = get_cycle(ctx, cli_pos(argc - 1, argv + 1, 0, report ? html : NULL), &rc);
        if (!j)
            return rc;
        rc = CLI_OK;
        if (report) {
            rc = cli_cycle_report_html(ctx, j, path);
        } else if (ctx->json) {
            cli_print_json(j);
        } else {
            print_cycle(j);
            print_details(j);
        }
        json_decref(j);
        return rc;
    }
    cli_fail(ctx, "USAGE",
             "unknown verb 'cycle %s' (run, preview, list, show, report, close, close-after)",
             verb);
    return CLI_USAGE;
}
