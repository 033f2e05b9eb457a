/* folio dev: not built yet. */
#include "cli.h"

int cli_dev_main(cli_ctx *ctx, int argc, char **argv)
{
    cli_fail(ctx, "UNAVAILABLE", "'folio dev' is not built yet");
    return CLI_USAGE;
}
