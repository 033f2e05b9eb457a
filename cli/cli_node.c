/* folio init; folio node start|stop|status */
#include "cli.h"
#include "net_evsync.h"
#include "net_file.h"
#include "net_node.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int cli_client_init(cli_ctx *ctx, const char *url);

int cli_init_main(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--chain-id", "--join", NULL};
    if (cli_wants_help(argc, argv)) {
        printf("usage: folio init [--chain-id ID] [--home DIR]\n"
               "       folio init --join URL [--as KEY] [--home DIR]\n\n"
               "--join makes a client home instead, for a node elsewhere (folio client init).\n"
               "Creates a node home: config.ini, an operator key (keys/operator.key, mode 0600)\n"
               "and a genesis in which the operator is the single validator and registrar.\n"
               "The home must be new, or an empty directory of yours that others cannot write\n"
               "(specs/home.md).\n");
        return CLI_OK;
    }
    if (!cli_check_opts(ctx, argc, argv, opts, NULL) ||
        !cli_check_positionals(ctx, argc, argv, opts, 0))
        return CLI_USAGE;
    const char *join = cli_opt(argc, argv, "--join");
    const char *chain_id = cli_opt(argc, argv, "--chain-id");
    if (join && chain_id) {
        cli_fail(ctx, "USAGE", "--join takes the chain id from the node; drop --chain-id");
        return CLI_USAGE;
    }
    if (join)
        return cli_client_init(ctx, join);
    if (chain_id && (strlen(chain_id) == 0 || strlen(chain_id) > LDG_CHAIN_ID_LEN_MAX ||
                     !net_key_name_ok(chain_id))) {
        cli_fail(ctx, "USAGE", "--chain-id must be 1 to %d letters, digits, '-', '_' or '.'",
                 LDG_CHAIN_ID_LEN_MAX);
        return CLI_USAGE;
    }
    char err[512];
    if (net_home_init(ctx->home, chain_id, err, sizeof err) != LDG_OK) {
        cli_fail(ctx, "INIT_FAILED", "%s", err);
        return CLI_REJECTED;
    }
    ldg_pubkey pub;
    ldg_account acct;
    char hex[65], ahex[LDG_ACCOUNT_HEX_LEN];
    LDG_ASSERT(net_key_load_pub(ctx->home, "operator", &pub) == LDG_OK);
    ldg_account_of(&acct, &pub);
    ldg_hex_encode(hex, pub.b, LDG_PUBKEY_LEN);
    ldg_account_hex(ahex, &acct);
    net_config cfg;
    LDG_ASSERT(net_config_load(ctx->home, &cfg, err, sizeof err) == LDG_OK);
    if (ctx->json) {
        json_t *j = json_pack("{s:s,s:s,s:s,s:s}", "home", ctx->home, "chain_id", cfg.chain_id,
                              "operator_pubkey", hex, "operator_account", ahex);
        cli_print_json(j);
        json_decref(j);
    } else {
        printf("initialised node home %s\n  chain id          %s\n  operator account  %s\n"
               "  operator key      keys/operator.key (validator, registrar)\n"
               "start it with: folio node start --detach --home %s\n",
               ctx->home, cfg.chain_id, ahex, ctx->home);
    }
    return CLI_OK;
}

/* The pid of this home's running node, from the kernel's lock table (net_home_lock):
 * 0 if none, -1 if held by a process this one cannot see. */
static int node_pid(const char *home)
{
    return (int)net_home_lock_holder(home);
}

/* Signals pid only while it still holds this home's lock: through a pidfd, opened and
 * then checked against the lock, so a pid freed and reused in between is never hit. */
static bool signal_node(const char *home, int pid, int sig)
{
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0)
        return errno == ENOSYS && node_pid(home) == pid && kill(pid, sig) == 0;
    bool ok = node_pid(home) == pid && syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0;
    close(pidfd);
    return ok;
}

