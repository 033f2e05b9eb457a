/* The cycle report as a self-contained HTML page: the chain, time and currencies, the
 * figures per currency and an inline SVG chart of gross vs net value per participant and
 * currency, and who failed. No scripts, no external resources. */
#include "cli.h"

#include <stdlib.h>

#include <string.h>

int cli_cycle_report_html(cli_ctx *ctx, json_t *cycle, const char *path);

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
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

static long long minor_of(json_t *r, const char *k)
{
    return (long long)json_integer_value(json_object_get(json_object_get(r, k), "minor"));
}

/* Horizontal bars, two per participant (gross, net) in one currency, scaled to the largest
 * gross of that currency: bars of different currencies are never compared. */
static void chart(FILE *f, json_t *parties, const char *ccy)
{
    size_t n = 0, i;
    json_t *p;
    long long max = 1;
    json_array_foreach(parties, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "currency")), ccy))
            continue;
        n++;
        if (minor_of(p, "gross") > max)
            max = minor_of(p, "gross");
    }
    if (n == 0) {
        fprintf(f, "<p class='n'>No participant had an obligation in this currency.</p>\n");
        return;
    }
    const int bar_h = 16, row_h = 46, label_w = 170, chart_w = 480, top = 34;
    const int width = label_w + chart_w + 190;
    fprintf(f,
            "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%zu' viewBox='0 0 %d "
            "%zu' role='img' aria-label='gross and net value per participant in ",
            width, n * (size_t)row_h + top + 10, width, n * (size_t)row_h + top + 10);
    esc(f, ccy);
    fprintf(f,
            "' font-family='sans-serif'>\n<rect x='%d' y='6' width='14' height='14' "
            "fill='#a9c1e6'/><text x='%d' y='18' font-size='12'>gross: cash of the obligations "
            "it is party to</text>\n<rect x='%d' y='6' width='14' height='14' fill='#1f4e9c'/>"
            "<text x='%d' y='18' font-size='12'>net: cash it actually pays or receives</text>\n",
            label_w, label_w + 20, label_w + 300, label_w + 320);
    size_t row = 0;
    json_array_foreach(parties, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "currency")), ccy))
            continue;
        int y = (int)row * row_h + top;
        long long g = minor_of(p, "gross"), nv = minor_of(p, "net");
        int gw = (int)((__int128)g * chart_w / max), nw = (int)((__int128)nv * chart_w / max);
        char gt[CLI_MONEY_LEN], nt[CLI_MONEY_LEN];
        money_of(gt, p, "gross");
        money_of(nt, p, "net");
        if (row++ % 2)
            fprintf(f, "<rect x='0' y='%d' width='%d' height='%d' fill='#f4f6fa'/>\n", y - 5, width,
                    row_h);
        fprintf(f, "<text x='%d' y='%d' font-size='13' text-anchor='end'>", label_w - 10,
                y + bar_h + 4);
        esc(f, pname(json_object_get(p, "participant")));
        fprintf(f,
                "</text>\n<rect x='%d' y='%d' width='%d' height='%d' fill='#a9c1e6'/>"
                "<text x='%d' y='%d' font-size='11' fill='#333'>",
                label_w, y, gw > 0 ? gw : 1, bar_h, label_w + (gw > 0 ? gw : 1) + 6, y + 12);
        esc(f, gt);
        fprintf(f,
                "</text>\n<rect x='%d' y='%d' width='%d' height='%d' fill='#1f4e9c'/>"
                "<text x='%d' y='%d' font-size='11' fill='#333'>",
                label_w, y + bar_h + 2, nw > 0 ? nw : 1, bar_h, label_w + (nw > 0 ? nw : 1) + 6,
                y + bar_h + 14);
        esc(f, nt);
        fprintf(f, "</text>\n");
    }
    fprintf(f, "<line x1='%d' y1='%d' x2='%d' y2='%zu' stroke='#888'/>\n</svg>\n", label_w, top - 4,
            label_w, n * (size_t)row_h + top);
}

static void currency_table(FILE *f, json_t *cur)
{
    fprintf(f, "<h2>Value per currency</h2>\n<p class='n'>Amounts of different currencies are "
               "never added. Gross: cash of every obligation (each trade on both sides of the "
               "CCP); net: cash that moves at net, to and from the CCP; efficiency = 1 &minus; "
               "net/gross.</p>\n");
    if (json_array_size(cur) == 0) {
        fprintf(f, "<p class='n'>No obligations in this cycle.</p>\n");
        return;
    }
    fprintf(f, "<table><tr><th>Currency</th><th>Gross</th><th>Net</th><th>Netting "
               "efficiency</th><th>Settled</th><th>Carried</th></tr>\n");
    size_t i;
    json_t *r;
    json_array_foreach(cur, i, r)
    {
        char g[CLI_MONEY_LEN], n[CLI_MONEY_LEN], s[CLI_MONEY_LEN], c[CLI_MONEY_LEN];
        long long bp = iv(r, "netting_efficiency_bp");
        fprintf(f, "<tr><td class='l'>");
        esc(f, json_string_value(json_object_get(r, "currency")));
        fprintf(f, "</td><td>");
        esc(f, money_of(g, r, "gross_value"));
        fprintf(f, "</td><td>");
        esc(f, money_of(n, r, "net_value"));
        fprintf(f, "</td><td>%lld.%02lld%%</td><td>", bp / 100, bp % 100);
        esc(f, money_of(s, r, "settled_value"));
        fprintf(f, "</td><td>");
        esc(f, money_of(c, r, "carried_value"));
        fprintf(f, "</td></tr>\n");
    }
    fprintf(f, "</table>\n");
}

