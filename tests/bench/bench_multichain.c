/* Benchmark: a consortium member's process hosting several chains (specs/chains.md §9).
 * The same machine runs, in turn:
 *   single  — one 4-validator chain, 4 processes (folio testnet init --validators 4);
 *   hosted  — a main chain and two 4-validator sub-chains, securities and evidence, both
 *             registered on the main chain by the committee and anchored by the members'
 *             processes: 12 chain instances in 4 processes (testnet init --main 4 --sub
 *             securities:4 --sub evidence:4);
 * and drives the same load into each: TRANSFERS pre-signed transfers among ACCOUNTS
 * investors, one client per node, until all are committed. Prints the sustained
 * transfers/s of the single chain and of the securities sub-chain, and their ratio, per
 * round and as median (min-max) over ROUNDS rounds (each round: fresh networks, the
 * single chain first in odd rounds, the hosted one first in even ones).
 *
 *   bench_multichain FOLIO_BINARY [TRANSFERS] [ACCOUNTS] [ROUNDS]
 *
 * FOLIO_BENCH_KEEP set: the homes and logs are kept. */
#include "ast_asset.h"
#include "ldg_chain.h"
#include "ldg_tx.h"
#include "net_home.h"
#include "net_rpc.h"

#include "bench/bench_common.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NODES 4
#define BATCH 512
#define CHAINS 3 /* main + securities + evidence */

static const char *folio;
static pid_t pids[NODES];

static void kill_nodes(void)
{
    for (int i = 0; i < NODES; i++)
        if (pids[i] > 0) {
            kill(pids[i], SIGTERM);
            waitpid(pids[i], NULL, 0);
            pids[i] = 0;
        }
}

/* Interrupted: the nodes go too (atexit does not run on a signal). */
static void on_signal(int sig)
{
    kill_nodes();
    _exit(128 + sig);
}

static net_client *connect_url(const char *url)
{
    net_client *c = NULL;
    char err[256];
    for (int k = 0; k < 400 && net_client_open(&c, url, 60000, err, sizeof err) != LDG_OK; k++)
        usleep(50000);
    return c;
}

static int64_t tx_total(net_client *c)
{
    json_t *j = status(c, false);
    int64_t v = j ? (int64_t)json_integer_value(json_object_get(j, "tx_total")) : -1;
    json_decref(j);
    return v;
}

static void submit(net_client *c, wire *txs, size_t n)
{
    for (size_t s = 0; s < n;) {
        size_t k = n - s < BATCH ? n - s : BATCH;
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_enc_array(&e, (uint32_t)k + 1);
        ldg_enc_str(&e, "submit");
        for (size_t i = 0; i < k; i++)
            ldg_enc_bin(&e, txs[s + i].b, txs[s + i].n);
        json_t *j = call(c, &e, false);
        ldg_enc_free(&e);
        bool full = false;
        json_t *res = j ? json_object_get(j, "rejected") : NULL;
        for (size_t r = 0; r < json_array_size(res); r++)
            full |= json_integer_value(json_object_get(json_array_get(res, r), "code")) ==
                    LDG_R_MEMPOOL_FULL;
        json_decref(j);
        if (!j || full) {
            usleep(20000);
            continue;
        }
        s += k;
    }
}

static void wait_total(net_client *c, int64_t target, double timeout_s)
{
    double t0 = now_s();
    while (tx_total(c) < target && now_s() - t0 < timeout_s)
        usleep(5000);
}

typedef struct job {
    const char *url;
    wire *txs;
    size_t n;
} job;

static void *client_worker(void *arg)
{
    job *j = arg;
    net_client *c = connect_url(j->url);
    if (!c)
        abort();
    submit(c, j->txs, j->n);
    net_client_close(c);
    return NULL;
}

/* A base port with `n` free ports on loopback, below the ephemeral range. */
static int free_base(int n, int salt)
{
    for (int k = 0; k < 200; k++) {
        int base = 20000 + (int)((getpid() + salt + k) % 90) * 130, ok = 1;
        for (int p = 0; ok && p < n; p++) {
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET,
                                    .sin_port = htons((uint16_t)(base + p)),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
            if (fd >= 0)
                close(fd);
        }
        if (ok)
            return base;
    }
    return -1;
}

/* `folio ARGS` through the shell, quiet; true if it exits 0. */
static bool sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool sh(const char *fmt, ...)
{
    char cmd[4 * NET_PATH_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd) == 0;
}