/* snap: --sync-from-checkpoint; http: --http HOST:PORT (or NULL). */
static int start_foreground(cli_ctx *ctx, bool dev, bool observer, bool snap, const char *http,
                            int ready_fd, const char *evpass)
{
    char err[512];
    net_node_opts o = {.home = ctx->home,
                       .dev = dev,
                       .ready_fd = ready_fd,
                       .observer = observer,
                       .sync_from_checkpoint = snap,
                       .http = http,
                       .ev_passphrase = evpass};
    int rc = net_node_run(&o, err, sizeof err);
    if (rc != 0) {
        cli_fail(ctx, "NODE_FAILED", "%s", err);
        return CLI_UNAVAILABLE;
    }
    return CLI_OK;
}

static int start_detached(cli_ctx *ctx, bool dev, bool observer, bool snap, const char *http,
                          const char *evpass)
{
    int fds[2];
    if (pipe(fds) != 0) {
        cli_fail(ctx, "IO", "pipe: %s", strerror(errno));
        return CLI_UNAVAILABLE;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        cli_fail(ctx, "IO", "fork: %s", strerror(errno));
        return CLI_UNAVAILABLE;
    }
    if (pid == 0) {
        close(fds[0]);
        setsid();
        char log[NET_PATH_MAX];
        net_home_path(log, ctx->home, "node.log");
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
        int devnull = open("/dev/null", O_RDONLY);
        if (fd >= 0 && devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
            close(devnull);
        }
        _exit(start_foreground(ctx, dev, observer, snap, http, fds[1], evpass));
    }
    close(fds[1]);
    char ok = 0;
    ssize_t n;
    do
        n = read(fds[0], &ok, 1);
    while (n < 0 && errno == EINTR);
    close(fds[0]);
    if (n != 1) {
        int status = 0;
        waitpid(pid, &status, 0);
        cli_fail(ctx, "NODE_FAILED", "the node did not start; see %s/node.log", ctx->home);
        return CLI_UNAVAILABLE;
    }
    int rc = cli_load_config(ctx);
    if (rc != CLI_OK)
        return rc;
    if (ctx->json) {
        json_t *j =
            json_pack("{s:i,s:s,s:s}", "pid", (int)pid, "rpc", ctx->cfg.rpc_url, "log", "node.log");
        cli_print_json(j);
        json_decref(j);
    } else {
        printf("node started (pid %d), serving %s%s; log in %s/node.log\n", (int)pid,
               ctx->cfg.rpc_url, dev ? " in development mode" : "", ctx->home);
    }
    return CLI_OK;
}

/* The key that signs the node's evidence.attest ([evidence] attest_as, specs/evidence.md
 * §2.4), when the node has mirrors: a sealed one is opened with the passphrase of
 * [evidence] attest_passphrase_file, else $FOLIO_PASSPHRASE or the terminal, as every
 * sealed key (cli_passphrase); pass gets the latter for the node. Checked here, so that
 * `node start --detach` says what is wrong before it forks. */
static int attest_key_check(cli_ctx *ctx, char pass[NET_PASSPHRASE_MAX + 1], bool *have)
{
    *have = false;
    if (!ctx->cfg.ev_mirrors[0])
        return CLI_OK;
    const char *as = net_evsync_key_name(&ctx->cfg);
    if (!ctx->cfg.ev_attest_pass_file[0] && net_key_encrypted(ctx->home, as)) {
        int tty = getenv("FOLIO_PASSPHRASE") ? -1 : open("/dev/tty", O_RDWR | O_CLOEXEC);
        if (!getenv("FOLIO_PASSPHRASE") && tty < 0) {
            cli_fail(ctx, "NO_PASSPHRASE",
                     "the key '%s' ([evidence] attest_as) is sealed and the node has no "
                     "passphrase for it: set [evidence] attest_passphrase_file (a file only its "
                     "owner can read), or FOLIO_PASSPHRASE, or start the node from a terminal",
                     as);
            return CLI_USAGE;
        }
        if (tty >= 0)
            close(tty);
        char prompt[NET_KEY_NAME_MAX + 64];
        snprintf(prompt, sizeof prompt, "passphrase of key '%s' ([evidence] attest_as): ", as);
        int rc = cli_passphrase(ctx, prompt, false, pass);
        if (rc != CLI_OK)
            return rc;
        *have = true;
    }
    ldg_keypair kp;
    char err[NET_PATH_MAX + 256];
    ldg_err e = net_evsync_key(ctx->home, &ctx->cfg, *have ? pass : NULL, &kp, err, sizeof err);
    explicit_bzero(&kp, sizeof kp);
    if (e == LDG_OK)
        return CLI_OK;
    cli_fail(ctx,
             e == LDG_ERR_DENIED                       ? "NO_PASSPHRASE"
             : e == LDG_ERR_CRYPTO                     ? "BAD_PASSPHRASE"
             : e == LDG_ERR_NOT_FOUND                  ? "NO_KEY"
             : e == LDG_ERR_INVALID || e == LDG_ERR_IO ? "BAD_PASSPHRASE_FILE"
                                                       : "BAD_KEY",
             "%s", err);
    return CLI_USAGE;
}

