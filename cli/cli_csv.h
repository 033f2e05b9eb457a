/* CSV files a person hands to folio (a register, a list of investors): RFC 4180 with a
 * header line, read whole and checked before anything is used (specs/import.md §1).
 *
 * The parser is pure (no I/O, no node) so that its Check suite and its libFuzzer target
 * (tests/fuzz/fuzz_csv.c) drive it directly. Every refusal names the line (1-based, counted
 * in the file's own line breaks, so a quoted field spanning lines is counted as it is seen in
 * an editor) and the character (1-based byte column in that line). */
#ifndef CLI_CSV_H
#define CLI_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldg_limits.h"

/* Why a file was refused; stable names, specs/import.md §1.3. */
typedef enum cli_csv_code {
    CLI_CSV_OK = 0,
    CLI_CSV_TOO_LARGE, /* more than CLI_CSV_FILE_MAX bytes */
    CLI_CSV_TOO_MANY_ROWS /* more than the caller's row bound */,
    CLI_CSV_FIELD_TOO_LONG, /* a field of more than CLI_CSV_FIELD_MAX bytes */
    CLI_CSV_NUL,            /* a NUL byte */
    CLI_CSV_NOT_UTF8,       /* a byte sequence that is not UTF-8 */
    CLI_CSV_BARE_CR,        /* a CR not followed by LF */
    CLI_CSV_BAD_QUOTE,      /* a quote inside an unquoted field, or text after a closing quote */
    CLI_CSV_UNCLOSED_QUOTE, /* the file ends inside a quoted field */
    CLI_CSV_COLUMNS,        /* a record with another number of fields than the header */
    CLI_CSV_EMPTY,          /* no header line */
    CLI_CSV_BLANK_LINE,     /* an empty line between records */
    CLI_CSV_TOO_MANY_COLUMNS,
} cli_csv_code;

/* The stable name of a code ("BAD_QUOTE"). */
const char *cli_csv_code_name(cli_csv_code code);

typedef struct cli_csv_err {
    cli_csv_code code;
    unsigned long line;   /* 1-based; 0 when the error is the file's (TOO_LARGE, EMPTY) */
    unsigned long column; /* 1-based byte in the line; 0 when not one place */
    char message[160];
} cli_csv_err;

/* A parsed file: records of `cols` fields each, record 0 the header. Fields are
 * NUL-terminated copies (quotes removed, "" made "), owned by the table. */
typedef struct cli_csv {
    char *text;           /* every field's bytes, each NUL-terminated */
    size_t *field;        /* offset in text of field i (record r, column c: r * cols + c) */
    unsigned long *line;  /* the line each record starts on */
    size_t records, cols; /* records counts the header */
} cli_csv;

/* Parses len bytes: an optional UTF-8 byte-order mark (U+FEFF, as spreadsheets write it),
 * then records separated by CRLF or LF, fields separated by ',', optionally enclosed in
 * double quotes (a quote inside is doubled); the last record may end without a line break.
 * At most rows_max records after the header. On success fills *out (free with
 * cli_csv_free) and returns true; on failure fills *err, leaves *out empty, returns false. */
bool cli_csv_parse(cli_csv *out, cli_csv_err *err, const uint8_t *data, size_t len,
                   size_t rows_max);
void cli_csv_free(cli_csv *t);

/* Field c of record r (r 0 is the header); borrowed, valid until cli_csv_free. */
static inline const char *cli_csv_at(const cli_csv *t, size_t r, size_t c)
{
    return t->text + t->field[r * t->cols + c];
}

/* Length of the UTF-8 sequence at p (n bytes readable, n >= 1; RFC 3629: no overlong
 * form, no surrogate, at most U+10FFFF), 0 if there is none. */
size_t cli_csv_utf8_len(const uint8_t *p, size_t n);

/* Appends one field to buf (grown with realloc; *len, *cap updated) quoted as RFC 4180 asks
 * when it holds a comma, quote, CR or LF (or starts with a space), else as is. Returns false
 * if memory ran out. */
bool cli_csv_put(char **buf, size_t *len, size_t *cap, const char *field, bool last);

#endif
