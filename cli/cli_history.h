/* Past state from the CLI: --height and --record-date (cli_history.c). */
#ifndef CLI_HISTORY_H
#define CLI_HISTORY_H

#include "cli.h"

/* When a read is about: set false for the latest state. */
typedef struct cli_when {
    bool set;
    uint64_t height;
    char date[16]; /* the date it was named by, "" for --height */
} cli_when;

/* Reads --height H or --record-date DATE (at most one); a date is resolved to
 * the last block before the next midnight UTC through the node. Prints errors. */
int cli_history_parse(cli_ctx *ctx, int argc, char **argv, cli_when *when);
/* cli_list_query with the height argument when `when` is set (rpc.md §3.9, §3.10). */
json_t *cli_history_list(cli_ctx *ctx, const char *method, const char *fixed, const cli_page *p,
                         const cli_when *when, int *exit_code);
/* "as of ..." line for a table's heading (nothing for the latest state). */
void cli_history_title(const cli_when *when);

#endif
