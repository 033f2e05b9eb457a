/* folio settle: not built yet. */
#include "cli.h"

int cli_settle_main(cli_ctx *ctx, int argc, char **argv)
{
    cli_fail(ctx, "UNAVAILABLE", "'folio settle' is not built yet");
    return CLI_USAGE;
}
