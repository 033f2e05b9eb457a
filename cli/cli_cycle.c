/* folio cycle run|list|show|report */
#include "cli.h"
#include "stl_ledger.h"

#include <string.h>

uint64_t cli_receipt_id(json_t *tx);
int cli_stl_submit(cli_ctx *ctx, uint64_t type, const ldg_enc *payload, const char *what,
                   json_t **tx);
int cli_cycle_report_html(cli_ctx *ctx, json_t *cycle, const char *path);

static void usage(void)
{
    printf("usage: folio cycle run                (clearing role)\n"
           "       folio cycle list [--limit N] [--after CYCLE]\n"
           "       folio cycle show N\n"
           "       folio cycle report N --html FILE\n\n"
           "run nets every novated obligation not yet settled (fails of earlier cycles\n"
           "included) multilaterally, settles delivery-versus-payment at net through the CCP,\n"
           "with the liquidity-saving mechanism choosing what can settle without any\n"
           "negative balance, and carries the rest into the next cycle with its age; then it\n"
           "resolves the bilateral queue. show/report give gross and net value, netting\n"
           "efficiency, settled and carried figures, net positions per participant and\n"
           "failures with their reasons. Values are in minor units.\n");
}

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

static void print_cycle(json_t *j)
{
    char eff[32];
    pct_bp(eff, sizeof eff, iv(j, "netting_efficiency_bp"));
    printf("cycle %lld (block %lld)\n", iv(j, "cycle"), iv(j, "height"));
    printf("  obligations in      %lld\n", iv(j, "obligations"));
    printf("  gross value         %lld   (cash of every obligation: each trade on both sides "
           "of the CCP)\n",
           iv(j, "gross_value"));
    printf("  net value           %lld   (cash that moves at net, to and from the CCP)\n",
           iv(j, "net_value"));
    printf("  netting efficiency  %s\n", eff);
    printf("  settled             %lld obligations, value %lld\n", iv(j, "settled_count"),
           iv(j, "settled_value"));
    printf("  carried over        %lld obligations, value %lld\n", iv(j, "carried_count"),
           iv(j, "carried_value"));
    const char *ccp = json_string_value(json_object_get(json_object_get(j, "ccp"), "name"));
    printf("  CCP                 %s\n", ccp && *ccp ? ccp : "-");
    printf("  LSM                 %s\n", json_string_value(json_object_get(j, "lsm_method")));
    printf("  bilateral queue     %lld settled, %lld waiting\n", iv(j, "queue_settled"),
           iv(j, "queue_waiting"));
}

static void print_details(json_t *j)
{
    size_t i;
    json_t *r;
    if (json_array_size(json_object_get(j, "positions"))) {
        printf("\nnet positions (+ receives, - delivers or pays)\n");
        cli_table *t = cli_table_new(3, (const char *const[]){"PARTICIPANT", "ASSET", "NET"});
        json_array_foreach(json_object_get(j, "positions"), i, r)
        {
            char n[32];
            snprintf(n, sizeof n, "%+lld", iv(r, "net"));
            json_t *p = json_object_get(r, "participant");
            const char *name = json_string_value(json_object_get(p, "name"));
            cli_table_row(t, (const char *const[]){
                                 *name ? name : json_string_value(json_object_get(p, "account")),
                                 json_string_value(json_object_get(r, "asset")), n});
        }
        cli_table_print(t, stdout);
        cli_table_free(t);
    }
    if (json_array_size(json_object_get(j, "participants"))) {
        printf("\nper participant (cash, minor units, all currencies added)\n");
        cli_table *t = cli_table_new(3, (const char *const[]){"PARTICIPANT", "GROSS", "NET"});
        json_array_foreach(json_object_get(j, "participants"), i, r)
        {
            char g[24], n[24];
            snprintf(g, sizeof g, "%lld", iv(r, "gross"));
            snprintf(n, sizeof n, "%lld", iv(r, "net"));
            json_t *p = json_object_get(r, "participant");
            const char *name = json_string_value(json_object_get(p, "name"));
            cli_table_row(
                t, (const char *const[]){
                       *name ? name : json_string_value(json_object_get(p, "account")), g, n});
        }
        cli_table_print(t, stdout);
        cli_table_free(t);
    }
    if (json_array_size(json_object_get(j, "failures"))) {
        printf("\ncarried into the next cycle\n");
        cli_table *t =
            cli_table_new(4, (const char *const[]){"OBLIGATION", "TRADE", "AGE", "REASON"});
        json_array_foreach(json_object_get(j, "failures"), i, r)
        {
            char o[24], tr[24], age[24];
            snprintf(o, sizeof o, "%lld", iv(r, "obligation"));
            snprintf(tr, sizeof tr, "%lld", iv(r, "trade"));
            snprintf(age, sizeof age, "%lld", iv(r, "age_cycles"));
            cli_table_row(t, (const char *const[]){
                                 o, tr, age, json_string_value(json_object_get(r, "reason"))});
        }
        cli_table_print(t, stdout);
        cli_table_free(t);
    }
}

int cli_cycle_main(cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    if (!verb || cli_wants_help(argc, argv)) {
        usage();
        return verb ? CLI_OK : CLI_USAGE;
    }
    int rc;
    if (!strcmp(verb, "run")) {
        if (!no_extra(ctx, argc - 1, argv + 1, 0, NULL))
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
            cli_table *t =
                cli_table_new(8, (const char *const[]){"CYCLE", "BLOCK", "OBLIGATIONS", "GROSS",
                                                       "NET", "EFFICIENCY", "SETTLED", "CARRIED"});
            size_t i;
            json_t *r;
            json_array_foreach(json_object_get(j, "cycles"), i, r)
            {
                char c[24], b[24], o[24], g[24], n[24], e[24], s[24], k[24];
                snprintf(c, sizeof c, "%lld", iv(r, "cycle"));
                snprintf(b, sizeof b, "%lld", iv(r, "height"));
                snprintf(o, sizeof o, "%lld", iv(r, "obligations"));
                snprintf(g, sizeof g, "%lld", iv(r, "gross_value"));
                snprintf(n, sizeof n, "%lld", iv(r, "net_value"));
                pct_bp(e, sizeof e, iv(r, "netting_efficiency_bp"));
                snprintf(s, sizeof s, "%lld", iv(r, "settled_count"));
                snprintf(k, sizeof k, "%lld", iv(r, "carried_count"));
                cli_table_row(t, (const char *const[]){c, b, o, g, n, e, s, k});
            }
            cli_table_print(t, stdout);
            cli_table_free(t);
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
            cli_fail(ctx, "USAGE", "cycle report N needs --html FILE");
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
    cli_fail(ctx, "USAGE", "unknown verb 'cycle %s' (run, list, show, report)", verb);
    return CLI_USAGE;
}
