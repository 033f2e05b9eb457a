/* Past state from the CLI (specs/state.md §5.6): --height H, --record-date DATE and
 * --at DATE for `asset holders` and `account balance`, and `folio account statement`.
 * A date names the state at the end of that day (UTC): the last block whose time is
 * before the next midnight, found by bisecting the block times over the `block` method. */
#include "cli_history.h"

#include <stdlib.h>
#include <string.h>

/* Block h's time (ms) and the tip height (from status) through the node. */
static bool block_time(cli_ctx *ctx, uint64_t h, uint64_t *time_ms, int *rc)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 4);
    ldg_enc_str(&e, "block");
    ldg_enc_u64(&e, h);
    ldg_enc_nil(&e);
    ldg_enc_u64(&e, 1);
    json_t *j = cli_call(ctx, &e, rc);
    ldg_enc_free(&e);
    if (!j)
        return false;
    *time_ms = (uint64_t)json_integer_value(json_object_get(j, "time_ms"));
    json_decref(j);
    return true;
}

static bool tip_height(cli_ctx *ctx, uint64_t *tip, int *rc)
{
    json_t *j = cli_query(ctx, "status", NULL, rc);
    if (!j)
        return false;
    *tip = (uint64_t)json_integer_value(json_object_get(j, "height"));
    json_decref(j);
    return true;
}

/* The last block before midnight after `days`: bisection over heights (block times
 * strictly increase, consensus.md). */
static int height_of_date(cli_ctx *ctx, const char *date, int64_t days, uint64_t *out)
{
    int rc;
    uint64_t tip, t0;
    if (!tip_height(ctx, &tip, &rc) || !block_time(ctx, 0, &t0, &rc))
        return rc;
    int64_t end = (days + 1) * 86400000LL;
    if (end <= 0 || (uint64_t)end <= t0) {
        cli_fail(ctx, "NOT_FOUND", "the chain has no block by the end of %s: it began later", date);
        return CLI_REJECTED;
    }
    uint64_t lo = 0, hi = tip; /* time(lo) < end; find the greatest such */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2, t;
        if (!block_time(ctx, mid, &t, &rc))
            return rc;
        if (t < (uint64_t)end)
            lo = mid;
        else
            hi = mid - 1;
    }
    *out = lo;
    return CLI_OK;
}

int cli_history_parse(cli_ctx *ctx, int argc, char **argv, cli_when *when)
{
    memset(when, 0, sizeof *when);
    const char *hs = cli_opt(argc, argv, "--height");
    const char *ds = cli_opt(argc, argv, "--record-date");
    const char *at = cli_opt(argc, argv, "--at");
    if (!!hs + !!ds + !!at > 1) {
        cli_fail(ctx, "USAGE", "give one of --height, --record-date and --at");
        return CLI_USAGE;
    }
    if (hs) {
        if (!cli_parse_u64(hs, INT64_MAX, &when->height)) {
            cli_fail(ctx, "USAGE", "--height takes a block height (a whole number)");
            return CLI_USAGE;
        }
        when->set = true;
        return CLI_OK;
    }
    const char *date = ds ? ds : at;
    if (!date)
        return CLI_OK;
    int64_t days;
    if (!cli_parse_date(date, &days)) {
        cli_fail(ctx, "USAGE", "%s takes a date YYYY-MM-DD (the state at the end of that day, UTC)",
                 ds ? "--record-date" : "--at");
        return CLI_USAGE;
    }
    int rc = cli_connect(ctx);
    if (rc == CLI_OK)
        rc = height_of_date(ctx, date, days, &when->height);
    when->set = rc == CLI_OK;
    snprintf(when->date, sizeof when->date, "%s", date);
    return rc;
}

json_t *cli_history_list(cli_ctx *ctx, const char *method, const char *fixed, const cli_page *p,
                         const cli_when *when, int *exit_code)
{
    if (!when->set)
        return cli_list_query(ctx, method, fixed, p, exit_code);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 5);
    ldg_enc_str(&e, method);
    ldg_enc_str(&e, fixed);
    cli_page_enc(&e, p);
    ldg_enc_u64(&e, when->height);
    json_t *j = cli_call(ctx, &e, exit_code);
    ldg_enc_free(&e);
    return j;
}

void cli_history_title(const cli_when *when)
{
    if (!when->set)
        return;
    if (when->date[0])
        printf("as of the end of %s (block %llu)\n", when->date, (unsigned long long)when->height);
    else
        printf("as of block %llu\n", (unsigned long long)when->height);
}

/* CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
static void csv_field(char **buf, size_t *len, size_t *cap, const char *s)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    size_t need = *len + 2 * strlen(s) + 4;
    if (need > *cap) {
        *cap = need * 2;
        *buf = realloc(*buf, *cap);
        LDG_ASSERT(*buf);
    }
    char *o = *buf + *len;
    if (quote)
        *o++ = '"';
    for (const char *c = s; *c; c++) {
        if (*c == '"')
            *o++ = '"';
        *o++ = *c;
    }
    if (quote)
        *o++ = '"';
    *len = (size_t)(o - *buf);
}

static void csv_put(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *buf = realloc(*buf, *cap);
        LDG_ASSERT(*buf);
    }
    memcpy(*buf + *len, s, n);
    *len += n;
}

/* Every page of the account's holdings at the height into rows (a JSON array). */
static json_t *all_holdings(cli_ctx *ctx, const char *hex, const cli_when *when, json_t **first,
                            int *rc)
{
    json_t *rows = json_array();
    cli_page page = {0};
    char after[LDG_QUERY_CURSOR_MAX + 1];
    for (;;) {
        json_t *j = cli_history_list(ctx, "balance", hex, &page, when, rc);
        if (!j) {
            json_decref(rows);
            return NULL;
        }
        json_array_extend(rows, json_object_get(j, "balances"));
        json_t *next = json_object_get(j, "next");
        if (!*first)
            *first = json_incref(j);
        bool more = json_is_string(next);
        if (more)
            snprintf(after, sizeof after, "%s", json_string_value(next));
        json_decref(j);
        if (!more)
            return rows;
        page.after = after;
    }
}

int cli_account_statement(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--at", "--height", "--csv", NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, NULL) ||
        !cli_check_positionals(ctx, argc, argv, opts, 1))
        return CLI_USAGE;
    const char *who = cli_pos(argc, argv, 0, opts);
    if (!who || (!cli_opt(argc, argv, "--at") && !cli_opt(argc, argv, "--height"))) {
        cli_fail(ctx, "USAGE", "account statement needs an ACCOUNT and --at DATE or --height H");
        return CLI_USAGE;
    }
    cli_when when;
    int rc = cli_history_parse(ctx, argc, argv, &when);
    if (rc != CLI_OK)
        return rc;
    ldg_account a;
    if ((rc = cli_resolve_account(ctx, who, &a)) != CLI_OK)
        return rc;
    char hex[LDG_ACCOUNT_HEX_LEN];
    ldg_account_hex(hex, &a);
    json_t *head = NULL, *rows = all_holdings(ctx, hex, &when, &head, &rc);
    if (!rows)
        return rc;
    const char *csv = cli_opt(argc, argv, "--csv");
    if (csv) {
        char *buf = NULL, num[32];
        size_t len = 0, cap = 0;
        csv_put(&buf, &len, &cap, "height,account,id,kind,name,quantity\r\n");
        size_t i;
        json_t *b;
        json_array_foreach(rows, i, b)
        {
            snprintf(num, sizeof num, "%llu,", (unsigned long long)when.height);
            csv_put(&buf, &len, &cap, num);
            csv_put(&buf, &len, &cap, hex);
            csv_put(&buf, &len, &cap, ",");
            csv_field(&buf, &len, &cap, json_string_value(json_object_get(b, "id")));
            csv_put(&buf, &len, &cap, ",");
            csv_field(&buf, &len, &cap, json_string_value(json_object_get(b, "kind")));
            csv_put(&buf, &len, &cap, ",");
            csv_field(&buf, &len, &cap, json_string_value(json_object_get(b, "name")));
            snprintf(num, sizeof num, ",%lld\r\n",
                     (long long)json_integer_value(json_object_get(b, "quantity")));
            csv_put(&buf, &len, &cap, num);
        }
        rc = cli_write_file(ctx, csv, buf ? buf : "", len);
        free(buf);
    }
    if (rc == CLI_OK && ctx->json) {
        json_t *out = json_pack("{s:s,s:I,s:O}", "account", hex, "height", (json_int_t)when.height,
                                "balances", rows);
        cli_print_json(out);
        json_decref(out);
    } else if (rc == CLI_OK) {
        const char *name = json_string_value(json_object_get(head, "name"));
        printf("statement of account %s%s%s%s\n", hex, name && *name ? " (" : "", name ? name : "",
               name && *name ? ")" : "");
        cli_history_title(&when);
        printf("\n");
        cli_table *t = cli_table_new(4, (const char *const[]){"ID", "KIND", "NAME", "QUANTITY"});
        size_t i;
        json_t *b;
        json_array_foreach(rows, i, b)
        {
            char q[32];
            snprintf(q, sizeof q, "%lld",
                     (long long)json_integer_value(json_object_get(b, "quantity")));
            cli_table_row(t,
                          (const char *const[]){json_string_value(json_object_get(b, "id")),
                                                json_string_value(json_object_get(b, "kind")),
                                                json_string_value(json_object_get(b, "name")), q});
        }
        cli_table_print(t, stdout);
        cli_table_free(t);
        if (csv)
            printf("\nwritten to %s\n", csv);
    }
    json_decref(rows);
    json_decref(head);
    return rc;
}
