/* The views of each role (cli_views.h): account history and statement (broker, investor),
 * control list (regulator), investor list (registrar). Each is one node method (specs/rpc.md
 * §3.15); the tables show money in the currency's units, --json passes the node's reply on. */
#include "cli_views.h"

#include "ast_date.h"
#include "ast_money.h"

#include <ctype.h>
#include <string.h>

static const char *s_of(const json_t *j, const char *k)
{
    const char *s = json_string_value(json_object_get(j, k));
    return s ? s : "";
}

static uint64_t u_of(const json_t *j, const char *k)
{
    return (uint64_t)json_integer_value(json_object_get(j, k));
}

/* A party {"account","name"} as a table shows it: its name, else its account. */
static const char *party_text(const json_t *p)
{
    if (!json_is_object(p))
        return "-";
    const char *name = s_of(p, "name");
    return *name ? name : s_of(p, "account");
}

/* "2026-03-01 09:30:00" from an ISO time "2026-03-01T09:30:00.250Z". */
static void time_text(char out[20], const json_t *row)
{
    snprintf(out, 20, "%.19s", s_of(row, "time"));
    if (strlen(out) > 10)
        out[10] = ' ';
}

/* ISIN or currency code as typed, in any case: upper case, 1..12 letters and digits. */
static bool id_arg(cli_ctx *ctx, const char *opt, const char *in, char out[13])
{
    size_t n = strlen(in);
    for (size_t i = 0; i < n && i < 12; i++)
        out[i] = (char)toupper((unsigned char)in[i]);
    bool ok = n >= 1 && n <= 12;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)in[i]) != 0;
    if (!ok)
        cli_fail(ctx, "USAGE", "%s takes an ISIN or a currency code (1 to 12 letters and digits)",
                 opt);
    out[ok ? n : 0] = '\0';
    return ok;
}

/* The first (end: last) millisecond of the day DATE given as option OPT. */
static bool date_ms(cli_ctx *ctx, const char *opt, const char *text, bool end, uint64_t *ms)
{
    int64_t days;
    ast_date d;
    if (!cli_parse_date(text, &days) ||
        ((d.days = (int32_t)days), end ? ast_date_end_ms(ms, d) : ast_date_start_ms(ms, d)) !=
            AST_DATE_OK) {
        cli_fail(ctx, "BAD_DATES", "%s is a date YYYY-MM-DD, 1970-01-01 or later", opt);
        return false;
    }
    return true;
}

/* The account argument as 40 hex. */
static int account_hex(cli_ctx *ctx, const char *who, char hex[LDG_ACCOUNT_HEX_LEN])
{
    ldg_account a;
    int rc = cli_resolve_account(ctx, who, &a);
    if (rc == CLI_OK)
        ldg_account_hex(hex, &a);
    return rc;
}

static void account_title(const char *what, const json_t *j)
{
    const json_t *acct = json_object_get(j, "account");
    const char *name = s_of(acct, "name");
    printf("%s of %s%s%s%s", what, s_of(acct, "account"), *name ? " (" : "", name,
           *name ? ")" : "");
}

/* ---- account history ---- */

/* Totals per instrument of the rows shown: what came in and went out. */
typedef struct totals {
    char id[13];
    uint64_t in, out;
    unsigned scale;
    bool money;
} totals;

enum { TOTALS_MAX = 64 }; /* distinct instruments totalled on one page; more are not */

static void add_total(totals *t, size_t *n, const json_t *m)
{
    const char *id = s_of(m, "id");
    size_t i = 0;
    while (i < *n && strcmp(t[i].id, id))
        i++;
    if (i == *n) {
        if (*n == TOTALS_MAX)
            return;
        memset(&t[i], 0, sizeof t[i]);
        snprintf(t[i].id, sizeof t[i].id, "%s", id);
        const json_t *q = json_object_get(m, "quantity_money");
        t[i].money = q != NULL;
        t[i].scale = q ? (unsigned)u_of(q, "scale") : 0;
        (*n)++;
    }
    uint64_t q = u_of(m, "quantity");
    if (!strcmp(s_of(m, "direction"), "in"))
        t[i].in += q;
    else
        t[i].out += q;
}

