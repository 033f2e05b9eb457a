/* The file half of bulk import (cli_import.h): formats, field rules, duplicates, totals. */
#include "cli_import.h"

#include "ast_date.h"
#include "ast_money.h"
#include "ast_rules.h"
#include "ldg_exec.h"
#include "ldg_hash.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMP_STR_(x) #x
#define IMP_STR(x) IMP_STR_(x)

const char cli_imp_register_header[] = "holder,public_key,quantity,category,risk_class,kyc_expiry";
const char cli_imp_investors_header[] = "name,public_key,category,risk_class,kyc_expiry";

static const char *const register_cols[] = {"holder",   "public_key", "quantity",
                                            "category", "risk_class", "kyc_expiry"};
static const char *const investor_cols[] = {"name", "public_key", "category", "risk_class",
                                            "kyc_expiry"};

static const char *const *columns(cli_imp_kind kind, size_t *n)
{
    *n = kind == CLI_IMP_REGISTER ? 6 : 5;
    return kind == CLI_IMP_REGISTER ? register_cols : investor_cols;
}

unsigned long cli_imp_column(cli_imp_kind kind, const char *name)
{
    size_t n;
    const char *const *c = columns(kind, &n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(c[i], name))
            return (unsigned long)i + 1;
    return 0;
}

void cli_imp_problem_add(cli_imp_file *f, unsigned long line, unsigned long column,
                         const char *code, const char *fmt, ...)
{
    f->count++;
    if (f->shown == CLI_IMPORT_ERRORS_MAX)
        return;
    cli_imp_problem *p = &f->problems[f->shown++];
    p->line = line;
    p->column = column;
    snprintf(p->code, sizeof p->code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->message, sizeof p->message, fmt, ap);
    va_end(ap);
    /* A field quoted with a byte bound ("%.70s") may be cut inside a character: the cut
     * bytes become '?', so that the message stays UTF-8 (JSON, terminals). */
    uint8_t *m = (uint8_t *)p->message;
    for (size_t i = 0, n = strlen(p->message); i < n;) {
        size_t k = ldg_csv_utf8_len(m + i, n - i);
        if (k == 0)
            m[i++] = '?';
        else
            i += k;
    }
}

static bool header_ok(cli_imp_file *f)
{
    size_t n;
    const char *const *want = columns(f->kind, &n);
    const char *hdr =
        f->kind == CLI_IMP_REGISTER ? cli_imp_register_header : cli_imp_investors_header;
    if (f->csv.cols != n) {
        cli_imp_problem_add(f, f->csv.line[0], 0, "BAD_HEADER",
                            "the header has %zu columns; it must be exactly: %s", f->csv.cols, hdr);
        return false;
    }
    for (size_t c = 0; c < n; c++)
        if (strcmp(ldg_csv_at(&f->csv, 0, c), want[c]) != 0) {
            cli_imp_problem_add(f, f->csv.line[0], (unsigned long)c + 1, "BAD_HEADER",
                                "column %zu is named '%.40s', not '%s'; the header must be "
                                "exactly: %s",
                                c + 1, ldg_csv_at(&f->csv, 0, c), want[c], hdr);
            return false;
        }
    return true;
}

/* A participant name as the ledger registers one (ldg_participant_name_ok). */
static const char *name_problem(const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return "is empty";
    if (n > LDG_NAME_LEN_MAX)
        return "is longer than " IMP_STR(LDG_NAME_LEN_MAX) " bytes";
    if (!ldg_participant_name_ok(s))
        return "is not a participant name: a letter, then letters, digits, '-', '_' or '.'";
    return NULL;
}

static void field_key(cli_imp_file *f, cli_imp_row *r, const char *s, unsigned long col)
{
    if (!*s)
        return;
    if (strlen(s) != 2 * LDG_PUBKEY_LEN || ldg_hex_decode(r->pub.b, LDG_PUBKEY_LEN, s) != 0) {
        cli_imp_problem_add(f, r->line, col, "BAD_KEY",
                            "public_key '%.70s' is not a public key (64 hex digits)", s);
        return;
    }
    if (!ldg_pubkey_valid(&r->pub)) {
        cli_imp_problem_add(f, r->line, col, "BAD_KEY",
                            "public_key %.64s is not a point of the curve (BIP-340 x-only key)", s);
        return;
    }
    r->has_key = true;
}

