/* folio tls ca|issue|show|revoke: the consortium's certificates (specs/consortium.md). */
#include "cli.h"
#include "net_tls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(void)
{
    printf("usage: folio tls ca --dir DIR\n"
           "       folio tls issue --ca-dir DIR --role validator|observer|participant --name NAME\n"
           "                       --out DIR [--host HOST]\n"
           "       folio tls show CERT\n"
           "       folio tls revoke CERT [--home HOME]\n\n"
           "ca writes DIR/ca.crt and DIR/ca.key (the consortium CA; keep the key offline).\n"
           "issue writes OUT/node.crt, OUT/node.key and OUT/ca.crt: a certificate naming the\n"
           "node, valid %d days: a validator's NAME is its validator key (64 hex digits,\n"
           "HOME/keys/validator.pub), an observer's its node name, a participant's its account\n"
           "(40 hex digits: a client certificate for the HTTP API, specs/http.md section 5).\n"
           "show prints a certificate's role, name and SHA-256 fingerprint.\n"
           "revoke adds the certificate's fingerprint to HOME/tls/revoked: the node refuses\n"
           "every new connection that presents it.\n",
           NET_TLS_CERT_DAYS);
}

static bool name_ok(const char *role, const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > NET_TLS_NAME_MAX)
        return false;
    bool validator = !strcmp(role, NET_TLS_ROLE_VALIDATOR);
    bool participant = !strcmp(role, NET_TLS_ROLE_PARTICIPANT);
    for (const char *c = name; *c; c++) {
        bool hex = (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f');
        if (validator || participant ? !hex : !net_key_name_ok((char[2]){*c, 0}))
            return false;
    }
    if (validator)
        return n == 2 * LDG_PUBKEY_LEN;
    return !participant || n == 2 * LDG_ACCOUNT_LEN;
}

static int tls_ca(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const valued[] = {"--dir", NULL};
    if (!cli_check_opts(ctx, argc, argv, valued, NULL))
        return CLI_USAGE;
    const char *dir = cli_opt(argc, argv, "--dir");
    if (!dir) {
        cli_fail(ctx, "USAGE", "--dir DIR is required");
        return CLI_USAGE;
    }
    char crt[NET_PATH_MAX], key[NET_PATH_MAX], err[512];
    snprintf(crt, sizeof crt, "%s/ca.crt", dir);
    snprintf(key, sizeof key, "%s/ca.key", dir);
    if ((mkdir(dir, 0700) != 0 && errno != EEXIST) || access(key, F_OK) == 0) {
        cli_fail(ctx, "INIT_FAILED", "%s cannot be created or already holds a CA", dir);
        return CLI_REJECTED;
    }
    if (net_tls_make_ca(crt, key, "folio consortium CA", err, sizeof err) != LDG_OK) {
        cli_fail(ctx, "INIT_FAILED", "%s", err);
        return CLI_REJECTED;
    }
    printf("consortium CA in %s (ca.crt to every member; ca.key stays offline)\n", dir);
    return CLI_OK;
}

static int tls_issue(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const valued[] = {"--ca-dir", "--role", "--name", "--out", "--host", NULL};
    if (!cli_check_opts(ctx, argc, argv, valued, NULL))
        return CLI_USAGE;
    const char *ca = cli_opt(argc, argv, "--ca-dir"), *role = cli_opt(argc, argv, "--role");
    const char *name = cli_opt(argc, argv, "--name"), *out = cli_opt(argc, argv, "--out");
    const char *host = cli_opt(argc, argv, "--host");
    if (!ca || !role || !name || !out) {
        cli_fail(ctx, "USAGE", "--ca-dir, --role, --name and --out are required");
        return CLI_USAGE;
    }
    if (strcmp(role, NET_TLS_ROLE_VALIDATOR) && strcmp(role, NET_TLS_ROLE_OBSERVER) &&
        strcmp(role, NET_TLS_ROLE_PARTICIPANT)) {
        cli_fail(ctx, "USAGE", "--role is validator, observer or participant");
        return CLI_USAGE;
    }
    if (!name_ok(role, name)) {
        cli_fail(ctx, "USAGE",
                 "--name: a validator's is its validator key (64 lower-case hex digits), a "
                 "participant's its account (40), an observer's 1 to %d letters, digits, "
                 "'-', '_' or '.'",
                 NET_TLS_NAME_MAX);
        return CLI_USAGE;
    }
    char p[4][NET_PATH_MAX], err[512];
    snprintf(p[0], sizeof p[0], "%s/ca.crt", ca);
    snprintf(p[1], sizeof p[1], "%s/ca.key", ca);
    snprintf(p[2], sizeof p[2], "%s/node.crt", out);
    snprintf(p[3], sizeof p[3], "%s/node.key", out);
    if (mkdir(out, 0700) != 0 && errno != EEXIST) {
        cli_fail(ctx, "INIT_FAILED", "cannot create %s: %s", out, strerror(errno));
        return CLI_REJECTED;
    }
    if (net_tls_make_cert(p[0], p[1], p[2], p[3], role, name, host ? host : "127.0.0.1", err,
                          sizeof err) != LDG_OK) {
        cli_fail(ctx, "INIT_FAILED", "%s", err);
        return CLI_REJECTED;
    }
    printf("%s certificate for %s in %s (valid %d days)\n", role, name, p[2], NET_TLS_CERT_DAYS);
    return CLI_OK;
}

