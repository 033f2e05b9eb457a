/* folio: the command line. `folio NOUN VERB [args] [--home DIR] [--as KEY] [--json]
 * [--dry-run]`. Global options may stand anywhere; they are taken out, then the line is
 * checked against the command table (cli_cmds.c) and the noun's entry point runs. */
#include "cli.h"
#include "cli_cmds.h"

#include <stdlib.h>
#include <string.h>

/* Takes the global options out of argv into ctx; the rest (program name first) into rest.
 * Returns the count of rest, or -1 after printing the error. */
static int strip_globals(cli_ctx *ctx, int argc, char **argv, char **rest)
{
    int n = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (i > 0 && !strcmp(a, "--json")) {
            ctx->json = true;
        } else if (i > 0 && !strcmp(a, "--dry-run")) {
            ctx->dry_run = true;
        } else if (i > 0 && !strcmp(a, "--no-check")) {
            ctx->no_check = true;
        } else if (i > 0 && (!strcmp(a, "--home") || !strcmp(a, "--as"))) {
            if (i + 1 >= argc || !*argv[i + 1]) {
                cli_fail(ctx, "USAGE", "%s needs a value", a);
                return -1;
            }
            if (!strcmp(a, "--home"))
                ctx->home_arg = argv[++i];
            else
                ctx->as = argv[++i];
        } else if (i > 0 && !strncmp(a, "--home=", 7)) {
            ctx->home_arg = a + 7;
        } else if (i > 0 && !strncmp(a, "--as=", 5)) {
            ctx->as = a + 5;
        } else {
            rest[n++] = argv[i];
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    cli_ctx ctx = {0};
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest)
        return 1;
    int n = strip_globals(&ctx, argc, argv, rest);
    if (n < 0) {
        free(rest);
        return CLI_USAGE;
    }
    if (n == 2 && !strcmp(rest[1], "--version")) {
        free(rest);
        return cli_version(&ctx);
    }
    if (n < 2 || !strcmp(rest[1], "--help") || !strcmp(rest[1], "-h") || !strcmp(rest[1], "help")) {
        cli_cmds_usage(n < 2 ? stderr : stdout);
        free(rest);
        return n < 2 ? CLI_USAGE : CLI_OK;
    }
    if (!net_home_resolve(ctx.home, ctx.home_arg)) {
        cli_fail(&ctx, "USAGE", "the node home's absolute path is longer than %d bytes",
                 NET_PATH_MAX - 1);
        free(rest);
        return CLI_USAGE;
    }
    int rc = cli_cmds_dispatch(&ctx, n - 1, rest + 1);
    net_client_close(ctx.client);
    free(rest);
    return rc == CLI_DRY_RUN ? CLI_OK : rc;
}
