/* folio testnet init: a local multi-validator network (homes, CA, keys, genesis, configs). */
#include "cli.h"
#include "chn_limits.h"
#include "net_testnet.h"

#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    printf("usage: folio testnet init --validators N --dir DIR [--observers K]\n"
           "                          [--spares S] [--base-port PORT] [--chain-id ID] [--no-tls]\n"
           "       folio testnet init --main M --sub NAME:N [--sub NAME:N ...] --dir DIR\n"
           "                          [--period MS] [--base-port PORT] [--chain-id ID]\n\n"
           "Writes DIR/ca (the consortium CA) and DIR/node0 .. node{N+K-1}: each a node home\n"
           "with a TLS certificate and key signed by the CA, a validator key (keys/validator),\n"
           "an operator key, one shared genesis naming the N validators (node0's operator is\n"
           "the registrar) and a config.ini pointing at the other nodes on 127.0.0.1.\n"
           "Node i listens on PORT+10i .. PORT+10i+3 (p2p) and PORT+10i+9 (RPC).\n"
           "--spares S adds S validator homes after the observers, not in the genesis set,\n"
           "for validators a validator-set proposal adds later (specs/governance.md §6.9).\n"
           "Start each with: folio node start --detach --home DIR/nodeI\n\n"
           "With --main and --sub: a consortium of M members. DIR/nodeI is member I's home:\n"
           "the main chain's node home, hosting sub-chain NAME in DIR/nodeI/chains/NAME for\n"
           "I < N ([host] chains); one `folio node start` runs them all in one process, and\n"
           "it relays its sub-chains' checkpoints to the main chain. DIR/consortium.ini names\n"
           "the chains and carries each sub-chain's chain.create payload for the committee's\n"
           "proposal (specs/chains.md §9).\n");
}

/* --sub NAME:N, each occurrence. */
static bool parse_subs(cli_ctx *ctx, int argc, char **argv, net_testnet_sub *subs, uint32_t *n)
{
    *n = 0;
    for (int i = 2; i < argc; i++) {
        const char *v = NULL;
        if (!strcmp(argv[i], "--sub") && i + 1 < argc)
            v = argv[++i];
        else if (!strncmp(argv[i], "--sub=", 6))
            v = argv[i] + 6;
        if (!v)
            continue;
        const char *colon = strchr(v, ':');
        uint64_t nv;
        size_t nl = colon ? (size_t)(colon - v) : 0;
        if (*n >= NET_HOST_CHAINS_MAX) {
            cli_fail(ctx, "USAGE", "at most %d --sub", NET_HOST_CHAINS_MAX);
            return false;
        }
        if (!colon || nl == 0 || nl >= sizeof subs[0].name ||
            !cli_parse_u64(colon + 1, NET_CONS_VALIDATORS_MAX, &nv) || nv == 0) {
            cli_fail(ctx, "USAGE", "--sub takes NAME:N (a sub-chain id and 1..%d validators)",
                     NET_CONS_VALIDATORS_MAX);
            return false;
        }
        memcpy(subs[*n].name, v, nl);
        subs[*n].name[nl] = '\0';
        subs[*n].validators = (uint32_t)nv;
        (*n)++;
    }
    return true;
}

static int say_consortium(cli_ctx *ctx, const char *abs, const net_testnet_opts *o)
{
    int m = (int)o->validators;
    if (ctx->json) {
        json_t *subs = json_array();
        for (uint32_t i = 0; i < o->sub_count; i++)
            json_array_append_new(subs, json_pack("{s:s,s:I}", "name", o->subs[i].name,
                                                  "validators", (json_int_t)o->subs[i].validators));
        json_t *j = json_pack("{s:s,s:I,s:o,s:s}", "dir", abs, "members", (json_int_t)m, "subs",
                              subs, "consortium", "consortium.ini");
        cli_print_json(j);
        json_decref(j);
        return CLI_OK;
    }
    printf("consortium of %d members in %s: main chain and %u sub-chains (%s)\n", m, abs,
           o->sub_count, o->tls ? "TLS with consortium CA in ca/" : "no TLS");
    for (int i = 0; i < m; i++) {
        printf("  node%-3d main rpc tcp://127.0.0.1:%d", i, o->base_port + 10 * i + 9);
        for (uint32_t s = 0; s < o->sub_count; s++)
            if ((uint32_t)i < o->subs[s].validators)
                printf("  %s rpc :%d", o->subs[s].name,
                       o->base_port + 10 * (int)((uint32_t)m * (s + 1) + (uint32_t)i) + 9);
        printf("\n");
    }
    printf("start each member (all its chains, one process): folio node start --detach --home "
           "%s/nodeI\nregister the sub-chains: the committee's chain.create proposals, "
           "payloads in %s/consortium.ini\n",
           abs, abs);
    return CLI_OK;
}

