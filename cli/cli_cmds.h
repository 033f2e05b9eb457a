/* The command table: every noun and verb of folio with its summary, arguments and options.
 * The dispatcher (cli_cmds_dispatch) checks a command line against it before the noun's
 * entry point runs, and --help, `folio commands`, completion and the man page are generated
 * from it, so what the CLI accepts and what it documents cannot drift apart.
 *
 * To add a verb: one row in cli_cmds[] (cli_cmds.c). To add a noun: a row in cli_nouns[]
 * too, with its entry point declared below. */
#ifndef CLI_CMDS_H
#define CLI_CMDS_H

#include "cli.h"
#include "ldg_limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* max_args: any number of positional arguments. */
#define CLI_ARGS_ANY (-1)

typedef struct cli_optdef {
    const char *name; /* "--to" */
    const char *arg;  /* the value's placeholder ("ACCOUNT"); NULL: a flag without a value.
                       * A placeholder ending in "..." takes every following word up to the
                       * next option (contract deploy --args V...). */
    const char *help;
    bool required; /* shown without brackets in the usage line (the command checks it) */
} cli_optdef;

/* Options that may be given several times (testnet init --sub NAME:N ...); every other
 * option given twice is a usage error. NULL-terminated. */
extern const char *const cli_repeatable_opts[];

typedef struct cli_cmd {
    const char *noun;
    const char *verb;       /* one or more words ("rules set"); "" for a noun used alone */
    const char *args;       /* positional arguments as the usage line shows them */
    int min_args, max_args; /* positional arguments; max_args may be CLI_ARGS_ANY */
    bool writes;            /* submits a ledger transaction: accepts --dry-run */
    const char *summary;
    const cli_optdef *opts; /* ends with an entry whose name is NULL; NULL: no options */
} cli_cmd;

typedef struct cli_noun {
    const char *name;
    cli_main_fn fn; /* argv[0] is the noun */
    const char *summary;
    const char *about; /* explanation shown by the noun's --help and the man page; may be NULL */
} cli_noun;

/* A global option (taken out of argv by cli_main.c wherever it stands). */
typedef struct cli_global {
    const char *name; /* "--home DIR" */
    const char *help;
} cli_global;

/* A process exit status and when the CLI uses it. */
typedef struct cli_exit {
    int code;
    const char *text;
} cli_exit;

extern const cli_global cli_globals[];
extern const size_t cli_globals_n;
/* The money rule (specs/money.md), printed by folio --help, the help of every command that
 * takes money, and the man page. */
extern const char cli_money_rule[];
extern const cli_exit cli_exits[];
extern const size_t cli_exits_n;
extern const cli_noun cli_nouns[];
extern const size_t cli_nouns_n;
extern const cli_cmd cli_cmds[];
extern const size_t cli_cmds_n;

/* Checks argv (argv[0] = the noun) against the table, answers --help from it, and calls
 * the noun's entry point if the line is valid. Returns the process exit code; a refused
 * line is CLI_USAGE with a precise message (and a "did you mean" when one is close). */
int cli_cmds_dispatch(cli_ctx *ctx, int argc, char **argv);

/* The top-level help: nouns, global options, exit codes. */
void cli_cmds_usage(FILE *out);
/* The full help of one command (usage line, summary, options, the noun's explanation). */
void cli_cmds_help(FILE *out, const cli_cmd *c);
/* "folio asset holders ISIN [--limit N] [--after CURSOR]" into buf (truncated to len). */
void cli_cmds_usage_line(char *buf, size_t len, const cli_cmd *c);
/* The noun of that name, or NULL. */
const cli_noun *cli_cmds_noun(const char *name);

/* Edit distance (optimal string alignment: insert, delete, substitute, swap two neighbours)
 * between a and b, case-insensitive; SIZE_MAX if either is longer than CLI_SUGGEST_LEN_MAX. */
size_t cli_edit_distance(const char *a, const char *b);
/* The candidate closest to word if it is close enough to be a likely typo, else NULL. */
const char *cli_suggest(const char *word, const char *const *cands, size_t n);

/* Checks and normalises in place the value v of an option or positional argument whose
 * placeholder in the table is ph (cli_values.c): ISINs and currency codes upper-cased, enum
 * values ("a|b|c") and roles in any case rewritten to the listed spelling; a wrong ISIN
 * check digit, an unknown currency, enum value or role refused (CLI_USAGE, with the digit
 * it should be or a "did you mean"). `what` names the value in the message ("--isin").
 * Other values are left to the command. */
int cli_value_check(cli_ctx *ctx, const char *what, const char *ph, char *v);

/* Entry points of the nouns. */
int cli_init_main(cli_ctx *ctx, int argc, char **argv);
int cli_node_main(cli_ctx *ctx, int argc, char **argv);
int cli_keys_main(cli_ctx *ctx, int argc, char **argv);
int cli_client_main(cli_ctx *ctx, int argc, char **argv);
int cli_participant_main(cli_ctx *ctx, int argc, char **argv);
int cli_asset_main(cli_ctx *ctx, int argc, char **argv);
int cli_transfer_main(cli_ctx *ctx, int argc, char **argv);
int cli_account_main(cli_ctx *ctx, int argc, char **argv);
int cli_tx_main(cli_ctx *ctx, int argc, char **argv);
int cli_block_main(cli_ctx *ctx, int argc, char **argv);
int cli_chain_main(cli_ctx *ctx, int argc, char **argv);
int cli_errors_main(cli_ctx *ctx, int argc, char **argv);
int cli_investor_main(cli_ctx *ctx, int argc, char **argv);
int cli_control_main(cli_ctx *ctx, int argc, char **argv);
int cli_action_main(cli_ctx *ctx, int argc, char **argv);
int cli_dev_main(cli_ctx *ctx, int argc, char **argv);
int cli_trade_main(cli_ctx *ctx, int argc, char **argv);
int cli_cycle_main(cli_ctx *ctx, int argc, char **argv);
int cli_settle_main(cli_ctx *ctx, int argc, char **argv);
int cli_contract_main(cli_ctx *ctx, int argc, char **argv);
int cli_testnet_main(cli_ctx *ctx, int argc, char **argv);
int cli_tls_main(cli_ctx *ctx, int argc, char **argv);
int cli_evm_main(cli_ctx *ctx, int argc, char **argv);
int cli_lsm_main(cli_ctx *ctx, int argc, char **argv);
int cli_evidence_main(cli_ctx *ctx, int argc, char **argv);
int cli_proof_main(cli_ctx *ctx, int argc, char **argv);
int cli_chains_main(cli_ctx *ctx, int argc, char **argv);
int cli_gov_main(cli_ctx *ctx, int argc, char **argv);
int cli_commands_main(cli_ctx *ctx, int argc, char **argv);
int cli_completion_main(cli_ctx *ctx, int argc, char **argv);
int cli_man_main(cli_ctx *ctx, int argc, char **argv);

/* folio --version: the release and the chain-protocol versions (cli_doc.c). */
int cli_version(cli_ctx *ctx);

#endif
