/* Input formats other than lines/1 (specs/evidence.md §1.4): one JSON object per line
 * (jsonl) or one CSV record per line (csv), whose named fields give TIME, TYPE and LINKS
 * with the same syntax as lines/1; the whole line is the payload. A CSV line is read by the
 * one CSV reader (ledger/ldg_csv.c, shared with the CLI's imports); JSON by a hand-written
 * scanner. Every byte is hostile, every buffer bounded, nothing allocated per record. */
#include "ldg_csv.h"
#include "ldg_ev.h"

#include <stdlib.h>
#include <string.h>

void ldg_ev_schema_default(ldg_ev_schema *s, ldg_ev_fmt format)
{
    memset(s, 0, sizeof *s);
    s->format = format;
    snprintf(s->time, sizeof s->time, "time");
    snprintf(s->type, sizeof s->type, "type");
    snprintf(s->links, sizeof s->links, "links");
}

/* A value kept for TIME, TYPE or LINKS: over-long values are cut and flagged, so that their
 * syntax check fails rather than a buffer overflowing. */
static void put(ldg_ev_field *f, const uint8_t *d, size_t n)
{
    if (f->len + n > sizeof f->v) {
        f->too_long = true;
        n = sizeof f->v - f->len;
    }
    memcpy(f->v + f->len, d, n);
    f->len += n;
}

/* ---- jsonl ---- */

typedef struct js {
    const uint8_t *p, *e;
    int depth;
} js;

static void ws(js *j)
{
    while (j->p < j->e && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
        j->p++;
}

static int hexv(uint8_t c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* A JSON string at j->p; its decoded bytes appended to out (NULL: skipped). Non-ASCII
 * \u escapes become '?': the fields read from JSON are ASCII by their syntax. */
static bool jstring(js *j, ldg_ev_field *out)
{
    if (j->p >= j->e || *j->p != '"')
        return false;
    for (j->p++; j->p < j->e; j->p++) {
        uint8_t c = *j->p;
        if (c == '"') {
            j->p++;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c != '\\') {
            if (out)
                put(out, &c, 1);
            continue;
        }
        if (++j->p >= j->e)
            return false;
        static const char esc[] = "\"\\/bfnrt", val[] = "\"\\/\b\f\n\r\t";
        const char *k = memchr(esc, *j->p, sizeof esc - 1);
        uint8_t d = k ? (uint8_t)val[k - esc] : '?';
        if (!k) {
            if (*j->p != 'u' || j->e - j->p < 5)
                return false;
            int v = 0;
            for (int i = 1; i <= 4; i++) {
                int h = hexv(j->p[i]);
                if (h < 0)
                    return false;
                v = v << 4 | h;
            }
            d = v < 0x80 ? (uint8_t)v : '?';
            j->p += 4;
        }
        if (out)
            put(out, &d, 1);
    }
    return false;
}

static bool jvalue(js *j, ldg_ev_field *out);

static bool jcontainer(js *j, uint8_t open)
{
    uint8_t close = open == '{' ? '}' : ']';
    if (++j->depth > 32)
        return false;
    j->p++;
    ws(j);
    if (j->p < j->e && *j->p == close) {
        j->p++;
        j->depth--;
        return true;
    }
    for (;;) {
        if (open == '{') {
            if (!jstring(j, NULL))
                return false;
            ws(j);
            if (j->p >= j->e || *j->p++ != ':')
                return false;
            ws(j);
        }
        if (!jvalue(j, NULL))
            return false;
        ws(j);
        if (j->p >= j->e)
            return false;
        if (*j->p == close) {
            j->p++;
            j->depth--;
            return true;
        }
        if (*j->p++ != ',')
            return false;
        ws(j);
    }
}

/* Any JSON value; a string's or number's text appended to out (NULL: skipped). */
static bool jvalue(js *j, ldg_ev_field *out)
{
    if (j->p >= j->e)
        return false;
    uint8_t c = *j->p;
    if (c == '"')
        return jstring(j, out);
    if (c == '{' || c == '[')
        return !out && jcontainer(j, c);
    const uint8_t *s = j->p;
    while (j->p < j->e && (strchr("+-.eE", *j->p) || (*j->p >= '0' && *j->p <= '9') ||
                           (*j->p >= 'a' && *j->p <= 'z')))
        j->p++;
    size_t n = (size_t)(j->p - s);
    bool lit = (n == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "null", 4))) ||
               (n == 5 && !memcmp(s, "false", 5));
    bool num = n > 0 && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'));
    for (size_t i = 0; num && i < n; i++)
        num = (s[i] >= '0' && s[i] <= '9') || strchr("+-.eE", s[i]);
    if (out && num)
        put(out, s, n);
    return (lit && !out) || num;
}

