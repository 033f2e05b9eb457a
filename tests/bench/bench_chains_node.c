/* Sub-chain checkpoints driven through a real main-chain node (specs/chains.md §8): a --dev
 * node registers N simulated sub-chains of V validators (real keys) through its committee
 * (the operator: governance proposals and votes); then, per round, N transfers and N checkpoints
 * (each sub-chain's next block, signed by a quorum) are submitted and the time until all commit is
 * measured. The checkpoint rate at full load is the node's capacity for them; 10% of it, at one
 * checkpoint per sub-chain per 10 s, is how many sub-chains it anchors.
 *
 * On a machine shared with other work that wall rate measures the node's share of the cores,
 * so the node's CPU is read too (/proc): all threads' CPU per checkpoint (10% of the cores'
 * time), and its busiest thread's (the executor: with idle cores the node cannot commit
 * faster than that thread runs), from which the rate with idle cores is estimated.
 *
 *   bench_chains_node FOLIO_BINARY [SUBCHAINS] [VALIDATORS] [ROUNDS]                        */
#include "bench/bench_common.h"
#include "chains/chn_testkit.h"
#include "gov_module.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>

#define BATCH 1000

static void submit_wait(net_client *c, wire *w, size_t n)
{
    json_t *s0 = status(c, true);
    uint64_t target = (uint64_t)json_integer_value(json_object_get(s0, "tx_total")) + n;
    json_decref(s0);
    for (size_t s = 0; s < n; s += BATCH) {
        size_t k = n - s < BATCH ? n - s : BATCH;
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_enc_array(&e, (uint32_t)k + 1);
        ldg_enc_str(&e, "submit");
        for (size_t i = 0; i < k; i++)
            ldg_enc_bin(&e, w[s + i].b, w[s + i].n);
        json_t *j = call(c, &e, true);
        ldg_enc_free(&e);
        json_t *rej = json_object_get(j, "rejected");
        if (json_array_size(rej)) {
            fprintf(stderr, "bench_chains_node: refused: %s\n",
                    json_string_value(json_object_get(json_array_get(rej, 0), "name")));
            exit(1);
        }
        json_decref(j);
    }
    for (;;) {
        json_t *st = status(c, true);
        uint64_t t = (uint64_t)json_integer_value(json_object_get(st, "tx_total"));
        json_decref(st);
        if (t >= target)
            return;
        usleep(2000);
    }
}

/* CPU seconds the node process has used (user + system, all its threads): on a machine
 * shared with other work the wall rate measures the node's share of the cores; its CPU per
 * transaction does not depend on that share. */
static double node_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static pid_t g_node;

/* CPU seconds of each of the node's threads. The busiest thread's share of a phase is its
 * serial path (the executor): with idle cores the node cannot go faster than that thread. */
#define TASKS_MAX 512
typedef struct task_cpu {
    int n;
    int tid[TASKS_MAX];
    double cpu[TASKS_MAX];
} task_cpu;

