/* folio testnet: not built yet. */
#include "cli.h"

int cli_testnet_main(cli_ctx *ctx, int argc, char **argv)
{
    cli_fail(ctx, "UNAVAILABLE", "'folio testnet' is not built yet");
    return CLI_USAGE;
}
