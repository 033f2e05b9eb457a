/* folio keys new|list|show|import|export|delete; passphrases of sealed keys. */
#include "cli.h"
#include "net_file.h"
#include "net_keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void keys_usage(void)
{
    printf("usage: folio keys new NAME [--encrypt]\n"
           "       folio keys list\n"
           "       folio keys show NAME [--secret]\n"
           "       folio keys import NAME FILE|- [--encrypt]\n"
           "       folio keys export NAME [--out FILE] [--encrypt]\n"
           "       folio keys delete NAME --yes\n\n"
           "Keys are secp256k1 (BIP-340) keys in HOME/keys, secret files mode 0600, in the\n"
           "clear or, with --encrypt, sealed under a passphrase (scrypt and AES-256-GCM;\n"
           "specs/home.md). The passphrase is asked on the terminal, or taken from\n"
           "FOLIO_PASSPHRASE (scripts). The secret is printed only with 'show --secret'.\n"
           "import    takes a key file (64 hex digits, or a sealed key) from FILE or stdin;\n"
           "          a sealed key stays sealed under its passphrase.\n"
           "export    writes the key file as it is (sealed or not; --encrypt seals a clear\n"
           "          one) to FILE (never over an existing file) or stdout.\n"
           "delete    removes the key's files: what it signs for is lost unless exported.\n");
}

/* Reads one line from fd with echo off: the passphrase without its newline. */
static bool read_hidden(int fd, const char *prompt, char *out)
{
    struct termios old, quiet;
    bool tty = tcgetattr(fd, &old) == 0;
    if (tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    ssize_t w = write(fd, prompt, strlen(prompt));
    (void)w;
    size_t n = 0;
    bool ok = true;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || c == '\n')
            break;
        if (n >= NET_PASSPHRASE_MAX || c == '\0')
            ok = false;
        else
            out[n++] = c;
    }
    out[n] = '\0';
    if (tty)
        tcsetattr(fd, TCSAFLUSH, &old);
    w = write(fd, "\n", 1);
    return ok && n > 0;
}

int cli_passphrase(cli_ctx *ctx, const char *prompt, bool confirm, char *out)
{
    const char *env = getenv("FOLIO_PASSPHRASE");
    if (env) {
        size_t n = strlen(env);
        if (n == 0 || n > NET_PASSPHRASE_MAX || strchr(env, '\n')) {
            cli_fail(ctx, "USAGE", "FOLIO_PASSPHRASE must be 1 to %d bytes on one line",
                     NET_PASSPHRASE_MAX);
            return CLI_USAGE;
        }
        memcpy(out, env, n + 1);
        return CLI_OK;
    }
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        cli_fail(ctx, "NO_PASSPHRASE",
                 "a passphrase is needed (%.*s) and there is no terminal to ask it on: set "
                 "FOLIO_PASSPHRASE",
                 (int)strcspn(prompt, ":"), prompt);
        return CLI_USAGE;
    }
    char again[NET_PASSPHRASE_MAX + 1];
    bool ok = read_hidden(fd, prompt, out);
    if (ok && confirm) {
        ok = read_hidden(fd, "again: ", again) && strcmp(out, again) == 0;
        explicit_bzero(again, sizeof again);
    }
    close(fd);
    if (!ok) {
        explicit_bzero(out, NET_PASSPHRASE_MAX + 1);
        cli_fail(ctx, "BAD_PASSPHRASE",
                 confirm ? "the passphrases were empty, too long or not the same"
                         : "the passphrase was empty or longer than %d bytes",
                 NET_PASSPHRASE_MAX);
        return CLI_USAGE;
    }
    return CLI_OK;
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
    bool sealed = net_key_encrypted(ctx->home, name);
    if (arr)
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:b}", "name", name, "account", ah,
                                             "pubkey", ph, "encrypted", sealed));
    if (t)
        cli_table_row(t, (const char *const[]){name, ah, sealed ? "yes" : "no", ph});
    return CLI_OK;
}

/* Loads a key for its secret, asking for the passphrase of a sealed one. */
static int load_secret(cli_ctx *ctx, const char *name, ldg_keypair *kp)
{
    const char *as = ctx->as;
    ctx->as = name;
    int rc = cli_signer(ctx, kp);
    ctx->as = as;
    return rc;
}