static const char *amount_text(char out[CLI_MONEY_LEN], const totals *t, uint64_t q)
{
    return t->money ? cli_money_text(out, (int64_t)q, t->id)
                    : cli_quantity_text(out, (int64_t)q, t->scale);
}

static void print_totals(const totals *t, size_t n)
{
    if (!n)
        return;
    printf("\ntotals of the movements above\n");
    cli_table *tb = cli_table_new(4, (const char *const[]){"ID", "IN", "OUT", "NET"});
    for (size_t i = 0; i < n; i++) {
        char in[CLI_MONEY_LEN], out[CLI_MONEY_LEN], net[CLI_MONEY_LEN + 1];
        bool neg = t[i].out > t[i].in;
        amount_text(in, &t[i], t[i].in);
        amount_text(out, &t[i], t[i].out);
        net[0] = neg ? '-' : '+';
        amount_text(net + 1, &t[i], neg ? t[i].out - t[i].in : t[i].in - t[i].out);
        cli_table_row(tb, (const char *const[]){t[i].id, in, out, net});
    }
    cli_table_print(tb, stdout);
    cli_table_free(tb);
}

static void history_row(cli_table *t, const json_t *m)
{
    char h[24], when[20], q[CLI_MONEY_LEN], bal[CLI_MONEY_LEN], tx[20] = "-";
    snprintf(h, sizeof h, "%llu", (unsigned long long)u_of(m, "height"));
    time_text(when, m);
    unsigned scale = (unsigned)u_of(m, "scale");
    cli_amount_json_text(q, m, "quantity", scale);
    cli_amount_json_text(bal, m, "balance", scale);
    char signed_q[CLI_MONEY_LEN + 1];
    snprintf(signed_q, sizeof signed_q, "%s%s", strcmp(s_of(m, "direction"), "in") ? "-" : "+", q);
    const json_t *txj = json_object_get(m, "tx");
    if (json_is_object(txj))
        snprintf(tx, sizeof tx, "%.16s", s_of(txj, "id"));
    cli_table_row(t, (const char *const[]){h, when, s_of(m, "id"), s_of(m, "reason"), signed_q, bal,
                                           party_text(json_object_get(m, "counterparty")), tx});
}

int cli_account_history(cli_ctx *ctx, int argc, char **argv)
{
    cli_page page;
    const char *who = argc > 1 ? argv[1] : NULL, *isin = cli_opt(argc, argv, "--isin");
    const char *from = cli_opt(argc, argv, "--from"), *to = cli_opt(argc, argv, "--to");
    char id[13] = "", hex[LDG_ACCOUNT_HEX_LEN];
    uint64_t from_ms = 0, to_ms = 0;
    if (!cli_page_parse(ctx, argc, argv, &page) || (isin && !id_arg(ctx, "--isin", isin, id)) ||
        (from && !date_ms(ctx, "--from", from, false, &from_ms)) ||
        (to && !date_ms(ctx, "--to", to, true, &to_ms)))
        return CLI_USAGE;
    if (from && to && to_ms < from_ms) {
        cli_fail(ctx, "BAD_DATES", "--to (%s) is before --from (%s)", to, from);
        return CLI_USAGE;
    }
    int rc = account_hex(ctx, who, hex);
    if (rc != CLI_OK)
        return rc;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 7);
    ldg_enc_str(&e, "history");
    ldg_enc_str(&e, hex);
    ldg_enc_str(&e, id);
    ldg_enc_u64(&e, from_ms);
    ldg_enc_u64(&e, to_ms);
    cli_page_enc(&e, &page);
    json_t *j = cli_call(ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
        json_decref(j);
        return CLI_OK;
    }
    account_title("history", j);
    printf("%s%s%s%s%s%s\n\n", *id ? ", " : "", id, from ? " from " : "", from ? from : "",
           to ? " to " : "", to ? to : "");
    cli_table *t =
        cli_table_new(8, (const char *const[]){"HEIGHT", "TIME (UTC)", "ID", "REASON", "QUANTITY",
                                               "BALANCE", "COUNTERPARTY", "TX"});
    cli_table_empty(t, "no movements");
    totals tot[TOTALS_MAX];
    size_t ntot = 0, i;
    json_t *m;
    json_array_foreach(json_object_get(j, "movements"), i, m)
    {
        history_row(t, m);
        add_total(tot, &ntot, m);
    }
    cli_table_print(t, stdout);
    cli_table_free(t);
    print_totals(tot, ntot);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "account history %s%s%s%s%s%s%s", who, *id ? " --isin " : "", id,
             from ? " --from " : "", from ? from : "", to ? " --to " : "", to ? to : "");
    cli_page_more(ctx, j, cmd, &page);
    json_decref(j);
    return CLI_OK;
}

