/* folio: the command line. `folio NOUN VERB [args] [--home DIR] [--as KEY] [--json]`.
 * Global options may stand anywhere; they are taken out before the noun dispatches. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

int cli_init_main(cli_ctx *ctx, int argc, char **argv);
int cli_node_main(cli_ctx *ctx, int argc, char **argv);
int cli_keys_main(cli_ctx *ctx, int argc, char **argv);
int cli_participant_main(cli_ctx *ctx, int argc, char **argv);
int cli_asset_main(cli_ctx *ctx, int argc, char **argv);
int cli_transfer_main(cli_ctx *ctx, int argc, char **argv);
int cli_account_main(cli_ctx *ctx, int argc, char **argv);
int cli_tx_main(cli_ctx *ctx, int argc, char **argv);
int cli_block_main(cli_ctx *ctx, int argc, char **argv);
int cli_chain_main(cli_ctx *ctx, int argc, char **argv);
int cli_errors_main(cli_ctx *ctx, int argc, char **argv);
int cli_investor_main(cli_ctx *ctx, int argc, char **argv);
int cli_control_main(cli_ctx *ctx, int argc, char **argv);
int cli_action_main(cli_ctx *ctx, int argc, char **argv);
int cli_dev_main(cli_ctx *ctx, int argc, char **argv);
int cli_trade_main(cli_ctx *ctx, int argc, char **argv);
int cli_cycle_main(cli_ctx *ctx, int argc, char **argv);
int cli_settle_main(cli_ctx *ctx, int argc, char **argv);
int cli_contract_main(cli_ctx *ctx, int argc, char **argv);
int cli_testnet_main(cli_ctx *ctx, int argc, char **argv);
int cli_tls_main(cli_ctx *ctx, int argc, char **argv);
int cli_evm_main(cli_ctx *ctx, int argc, char **argv);
int cli_lsm_main(cli_ctx *ctx, int argc, char **argv);
int cli_proof_main(cli_ctx *ctx, int argc, char **argv);

static const struct {
    const char *noun;
    cli_main_fn fn;
    const char *help;
} nouns[] = {
    {"init", cli_init_main, "create a node home: config, operator key, genesis"},
    {"node", cli_node_main, "start, stop and inspect the node"},
    {"keys", cli_keys_main, "create and list signing keys"},
    {"participant", cli_participant_main, "register and list participants and their roles"},
    {"asset", cli_asset_main, "issue instruments; show them and their holders"},
    {"transfer", cli_transfer_main, "move an instrument from your account to another"},
    {"account", cli_account_main, "show an account's holdings"},
    {"tx", cli_tx_main, "show a transaction and its receipt"},
    {"block", cli_block_main, "show a block"},
    {"chain", cli_chain_main, "verify the chain from genesis"},
    {"errors", cli_errors_main, "list every result code with its meaning"},
    {"investor", cli_investor_main, "register investors and show their suitability profile"},
    {"control", cli_control_main, "regulator controls: freeze, unfreeze, force transfer, approve"},
    {"action", cli_action_main, "corporate actions: dividends, splits, coupons"},
    {"dev", cli_dev_main, "development-mode helpers (move block time)"},
    {"trade", cli_trade_main, "submit, affirm, cancel and list peer trades"},
    {"cycle", cli_cycle_main, "run netting cycles and report on them"},
    {"settle", cli_settle_main, "bilateral settlement instructions and the queue"},
    {"contract", cli_contract_main, "deploy, call and query contracts"},
    {"testnet", cli_testnet_main, "create a multi-validator test network"},
    {"tls", cli_tls_main, "consortium certificates: CA, issue, show, revoke"},
    {"evm", cli_evm_main, "run EVM bytecode and ethereum/tests state tests"},
    {"lsm", cli_lsm_main, "the liquidity-saving solver, offline"},
    {"proof", cli_proof_main, "prove a holding or any state key; verify a proof offline"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: folio NOUN VERB [ARGS] [--home DIR] [--as KEY] [--json]\n\n");
    for (size_t i = 0; i < sizeof nouns / sizeof nouns[0]; i++)
        fprintf(out, "  %-12s %s\n", nouns[i].noun, nouns[i].help);
    fprintf(out, "\nGlobal options (anywhere on the line):\n"
                 "  --home DIR   node home (default $FOLIO_HOME, else ~/.folio)\n"
                 "  --as KEY     sign with this key (default: operator)\n"
                 "  --json       machine-readable output\n"
                 "\nEvery command takes --help.\n");
}

int main(int argc, char **argv)
{
    cli_ctx ctx = {0};
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest)
        return 1;
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (i > 0 && !strcmp(argv[i], "--json")) {
            ctx.json = true;
        } else if (i > 0 && (!strcmp(argv[i], "--home") || !strcmp(argv[i], "--as"))) {
            if (i + 1 >= argc) {
                cli_fail(&ctx, "USAGE", "%s needs a value", argv[i]);
                free(rest);
                return 2;
            }
            if (!strcmp(argv[i], "--home"))
                ctx.home_arg = argv[++i];
            else
                ctx.as = argv[++i];
        } else if (i > 0 && !strncmp(argv[i], "--home=", 7)) {
            ctx.home_arg = argv[i] + 7;
        } else if (i > 0 && !strncmp(argv[i], "--as=", 5)) {
            ctx.as = argv[i] + 5;
        } else {
            rest[n++] = argv[i];
        }
    }
    if (n < 2 || !strcmp(rest[1], "--help") || !strcmp(rest[1], "-h") || !strcmp(rest[1], "help")) {
        usage(n < 2 ? stderr : stdout);
        free(rest);
        return n < 2 ? 2 : 0;
    }
    if (!net_home_resolve(ctx.home, ctx.home_arg)) {
        cli_fail(&ctx, "USAGE", "the node home's absolute path is longer than %d bytes",
                 NET_PATH_MAX - 1);
        free(rest);
        return 2;
    }
    for (size_t i = 0; i < sizeof nouns / sizeof nouns[0]; i++) {
        if (!strcmp(rest[1], nouns[i].noun)) {
            int rc = nouns[i].fn(&ctx, n - 1, rest + 1);
            net_client_close(ctx.client);
            free(rest);
            return rc;
        }
    }
    cli_fail(&ctx, "USAGE", "unknown command '%s' (see folio --help)", rest[1]);
    free(rest);
    return 2;
}