static void positions_table(FILE *f, json_t *j)
{
    fprintf(f, "<h2>Net positions</h2>\n<p class='n'>+ receives, &minus; delivers or pays, over "
               "every obligation in the cycle.</p>\n<table><tr><th>Participant</th>"
               "<th>Asset</th><th>Net</th></tr>\n");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(j, "positions"), i, r)
    {
        char t[CLI_MONEY_LEN + 1], m[CLI_MONEY_LEN];
        json_t *nv = json_object_get(r, "net");
        if (json_is_object(nv)) {
            cli_money_json_text(m, nv);
        } else {
            cli_quantity_text(m, json_integer_value(nv), 0);
        }
        snprintf(t, sizeof t, "%s%s", m[0] == '-' ? "" : "+", m);
        fprintf(f, "<tr><td class='l'>");
        esc(f, pname(json_object_get(r, "participant")));
        fprintf(f, "</td><td class='l'>");
        esc(f, json_string_value(json_object_get(r, "asset")));
        fprintf(f, "</td><td>");
        esc(f, t);
        fprintf(f, "</td></tr>\n");
    }
    fprintf(f, "</table>\n");
}

/* Who failed an obligation, from its reason code (specs/settlement.md fail reasons). */
static void who_failed(FILE *f, json_t *r)
{
    const char *d = pname(json_object_get(r, "deliverer"));
    const char *p = pname(json_object_get(r, "receiver"));
    switch (iv(r, "reason_code")) {
    case 1: /* the deliverer lacked the securities */
        esc(f, d);
        break;
    case 2: /* the payer (receiver of the securities) lacked the cash */
        esc(f, p);
        break;
    case 3:
        esc(f, d);
        fputs(" and ", f);
        esc(f, p);
        break;
    case 5:
        fputs("a seller of this instrument (to the CCP)", f);
        break;
    case 6:
        fputs("a buyer of this instrument (to the CCP)", f);
        break;
    default:
        fputs("nobody (liquidity)", f);
    }
}

static void failures_table(FILE *f, json_t *j)
{
    fprintf(f, "<h2>Carried into the next cycle: who failed</h2>\n");
    json_t *fails = json_object_get(j, "failures");
    if (json_array_size(fails) == 0) {
        fprintf(f, "<p class='ok'>Nothing: every obligation settled.</p>\n");
        return;
    }
    fprintf(f, "<table><tr><th>Obligation</th><th>Trade</th><th>Age (cycles)</th>"
               "<th>Who failed</th><th>Deliverer</th><th>Receiver</th><th>Quantity</th>"
               "<th>Cash</th><th>Reason</th></tr>\n");
    size_t i;
    json_t *r;
    json_array_foreach(fails, i, r)
    {
        char q[CLI_MONEY_LEN], c[CLI_MONEY_LEN];
        cli_quantity_text(q, iv(r, "quantity"), 0);
        fprintf(f, "<tr><td>%lld</td><td>%lld</td><td>%lld</td><td class='l'>", iv(r, "obligation"),
                iv(r, "trade"), iv(r, "age_cycles"));
        who_failed(f, r);
        fprintf(f, "</td><td class='l'>");
        esc(f, pname(json_object_get(r, "deliverer")));
        fprintf(f, "</td><td class='l'>");
        esc(f, pname(json_object_get(r, "receiver")));
        fprintf(f, "</td><td>");
        esc(f, q);
        fprintf(f, " ");
        esc(f, json_string_value(json_object_get(r, "isin")));
        fprintf(f, "</td><td>");
        esc(f, money_of(c, r, "cash"));
        fprintf(f, "</td><td class='l'>");
        esc(f, json_string_value(json_object_get(r, "reason")));
        fprintf(f, "</td></tr>\n");
    }
    fprintf(f, "</table>\n");
}