/* ---- account statement ---- */

/* A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
static void csv_field(const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n")) {
        putchar('"');
        for (; *s; s++) {
            if (*s == '"')
                putchar('"');
            putchar(*s);
        }
        putchar('"');
    } else {
        fputs(s, stdout);
    }
    putchar(last ? '\n' : ',');
}

/* A holding's quantity in CSV: the exact decimal without separators, and its unit. */
static void csv_holding(const json_t *j, const json_t *h)
{
    char q[AST_MONEY_TEXT_LEN], height[24];
    const json_t *m = json_object_get(h, "quantity_money");
    unsigned scale = (unsigned)u_of(h, "scale");
    if (m)
        snprintf(q, sizeof q, "%s", s_of(m, "decimal"));
    else
        ast_money_format(q, sizeof q, (int64_t)u_of(h, "quantity"),
                         scale <= AST_MONEY_SCALE_MAX ? scale : 0, false);
    snprintf(height, sizeof height, "%llu", (unsigned long long)u_of(j, "height"));
    csv_field(s_of(json_object_get(j, "account"), "account"), false);
    csv_field(height, false);
    csv_field(s_of(j, "time"), false);
    csv_field(s_of(h, "id"), false);
    csv_field(s_of(h, "kind"), false);
    csv_field(s_of(h, "name"), false);
    csv_field(q, false);
    csv_field(m ? s_of(m, "currency") : "units", false);
    char minor[24];
    snprintf(minor, sizeof minor, "%llu", (unsigned long long)u_of(h, "quantity"));
    csv_field(minor, true);
}

static json_t *statement_call(cli_ctx *ctx, const char *hex, const uint64_t *height,
                              const uint64_t *time_ms, const cli_page *page, int *rc)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 6);
    ldg_enc_str(&e, "statement");
    ldg_enc_str(&e, hex);
    if (height)
        ldg_enc_u64(&e, *height);
    else
        ldg_enc_nil(&e);
    if (time_ms)
        ldg_enc_u64(&e, *time_ms);
    else
        ldg_enc_nil(&e);
    cli_page_enc(&e, page);
    json_t *j = cli_call(ctx, &e, rc);
    ldg_enc_free(&e);
    return j;
}

/* --csv: every page, one line per holding, after a header line. */
static int statement_csv(cli_ctx *ctx, const char *hex, const uint64_t *height,
                         const uint64_t *time_ms, cli_page page)
{
    printf("account,height,time,id,kind,name,quantity,unit,quantity_minor\n");
    char cursor[64];
    for (;;) {
        int rc;
        json_t *j = statement_call(ctx, hex, height, time_ms, &page, &rc);
        if (!j)
            return rc;
        size_t i;
        json_t *h;
        json_array_foreach(json_object_get(j, "holdings"), i, h) csv_holding(j, h);
        const char *next = json_string_value(json_object_get(j, "next"));
        if (next)
            snprintf(cursor, sizeof cursor, "%s", next);
        json_decref(j);
        if (!next)
            return CLI_OK;
        page.after = cursor;
    }
}

