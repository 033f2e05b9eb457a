/* Shared by the benchmarks that drive the real folio binary over RPC (bench_node.c,
 * bench_cluster.c; each is its own executable): clocks, transactions signed beforehand on
 * all cores, the raw BIP-340 verification rate measured in the same run, and the status
 * call. Header-only, static functions. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include "ast_asset.h"
#include "ldg_tx.h"
#include "net_home.h"
#include "net_rpc.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One signed transaction, encoded. */
typedef struct wire {
    uint8_t *b;
    size_t n;
} wire;

/* Sends a request; the JSON reply, NULL if the node did not answer (with `fatal` the
 * benchmark stops there instead) or the reply does not parse. */
static json_t *call(net_client *c, ldg_enc *req, bool fatal)
{
    int status;
    char *text;
    if (net_client_call(c, req, &status, &text) != LDG_OK) {
        if (!fatal)
            return NULL;
        fprintf(stderr, "bench: node did not answer\n");
        exit(1);
    }
    json_t *j = json_loads(text, 0, NULL);
    free(text);
    return j;
}

/* The node's status object (as call()). */
static json_t *status(net_client *c, bool fatal)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_str(&e, "status");
    json_t *j = call(c, &e, fatal);
    ldg_enc_free(&e);
    return j;
}

/* Starts `BIN node start --home HOME` in a child, its stderr in HOME/node.log; the child's
 * pid, or -1. The caller waits for it with bench_node_connect. */
static inline pid_t bench_node_spawn(const char *bin, const char *home)
{
    char log[NET_PATH_MAX];
    int w = snprintf(log, sizeof log, "%s/node.log", home);
    if (w < 0 || (size_t)w >= sizeof log) {
        fprintf(stderr, "bench: the log path %s/node.log is too long\n", home);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(log, "w", stderr))
            _exit(1);
        execl(bin, bin, "node", "start", "--home", home, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Connects to the node at url once it answers status (10 s to listen; the benchmark stops
 * if it then does not answer). Calls time out after 120 s. */
static inline net_client *bench_node_connect(const char *url)
{
    net_client *c = NULL;
    char err[512];
    for (int i = 0; i < 200 && net_client_open(&c, url, 120000, err, sizeof err) != LDG_OK; i++)
        usleep(50000);
    if (!c) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }
    json_t *st;
    while (!(st = status(c, true)))
        usleep(50000);
    json_decref(st);
    return c;
}

/* The genesis hash of the chain under test (what its transactions sign): the bench sets it
 * from the home's genesis.bin (bench_genesis_load) before building anything. */
static ldg_hash bench_genesis;

static bool bench_genesis_load(const char *home)
{
    ldg_genesis *g = malloc(sizeof *g);
    bool ok = g && net_genesis_load(home, g) == LDG_OK;
    if (ok)
        ldg_genesis_hash(&bench_genesis, g);
    free(g);
    return ok;
}

/* A fresh home made by `BIN init` in a new directory from tmpl (a mkdtemp pattern, filled
 * in place): home gets TMPL/node and cfg its configuration, and bench_genesis is loaded.
 * False (with a line on stderr) on any failure. */
static inline bool bench_home_init(const char *bin, char *tmpl, char home[NET_PATH_MAX],
                                   net_config *cfg)
{
    char cmd[2 * NET_PATH_MAX], err[512];
    if (!mkdtemp(tmpl)) {
        fprintf(stderr, "bench: cannot make %s\n", tmpl);
        return false;
    }
    int w = snprintf(home, NET_PATH_MAX, "%s/node", tmpl);
    if (w < 0 || w >= NET_PATH_MAX)
        return false;
    snprintf(cmd, sizeof cmd, "%s init --home %s >/dev/null", bin, home);
    if (system(cmd) != 0 || net_config_load(home, cfg, err, sizeof err) != LDG_OK) {
        fprintf(stderr, "bench: cannot make a node home in %s\n", home);
        return false;
    }
    return bench_genesis_load(home);
}

static wire build(const char *chain_id, uint64_t type, const ldg_keypair *kp, ldg_enc *payload,
                  uint64_t expiry)
{
    wire w;
    w.b = ldg_tx_build(&w.n, NULL, chain_id, &bench_genesis, type, kp, expiry,
                       ldg_enc_data(payload), ldg_enc_len(payload), false);
    if (!w.b)
        abort();
    return w;
}

/* The setup, signed: into out[0..1 + accounts) the operator's registrations of an issuer
 * and of `accounts` investors ("investor-<i>", whose keys are generated into keys[] and
 * accounts into accts[]). False if a key cannot be generated. */
static bool build_registrations(const char *chain_id, const ldg_keypair *op,
                                const ldg_keypair *issuer, ldg_keypair *keys, ldg_account *accts,
                                size_t accounts, uint64_t expiry, wire *out)
{
    size_t k = 0;
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 3);
    ldg_enc_str(&p, "issuer");
    ldg_enc_u64(&p, LDG_ROLE_ISSUER);
    ldg_enc_bin(&p, issuer->pub.b, LDG_PUBKEY_LEN);
    out[k++] = build(chain_id, LDG_TX_PARTICIPANT_REGISTER, op, &p, expiry);
    for (size_t i = 0; i < accounts; i++) {
        char name[32];
        snprintf(name, sizeof name, "investor-%zu", i);
        if (ldg_keypair_generate(&keys[i]) != LDG_OK) {
            ldg_enc_free(&p);
            return false;
        }
        ldg_account_of(&accts[i], &keys[i].pub);
        ldg_enc_reset(&p);
        ldg_enc_array(&p, 3);
        ldg_enc_str(&p, name);
        ldg_enc_u64(&p, LDG_ROLE_INVESTOR);
        ldg_enc_bin(&p, keys[i].pub.b, LDG_PUBKEY_LEN);
        out[k++] = build(chain_id, LDG_TX_PARTICIPANT_REGISTER, op, &p, expiry);
    }
    ldg_enc_free(&p);
    return true;
}