static int cert_arg(cli_ctx *ctx, int argc, char **argv, const char **cert, uint8_t fp[32],
                    char *role, char *cn)
{
    static const char *const none[] = {NULL};
    if (!cli_check_opts(ctx, argc, argv, none, NULL) ||
        !cli_check_positionals(ctx, argc, argv, none, 1))
        return CLI_USAGE;
    *cert = cli_pos(argc, argv, 0, none);
    if (!*cert) {
        cli_fail(ctx, "USAGE", "a certificate file (PEM) is required");
        return CLI_USAGE;
    }
    if (net_tls_cert_info(*cert, fp, role, cn) != LDG_OK) {
        cli_fail(ctx, "BAD_CERT", "%s is not a readable PEM certificate", *cert);
        return CLI_REJECTED;
    }
    return CLI_OK;
}

static int tls_show(cli_ctx *ctx, int argc, char **argv, bool revoke)
{
    const char *cert;
    uint8_t fp[32];
    char role[NET_TLS_NAME_MAX + 1], cn[NET_TLS_NAME_MAX + 1], hex[65];
    int rc = cert_arg(ctx, argc, argv, &cert, fp, role, cn);
    if (rc != CLI_OK)
        return rc;
    ldg_hex_encode(hex, fp, 32);
    if (revoke) {
        char dir[NET_PATH_MAX], path[NET_PATH_MAX];
        net_home_path(dir, ctx->home, "tls");
        net_home_path(path, ctx->home, "tls/revoked");
        int fd = -1;
        if ((mkdir(dir, 0700) == 0 || errno == EEXIST) &&
            (fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644)) >= 0) {
            char line[160];
            int n = snprintf(line, sizeof line, "%s %s/%s\n", hex, role[0] ? role : "-",
                             cn[0] ? cn : "-");
            bool ok = write(fd, line, (size_t)n) == n && fsync(fd) == 0;
            ok = close(fd) == 0 && ok;
            fd = ok ? 0 : -1;
        }
        if (fd < 0) {
            cli_fail(ctx, "IO", "cannot append to %s: %s", path, strerror(errno));
            return CLI_LOCAL;
        }
    }
    if (ctx->json) {
        json_t *j = json_pack("{s:s,s:s,s:s,s:b}", "role", role, "name", cn, "fingerprint", hex,
                              "revoked", revoke);
        cli_print_json(j);
        json_decref(j);
    } else {
        printf("%s%s %s  sha256 %s\n", revoke ? "revoked: " : "", role[0] ? role : "(no role)",
               cn[0] ? cn : "(no name)", hex);
    }
    return CLI_OK;
}

int cli_tls_main(cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    if (!verb || cli_wants_help(argc, argv)) {
        usage();
        return verb ? CLI_OK : CLI_USAGE;
    }
    if (!strcmp(verb, "ca"))
        return tls_ca(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "issue"))
        return tls_issue(ctx, argc - 1, argv + 1);
    if (!strcmp(verb, "show"))
        return tls_show(ctx, argc - 1, argv + 1, false);
    if (!strcmp(verb, "revoke"))
        return tls_show(ctx, argc - 1, argv + 1, true);
    cli_fail(ctx, "USAGE", "unknown verb 'tls %s' (ca, issue, show, revoke)", verb);
    return CLI_USAGE;
}