/* LINKS as a JSON array of strings, kept comma-joined ("-" if empty). */
static bool jlinks(js *j, ldg_ev_field *out)
{
    if (j->p < j->e && *j->p == '"')
        return jstring(j, out);
    if (j->p >= j->e || *j->p != '[')
        return false;
    j->p++;
    ws(j);
    if (j->p < j->e && *j->p == ']') {
        j->p++;
        put(out, (const uint8_t *)"-", 1);
        return true;
    }
    for (bool first = true;; first = false) {
        if (!first)
            put(out, (const uint8_t *)",", 1);
        if (!jstring(j, out))
            return false;
        ws(j);
        if (j->p < j->e && *j->p == ']') {
            j->p++;
            return true;
        }
        if (j->p >= j->e || *j->p++ != ',')
            return false;
        ws(j);
    }
}

static int field_of(const ldg_ev_schema *s, const ldg_ev_field *key)
{
    const char *names[3] = {s->time, s->type, s->links};
    for (int i = 0; i < 3; i++)
        if (strlen(names[i]) == key->len && !memcmp(names[i], key->v, key->len) && !key->too_long)
            return i;
    return -1;
}

static void mark_required(const ldg_ev_schema *s, const ldg_ev_field *key, uint32_t *seen)
{
    for (uint32_t i = 0; i < s->nrequired; i++)
        if (strlen(s->required[i]) == key->len && !memcmp(s->required[i], key->v, key->len))
            *seen |= 1u << i;
}

static ldg_ev_rerr why(ldg_ev_fields *f, ldg_ev_rerr e, const char *fmt, const char *arg)
{
    snprintf(f->why, sizeof f->why, fmt, arg);
    return e;
}

static ldg_ev_rerr split_json(const ldg_ev_schema *s, const uint8_t *line, size_t len,
                              ldg_ev_fields *f)
{
    js j = {line, line + len, 0};
    uint32_t seen = 0, have = 0;
    if (!ldg_utf8_valid(line, len))
        return why(f, LDG_EV_FIELDS, "the line is not UTF-8%s", "");
    ws(&j);
    if (j.p >= j.e || *j.p++ != '{')
        return why(f, LDG_EV_FIELDS, "the line is not a JSON object%s", "");
    ws(&j);
    bool ok = true, empty = j.p < j.e && *j.p == '}';
    j.p += empty;
    while (ok && !empty) {
        ldg_ev_field key = {0};
        ok = jstring(&j, &key);
        ws(&j);
        ok = ok && j.p < j.e && *j.p++ == ':';
        ws(&j);
        int k = ok ? field_of(s, &key) : -1;
        const char *names[3] = {s->time, s->type, s->links};
        if (k >= 0 && (have >> k & 1))
            return why(f, LDG_EV_FIELDS, "the key \"%s\" is given twice", names[k]);
        if (ok)
            mark_required(s, &key, &seen);
        ldg_ev_field *dst = k == 0 ? &f->time : k == 1 ? &f->type : k == 2 ? &f->links : NULL;
        ok = ok && (k == 2 ? jlinks(&j, dst) : jvalue(&j, dst));
        if (k >= 0)
            have |= 1u << k;
        ws(&j);
        if (ok && j.p < j.e && *j.p == '}') {
            j.p++;
            break;
        }
        ok = ok && j.p < j.e && *j.p++ == ',';
        ws(&j);
    }
    ws(&j);
    if (!ok || j.p != j.e)
        return why(f, LDG_EV_FIELDS, "the line is not one JSON object%s", "");
    if (!(have & 1))
        return why(f, LDG_EV_SCHEMA_FIELD, "the object has no \"%s\" (the record's time)", s->time);
    if (!(have & 2))
        return why(f, LDG_EV_SCHEMA_FIELD, "the object has no \"%s\" (the record's type)", s->type);
    for (uint32_t i = 0; i < s->nrequired; i++)
        if (!(seen >> i & 1))
            return why(f, LDG_EV_SCHEMA_FIELD,
                       "the object has no \"%s\", which the schema requires", s->required[i]);
    if (!(have & 4))
        put(&f->links, (const uint8_t *)"-", 1);
    return LDG_EV_ROK;
}