/* The issuer's issue of 1,000,000,000,000 CNE100000296 ("Bench Co.", R3) to itself. */
static wire build_issue(const char *chain_id, const ldg_keypair *issuer, uint64_t expiry)
{
    ldg_account issuer_acct;
    ldg_account_of(&issuer_acct, &issuer->pub);
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 6);
    ldg_enc_str(&p, "CNE100000296");
    ldg_enc_str(&p, "Bench Co.");
    ldg_enc_u64(&p, 1000000000000ULL);
    ldg_enc_bin(&p, issuer_acct.b, LDG_ACCOUNT_LEN);
    ldg_enc_str(&p, "");
    ldg_enc_u64(&p, 3);
    wire w = build(chain_id, AST_TX_ISSUE_EQUITY, issuer, &p, expiry);
    ldg_enc_free(&p);
    return w;
}

/* Into out[0..accounts): 1,000,000 CNE100000296 from the issuer to each investor. */
static inline void build_funding(const char *chain_id, const ldg_keypair *issuer,
                                 const ldg_account *accts, size_t accounts, uint64_t expiry,
                                 wire *out)
{
    ldg_enc p;
    ldg_enc_init(&p);
    for (size_t i = 0; i < accounts; i++) {
        ldg_enc_reset(&p);
        ldg_enc_array(&p, 3);
        ldg_enc_str(&p, "CNE100000296");
        ldg_enc_u64(&p, 1000000);
        ldg_enc_bin(&p, accts[i].b, LDG_ACCOUNT_LEN);
        out[i] = build(chain_id, AST_TX_TRANSFER, issuer, &p, expiry);
    }
    ldg_enc_free(&p);
}

/* Signs out[begin..end): transfers of 1 CNE100000296 from account i % accounts to another
 * one (a different one each time round). */
typedef struct sign_job {
    const char *chain_id;
    const ldg_keypair *keys;
    const ldg_account *accts;
    size_t accounts, begin, end;
    wire *out;
    uint64_t expiry;
} sign_job;

