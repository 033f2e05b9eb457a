/* folio client init --node URL: a broker's workstation (specs/home.md §5). */
#include "cli.h"

#include <string.h>

static void client_usage(void)
{
    printf("usage: folio client init --node URL [--as KEY] [--home DIR]\n"
           "       (the same: folio init --join URL)\n\n"
           "Creates a client home: a config.ini that points at the node at URL\n"
           "(tcp://HOST:PORT or ipc:///path/node.sock) with the chain id and genesis hash\n"
           "the node reports, and an empty keys/. It has no validator key and runs no node:\n"
           "every command in it talks to that node, and refuses a node whose genesis is\n"
           "not the one recorded here. --as KEY makes KEY the home's default signer\n"
           "([client] as in config.ini; FOLIO_AS and --as override it). Then create or\n"
           "import your key: folio keys new KEY, or folio keys import KEY FILE.\n");
}

static bool url_ok(const char *u)
{
    size_t n = strlen(u);
    if (n >= NET_PATH_MAX - 1)
        return false;
    for (const char *p = u; *p; p++)
        if ((unsigned char)*p < 0x21 || *p == 0x7f)
            return false;
    return (!strncmp(u, "tcp://", 6) && n > 6) || (!strncmp(u, "ipc:///", 7) && n > 7);
}

/* The node's chain id and genesis hash (status), checked: a node's reply is input too. */
static int node_identity(cli_ctx *ctx, const char *url, char *chain_id, char *genesis)
{
    snprintf(ctx->cfg.rpc_url, sizeof ctx->cfg.rpc_url, "%s", url);
    ctx->cfg_loaded = true; /* cli_connect uses this url; nothing else is read */
    int rc;
    json_t *st = cli_query(ctx, "status", NULL, &rc);
    if (!st)
        return rc;
    const char *id = json_string_value(json_object_get(st, "chain_id"));
    const char *gh = json_string_value(json_object_get(st, "genesis_hash"));
    uint8_t b[LDG_HASH_LEN];
    bool ok = id && gh && strlen(id) >= 1 && strlen(id) <= LDG_CHAIN_ID_LEN_MAX &&
              net_key_name_ok(id) && strlen(gh) == 2 * LDG_HASH_LEN &&
              ldg_hex_decode(b, LDG_HASH_LEN, gh) == 0;
    if (ok) {
        snprintf(chain_id, LDG_CHAIN_ID_LEN_MAX + 1, "%s", id);
        snprintf(genesis, 2 * LDG_HASH_LEN + 1, "%s", gh);
    }
    json_decref(st);
    if (!ok) {
        cli_fail(ctx, "PROTOCOL", "the node at %s did not give a valid chain id and genesis hash",
                 url);
        return CLI_UNAVAILABLE;
    }
    return CLI_OK;
}

int cli_client_init(cli_ctx *ctx, const char *url)
{
    if (!url_ok(url)) {
        cli_fail(ctx, "USAGE",
                 "--node takes the node's RPC address: tcp://HOST:PORT or ipc:///path/node.sock");
        return CLI_USAGE;
    }
    if (ctx->as && !net_key_name_ok(ctx->as)) {
        cli_fail(ctx, "USAGE", "--as takes a key name: letters, digits, '-', '_' or '.'");
        return CLI_USAGE;
    }
    char chain_id[LDG_CHAIN_ID_LEN_MAX + 1], genesis[2 * LDG_HASH_LEN + 1];
    int rc = node_identity(ctx, url, chain_id, genesis);
    if (rc != CLI_OK)
        return rc;
    char err[NET_PATH_MAX + 512];
    if (net_client_home_init(ctx->home, url, chain_id, genesis, ctx->as, err, sizeof err) !=
        LDG_OK) {
        cli_fail(ctx, "INIT_FAILED", "%s", err);
        return CLI_REJECTED;
    }
    if (ctx->json) {
        json_t *j =
            json_pack("{s:s,s:s,s:s,s:s,s:o}", "home", ctx->home, "node", url, "chain_id", chain_id,
                      "genesis_hash", genesis, "as", ctx->as ? json_string(ctx->as) : json_null());
        cli_print_json(j);
        json_decref(j);
    } else {
        printf("initialised client home %s\n  node          %s\n  chain id      %s\n"
               "  genesis hash  %s\n  signer        %s\n"
               "no validator key: this home runs no node.\n"
               "next: folio keys new KEY (or folio keys import KEY FILE) --home %s\n",
               ctx->home, url, chain_id, genesis,
               ctx->as ? ctx->as : "none yet ([client] as in config.ini, or FOLIO_AS)", ctx->home);
    }
    return CLI_OK;
}

int cli_client_main(cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    if (!verb || cli_wants_help(argc, argv)) {
        client_usage();
        return verb ? CLI_OK : CLI_USAGE;
    }
    if (strcmp(verb, "init") != 0) {
        cli_fail(ctx, "USAGE", "unknown verb 'client %s' (init)", verb);
        return CLI_USAGE;
    }
    static const char *const valued[] = {"--node", NULL};
    if (!cli_check_opts(ctx, argc - 1, argv + 1, valued, NULL) ||
        !cli_check_positionals(ctx, argc - 1, argv + 1, valued, 0))
        return CLI_USAGE;
    const char *url = cli_opt(argc, argv, "--node");
    if (!url) {
        cli_fail(ctx, "USAGE", "usage: folio client init --node URL");
        return CLI_USAGE;
    }
    return cli_client_init(ctx, url);
}