static void statement_table(const json_t *j)
{
    account_title("statement", j);
    char when[20];
    time_text(when, j);
    printf(" as of height %llu (%s UTC)\n\n", (unsigned long long)u_of(j, "height"), when);
    cli_table *t = cli_table_new(4, (const char *const[]){"ID", "KIND", "NAME", "QUANTITY"});
    cli_table_empty(t, "no holdings at that point");
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(j, "holdings"), i, h)
    {
        char q[CLI_MONEY_LEN];
        cli_amount_json_text(q, h, "quantity", (unsigned)u_of(h, "scale"));
        cli_table_row(t, (const char *const[]){s_of(h, "id"), s_of(h, "kind"), s_of(h, "name"), q});
    }
    cli_table_print(t, stdout);
    cli_table_free(t);
}

int cli_account_statement(cli_ctx *ctx, int argc, char **argv)
{
    cli_page page;
    const char *who = argc > 1 ? argv[1] : NULL, *at = cli_opt(argc, argv, "--at");
    const char *height_text = cli_opt(argc, argv, "--height");
    uint64_t height = 0, time_ms = 0;
    char hex[LDG_ACCOUNT_HEX_LEN];
    if (!cli_page_parse(ctx, argc, argv, &page))
        return CLI_USAGE;
    if (!at == !height_text) {
        cli_fail(ctx, "USAGE", "account statement needs --at DATE or --height H (one of them)");
        return CLI_USAGE;
    }
    if (height_text && !cli_parse_u64(height_text, UINT64_MAX, &height)) {
        cli_fail(ctx, "USAGE", "--height takes a block height (a whole number)");
        return CLI_USAGE;
    }
    if (at && !date_ms(ctx, "--at", at, true, &time_ms))
        return CLI_USAGE;
    int rc = account_hex(ctx, who, hex);
    if (rc != CLI_OK)
        return rc;
    const uint64_t *hp = height_text ? &height : NULL, *tp = at ? &time_ms : NULL;
    if (cli_flag(argc, argv, "--csv"))
        return statement_csv(ctx, hex, hp, tp, page);
    json_t *j = statement_call(ctx, hex, hp, tp, &page, &rc);
    if (!j)
        return rc;
    if (ctx->json)
        cli_print_json(j);
    else
        statement_table(j);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "account statement %s %s %s", who, at ? "--at" : "--height",
             at ? at : height_text);
    cli_page_more(ctx, j, cmd, &page);
    json_decref(j);
    return CLI_OK;
}

/* ---- control list ---- */

static void control_row(cli_table *t, const json_t *c)
{
    char what[40], q[CLI_MONEY_LEN], order[20], h[24], who[2 * 80];
    bool freeze = !strcmp(s_of(c, "kind"), "freeze");
    if (freeze) {
        snprintf(what, sizeof what, "freeze");
        snprintf(who, sizeof who, "%s", party_text(json_object_get(c, "account")));
    } else {
        snprintf(what, sizeof what, "force transfer %llu (pending)",
                 (unsigned long long)u_of(c, "id"));
        snprintf(who, sizeof who, "%s -> %s", party_text(json_object_get(c, "from")),
                 party_text(json_object_get(c, "to")));
    }
    cli_amount_json_text(q, c, "quantity", 0);
    snprintf(order, sizeof order, "%.16s", s_of(c, "order"));
    if (json_object_get(c, "height"))
        snprintf(h, sizeof h, "%llu", (unsigned long long)u_of(c, "height"));
    else
        snprintf(h, sizeof h, "-");
    const json_t *by = json_object_get(c, freeze ? "placed_by" : "requested_by");
    cli_table_row(t,
                  (const char *const[]){what, s_of(c, "isin"), who, q, order, party_text(by), h});
}

