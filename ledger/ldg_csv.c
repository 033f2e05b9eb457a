/* RFC 4180 reader and writer (ldg_csv.h; the rules are specs/import.md §1). */
#include "ldg_csv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const code_names[] = {
    [LDG_CSV_OK] = "OK",
    [LDG_CSV_TOO_LARGE] = "FILE_TOO_LARGE",
    [LDG_CSV_TOO_MANY_ROWS] = "TOO_MANY_ROWS",
    [LDG_CSV_FIELD_TOO_LONG] = "FIELD_TOO_LONG",
    [LDG_CSV_NUL] = "NUL_BYTE",
    [LDG_CSV_NOT_UTF8] = "NOT_UTF8",
    [LDG_CSV_BARE_CR] = "BARE_CR",
    [LDG_CSV_BAD_QUOTE] = "BAD_QUOTE",
    [LDG_CSV_UNCLOSED_QUOTE] = "UNCLOSED_QUOTE",
    [LDG_CSV_COLUMNS] = "COLUMN_COUNT",
    [LDG_CSV_EMPTY] = "EMPTY_FILE",
    [LDG_CSV_BLANK_LINE] = "BLANK_LINE",
    [LDG_CSV_TOO_MANY_COLUMNS] = "TOO_MANY_COLUMNS",
};

const char *ldg_csv_code_name(ldg_csv_code code)
{
    if ((size_t)code < sizeof code_names / sizeof code_names[0] && code_names[code])
        return code_names[code];
    return "BAD_CSV";
}

/* The scanner: input, position, where the current line starts, and the table it fills. */
typedef struct scan {
    const uint8_t *p;
    size_t len, pos, line_start;
    unsigned long line;
    ldg_csv *t;
    size_t text_len, text_cap, field_cap, line_cap;
    ldg_csv_err *err;
    size_t field_max;
    /* Line mode (ldg_csv_line): each field byte goes to emit, nothing is allocated. */
    ldg_csv_byte_fn emit;
    void *emit_arg;
    size_t field_index;
} scan;

static bool fail(scan *s, ldg_csv_code code, unsigned long line, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static bool fail(scan *s, ldg_csv_code code, unsigned long line, size_t at, const char *fmt, ...)
{
    s->err->code = code;
    s->err->line = line;
    s->err->column = line ? (unsigned long)(at - s->line_start + 1) : 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err->message, sizeof s->err->message, fmt, ap);
    va_end(ap);
    return false;
}

size_t ldg_csv_utf8_len(const uint8_t *p, size_t n)
{
    uint8_t b = p[0], lo = 0x80, hi = 0xbf;
    size_t k;
    if (b < 0x80)
        return 1;
    if (b >= 0xc2 && b <= 0xdf)
        k = 2;
    else if (b >= 0xe0 && b <= 0xef)
        k = 3;
    else if (b >= 0xf0 && b <= 0xf4)
        k = 4;
    else
        return 0;
    if (b == 0xe0)
        lo = 0xa0;
    else if (b == 0xed)
        hi = 0x9f;
    else if (b == 0xf0)
        lo = 0x90;
    else if (b == 0xf4)
        hi = 0x8f;
    if (n < k || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < k; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return k;
}

static bool grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *b = realloc(*buf, n * elem);
    if (!b)
        return false;
    *buf = b;
    *cap = n;
    return true;
}

static bool put_byte(scan *s, uint8_t b)
{
    if (s->emit) {
        s->text_len++;
        return s->emit(s->emit_arg, s->field_index, b);
    }
    if (!grow((void **)&s->t->text, &s->text_cap, s->text_len + 1, 1))
        return false;
    s->t->text[s->text_len++] = (char)b;
    return true;
}

/* One byte of field content at s->pos (not a separator): NUL and bad UTF-8 refused, the
 * sequence copied. `start` is where the field began, for its length bound. */
static bool content(scan *s, size_t start)
{
    const uint8_t *p = s->p + s->pos;
    if (*p == 0)
        return fail(s, LDG_CSV_NUL, s->line, s->pos, "a NUL byte (the file is not text)");
    size_t k = ldg_csv_utf8_len(p, s->len - s->pos);
    if (k == 0)
        return fail(s, LDG_CSV_NOT_UTF8, s->line, s->pos,
                    "byte 0x%02x does not start a UTF-8 character (save the file as UTF-8)", *p);
    for (size_t i = 0; i < k; i++)
        if (!put_byte(s, p[i]))
            return fail(s, LDG_CSV_TOO_LARGE, 0, 0, "out of memory");
    s->pos += k;
    if (s->text_len - start > s->field_max)
        return fail(s, LDG_CSV_FIELD_TOO_LONG, s->line, s->pos - 1, "a field longer than %zu bytes",
                    s->field_max);
    return true;
}