/* The create_payload of [sub NAME] in DIR/consortium.ini (malloc'd), NULL if none. */
static char *create_payload(const char *dir, const char *name)
{
    char path[NET_PATH_MAX + 32], line[16384], want[64];
    snprintf(path, sizeof path, "%s/consortium.ini", dir);
    snprintf(want, sizeof want, "[sub %s]", name);
    FILE *f = fopen(path, "r");
    bool in = false;
    char *out = NULL;
    while (f && !out && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '[')
            in = !strcmp(line, want);
        else if (in && !strncmp(line, "create_payload = ", 17))
            out = strdup(line + 17);
    }
    if (f)
        fclose(f);
    return out;
}

/* The committee (validators 0..2 of 4) registers sub-chain NAME: propose, three votes. */
static bool register_sub(const char *dir, const char *name, int proposal)
{
    char *p = create_payload(dir, name);
    bool ok = p && sh("'%s' gov propose action 140 --payload %s --as validator --home %s/node0 "
                      ">/dev/null",
                      folio, p, dir);
    free(p);
    for (int i = 0; ok && i < 3; i++)
        ok = sh("'%s' gov vote %d yes --as validator --home %s/node%d >/dev/null", folio, proposal,
                dir, i);
    for (int k = 0; ok && k < 300; k++) {
        char cmd[2 * NET_PATH_MAX];
        snprintf(cmd, sizeof cmd, "'%s' chains show %s --home %s/node0 >/dev/null 2>&1", folio,
                 name, dir);
        if (system(cmd) == 0)
            return true;
        usleep(100000);
    }
    return false;
}

/* Drives the load into the chain whose node homes are homes[] and RPC urls urls[]; its
 * committed transfers/s. 0 on failure. */
static double measure(char homes[NODES][NET_PATH_MAX], char urls[NODES][64], size_t transfers,
                      size_t accounts)
{
    net_config cfg;
    char cerr[256];
    if (net_config_load(homes[0], &cfg, cerr, sizeof cerr) != LDG_OK ||
        !bench_genesis_load(homes[0]))
        return 0;
    net_client *c0 = connect_url(urls[0]);
    if (!c0)
        return 0;
    ldg_keypair op, issuer, *keys = malloc(accounts * sizeof *keys);
    ldg_account *accts = malloc(accounts * sizeof *accts);
    wire *setup = malloc((2 + 2 * accounts) * sizeof *setup);
    wire *load = malloc(transfers * sizeof *load);
    double rate = 0;
    uint64_t expiry = wall_ms() + 50 * 60 * 1000;
    if (net_key_load(homes[0], "operator", &op) != LDG_OK ||
        ldg_keypair_generate(&issuer) != LDG_OK ||
        !build_registrations(cfg.chain_id, &op, &issuer, keys, accts, accounts, expiry, setup))
        goto out;
    int64_t t0 = tx_total(c0);
    submit(c0, setup, 1 + accounts);
    wait_total(c0, t0 + 1 + (int64_t)accounts, 120);
    wire issue = build_issue(cfg.chain_id, &issuer, expiry);
    submit(c0, &issue, 1);
    wait_total(c0, t0 + 2 + (int64_t)accounts, 60);
    build_funding(cfg.chain_id, &issuer, accts, accounts, expiry, setup);
    submit(c0, setup, accounts);
    int64_t committed0 = t0 + 2 + 2 * (int64_t)accounts;
    wait_total(c0, committed0, 120);
    sign_all(cfg.chain_id, keys, accts, accounts, load, transfers, expiry,
             (int)sysconf(_SC_NPROCESSORS_ONLN));
    double ts = now_s();
    pthread_t t[NODES];
    job jb[NODES];
    for (int i = 0; i < NODES; i++) {
        size_t b = transfers * (size_t)i / NODES, e = transfers * (size_t)(i + 1) / NODES;
        jb[i] = (job){urls[i], load + b, e - b};
        pthread_create(&t[i], NULL, client_worker, &jb[i]);
    }
    for (int i = 0; i < NODES; i++)
        pthread_join(t[i], NULL);
    wait_total(c0, committed0 + (int64_t)transfers, 600);
    double dt = now_s() - ts;
    rate = (double)(tx_total(c0) - committed0) / dt;
out:
    net_client_close(c0);
    for (size_t i = 0; i < transfers; i++)
        free(load[i].b);
    free(load);
    free(setup);
    free(keys);
    free(accts);
    return rate;
}

