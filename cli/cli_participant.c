/* folio participant register|list|show */
#include "cli.h"
#include "ldg_exec.h"

#include <string.h>

static void usage(void)
{
    printf("usage: folio participant register NAME --role ROLE[,ROLE...] --key KEYNAME|PUBKEY\n"
           "       folio participant list [--limit N] [--after NAME]\n"
           "       folio participant show NAME|ACCOUNT\n\n"
           "roles: registrar, issuer, broker, ccp, clearing, settlement-bank, regulator,\n"
           "       investor, deployer, validator\n"
           "Only a registrar may register (sign with --as, default operator).\n");
}

static int do_register(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--role", "--key", NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, NULL) ||
        !cli_check_positionals(ctx, argc, argv, opts, 1))
        return CLI_USAGE;
    const char *name = cli_pos(argc, argv, 0, opts);
    const char *roles_s = cli_opt(argc, argv, "--role");
    const char *key = cli_opt(argc, argv, "--key");
    if (!name || !roles_s || !key) {
        cli_fail(ctx, "USAGE", "participant register needs NAME, --role and --key");
        return CLI_USAGE;
    }
    if (strlen(name) > LDG_NAME_LEN_MAX) {
        cli_fail(ctx, "USAGE", "the name is longer than %d characters", LDG_NAME_LEN_MAX);
        return CLI_USAGE;
    }
    char bad[64];
    uint32_t roles = ldg_roles_parse(roles_s, bad, sizeof bad);
    if (!roles) {
        cli_fail(ctx, "BAD_ROLE", "unknown role '%s' (see folio participant --help)", bad);
        return CLI_USAGE;
    }
    ldg_pubkey pub;
    if (strlen(key) == 64 && ldg_hex_decode(pub.b, LDG_PUBKEY_LEN, key) == 0) {
        /* a public key given directly */
    } else if (!net_key_name_ok(key) || net_key_load_pub(ctx->home, key, &pub) != LDG_OK) {
        cli_fail(ctx, "NO_KEY", "'%s' is neither a key in %s/keys nor a 64-hex public key", key,
                 ctx->home);
        return CLI_USAGE;
    }
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 3);
    ldg_enc_str(&p, name);
    ldg_enc_u64(&p, roles);
    ldg_enc_bin(&p, pub.b, LDG_PUBKEY_LEN);
    char what[128];
    snprintf(what, sizeof what, "register %s", name);
    int rc = cli_submit(ctx, LDG_TX_PARTICIPANT_REGISTER, &p, what, NULL);
    ldg_enc_free(&p);
    return rc;
}

static int do_list(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--limit", "--after", NULL};
    cli_page page;
    if (!cli_check_opts(ctx, argc, argv, opts, NULL) ||
        !cli_check_positionals(ctx, argc, argv, opts, 0) || !cli_page_parse(ctx, argc, argv, &page))
        return CLI_USAGE;
    int rc;
    json_t *j = cli_list_query(ctx, "participants", NULL, &page, &rc);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
    } else {
        cli_table *t = cli_table_new(4, (const char *const[]){"NAME", "ACCOUNT", "ROLES", "SINCE"});
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(j, "participants"), i, p)
        {
            char since[32], roles[256];
            snprintf(since, sizeof since, "block %lld",
                     (long long)json_integer_value(json_object_get(p, "registered_height")));
            cli_table_row(t, (const char *const[]){
                                 json_string_value(json_object_get(p, "name")),
                                 json_string_value(json_object_get(p, "account")),
                                 cli_roles_text(json_object_get(p, "roles"), roles, sizeof roles),
                                 since});
        }
        cli_table_print(t, stdout);
        cli_table_free(t);
    }
    cli_page_more(ctx, j, "participant list", &page);
    json_decref(j);
    return CLI_OK;
}

int cli_participant_main(cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    if (!verb || cli_wants_help(argc, argv)) {
        usage();
        return verb ? CLI_OK : CLI_USAGE;
    }
    if (!strcmp(verb, "register"))
        return do_register(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "list"))
        return do_list(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "show")) {
        if (argc < 3) {
            cli_fail(ctx, "USAGE", "participant show needs a NAME or ACCOUNT");
            return CLI_USAGE;
        }
        /* a name, a key of this home or 40 hex; a typo gets a "did you mean" */
        ldg_account a;
        char hex[LDG_ACCOUNT_HEX_LEN];
        int rc = cli_resolve_account(ctx, argv[2], &a);
        if (rc != CLI_OK)
            return rc;
        ldg_account_hex(hex, &a);
        json_t *j = cli_query(ctx, "participant", hex, &rc);
        if (!j)
            return rc;
        char roles[256];
        if (ctx->json)
            cli_print_json(j);
        else
            printf("%s\n  account  %s\n  roles    %s\n  pubkey   %s\n  since    block %lld\n",
                   json_string_value(json_object_get(j, "name")),
                   json_string_value(json_object_get(j, "account")),
                   cli_roles_text(json_object_get(j, "roles"), roles, sizeof roles),
                   json_string_value(json_object_get(j, "pubkey")),
                   (long long)json_integer_value(json_object_get(j, "registered_height")));
        json_decref(j);
        return CLI_OK;
    }
    cli_fail(ctx, "USAGE", "unknown verb 'participant %s' (register, list, show)", verb);
    return CLI_USAGE;
}
