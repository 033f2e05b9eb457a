/* Benchmark: node CPU spent on submissions it must refuse (issue 12, item 12). A client
 * without a key floods a node with transfers from unregistered senders whose signatures
 * are garbage; admission checks the sender before the signature, so this must cost no
 * signature work. Printed beside a baseline measured in the same run: the node CPU for the
 * same number of garbage-signed submissions from a registered sender (the operator),
 * where the signature check is the refusal, and the CPU this process spends verifying as
 * many signatures itself.
 *
 *   bench_garbage FOLIO_BINARY [SUBMISSIONS]
 *
 * Node CPU is utime + stime from /proc/PID/stat around the flood (10 ms resolution; the
 * submissions are many so that it shows). Requests carry LDG_RPC_BATCH_TX_MAX transactions
 * each (~190 KB). */
#include "ldg_tx.h"
#include "net_home.h"
#include "net_rpc.h"

/* This benchmark uses only a few of the shared helpers. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "bench/bench_common.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char rpc_url[NET_PATH_MAX];

/* The node's CPU seconds so far (user + system). */
static double node_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the name may hold spaces */
    unsigned long ut = 0, st = 0;
    /* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
     */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Submits txs in requests of LDG_RPC_BATCH_TX_MAX; every one must be refused; *other counts
 * refusals other than `want`. */
static void flood(net_client *c, wire *txs, size_t n, ldg_result want, size_t *other)
{
    for (size_t s = 0; s < n; s += LDG_RPC_BATCH_TX_MAX) {
        size_t k = n - s < LDG_RPC_BATCH_TX_MAX ? n - s : LDG_RPC_BATCH_TX_MAX;
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_enc_array(&e, (uint32_t)k + 1);
        ldg_enc_str(&e, "submit");
        for (size_t i = 0; i < k; i++)
            ldg_enc_bin(&e, txs[s + i].b, txs[s + i].n);
        json_t *j = call(c, &e, true);
        ldg_enc_free(&e);
        json_t *rej = json_object_get(j, "rejected");
        for (size_t r = 0; r < json_array_size(rej); r++) {
            json_t *o = json_array_get(rej, r);
            if ((int)json_integer_value(json_object_get(o, "code")) != (int)want)
                (*other)++; /* a node that checks the signature first says BAD_SIGNATURE */
        }
        if (json_array_size(rej) != k) {
            fprintf(stderr, "bench: a garbage transaction was accepted\n");
            exit(1);
        }
        json_decref(j);
    }
}

/* n transfers signed by keys[i % nkeys], then their signatures replaced by garbage. */
static wire *garbage(const char *chain_id, const ldg_keypair *keys, size_t nkeys, size_t n)
{
    wire *w = malloc(n * sizeof *w);
    uint64_t expiry = wall_ms() + 30 * 60 * 1000;
    for (size_t i = 0; i < n; i++) {
        ldg_enc p;
        ldg_enc_init(&p);
        ldg_enc_array(&p, 3);
        ldg_enc_str(&p, "CNE100000296");
        ldg_enc_u64(&p, 1);
        ldg_account to;
        ldg_account_of(&to, &keys[(i + 1) % nkeys].pub);
        ldg_enc_bin(&p, to.b, LDG_ACCOUNT_LEN);
        w[i] = build(chain_id, AST_TX_TRANSFER, &keys[i % nkeys], &p, expiry);
        ldg_enc_free(&p);
        memset(w[i].b + w[i].n - LDG_SIG_LEN, 0x5a ^ (int)(i & 0x7f), LDG_SIG_LEN);
    }
    return w;
}

/* This process's CPU seconds to verify n of the transactions' signatures (one core). */
static double verify_cpu_s(wire *txs, size_t n)
{
    struct timespec a, b;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        ldg_tx tx;
        if (ldg_tx_decode(&tx, txs[i].b, txs[i].n) != LDG_R_OK)
            abort();
        bad += !ldg_tx_verify(&tx, &bench_genesis);
        ldg_tx_free(&tx);
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    if (bad != n)
        abort();
    return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_garbage FOLIO_BINARY [SUBMISSIONS]\n");
        return 2;
    }
    size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 20480;
    char tmpl[] = "/tmp/folio-bench-garbage.XXXXXX", home[NET_PATH_MAX], cmd[2 * NET_PATH_MAX];
    net_config cfg;
    if (!bench_home_init(argv[1], tmpl, home, &cfg))
        return 1;
    snprintf(rpc_url, sizeof rpc_url, "%s", cfg.rpc_url);
    pid_t node = bench_node_spawn(argv[1], home);
    if (node < 0)
        return 1;
    net_client *c = bench_node_connect(rpc_url);

    enum { KEYS = 256 };
    ldg_keypair *strangers = malloc(KEYS * sizeof *strangers), op;
    for (size_t i = 0; i < KEYS; i++)
        if (ldg_keypair_generate(&strangers[i]) != LDG_OK)
            return 1;
    if (net_key_load(home, "operator", &op) != LDG_OK)
        return 1;
    wire *unreg = garbage(cfg.chain_id, strangers, KEYS, n);
    wire *reg = garbage(cfg.chain_id, &op, 1, n);

    /* The flood first, then the baseline: a cache warmed by the baseline cannot help. */
    size_t other = 0, other_reg = 0;
    double c0 = node_cpu_s(node);
    flood(c, unreg, n, LDG_R_UNKNOWN_SENDER, &other);
    double c1 = node_cpu_s(node);
    flood(c, reg, n, LDG_R_BAD_SIGNATURE, &other_reg);
    double c2 = node_cpu_s(node);
    double own = verify_cpu_s(reg, n);
    double k = (double)n / 1000.0;
    printf("node CPU per 1,000 submissions from unregistered senders, garbage signatures: "
           "%.4f s (target: no signature work)\n",
           (c1 - c0) / k);
    printf("baseline: node CPU per 1,000 garbage-signed submissions from a registered sender "
           "%.4f s; 1,000 signature verifications here %.4f s\n",
           (c2 - c1) / k, own / k);
    if (other)
        printf("%zu of the unregistered senders' submissions were refused for another reason "
               "than UNKNOWN_SENDER (the signature was checked first)\n",
               other);
    printf("ratio unregistered/registered = %.3f, unregistered/verifications = %.3f "
           "(%zu submissions each)\n",
           (c1 - c0) / (c2 - c1 > 0 ? c2 - c1 : 1e-9), (c1 - c0) / own, n);
    kill(node, SIGTERM);
    waitpid(node, NULL, 0);
    net_client_close(c);
    for (size_t i = 0; i < n; i++) {
        free(unreg[i].b);
        free(reg[i].b);
    }
    free(unreg);
    free(reg);
    free(strangers);
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpl);
    return system(cmd) == 0 ? 0 : 1;
}