static void field_quantity(cli_imp_file *f, cli_imp_row *r, const char *s, unsigned scale)
{
    unsigned long col = cli_imp_column(f->kind, "quantity");
    ast_money_err e = ast_money_parse(s, scale, &r->quantity);
    if (e == AST_MONEY_OK && r->quantity == 0)
        cli_imp_problem_add(f, r->line, col, "BAD_QUANTITY",
                            "quantity is 0: a register lists holders of at least one unit");
    else if (e == AST_MONEY_DECIMALS)
        cli_imp_problem_add(f, r->line, col, "BAD_QUANTITY",
                            "quantity '%.40s' has more than %u decimal%s: the instrument is "
                            "held in %s",
                            s, scale, scale == 1 ? "" : "s",
                            scale ? "fractions of that size at most" : "whole units");
    else if (e != AST_MONEY_OK)
        cli_imp_problem_add(f, r->line, col, "BAD_QUANTITY", "quantity '%.40s': %s", s,
                            ast_money_err_str(e));
}

/* category, risk_class, kyc_expiry: all three or none (required is for investor files). */
static void field_profile(cli_imp_file *f, cli_imp_row *r, const char *const *v, bool required)
{
    unsigned long c0 = cli_imp_column(f->kind, "category");
    bool any = *v[0] || *v[1] || *v[2], all = *v[0] && *v[1] && *v[2];
    if (!any && !required)
        return;
    if (!all) {
        cli_imp_problem_add(f, r->line, *v[0] ? (*v[1] ? c0 + 2 : c0 + 1) : c0, "BAD_PROFILE",
                            "a suitability profile is category, risk_class and kyc_expiry "
                            "together: %s",
                            required ? "each is required" : "give all three or none");
        return;
    }
    bool ok = true;
    r->category = !strcmp(v[0], "professional") ? AST_INVESTOR_PROFESSIONAL
                  : !strcmp(v[0], "ordinary")   ? AST_INVESTOR_ORDINARY
                                                : 0;
    if (!r->category) {
        cli_imp_problem_add(f, r->line, c0, "BAD_PROFILE",
                            "category '%.40s' is neither professional nor ordinary", v[0]);
        ok = false;
    }
    if (v[1][0] != 'C' || v[1][1] < '1' || v[1][1] > '5' || v[1][2]) {
        cli_imp_problem_add(f, r->line, c0 + 1, "BAD_PROFILE",
                            "risk_class '%.40s' is not C1, C2, C3, C4 or C5", v[1]);
        ok = false;
    } else {
        r->risk_class = (uint64_t)(v[1][1] - '0');
    }
    ast_date d;
    if (ast_date_parse(&d, v[2], strlen(v[2])) != AST_DATE_OK) {
        cli_imp_problem_add(f, r->line, c0 + 2, "BAD_DATE",
                            "kyc_expiry '%.40s' is not a date YYYY-MM-DD", v[2]);
        ok = false;
    } else {
        r->kyc_days = d.days;
    }
    r->has_profile = ok;
}

static void check_row(cli_imp_file *f, size_t i, unsigned scale)
{
    cli_imp_row *r = &f->rows[i];
    size_t rec = i + 1;
    r->line = f->csv.line[rec];
    r->name = ldg_csv_at(&f->csv, rec, 0);
    const char *why = name_problem(r->name);
    if (why)
        cli_imp_problem_add(f, r->line, 1, "BAD_NAME", "%s '%.70s' %s",
                            f->kind == CLI_IMP_REGISTER ? "holder" : "name", r->name, why);
    field_key(f, r, ldg_csv_at(&f->csv, rec, 1), 2);
    size_t prof = 2;
    if (f->kind == CLI_IMP_REGISTER) {
        field_quantity(f, r, ldg_csv_at(&f->csv, rec, 2), scale);
        prof = 3;
    } else if (!r->has_key && !*ldg_csv_at(&f->csv, rec, 1)) {
        cli_imp_problem_add(f, r->line, 2, "BAD_KEY", "public_key is required");
    }
    const char *v[3] = {ldg_csv_at(&f->csv, rec, prof), ldg_csv_at(&f->csv, rec, prof + 1),
                        ldg_csv_at(&f->csv, rec, prof + 2)};
    field_profile(f, r, v, f->kind == CLI_IMP_INVESTORS);
}

/* Duplicates: rows sorted by a key, neighbours compared. by_name / by_key over indices. */
static const cli_imp_row *sort_rows;

