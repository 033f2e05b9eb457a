/* The cycle report as a self-contained HTML page: the figures and an inline SVG chart of
 * gross vs net value per participant. No scripts, no external resources. */
#include "cli.h"

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

static void figure(FILE *f, const char *label, long long v)
{
    fprintf(f, "<tr><th>%s</th><td>%lld</td></tr>\n", label, v);
}

static void chart(FILE *f, json_t *parties)
{
    size_t n = json_array_size(parties), i;
    json_t *p;
    long long max = 1;
    json_array_foreach(parties, i, p) if (iv(p, "gross") > max) max = iv(p, "gross");
    const int bar_h = 14, row_h = 40, label_w = 160, chart_w = 560;
    fprintf(f,
            "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%zu' role='img' "
            "aria-label='gross and net value per participant'>\n",
            label_w + chart_w + 120, n * (size_t)row_h + 30);
    json_array_foreach(parties, i, p)
    {
        int y = (int)i * row_h + 10;
        long long g = iv(p, "gross"), nv = iv(p, "net");
        int gw = (int)((__int128)g * chart_w / max), nw = (int)((__int128)nv * chart_w / max);
        fprintf(f, "<text x='0' y='%d' font-size='12'>", y + bar_h);
        esc(f, pname(json_object_get(p, "participant")));
        fprintf(f,
                "</text>\n<rect x='%d' y='%d' width='%d' height='%d' fill='#9db4d8'/>"
                "<text x='%d' y='%d' font-size='11'>gross %lld</text>\n",
                label_w, y, gw > 0 ? gw : 1, bar_h, label_w + gw + 6, y + 11, g);
        fprintf(f,
                "<rect x='%d' y='%d' width='%d' height='%d' fill='#2a5caa'/>"
                "<text x='%d' y='%d' font-size='11'>net %lld</text>\n",
                label_w, y + bar_h + 2, nw > 0 ? nw : 1, bar_h, label_w + nw + 6, y + bar_h + 13,
                nv);
    }
    fprintf(f, "</svg>\n");
}

int cli_cycle_report_html(cli_ctx *ctx, json_t *j, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        cli_fail(ctx, "IO", "cannot write %s", path);
        return CLI_UNAVAILABLE;
    }
    long long bp = iv(j, "netting_efficiency_bp");
    fprintf(f,
            "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<title>folio cycle %lld</title>\n<style>body{font-family:sans-serif;margin:2em;"
            "color:#222}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid "
            "#ccc;padding:4px 10px;text-align:left}td{text-align:right}.l{text-align:left}"
            "</style></head><body>\n<h1>Netting cycle %lld</h1>\n<p>Committed in block "
            "%lld.</p>\n<table>\n",
            iv(j, "cycle"), iv(j, "cycle"), iv(j, "height"));
    figure(f, "Obligations in", iv(j, "obligations"));
    figure(f, "Gross value", iv(j, "gross_value"));
    figure(f, "Net value", iv(j, "net_value"));
    fprintf(f, "<tr><th>Netting efficiency</th><td>%lld.%02lld%%</td></tr>\n", bp / 100, bp % 100);
    figure(f, "Settled obligations", iv(j, "settled_count"));
    figure(f, "Settled value", iv(j, "settled_value"));
    figure(f, "Carried over", iv(j, "carried_count"));
    figure(f, "Carried value", iv(j, "carried_value"));
    fprintf(f, "</table>\n<h2>Gross vs net value per participant</h2>\n");
    chart(f, json_object_get(j, "participants"));
    fprintf(f, "<h2>Net positions</h2>\n<table><tr><th>Participant</th><th>Asset</th>"
               "<th>Net</th></tr>\n");
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
    fprintf(f, "</table>\n<h2>Carried into the next cycle</h2>\n<table><tr><th>Obligation</th>"
               "<th>Trade</th><th>Age (cycles)</th><th>Reason</th></tr>\n");
    json_array_foreach(json_object_get(j, "failures"), i, r)
    {
        fprintf(f, "<tr><td>%lld</td><td>%lld</td><td>%lld</td><td class='l'>", iv(r, "obligation"),
                iv(r, "trade"), iv(r, "age_cycles"));
        esc(f, json_string_value(json_object_get(r, "reason")));
        fprintf(f, "</td></tr>\n");
    }
    fprintf(f, "</table>\n</body></html>\n");
    if (fclose(f) != 0) {
        cli_fail(ctx, "IO", "cannot write %s", path);
        return CLI_UNAVAILABLE;
    }
    if (!ctx->json)
        printf("wrote %s\n", path);
    return CLI_OK;
}
