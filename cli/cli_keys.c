/* folio keys new|list|show */
#include "cli.h"

#include <string.h>

static void keys_usage(void)
{
    printf("usage: folio keys new NAME\n"
           "       folio keys list\n"
           "       folio keys show NAME [--secret]\n\n"
           "Keys are secp256k1 (BIP-340) keys in HOME/keys, secret files mode 0600.\n"
           "The secret is printed only with 'show --secret'.\n");
}

static int key_row(cli_ctx *ctx, const char *name, json_t *arr, cli_table *t)
{
    ldg_pubkey pub;
    if (net_key_load_pub(ctx->home, name, &pub) != LDG_OK)
        return CLI_REJECTED;
    ldg_account a;
    ldg_account_of(&a, &pub);
    char ph[65], ah[LDG_ACCOUNT_HEX_LEN];
    ldg_hex_encode(ph, pub.b, LDG_PUBKEY_LEN);
    ldg_account_hex(ah, &a);
    if (arr)
        json_array_append_new(
            arr, json_pack("{s:s,s:s,s:s}", "name", name, "account", ah, "pubkey", ph));
    if (t)
        cli_table_row(t, (const char *const[]){name, ah, ph});
    return CLI_OK;
}

int cli_keys_main(cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    if (!verb || cli_wants_help(argc, argv)) {
        keys_usage();
        return verb ? CLI_OK : CLI_USAGE;
    }
    const char *name = argc > 2 ? argv[2] : NULL;
    if (!strcmp(verb, "new")) {
        if (!name || !net_key_name_ok(name)) {
            cli_fail(ctx, "USAGE", "keys new needs a NAME of letters, digits, '-', '_' or '.'");
            return CLI_USAGE;
        }
        ldg_keypair kp;
        ldg_err err = net_key_create(ctx->home, name, &kp);
        explicit_bzero(&kp, sizeof kp);
        if (err == LDG_ERR_EXISTS) {
            cli_fail(ctx, "EXISTS", "a key named '%s' already exists", name);
            return CLI_REJECTED;
        }
        if (err != LDG_OK) {
            cli_fail(ctx, "IO", "cannot create key '%s' in %s/keys: %s", name, ctx->home,
                     ldg_err_str(err));
            return CLI_UNAVAILABLE;
        }
    }
    if (!strcmp(verb, "new") || !strcmp(verb, "show")) {
        if (!name) {
            cli_fail(ctx, "USAGE", "keys show needs a NAME");
            return CLI_USAGE;
        }
        json_t *arr = json_array();
        if (key_row(ctx, name, arr, NULL) != CLI_OK) {
            json_decref(arr);
            cli_fail(ctx, "NOT_FOUND", "no key named '%s' in %s/keys", name, ctx->home);
            return CLI_REJECTED;
        }
        json_t *k = json_incref(json_array_get(arr, 0));
        json_decref(arr);
        if (!strcmp(verb, "show") && cli_flag(argc, argv, "--secret")) {
            ldg_keypair kp;
            if (net_key_load(ctx->home, name, &kp) == LDG_OK) {
                char sh[65];
                ldg_hex_encode(sh, kp.secret, LDG_SECKEY_LEN);
                json_object_set_new(k, "secret", json_string(sh));
                explicit_bzero(sh, sizeof sh);
                explicit_bzero(&kp, sizeof kp);
            }
        }
        if (ctx->json) {
            cli_print_json(k);
        } else {
            printf("%s %s\n  account  %s\n  pubkey   %s\n",
                   !strcmp(verb, "new") ? "created key" : "key", name,
                   json_string_value(json_object_get(k, "account")),
                   json_string_value(json_object_get(k, "pubkey")));
            if (json_object_get(k, "secret"))
                printf("  secret   %s\n", json_string_value(json_object_get(k, "secret")));
        }
        json_decref(k);
        return CLI_OK;
    }
    if (!strcmp(verb, "list")) {
        static char names[1024][NET_KEY_NAME_MAX + 1];
        size_t n = net_key_list(ctx->home, names, 1024);
        json_t *arr = json_array();
        cli_table *t = cli_table_new(3, (const char *const[]){"NAME", "ACCOUNT", "PUBKEY"});
        for (size_t i = 0; i < n; i++)
            key_row(ctx, names[i], arr, t);
        if (ctx->json) {
            json_t *j = json_pack("{s:o}", "keys", arr);
            cli_print_json(j);
            json_decref(j);
        } else {
            cli_table_print(t, stdout);
            json_decref(arr);
        }
        cli_table_free(t);
        return CLI_OK;
    }
    cli_fail(ctx, "USAGE", "unknown verb 'keys %s' (new, list, show)", verb);
    return CLI_USAGE;
}
