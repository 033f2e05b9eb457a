/* The main chain's cost of one sub-chain checkpoint (specs/chains.md §8), beside one asset
 * transfer's, measured in the same run on the same in-memory main-chain state with the node's
 * registry: decode + execute (ldg_tx_decode, ldg_exec_tx), signatures made beforehand. For a
 * checkpoint, execution includes verifying its commit certificate (a quorum of BIP-340
 * signatures), the history lookup and the record, checkpoint and deadline writes; neither
 * kind includes the envelope signature check (the same for both) nor the store commit.
 *
 *   bench_chains [SUBCHAINS] [ROUNDS] [THREADS]
 *
 * Prints per round and the spread over rounds: us per transfer, per checkpoint of a 4- and a
 * 16-validator sub-chain, the ratio, and how many sub-chains anchoring once per 10 s one
 * main chain carries within 10% of (a) one core's execution time, (b) the single-node
 * transfer throughput of the same `make bench` run (FOLIO_BENCH_SINGLE_TPS, if set).
 * Beside it, the node's path (specs/chains.md §8.1): each block's certificate signatures
 * verified ahead on THREADS threads (default 2), then executed; the ratio is against the
 * serial figure of the same round. */
#include "ast_asset.h"
#include "chains/chn_testkit.h"

#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of the process (every thread): on a machine shared with other work the wall
 * time measures this process's share of the cores, its CPU time the work itself. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU us per transaction of the last exec_all / exec_presigned: all threads, and the
 * calling (executor) thread's alone (its serial path). */
static double g_cpu_us, g_path_us;

typedef struct wire {
    uint8_t *b;
    size_t n;
} wire;

static wire sign_tx(tk_main *m, uint16_t type, const ldg_enc *p, const ldg_keypair *kp, uint64_t i)
{
    wire w;
    w.b = ldg_tx_build(&w.n, NULL, TK_MAIN_CHAIN, &(ldg_hash){{0}}, type, kp,
                       m->env.time_ms + 600000 + i % 1000, ldg_enc_data(p), ldg_enc_len(p),
                       false); /* a random nonce: distinct ids */
    LDG_ASSERT(w.b);
    return w;
}

/* Executes the wires; us per transaction. Every receipt must be OK. */
static double exec_all(tk_main *m, wire *w, uint32_t n)
{
    double t0 = now_s(), c0 = cpu_s(), p0 = thread_cpu_s();
    for (uint32_t i = 0; i < n; i++) {
        ldg_tx tx;
        LDG_ASSERT(ldg_tx_decode(&tx, w[i].b, w[i].n) == LDG_R_OK);
        ldg_receipt rc;
        LDG_ASSERT(ldg_exec_tx(m->reg, m->st, &m->env, &tx, i, &rc) == LDG_OK);
        if (rc.code != LDG_R_OK) {
            fprintf(stderr, "bench_chains: receipt %u: %s (%s)\n", rc.code,
                    ldg_result_name(rc.code), rc.detail);
            exit(1);
        }
        ldg_tx_free(&tx);
    }
    g_cpu_us = (cpu_s() - c0) * 1e6 / n;
    g_path_us = (thread_cpu_s() - p0) * 1e6 / n;
    return (now_s() - t0) * 1e6 / n;
}

/* The node's path (ldg_chain's run_block): per block of BLOCK transactions, the checkpoints'
 * signatures verified ahead on `threads` threads into the cache (ldg_exec_presign), then
 * the transactions executed in order, their handlers finding the signatures there. Wall us
 * per transaction; *hit_pct: the share of certificate signatures found in the cache. */
