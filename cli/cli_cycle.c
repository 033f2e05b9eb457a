/* folio cycle: not built yet. */
#include "cli.h"

int cli_cycle_main(cli_ctx *ctx, int argc, char **argv)
{
    cli_fail(ctx, "UNAVAILABLE", "'folio cycle' is not built yet");
    return CLI_USAGE;
}
