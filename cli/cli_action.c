/* folio action: not built yet. */
#include "cli.h"

int cli_action_main(cli_ctx *ctx, int argc, char **argv)
{
    cli_fail(ctx, "UNAVAILABLE", "'folio action' is not built yet");
    return CLI_USAGE;
}
