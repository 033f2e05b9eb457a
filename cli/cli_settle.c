/* folio settle instruct|list|cancel|queue|resolve: bilateral DvP instructions outside the
 * CCP. */
#include "cli.h"
#include "stl_ledger.h"

#include <string.h>

/* "X:TEXT" -> X (into id, at most 12 chars) and the text after the last colon. */
static bool split_pair(const char *s, char *id, const char **text)
{
    const char *colon = s ? strrchr(s, ':') : NULL;
    if (!colon || colon == s || colon - s > 12)
        return false;
    memcpy(id, s, (size_t)(colon - s));
    id[colon - s] = '\0';
    *text = colon + 1;
    return true;
}

static int instruct(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--deliver", "--receive", "--pay", "--counterparty", NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, NULL))
        return CLI_USAGE;
    if (cli_pos(argc, argv, 0, opts)) {
        cli_fail(ctx, "USAGE", "unexpected argument '%s'", cli_pos(argc, argv, 0, opts));
        return CLI_USAGE;
    }
    const char *d = cli_opt(argc, argv, "--deliver"), *r = cli_opt(argc, argv, "--receive");
    const char *pay = cli_opt(argc, argv, "--pay"), *cp = cli_opt(argc, argv, "--counterparty");
    if (!!d == !!r || !pay || !cp) {
        cli_fail(ctx, "USAGE",
                 "settle instruct needs exactly one of --deliver/--receive "
                 "ISIN:QTY, and --pay CCY:AMOUNT and --counterparty");
        return CLI_USAGE;
    }
    char isin[13], ccy[13];
    const char *qty_s, *amount_s;
    uint64_t qty, amount;
    if (!split_pair(d ? d : r, isin, &qty_s)) {
        cli_fail(ctx, "USAGE", "'%s' is not ISIN:QTY", d ? d : r);
        return CLI_USAGE;
    }
    if (!split_pair(pay, ccy, &amount_s)) {
        cli_fail(ctx, "USAGE", "'%s' is not CCY:AMOUNT (e.g. CNY:100.50)", pay);
        return CLI_USAGE;
    }
    int rc =
        cli_quantity_parse(ctx, d ? "--deliver quantity" : "--receive quantity", qty_s, 0, &qty);
    if (rc == CLI_OK)
        rc = cli_money_parse(ctx, "--pay", ccy, amount_s, false, &amount);
    if (rc != CLI_OK)
        return rc;
    ldg_account cpa;
    rc = cli_resolve_account(ctx, cp, &cpa);
    if (rc != CLI_OK)
        return rc;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 6);
    ldg_enc_bool(&e, d != NULL);
    ldg_enc_str(&e, isin);
    ldg_enc_u64(&e, qty);
    ldg_enc_str(&e, ccy);
    ldg_enc_u64(&e, amount);
    ldg_enc_bin(&e, cpa.b, LDG_ACCOUNT_LEN);
    json_t *tx = NULL;
    rc = cli_stl_submit(ctx, STL_TX_SETTLE_INSTRUCT, &e, "settle instruct", &tx);
    ldg_enc_free(&e);
    if (rc == CLI_OK && ctx->json) {
        json_t *j = json_deep_copy(tx);
        json_object_set_new(j, "instruction_id", json_integer((json_int_t)cli_receipt_id(tx)));
        cli_print_json(j);
        json_decref(j);
    } else if (rc == CLI_OK)
        printf("instruction %llu: %s\n", (unsigned long long)cli_receipt_id(tx),
               json_string_value(json_object_get(json_object_get(tx, "receipt"), "detail")));
    json_decref(tx);
    return rc;
}

static const char *pname(json_t *p)
{
    const char *n = json_string_value(json_object_get(p, "name"));
    return n && *n ? n : json_string_value(json_object_get(p, "account"));
}

static int queue(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--limit", "--after", NULL};
    cli_page page;
    if (!cli_check_opts(ctx, argc, argv, opts, NULL) ||
        !cli_check_positionals(ctx, argc, argv, opts, 0) || !cli_page_parse(ctx, argc, argv, &page))
        return CLI_USAGE;
    int rc;
    json_t *j = cli_list_query(ctx, "queue", NULL, &page, &rc);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
    } else {
        cli_table *t = cli_table_new(7, (const char *const[]){"ID", "DELIVERER", "RECEIVER", "ISIN",
                                                              "QTY", "PAYMENT", "AGE"});
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(j, "queue"), i, r)
        {
            char id[24], q[CLI_MONEY_LEN], p[CLI_MONEY_LEN], age[24];
            snprintf(id, sizeof id, "%lld",
                     (long long)json_integer_value(json_object_get(r, "instruction")));
            cli_quantity_text(q, json_integer_value(json_object_get(r, "quantity")), 0);
            cli_money_json_text(p, json_object_get(r, "amount"));
            snprintf(age, sizeof age, "%lld",
                     (long long)json_integer_value(json_object_get(r, "age_cycles")));
            cli_table_row(t, (const char *const[]){id, pname(json_object_get(r, "deliverer")),
                                                   pname(json_object_get(r, "receiver")),
                                                   json_string_value(json_object_get(r, "isin")), q,
                                                   p, age});
        }
        cli_table_print(t, stdout);
        cli_table_free(t);
    }
    cli_page_more(ctx, j, "settle queue", &page);
    json_decref(j);
    return CLI_OK;
}

