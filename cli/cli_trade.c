/* folio trade submit|affirm|cancel|list|show */
#include "cli.h"
#include "stl_ledger.h"

#include <string.h>
#include <unistd.h>

static void usage(void)
{
    printf("usage: folio trade submit --isin ISIN --side buy|sell --quantity N --price P\n"
           "                          --currency CCY --counterparty BROKER [--ref TEXT]\n"
           "       folio trade affirm TRADE_ID      (by the named counterparty)\n"
           "       folio trade cancel TRADE_ID      (by the submitter, before affirmation)\n"
           "       folio trade list [--status submitted|novated|settled|cancelled] [--limit N] "
           "[--after ID]\n"
           "       folio trade show TRADE_ID\n\n"
           "Only brokers trade (sign with --as). --quantity is in whole units of the instrument;\n"
           "--price is per unit of the instrument, in the trade currency, as a decimal in its\n"
           "units (12.50 CNY: --price 12.50 --currency CNY), refused if it has more decimals than\n"
           "the currency allows. Every amount shown is in currency units with its currency\n"
           "(\"1,250.50 CNY\"); --json gives each as {currency, minor, scale, decimal}.\n"
           "On affirmation the CCP novates the trade into two obligations (seller -> CCP,\n"
           "CCP -> buyer), settled by 'cycle run'.\n");
}

int cli_stl_submit_say(cli_ctx *ctx, uint64_t type, const ldg_enc *payload, const char *what)
{
    json_t *tx = NULL;
    int rc = cli_stl_submit(ctx, type, payload, what, &tx);
    if (rc == CLI_OK && ctx->json)
        cli_print_json(tx);
    else if (rc == CLI_OK)
        printf("%s\n",
               json_string_value(json_object_get(json_object_get(tx, "receipt"), "detail")));
    json_decref(tx);
    return rc;
}

uint64_t cli_receipt_id(json_t *tx)
{
    const char *hex = json_string_value(json_object_get(json_object_get(tx, "receipt"), "data"));
    uint8_t b[8];
    if (!hex || ldg_hex_decode(b, 8, hex) != 0)
        return 0;
    uint64_t id = 0;
    for (int i = 0; i < 8; i++)
        id = id << 8 | b[i];
    return id;
}

int cli_stl_submit(cli_ctx *ctx, uint64_t type, const ldg_enc *payload, const char *what,
                   json_t **tx)
{
    *tx = NULL;
    if (!ctx->json)
        return cli_submit(ctx, type, payload, what, tx);
    fflush(stdout);
    FILE *hold = tmpfile();
    int saved = hold ? dup(STDOUT_FILENO) : -1;
    if (saved < 0 || dup2(fileno(hold), STDOUT_FILENO) < 0) {
        if (hold)
            fclose(hold);
        if (saved >= 0)
            close(saved);
        return cli_submit(ctx, type, payload, what, tx);
    }
    int rc = cli_submit(ctx, type, payload, what, tx);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    if (rc != CLI_OK) {
        char buf[4096];
        size_t n;
        rewind(hold);
        while ((n = fread(buf, 1, sizeof buf, hold)) > 0)
            fwrite(buf, 1, n, stdout);
        json_t *rc_j = json_object_get(*tx, "receipt");
        if (rc_j) {
            const char *detail = json_string_value(json_object_get(rc_j, "detail"));
            fprintf(stderr, "folio: %s rejected: %s (code %lld): %s%s%s\n", what,
                    json_string_value(json_object_get(rc_j, "name")),
                    (long long)json_integer_value(json_object_get(rc_j, "code")),
                    json_string_value(json_object_get(rc_j, "message")),
                    detail && *detail ? " — " : "", detail ? detail : "");
        }
    }
    fclose(hold);
    return rc;
}

/* Prints tx with "key": id added (--json). */
static void print_tx_with_id(json_t *tx, const char *key, uint64_t id)
{
    json_t *j = json_deep_copy(tx);
    json_object_set_new(j, key, json_integer((json_int_t)id));
    cli_print_json(j);
    json_decref(j);
}