static int show_key(cli_ctx *ctx, const char *verb, const char *name, bool secret)
{
    json_t *arr = json_array();
    if (key_row(ctx, name, arr, NULL) != CLI_OK) {
        json_decref(arr);
        cli_fail(ctx, "NOT_FOUND", "no key named '%s' in %s/keys", name, ctx->home);
        return CLI_REJECTED;
    }
    json_t *k = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    if (secret) {
        ldg_keypair kp;
        int rc = load_secret(ctx, name, &kp);
        if (rc != CLI_OK) {
            json_decref(k);
            return rc;
        }
        char sh[65];
        ldg_hex_encode(sh, kp.secret, LDG_SECKEY_LEN);
        json_object_set_new(k, "secret", json_string(sh));
        explicit_bzero(sh, sizeof sh);
        explicit_bzero(&kp, sizeof kp);
    }
    if (ctx->json) {
        cli_print_json(k);
    } else {
        printf("%s %s\n  account    %s\n  pubkey     %s\n  encrypted  %s\n", verb, name,
               json_string_value(json_object_get(k, "account")),
               json_string_value(json_object_get(k, "pubkey")),
               json_is_true(json_object_get(k, "encrypted")) ? "yes" : "no");
        if (json_object_get(k, "secret"))
            printf("  secret     %s\n", json_string_value(json_object_get(k, "secret")));
    }
    json_decref(k);
    return CLI_OK;
}

static int save_key(cli_ctx *ctx, const char *name, const ldg_keypair *kp, const char *pass)
{
    char err[NET_PATH_MAX + 256];
    ldg_err e = net_key_save(ctx->home, name, kp, pass, err, sizeof err);
    if (e == LDG_ERR_EXISTS) {
        cli_fail(ctx, "EXISTS", "a key named '%s' already exists in %s/keys", name, ctx->home);
        return CLI_REJECTED;
    }
    if (e != LDG_OK) {
        cli_fail(ctx, "IO", "cannot save key '%s': %s", name, err);
        return CLI_LOCAL;
    }
    return CLI_OK;
}

static int keys_new(cli_ctx *ctx, const char *name, bool encrypt)
{
    ldg_keypair kp;
    char pass[NET_PASSPHRASE_MAX + 1];
    if (encrypt) {
        int rc = cli_passphrase(ctx, "passphrase for the new key: ", true, pass);
        if (rc != CLI_OK)
            return rc;
    }
    if (ldg_keypair_generate(&kp) != LDG_OK) {
        cli_fail(ctx, "CRYPTO", "cannot generate a key");
        return CLI_UNAVAILABLE;
    }
    int rc = save_key(ctx, name, &kp, encrypt ? pass : NULL);
    explicit_bzero(&kp, sizeof kp);
    explicit_bzero(pass, sizeof pass);
    return rc != CLI_OK ? rc : show_key(ctx, "created key", name, false);
}

/* Reads FILE (or stdin for "-"): at most NET_KEY_FILE_MAX bytes. */
static int read_key_text(cli_ctx *ctx, const char *file, uint8_t *buf, size_t *len)
{
    int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
    if (fd < 0) {
        cli_fail(ctx, "IO", "cannot read %s: %s", file, strerror(errno));
        return CLI_LOCAL;
    }
    size_t n = 0;
    ssize_t r;
    while (n <= NET_KEY_FILE_MAX && (r = read(fd, buf + n, NET_KEY_FILE_MAX + 1 - n)) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        n += (size_t)r;
    }
    if (fd != STDIN_FILENO)
        close(fd);
    if (n > NET_KEY_FILE_MAX) {
        cli_fail(ctx, "BAD_KEY", "%s is not a key file (longer than %d bytes)", file,
                 NET_KEY_FILE_MAX);
        return CLI_USAGE;
    }
    *len = n;
    return CLI_OK;
}