static double one_network(const char *tmp, bool hosted, size_t transfers, size_t accounts)
{
    int chains = hosted ? CHAINS : 1;
    int base = free_base(10 * NODES * chains, hosted ? 7 : 0);
    char dir[1024], homes[NODES][NET_PATH_MAX], urls[NODES][64];
    snprintf(dir, sizeof dir, "%.900s/%s", tmp, hosted ? "hosted" : "single");
    if (base < 0 ||
        !(hosted ? sh("'%s' testnet init --main %d --sub securities:%d --sub evidence:%d --dir %s "
                      "--base-port %d >/dev/null",
                      folio, NODES, NODES, NODES, dir, base)
                 : sh("'%s' testnet init --validators %d --dir %s --base-port %d >/dev/null", folio,
                      NODES, dir, base)))
        return 0;
    for (int i = 0; i < NODES; i++) {
        char home[1100];
        snprintf(home, sizeof home, "%s/node%d", dir, i);
        pids[i] = bench_node_spawn(folio, home);
        /* the securities sub-chain is chain 1: its node i's RPC port */
        snprintf(homes[i], sizeof homes[i], "%s%s", home, hosted ? "/chains/securities" : "");
        snprintf(urls[i], sizeof urls[i], "tcp://127.0.0.1:%d",
                 base + 10 * ((hosted ? NODES : 0) + i) + 9);
    }
    for (int i = 0; i < NODES; i++) {
        char main_url[64];
        snprintf(main_url, sizeof main_url, "tcp://127.0.0.1:%d", base + 10 * i + 9);
        net_client_close(bench_node_connect(main_url));
    }
    if (hosted && (!register_sub(dir, "securities", 1) || !register_sub(dir, "evidence", 2))) {
        fprintf(stderr, "bench: the sub-chains could not be registered\n");
        kill_nodes();
        return 0;
    }
    double rate = measure(homes, urls, transfers, accounts);
    if (hosted) {
        char cmd[2 * NET_PATH_MAX];
        snprintf(cmd, sizeof cmd, "'%s' chains list --home %s/node0 >&2", folio, dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench: chains list failed\n");
    }
    kill_nodes();
    return rate;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_multichain FOLIO_BINARY [TRANSFERS] [ACCOUNTS] [ROUNDS]\n");
        return 2;
    }
    folio = argv[1];
    size_t transfers = argc > 2 ? strtoul(argv[2], NULL, 10) : 20000;
    size_t accounts = argc > 3 ? strtoul(argv[3], NULL, 10) : 200;
    int rounds = argc > 4 ? atoi(argv[4]) : 1;
    /* sign_worker's transfers repeat (same payload, refused as replays) after
     * ACCOUNTS x (ACCOUNTS - 1) of them. */
    if (transfers < 1 || accounts < 2 || rounds < 1 || rounds > 20 ||
        transfers > accounts * (accounts - 1)) {
        fprintf(stderr, "bench_multichain: TRANSFERS 1..ACCOUNTS x (ACCOUNTS - 1), ACCOUNTS >= 2, "
                        "ROUNDS 1..20\n");
        return 2;
    }
    char tmpl[] = "/tmp/folio-bench-multichain.XXXXXX";
    if (!mkdtemp(tmpl))
        return 1;
    atexit(kill_nodes);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    double single[20], hosted[20], ratio[20];
    for (int r = 0; r < rounds; r++) {
        char rd[NET_PATH_MAX];
        snprintf(rd, sizeof rd, "%s/r%d", tmpl, r);
        mkdir(rd, 0700);
        /* The order alternates: whichever runs first meets a colder machine. */
        if (r % 2 == 0) {
            single[r] = one_network(rd, false, transfers, accounts);
            hosted[r] = one_network(rd, true, transfers, accounts);
        } else {
            hosted[r] = one_network(rd, true, transfers, accounts);
            single[r] = one_network(rd, false, transfers, accounts);
        }
        if (single[r] <= 0 || hosted[r] <= 0) {
            fprintf(stderr, "bench_multichain: round %d failed\n", r + 1);
            return 1;
        }
        ratio[r] = hosted[r] / single[r];
        printf("round %d: single chain (4 validators, 4 processes) %.0f tx/s; securities "
               "sub-chain hosted beside main + evidence (12 chains, 4 processes) %.0f tx/s; "
               "ratio %.2f\n",
               r + 1, single[r], hosted[r], ratio[r]);
        fflush(stdout);
    }
    qsort(single, (size_t)rounds, sizeof single[0], cmp_d);
    qsort(hosted, (size_t)rounds, sizeof hosted[0], cmp_d);
    qsort(ratio, (size_t)rounds, sizeof ratio[0], cmp_d);
    int m = rounds / 2;
    printf("multichain (%zu transfers, %d rounds, median (min-max)): single chain %.0f tx/s "
           "(%.0f-%.0f); securities hosted %.0f tx/s (%.0f-%.0f); ratio %.2f (%.2f-%.2f)\n",
           transfers, rounds, single[m], single[0], single[rounds - 1], hosted[m], hosted[0],
           hosted[rounds - 1], ratio[m], ratio[0], ratio[rounds - 1]);
    if (!getenv("FOLIO_BENCH_KEEP"))
        sh("rm -rf %s", tmpl);
    return 0;
}