static int by_name(const void *a, const void *b)
{
    const cli_imp_row *x = &sort_rows[*(const size_t *)a], *y = &sort_rows[*(const size_t *)b];
    int c = strcmp(x->name, y->name);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int by_key(const void *a, const void *b)
{
    const cli_imp_row *x = &sort_rows[*(const size_t *)a], *y = &sort_rows[*(const size_t *)b];
    if (x->has_key != y->has_key)
        return x->has_key ? -1 : 1;
    int c = memcmp(x->pub.b, y->pub.b, LDG_PUBKEY_LEN);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static void duplicates(cli_imp_file *f)
{
    if (f->n < 2)
        return;
    size_t *ix = malloc(f->n * sizeof *ix);
    LDG_ASSERT(ix);
    for (size_t i = 0; i < f->n; i++)
        ix[i] = i;
    sort_rows = f->rows; /* qsort has no context argument; single-threaded CLI */
    qsort(ix, f->n, sizeof *ix, by_name);
    for (size_t i = 1; i < f->n; i++) {
        const cli_imp_row *a = &f->rows[ix[i - 1]], *b = &f->rows[ix[i]];
        if (!strcmp(a->name, b->name) && *a->name)
            cli_imp_problem_add(f, b->line, 1, "DUPLICATE",
                                "'%.70s' is listed again (first on "
                                "line %lu): one row per holder",
                                b->name, a->line);
    }
    qsort(ix, f->n, sizeof *ix, by_key);
    for (size_t i = 1; i < f->n; i++) {
        const cli_imp_row *a = &f->rows[ix[i - 1]], *b = &f->rows[ix[i]];
        if (a->has_key && b->has_key && !memcmp(a->pub.b, b->pub.b, LDG_PUBKEY_LEN))
            cli_imp_problem_add(f, b->line, 2, "DUPLICATE",
                                "the public key of line %lu again: one account per holder",
                                a->line);
    }
    sort_rows = NULL;
    free(ix);
}

static void total(cli_imp_file *f)
{
    uint64_t t = 0;
    for (size_t i = 0; i < f->n; i++)
        if (__builtin_add_overflow(t, f->rows[i].quantity, &t) || t > LDG_QUANTITY_MAX) {
            cli_imp_problem_add(f, f->rows[i].line, cli_imp_column(f->kind, "quantity"),
                                "BAD_TOTAL",
                                "the quantities add up past the largest supply (%llu units of "
                                "the smallest denomination) by this row",
                                (unsigned long long)LDG_QUANTITY_MAX);
            return;
        }
    f->total = t;
}

bool cli_imp_parse(cli_imp_file *f, cli_imp_kind kind, const uint8_t *data, size_t len,
                   unsigned scale)
{
    memset(f, 0, sizeof *f);
    f->kind = kind;
    ldg_csv_err e;
    if (!ldg_csv_parse(&f->csv, &e, data, len, CLI_IMPORT_ROWS_MAX)) {
        cli_imp_problem_add(f, e.line, e.column, ldg_csv_code_name(e.code), "%s", e.message);
        return false;
    }
    if (!header_ok(f))
        return false;
    f->n = f->csv.records - 1;
    if (f->n == 0) {
        cli_imp_problem_add(f, 0, 0, "NO_ROWS", "the file has a header and no rows");
        return false;
    }
    f->rows = calloc(f->n, sizeof *f->rows);
    LDG_ASSERT(f->rows);
    for (size_t i = 0; i < f->n; i++)
        check_row(f, i, scale);
    duplicates(f);
    if (kind == CLI_IMP_REGISTER)
        total(f);
    return f->count == 0;
}

void cli_imp_free(cli_imp_file *f)
{
    ldg_csv_free(&f->csv);
    free(f->rows);
    memset(f, 0, sizeof *f);
}

bool cli_imp_write_row(char **buf, size_t *len, size_t *cap, cli_imp_kind kind,
                       const cli_imp_row *r, unsigned scale)
{
    char key[2 * LDG_PUBKEY_LEN + 1] = "", qty[AST_MONEY_TEXT_LEN], cls[4] = "";
    char date[AST_DATE_STR_SIZE] = "";
    const char *cat = "";
    if (r->has_key)
        ldg_hex_encode(key, r->pub.b, LDG_PUBKEY_LEN);
    ast_money_format(qty, sizeof qty, (int64_t)r->quantity, scale, false);
    if (r->has_profile) {
        cat = r->category == AST_INVESTOR_PROFESSIONAL ? "professional" : "ordinary";
        snprintf(cls, sizeof cls, "C%u", (unsigned)r->risk_class);
        ast_date_format(date, sizeof date, (ast_date){(int32_t)r->kyc_days});
    }
    const char *reg[] = {r->name, key, qty, cat, cls, date};
    const char *inv[] = {r->name, key, cat, cls, date};
    const char *const *v = kind == CLI_IMP_REGISTER ? reg : inv;
    size_t n = kind == CLI_IMP_REGISTER ? 6 : 5;
    for (size_t i = 0; i < n; i++)
        if (!ldg_csv_put(buf, len, cap, v[i], i + 1 == n))
            return false;
    return true;
}