static int keys_import(cli_ctx *ctx, const char *name, const char *file, bool encrypt)
{
    uint8_t text[NET_KEY_FILE_MAX + 1], secret[32];
    size_t len;
    char pass[NET_PASSPHRASE_MAX + 1] = "";
    int rc = read_key_text(ctx, file, text, &len);
    if (rc != CLI_OK)
        return rc;
    bool sealed = net_keyfile_sealed(text, len);
    ldg_err e = net_keyfile_open(text, len, NULL, secret);
    if (e == LDG_ERR_DENIED) {
        rc = cli_passphrase(ctx, "passphrase of the key to import: ", false, pass);
        if (rc == CLI_OK)
            e = net_keyfile_open(text, len, pass, secret);
    } else if (e == LDG_OK && encrypt) {
        rc = cli_passphrase(ctx, "passphrase for the imported key: ", true, pass);
    }
    explicit_bzero(text, sizeof text);
    ldg_keypair kp;
    if (rc == CLI_OK && e == LDG_ERR_CRYPTO) {
        cli_fail(ctx, "BAD_PASSPHRASE", "wrong passphrase for %s (or the file was altered)", file);
        rc = CLI_USAGE;
    } else if (rc == CLI_OK && (e != LDG_OK || ldg_keypair_from_secret(&kp, secret) != LDG_OK)) {
        cli_fail(ctx, "BAD_KEY",
                 "%s is not a key file: 64 hex digits of a secret key, or a sealed key "
                 "(specs/home.md)",
                 file);
        rc = CLI_USAGE;
    } else if (rc == CLI_OK) {
        rc = save_key(ctx, name, &kp, sealed || encrypt ? pass : NULL);
        explicit_bzero(&kp, sizeof kp);
    }
    explicit_bzero(secret, sizeof secret);
    explicit_bzero(pass, sizeof pass);
    return rc != CLI_OK ? rc : show_key(ctx, "imported key", name, false);
}

static int keys_export(cli_ctx *ctx, const char *name, const char *out, bool encrypt)
{
    uint8_t *text;
    size_t len;
    if (net_key_file_read(ctx->home, name, &text, &len) != LDG_OK) {
        cli_fail(ctx, "NOT_FOUND", "no key named '%s' in %s/keys", name, ctx->home);
        return CLI_REJECTED;
    }
    char sealed[NET_KEY_FILE_MAX];
    int rc = CLI_OK;
    if (encrypt && !net_keyfile_sealed(text, len)) {
        ldg_keypair kp;
        char pass[NET_PASSPHRASE_MAX + 1];
        rc = load_secret(ctx, name, &kp);
        if (rc == CLI_OK)
            rc = cli_passphrase(ctx, "passphrase for the exported key: ", true, pass);
        if (rc == CLI_OK && net_keyfile_seal(sealed, sizeof sealed, kp.secret, pass) != LDG_OK) {
            cli_fail(ctx, "CRYPTO", "cannot encrypt the key");
            rc = CLI_UNAVAILABLE;
        }
        explicit_bzero(&kp, sizeof kp);
        explicit_bzero(pass, sizeof pass);
        explicit_bzero(text, len);
        free(text);
        if (rc != CLI_OK)
            return rc;
        text = (uint8_t *)strdup(sealed);
        LDG_ASSERT(text);
        len = strlen(sealed);
    }
    if (out) {
        char err[NET_PATH_MAX + 256];
        ldg_err e = net_file_write(out, text, len, 0600, NET_FILE_CREATE, err, sizeof err);
        if (e != LDG_OK) {
            cli_fail(ctx, e == LDG_ERR_EXISTS ? "EXISTS" : "IO", "%s", err);
            rc = e == LDG_ERR_EXISTS ? CLI_REJECTED : CLI_UNAVAILABLE;
        } else if (!ctx->json) {
            printf("exported key %s to %s (mode 0600)\n", name, out);
        } else {
            json_t *j = json_pack("{s:s,s:s}", "name", name, "file", out);
            cli_print_json(j);
            json_decref(j);
        }
    } else {
        fwrite(text, 1, len, stdout);
    }
    explicit_bzero(text, len);
    free(text);
    return rc;
}

