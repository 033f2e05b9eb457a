/* The folio command line: shared context and helpers for subcommands.
 * Exit codes: 0 success, 1 the ledger rejected the request, 2 usage error,
 * 3 the node could not be reached or failed. */
#ifndef CLI_H
#define CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ldg_codec.h"
#include "ldg_key.h"
#include "net_home.h"
#include "net_rpc.h"

enum { CLI_OK = 0, CLI_REJECTED = 1, CLI_USAGE = 2, CLI_UNAVAILABLE = 3 };
/* cli_submit's answer to --dry-run: the check passed and nothing was submitted. Callers
 * pass it up like a failure (they print nothing more); main exits 0 on it. */
enum { CLI_DRY_RUN = 100 };

typedef struct cli_ctx {
    const char *home_arg; /* --home as given, or NULL */
    char home[NET_PATH_MAX];
    const char *as; /* signing key name (--as), NULL = operator */
    bool json;      /* --json: machine-readable output on stdout */
    bool dry_run;   /* --dry-run: a writing command checks and submits nothing */
    bool no_check;  /* --no-check: submit without the node's check first */
    net_client *client;
    net_config cfg;
    bool cfg_loaded;
} cli_ctx;

/* Each noun's entry point: argv[0] is the noun; returns the process exit code. */
typedef int (*cli_main_fn)(cli_ctx *ctx, int argc, char **argv);

/* Prints "folio: " + message to stderr (and a JSON error object on stdout with --json). */
void cli_fail(cli_ctx *ctx, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True if argv has -h or --help. */
bool cli_wants_help(int argc, char **argv);

/* Options: finds "--name VALUE" in argv (or --name=VALUE); NULL if absent. */
const char *cli_opt(int argc, char **argv, const char *name);
bool cli_flag(int argc, char **argv, const char *name);
/* Positional arguments: the i-th argument that is not an option or an option's value.
 * `valued` lists the options that take a value (NULL-terminated). */
const char *cli_pos(int argc, char **argv, int i, const char *const *valued);
/* Rejects options that are neither in `valued` (take a value) nor in `flags` (both
 * NULL-terminated or NULL); prints the error. */
bool cli_check_opts(cli_ctx *ctx, int argc, char **argv, const char *const *valued,
                    const char *const *flags);

/* Rejects more than `max` positional arguments; prints the error. */
bool cli_check_positionals(cli_ctx *ctx, int argc, char **argv, const char *const *valued, int max);

/* Strict unsigned integer: digits only, no sign, no overflow, at most max. */
bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out);
/* "YYYY-MM-DD" -> days since 1970-01-01. */
bool cli_parse_date(const char *s, int64_t *days);

/* Loads config; connects to the node. Print errors; return CLI_* codes. */
int cli_load_config(cli_ctx *ctx);
int cli_connect(cli_ctx *ctx);
/* Calls the node; returns the JSON reply or NULL after printing the node's error. */
json_t *cli_call(cli_ctx *ctx, ldg_enc *req, int *exit_code);
/* Builds [method, arg?] requests. */
json_t *cli_query(cli_ctx *ctx, const char *method, const char *str_arg, int *exit_code);

/* Paging of a list command (specs/rpc.md "Paging"): --limit N and --after CURSOR. */
typedef struct cli_page {
    const char *after; /* NULL: from the first row */
    uint64_t limit;    /* 0: the node's page size max */
} cli_page;
/* Reads --limit and --after from argv; prints the error and returns false if bad. */
bool cli_page_parse(cli_ctx *ctx, int argc, char **argv, cli_page *out);
/* Appends the paging arguments of a request: the cursor (text, or nil) and the limit. */
void cli_page_enc(ldg_enc *e, const cli_page *p);
/* Calls a list method: [method, fixed (if not NULL), cursor or nil, limit]. */
json_t *cli_list_query(cli_ctx *ctx, const char *method, const char *fixed, const cli_page *p,
                       int *exit_code);
/* Without --json, when the reply has a "next" cursor: says after the rows that there is more
 * and the command line that shows it (`cmd` is the command without paging options). */
void cli_page_more(const cli_ctx *ctx, json_t *reply, const char *cmd, const cli_page *p);
/* Writes a file the user named (a report, an export): atomically, through a temporary file
 * created beside it, never following a symlink at path (net_file_write). Prints the error;
 * returns a CLI_* code. Every user-named output goes through here. */
