/* The one CSV reader (RFC 4180), beside the core so that the CLI's imports and evidence's
 * csv logs share it: files a person hands to folio (a register, a list of investors), with
 * a header line, read whole and checked before anything is used (specs/import.md §1); and
 * single-line records of a log (ldg_csv_line).
 *
 * The parser is pure (no I/O, no node) so that its Check suite and its libFuzzer target
 * (tests/fuzz/fuzz_csv.c) drive it directly. Every refusal names the line (1-based, counted
 * in the file's own line breaks, so a quoted field spanning lines is counted as it is seen in
 * an editor) and the character (1-based byte column in that line). */
#ifndef LDG_CSV_H
#define LDG_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldg_limits.h"

/* Why a file was refused; stable names, specs/import.md §1.3. */
typedef enum ldg_csv_code {
    LDG_CSV_OK = 0,
    LDG_CSV_TOO_LARGE, /* more than LDG_CSV_FILE_MAX bytes */
    LDG_CSV_TOO_MANY_ROWS /* more than the caller's row bound */,
    LDG_CSV_FIELD_TOO_LONG, /* a field of more than LDG_CSV_FIELD_MAX bytes */
    LDG_CSV_NUL,            /* a NUL byte */
    LDG_CSV_NOT_UTF8,       /* a byte sequence that is not UTF-8 */
    LDG_CSV_BARE_CR,        /* a CR not followed by LF */
    LDG_CSV_BAD_QUOTE,      /* a quote inside an unquoted field, or text after a closing quote */
    LDG_CSV_UNCLOSED_QUOTE, /* the file ends inside a quoted field */
    LDG_CSV_COLUMNS,        /* a record with another number of fields than the header */
    LDG_CSV_EMPTY,          /* no header line */
    LDG_CSV_BLANK_LINE,     /* an empty line between records */
    LDG_CSV_TOO_MANY_COLUMNS,
} ldg_csv_code;

/* The stable name of a code ("BAD_QUOTE"). */
const char *ldg_csv_code_name(ldg_csv_code code);

typedef struct ldg_csv_err {
    ldg_csv_code code;
    unsigned long line;   /* 1-based; 0 when the error is the file's (TOO_LARGE, EMPTY) */
    unsigned long column; /* 1-based byte in the line; 0 when not one place */
    char message[160];
} ldg_csv_err;

/* A parsed file: records of `cols` fields each, record 0 the header. Fields are
 * NUL-terminated copies (quotes removed, "" made "), owned by the table. */
typedef struct ldg_csv {
    char *text;           /* every field's bytes, each NUL-terminated */
    size_t *field;        /* offset in text of field i (record r, column c: r * cols + c) */
    unsigned long *line;  /* the line each record starts on */
    size_t records, cols; /* records counts the header */
} ldg_csv;

/* Parses len bytes: an optional UTF-8 byte-order mark (U+FEFF, as spreadsheets write it),
 * then records separated by CRLF or LF, fields separated by ',', optionally enclosed in
 * double quotes (a quote inside is doubled); the last record may end without a line break.
 * At most rows_max records after the header. On success fills *out (free with
 * ldg_csv_free) and returns true; on failure fills *err, leaves *out empty, returns false. */
bool ldg_csv_parse(ldg_csv *out, ldg_csv_err *err, const uint8_t *data, size_t len,
                   size_t rows_max);
void ldg_csv_free(ldg_csv *t);

/* Field c of record r (r 0 is the header); borrowed, valid until ldg_csv_free. */
static inline const char *ldg_csv_at(const ldg_csv *t, size_t r, size_t c)
{
    return t->text + t->field[r * t->cols + c];
}

/* Length of the UTF-8 sequence at p (n bytes readable, n >= 1; RFC 3629: no overlong
 * form, no surrogate, at most U+10FFFF), 0 if there is none. */
size_t ldg_csv_utf8_len(const uint8_t *p, size_t n);

/* Receives one byte of field `field` (0-based) of a record read by ldg_csv_line, unquoted;
 * false stops the reading (reported as TOO_LARGE). */
typedef bool (*ldg_csv_byte_fn)(void *arg, size_t field, uint8_t b);

/* One record held in one line (a log line of evidence's csv format, specs/evidence.md §1.4):
 * the same syntax as ldg_csv_parse (quoting, UTF-8, no NUL), no line break inside (one
 * final CR is ignored), at most cols_max fields, no other bound on a field than the line.
 * Nothing is allocated: each field byte goes to emit. True with *ncols; false with *err. */
bool ldg_csv_line(const uint8_t *line, size_t len, size_t cols_max, ldg_csv_byte_fn emit, void *arg,
                  size_t *ncols, ldg_csv_err *err);

/* Appends one field to buf (grown with realloc; *len, *cap updated) quoted as RFC 4180 asks
 * when it holds a comma, quote, CR or LF (or starts with a space), else as is. Returns false
 * if memory ran out. */
bool ldg_csv_put(char **buf, size_t *len, size_t *cap, const char *field, bool last);

#endif