/* Asks over the RPC socket; used only when the lock's holder cannot be seen (another pid
 * namespace): the socket is this home's. */
static bool stop_over_rpc(cli_ctx *ctx)
{
    char err[512];
    net_client *c = NULL;
    if (net_client_open(&c, ctx->cfg.rpc_url, 5000, err, sizeof err) != LDG_OK)
        return false;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_str(&e, "stop");
    int status = -1;
    char *text = NULL;
    bool asked = net_client_call(c, &e, &status, &text) == LDG_OK && status == 0;
    free(text);
    ldg_enc_free(&e);
    net_client_close(c);
    return asked;
}

/* Whether home is HOST/chains/NAME, hosted by the process running HOST's node (pid): such
 * a chain is stopped alone, over its RPC socket; a signal would stop the whole process
 * (specs/home.md §7). */
static bool hosted_by(const char *home, int pid)
{
    char host[NET_PATH_MAX];
    snprintf(host, sizeof host, "%s", home);
    char *slash = strrchr(host, '/');
    if (!slash || slash == host)
        return false;
    *slash = '\0';
    slash = strrchr(host, '/');
    if (!slash || strcmp(slash, "/chains") != 0)
        return false;
    *slash = '\0';
    return pid > 0 && node_pid(host) == pid;
}

/* A hosted chain is asked through HOME/node.stop, which its host process looks for. */
static bool ask_hosted_stop(cli_ctx *ctx)
{
    char path[NET_PATH_MAX], err[NET_PATH_MAX + 128];
    net_home_path(path, ctx->home, "node.stop");
    return net_file_write(path, "stop\n", 5, 0600, NET_FILE_REPLACE, err, sizeof err) == LDG_OK;
}

/* Whether home is HOST/chains/NAME with HOST a node home (its config.ini exists): host and
 * name are set. */
static bool hosted_home(const char *home, char host[NET_PATH_MAX], char name[NET_PATH_MAX])
{
    snprintf(host, NET_PATH_MAX, "%s", home);
    size_t len = strlen(host);
    while (len > 1 && host[len - 1] == '/')
        host[--len] = '\0';
    char *slash = strrchr(host, '/');
    if (!slash || slash == host)
        return false;
    snprintf(name, NET_PATH_MAX, "%s", slash + 1);
    *slash = '\0';
    slash = strrchr(host, '/');
    if (!slash || strcmp(slash, "/chains") != 0)
        return false;
    *slash = '\0';
    char cfg[NET_PATH_MAX];
    net_home_path(cfg, host[0] ? host : "/", "config.ini");
    struct stat st;
    return host[0] && stat(cfg, &st) == 0;
}

/* Whether host's [host] chains names `name`. */
static bool host_lists(const char *host, const char *name)
{
    net_config *cfg = malloc(sizeof *cfg);
    LDG_ASSERT(cfg);
    char err[512];
    bool listed = false;
    if (net_config_load(host, cfg, err, sizeof err) == LDG_OK) {
        char names[NET_HOST_CHAINS_MAX][NET_KEY_NAME_MAX + 1];
        size_t n = net_config_host_chains(cfg, names, NET_HOST_CHAINS_MAX);
        for (size_t i = 0; i < n; i++)
            listed |= strcmp(names[i], name) == 0;
    }
    free(cfg);
    return listed;
}

/* Whether the chain of home serves in process pid: its lock is held and its node.pid
 * written (net_node_start writes it once the RPC server listens, before its workers run). */
