#include "cli.h"
#include "cli_cmds.h"
#include "net_file.h"
#include "ast_date.h"
#include "ldg_tx.h"
#include "ldg_exec.h"
#include "ldg_limits.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void cli_fail(cli_ctx *ctx, const char *code, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "folio: %s\n", msg);
    if (ctx && ctx->json) {
        json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
        cli_print_json(j);
        json_decref(j);
    }
}

bool cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return true;
    return false;
}

const char *cli_opt(int argc, char **argv, const char *name)
{
    size_t n = strlen(name);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], name))
            return i + 1 < argc ? argv[i + 1] : "";
        if (!strncmp(argv[i], name, n) && argv[i][n] == '=')
            return argv[i] + n + 1;
    }
    return NULL;
}

bool cli_flag(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], name))
            return true;
    return false;
}

static bool is_valued(const char *arg, const char *const *valued)
{
    for (; valued && *valued; valued++)
        if (!strcmp(arg, *valued))
            return true;
    return false;
}

const char *cli_pos(int argc, char **argv, int want, const char *const *valued)
{
    int k = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] == '-') {
            if (!strchr(argv[i], '=') && is_valued(argv[i], valued))
                i++;
            continue;
        }
        if (k++ == want)
            return argv[i];
    }
    return NULL;
}

bool cli_check_positionals(cli_ctx *ctx, int argc, char **argv, const char *const *valued, int max)
{
    const char *extra = cli_pos(argc, argv, max, valued);
    if (extra) {
        cli_fail(ctx, "USAGE", "unexpected argument '%s' (see --help)", extra);
        return false;
    }
    return true;
}

bool cli_check_opts(cli_ctx *ctx, int argc, char **argv, const char *const *valued,
                    const char *const *flags)
{
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) != 0)
            continue;
        size_t n = strcspn(argv[i], "=");
        bool ok = false;
        for (const char *const *k = valued; k && *k; k++)
            if (strlen(*k) == n && !strncmp(*k, argv[i], n))
                ok = true;
        for (const char *const *k = flags; k && *k; k++)
            if (strlen(*k) == n && !strncmp(*k, argv[i], n))
                ok = true;
        if (!ok) {
            cli_fail(ctx, "USAGE", "unknown option '%.*s' (see --help)", (int)n, argv[i]);
            return false;
        }
        if (!strchr(argv[i], '=') && is_valued(argv[i], valued)) {
            if (i + 1 >= argc) {
                cli_fail(ctx, "USAGE", "option %s needs a value", argv[i]);
                return false;
            }
            i++;
        }
    }
    return true;
}

bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !*s || strlen(s) > 20)
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
            return false;
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

const char *cli_home_source(const cli_ctx *ctx)
{
    if (ctx->home_arg && *ctx->home_arg)
        return "--home";
    const char *env = getenv("FOLIO_HOME");
    return env && *env ? "FOLIO_HOME" : "default";
}

int cli_load_config(cli_ctx *ctx)
{
    if (ctx->cfg_loaded)
        return CLI_OK;
    char err[NET_PATH_MAX + 512];
    ldg_err e = net_config_load(ctx->home, &ctx->cfg, err, sizeof err);
    if (e == LDG_ERR_NOT_FOUND) {
        /* Never "create one here": the path may be a typo or the wrong folder. */
        const char *src = cli_home_source(ctx);
        cli_fail(ctx, "NO_HOME", "%s: %s", err,
                 !strcmp(src, "--home")       ? "check the --home you gave"
                 : !strcmp(src, "FOLIO_HOME") ? "it is the FOLIO_HOME of your environment; is "
                                                "FOLIO_HOME set to the home you mean?"
                                              : "it is the default home, as neither --home nor "
                                                "FOLIO_HOME names one; is FOLIO_HOME set?");
        return CLI_USAGE;
    }
    if (e != LDG_OK) {
        cli_fail(ctx, "NO_HOME", "%s", err);
        return CLI_USAGE;
    }
    ctx->cfg_loaded = true;
    return CLI_OK;
}

int cli_connect(cli_ctx *ctx)
{
    if (ctx->client)
        return CLI_OK;
    int rc = cli_load_config(ctx);
    if (rc != CLI_OK)
        return rc;
    char err[512];
    if (net_client_open(&ctx->client, ctx->cfg.rpc_url, 30000, err, sizeof err) != LDG_OK) {
        cli_fail(ctx, "UNAVAILABLE", "%s", err);
        return CLI_UNAVAILABLE;
    }
    return CLI_OK;
}

/* An error status the node replied that says it failed (its store, memory, a timeout):
 * exit 3. The others (not found, invalid, denied, too large...) refuse what was asked:
 * exit 1 (the exit codes of cli_cmds.c). */
static bool node_failed(int status)
{
    switch (status) {
    case LDG_ERR_NOMEM:
    case LDG_ERR_IO:
    case LDG_ERR_CORRUPT:
    case LDG_ERR_STOPPED:
    case LDG_ERR_TIMEOUT:
    case LDG_ERR_UNAVAILABLE:
    case LDG_ERR_DIVERGED:
        return true;
    default:
        return false;
    }
}

