/* folio evm: placeholder until the evm subcommand lands. */
#include "cli.h"

int cli_evm_main(cli_ctx *ctx, int argc, char **argv)
{
    cli_fail(ctx, "UNAVAILABLE", "'folio evm' is not built yet");
    return 2;
}
