/* folio cycle run|list|show|report */
#include "cli.h"
#include "stl_ledger.h"

#include <string.h>

uint64_t cli_receipt_id(json_t *tx);
int cli_cycle_report_html(cli_ctx *ctx, json_t *cycle, const char *path);

static void usage(void)
{
    printf("usage: folio cycle run                (clearing role)\n"
           "       folio cycle list\n"
           "       folio cycle show N\n"
           "       folio cycle report N --html FILE\n\n"
           "run nets every novated obligation not yet settled, settles delivery-versus-payment\n"
           "with the liquidity-saving mechanism choosing what can settle, and carries the rest\n"
           "into the next cycle. show/report give gross and net value, netting efficiency,\n"
           "settled and carried figures, net positions and failures with their reasons.\n");
}

static json_t *get_cycle(cli_ctx *ctx, const char *n_s, int *rc)
{
    uint64_t n;
    if (!n_s || !cli_parse_u64(n_s, UINT64_MAX, &n)) {
        cli_fail(ctx, "USAGE", "a cycle number is required");
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
    printf("  gross value         %lld\n", iv(j, "gross_value"));
    printf("  net value           %lld\n", iv(j, "net_value"));
    printf("  netting efficiency  %s\n", eff);
    printf("  settled             %lld obligations, value %lld\n", iv(j, "settled_count"),
           iv(j, "settled_value"));
    printf("  carried over        %lld obligations, value %lld\n", iv(j, "carried_count"),
           iv(j, "carried_value"));
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
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_enc_array(&e, 0);
        json_t *tx = NULL;
        bool json = ctx->json;
        ctx->json = false; /* print the cycle, not the transaction, with --json */
        FILE *keep = stdout;
        rc = cli_submit(ctx, STL_TX_CYCLE_RUN, &e, "cycle run", &tx);
        ctx->json = json;
        (void)keep;
        ldg_enc_free(&e);
        if (rc != CLI_OK) {
            json_decref(tx);
            return rc;
        }
        char n[24];
        snprintf(n, sizeof n, "%llu", (unsigned long long)cli_receipt_id(tx));
        json_decref(tx);
        json_t *j = get_cycle(ctx, n, &rc);
        if (!j)
            return rc;
        if (ctx->json)
            cli_print_json(j);
        else
            print_cycle(j);
        json_decref(j);
        return CLI_OK;
    }
    if (!strcmp(verb, "list")) {
        json_t *j = cli_query(ctx, "cycles", NULL, &rc);
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
        json_decref(j);
        return CLI_OK;
    }
    if (!strcmp(verb, "show") || !strcmp(verb, "report")) {
        json_t *j = get_cycle(ctx, argc > 2 ? argv[2] : NULL, &rc);
        if (!j)
            return rc;
        if (!strcmp(verb, "report")) {
            const char *path = cli_opt(argc - 1, argv + 1, "--html");
            if (!path || !*path) {
                json_decref(j);
                cli_fail(ctx, "USAGE", "cycle report N needs --html FILE");
                return CLI_USAGE;
            }
            rc = cli_cycle_report_html(ctx, j, path);
        } else if (ctx->json) {
            cli_print_json(j);
        } else {
            print_cycle(j);
            print_details(j);
        }
        json_decref(j);
        return rc == CLI_OK || !strcmp(verb, "show") ? CLI_OK : rc;
    }
    cli_fail(ctx, "USAGE", "unknown verb 'cycle %s' (run, list, show, report)", verb);
    return CLI_USAGE;
}