json_t *cli_call(cli_ctx *ctx, ldg_enc *req, int *exit_code)
{
    *exit_code = cli_connect(ctx);
    if (*exit_code != CLI_OK)
        return NULL;
    int status = 0;
    char *text = NULL;
    ldg_err err = net_client_call(ctx->client, req, &status, &text);
    if (err != LDG_OK) {
        cli_fail(ctx, "UNAVAILABLE", "the node did not answer: %s", ldg_err_str(err));
        *exit_code = CLI_UNAVAILABLE;
        return NULL;
    }
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    free(text);
    if (!j) {
        cli_fail(ctx, "PROTOCOL", "the node sent an unreadable reply: %s", jerr.text);
        *exit_code = CLI_UNAVAILABLE;
        return NULL;
    }
    if (status != 0) {
        const char *code = json_string_value(json_object_get(j, "error"));
        const char *msg = json_string_value(json_object_get(j, "message"));
        cli_fail(ctx, code ? code : "ERROR", "%s", msg ? msg : "request failed");
        json_decref(j);
        /* PRUNED (a past state no longer kept) is a refusal, like a missing one */
        *exit_code = node_failed(status) ? CLI_UNAVAILABLE : CLI_REJECTED;
        return NULL;
    }
    return j;
}

json_t *cli_query(cli_ctx *ctx, const char *method, const char *str_arg, int *exit_code)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, str_arg ? 2 : 1);
    ldg_enc_str(&e, method);
    if (str_arg)
        ldg_enc_str(&e, str_arg);
    json_t *j = cli_call(ctx, &e, exit_code);
    ldg_enc_free(&e);
    return j;
}

bool cli_page_parse(cli_ctx *ctx, int argc, char **argv, cli_page *out)
{
    const char *limit = cli_opt(argc, argv, "--limit");
    out->after = cli_opt(argc, argv, "--after");
    out->limit = 0;
    if (limit && (!cli_parse_u64(limit, LDG_QUERY_PAGE_MAX, &out->limit) || out->limit == 0)) {
        cli_fail(ctx, "USAGE", "--limit takes a whole number from 1 to %d", LDG_QUERY_PAGE_MAX);
        return false;
    }
    if (out->after && !*out->after) {
        cli_fail(ctx, "USAGE", "--after takes the cursor a previous page gave (its \"next\")");
        return false;
    }
    return true;
}

void cli_page_enc(ldg_enc *e, const cli_page *p)
{
    if (p->after)
        ldg_enc_str(e, p->after);
    else
        ldg_enc_nil(e);
    ldg_enc_u64(e, p->limit);
}

json_t *cli_list_query(cli_ctx *ctx, const char *method, const char *fixed, const cli_page *p,
                       int *exit_code)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, fixed ? 4 : 3);
    ldg_enc_str(&e, method);
    if (fixed)
        ldg_enc_str(&e, fixed);
    cli_page_enc(&e, p);
    json_t *j = cli_call(ctx, &e, exit_code);
    ldg_enc_free(&e);
    return j;
}

void cli_page_more(const cli_ctx *ctx, json_t *reply, const char *cmd, const cli_page *p)
{
    json_t *next = json_object_get(reply, "next");
    if (ctx->json || !next)
        return;
    char limit[32] = "";
    if (p->limit)
        snprintf(limit, sizeof limit, " --limit %llu", (unsigned long long)p->limit);
    if (json_is_integer(next))
        printf("more: folio %s --after %lld%s\n", cmd, (long long)json_integer_value(next), limit);
    else
        printf("more: folio %s --after '%s'%s\n", cmd, json_string_value(next), limit);
}

const char *cli_signer_name(cli_ctx *ctx, const char **why)
{
    const char *w = "--as", *name = ctx->as;
    const char *env = getenv("FOLIO_AS");
    if (!name && env && *env) {
        name = env;
        w = "FOLIO_AS";
    }
    if (!name && cli_load_config(ctx) == CLI_OK && ctx->cfg.client_as[0]) {
        name = ctx->cfg.client_as;
        w = "[client] as in config.ini";
    }
    if (!name) {
        name = "operator";
        w = "default";
    }
    if (why)
        *why = w;
    return name;
}

/* The keys of this home, for hints: "a, b, c" (or "none"). */
static void key_names(const char *home, char *out, size_t len)
{
    static char names[64][NET_KEY_NAME_MAX + 1];
    size_t n = net_key_list(home, names, 64), off = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && off < len; i++)
        off += (size_t)snprintf(out + off, len - off, "%s%s", i ? ", " : "", names[i]);
    if (n == 0)
        snprintf(out, len, "none");
}

