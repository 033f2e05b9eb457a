/* Benchmark: end-to-end committed transfers per second on one node, next to the raw rate
 * at which this machine verifies the same BIP-340 signatures on all cores (same run), and
 * the node's peak memory after the run, and the CPU time the node used while committing the
 * load (user + system, all its threads: on a shared machine steadier than the rate).
 *
 *   bench_node FOLIO_BINARY [TRANSFERS] [ACCOUNTS]
 *
 * The node is the real binary (`folio node start`) in a throwaway home; transfers are
 * signed beforehand by many accounts and submitted over the node's RPC socket in batches
 * by several client threads; "committed" means the node's tip counts them. */
#include "ast_asset.h"
#include "ldg_chain.h"
#include "ldg_tx.h"
#include "net_home.h"
#include "net_rpc.h"

#include "bench/bench_common.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCH 1024
#define CLIENTS 3

static char chain_id[LDG_CHAIN_ID_LEN_MAX + 1];
static char rpc_url[NET_PATH_MAX];

/* Submits txs[0..n) in batches, resubmitting what the node refused as MEMPOOL_FULL. */
static void submit_all(net_client *c, wire *txs, size_t n)
{
    size_t *todo = malloc(n * sizeof *todo), count = n;
    for (size_t i = 0; i < n; i++)
        todo[i] = i;
    while (count) {
        size_t next = 0;
        for (size_t s = 0; s < count; s += BATCH) {
            size_t k = count - s < BATCH ? count - s : BATCH;
            ldg_enc e;
            ldg_enc_init(&e);
            ldg_enc_array(&e, (uint32_t)k + 1);
            ldg_enc_str(&e, "submit");
            for (size_t i = 0; i < k; i++)
                ldg_enc_bin(&e, txs[todo[s + i]].b, txs[todo[s + i]].n);
            json_t *j = call(c, &e, true);
            ldg_enc_free(&e);
            json_t *res = json_object_get(j, "rejected");
            bool full = false;
            for (size_t r = 0; r < json_array_size(res); r++) {
                json_t *o = json_array_get(res, r);
                int code = (int)json_integer_value(json_object_get(o, "code"));
                size_t i = (size_t)json_integer_value(json_object_get(o, "index"));
                if (code == LDG_R_MEMPOOL_FULL) {
                    todo[next++] = todo[s + i];
                    full = true;
                } else {
                    fprintf(stderr, "bench: tx refused: %s\n",
                            json_string_value(json_object_get(o, "name")));
                    exit(1);
                }
            }
            json_decref(j);
            if (full)
                usleep(20000);
        }
        count = next;
    }
    free(todo);
}

static uint64_t tx_total(net_client *c)
{
    json_t *j = status(c, true);
    uint64_t t = (uint64_t)json_integer_value(json_object_get(j, "tx_total"));
    json_decref(j);
    return t;
}

static void wait_total(net_client *c, uint64_t target)
{
    while (tx_total(c) < target)
        usleep(5000);
}

typedef struct client_job {
    wire *txs;
    size_t n;
} client_job;

static void *client_worker(void *arg)
{
    client_job *j = arg;
    net_client *c;
    char err[256];
    if (net_client_open(&c, rpc_url, 120000, err, sizeof err) != LDG_OK)
        abort();
    submit_all(c, j->txs, j->n);
    net_client_close(c);
    return NULL;
}

/* The CPU time (user + system, all threads) process pid has used so far, in seconds: on a
 * shared machine a steadier measure of the node's cost than the wall-clock rate. */
static double cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long long ut, st;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The raw rate as raw_verify_rate, and *cpu_us the CPU it took per signature. */
static double raw_verify_rate_cpu(wire *txs, size_t n, int cores, double *cpu_us)
{
    double c0 = self_cpu_s();
    double rate = raw_verify_rate(txs, n, cores);
    *cpu_us = (self_cpu_s() - c0) * 1e6 / (double)n;
    return rate;
}