/* A line break inside a quoted field: LF or CRLF kept as it is, the line count advanced. */
static bool quoted_break(scan *s, size_t start)
{
    if (s->p[s->pos] == '\r') {
        if (s->pos + 1 >= s->len || s->p[s->pos + 1] != '\n')
            return fail(s, LDG_CSV_BARE_CR, s->line, s->pos,
                        "a carriage return not followed by a line feed");
        if (!put_byte(s, '\r'))
            return fail(s, LDG_CSV_TOO_LARGE, 0, 0, "out of memory");
        s->pos++;
    }
    if (!put_byte(s, '\n'))
        return fail(s, LDG_CSV_TOO_LARGE, 0, 0, "out of memory");
    s->pos++;
    s->line++;
    s->line_start = s->pos;
    if (s->text_len - start > s->field_max)
        return fail(s, LDG_CSV_FIELD_TOO_LONG, s->line, s->pos, "a field longer than %zu bytes",
                    s->field_max);
    return true;
}

static bool quoted(scan *s, size_t start)
{
    unsigned long open_line = s->line;
    size_t open_at = s->pos, open_ls = s->line_start;
    s->pos++;
    for (;;) {
        if (s->pos >= s->len) {
            s->line_start = open_ls;
            return fail(s, LDG_CSV_UNCLOSED_QUOTE, open_line, open_at,
                        "the quoted field that starts here is never closed");
        }
        uint8_t b = s->p[s->pos];
        if (b == '"') {
            if (s->pos + 1 < s->len && s->p[s->pos + 1] == '"') {
                if (!put_byte(s, '"'))
                    return fail(s, LDG_CSV_TOO_LARGE, 0, 0, "out of memory");
                s->pos += 2;
                continue;
            }
            s->pos++;
            if (s->pos < s->len && s->p[s->pos] != ',' && s->p[s->pos] != '\n' &&
                s->p[s->pos] != '\r')
                return fail(s, LDG_CSV_BAD_QUOTE, s->line, s->pos,
                            "text after the closing quote of a field (a quote inside a quoted "
                            "field is written twice: \"\")");
            return true;
        }
        if (!(b == '\n' || b == '\r' ? quoted_break(s, start) : content(s, start)))
            return false;
    }
}

static bool unquoted(scan *s, size_t start)
{
    while (s->pos < s->len) {
        uint8_t b = s->p[s->pos];
        if (b == ',' || b == '\n' || b == '\r')
            return true;
        if (b == '"')
            return fail(s, LDG_CSV_BAD_QUOTE, s->line, s->pos,
                        "a quote inside a field that does not start with one (enclose the "
                        "field in quotes and write the quote twice)");
        if (!content(s, start))
            return false;
    }
    return true;
}

/* The end of a record: LF, CRLF or the end of the input. */
static bool record_end(scan *s)
{
    if (s->pos >= s->len)
        return true;
    if (s->p[s->pos] == '\r') {
        if (s->pos + 1 >= s->len || s->p[s->pos + 1] != '\n')
            return fail(s, LDG_CSV_BARE_CR, s->line, s->pos,
                        "a carriage return not followed by a line feed");
        s->pos++;
    }
    s->pos++; /* the LF */
    s->line++;
    s->line_start = s->pos;
    return true;
}

static bool end_field(scan *s)
{
    if (!put_byte(s, 0))
        return fail(s, LDG_CSV_TOO_LARGE, 0, 0, "out of memory");
    return true;
}

/* One record into the field table; *fields gets its number of fields. */
static bool record(scan *s, size_t *nfields, size_t *first)
{
    size_t n = 0, base = *first;
    for (;;) {
        size_t max = s->t->cols ? s->t->cols : LDG_CSV_COLUMNS_MAX;
        if (n == max && s->t->cols == 0)
            return fail(s, LDG_CSV_TOO_MANY_COLUMNS, s->line, s->pos,
                        "more than %d columns in the header", LDG_CSV_COLUMNS_MAX);
        if (n >= max) /* more fields than the header: stop counting, the caller reports */
            return fail(s, LDG_CSV_COLUMNS, s->line, s->pos,
                        "more fields than the header's %zu (a comma too many, or a field with "
                        "a comma that is not quoted?)",
                        s->t->cols);
        if (!grow((void **)&s->t->field, &s->field_cap, base + n + 1, sizeof *s->t->field))
            return fail(s, LDG_CSV_TOO_LARGE, 0, 0, "out of memory");
        size_t start = s->text_len;
        s->t->field[base + n] = start;
        bool ok = s->pos < s->len && s->p[s->pos] == '"' ? quoted(s, start) : unquoted(s, start);
        if (!ok || !end_field(s))
            return false;
        n++;
        if (s->pos < s->len && s->p[s->pos] == ',') {
            s->pos++;
            continue;
        }
        *nfields = n;
        *first = base + n;
        return record_end(s);
    }
}