int cli_signer(cli_ctx *ctx, ldg_keypair *kp)
{
    const char *why;
    const char *name = cli_signer_name(ctx, &why);
    if (!net_key_name_ok(name)) {
        cli_fail(ctx, "USAGE", "'%s' (%s) is not a key name: letters, digits, '-', '_', '.'", name,
                 why);
        return CLI_USAGE;
    }
    ldg_err err = net_key_load(ctx->home, name, kp);
    if (err == LDG_ERR_DENIED) {
        char prompt[NET_KEY_NAME_MAX + 64], pass[NET_PASSPHRASE_MAX + 1];
        snprintf(prompt, sizeof prompt, "passphrase of key '%s': ", name);
        int rc = cli_passphrase(ctx, prompt, false, pass);
        if (rc != CLI_OK)
            return rc;
        err = net_key_load_pass(ctx->home, name, pass, kp);
        explicit_bzero(pass, sizeof pass);
        if (err == LDG_ERR_CRYPTO) {
            cli_fail(ctx, "BAD_PASSPHRASE",
                     "wrong passphrase for key '%s' (or its file %s/keys/%s.key was altered)", name,
                     ctx->home, name);
            return CLI_USAGE;
        }
    }
    if (err == LDG_ERR_NOT_FOUND) {
        /* Never "create a key named NAME": NAME may be a typo, or the home the wrong one. */
        char have[1024];
        key_names(ctx->home, have, sizeof have);
        if (!strcmp(why, "default"))
            cli_fail(ctx, "NO_KEY",
                     "no signing key: --as not given, FOLIO_AS not set, no [client] as in "
                     "%s/config.ini, and no 'operator' key there; name one with --as KEY "
                     "(keys here: %s)",
                     ctx->home, have);
        else
            cli_fail(ctx, "NO_KEY", "no key named '%s' (%s) in %s/keys; keys here: %s%s", name, why,
                     ctx->home, have,
                     strcmp(cli_home_source(ctx), "FOLIO_HOME") ? ""
                                                                : " (the home is FOLIO_HOME's; "
                                                                  "is FOLIO_HOME set?)");
        return CLI_USAGE;
    }
    if (err != LDG_OK) {
        cli_fail(ctx, "NO_KEY", "cannot load key '%s' from %s/keys: %s", name, ctx->home,
                 ldg_err_str(err));
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cli_resolve_account(cli_ctx *ctx, const char *who, ldg_account *out)
{
    if (!who || !*who) {
        cli_fail(ctx, "USAGE", "an account is required (participant name, key name or 40-hex)");
        return CLI_USAGE;
    }
    if (strlen(who) == 2 * LDG_ACCOUNT_LEN && ldg_account_parse(out, who) == 0)
        return CLI_OK;
    int rc;
    if (strlen(who) <= LDG_NAME_LEN_MAX) {
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_enc_array(&e, 2);
        ldg_enc_str(&e, "participant");
        ldg_enc_str(&e, who);
        rc = cli_connect(ctx);
        if (rc != CLI_OK) {
            ldg_enc_free(&e);
            return rc;
        }
        int status = 0;
        char *text = NULL;
        if (net_client_call(ctx->client, &e, &status, &text) == LDG_OK && status == 0) {
            json_t *j = json_loads(text, 0, NULL);
            const char *hex = j ? json_string_value(json_object_get(j, "account")) : NULL;
            bool ok = hex && ldg_account_parse(out, hex) == 0;
            json_decref(j);
            free(text);
            ldg_enc_free(&e);
            if (ok)
                return CLI_OK;
        } else {
            free(text);
            ldg_enc_free(&e);
        }
    }
    ldg_pubkey pub;
    if (net_key_name_ok(who) && net_key_load_pub(ctx->home, who, &pub) == LDG_OK) {
        ldg_account_of(out, &pub);
        return CLI_OK;
    }
    char near[128];
    cli_fail(ctx, "UNKNOWN_ACCOUNT",
             "'%s' is not a registered participant, a key in this home, or a 40-hex account%s", who,
             cli_participant_hint(ctx, who, near, sizeof near));
    return CLI_REJECTED;
}

/* The names of the first page of participants (the node's largest page) into names. */
static size_t participant_names(cli_ctx *ctx, char (*names)[LDG_NAME_LEN_MAX + 1], size_t max)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_str(&e, "participants");
    int status = -1;
    char *text = NULL;
    json_t *j = NULL;
    if (cli_connect(ctx) == CLI_OK && net_client_call(ctx->client, &e, &status, &text) == LDG_OK &&
        status == 0)
        j = json_loads(text, 0, NULL);
    free(text);
    ldg_enc_free(&e);
    size_t n = 0, i;
    json_t *p;
    json_array_foreach(json_object_get(j, "participants"), i, p)
    {
        const char *name = json_string_value(json_object_get(p, "name"));
        if (name && n < max)
            snprintf(names[n++], LDG_NAME_LEN_MAX + 1, "%s", name);
    }
    json_decref(j);
    return n;
}

const char *cli_participant_hint(cli_ctx *ctx, const char *who, char *out, size_t len)
{
    out[0] = 0;
    if (strlen(who) > CLI_SUGGEST_LEN_MAX)
        return out;
    static char names[CLI_HINT_NAMES_MAX][LDG_NAME_LEN_MAX + 1];
    const char *ptrs[CLI_HINT_NAMES_MAX];
    size_t n = participant_names(ctx, names, CLI_HINT_NAMES_MAX - 64);
    char keys[64][NET_KEY_NAME_MAX + 1];
    size_t k = net_key_list(ctx->home, keys, 64);
    for (size_t i = 0; i < k && n < CLI_HINT_NAMES_MAX; i++)
        snprintf(names[n++], LDG_NAME_LEN_MAX + 1, "%.*s", LDG_NAME_LEN_MAX, keys[i]);
    for (size_t i = 0; i < n; i++)
        ptrs[i] = names[i];
    const char *s = cli_suggest(who, ptrs, n);
    if (s)
        snprintf(out, len, " (did you mean '%s'?)", s);
    return out;
}

void cli_print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s) {
        puts(s);
        free(s);
    }
}

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void print_receipt(cli_ctx *ctx, json_t *tx, const char *what)
{
    json_t *rc = json_object_get(tx, "receipt");
    int code = (int)json_integer_value(json_object_get(rc, "code"));
    const char *detail = json_string_value(json_object_get(rc, "detail"));
    if (ctx->json) {
        cli_print_json(tx);
        if (code != 0) /* the sentence always goes to stderr, --json or not */
            fprintf(stderr, "folio: %s rejected: %s (code %d): %s%s%s\n", what,
                    json_string_value(json_object_get(rc, "name")), code,
                    json_string_value(json_object_get(rc, "message")),
                    detail && *detail ? " — " : "", detail ? detail : "");
        return;
    }
    if (code == 0) {
        printf("%s: committed in block %lld (tx %s)\n", what,
               (long long)json_integer_value(json_object_get(tx, "height")),
               json_string_value(json_object_get(tx, "id")));
    } else {
        fprintf(stderr, "folio: %s rejected: %s (code %d): %s%s%s\n", what,
                json_string_value(json_object_get(rc, "name")), code,
                json_string_value(json_object_get(rc, "message")), detail && *detail ? " — " : "",
                detail ? detail : "");
        fprintf(stderr, "folio: the transaction %s is recorded in block %lld and changed nothing\n",
                json_string_value(json_object_get(tx, "id")),
                (long long)json_integer_value(json_object_get(tx, "height")));
    }
}