static int submit(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--isin",     "--side",         "--quantity", "--price",
                                       "--currency", "--counterparty", "--ref",      NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, NULL))
        return CLI_USAGE;
    if (cli_pos(argc, argv, 0, opts)) {
        cli_fail(ctx, "USAGE", "unexpected argument '%s'", cli_pos(argc, argv, 0, opts));
        return CLI_USAGE;
    }
    const char *isin = cli_opt(argc, argv, "--isin"), *side = cli_opt(argc, argv, "--side");
    const char *qs = cli_opt(argc, argv, "--quantity"), *ps = cli_opt(argc, argv, "--price");
    const char *ccy = cli_opt(argc, argv, "--currency");
    const char *cp = cli_opt(argc, argv, "--counterparty"), *ref = cli_opt(argc, argv, "--ref");
    if (!isin || !side || !qs || !ps || !ccy || !cp) {
        cli_fail(ctx, "USAGE",
                 "trade submit needs --isin, --side, --quantity, --price, "
                 "--currency and --counterparty");
        return CLI_USAGE;
    }
    uint64_t q, p, s;
    if (!strcmp(side, "buy"))
        s = STL_SIDE_BUY;
    else if (!strcmp(side, "sell"))
        s = STL_SIDE_SELL;
    else {
        cli_fail(ctx, "BAD_SIDE", "--side must be buy or sell, not '%s'", side);
        return CLI_USAGE;
    }
    int prc = cli_quantity_parse(ctx, "--quantity", qs, 0, &q);
    if (prc != CLI_OK)
        return prc;
    prc = cli_money_parse(ctx, "--price", ccy, ps, false, &p);
    if (prc != CLI_OK)
        return prc;
    if (strlen(isin) > 12 || strlen(ccy) > 12 || (ref && strlen(ref) > 64)) {
        cli_fail(ctx, "USAGE", "--isin and --currency are at most 12 characters, --ref 64");
        return CLI_USAGE;
    }
    ldg_account cpa;
    int rc = cli_resolve_account(ctx, cp, &cpa);
    if (rc != CLI_OK)
        return rc;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 7);
    ldg_enc_str(&e, isin);
    ldg_enc_u64(&e, s);
    ldg_enc_u64(&e, q);
    ldg_enc_u64(&e, p);
    ldg_enc_str(&e, ccy);
    ldg_enc_bin(&e, cpa.b, LDG_ACCOUNT_LEN);
    ldg_enc_str(&e, ref ? ref : "");
    json_t *tx = NULL;
    rc = cli_stl_submit(ctx, STL_TX_TRADE_SUBMIT, &e, "trade submit", &tx);
    ldg_enc_free(&e);
    if (rc == CLI_OK && ctx->json)
        print_tx_with_id(tx, "trade_id", cli_receipt_id(tx));
    else if (rc == CLI_OK)
        printf("trade id %llu\n", (unsigned long long)cli_receipt_id(tx));
    json_decref(tx);
    return rc;
}

static int by_id(cli_ctx *ctx, uint64_t type, const char *verb, const char *id_s)
{
    uint64_t id;
    if (!id_s || !cli_parse_u64(id_s, UINT64_MAX, &id)) {
        cli_fail(ctx, "USAGE", "trade %s needs a TRADE_ID (a whole number)", verb);
        return CLI_USAGE;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_u64(&e, id);
    char what[64];
    snprintf(what, sizeof what, "trade %s %llu", verb, (unsigned long long)id);
    json_t *tx = NULL;
    int rc = cli_stl_submit(ctx, type, &e, what, &tx);
    ldg_enc_free(&e);
    if (rc == CLI_OK && ctx->json)
        print_tx_with_id(tx, "trade_id", id);
    else if (rc == CLI_OK && type == STL_TX_TRADE_AFFIRM)
        printf("trade %llu affirmed and novated: obligations %llu (seller -> CCP) and %llu "
               "(CCP -> buyer)\n",
               (unsigned long long)id, (unsigned long long)(2 * id),
               (unsigned long long)(2 * id + 1));
    else if (rc == CLI_OK)
        printf("trade %llu cancelled\n", (unsigned long long)id);
    json_decref(tx);
    return rc;
}

static const char *party(json_t *r, const char *key)
{
    json_t *p = json_object_get(r, key);
    const char *n = json_string_value(json_object_get(p, "name"));
    return n && *n ? n : json_string_value(json_object_get(p, "account"));
}

/* "name (account)" for trade show, which shows everything its --json has. */
static const char *party_full(char *out, size_t len, json_t *r, const char *key)
{
    json_t *p = json_object_get(r, key);
    const char *n = json_string_value(json_object_get(p, "name"));
    const char *a = json_string_value(json_object_get(p, "account"));
    snprintf(out, len, n && *n ? "%s (%s)" : "%s%s", n ? n : "", a ? a : "");
    return out;
}

static void trade_row(cli_table *t, json_t *r)
{
    char id[24], q[CLI_MONEY_LEN], p[CLI_MONEY_LEN], v[CLI_MONEY_LEN];
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(r, "id")));
    cli_quantity_text(q, json_integer_value(json_object_get(r, "quantity")), 0);
    cli_money_json_text(p, json_object_get(r, "price"));
    cli_money_json_text(v, json_object_get(r, "value"));
    cli_table_row(t, (const char *const[]){id, json_string_value(json_object_get(r, "status")),
                                           party(r, "seller"), party(r, "buyer"),
                                           json_string_value(json_object_get(r, "isin")), q, p, v});
}

static const char *const trade_cols[] = {"ID",   "STATUS", "SELLER", "BUYER",
                                         "ISIN", "QTY",    "PRICE",  "VALUE"};
enum { TRADE_COLS = 8 };

