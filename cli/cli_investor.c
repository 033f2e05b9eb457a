/* folio investor: not built yet. */
#include "cli.h"

int cli_investor_main(cli_ctx *ctx, int argc, char **argv)
{
    cli_fail(ctx, "UNAVAILABLE", "'folio investor' is not built yet");
    return CLI_USAGE;
}