static void tasks_cpu(pid_t pid, task_cpu *t)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    t->n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d)) && t->n < TASKS_MAX;) {
        int tid = atoi(e->d_name);
        if (tid <= 0)
            continue;
        char path[128], buf[1024];
        snprintf(path, sizeof path, "%s/%d/stat", dir, tid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        const char *p = strrchr(buf, ')');
        unsigned long long ut, st;
        if (!p ||
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
            continue;
        t->tid[t->n] = tid;
        t->cpu[t->n++] = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    }
    closedir(d);
}

/* The largest CPU any one thread alive at both snapshots used between them. */
static double busiest(const task_cpu *a, const task_cpu *b)
{
    double m = 0;
    for (int i = 0; i < b->n; i++)
        for (int j = 0; j < a->n; j++)
            if (a->tid[j] == b->tid[i] && b->cpu[i] - a->cpu[j] > m)
                m = b->cpu[i] - a->cpu[j];
    return m;
}

/* Transactions per second committed; *cpu_us: node CPU us per transaction (all threads);
 * *path_us: its busiest thread's. */
static double timed(net_client *c, wire *w, size_t n, double *cpu_us, double *path_us)
{
    static task_cpu a, b;
    tasks_cpu(g_node, &a);
    double t0 = now_s(), c0 = node_cpu_s(g_node);
    submit_wait(c, w, n);
    *cpu_us = (node_cpu_s(g_node) - c0) * 1e6 / (double)n;
    tasks_cpu(g_node, &b);
    *path_us = busiest(&a, &b) * 1e6 / (double)n;
    return (double)n / (now_s() - t0);
}

static void free_all(wire *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(w[i].b);
}

static pid_t spawn_dev(const char *bin, const char *home)
{
    char log[NET_PATH_MAX + 16];
    snprintf(log, sizeof log, "%s/node.log", home);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(log, "w", stderr))
            _exit(1);
        execl(bin, bin, "node", "start", "--dev", "--home", home, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_chains_node FOLIO [SUBCHAINS] [VALIDATORS] [ROUNDS]\n");
        return 2;
    }
    size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
    uint32_t v = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 4;
    int rounds = argc > 4 ? atoi(argv[4]) : 3;
    if (n == 0 || v == 0 || v > 64 || rounds < 1 || rounds > 9)
        return 2;
    char tmpl[] = "/tmp/folio-bench-chains.XXXXXX", home[NET_PATH_MAX];
    net_config cfg;
    if (!bench_home_init(argv[1], tmpl, home, &cfg))
        return 1;
    const char *cid = cfg.chain_id;
    pid_t node = spawn_dev(argv[1], home);
    if (node < 0)
        return 1;
    g_node = node;
    net_client *c = bench_node_connect(cfg.rpc_url);
    ldg_keypair op, issuer, inv;
    if (net_key_load(home, "operator", &op) != LDG_OK || ldg_keypair_generate(&issuer) != LDG_OK)
        return 1;
    uint64_t expiry = wall_ms() + 50 * 60 * 1000;
    ldg_account op_acct, inv_acct;
    ldg_account_of(&op_acct, &op.pub);
    /* an issuer holding shares, an investor to receive them */
    wire setup[3];
    if (!build_registrations(cid, &op, &issuer, &inv, &inv_acct, 1, expiry, setup))
        return 1;
    submit_wait(c, setup, 2);
    setup[2] = build_issue(cid, &issuer, expiry);
    submit_wait(c, setup + 2, 1);
    free_all(setup, 3);
    /* N sub-chains, registered by the committee (the --dev operator, weight 1): proposals
     * of the action kind and their votes, GOV_OPEN_PROPOSALS_MAX at a time; ids are
     * sequential from 1 on a fresh chain, in arrival order. */
    tk_sub *subs = calloc(n, sizeof *subs);
    wire *w = calloc(n, sizeof *w);
    ldg_enc p, h, a;
    ldg_enc_init(&p);
    ldg_enc_init(&h);
    ldg_enc_init(&a);
    fprintf(stderr, "bench_chains_node: registering %zu sub-chains of %u validators\n", n, v);
    for (size_t s = 0; s < n; s += GOV_OPEN_PROPOSALS_MAX) {
        size_t k = n - s < GOV_OPEN_PROPOSALS_MAX ? n - s : GOV_OPEN_PROPOSALS_MAX;
        json_t *st = status(c, true);
        uint64_t height = (uint64_t)json_integer_value(json_object_get(st, "height"));
        json_decref(st);
        for (size_t i = s; i < s + k; i++) {
            char id[17], scid[33];
            snprintf(id, sizeof id, "s%u", (unsigned)(i % 100000000));
            snprintf(scid, sizeof scid, "bench-sub-%u", (unsigned)(i % 100000000));
            tk_sub_init(&subs[i], scid, v, (uint32_t)(1000 + i));
            ldg_enc_reset(&a);
            ldg_enc_array(&a, 7);
            ldg_enc_str(&a, id);
            ldg_enc_str(&a, "bench");
            ldg_enc_str(&a, scid);
            ldg_enc_bin(&a, subs[i].genesis_hash.b, LDG_HASH_LEN);
            tk_enc_keys(&a, subs[i].keys, v);
            ldg_enc_u64(&a, 10000);
            ldg_enc_bin(&a, op_acct.b, LDG_ACCOUNT_LEN);
            ldg_enc_reset(&p);
            ldg_enc_array(&p, 4);
            ldg_enc_u64(&p, GOV_KIND_ACTION);
            ldg_enc_array(&p, 2);
            ldg_enc_u64(&p, CHN_TX_CREATE);
            ldg_enc_bin(&p, ldg_enc_data(&a), ldg_enc_len(&a));
            ldg_enc_u64(&p, height + 1000);
            ldg_enc_u64(&p, 1);
            w[i - s] = build(cid, GOV_TX_PROPOSE, &op, &p, expiry);
        }
        submit_wait(c, w, k);
        free_all(w, k);
        for (size_t i = s; i < s + k; i++) {
            ldg_enc_reset(&p);
            ldg_enc_array(&p, 2);
            ldg_enc_u64(&p, (uint64_t)i + 1);
            ldg_enc_u64(&p, 1); /* yes */
            w[i - s] = build(cid, GOV_TX_VOTE, &op, &p, expiry);
        }
        submit_wait(c, w, k);
        free_all(w, k);
    }
    for (;;) { /* the last proposal activated: every sub-chain is registered */
        ldg_enc_reset(&p);
        ldg_enc_array(&p, 2);
        ldg_enc_str(&p, "gov_proposal");
        ldg_enc_u64(&p, (uint64_t)n);
        json_t *j = call(c, &p, true);
        const char *stt = json_string_value(json_object_get(j, "status"));
        bool done = stt && !strcmp(stt, "activated"), failed = stt && !strcmp(stt, "failed");
        json_decref(j);
        if (failed) {
            fprintf(stderr, "bench_chains_node: registering sub-chain %zu failed\n", n);
            return 1;
        }
        if (done)
            break;
        usleep(20000);
    }
    ldg_enc_free(&a);
    double tps[9], cps[9], tcpu[9], ccpu[9], tpath[9], cpath[9];
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < n; i++) { /* transfers: issuer -> investor */
            ldg_enc_reset(&p);
            ldg_enc_array(&p, 3);
            ldg_enc_str(&p, "CNE100000296");
            ldg_enc_u64(&p, 1);
            ldg_enc_bin(&p, inv_acct.b, LDG_ACCOUNT_LEN);
            w[i] = build(cid, AST_TX_TRANSFER, &issuer, &p, expiry);
        }
        tps[r] = timed(c, w, n, &tcpu[r], &tpath[r]);
        free_all(w, n);
        for (size_t i = 0; i < n; i++) { /* checkpoints: each sub-chain's next block */
            char id[17];
            snprintf(id, sizeof id, "s%u", (unsigned)(i % 100000000));
            tk_advance(&subs[i], 1, 1000, &h);
            ldg_cert ct;
            uint64_t mask = 0;
            for (uint32_t k = 0; k < ldg_quorum(v); k++)
                mask |= 1ULL << k;
            tk_cert(&ct, &subs[i], subs[i].keys, v, subs[i].height, ldg_enc_data(&h),
                    ldg_enc_len(&h), mask);
            ldg_enc_reset(&p);
            chn_checkpoint_tx_encode(&p, id, ldg_enc_data(&h), ldg_enc_len(&h), &ct);
            w[i] = build(cid, CHN_TX_CHECKPOINT, &op, &p, expiry);
        }
        cps[r] = timed(c, w, n, &ccpu[r], &cpath[r]);
        free_all(w, n);
        printf("round %d: %zu transfers at %.0f tx/s, %zu checkpoints (%u validators) at %.0f/s "
               "(x%.1f); node CPU per transfer %.0f us, per checkpoint %.0f us (x%.1f); its "
               "busiest thread's %.0f / %.0f us\n",
               r + 1, n, tps[r], n, v, cps[r], tps[r] / cps[r], tcpu[r], ccpu[r], ccpu[r] / tcpu[r],
               tpath[r], cpath[r]);
    }
    qsort(tps, (size_t)rounds, sizeof tps[0], cmpd);
    qsort(cps, (size_t)rounds, sizeof cps[0], cmpd);
    qsort(tcpu, (size_t)rounds, sizeof tcpu[0], cmpd);
    qsort(ccpu, (size_t)rounds, sizeof ccpu[0], cmpd);
    qsort(cpath, (size_t)rounds, sizeof cpath[0], cmpd);
    int md = rounds / 2;
    printf("chains node: %u validators, %d rounds: transfers %.0f / %.0f / %.0f tx/s, "
           "checkpoints %.0f / %.0f / %.0f per s (min / median / max)\n",
           v, rounds, tps[0], tps[md], tps[rounds - 1], cps[0], cps[md], cps[rounds - 1]);
    printf("chains node: within 10%% of this node's checkpoint capacity, at one checkpoint per "
           "10 s: %.0f sub-chains of %u validators (median; min %.0f) (target >= 1,000)\n",
           0.1 * cps[md] * 10, v, 0.1 * cps[0] * 10);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    /* With idle cores the node's checkpoint rate is bounded by its busiest thread (1 / path)
     * and by all its CPU spread over the cores (cores / cpu): the smaller of the two. */
    double idle_rate = 1e6 / cpath[md] < (double)cores * 1e6 / ccpu[md]
                           ? 1e6 / cpath[md]
                           : (double)cores * 1e6 / ccpu[md];
    printf("chains node: busiest node thread's CPU per checkpoint %.0f / %.0f / %.0f us (min / "
           "median / max); with this machine's %ld cores idle the node would commit about %.0f "
           "checkpoints/s, so 10%% of it anchors %.0f sub-chains of %u validators at one "
           "checkpoint per 10 s (target >= 1,000)\n",
           cpath[0], cpath[md], cpath[rounds - 1], cores, idle_rate, 0.1 * idle_rate * 10, v);
    printf("chains node: node CPU per checkpoint %.0f / %.0f / %.0f us (min / median / max), per "
           "transfer %.0f us median; at 10%% of this machine's %ld cores' time, at one "
           "checkpoint per 10 s: %.0f sub-chains of %u validators (median CPU; worst %.0f)\n",
           ccpu[0], ccpu[md], ccpu[rounds - 1], tcpu[md], cores,
           0.1 * (double)cores * 1e6 / ccpu[md] * 10, v,
           0.1 * (double)cores * 1e6 / ccpu[rounds - 1] * 10);
    /* check: every sub-chain anchored at the last round's height */
    ldg_enc_reset(&p);
    ldg_enc_array(&p, 2);
    ldg_enc_str(&p, "subchain");
    ldg_enc_str(&p, "s0");
    json_t *j = call(c, &p, true);
    long long last = json_integer_value(json_object_get(json_object_get(j, "last"), "height"));
    json_decref(j);
    ldg_enc_free(&p);
    ldg_enc_free(&h);
    kill(node, SIGTERM);
    waitpid(node, NULL, 0);
    char cmd[2 * NET_PATH_MAX];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpl);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_chains_node: could not remove %s\n", tmpl);
    free(w);
    free(subs);
    net_client_close(c);
    return last == rounds ? 0 : 1;
}