static long peak_rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6))
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_node FOLIO_BINARY [TRANSFERS] [ACCOUNTS]\n");
        return 2;
    }
    size_t transfers = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
    size_t accounts = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000;
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    char tmpl[] = "/tmp/folio-bench.XXXXXX", home[NET_PATH_MAX], cmd[2 * NET_PATH_MAX];
    net_config cfg;
    if (!bench_home_init(argv[1], tmpl, home, &cfg))
        return 1;
    snprintf(chain_id, sizeof chain_id, "%s", cfg.chain_id);
    snprintf(rpc_url, sizeof rpc_url, "%s", cfg.rpc_url);
    pid_t node = bench_node_spawn(argv[1], home);
    if (node < 0)
        return 1;
    net_client *c = bench_node_connect(rpc_url);

    /* Setup: an issuer and `accounts` investors, each holding shares. */
    ldg_keypair op, issuer, *keys = malloc(accounts * sizeof *keys);
    ldg_account *accts = malloc(accounts * sizeof *accts);
    if (net_key_load(home, "operator", &op) != LDG_OK || ldg_keypair_generate(&issuer) != LDG_OK)
        return 1;
    uint64_t expiry = wall_ms() + 50 * 60 * 1000;
    size_t setup_n = 2 + 2 * accounts;
    wire *setup = malloc(setup_n * sizeof *setup);
    if (!build_registrations(chain_id, &op, &issuer, keys, accts, accounts, expiry, setup))
        return 1;
    size_t k = 1 + accounts;
    submit_all(c, setup, k);
    wait_total(c, k);
    size_t base = k;
    k = 0;
    setup[k++] = build_issue(chain_id, &issuer, expiry);
    submit_all(c, setup + base, 0);
    wire *setup2 = setup + base;
    setup2[0] = setup[0];
    build_funding(chain_id, &issuer, accts, accounts, expiry, setup2 + k);
    k += accounts;
    submit_all(c, setup2, 1);
    wait_total(c, base + 1);
    submit_all(c, setup2 + 1, k - 1);
    wait_total(c, base + k);
    uint64_t committed0 = base + k;

    /* Pre-sign the load, on all cores (not timed). */
    fprintf(stderr, "bench: signing %zu transfers from %zu accounts...\n", transfers, accounts);
    wire *load = malloc(transfers * sizeof *load);
    sign_all(chain_id, keys, accts, accounts, load, transfers, expiry, cores);

    /* The baseline, measured now on the same machine: verify the same signatures. */
    size_t sample = transfers < 200000 ? transfers : 200000;
    double raw_cpu;
    double raw = raw_verify_rate_cpu(load, sample, cores, &raw_cpu);

    fprintf(stderr, "bench: submitting over %s with %d clients...\n", rpc_url, CLIENTS);
    double t0 = now_s(), cpu0 = cpu_s(node), self_c0 = self_cpu_s();
    pthread_t t[CLIENTS];
    client_job cj[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        size_t b = transfers * (size_t)i / CLIENTS, e = transfers * (size_t)(i + 1) / CLIENTS;
        cj[i] = (client_job){load + b, e - b};
        pthread_create(&t[i], NULL, client_worker, &cj[i]);
    }
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(t[i], NULL);
    wait_total(c, committed0 + transfers);
    double dt = now_s() - t0, cpu = cpu_s(node) - cpu0;
    double client_cpu = self_cpu_s() - self_c0;
    double e2e = (double)transfers / dt;
    json_t *s = status(c, true);
    long rss = peak_rss_kib(node);
    printf("node e2e: %zu transfers committed in %.2f s = %.0f tx/s (height %lld)\n", transfers, dt,
           e2e, (long long)json_integer_value(json_object_get(s, "height")));
    printf("node CPU: %.2f s (user + system, all threads) = %.1f us per committed transfer\n", cpu,
           cpu * 1e6 / (double)transfers);
    /* The machine is shared; measure the baseline again after the run and compare with the
     * better of the two, so a busy moment cannot flatter the ratio. */
    double raw_cpu_after;
    double raw_after = raw_verify_rate_cpu(load, sample, cores, &raw_cpu_after);
    double best = raw_after > raw ? raw_after : raw;
    printf("raw BIP-340 verification on %d cores: %.0f sig/s before, %.0f after the run\n", cores,
           raw, raw_after);
    printf("ratio e2e/raw = %.2f against the better baseline (target >= 0.70)\n", e2e / best);
    /* CPU per transaction moves little with the load of a shared machine: the node's
     * (all its threads, RocksDB's included) and the submitting clients' over the timed
     * window, beside the raw verification's per signature (the lower of the two runs). On
     * an otherwise idle machine with every core busy, e2e/raw would be raw CPU / (node +
     * client CPU). */
    double raw_cpu_best = raw_cpu_after < raw_cpu ? raw_cpu_after : raw_cpu;
    double node_us = cpu * 1e6 / (double)transfers;
    double client_us = client_cpu * 1e6 / (double)transfers;
    printf("CPU per committed transfer: node %.1f us, clients %.1f us; raw verification %.1f us "
           "per signature; CPU ratio raw/(node+clients) = %.2f\n",
           node_us, client_us, raw_cpu_best, raw_cpu_best / (node_us + client_us));
    /* The node lifts each registered sender's key once and keeps the point, so part of its
     * verification work is below BIP-340-from-bytes; show the strictest comparison too. */
    double floor = raw_verify_rate_with(load, sample, cores, true);
    printf("strict floor: schnorrsig_verify with keys lifted in advance %.0f sig/s; "
           "ratio e2e/floor = %.2f\n",
           floor, e2e / floor);
    printf("node peak RSS after %llu committed transactions: %.1f MiB\n",
           (unsigned long long)(committed0 + transfers), (double)rss / 1024.0);
    json_decref(s);
    kill(node, SIGTERM);
    waitpid(node, NULL, 0);
    net_client_close(c);
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpl);
    if (system(cmd) != 0)
        return 1;
    return 0;
}
