/* folio lsm: placeholder until the lsm subcommand lands. */
#include "cli.h"

int cli_lsm_main(cli_ctx *ctx, int argc, char **argv)
{
    cli_fail(ctx, "UNAVAILABLE", "'folio lsm' is not built yet");
    return 2;
}