/* ---- csv: the one CSV reader (ldg_csv_line) ---- */

/* Where the bytes of each column go while a line is read. */
typedef struct csv_sink {
    ldg_ev_field *dst[LDG_EV_CSV_COLUMNS_MAX]; /* NULL: counted only */
    uint32_t len[LDG_EV_CSV_COLUMNS_MAX];
} csv_sink;

static bool csv_byte(void *arg, size_t field, uint8_t b)
{
    csv_sink *k = arg;
    k->len[field]++;
    if (k->dst[field])
        put(k->dst[field], &b, 1);
    return true;
}

ldg_ev_rerr ldg_ev_csv_header(ldg_ev_schema *s, const uint8_t *line, size_t len, char *why_out,
                              size_t why_len)
{
    csv_sink *k = calloc(1, sizeof *k);
    ldg_ev_field *v = calloc(LDG_EV_CSV_COLUMNS_MAX, sizeof *v);
    LDG_ASSERT(k && v);
    for (size_t i = 0; i < LDG_EV_CSV_COLUMNS_MAX; i++)
        k->dst[i] = &v[i];
    size_t n = 0;
    ldg_csv_err err;
    bool ok = ldg_csv_line(line, len, LDG_EV_CSV_COLUMNS_MAX, csv_byte, k, &n, &err);
    for (size_t i = 0; ok && i < n; i++)
        ok = !v[i].too_long && v[i].len < sizeof s->columns[0];
    s->ncolumns = 0;
    for (size_t i = 0; ok && i < n; i++) {
        memcpy(s->columns[i], v[i].v, v[i].len);
        s->columns[i][v[i].len] = '\0';
        s->ncolumns++;
    }
    free(k);
    free(v);
    if (!ok) {
        snprintf(why_out, why_len,
                 "the header is not a CSV record of at most %d names of at most %d bytes",
                 LDG_EV_CSV_COLUMNS_MAX, LDG_EV_FIELD_NAME_MAX);
        return LDG_EV_FIELDS;
    }
    return LDG_EV_ROK;
}

static int column_of(const ldg_ev_schema *s, const char *name)
{
    for (uint32_t i = 0; i < s->ncolumns; i++)
        if (!strcmp(s->columns[i], name))
            return (int)i;
    return -1;
}

static ldg_ev_rerr split_csv(const ldg_ev_schema *s, const uint8_t *line, size_t len,
                             ldg_ev_fields *f)
{
    int ct = column_of(s, s->time), cy = column_of(s, s->type), cl = column_of(s, s->links);
    if (ct < 0 || cy < 0)
        return why(f, LDG_EV_SCHEMA_FIELD, "the columns have no \"%s\" or no type column", s->time);
    csv_sink k;
    memset(&k, 0, sizeof k);
    k.dst[ct] = &f->time;
    k.dst[cy] = &f->type;
    if (cl >= 0)
        k.dst[cl] = &f->links;
    size_t n = 0;
    ldg_csv_err err;
    if (!ldg_csv_line(line, len, s->ncolumns, csv_byte, &k, &n, &err))
        return why(f, LDG_EV_FIELDS, "the line is not a CSV record: %.120s", err.message);
    if (n != s->ncolumns)
        return why(f, LDG_EV_FIELDS, "the line has fewer columns than the header%s", "");
    for (uint32_t r = 0; r < s->nrequired; r++) {
        int c = column_of(s, s->required[r]);
        if (c < 0)
            return why(f, LDG_EV_SCHEMA_FIELD,
                       "the columns have no \"%s\", which the schema requires", s->required[r]);
        if (k.len[c] == 0)
            return why(f, LDG_EV_SCHEMA_FIELD,
                       "the column \"%s\", which the schema requires, is empty", s->required[r]);
    }
    if (cl < 0 || f->links.len == 0)
        put(&f->links, (const uint8_t *)"-", 1);
    return LDG_EV_ROK;
}

ldg_ev_rerr ldg_ev_split(const ldg_ev_schema *s, const uint8_t *line, size_t len, ldg_ev_fields *f)
{
    memset(f, 0, sizeof *f);
    return s->format == LDG_EV_FMT_JSONL ? split_json(s, line, len, f) : split_csv(s, line, len, f);
}