static void *sign_worker(void *arg)
{
    sign_job *j = arg;
    ldg_enc p;
    ldg_enc_init(&p);
    for (size_t i = j->begin; i < j->end; i++) {
        size_t from = i % j->accounts,
               to = (from + 1 + (i / j->accounts) % (j->accounts - 1)) % j->accounts;
        ldg_enc_reset(&p);
        ldg_enc_array(&p, 3);
        ldg_enc_str(&p, "CNE100000296");
        ldg_enc_u64(&p, 1);
        ldg_enc_bin(&p, j->accts[to].b, LDG_ACCOUNT_LEN);
        j->out[i] = build(j->chain_id, AST_TX_TRANSFER, &j->keys[from], &p, j->expiry);
    }
    ldg_enc_free(&p);
    return NULL;
}

/* Signs out[0..n) as sign_worker does, split over `cores` threads (at most 64). */
static inline void sign_all(const char *chain_id, const ldg_keypair *keys, const ldg_account *accts,
                            size_t accounts, wire *out, size_t n, uint64_t expiry, int cores)
{
    pthread_t t[64];
    sign_job sj[64];
    for (int i = 0; i < cores; i++) {
        sj[i] = (sign_job){chain_id,
                           keys,
                           accts,
                           accounts,
                           n * (size_t)i / (size_t)cores,
                           n * (size_t)(i + 1) / (size_t)cores,
                           out,
                           expiry};
        pthread_create(&t[i], NULL, sign_worker, &sj[i]);
    }
    for (int i = 0; i < cores; i++)
        pthread_join(t[i], NULL);
}

typedef struct verify_job {
    ldg_tx *txs;
    const ldg_pubkey_point *points; /* NULL: lift each key from its 32 bytes (BIP-340) */
    size_t begin, end, bad;
} verify_job;

static void *verify_worker(void *arg)
{
    verify_job *j = arg;
    for (size_t i = j->begin; i < j->end; i++) {
        ldg_hash msg;
        ldg_tx_sign_msg(&msg, &bench_genesis, &j->txs[i].id);
        j->bad += j->points ? !ldg_verify_point(&j->txs[i].sig, &msg, &j->points[i])
                            : !ldg_tx_verify(&j->txs[i], &bench_genesis);
    }
    return NULL;
}

/* The raw rate: decode once (not timed), then verify every signature on all cores.
 * lifted: with every key already lifted to a point (not timed), i.e. only
 * secp256k1_schnorrsig_verify -- the floor of the work, below BIP-340 verification from
 * bytes, which also pays lift_x's square root per signature. */
static double raw_verify_rate_with(wire *txs, size_t n, int cores, bool lifted)
{
    ldg_tx *dec = malloc(n * sizeof *dec);
    ldg_pubkey_point *pts = lifted ? malloc(n * sizeof *pts) : NULL;
    for (size_t i = 0; i < n; i++) {
        if (ldg_tx_decode(&dec[i], txs[i].b, txs[i].n) != LDG_R_OK)
            abort();
        if (pts && !ldg_pubkey_lift(&pts[i], &dec[i].sender))
            abort();
    }
    pthread_t t[64];
    verify_job jobs[64];
    double t0 = now_s();
    for (int k = 0; k < cores; k++) {
        jobs[k] = (verify_job){dec, pts, n * (size_t)k / (size_t)cores,
                               n * (size_t)(k + 1) / (size_t)cores, 0};
        pthread_create(&t[k], NULL, verify_worker, &jobs[k]);
    }
    size_t bad = 0;
    for (int k = 0; k < cores; k++) {
        pthread_join(t[k], NULL);
        bad += jobs[k].bad;
    }
    double dt = now_s() - t0;
    for (size_t i = 0; i < n; i++)
        ldg_tx_free(&dec[i]);
    free(dec);
    free(pts);
    if (bad)
        abort();
    return (double)n / dt;
}

static inline double raw_verify_rate(wire *txs, size_t n, int cores)
{
    return raw_verify_rate_with(txs, n, cores, false);
}

#endif
