/* The cycle report as a self-contained HTML page: the figures and an inline SVG chart of
 * gross vs net value per participant. No scripts, no external resources. */
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

static void figure(FILE *f, const char *label, long long v, const char *note)
{
    fprintf(f, "<tr><th>%s</th><td>%lld</td><td class='n'>%s</td></tr>\n", label, v, note);
}

/* Horizontal bars, two per participant (gross, net), scaled to the largest gross. */
static void chart(FILE *f, json_t *parties)
{
    size_t n = json_array_size(parties), i;
    json_t *p;
    if (n == 0) {
        fprintf(f, "<p class='n'>No participant had an obligation in this cycle.</p>\n");
        return;
    }
    long long max = 1;
    json_array_foreach(parties, i, p) if (iv(p, "gross") > max) max = iv(p, "gross");
    const int bar_h = 16, row_h = 46, label_w = 170, chart_w = 520, top = 34;
    const int width = label_w + chart_w + 150;
    fprintf(f,
            "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%zu' viewBox='0 0 %d "
            "%zu' role='img' aria-label='gross and net value per participant' "
            "font-family='sans-serif'>\n",
            width, n * (size_t)row_h + top + 10, width, n * (size_t)row_h + top + 10);
    /* legend */
    fprintf(f,
            "<rect x='%d' y='6' width='14' height='14' fill='#a9c1e6'/>"
            "<text x='%d' y='18' font-size='12'>gross: cash of the obligations it is party "
            "to</text>\n<rect x='%d' y='6' width='14' height='14' fill='#1f4e9c'/>"
            "<text x='%d' y='18' font-size='12'>net: cash it actually pays or receives</text>\n",
            label_w, label_w + 20, label_w + 300, label_w + 320);
    json_array_foreach(parties, i, p)
    {
        int y = (int)i * row_h + top;
        long long g = iv(p, "gross"), nv = iv(p, "net");
        int gw = (int)((__int128)g * chart_w / max), nw = (int)((__int128)nv * chart_w / max);
        if (i % 2)
            fprintf(f, "<rect x='0' y='%d' width='%d' height='%d' fill='#f4f6fa'/>\n", y - 5, width,
                    row_h);
        fprintf(f, "<text x='%d' y='%d' font-size='13' text-anchor='end'>", label_w - 10,
                y + bar_h + 4);
        esc(f, pname(json_object_get(p, "participant")));
        fprintf(f,
                "</text>\n<rect x='%d' y='%d' width='%d' height='%d' fill='#a9c1e6'/>"
                "<text x='%d' y='%d' font-size='11' fill='#333'>%lld</text>\n",
                label_w, y, gw > 0 ? gw : 1, bar_h, label_w + (gw > 0 ? gw : 1) + 6, y + 12, g);
        fprintf(f,
                "<rect x='%d' y='%d' width='%d' height='%d' fill='#1f4e9c'/>"
                "<text x='%d' y='%d' font-size='11' fill='#333'>%lld</text>\n",
                label_w, y + bar_h + 2, nw > 0 ? nw : 1, bar_h, label_w + (nw > 0 ? nw : 1) + 6,
                y + bar_h + 14, nv);
    }
    fprintf(f, "<line x1='%d' y1='%d' x2='%d' y2='%zu' stroke='#888'/>\n</svg>\n", label_w, top - 4,
            label_w, n * (size_t)row_h + top);
}

int cli_cycle_report_html(cli_ctx *ctx, json_t *j, const char *path)
{
    /* Built in memory, then written atomically (cli_write_file). */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        cli_fail(ctx, "NOMEM", "cannot build the report");
        return CLI_UNAVAILABLE;
    }
    long long bp = iv(j, "netting_efficiency_bp");
    const char *ccp = pname(json_object_get(j, "ccp"));
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
            "</style></head><body>\n<h1>Netting cycle %lld</h1>\n"
            "<p class='sub'>Committed in block %lld &middot; CCP ",
            iv(j, "cycle"), iv(j, "cycle"), iv(j, "height"));
    esc(f, ccp ? ccp : "-");
    fprintf(f, " &middot; LSM method ");
    esc(f, json_string_value(json_object_get(j, "lsm_method")));
    fprintf(f, " &middot; values in minor units</p>\n<div class='cards'>\n");
    fprintf(f, "<div class='card'><b>%lld.%02lld%%</b><span>netting efficiency</span></div>\n",
            bp / 100, bp % 100);
    fprintf(f,
            "<div class='card'><b class='ok'>%lld</b><span>obligations settled</span></div>\n"
            "<div class='card'><b class='%s'>%lld</b><span>carried to the next cycle</span>"
            "</div>\n<div class='card'><b>%lld</b><span>bilateral instructions settled "
            "(%lld waiting)</span></div>\n</div>\n<table>\n",
            iv(j, "settled_count"), iv(j, "carried_count") ? "bad" : "ok", iv(j, "carried_count"),
            iv(j, "queue_settled"), iv(j, "queue_waiting"));
    figure(f, "Obligations in", iv(j, "obligations"),
           "novated obligations, earlier fails included");
    figure(f, "Gross value", iv(j, "gross_value"),
           "cash of every obligation (each trade on both sides of the CCP)");
    figure(f, "Net value", iv(j, "net_value"), "cash that moves at net, to and from the CCP");
    figure(f, "Settled value", iv(j, "settled_value"), "");
    figure(f, "Carried value", iv(j, "carried_value"), "");
    fprintf(f, "</table>\n<h2>Gross vs net value per participant</h2>\n");
    chart(f, json_object_get(j, "participants"));
    fprintf(f, "<h2>Net positions</h2>\n<p class='n'>+ receives, &minus; delivers or pays, over "
               "every obligation in the cycle.</p>\n<table><tr><th>Participant</th>"
               "<th>Asset</th><th>Net</th></tr>\n");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(j, "positions"), i, r)
    {
        fprintf(f, "<tr><td class='l'>");
        esc(f, pname(json_object_get(r, "participant")));
        fprintf(f, "</td><td class='l'>");
        esc(f, json_string_value(json_object_get(r, "asset")));
        fprintf(f, "</td><td>%+lld</td></tr>\n", iv(r, "net"));
    }
    fprintf(f, "</table>\n<h2>Carried into the next cycle</h2>\n");
    if (json_array_size(json_object_get(j, "failures")) == 0)
        fprintf(f, "<p class='ok'>Nothing: every obligation settled.</p>\n");
    else
        fprintf(f, "<table><tr><th>Obligation</th><th>Trade</th><th>Age (cycles)</th>"
                   "<th>Reason</th></tr>\n");
    json_array_foreach(json_object_get(j, "failures"), i, r)
    {
        fprintf(f, "<tr><td>%lld</td><td>%lld</td><td>%lld</td><td class='l'>", iv(r, "obligation"),
                iv(r, "trade"), iv(r, "age_cycles"));
        esc(f, json_string_value(json_object_get(r, "reason")));
        fprintf(f, "</td></tr>\n");
    }
    if (json_array_size(json_object_get(j, "failures")))
        fprintf(f, "</table>\n");
    fprintf(f, "</body></html>\n");
    if (fclose(f) != 0) {
        free(buf);
        cli_fail(ctx, "NOMEM", "cannot build the report");
        return CLI_UNAVAILABLE;
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
