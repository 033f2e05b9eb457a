/* The folio command line: shared context and helpers for subcommands. */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stdio.h>

typedef struct cli_ctx {
    const char *home; /* node home directory (--home, FOLIO_HOME, default ~/.folio) */
    const char *as;   /* signing key name (--as), NULL = operator */
    bool json;        /* --json: machine-readable output on stdout */
} cli_ctx;

/* Each noun's entry point: argv[0] is the noun; returns the process exit code. */
typedef int (*cli_main_fn)(cli_ctx *ctx, int argc, char **argv);

/* Prints "folio: " + message to stderr (and a JSON error object on stdout with --json). */
void cli_fail(cli_ctx *ctx, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True if argv has -h or --help. */
bool cli_wants_help(int argc, char **argv);

#endif