static int wait_commit(cli_ctx *ctx, const ldg_hash *id, json_t **out)
{
    uint64_t start = wall_ms();
    bool tty = isatty(STDERR_FILENO) && !ctx->json;
    for (int i = 0;; i++) {
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_enc_array(&e, 2);
        ldg_enc_str(&e, "tx");
        ldg_enc_bin(&e, id->b, LDG_HASH_LEN);
        int rc;
        json_t *j = cli_call(ctx, &e, &rc);
        ldg_enc_free(&e);
        if (!j)
            return rc;
        const char *st = json_string_value(json_object_get(j, "status"));
        /* in a block: "committed", or "rejected" when its receipt is a failure */
        if (st && strcmp(st, "pending")) {
            if (tty && i > 10)
                fprintf(stderr, "\r\033[K");
            *out = j;
            return CLI_OK;
        }
        json_decref(j);
        if (wall_ms() - start > CLI_COMMIT_WAIT_MS) {
            cli_fail(ctx, "TIMEOUT",
                     "the transaction is still pending after %d s; check it later "
                     "with 'folio tx show'",
                     CLI_COMMIT_WAIT_MS / 1000);
            return CLI_UNAVAILABLE;
        }
        if (tty && i == 10)
            fprintf(stderr, "waiting for the block...");
        usleep(i < 20 ? 5000 : 50000);
    }
}

/* The genesis hash a transaction signs (specs/transactions.md): the home's genesis.bin's;
 * the node's (status) must be the same, else the node runs another chain. A home without
 * genesis.bin takes the node's. */
static int chain_genesis(cli_ctx *ctx, const json_t *st, ldg_hash *out)
{
    const char *hex = json_string_value(json_object_get(st, "genesis_hash"));
    ldg_hash node;
    if (!hex || strlen(hex) != 2 * LDG_HASH_LEN || ldg_hex_decode(node.b, LDG_HASH_LEN, hex) != 0) {
        cli_fail(ctx, "UNAVAILABLE", "the node did not say which genesis its chain has");
        return CLI_UNAVAILABLE;
    }
    ldg_genesis *g = malloc(sizeof *g);
    LDG_ASSERT(g);
    ldg_err e = net_genesis_load(ctx->home, g);
    if (e == LDG_OK)
        ldg_genesis_hash(out, g);
    free(g);
    if (e == LDG_ERR_NOT_FOUND && ctx->cfg.client_genesis[0] &&
        ldg_hex_decode(out->b, LDG_HASH_LEN, ctx->cfg.client_genesis) == 0) {
        if (memcmp(out->b, node.b, LDG_HASH_LEN) != 0) {
            cli_fail(ctx, "WRONG_CHAIN",
                     "not signed: WRONG_CHAIN (code %d): %s: the node at %s runs the chain of "
                     "genesis %s, but this client home was made for genesis %s",
                     (int)LDG_R_WRONG_CHAIN, ldg_result_text(LDG_R_WRONG_CHAIN), ctx->cfg.rpc_url,
                     hex, ctx->cfg.client_genesis);
            return CLI_REJECTED;
        }
        return CLI_OK;
    }
    if (e == LDG_ERR_NOT_FOUND) {
        *out = node;
        return CLI_OK;
    }
    if (e != LDG_OK) {
        cli_fail(ctx, "IO", "cannot read %s/genesis.bin: %s", ctx->home, ldg_err_str(e));
        return CLI_LOCAL;
    }
    if (memcmp(out->b, node.b, LDG_HASH_LEN) != 0) {
        cli_fail(ctx, "WRONG_CHAIN",
                 "not signed: WRONG_CHAIN (code %d): %s: the node at %s runs another chain than "
                 "%s/genesis.bin describes (genesis %s)",
                 (int)LDG_R_WRONG_CHAIN, ldg_result_text(LDG_R_WRONG_CHAIN), ctx->cfg.rpc_url,
                 ctx->home, hex);
        return CLI_REJECTED;
    }
    return CLI_OK;
}

