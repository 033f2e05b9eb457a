/* libFuzzer target for the CSV reader and the import file checks (cli/ldg_csv.c,
 * cli/cli_import.c; specs/import.md §1-3).
 *
 * Properties checked on every input, not just "no crash":
 * - a refusal names a code, keeps nothing, and a line/column inside the input;
 * - an accepted file has the same number of fields in every record, each at most
 *   LDG_CSV_FIELD_MAX bytes and free of NUL;
 * - writing the accepted records back (ldg_csv_put) and reading them again gives the same
 *   fields (the exporter's writer is the reader's inverse);
 * - the register and investor checks never report more problems kept than found, every
 *   problem's message is UTF-8 (it goes into JSON), and a file they accept has one row per
 *   record after the header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldg_csv.h"
#include "cli_import.h"
#include "ldg_assert.h"

static void check_refusal(const ldg_csv *t, const ldg_csv_err *e, size_t size)
{
    LDG_ASSERT(e->code != LDG_CSV_OK && e->message[0]);
    LDG_ASSERT(t->text == NULL && t->records == 0);
    LDG_ASSERT(e->line <= size + 1 && e->column <= size + 1);
}

static void check_round_trip(const ldg_csv *t)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (size_t r = 0; r < t->records; r++)
        for (size_t c = 0; c < t->cols; c++) {
            const char *f = ldg_csv_at(t, r, c);
            LDG_ASSERT(strlen(f) <= LDG_CSV_FIELD_MAX);
            LDG_ASSERT(ldg_csv_put(&buf, &len, &cap, f, c + 1 == t->cols));
        }
    ldg_csv back;
    ldg_csv_err e;
    /* A record of one empty field is written as an empty line, which the reader refuses as a
     * blank line: the one spelling that does not round-trip (no format has one column). */
    if (ldg_csv_parse(&back, &e, (const uint8_t *)buf, len, CLI_IMPORT_ROWS_MAX)) {
        LDG_ASSERT(back.records == t->records && back.cols == t->cols);
        for (size_t i = 0; i < t->records * t->cols; i++)
            LDG_ASSERT(strcmp(back.text + back.field[i], t->text + t->field[i]) == 0);
        ldg_csv_free(&back);
    } else {
        LDG_ASSERT(t->cols == 1 && e.code == LDG_CSV_BLANK_LINE);
    }
    free(buf);
}

/* ldg_csv_line (one record in one line, evidence's csv logs) on the input's first line: a
 * refusal has a code and a sentence; a record has 1..8 fields and emits at most the line's
 * bytes, to fields below its count. */
typedef struct line_count {
    size_t bytes, max_field;
} line_count;

static bool count_byte(void *arg, size_t field, uint8_t b)
{
    line_count *c = arg;
    (void)b;
    c->bytes++;
    c->max_field = field > c->max_field ? field : c->max_field;
    return true;
}

static void check_line(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t len = nl ? (size_t)(nl - data) : size, n = 0;
    line_count c = {0};
    ldg_csv_err e;
    if (!ldg_csv_line(data, len, 8, count_byte, &c, &n, &e)) {
        LDG_ASSERT(e.code != LDG_CSV_OK && e.message[0]);
        return;
    }
    LDG_ASSERT(n >= 1 && n <= 8 && c.bytes <= len && (c.bytes == 0 || c.max_field < n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ldg_csv t;
    ldg_csv_err e;
    check_line(data, size);
    if (ldg_csv_parse(&t, &e, data, size, CLI_IMPORT_ROWS_MAX)) {
        LDG_ASSERT(t.records >= 1 && t.cols >= 1);
        check_round_trip(&t);
        ldg_csv_free(&t);
    } else {
        check_refusal(&t, &e, size);
    }
    for (int kind = CLI_IMP_REGISTER; kind <= CLI_IMP_INVESTORS; kind++) {
        cli_imp_file f;
        bool ok = cli_imp_parse(&f, (cli_imp_kind)kind, data, size, (unsigned)(size % 3));
        LDG_ASSERT(f.shown <= f.count && f.shown <= CLI_IMPORT_ERRORS_MAX);
        for (size_t i = 0; i < f.shown; i++) {
            const uint8_t *m = (const uint8_t *)f.problems[i].message;
            for (size_t k = 0, n = strlen(f.problems[i].message), l; k < n; k += l)
                LDG_ASSERT((l = ldg_csv_utf8_len(m + k, n - k)) > 0);
        }
        LDG_ASSERT(ok == (f.count == 0));
        LDG_ASSERT(!ok || f.n + 1 == f.csv.records);
        cli_imp_free(&f);
    }
    return 0;
}

static const char *const seeds[] = {
    "holder,public_key,quantity,category,risk_class,kyc_expiry\n"
    "alice,389e55411fa5a7781db5e530f7a741f395a0afed67170e23dd51f57a8fb0ece1,100,ordinary,C3,"
    "2030-01-31\nbob,,\"1,000\",,,\n",
    "name,public_key,category,risk_class,kyc_expiry\r\n"
    "ann,3bc859c03fbc487914e084eb08e1e5f935bfaeaccb187fa47e6832e459e0a161,professional,C5,"
    "2099-12-31\r\n",
    "\xef\xbb\xbf"
    "a,b\n\"x\"\"y\",\"1\n2\"\n",
    "holder,public_key,quantity,category,risk_class,kyc_expiry\nbob,,1.5,,,\nbob,,0,retail,C9,x\n",
};

size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    if (index >= sizeof seeds / sizeof seeds[0])
        return 0;
    size_t n = strlen(seeds[index]);
    if (n > cap)
        return 0;
    memcpy(out, seeds[index], n);
    return n;
}