static int list(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--status", "--limit", "--after", NULL};
    cli_page page;
    if (!cli_check_opts(ctx, argc, argv, opts, NULL) ||
        !cli_check_positionals(ctx, argc, argv, opts, 0) || !cli_page_parse(ctx, argc, argv, &page))
        return CLI_USAGE;
    const char *status = cli_opt(argc, argv, "--status");
    static const char *const known[] = {"unmatched", "matched", "queued", "settled", "cancelled"};
    bool ok = !status;
    for (size_t i = 0; status && i < sizeof known / sizeof *known; i++)
        ok |= !strcmp(status, known[i]);
    if (!ok) {
        cli_fail(ctx, "USAGE",
                 "--status must be unmatched, matched, queued, settled or cancelled, not '%s'",
                 status);
        return CLI_USAGE;
    }
    int rc;
    json_t *j = cli_list_query(ctx, "instructions", status ? status : "", &page, &rc);
    if (!j)
        return rc;
    json_t *rows = json_object_get(j, "instructions");
    if (ctx->json) {
        cli_print_json(j);
    } else if (json_array_size(rows) == 0) {
        printf("no %s%sinstructions\n", status ? status : "", status ? " " : "");
    } else {
        cli_table *t =
            cli_table_new(8, (const char *const[]){"ID", "STATUS", "SENDER", "SIDE", "COUNTERPARTY",
                                                   "ISIN", "QTY", "PAYMENT"});
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            char id[24], q[CLI_MONEY_LEN], p[CLI_MONEY_LEN];
            snprintf(id, sizeof id, "%lld",
                     (long long)json_integer_value(json_object_get(r, "id")));
            cli_quantity_text(q, json_integer_value(json_object_get(r, "quantity")), 0);
            cli_money_json_text(p, json_object_get(r, "amount"));
            cli_table_row(
                t, (const char *const[]){id, json_string_value(json_object_get(r, "status")),
                                         pname(json_object_get(r, "sender")),
                                         json_string_value(json_object_get(r, "side")),
                                         pname(json_object_get(r, "counterparty")),
                                         json_string_value(json_object_get(r, "isin")), q, p});
        }
        cli_table_print(t, stdout);
        cli_table_free(t);
        json_array_foreach(rows, i, r)
        {
            json_t *h = json_object_get(r, "near_match");
            if (json_is_object(h))
                printf("instruction %lld: %s\n",
                       (long long)json_integer_value(json_object_get(r, "id")),
                       json_string_value(json_object_get(h, "hint")));
        }
    }
    char cmd[64];
    snprintf(cmd, sizeof cmd, "settle list%s%s", status ? " --status " : "", status ? status : "");
    cli_page_more(ctx, j, cmd, &page);
    json_decref(j);
    return CLI_OK;
}

static int cancel(cli_ctx *ctx, int argc, char **argv)
{
    if (!cli_check_opts(ctx, argc, argv, NULL, NULL) ||
        !cli_check_positionals(ctx, argc, argv, NULL, 1))
        return CLI_USAGE;
    const char *id_s = cli_pos(argc, argv, 0, NULL);
    uint64_t id;
    if (!id_s || !cli_parse_u64(id_s, UINT64_MAX, &id)) {
        cli_fail(ctx, "USAGE", "settle cancel needs an instruction ID (see 'folio settle list')");
        return CLI_USAGE;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_u64(&e, id);
    char what[64];
    snprintf(what, sizeof what, "settle cancel %llu", (unsigned long long)id);
    int rc = cli_stl_submit_say(ctx, STL_TX_SETTLE_CANCEL, &e, what);
    ldg_enc_free(&e);
    return rc;
}

int cli_settle_main(cli_ctx *ctx, int argc, char **argv)
{
    /* The dispatcher (cli_cmds.c) has checked the verb, options and arguments and
     * answered --help. */
    const char *verb = argv[1];
    if (!strcmp(verb, "instruct"))
        return instruct(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "resolve") && argc > 2) {
        cli_fail(ctx, "USAGE", "settle %s takes no arguments", verb);
        return CLI_USAGE;
    }
    if (!strcmp(verb, "queue"))
        return queue(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "list"))
        return list(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "cancel"))
        return cancel(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "resolve")) {
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_enc_array(&e, 0);
        int rc = cli_stl_submit_say(ctx, STL_TX_SETTLE_RESOLVE, &e, "settle resolve");
        ldg_enc_free(&e);
        return rc;
    }
    cli_fail(ctx, "USAGE", "unknown verb 'settle %s' (instruct, list, cancel, queue, resolve)",
             verb);
    return CLI_USAGE;
}
