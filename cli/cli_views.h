/* The views of each role (specs/rpc.md §3.15): each takes argv from its verb
 * on (argv[0] = the verb), already checked against the command table (cli_cmds.c). */
#ifndef CLI_VIEWS_H
#define CLI_VIEWS_H

#include "cli.h"

/* account history ACCOUNT [--isin ID] [--from DATE] [--to DATE] [paging] */
int cli_account_history(cli_ctx *ctx, int argc, char **argv);
/* account statement ACCOUNT --at DATE|--height H [--csv] [paging] */
int cli_account_statement(cli_ctx *ctx, int argc, char **argv);
/* control list [--isin ID] [--account ACCOUNT] [paging] */
int cli_control_list(cli_ctx *ctx, int argc, char **argv);
/* investor list [--kyc-expiring-before DATE] [--category C] [--risk-class Cn] [paging] */
int cli_investor_list(cli_ctx *ctx, int argc, char **argv);

#endif