const char *cli_roles_text(const json_t *roles, char *out, size_t len)
{
    size_t i, off = 0;
    json_t *r;
    out[0] = '\0';
    json_array_foreach(roles, i, r)
    {
        if (json_is_string(r) && off < len)
            off += (size_t)snprintf(out + off, len - off, "%s%s", off ? "," : "",
                                    json_string_value(r));
    }
    return out;
}

/* The role names of a participant JSON ("roles": ["a", "b"]) contain one of need ("a,b"). */
static bool holds_role(json_t *roles, const char *need)
{
    char have[512] = ",";
    cli_roles_text(roles, have + 1, sizeof have - 2);
    strcat(have, ",");
    char want[256];
    snprintf(want, sizeof want, "%s", need);
    for (char *save = NULL, *t = strtok_r(want, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char pat[96];
        snprintf(pat, sizeof pat, ",%s,", t);
        if (strstr(have, pat))
            return true;
    }
    return false;
}

/* The keys of this home whose participants hold one of `roles` (or, roles NULL, that are
 * registered at all): "a, b", or "none". */
static void keys_with_role(cli_ctx *ctx, const char *roles, char *out, size_t len)
{
    static char names[64][NET_KEY_NAME_MAX + 1];
    size_t n = net_key_list(ctx->home, names, 64), off = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && off < len; i++) {
        ldg_pubkey pub;
        ldg_account a;
        char hex[LDG_ACCOUNT_HEX_LEN];
        if (net_key_load_pub(ctx->home, names[i], &pub) != LDG_OK)
            continue;
        ldg_account_of(&a, &pub);
        ldg_account_hex(hex, &a);
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_enc_array(&e, 2);
        ldg_enc_str(&e, "participant");
        ldg_enc_str(&e, hex);
        int status = -1;
        char *text = NULL;
        json_t *j = NULL;
        if (net_client_call(ctx->client, &e, &status, &text) == LDG_OK && status == 0)
            j = json_loads(text, 0, NULL);
        free(text);
        ldg_enc_free(&e);
        if (j && (!roles || holds_role(json_object_get(j, "roles"), roles)))
            off += (size_t)snprintf(out + off, len - off, "%s%s", off ? ", " : "", names[i]);
        json_decref(j);
    }
    if (!out[0])
        snprintf(out, len, "none");
}

/* What to do about a refusal the check found, when folio can tell (else ""). */
static void refusal_hint(cli_ctx *ctx, json_t *chk, const char *signer, char *out, size_t len)
{
    int code = (int)json_integer_value(json_object_get(chk, "code"));
    char roles_buf[256];
    const char *roles = cli_roles_text(json_object_get(chk, "roles"), roles_buf, sizeof roles_buf);
    char keys[1024];
    out[0] = '\0';
    if (code == LDG_R_UNAUTHORIZED && roles && *roles) {
        keys_with_role(ctx, roles, keys, sizeof keys);
        const char *first = strcmp(keys, "none") ? keys : NULL;
        char key1[NET_KEY_NAME_MAX + 1] = "KEY";
        if (first)
            snprintf(key1, sizeof key1, "%.*s", (int)strcspn(first, ","), first);
        snprintf(out, len,
                 "'%s' signed it; sign with a key that holds %s: --as %s; keys here with that "
                 "role: %s",
                 signer, roles, key1, keys);
    } else if (code == LDG_R_UNKNOWN_SENDER) {
        keys_with_role(ctx, NULL, keys, sizeof keys);
        snprintf(out, len,
                 "the key '%s' is not a registered participant on this chain; keys here that "
                 "are: %s",
                 signer, keys);
    }
}

/* Asks the node what wire would get. CLI_OK if it would commit (*chk the reply, to free);
 * else prints the refusal and what to do, and returns CLI_REJECTED. */
static int check_tx(cli_ctx *ctx, const uint8_t *wire, size_t len, const char *what,
                    const char *signer, json_t **chk)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "check");
    ldg_enc_bin(&e, wire, len);
    int rc;
    json_t *j = cli_call(ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!j)
        return rc;
    if (json_is_true(json_object_get(j, "allowed"))) {
        *chk = j;
        return CLI_OK;
    }
    const char *name = json_string_value(json_object_get(j, "name"));
    const char *detail = json_string_value(json_object_get(j, "detail"));
    char msg[2048], hint[1536];
    snprintf(msg, sizeof msg, "%s refused before submission: %s (code %lld): %s%s%s", what,
             name ? name : "?", (long long)json_integer_value(json_object_get(j, "code")),
             json_string_value(json_object_get(j, "message")), detail && *detail ? " — " : "",
             detail ? detail : "");
    refusal_hint(ctx, j, signer, hint, sizeof hint);
    fprintf(stderr, "folio: %s\n", msg);
    fprintf(stderr, "folio: nothing was submitted%s%s\n", *hint ? "; " : "", hint);
    if (ctx->json) {
        json_t *out = json_pack("{s:{s:s,s:s,s:s,s:O}}", "error", "code", name ? name : "?",
                                "message", msg, "hint", hint, "check", j);
        cli_print_json(out);
        json_decref(out);
    }
    json_decref(j);
    return CLI_REJECTED;
}

