/* folio contract: not built yet. */
#include "cli.h"

int cli_contract_main(cli_ctx *ctx, int argc, char **argv)
{
    cli_fail(ctx, "UNAVAILABLE", "'folio contract' is not built yet");
    return CLI_USAGE;
}