static void header(FILE *f, const char *chain_id, json_t *j)
{
    fprintf(f,
            "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<title>folio netting cycle %lld</title>\n<style>"
            "body{font-family:sans-serif;margin:2em auto;max-width:960px;color:#222;padding:0 1em}"
            "h1{margin-bottom:.2em}.sub{color:#555;margin-top:0}"
            "table{border-collapse:collapse;margin:1em 0}"
            "th,td{border:1px solid #ccc;padding:4px 10px;text-align:left}"
            "td{text-align:right;font-variant-numeric:tabular-nums}td.l{text-align:left}"
            "th{background:#f0f3f8}.n{color:#666;font-size:.9em;text-align:left}"
            ".cards{display:flex;gap:1em;flex-wrap:wrap;margin:1em 0}"
            ".card{border:1px solid #ccd;border-radius:6px;padding:.6em 1em;min-width:9em}"
            ".card b{display:block;font-size:1.5em}.card span{color:#555;font-size:.85em}"
            ".ok{color:#1a7f37}.bad{color:#b42318}"
            "</style></head><body>\n<h1>Netting cycle %lld</h1>\n<p class='sub'>Chain ",
            iv(j, "cycle"), iv(j, "cycle"));
    esc(f, chain_id);
    fprintf(f, " &middot; committed in block %lld at ", iv(j, "height"));
    esc(f, json_string_value(json_object_get(j, "time")));
    fprintf(f, " &middot; CCP ");
    esc(f, pname(json_object_get(j, "ccp")));
    fprintf(f, " &middot; LSM method ");
    esc(f, json_string_value(json_object_get(j, "lsm_method")));
    fprintf(f, " &middot; currencies ");
    size_t i;
    json_t *r;
    json_t *cur = json_object_get(j, "currencies");
    json_array_foreach(cur, i, r)
    {
        fprintf(f, "%s", i ? ", " : "");
        esc(f, json_string_value(json_object_get(r, "currency")));
    }
    if (json_array_size(cur) == 0)
        fprintf(f, "none");
    fprintf(f, "</p>\n");
}

static void build(FILE *f, const char *chain_id, json_t *j)
{
    header(f, chain_id, j);
    fprintf(f,
            "<div class='cards'>\n"
            "<div class='card'><b class='ok'>%lld</b><span>obligations settled</span></div>\n"
            "<div class='card'><b class='%s'>%lld</b><span>carried to the next cycle</span>"
            "</div>\n<div class='card'><b>%lld</b><span>obligations in (earlier fails "
            "included)</span></div>\n<div class='card'><b>%lld</b><span>bilateral instructions "
            "settled (%lld waiting)</span></div>\n</div>\n",
            iv(j, "settled_count"), iv(j, "carried_count") ? "bad" : "ok", iv(j, "carried_count"),
            iv(j, "obligations"), iv(j, "queue_settled"), iv(j, "queue_waiting"));
    json_t *cur = json_object_get(j, "currencies");
    currency_table(f, cur);
    size_t i;
    json_t *r;
    json_array_foreach(cur, i, r)
    {
        const char *ccy = json_string_value(json_object_get(r, "currency"));
        fprintf(f, "<h2>Gross vs net value per participant, ");
        esc(f, ccy);
        fprintf(f, "</h2>\n");
        chart(f, json_object_get(j, "participants"), ccy);
    }
    positions_table(f, j);
    failures_table(f, j);
    fprintf(f, "</body></html>\n");
}

int cli_cycle_report_html(cli_ctx *ctx, json_t *j, const char *path)
{
    /* Built in memory, then written atomically (cli_write_file), or to stdout for "-". */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        cli_fail(ctx, "NOMEM", "cannot build the report");
        return CLI_UNAVAILABLE;
    }
    /* The chain id as the node that gave the figures states it (a client home's config
     * may name another); the home's own if the node does not say. */
    int qrc;
    json_t *st = cli_query(ctx, "status", NULL, &qrc);
    const char *chain_id = json_string_value(json_object_get(st, "chain_id"));
    if (!chain_id || !*chain_id)
        chain_id = ctx->cfg_loaded && ctx->cfg.chain_id[0] ? ctx->cfg.chain_id : "unknown";
    build(f, chain_id, j);
    json_decref(st);
    if (fclose(f) != 0) {
        free(buf);
        cli_fail(ctx, "NOMEM", "cannot build the report");
        return CLI_UNAVAILABLE;
    }
    if (!strcmp(path, "-")) {
        bool ok = fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0;
        free(buf);
        if (!ok) {
            cli_fail(ctx, "IO", "cannot write the report to stdout");
            return CLI_LOCAL;
        }
        return CLI_OK;
    }
    int rc = cli_write_file(ctx, path, buf, len);
    free(buf);
    if (rc != CLI_OK || !strcmp(path, "-"))
        return rc; /* "-": the HTML on stdout is the whole output */
    if (ctx->json) {
        json_t *o = json_pack("{s:s,s:I}", "html", path, "cycle", (json_int_t)iv(j, "cycle"));
        cli_print_json(o);
        json_decref(o);
    } else {
        printf("wrote %s\n", path);
    }
    return CLI_OK;
}