static int print_dry_run(cli_ctx *ctx, json_t *chk, const char *what, const char *signer)
{
    json_object_set_new(chk, "dry_run", json_true());
    json_object_set_new(chk, "signer", json_string(signer));
    if (ctx->json) {
        cli_print_json(chk);
    } else {
        const char *detail = json_string_value(json_object_get(chk, "detail"));
        printf("dry run: %s signed by '%s' would be committed in block %lld%s%s; nothing was "
               "submitted\n",
               what, signer, (long long)json_integer_value(json_object_get(chk, "height")),
               detail && *detail ? ": " : "", detail ? detail : "");
    }
    return CLI_DRY_RUN;
}

int cli_sign_begin(cli_ctx *ctx, cli_signing *sg)
{
    memset(sg, 0, sizeof *sg);
    int rc = cli_signer(ctx, &sg->kp);
    if (rc == CLI_OK)
        rc = cli_load_config(ctx);
    if (rc == CLI_OK)
        rc = cli_sign_refresh(ctx, sg);
    if (rc != CLI_OK)
        cli_sign_end(sg);
    return rc;
}

int cli_sign_refresh(cli_ctx *ctx, cli_signing *sg)
{
    /* Expiry counts from the node's clock (block time, including a dev-mode offset), not
     * only from ours, so transactions still validate after 'folio dev time advance'. */
    uint64_t now = wall_ms();
    int rc;
    json_t *st = cli_query(ctx, "status", NULL, &rc);
    if (!st)
        return rc;
    uint64_t tip = (uint64_t)json_integer_value(json_object_get(st, "time_ms"));
    uint64_t node_now = now + (uint64_t)json_integer_value(json_object_get(st, "time_offset_ms"));
    sg->height = (uint64_t)json_integer_value(json_object_get(st, "height"));
    rc = chain_genesis(ctx, st, &sg->genesis);
    json_decref(st);
    if (rc != CLI_OK)
        return rc;
    if (node_now > now)
        now = node_now;
    if (tip > now)
        now = tip;
    sg->now_ms = now;
    return CLI_OK;
}

uint8_t *cli_sign(const cli_ctx *ctx, const cli_signing *sg, uint64_t type, const ldg_enc *payload,
                  uint64_t expiry_ms, bool deterministic, size_t *len, ldg_hash *id)
{
    return ldg_tx_build(len, id, ctx->cfg.chain_id, &sg->genesis, type, &sg->kp, expiry_ms,
                        ldg_enc_data(payload), ldg_enc_len(payload), deterministic);
}

void cli_sign_end(cli_signing *sg)
{
    explicit_bzero(sg, sizeof *sg);
}

/* Signs the transaction: the wire bytes (malloc'd) and id, or a CLI_* code. */
static int sign_tx(cli_ctx *ctx, uint64_t type, const ldg_enc *payload, uint8_t **wire, size_t *len,
                   ldg_hash *id)
{
    cli_signing sg;
    int rc = cli_sign_begin(ctx, &sg);
    if (rc != CLI_OK)
        return rc;
    *wire = cli_sign(ctx, &sg, type, payload, sg.now_ms + CLI_TX_TTL_MS, false, len, id);
    cli_sign_end(&sg);
    if (!*wire) {
        cli_fail(ctx, "CRYPTO", "could not sign the transaction");
        return CLI_UNAVAILABLE;
    }
    return CLI_OK;
}

json_t *cli_check(cli_ctx *ctx, uint64_t type, const ldg_enc *payload, int *exit_code)
{
    size_t len;
    ldg_hash id;
    uint8_t *wire = NULL;
    *exit_code = sign_tx(ctx, type, payload, &wire, &len, &id);
    if (*exit_code != CLI_OK)
        return NULL;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "check");
    ldg_enc_bin(&e, wire, len);
    free(wire);
    json_t *j = cli_call(ctx, &e, exit_code);
    ldg_enc_free(&e);
    return j;
}

int cli_submit(cli_ctx *ctx, uint64_t type, const ldg_enc *payload, const char *what, json_t **out)
{
    size_t len;
    ldg_hash id;
    uint8_t *wire = NULL;
    int rc = sign_tx(ctx, type, payload, &wire, &len, &id);
    if (rc != CLI_OK)
        return rc;
    const char *signer = cli_signer_name(ctx, NULL);
    if (!ctx->no_check || ctx->dry_run) {
        json_t *chk = NULL;
        rc = check_tx(ctx, wire, len, what, signer, &chk);
        if (rc == CLI_OK && ctx->dry_run)
            rc = print_dry_run(ctx, chk, what, signer);
        json_decref(chk);
        if (rc != CLI_OK) {
            free(wire);
            return rc;
        }
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "submit");
    ldg_enc_bin(&e, wire, len);
    free(wire);
    json_t *j = cli_call(ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!j)
        return rc;
    json_t *r0 = json_array_get(json_object_get(j, "rejected"), 0);
    int code = r0 ? (int)json_integer_value(json_object_get(r0, "code")) : 0;
    if (code != 0) {
        cli_fail(ctx, json_string_value(json_object_get(r0, "name")),
                 "%s refused by the node: %s (code %d): %s", what,
                 json_string_value(json_object_get(r0, "name")), code,
                 json_string_value(json_object_get(r0, "message")));
        json_decref(j);
        return CLI_REJECTED;
    }
    json_decref(j);
    json_t *tx = NULL;
    rc = wait_commit(ctx, &id, &tx);
    if (rc != CLI_OK)
        return rc;
    print_receipt(ctx, tx, what);
    int code2 = (int)json_integer_value(json_object_get(json_object_get(tx, "receipt"), "code"));
    if (out)
        *out = tx;
    else
        json_decref(tx);
    return code2 == 0 ? CLI_OK : CLI_REJECTED;
}