static bool hosted_serving(const char *home, int pid)
{
    if (node_pid(home) != pid)
        return false;
    char path[NET_PATH_MAX], text[32] = "";
    net_home_path(path, home, "node.pid");
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return atoi(text) == pid;
}

/* `folio node start --home HOST/chains/NAME` while HOST's process runs and NAME was stopped
 * alone: HOME/node.start asks that process to open and start the chain again (home.md §7);
 * done when the chain's lock is held, refused if the process leaves node.start.err. */
static int start_hosted(cli_ctx *ctx, const char *host, int host_pid)
{
    char path[NET_PATH_MAX], errp[NET_PATH_MAX], err[NET_PATH_MAX + 128];
    net_home_path(path, ctx->home, "node.start");
    net_home_path(errp, ctx->home, "node.start.err");
    unlink(errp);
    char pidp[NET_PATH_MAX];
    net_home_path(pidp, ctx->home, "node.pid");
    unlink(pidp); /* one left by a chain that did not stop cleanly: hosted_serving reads it */
    if (net_file_write(path, "start\n", 6, 0600, NET_FILE_REPLACE, err, sizeof err) != LDG_OK) {
        cli_fail(ctx, "IO", "%s", err);
        return CLI_LOCAL;
    }
    for (int i = 0; i < 600 && !hosted_serving(ctx->home, host_pid); i++) {
        char why[600];
        FILE *f = fopen(errp, "r");
        if (f) {
            size_t n = fread(why, 1, sizeof why - 1, f);
            why[n] = '\0';
            fclose(f);
            unlink(errp);
            cli_fail(ctx, "NODE_FAILED", "the host process (pid %d) could not start %s: %s",
                     host_pid, ctx->home, why);
            return CLI_UNAVAILABLE;
        }
        if (node_pid(host) != host_pid) {
            unlink(path);
            cli_fail(ctx, "NOT_RUNNING", "the host process of %s (pid %d) stopped", host, host_pid);
            return CLI_UNAVAILABLE;
        }
        usleep(50 * 1000);
    }
    if (!hosted_serving(ctx->home, host_pid)) {
        unlink(path);
        cli_fail(ctx, "TIMEOUT", "the host process (pid %d) did not start %s within 30 s", host_pid,
                 ctx->home);
        return CLI_UNAVAILABLE;
    }
    if (ctx->json) {
        json_t *j =
            json_pack("{s:i,s:s,s:b}", "pid", host_pid, "rpc", ctx->cfg.rpc_url, "hosted", 1);
        cli_print_json(j);
        json_decref(j);
    } else {
        printf("chain started again in the host process (pid %d), serving %s\n", host_pid,
               ctx->cfg.rpc_url);
    }
    return CLI_OK;
}

/* A hosted chain's home (HOST/chains/NAME): started by its host process, never alone.
 * CLI_OK with *handled false when home is no such chain (a normal start). */
static int node_start_hosted(cli_ctx *ctx, int argc, char **argv, bool *handled)
{
    char host[NET_PATH_MAX], name[NET_PATH_MAX];
    *handled = false;
    if (!hosted_home(ctx->home, host, name))
        return CLI_OK;
    bool listed = host_lists(host, name);
    int host_pid = node_pid(host);
    if (!listed && host_pid == 0)
        return CLI_OK; /* a node home that happens to sit there */
    *handled = true;
    if (!listed) {
        cli_fail(ctx, "NOT_HOSTED",
                 "%s is not in the [host] chains of %s, whose process is running: add it there "
                 "and restart that process, or start it from a home of its own",
                 ctx->home, host);
        return CLI_REJECTED;
    }
    if (host_pid == 0) {
        cli_fail(ctx, "NOT_RUNNING",
                 "%s is a chain hosted by %s, whose node is not running: 'folio node start "
                 "--home %s' starts it with every chain of its [host] chains",
                 ctx->home, host, host);
        return CLI_REJECTED;
    }
    if (host_pid < 0) {
        cli_fail(ctx, "NOT_RUNNING",
                 "the host process of %s runs in another pid namespace: restart the chain there",
                 ctx->home);
        return CLI_REJECTED;
    }
    if (cli_flag(argc, argv, "--observer") || cli_flag(argc, argv, "--sync-from-checkpoint") ||
        cli_opt(argc, argv, "--http") || cli_flag(argc, argv, "--dev")) {
        cli_fail(ctx, "USAGE",
                 "a hosted chain starts again with its host's options: drop --dev, --observer, "
                 "--sync-from-checkpoint and --http");
        return CLI_USAGE;
    }
    return start_hosted(ctx, host, host_pid);
}