static int keys_delete(cli_ctx *ctx, const char *name, bool yes)
{
    ldg_pubkey pub;
    if (net_key_load_pub(ctx->home, name, &pub) != LDG_OK) {
        cli_fail(ctx, "NOT_FOUND", "no key named '%s' in %s/keys", name, ctx->home);
        return CLI_REJECTED;
    }
    if (cli_load_config(ctx) == CLI_OK && !net_config_client_home(&ctx->cfg) &&
        !strcmp(name, ctx->cfg.validator_key)) {
        cli_fail(ctx, "IN_USE",
                 "'%s' is this node's validator key ([node] validator_key); it "
                 "is not deleted",
                 name);
        return CLI_REJECTED;
    }
    if (!yes) {
        cli_fail(ctx, "USAGE",
                 "deleting key '%s' cannot be undone (export it first with 'folio keys export "
                 "%s --out FILE'); add --yes to delete it",
                 name, name);
        return CLI_USAGE;
    }
    char err[NET_PATH_MAX + 256];
    if (net_key_delete(ctx->home, name, err, sizeof err) != LDG_OK) {
        cli_fail(ctx, "IO", "%s", err);
        return CLI_LOCAL;
    }
    if (ctx->json)
        printf("{\"deleted\": \"%s\"}\n", name);
    else
        printf("deleted key %s\n", name);
    return CLI_OK;
}

static int keys_list(cli_ctx *ctx)
{
    static char names[1024][NET_KEY_NAME_MAX + 1];
    size_t n = net_key_list(ctx->home, names, 1024);
    json_t *arr = json_array();
    cli_table *t =
        cli_table_new(4, (const char *const[]){"NAME", "ACCOUNT", "ENCRYPTED", "PUBKEY"});
    for (size_t i = 0; i < n; i++)
        key_row(ctx, names[i], arr, t);
    if (ctx->json) {
        json_t *j = json_pack("{s:o,s:n}", "keys", arr, "next"); /* a list (rpc.md §2.2) */
        cli_print_json(j);
        json_decref(j);
    } else {
        if (n == 0)
            printf("no keys in %s/keys\n", ctx->home);
        else
            cli_table_print(t, stdout);
        json_decref(arr);
    }
    cli_table_free(t);
    return CLI_OK;
}

int cli_keys_main(cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    if (!verb || cli_wants_help(argc, argv)) {
        keys_usage();
        return verb ? CLI_OK : CLI_USAGE;
    }
    static const char *const valued[] = {"--out", NULL};
    static const char *const flags[] = {"--secret", "--encrypt", "--yes", NULL};
    if (!cli_check_opts(ctx, argc - 1, argv + 1, valued, flags))
        return CLI_USAGE;
    const char *name = cli_pos(argc - 1, argv + 1, 0, valued);
    const char *file = cli_pos(argc - 1, argv + 1, 1, valued);
    int max = !strcmp(verb, "list") ? 0 : !strcmp(verb, "import") ? 2 : 1;
    if (!cli_check_positionals(ctx, argc - 1, argv + 1, valued, max))
        return CLI_USAGE;
    bool encrypt = cli_flag(argc, argv, "--encrypt");
    if (!strcmp(verb, "list"))
        return keys_list(ctx);
    static const char *const known[] = {"new", "show", "import", "export", "delete", NULL};
    bool ok = false;
    for (const char *const *k = known; *k; k++)
        ok |= !strcmp(verb, *k);
    if (!ok) {
        cli_fail(ctx, "USAGE", "unknown verb 'keys %s' (new, list, show, import, export, delete)",
                 verb);
        return CLI_USAGE;
    }
    if (!name || !net_key_name_ok(name)) {
        cli_fail(ctx, "USAGE", "keys %s needs a NAME of letters, digits, '-', '_' or '.'", verb);
        return CLI_USAGE;
    }
    if (!strcmp(verb, "new"))
        return keys_new(ctx, name, encrypt);
    if (!strcmp(verb, "show"))
        return show_key(ctx, "key", name, cli_flag(argc, argv, "--secret"));
    if (!strcmp(verb, "import")) {
        if (!file) {
            cli_fail(ctx, "USAGE", "usage: folio keys import NAME FILE|- [--encrypt]");
            return CLI_USAGE;
        }
        return keys_import(ctx, name, file, encrypt);
    }
    if (!strcmp(verb, "export"))
        return keys_export(ctx, name, cli_opt(argc, argv, "--out"), encrypt);
    return keys_delete(ctx, name, cli_flag(argc, argv, "--yes"));
}
