/* folio control: not built yet. */
#include "cli.h"

int cli_control_main(cli_ctx *ctx, int argc, char **argv)
{
    cli_fail(ctx, "UNAVAILABLE", "'folio control' is not built yet");
    return CLI_USAGE;
}