#define BLOCK 1000
static double exec_presigned(tk_main *m, wire *w, uint32_t n, ldg_sigcache *cache, unsigned threads,
                             double *hit_pct)
{
    ldg_tx *txs = calloc(BLOCK, sizeof *txs);
    LDG_ASSERT(txs);
    ldg_sigcache_stats s0 = ldg_sigcache_get_stats(cache);
    m->env.sigcache = cache;
    double t0 = now_s(), c0 = cpu_s(), p0 = thread_cpu_s();
    for (uint32_t b = 0; b < n; b += BLOCK) {
        uint32_t k = n - b < BLOCK ? n - b : BLOCK;
        for (uint32_t i = 0; i < k; i++)
            LDG_ASSERT(ldg_tx_decode(&txs[i], w[b + i].b, w[b + i].n) == LDG_R_OK);
        ldg_exec_presign(m->reg, m->st, &m->env, txs, k, threads);
        for (uint32_t i = 0; i < k; i++) {
            ldg_receipt rc;
            LDG_ASSERT(ldg_exec_tx(m->reg, m->st, &m->env, &txs[i], b + i, &rc) == LDG_OK);
            if (rc.code != LDG_R_OK) {
                fprintf(stderr, "bench_chains: receipt %u: %s (%s)\n", rc.code,
                        ldg_result_name(rc.code), rc.detail);
                exit(1);
            }
            ldg_tx_free(&txs[i]);
        }
    }
    double us = (now_s() - t0) * 1e6 / n;
    g_cpu_us = (cpu_s() - c0) * 1e6 / n;
    g_path_us = (thread_cpu_s() - p0) * 1e6 / n;
    m->env.sigcache = NULL;
    ldg_sigcache_stats s1 = ldg_sigcache_get_stats(cache);
    uint64_t hits = s1.hits - s0.hits, asked = hits + s1.misses - s0.misses;
    *hit_pct = asked ? 100.0 * (double)hits / (double)asked : 0;
    free(txs);
    return us;
}

/* n checkpoints: sub-chain i (its own keys) relays its block 1, signed by a quorum. */
static wire *checkpoints(tk_main *m, uint32_t n, uint32_t validators, uint32_t round)
{
    wire *w = calloc(n, sizeof *w);
    LDG_ASSERT(w);
    tk_sub *s = malloc(sizeof *s);
    LDG_ASSERT(s);
    ldg_enc h, p;
    ldg_enc_init(&h);
    ldg_enc_init(&p);
    for (uint32_t i = 0; i < n; i++) {
        char id[40], cid[LDG_CHAIN_ID_LEN_MAX + 1]; /* ids stay within 16 for the sizes run */
        snprintf(id, sizeof id, "r%uv%us%u", round, validators, i);
        snprintf(cid, sizeof cid, "sub-%u-%u-%u", round, validators, i);
        tk_sub_init(s, cid, validators, 7 * i + validators + 100000 * round);
        LDG_ASSERT(tk_create(m, id, s, 10000) == LDG_R_OK);
        tk_advance(s, 1, 1000, &h);
        ldg_cert c;
        uint64_t mask = 0;
        for (uint32_t k = 0; k < ldg_quorum(validators); k++)
            mask |= 1ULL << k;
        tk_cert(&c, s, s->keys, s->n, 1, ldg_enc_data(&h), ldg_enc_len(&h), mask);
        ldg_enc_reset(&p);
        chn_checkpoint_tx_encode(&p, id, ldg_enc_data(&h), ldg_enc_len(&h), &c);
        w[i] = sign_tx(m, CHN_TX_CHECKPOINT, &p, &m->relayer, i);
    }
    ldg_enc_free(&h);
    ldg_enc_free(&p);
    free(s);
    return w;
}

static wire *transfers(tk_main *m, uint32_t n, uint32_t round)
{
    wire *w = calloc(n, sizeof *w);
    LDG_ASSERT(w);
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_account to;
    ldg_account_of(&to, &m->relayer.pub);
    for (uint32_t i = 0; i < n; i++) {
        ldg_enc_reset(&p);
        ldg_enc_array(&p, 3);
        ldg_enc_str(&p, "CNE100000296");
        ldg_enc_u64(&p, 1 + i % 7);
        ldg_enc_bin(&p, to.b, LDG_ACCOUNT_LEN);
        w[i] = sign_tx(m, AST_TX_TRANSFER, &p, &m->operator_, i);
    }
    ldg_enc_free(&p);
    return w;
}

