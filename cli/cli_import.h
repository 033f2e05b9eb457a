/* Bulk import and export of a register of holders and of investors (specs/import.md).
 *
 * Two halves: the file half here is pure (no node; the Check suite tests/cli/test_import.c
 * drives it): the CSV is parsed (ldg_csv.h), its header and every field checked, duplicates
 * and the total found, each problem with its line and column. The ledger half
 * (cli_import_run.c) compares the rows with the node's participants, profiles and register,
 * then submits what is missing in batches. */
#ifndef CLI_IMPORT_H
#define CLI_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldg_csv.h"
#include "ldg_key.h"
#include "ldg_limits.h"

typedef enum cli_imp_kind {
    CLI_IMP_REGISTER = 0,  /* holder,public_key,quantity,category,risk_class,kyc_expiry */
    CLI_IMP_INVESTORS = 1, /* name,public_key,category,risk_class,kyc_expiry */
} cli_imp_kind;

/* The header line each format requires, exactly (specs/import.md §2, §3). */
extern const char cli_imp_register_header[];
extern const char cli_imp_investors_header[];

typedef struct cli_imp_problem {
    unsigned long line;   /* 0: the file as a whole (its total, say) */
    unsigned long column; /* 1-based; 0: the whole row */
    char code[24];
    char message[224];
} cli_imp_problem;

typedef struct cli_imp_row {
    unsigned long line;
    const char *name; /* borrowed from the parsed file */
    bool has_key;
    ldg_pubkey pub;
    uint64_t quantity; /* CLI_IMP_REGISTER: at the instrument's scale */
    bool has_profile;
    uint64_t category, risk_class; /* AST_INVESTOR_*, 1..5 */
    int64_t kyc_days;
    /* from the ledger (cli_import_run.c) */
    ldg_account account;
    bool known;         /* a participant of that name exists */
    bool needs_profile; /* the profile is to be registered */
    bool is_issuer;     /* the holder is the issuer itself: nothing moves */
    uint64_t held;      /* what the holder holds of the instrument now */
    bool done;
} cli_imp_row;

typedef struct cli_imp_file {
    cli_imp_kind kind;
    ldg_csv csv;
    cli_imp_row *rows;
    size_t n;
    uint64_t total; /* sum of quantities (register) */
    cli_imp_problem problems[CLI_IMPORT_ERRORS_MAX];
    size_t shown, count; /* problems kept (at most CLI_IMPORT_ERRORS_MAX), found */
} cli_imp_file;

/* Parses and checks data (len bytes) as a file of `kind`, quantities at `scale` decimals.
 * Always fills f (free with cli_imp_free); returns true when no problem was found. A CSV
 * syntax error is one problem and no rows; otherwise every row is checked and every problem
 * counted. */
bool cli_imp_parse(cli_imp_file *f, cli_imp_kind kind, const uint8_t *data, size_t len,
                   unsigned scale);
void cli_imp_free(cli_imp_file *f);

/* Records a problem (kept if fewer than CLI_IMPORT_ERRORS_MAX are, always counted). */
void cli_imp_problem_add(cli_imp_file *f, unsigned long line, unsigned long column,
                         const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The column number (1-based) of a named column of kind's header; 0 if it has none. */
unsigned long cli_imp_column(cli_imp_kind kind, const char *name);

/* One row of kind's format as CSV text appended to *buf (grown; *len, *cap updated): the
 * exporter's writer, the inverse of the parser (a row written and parsed gives the same
 * fields). quantity is written at scale; a row without a profile has empty profile fields. */
bool cli_imp_write_row(char **buf, size_t *len, size_t *cap, cli_imp_kind kind,
                       const cli_imp_row *r, unsigned scale);

/* The commands (cli_import_run.c): argv[0] is the verb ("import"/"export"). */
#include "cli.h"
int cli_asset_import(cli_ctx *ctx, int argc, char **argv);
int cli_asset_export(cli_ctx *ctx, int argc, char **argv);
int cli_investor_import(cli_ctx *ctx, int argc, char **argv);

#endif