int cli_testnet_main(cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    if (!verb || cli_wants_help(argc, argv)) {
        usage();
        return verb ? CLI_OK : CLI_USAGE;
    }
    if (strcmp(verb, "init") != 0) {
        cli_fail(ctx, "USAGE", "unknown verb 'testnet %s' (init)", verb);
        return CLI_USAGE;
    }
    static const char *const valued[] = {"--validators", "--dir",    "--observers", "--base-port",
                                         "--chain-id",   "--spares", "--main",      "--sub",
                                         "--period",     NULL};
    static const char *const flags[] = {"--no-tls", NULL};
    if (!cli_check_opts(ctx, argc - 1, argv + 1, valued, flags))
        return CLI_USAGE;
    uint64_t nv = 4, no = 0, port = 26600;
    const char *s = cli_opt(argc, argv, "--validators");
    const char *dir = cli_opt(argc, argv, "--dir");
    net_testnet_sub subs[NET_HOST_CHAINS_MAX];
    uint32_t nsub = 0;
    uint64_t period = 0; /* chain.create's 0: the governed chains.anchor_period_ms */
    if (!parse_subs(ctx, argc, argv, subs, &nsub))
        return CLI_USAGE;
    const char *ms = cli_opt(argc, argv, "--main");
    if (ms && s) {
        cli_fail(ctx, "USAGE", "--main M is the consortium's --validators: give one of them");
        return CLI_USAGE;
    }
    if (nsub && !ms) {
        cli_fail(ctx, "USAGE", "--sub needs --main M (the consortium's members)");
        return CLI_USAGE;
    }
    if (ms)
        s = ms;
    if ((ms = cli_opt(argc, argv, "--period")) && !cli_parse_u64(ms, CHN_PERIOD_MAX_MS, &period)) {
        cli_fail(ctx, "USAGE", "--period takes milliseconds");
        return CLI_USAGE;
    }
    if ((s && !cli_parse_u64(s, NET_CONS_VALIDATORS_MAX, &nv)) || nv < 2) {
        cli_fail(ctx, "USAGE", "--validators must be 2..%d", NET_CONS_VALIDATORS_MAX);
        return CLI_USAGE;
    }
    if ((s = cli_opt(argc, argv, "--observers")) && !cli_parse_u64(s, 16, &no)) {
        cli_fail(ctx, "USAGE", "--observers must be 0..16");
        return CLI_USAGE;
    }
    uint64_t ns = 0;
    if ((s = cli_opt(argc, argv, "--spares")) && !cli_parse_u64(s, 16, &ns)) {
        cli_fail(ctx, "USAGE", "--spares must be 0..16");
        return CLI_USAGE;
    }
    if ((s = cli_opt(argc, argv, "--base-port")) && !cli_parse_u64(s, 65000, &port)) {
        cli_fail(ctx, "USAGE", "--base-port must be a port number");
        return CLI_USAGE;
    }
    if (!dir) {
        cli_fail(ctx, "USAGE", "--dir DIR is required");
        return CLI_USAGE;
    }
    const char *chain_id = cli_opt(argc, argv, "--chain-id");
    if (chain_id && (strlen(chain_id) == 0 || strlen(chain_id) > LDG_CHAIN_ID_LEN_MAX ||
                     !net_key_name_ok(chain_id))) {
        cli_fail(ctx, "USAGE", "--chain-id must be 1 to %d letters, digits, '-', '_' or '.'",
                 LDG_CHAIN_ID_LEN_MAX);
        return CLI_USAGE;
    }
    char abs[NET_PATH_MAX];
    if (!net_home_resolve(abs, dir)) {
        cli_fail(ctx, "USAGE", "the testnet directory's absolute path is longer than %d bytes",
                 NET_PATH_MAX - 1);
        return CLI_USAGE;
    }
    net_testnet_opts o = {.dir = abs,
                          .validators = (uint32_t)nv,
                          .observers = (uint32_t)no,
                          .spares = (uint32_t)ns,
                          .base_port = (int)port,
                          .chain_id = chain_id,
                          .tls = !cli_flag(argc, argv, "--no-tls"),
                          .subs = subs,
                          .sub_count = nsub,
                          .period_ms = period};
    char err[512];
    if (net_testnet_init(&o, err, sizeof err) != LDG_OK) {
        cli_fail(ctx, "INIT_FAILED", "%s", err);
        return CLI_REJECTED;
    }
    if (nsub)
        return say_consortium(ctx, abs, &o);
    if (ctx->json) {
        json_t *homes = json_array();
        for (uint64_t i = 0; i < nv + no + ns; i++) {
            char h[NET_PATH_MAX];
            /* net_testnet_init made these directories, so the path fits */
            int w = snprintf(h, sizeof h, "%s/node%llu", abs, (unsigned long long)i);
            LDG_ASSERT(w > 0 && (size_t)w < sizeof h);
            json_array_append_new(homes, json_string(h));
        }
        json_t *j = json_pack("{s:s,s:I,s:I,s:o,s:b}", "dir", abs, "validators", (json_int_t)nv,
                              "observers", (json_int_t)no, "homes", homes, "tls", o.tls);
        cli_print_json(j);
        json_decref(j);
    } else {
        printf("testnet of %llu validators%s in %s (%s)\n", (unsigned long long)nv,
               no ? " and observers" : "", abs, o.tls ? "TLS with consortium CA in ca/" : "no TLS");
        for (uint64_t i = 0; i < nv + no; i++)
            printf("  node%-3llu p2p 127.0.0.1:%llu  rpc tcp://127.0.0.1:%llu%s\n",
                   (unsigned long long)i, (unsigned long long)(port + 10 * i),
                   (unsigned long long)(port + 10 * i + 9), i < nv ? "" : "  (observer)");
        printf("start each: folio node start --detach --home %s/nodeI\n", abs);
    }
    return CLI_OK;
}