int cli_control_list(cli_ctx *ctx, int argc, char **argv)
{
    cli_page page;
    const char *isin = cli_opt(argc, argv, "--isin"), *acct = cli_opt(argc, argv, "--account");
    char id[13] = "", hex[LDG_ACCOUNT_HEX_LEN] = "";
    if (!cli_page_parse(ctx, argc, argv, &page) || (isin && !id_arg(ctx, "--isin", isin, id)))
        return CLI_USAGE;
    int rc = acct ? account_hex(ctx, acct, hex) : CLI_OK;
    if (rc != CLI_OK)
        return rc;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 5);
    ldg_enc_str(&e, "controls");
    ldg_enc_str(&e, id);
    ldg_enc_str(&e, hex);
    cli_page_enc(&e, &page);
    json_t *j = cli_call(ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
        json_decref(j);
        return CLI_OK;
    }
    cli_table *t = cli_table_new(7, (const char *const[]){"CONTROL", "ISIN", "ACCOUNT", "QUANTITY",
                                                          "ORDER", "BY", "HEIGHT"});
    cli_table_empty(t, "no freezes and no force transfers waiting for approval");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(j, "controls"), i, c) control_row(t, c);
    cli_table_print(t, stdout);
    cli_table_free(t);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "control list%s%s%s%s", *id ? " --isin " : "", id,
             acct ? " --account " : "", acct ? acct : "");
    cli_page_more(ctx, j, cmd, &page);
    json_decref(j);
    return CLI_OK;
}

/* ---- investor list ---- */

static bool investor_filters(cli_ctx *ctx, int argc, char **argv, ldg_enc *e)
{
    const char *before = cli_opt(argc, argv, "--kyc-expiring-before");
    const char *cat = cli_opt(argc, argv, "--category"), *cls = cli_opt(argc, argv, "--risk-class");
    int64_t days = 0;
    if (before && !cli_parse_date(before, &days)) {
        cli_fail(ctx, "BAD_DATES", "--kyc-expiring-before is a date YYYY-MM-DD");
        return false;
    }
    if (cat && strcasecmp(cat, "professional") && strcasecmp(cat, "ordinary")) {
        cli_fail(ctx, "BAD_INVESTOR", "--category is professional or ordinary");
        return false;
    }
    if (cls && ((cls[0] != 'C' && cls[0] != 'c') || cls[1] < '1' || cls[1] > '5' || cls[2])) {
        cli_fail(ctx, "BAD_INVESTOR", "--risk-class is C1, C2, C3, C4 or C5");
        return false;
    }
    if (before)
        ldg_enc_i64(e, days);
    else
        ldg_enc_nil(e);
    ldg_enc_str(e, !cat ? "" : tolower((unsigned char)cat[0]) == 'p' ? "professional" : "ordinary");
    ldg_enc_u64(e, cls ? (uint64_t)(cls[1] - '0') : 0);
    return true;
}

int cli_investor_list(cli_ctx *ctx, int argc, char **argv)
{
    cli_page page;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 6);
    ldg_enc_str(&e, "investors");
    if (!cli_page_parse(ctx, argc, argv, &page) || !investor_filters(ctx, argc, argv, &e)) {
        ldg_enc_free(&e);
        return CLI_USAGE;
    }
    cli_page_enc(&e, &page);
    int rc;
    json_t *j = cli_call(ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
        json_decref(j);
        return CLI_OK;
    }
    cli_table *t = cli_table_new(
        5, (const char *const[]){"NAME", "ACCOUNT", "CATEGORY", "RISK CLASS", "KYC EXPIRY"});
    cli_table_empty(t, "no investors match");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(j, "investors"), i, v)
    {
        char kyc[32];
        snprintf(kyc, sizeof kyc, "%s%s", s_of(v, "kyc_expiry"),
                 json_is_true(json_object_get(v, "kyc_expired")) ? " (expired)" : "");
        const char *name = s_of(v, "name");
        cli_table_row(t, (const char *const[]){*name ? name : "-", s_of(v, "account"),
                                               s_of(v, "category"), s_of(v, "risk_class"), kyc});
    }
    cli_table_print(t, stdout);
    cli_table_free(t);
    char cmd[160];
    const char *before = cli_opt(argc, argv, "--kyc-expiring-before");
    const char *cat = cli_opt(argc, argv, "--category"), *cls = cli_opt(argc, argv, "--risk-class");
    snprintf(cmd, sizeof cmd, "investor list%s%s%s%s%s%s", before ? " --kyc-expiring-before " : "",
             before ? before : "", cat ? " --category " : "", cat ? cat : "",
             cls ? " --risk-class " : "", cls ? cls : "");
    cli_page_more(ctx, j, cmd, &page);
    json_decref(j);
    return CLI_OK;
}