static int list(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--status", "--limit", "--after", NULL};
    cli_page page;
    if (!cli_check_opts(ctx, argc, argv, opts, NULL) || !cli_page_parse(ctx, argc, argv, &page))
        return CLI_USAGE;
    const char *status = cli_opt(argc, argv, "--status");
    static const char *const known[] = {"submitted", "novated",   "partly-settled",
                                        "settled",   "cancelled", "closed"};
    bool ok = !status;
    for (size_t i = 0; status && i < sizeof known / sizeof *known; i++)
        ok |= !strcmp(status, known[i]);
    if (!ok) {
        cli_fail(ctx, "USAGE",
                 "--status must be submitted, novated, partly-settled, settled, cancelled or "
                 "closed, not '%s'",
                 status);
        return CLI_USAGE;
    }
    if (cli_pos(argc, argv, 0, opts)) {
        cli_fail(ctx, "USAGE", "trade list takes no arguments besides --status, --limit, --after");
        return CLI_USAGE;
    }
    char cmd[64];
    snprintf(cmd, sizeof cmd, "trade list%s%s", status ? " --status " : "", status ? status : "");
    int rc;
    json_t *j = cli_list_query(ctx, "trades", status ? status : "", &page, &rc);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
    } else {
        cli_table *t = cli_table_new(TRADE_COLS, trade_cols);
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(j, "trades"), i, r) trade_row(t, r);
        cli_table_print(t, stdout);
        cli_table_free(t);
    }
    cli_page_more(ctx, j, cmd, &page);
    json_decref(j);
    return CLI_OK;
}

/* Every field of the trade's --json, as a person reads it. */
static void print_trade(json_t *j)
{
    char q[CLI_MONEY_LEN], m[CLI_MONEY_LEN], pf[128];
    printf("trade %lld (%s)\n", (long long)json_integer_value(json_object_get(j, "id")),
           json_string_value(json_object_get(j, "status")));
    printf("  seller          %s\n", party_full(pf, sizeof pf, j, "seller"));
    printf("  buyer           %s\n", party_full(pf, sizeof pf, j, "buyer"));
    printf("  submitted by    %s\n", party_full(pf, sizeof pf, j, "submitter"));
    printf("  counterparty    %s\n", party_full(pf, sizeof pf, j, "counterparty"));
    printf("  instrument      %s\n", json_string_value(json_object_get(j, "isin")));
    printf("  quantity        %s\n",
           cli_quantity_text(q, json_integer_value(json_object_get(j, "quantity")), 0));
    printf("  price           %s per unit\n", cli_money_json_text(m, json_object_get(j, "price")));
    printf("  value           %s\n", cli_money_json_text(m, json_object_get(j, "value")));
    const char *ref = json_string_value(json_object_get(j, "ref"));
    printf("  reference       %s\n", ref && *ref ? ref : "-");
    printf("  submitted       block %lld\n",
           (long long)json_integer_value(json_object_get(j, "submit_height")));
    long long ah = (long long)json_integer_value(json_object_get(j, "affirm_height"));
    if (ah)
        printf("  affirmed        block %lld (novated: obligations %lld and %lld)\n", ah,
               2 * (long long)json_integer_value(json_object_get(j, "id")),
               2 * (long long)json_integer_value(json_object_get(j, "id")) + 1);
    else
        printf("  affirmed        not yet\n");
    json_t *z = json_object_get(j, "closeout");
    if (z) {
        printf("  closed          block %lld, after cycle %lld: the %s failed\n",
               (long long)json_integer_value(json_object_get(z, "height")),
               (long long)json_integer_value(json_object_get(z, "after_cycle")),
               json_string_value(json_object_get(z, "failing")));
        printf("  reference price %s per unit\n",
               cli_money_json_text(m, json_object_get(z, "reference_price")));
        printf("  compensation    %s, paid by %s to %s\n",
               cli_money_json_text(m, json_object_get(z, "compensation")), party(z, "payer"),
               party(z, "payee"));
    }
}

static int show(cli_ctx *ctx, const char *id_s)
{
    uint64_t id;
    if (!id_s || !cli_parse_u64(id_s, UINT64_MAX, &id)) {
        cli_fail(ctx, "USAGE", "trade show needs a TRADE_ID");
        return CLI_USAGE;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "trade");
    ldg_enc_u64(&e, id);
    int rc;
    json_t *j = cli_call(ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
    } else {
        print_trade(j);
    }
    json_decref(j);
    return CLI_OK;
}

int cli_trade_main(cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    if (!verb || cli_wants_help(argc, argv)) {
        usage();
        return verb ? CLI_OK : CLI_USAGE;
    }
    if (!strcmp(verb, "submit"))
        return submit(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "list"))
        return list(ctx, argc - 1, argv + 1);
    bool known = !strcmp(verb, "affirm") || !strcmp(verb, "cancel") || !strcmp(verb, "show");
    if (known && (argc != 3 || argv[2][0] == '-')) {
        cli_fail(ctx, "USAGE", "usage: folio trade %s TRADE_ID", verb);
        return CLI_USAGE;
    }
    if (!strcmp(verb, "affirm"))
        return by_id(ctx, STL_TX_TRADE_AFFIRM, "affirm", argv[2]);
    if (!strcmp(verb, "cancel"))
        return by_id(ctx, STL_TX_TRADE_CANCEL, "cancel", argv[2]);
    if (!strcmp(verb, "show"))
        return show(ctx, argv[2]);
    cli_fail(ctx, "USAGE", "unknown verb 'trade %s' (submit, affirm, cancel, list, show)", verb);
    return CLI_USAGE;
}
