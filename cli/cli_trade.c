/* folio trade: not built yet. */
#include "cli.h"

int cli_trade_main(cli_ctx *ctx, int argc, char **argv)
{
    cli_fail(ctx, "UNAVAILABLE", "'folio trade' is not built yet");
    return CLI_USAGE;
}