int cli_write_file(cli_ctx *ctx, const char *path, const void *data, size_t len);

/* The signing key's name: --as, else $FOLIO_AS, else [client] as in config.ini, else
 * "operator"; *why (optional) says which. */
const char *cli_signer_name(cli_ctx *ctx, const char **why);
/* Loads the signing key (cli_signer_name); asks for the passphrase of a sealed one. */
int cli_signer(cli_ctx *ctx, ldg_keypair *kp);
/* A passphrase: $FOLIO_PASSPHRASE, else asked on the terminal (twice if confirm). Prints
 * the error; returns a CLI_* code. out holds NET_PASSPHRASE_MAX + 1 bytes. Defined in
 * cli_keys.c. */
int cli_passphrase(cli_ctx *ctx, const char *prompt, bool confirm, char *out);
/* Where the home came from, for messages: "--home", "FOLIO_HOME" or "default". */
const char *cli_home_source(const cli_ctx *ctx);
/* Participant name, local key name, or 40-hex account -> account. */
int cli_resolve_account(cli_ctx *ctx, const char *who, ldg_account *out);
/* " (did you mean 'alice'?)" when a registered participant or a key of this home has a
 * name close to who, else "" (into out; returns out). Asks the node for the participants. */
const char *cli_participant_hint(cli_ctx *ctx, const char *who, char *out, size_t len);

/* Signing many transactions (an import): the signing key loaded once, the chain's genesis
 * checked once, and the node's clock (block time with a dev-mode offset, or later) as of
 * the last refresh. Begin prints the error and returns a CLI_* code; end wipes the key. */
typedef struct cli_signing {
    ldg_keypair kp;
    ldg_hash genesis;
    uint64_t now_ms;
    uint64_t height; /* the node's tip at the last refresh */
} cli_signing;
int cli_sign_begin(cli_ctx *ctx, cli_signing *sg);
/* Re-reads the node's clock into sg->now_ms (and checks the chain again). */
int cli_sign_refresh(cli_ctx *ctx, cli_signing *sg);
/* The signed wire bytes (malloc'd; NULL if signing failed) and id of a transaction that
 * expires at expiry_ms; deterministic: the nonce and signature follow from payload and
 * expiry alone (ldg_tx_build), so signing the same again gives the same id. */
uint8_t *cli_sign(const cli_ctx *ctx, const cli_signing *sg, uint64_t type, const ldg_enc *payload,
                  uint64_t expiry_ms, bool deterministic, size_t *len, ldg_hash *id);
void cli_sign_end(cli_signing *sg);

/* Signs payload as the signing key and asks the node's check method for the receipt it
 * would get: a refusal is printed with what to do and nothing is submitted (CLI_REJECTED);
 * with --dry-run the outcome is printed and CLI_DRY_RUN returned. Otherwise submits, waits
 * for the commit (with progress on a TTY) and prints the receipt. *out (optional) receives
 * the committed tx JSON. --no-check skips the check. */
int cli_submit(cli_ctx *ctx, uint64_t type, const ldg_enc *payload, const char *what, json_t **out);

/* Signs payload as the signing key and asks the node's check method (specs/rpc.md): the
 * reply ("allowed", the receipt's code, name, message, detail...) or NULL after printing
 * the error. Submits nothing. */
json_t *cli_check(cli_ctx *ctx, uint64_t type, const ldg_enc *payload, int *exit_code);

/* The 8-byte big-endian id a receipt carries in its data (hex), from a committed tx's
 * JSON as cli_submit returns it; 0 if there is none. Defined in cli_trade.c. */
uint64_t cli_receipt_id(json_t *tx);

/* Prints a JSON value (pretty) to stdout. */
void cli_print_json(json_t *j);

/* A simple aligned table: add rows of cells, then print. */
typedef struct cli_table cli_table;
cli_table *cli_table_new(int cols, const char *const *headers);
void cli_table_row(cli_table *t, const char *const *cells);
void cli_table_print(cli_table *t, FILE *out);
void cli_table_free(cli_table *t);