static bool parse(scan *s, size_t rows_max)
{
    ldg_csv *t = s->t;
    size_t first = 0;
    while (s->pos < s->len) {
        unsigned long line = s->line;
        size_t at = s->pos;
        if (s->p[s->pos] == '\n' || s->p[s->pos] == '\r')
            return t->records ? fail(s, LDG_CSV_BLANK_LINE, line, at,
                                     "an empty line (every record needs its %zu fields)", t->cols)
                              : fail(s, LDG_CSV_BLANK_LINE, line, at,
                                     "an empty line where the header should be");
        if (t->records > rows_max)
            return fail(s, LDG_CSV_TOO_MANY_ROWS, line, at, "more than %zu records", rows_max);
        if (!grow((void **)&t->line, &s->line_cap, t->records + 1, sizeof *t->line))
            return fail(s, LDG_CSV_TOO_LARGE, 0, 0, "out of memory");
        size_t n = 0;
        size_t ls = s->line_start;
        if (!record(s, &n, &first))
            return false;
        if (t->records == 0) {
            t->cols = n;
        } else if (n != t->cols) {
            s->line_start = ls;
            return fail(s, LDG_CSV_COLUMNS, line, ls, "%zu field%s, the header has %zu", n,
                        n == 1 ? "" : "s", t->cols);
        }
        t->line[t->records++] = line;
    }
    if (t->records == 0)
        return fail(s, LDG_CSV_EMPTY, 0, 0, "the file is empty: it needs a header line");
    return true;
}

bool ldg_csv_parse(ldg_csv *out, ldg_csv_err *err, const uint8_t *data, size_t len, size_t rows_max)
{
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    scan s = {
        .p = data, .len = len, .line = 1, .t = out, .err = err, .field_max = LDG_CSV_FIELD_MAX};
    if (len > LDG_CSV_FILE_MAX) {
        fail(&s, LDG_CSV_TOO_LARGE, 0, 0, "the file has %zu bytes; at most %d are read", len,
             LDG_CSV_FILE_MAX);
        return false;
    }
    if (len >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf)
        s.pos = s.line_start = 3; /* a byte-order mark: columns count after it */
    if (parse(&s, rows_max))
        return true;
    ldg_csv_free(out);
    return false;
}

void ldg_csv_free(ldg_csv *t)
{
    free(t->text);
    free(t->field);
    free(t->line);
    memset(t, 0, sizeof *t);
}

bool ldg_csv_put(char **buf, size_t *len, size_t *cap, const char *field, bool last)
{
    bool quote = strpbrk(field, ",\"\r\n") != NULL;
    size_t need = *len + 2 * strlen(field) + 4;
    if (!grow((void **)buf, cap, need, 1))
        return false;
    char *o = *buf + *len;
    if (quote)
        *o++ = '"';
    for (const char *p = field; *p; p++) {
        if (*p == '"')
            *o++ = '"';
        *o++ = *p;
    }
    if (quote)
        *o++ = '"';
    *o++ = last ? '\n' : ',';
    *len = (size_t)(o - *buf);
    return true;
}

bool ldg_csv_line(const uint8_t *line, size_t len, size_t cols_max, ldg_csv_byte_fn emit, void *arg,
                  size_t *ncols, ldg_csv_err *err)
{
    memset(err, 0, sizeof *err);
    if (len > 0 && line[len - 1] == '\r')
        len--; /* a CRLF file's line */
    scan s = {.p = line,
              .len = len,
              .line = 1,
              .err = err,
              .field_max = len,
              .emit = emit,
              .emit_arg = arg};
    for (size_t n = 0;; n++) {
        if (n == cols_max)
            return fail(&s, LDG_CSV_TOO_MANY_COLUMNS, s.line, s.pos, "more than %zu fields",
                        cols_max);
        s.field_index = n;
        size_t start = s.text_len;
        bool ok = s.pos < len && line[s.pos] == '"' ? quoted(&s, start) : unquoted(&s, start);
        if (!ok)
            return false;
        if (s.pos < len && line[s.pos] == ',') {
            s.pos++;
            continue;
        }
        if (s.pos < len) /* a CR or LF inside the line, outside quotes */
            return fail(&s, LDG_CSV_BARE_CR, s.line, s.pos, "a line break inside the record");
        *ncols = n + 1;
        return true;
    }
}