static int node_stop(cli_ctx *ctx)
{
    int rc = cli_load_config(ctx);
    if (rc != CLI_OK)
        return rc;
    int pid = node_pid(ctx->home);
    if (pid == 0) {
        cli_fail(ctx, "NOT_RUNNING", "no node is running on %s (no process holds %s/node.lock)",
                 ctx->home, ctx->home);
        return CLI_REJECTED;
    }
    bool asked = hosted_by(ctx->home, pid) ? ask_hosted_stop(ctx)
                 : pid > 0                 ? signal_node(ctx->home, pid, SIGTERM)
                                           : stop_over_rpc(ctx);
    if (!asked && node_pid(ctx->home) != 0) {
        cli_fail(ctx, "STOP_FAILED", "could not ask the node on %s to stop", ctx->home);
        return CLI_UNAVAILABLE;
    }
    /* Stopped means the lock is free: the kernel releases it when the process exits,
     * zombie or not. */
    for (int i = 0; i < 600 && node_pid(ctx->home) != 0; i++)
        usleep(50 * 1000);
    if (node_pid(ctx->home) != 0) {
        cli_fail(ctx, "TIMEOUT", "the node (pid %d) did not stop within 30 s", pid);
        return CLI_UNAVAILABLE;
    }
    if (ctx->json)
        printf("{\"stopped\": true}\n");
    else
        printf("node stopped\n");
    return CLI_OK;
}

static int node_status(cli_ctx *ctx)
{
    int rc;
    json_t *j = cli_query(ctx, "status", NULL, &rc);
    if (!j)
        return rc;
    if (ctx->json) {
        cli_print_json(j);
    } else {
        printf("chain id         %s\n", json_string_value(json_object_get(j, "chain_id")));
        printf("height           %lld\n",
               (long long)json_integer_value(json_object_get(j, "height")));
        printf("last block hash  %s\n", json_string_value(json_object_get(j, "last_block_hash")));
        printf("state root       %s\n", json_string_value(json_object_get(j, "state_root")));
        const char *bt = json_string_value(json_object_get(j, "time"));
        const char *ld = json_string_value(json_object_get(j, "ledger_date"));
        printf("block time       %s\n", bt ? bt : "-");
        printf("ledger date      %s\n", ld ? ld : "-");
        printf("transactions     %lld committed\n",
               (long long)json_integer_value(json_object_get(j, "tx_total")));
        printf("mempool          %lld pending\n",
               (long long)json_integer_value(json_object_get(j, "mempool")));
        printf("validators       %lld (this node: %s)\n",
               (long long)json_integer_value(json_object_get(j, "validators")),
               json_integer_value(json_object_get(j, "validator_index")) >= 0 ? "validator"
                                                                              : "observer");
        printf("last commit      %lld ms\n",
               (long long)json_integer_value(json_object_get(j, "last_commit_ms")));
        json_t *cons = json_object_get(j, "consensus");
        if (cons) {
            long long lp = (long long)json_integer_value(json_object_get(cons, "last_proposer"));
            char lps[32];
            snprintf(lps, sizeof lps, lp >= 0 ? "validator %lld" : "none yet", lp);
            printf("role             %s\n", json_string_value(json_object_get(cons, "role")));
            printf("round            %lld\n",
                   (long long)json_integer_value(json_object_get(cons, "round")));
            printf("validators seen  %lld of %lld\n",
                   (long long)json_integer_value(json_object_get(cons, "validators_seen")),
                   (long long)json_integer_value(json_object_get(j, "validators")));
            printf("last proposer    %s\n", lps);
            printf("peers' height    %lld\n",
                   (long long)json_integer_value(json_object_get(cons, "peer_height")));
            printf("behind           %s\n",
                   json_is_true(json_object_get(cons, "behind")) ? "YES (catching up)" : "no");
            printf("pool             %lld transactions waiting\n",
                   (long long)json_integer_value(json_object_get(cons, "pool")));
        }
        if (json_is_true(json_object_get(j, "dev")))
            printf("mode             development (time offset %lld ms)\n",
                   (long long)json_integer_value(json_object_get(j, "time_offset_ms")));
    }
    json_decref(j);
    return CLI_OK;
}