/* ---- tables ---- */

struct cli_table {
    int cols;
    char **cells; /* rows * cols, row 0 = headers */
    size_t rows, cap;
    char *empty; /* what to say when there are no rows (NULL: "none") */
};

cli_table *cli_table_new(int cols, const char *const *headers)
{
    cli_table *t = calloc(1, sizeof *t);
    LDG_ASSERT(t);
    t->cols = cols;
    cli_table_row(t, headers);
    return t;
}

void cli_table_empty(cli_table *t, const char *message)
{
    free(t->empty);
    t->empty = strdup(message);
    LDG_ASSERT(t->empty);
}

/* A cell as it is printed: control characters (a hostile name could move the cursor or
 * clear the screen) become '?'. */
static char *clean_cell(const char *s)
{
    char *c = strdup(s ? s : "");
    LDG_ASSERT(c);
    for (unsigned char *p = (unsigned char *)c; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = '?';
    return c;
}

void cli_table_row(cli_table *t, const char *const *cells)
{
    if (t->rows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->cells = realloc(t->cells, t->cap * (size_t)t->cols * sizeof *t->cells);
        LDG_ASSERT(t->cells);
    }
    for (int c = 0; c < t->cols; c++)
        t->cells[t->rows * (size_t)t->cols + (size_t)c] = clean_cell(cells[c]);
    t->rows++;
}

/* Columns of East Asian Wide and Fullwidth characters (two columns each; Unicode 15,
 * UAX #11), as wcwidth() gives them in a UTF-8 locale, without depending on the locale. */
static const uint32_t wide[][2] = {
    {0x1100, 0x115f},   {0x231a, 0x231b},   {0x2329, 0x232a},   {0x23e9, 0x23ec},
    {0x23f0, 0x23f0},   {0x23f3, 0x23f3},   {0x25fd, 0x25fe},   {0x2614, 0x2615},
    {0x2648, 0x2653},   {0x267f, 0x267f},   {0x2693, 0x2693},   {0x26a1, 0x26a1},
    {0x26aa, 0x26ab},   {0x26bd, 0x26be},   {0x26c4, 0x26c5},   {0x26ce, 0x26ce},
    {0x26d4, 0x26d4},   {0x26ea, 0x26ea},   {0x26f2, 0x26f3},   {0x26f5, 0x26f5},
    {0x26fa, 0x26fa},   {0x26fd, 0x26fd},   {0x2705, 0x2705},   {0x270a, 0x270b},
    {0x2728, 0x2728},   {0x274c, 0x274c},   {0x274e, 0x274e},   {0x2753, 0x2755},
    {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27b0, 0x27b0},   {0x27bf, 0x27bf},
    {0x2b1b, 0x2b1c},   {0x2b50, 0x2b50},   {0x2b55, 0x2b55},   {0x2e80, 0x303e},
    {0x3041, 0x33ff},   {0x3400, 0x4dbf},   {0x4e00, 0x9fff},   {0xa000, 0xa4cf},
    {0xa960, 0xa97f},   {0xac00, 0xd7a3},   {0xf900, 0xfaff},   {0xfe10, 0xfe19},
    {0xfe30, 0xfe6f},   {0xff00, 0xff60},   {0xffe0, 0xffe6},   {0x16fe0, 0x16fe4},
    {0x17000, 0x18cff}, {0x1b000, 0x1b2ff}, {0x1f004, 0x1f004}, {0x1f0cf, 0x1f0cf},
    {0x1f18e, 0x1f18e}, {0x1f191, 0x1f19a}, {0x1f200, 0x1f251}, {0x1f300, 0x1f64f},
    {0x1f680, 0x1f6ff}, {0x1f7e0, 0x1f7eb}, {0x1f90c, 0x1f9ff}, {0x1fa70, 0x1faff},
    {0x20000, 0x2fffd}, {0x30000, 0x3fffd},
};

/* Combining marks and other characters of no width (the common ranges). */
static const uint32_t zero[][2] = {
    {0x0300, 0x036f}, {0x0483, 0x0489}, {0x0591, 0x05bd}, {0x0610, 0x061a}, {0x064b, 0x065f},
    {0x0e31, 0x0e31}, {0x0e34, 0x0e3a}, {0x0e47, 0x0e4e}, {0x1ab0, 0x1aff}, {0x1dc0, 0x1dff},
    {0x200b, 0x200f}, {0x202a, 0x202e}, {0x2060, 0x2064}, {0x20d0, 0x20ff}, {0x302a, 0x302f},
    {0x3099, 0x309a}, {0xfe00, 0xfe0f}, {0xfe20, 0xfe2f}, {0xfeff, 0xfeff}, {0xe0100, 0xe01ef},
};

static bool in_ranges(uint32_t cp, const uint32_t (*r)[2], size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp > r[mid][1])
            lo = mid + 1;
        else if (cp < r[mid][0])
            hi = mid;
        else
            return true;
    }
    return false;
}