/* ---- money (cli_money.c; the rule is specs/money.md) ----
 * Every amount a person types or reads is a decimal in the currency's units ("1,250.50");
 * inside, and in --json, it is the exact integer of minor units with currency and scale. */
enum { CLI_MONEY_LEN = 96 };
/* Parses the amount TEXT of CURRENCY given as option/argument WHAT ("--price") into minor
 * units: at most the currency's decimals, optional thousands separators. Prints a precise
 * error and returns CLI_USAGE if it is not one (or is zero and !allow_zero). */
int cli_money_parse(cli_ctx *ctx, const char *what, const char *currency, const char *text,
                    bool allow_zero, uint64_t *minor);
/* A positive quantity of an instrument of the given scale (0: whole units). */
int cli_quantity_parse(cli_ctx *ctx, const char *what, const char *text, unsigned scale,
                       uint64_t *q);
/* An amount of instrument ID as typed for WHAT: a currency code is cash, an amount in the
 * currency's units ("100.50", cli_money_parse); anything else is a security, in whole units
 * (cli_quantity_parse). On success writes it as a person reads it into text ("100.50 CNY",
 * "1,200 CNE100000296"; text may be NULL). Prints the error and returns CLI_USAGE if not. */
int cli_instrument_amount_parse(cli_ctx *ctx, const char *what, const char *id, const char *typed,
                                uint64_t *q, char text[CLI_MONEY_LEN]);
/* "1,250.50 CNY": minor units of CURRENCY as a person reads them. */
const char *cli_money_text(char out[CLI_MONEY_LEN], int64_t minor, const char *currency);
/* "12,000" / "12,000.5": a quantity with separators, at the instrument's scale. */
const char *cli_quantity_text(char out[CLI_MONEY_LEN], int64_t q, unsigned scale);
/* The text of a money object of a node reply ({"minor","currency","scale",...}). */
const char *cli_money_json_text(char out[CLI_MONEY_LEN], const json_t *m);
/* The text of obj's quantity KEY as a person reads it: the money object KEY_money when the
 * reply gives one (cash: "1,250.50 CNY"), else the integer KEY at the given scale ("12,000"). */
const char *cli_amount_json_text(char out[CLI_MONEY_LEN], const json_t *obj, const char *key,
                                 unsigned scale);

/* Exit status of a local file error (a file named on the line, the home's store or keys):
 * not the node's fault, so not CLI_UNAVAILABLE. */
enum { CLI_LOCAL = 4 };

/* Tables: with no rows, cli_table_print prints this sentence ("no holders") instead of the
 * headers (default "none"). Columns whose cells are all numbers are right-aligned; widths
 * are display columns (cli_text_width), so names in Chinese align. */
void cli_table_empty(cli_table *t, const char *message);
/* Display columns of a code point as wcwidth() in a UTF-8 locale (2 for East Asian wide,
 * 0 for combining marks, -1 for control characters), whatever the process locale. */
int cli_wcwidth(uint32_t cp);
/* Display columns of UTF-8 text. */
size_t cli_text_width(const char *s);
/* A whole number with thousands separators: 1234567 -> "1,234,567". */
void cli_num(char *out, size_t len, uint64_t v);
/* A reply's "roles" (an array of role names, specs/rpc.md §2.2) as "a,b" into out; "" when
 * absent. Returns out. */
const char *cli_roles_text(const json_t *roles, char *out, size_t len);

/* Settlement commands (cli_trade.c). cli_stl_submit is cli_submit for them; without --json
 * it is cli_submit. With --json, the transaction JSON is held back on success (*tx gets it,
 * the caller prints it with its own fields added); on failure what cli_submit printed goes
 * out unchanged and, when the ledger refused the transaction in a block, a "folio: ..."
 * sentence naming the code goes to stderr, as without --json. cli_stl_submit_say submits
 * and prints the transaction (--json) or its receipt's sentence. cli_receipt_id: the id a
 * receipt's data carries (8 bytes, big-endian), 0 if none. */
int cli_stl_submit(cli_ctx *ctx, uint64_t type, const ldg_enc *payload, const char *what,
                   json_t **tx);
int cli_stl_submit_say(cli_ctx *ctx, uint64_t type, const ldg_enc *payload, const char *what);
uint64_t cli_receipt_id(json_t *tx);

#endif