static void node_usage(void)
{
    printf("usage: folio node start [--detach] [--dev] [--observer] [--sync-from-checkpoint]\n"
           "                        [--http HOST:PORT]\n"
           "       folio node stop\n"
           "       folio node status [--json]\n\n"
           "start     runs the node in the foreground (Ctrl-C stops it cleanly); with --detach\n"
           "          it returns once the node serves, logging to HOME/node.log. --dev lets\n"
           "          'folio dev time advance' move block time forward (tests and demos).\n"
           "          --observer follows a multi-validator chain without voting.\n"
           "          --sync-from-checkpoint first fetches the state of a recent certified\n"
           "          checkpoint from the peers, chunk by chunk, each checked against the\n"
           "          certified state root, then block-syncs from there (specs/sync.md);\n"
           "          a node far behind its peers does so by itself.\n"
           "          --http HOST:PORT serves the HTTP/JSON API there (specs/http.md).\n"
           "          A home whose config.ini has [host] chains = A,B runs those chains too\n"
           "          (HOME/chains/A, ...), each its own node, in this one process.\n"
           "stop      asks the node to stop cleanly and waits for it. The node is the\n"
           "          process holding the lock on HOME/node.lock (node.pid is not trusted);\n"
           "          with a hosted chain's home (HOST/chains/NAME), that chain alone stops;\n"
           "          'node start' with that home asks the running host process to start\n"
           "          it again.\n"
           "status    height, last block hash, state root, mempool size; with several\n"
           "          validators also round, validators seen, last proposer, last commit\n"
           "          latency and whether this node is behind.\n");
}

int cli_node_main(cli_ctx *ctx, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    if (!verb || cli_wants_help(argc, argv)) {
        node_usage();
        return verb ? CLI_OK : CLI_USAGE;
    }
    if (!strcmp(verb, "start")) {
        static const char *const flags[] = {"--detach", "--dev", "--observer",
                                            "--sync-from-checkpoint", NULL};
        static const char *const valued[] = {"--http", NULL};
        if (!cli_check_opts(ctx, argc - 1, argv + 1, valued, flags))
            return CLI_USAGE;
        int rc = cli_load_config(ctx);
        if (rc != CLI_OK)
            return rc;
        int pid = node_pid(ctx->home);
        bool hosted = false;
        if (pid == 0) {
            rc = node_start_hosted(ctx, argc, argv, &hosted);
            if (hosted)
                return rc;
        }
        if (pid != 0) {
            char who[32] = "another pid namespace";
            if (pid > 0)
                snprintf(who, sizeof who, "pid %d", pid);
            cli_fail(ctx, "RUNNING", "a node is already running on %s (%s)", ctx->home, who);
            return CLI_REJECTED;
        }
        bool dev = cli_flag(argc, argv, "--dev");
        bool observer = cli_flag(argc, argv, "--observer");
        bool snap = cli_flag(argc, argv, "--sync-from-checkpoint");
        const char *http = cli_opt(argc, argv, "--http");
        char pass[NET_PASSPHRASE_MAX + 1] = "";
        bool have = false;
        rc = attest_key_check(ctx, pass, &have);
        if (rc == CLI_OK)
            rc = cli_flag(argc, argv, "--detach")
                     ? start_detached(ctx, dev, observer, snap, http, have ? pass : NULL)
                     : start_foreground(ctx, dev, observer, snap, http, -1, have ? pass : NULL);
        explicit_bzero(pass, sizeof pass);
        return rc;
    }
    if (!strcmp(verb, "stop"))
        return node_stop(ctx);
    if (!strcmp(verb, "status"))
        return node_status(ctx);
    cli_fail(ctx, "USAGE", "unknown verb 'node %s' (start, stop, status)", verb);
    return CLI_USAGE;
}