int cli_wcwidth(uint32_t cp)
{
    if (cp == 0)
        return 0;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
        return -1;
    if (in_ranges(cp, zero, sizeof zero / sizeof zero[0]))
        return 0;
    return in_ranges(cp, wide, sizeof wide / sizeof wide[0]) ? 2 : 1;
}

/* Decodes one UTF-8 sequence at s; a malformed byte counts as one column of its own. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    size_t n = s[0] < 0x80             ? 1
               : (s[0] & 0xe0) == 0xc0 ? 2
               : (s[0] & 0xf0) == 0xe0 ? 3
               : (s[0] & 0xf8) == 0xf0 ? 4
                                       : 0;
    if (n == 0) {
        *cp = 0xfffd;
        return 1;
    }
    uint32_t v = n == 1 ? s[0] : s[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        v = v << 6 | (s[i] & 0x3f);
    }
    *cp = v;
    return n;
}

size_t cli_text_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        p += utf8_next(p, &cp);
        int cw = cli_wcwidth(cp);
        w += cw > 0 ? (size_t)cw : 0;
    }
    return w;
}

/* A number as tables show it: digits with optional sign, thousands separators, decimals,
 * a percent sign, and a currency or unit after a space ("-1,234.50 CNY", "12.5%"). */
static bool is_number(const char *s)
{
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (*p < '0' || *p > '9')
        return false;
    while ((*p >= '0' && *p <= '9') || *p == ',')
        p++;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == '%')
        p++;
    if (*p == ' ') {
        p++;
        if (!*p)
            return false;
        while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
            p++;
    }
    return *p == 0;
}

/* A column is right-aligned when every cell below the header that is not empty or "-" is a
 * number, and there is one. */
static bool numeric_column(const cli_table *t, int c)
{
    bool any = false;
    for (size_t r = 1; r < t->rows; r++) {
        const char *cell = t->cells[r * (size_t)t->cols + (size_t)c];
        if (!*cell || !strcmp(cell, "-"))
            continue;
        if (!is_number(cell))
            return false;
        any = true;
    }
    return any;
}

static void pad(FILE *out, size_t n)
{
    for (size_t k = 0; k < n; k++)
        fputc(' ', out);
}

void cli_table_print(cli_table *t, FILE *out)
{
    if (t->rows <= 1) {
        fprintf(out, "%s\n", t->empty ? t->empty : "none");
        return;
    }
    size_t *w = calloc((size_t)t->cols, sizeof *w);
    bool *right = calloc((size_t)t->cols, sizeof *right);
    LDG_ASSERT(w && right);
    for (int c = 0; c < t->cols; c++) {
        right[c] = numeric_column(t, c);
        for (size_t r = 0; r < t->rows; r++) {
            size_t l = cli_text_width(t->cells[r * (size_t)t->cols + (size_t)c]);
            if (l > w[c])
                w[c] = l;
        }
    }
    for (size_t r = 0; r < t->rows; r++) {
        for (int c = 0; c < t->cols; c++) {
            const char *cell = t->cells[r * (size_t)t->cols + (size_t)c];
            size_t gap = w[c] - cli_text_width(cell);
            if (c)
                fputs("  ", out);
            if (right[c])
                pad(out, gap);
            fputs(cell, out);
            if (!right[c] && c + 1 < t->cols)
                pad(out, gap);
        }
        fputc('\n', out);
        if (r == 0) {
            for (int c = 0; c < t->cols; c++) {
                fprintf(out, "%s", c ? "  " : "");
                for (size_t k = 0; k < w[c]; k++)
                    fputc('-', out);
            }
            fputc('\n', out);
        }
    }
    free(w);
    free(right);
}

void cli_table_free(cli_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->rows * (size_t)t->cols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->empty);
    free(t);
}

void cli_num(char *out, size_t len, uint64_t v)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
    size_t o = 0;
    for (int i = 0; i < n && o + 1 < len; i++) {
        if (i && (n - i) % 3 == 0 && o + 2 < len)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[len ? (o < len ? o : len - 1) : 0] = 0;
}

bool cli_parse_date(const char *s, int64_t *days)
{
    ast_date d;
    if (!s || ast_date_parse(&d, s, strlen(s)) != AST_DATE_OK)
        return false;
    *days = d.days;
    return true;
}

int cli_write_file(cli_ctx *ctx, const char *path, const void *data, size_t len)
{
    if (!strcmp(path, "-")) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
            cli_fail(ctx, "IO", "cannot write to standard output: %s", strerror(errno));
            return CLI_LOCAL;
        }
        return CLI_OK;
    }
    char err[NET_PATH_MAX + 128];
    if (net_file_write(path, data, len, 0644, NET_FILE_REPLACE, err, sizeof err) != LDG_OK) {
        cli_fail(ctx, "IO", "%s", err);
        return CLI_LOCAL; /* a local file: not the node's fault */
    }
    return CLI_OK;
}