static void free_wires(wire *w, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        free(w[i].b);
    free(w);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define ROUNDS_MAX 9

/* us per BIP-340 verification (ldg_verify), the certificate's unit of work. */
static double verify_us(void)
{
    ldg_keypair kp;
    tk_keys(&kp, 1, 4242);
    ldg_hash msg = {{1}};
    ldg_sig sig;
    LDG_ASSERT(ldg_sign_deterministic(&sig, &kp, &msg) == LDG_OK);
    double t0 = now_s();
    for (int i = 0; i < 2000; i++)
        LDG_ASSERT(ldg_verify(&sig, &msg, &kp.pub));
    return (now_s() - t0) * 1e6 / 2000;
}

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 2000;
    uint32_t rounds = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 3;
    unsigned threads = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 2;
    if (n == 0 || rounds == 0 || rounds > ROUNDS_MAX || threads == 0 || threads > 64)
        return 2;
    tk_main m;
    tk_main_init(&m);
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 6);
    ldg_enc_str(&p, "CNE100000296");
    ldg_enc_str(&p, "Bench Co");
    ldg_enc_u64(&p, 1000000000);
    ldg_enc_bin(&p, m.operator_account.b, LDG_ACCOUNT_LEN);
    ldg_enc_str(&p, "A");
    ldg_enc_u64(&p, 3);
    wire issue = sign_tx(&m, AST_TX_ISSUE_EQUITY, &p, &m.operator_, 0);
    ldg_enc_free(&p);
    exec_all(&m, &issue, 1);
    free(issue.b);
    double tr[ROUNDS_MAX], c4[ROUNDS_MAX], c16[ROUNDS_MAX], vs[ROUNDS_MAX];
    double p4[ROUNDS_MAX], p16[ROUNDS_MAX], hit4, hit16, cc16[ROUNDS_MAX], pc16[ROUNDS_MAX],
        pp16[ROUNDS_MAX];
    ldg_sigcache *cache = ldg_sigcache_new();
    for (uint32_t r = 0; r < rounds; r++) {
        wire *wt = transfers(&m, n, r), *w4 = checkpoints(&m, n, 4, r),
             *w16 = checkpoints(&m, n, 16, r), *q4 = checkpoints(&m, n, 4, r + 100),
             *q16 = checkpoints(&m, n, 16, r + 100);
        vs[r] = verify_us();
        tr[r] = exec_all(&m, wt, n);
        c4[r] = exec_all(&m, w4, n);
        c16[r] = exec_all(&m, w16, n);
        cc16[r] = g_cpu_us;
        p4[r] = exec_presigned(&m, q4, n, cache, threads, &hit4);
        p16[r] = exec_presigned(&m, q16, n, cache, threads, &hit16);
        pc16[r] = g_cpu_us;
        pp16[r] = g_path_us;
        printf("round %u: transfer %.1f us, checkpoint 4 validators %.1f us (x%.1f), 16 "
               "validators %.1f us (x%.1f); one signature verification %.1f us\n",
               r + 1, tr[r], c4[r], c4[r] / tr[r], c16[r], c16[r] / tr[r], vs[r]);
        printf("round %u: verified ahead on %u threads: checkpoint 4 validators %.1f us (%.2fx "
               "the serial figure), 16 validators %.1f us (%.2fx); %.0f%% / %.0f%% of "
               "certificate signatures found in the cache\n",
               r + 1, threads, p4[r], c4[r] / p4[r], p16[r], c16[r] / p16[r], hit4, hit16);
        printf("round %u: CPU per checkpoint of 16 validators: serial %.1f us, verified ahead "
               "%.1f us over all threads (%.2fx), %.1f us on the executing thread (%.2fx)\n",
               r + 1, cc16[r], pc16[r], cc16[r] / pc16[r], pp16[r], cc16[r] / pp16[r]);
        free_wires(wt, n);
        free_wires(w4, n);
        free_wires(w16, n);
        free_wires(q4, n);
        free_wires(q16, n);
    }
    ldg_sigcache_free(cache);
    qsort(tr, rounds, sizeof tr[0], cmp);
    qsort(c4, rounds, sizeof c4[0], cmp);
    qsort(c16, rounds, sizeof c16[0], cmp);
    qsort(vs, rounds, sizeof vs[0], cmp);
    qsort(p4, rounds, sizeof p4[0], cmp);
    qsort(p16, rounds, sizeof p16[0], cmp);
    qsort(cc16, rounds, sizeof cc16[0], cmp);
    qsort(pc16, rounds, sizeof pc16[0], cmp);
    qsort(pp16, rounds, sizeof pp16[0], cmp);
    uint32_t md = rounds / 2;
    printf("chains: one checkpoint costs the work of %.1f (4 validators, quorum 3) and %.1f (16, "
           "quorum 11) signature verifications of this run (%.1f us each, median)\n",
           c4[md] / vs[md], c16[md] / vs[md], vs[md]);
    printf("chains: %u each, %u rounds (min / median / max us): transfer %.1f / %.1f / %.1f; "
           "checkpoint-4 %.1f / %.1f / %.1f; checkpoint-16 %.1f / %.1f / %.1f\n",
           n, rounds, tr[0], tr[md], tr[rounds - 1], c4[0], c4[md], c4[rounds - 1], c16[0], c16[md],
           c16[rounds - 1]);
    /* 10% of one core: 0.1 s of every second; a sub-chain costs one checkpoint per 10 s */
    printf("chains: within 10%% of one core's execution time, at one checkpoint per 10 s: "
           "%.0f sub-chains of 4 validators, %.0f of 16 (target >= 1,000)\n",
           0.1 * 1e6 / c4[md] * 10, 0.1 * 1e6 / c16[md] * 10);
    printf("chains: verified ahead on %u threads (the node's path), wall us per checkpoint (min / "
           "median / max): 4 validators %.1f / %.1f / %.1f (%.2fx the serial median), 16 "
           "validators %.1f / %.1f / %.1f (%.2fx)\n",
           threads, p4[0], p4[md], p4[rounds - 1], c4[md] / p4[md], p16[0], p16[md],
           p16[rounds - 1], c16[md] / p16[md]);
    printf("chains: within 10%% of the executor's wall time so, at one checkpoint per 10 s: %.0f "
           "sub-chains of 4 validators, %.0f of 16 (target >= 1,000)\n",
           0.1 * 1e6 / p4[md] * 10, 0.1 * 1e6 / p16[md] * 10);
    printf("chains: CPU per checkpoint of 16 validators (min / median / max us): serial %.1f / "
           "%.1f / %.1f; verified ahead, all threads %.1f / %.1f / %.1f (%.2fx the serial "
           "median), the executing thread %.1f / %.1f / %.1f (%.2fx)\n",
           cc16[0], cc16[md], cc16[rounds - 1], pc16[0], pc16[md], pc16[rounds - 1],
           cc16[md] / pc16[md], pp16[0], pp16[md], pp16[rounds - 1], cc16[md] / pp16[md]);
    printf("chains: by CPU (independent of other load), 10%% of one executing core at one "
           "checkpoint per 10 s: %.0f sub-chains of 16 validators serial, %.0f verified ahead "
           "(bounded too by 10%% of all %u threads' cores: %.0f) (target >= 1,000)\n",
           0.1 * 1e6 / cc16[md] * 10, 0.1 * 1e6 / pp16[md] * 10, threads,
           0.1 * threads * 1e6 / pc16[md] * 10);
    const char *tps = getenv("FOLIO_BENCH_SINGLE_TPS");
    if (tps && atof(tps) > 0) {
        double t = atof(tps);
        printf("chains: within 10%% of this run's single-node capacity (%.0f transfers/s), a "
               "checkpoint counting as %.1f / %.1f transfers: %.0f sub-chains of 4 validators, "
               "%.0f of 16\n",
               t, c4[md] / tr[md], c16[md] / tr[md], 0.1 * t / (c4[md] / tr[md]) * 10,
               0.1 * t / (c16[md] / tr[md]) * 10);
    }
    tk_main_free(&m);
    return 0;
}
