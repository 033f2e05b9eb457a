/* Benchmark: four validators on this machine over TLS (folio testnet init, the real
 * binary), next to the machine's BIP-340 verification rate measured in the same run.
 *
 *   bench_cluster FOLIO_BINARY [TRANSFERS] [ACCOUNTS]
 *
 * Prints: sustained committed transfers/s (clients on all four nodes); p50/p99
 * submit-to-commit latency at half that rate (open loop into one node, commit seen as that
 * node's transaction count passing the transfer's position: a FIFO approximation at block
 * granularity); time from killing the current proposer to the next commit; time for that
 * validator, down for FOLIO_BENCH_DOWN_S seconds (default 60) while clients keep the other
 * three busy at half the sustained rate, to be back at the others' height and voting.
 * FOLIO_BENCH_KEEP set: the nodes' homes and logs are kept.
 * Targets: >= 5,000 tx/s, p99 <= 200 ms, <= 1.5 s, <= 5 s. */
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
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NODES 4
#define BATCH 512
/* Phase 4 gives up on a restarted node after this long. */
#define RECOVERY_S 180

static char chain_id[LDG_CHAIN_ID_LEN_MAX + 1];
static char rpc[NODES][128], homes[NODES][NET_PATH_MAX];
static pid_t pids[NODES];
static const char *folio;

static net_client *connect_node(int i)
{
    net_client *c = NULL;
    char err[256];
    for (int k = 0; k < 400 && net_client_open(&c, rpc[i], 20000, err, sizeof err) != LDG_OK; k++)
        usleep(50000);
    return c;
}

static int64_t field(net_client *c, const char *name)
{
    json_t *j = status(c, false);
    if (!j)
        return -1;
    int64_t v = (int64_t)json_integer_value(json_object_get(j, name));
    json_decref(j);
    return v;
}

/* Submits txs in batches; MEMPOOL_FULL and transient refusals are retried. */
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
        for (size_t r = 0; r < json_array_size(res); r++) {
            int code = (int)json_integer_value(json_object_get(json_array_get(res, r), "code"));
            full |= code == LDG_R_MEMPOOL_FULL;
        }
        json_decref(j);
        if (!j || full) {
            /* Again, whole: those accepted the first time are refused as known. */
            usleep(20000);
            continue;
        }
        s += k;
    }
}

static void wait_total(net_client *c, int64_t target, double timeout_s)
{
    double t0 = now_s();
    while (field(c, "tx_total") < target && now_s() - t0 < timeout_s)
        usleep(5000);
}

typedef struct client_job {
    int node;
    wire *txs;
    size_t n;
} client_job;

static void *client_worker(void *arg)
{
    client_job *j = arg;
    net_client *c = connect_node(j->node);
    if (!c)
        abort();
    submit(c, j->txs, j->n);
    net_client_close(c);
    return NULL;
}

/* Open-loop load for the failure measurements, paced by the clock: `rate` transfers/s in
 * total, round robin over the live nodes (never the one in `avoid`). Stops at `stop` or
 * when the signed transfers run out. */
typedef struct trickle {
    wire *txs;
    size_t n;
    _Atomic size_t next;
    _Atomic bool stop;
    _Atomic int avoid;   /* node not to submit to (down) */
    _Atomic size_t rate; /* transfers/s */
} trickle;

static void *trickle_worker(void *arg)
{
    trickle *t = arg;
    net_client *c[NODES] = {0};
    int rr = 0;
    double owed = 0, last = now_s();
    while (!atomic_load(&t->stop)) {
        double nt = now_s();
        owed += (double)atomic_load(&t->rate) * (nt - last);
        last = nt;
        if (owed > (double)BATCH * NODES)
            owed = (double)BATCH * NODES; /* the cluster is full: do not build a backlog */
        size_t k = (size_t)owed;
        if (k == 0) {
            usleep(2000);
            continue;
        }
        size_t s = atomic_fetch_add(&t->next, k);
        if (s + k > t->n)
            break;
        owed -= (double)k;
        int node = rr++ % NODES;
        if (node == atomic_load(&t->avoid))
            node = (node + 1) % NODES;
        if (!c[node])
            c[node] = connect_node(node);
        if (c[node])
            submit(c[node], t->txs + s, k);
        usleep(10000);
    }
    for (int i = 0; i < NODES; i++)
        if (c[i])
            net_client_close(c[i]);
    return NULL;
}

/* Phase 4: the first time, from t0, that the watcher has heard a signed message of the
 * victim (its consensus.validators_heard), in ms; -1 until then. */
typedef struct vote_watch {
    net_client *c;
    int victim;
    double t0;
    _Atomic bool stop;
    _Atomic int64_t t_vote_ms;
} vote_watch;

static void *vote_watch_worker(void *arg)
{
    vote_watch *w = arg;
    atomic_store(&w->t_vote_ms, -1);
    while (w->c && !atomic_load(&w->stop) && atomic_load(&w->t_vote_ms) < 0) {
        json_t *sw = status(w->c, false);
        json_t *heard = json_object_get(json_object_get(sw, "consensus"), "validators_heard");
        for (size_t i = 0; i < json_array_size(heard); i++)
            if (json_integer_value(json_array_get(heard, i)) == w->victim)
                atomic_store(&w->t_vote_ms, (int64_t)((now_s() - w->t0) * 1000));
        json_decref(sw);
        usleep(5000);
    }
    if (w->c)
        net_client_close(w->c);
    return NULL;
}

/* A base port whose 10 ports per node are all free on loopback now (the e2e tests pick
 * theirs from the pid too, in an overlapping range), starting from a pid-derived one. All
 * below Linux's ephemeral range (32768 on): there an outgoing connection of another node
 * could take the restarted validator's port while it is down (seen: "Address in use"). */
static int free_base(void)
{
    for (int k = 0; k < 200; k++) {
        int base = 20000 + (int)((getpid() + k) % 120) * 100, ok = 1;
        for (int p = 0; ok && p < 10 * NODES; p++) {
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
    return 20000 + (int)(getpid() % 120) * 100;
}

/* At exit: the nodes still running are killed, so that a benchmark that gives up early
 * leaves none behind (holding its ports and its stdout). */
static void kill_nodes(void)
{
    for (int i = 0; i < NODES; i++)
        if (pids[i] > 0) {
            kill(pids[i], SIGKILL);
            waitpid(pids[i], NULL, 0);
            pids[i] = 0;
        }
}

static void start_node(int i)
{
    pids[i] = fork();
    if (pids[i] == 0) {
        char log[NET_PATH_MAX + 16];
        snprintf(log, sizeof log, "%s/node.log", homes[i]);
        if (!freopen(log, "a", stderr))
            _exit(1);
        execl(folio, folio, "node", "start", "--home", homes[i], (char *)NULL);
        _exit(127);
    }
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The single-node figure beside the cluster's: bench_node (next to this binary) on the
 * same machine in the same run, 200,000 transfers. FOLIO_BENCH_SINGLE_TPS (set by
 * tests/bench/run.sh from its own bench_node run) saves running it again. 0 if unknown. */
static double single_node_rate(const char *self)
{
    const char *env = getenv("FOLIO_BENCH_SINGLE_TPS");
    if (env && *env)
        return strtod(env, NULL);
    char cmd[2 * NET_PATH_MAX + 64], dir[NET_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", self);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    snprintf(cmd, sizeof cmd, "'%s/bench_node' '%s' 200000 500 2>/dev/null", dir, folio);
    FILE *p = popen(cmd, "r");
    if (!p)
        return 0;
    char line[512];
    double tps = 0;
    while (fgets(line, sizeof line, p)) {
        const char *eq = strstr(line, " = ");
        if (strncmp(line, "node e2e:", 9) == 0 && eq)
            tps = strtod(eq + 3, NULL);
    }
    pclose(p);
    return tps;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_cluster FOLIO_BINARY [TRANSFERS] [ACCOUNTS]\n");
        return 2;
    }
    folio = argv[1];
    const char *ds = getenv("FOLIO_BENCH_DOWN_S");
    char *end = NULL;
    unsigned long down_s = ds ? strtoul(ds, &end, 10) : 60;
    if (ds && (*ds == '\0' || *end != '\0' || down_s < 1 || down_s > 3600)) {
        fprintf(stderr, "bench_cluster: FOLIO_BENCH_DOWN_S must be 1..3600 seconds\n");
        return 2;
    }
    size_t transfers = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
    size_t accounts = argc > 3 ? strtoul(argv[3], NULL, 10) : 500;
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    int base = free_base();
    char tmpl[] = "/tmp/folio-bench-cluster.XXXXXX", cmd[2 * NET_PATH_MAX];
    if (!mkdtemp(tmpl))
        return 1;
    snprintf(cmd, sizeof cmd,
             "%s testnet init --validators %d --dir %s/net --base-port %d >/dev/null", folio, NODES,
             tmpl, base);
    if (system(cmd) != 0)
        return 1;
    atexit(kill_nodes);
    for (int i = 0; i < NODES; i++) {
        snprintf(homes[i], sizeof homes[i], "%s/net/node%d", tmpl, i);
        snprintf(rpc[i], sizeof rpc[i], "tcp://127.0.0.1:%d", base + 10 * i + 9);
        start_node(i);
    }
    net_config cfg0;
    char cerr[256];
    if (net_config_load(homes[0], &cfg0, cerr, sizeof cerr) != LDG_OK ||
        !bench_genesis_load(homes[0]))
        return 1;
    snprintf(chain_id, sizeof chain_id, "%s", cfg0.chain_id);
    net_client *c0 = connect_node(0), *c1 = connect_node(1), *c2 = connect_node(2);
    if (!c0 || !c1 || !c2)
        return 1;
    /* No wait for a first block: an idle chain makes none; the setup below waits for its
     * own commits (wait_total). */

    /* Setup on node0: an issuer and `accounts` investors holding shares. */
    ldg_keypair op, issuer, *keys = malloc(accounts * sizeof *keys);
    ldg_account *accts = malloc(accounts * sizeof *accts);
    if (net_key_load(homes[0], "operator", &op) != LDG_OK ||
        ldg_keypair_generate(&issuer) != LDG_OK)
        return 1;
    uint64_t expiry = wall_ms() + 50 * 60 * 1000;
    wire *setup = malloc((2 + 2 * accounts) * sizeof *setup);
    if (!build_registrations(chain_id, &op, &issuer, keys, accts, accounts, expiry, setup))
        return 1;
    size_t k = 1 + accounts;
    int64_t t0total = field(c0, "tx_total");
    submit(c0, setup, k);
    wait_total(c0, t0total + (int64_t)k, 120);
    wire issue = build_issue(chain_id, &issuer, expiry);
    submit(c0, &issue, 1);
    wait_total(c0, t0total + (int64_t)k + 1, 60);
    size_t funded = accounts;
    build_funding(chain_id, &issuer, accts, accounts, expiry, setup);
    submit(c0, setup, funded);
    int64_t committed0 = t0total + (int64_t)k + 1 + (int64_t)funded;
    wait_total(c0, committed0, 120);

    /* Pre-sign: the throughput load, then a reserve for the latency and failure phases. */
    size_t reserve = 200000, total = transfers + reserve;
    fprintf(stderr, "bench: signing %zu transfers from %zu accounts...\n", total, accounts);
    wire *load = malloc(total * sizeof *load);
    sign_all(chain_id, keys, accts, accounts, load, total, expiry, cores);
    double raw = raw_verify_rate(load, transfers < 100000 ? transfers : 100000, cores);

    /* 1. Sustained throughput: one client per node. */
    fprintf(stderr, "bench: %zu transfers through %d nodes...\n", transfers, NODES);
    double ts = now_s();
    pthread_t t[NODES];
    client_job cj[NODES];
    for (int i = 0; i < NODES; i++) {
        size_t b = transfers * (size_t)i / NODES, e = transfers * (size_t)(i + 1) / NODES;
        cj[i] = (client_job){i, load + b, e - b};
        pthread_create(&t[i], NULL, client_worker, &cj[i]);
    }
    for (int i = 0; i < NODES; i++)
        pthread_join(t[i], NULL);
    wait_total(c0, committed0 + (int64_t)transfers, 600);
    double dt = now_s() - ts;
    int64_t got = field(c0, "tx_total") - committed0;
    double rate = (double)got / dt;
    printf("cluster (4 validators, TLS): %lld transfers committed in %.2f s = %.0f tx/s "
           "(target >= 5000)\n",
           (long long)got, dt, rate);
    printf("raw BIP-340 verification on %d cores, same run: %.0f sig/s (ratio %.2f)\n", cores, raw,
           rate / raw);
    double single = single_node_rate(argv[0]);
    if (single > 0)
        printf("single node (bench_node, same run): %.0f tx/s; the cluster does %.2f of it\n",
               single, rate / single);
    fflush(stdout);

    /* 2. Latency at half the rate, open loop into node1 for ~8 s. */
    size_t used = transfers;
    double half = rate / 2 > 50 ? rate / 2 : 50;
    size_t per_tick = (size_t)(half / 100.0) + 1, ticks = 800;
    if (per_tick * ticks > reserve / 2)
        ticks = reserve / 2 / per_tick;
    double *sent = malloc(ticks * sizeof *sent), *lat = malloc(ticks * sizeof *lat);
    /* Quiesce: node1 has everything of phase 1 before the count starts. */
    wait_total(c1, committed0 + got, 60);
    usleep(500 * 1000);
    int64_t base1 = field(c1, "tx_total");
    size_t done = 0;
    double start = now_s();
    for (size_t i = 0; i < ticks; i++) {
        double due = start + (double)i * 0.01;
        while (now_s() < due) {
            /* Poll commits while waiting for the next tick. */
            int64_t tot = field(c1, "tx_total") - base1;
            double nt = now_s();
            while (done < i && tot >= (int64_t)((done + 1) * per_tick))
                lat[done] = nt - sent[done], done++;
            usleep(1000);
        }
        sent[i] = now_s();
        submit(c1, load + used + i * per_tick, per_tick);
    }
    double lt0 = now_s();
    while (done < ticks && now_s() - lt0 < 30) {
        int64_t tot = field(c1, "tx_total") - base1;
        double nt = now_s();
        while (done < ticks && tot >= (int64_t)((done + 1) * per_tick))
            lat[done] = nt - sent[done], done++;
        usleep(1000);
    }
    used += ticks * per_tick;
    if (done) {
        qsort(lat, done, sizeof *lat, cmp_d);
        printf("latency at %.0f tx/s (half), submit -> commit seen by the submitting node: "
               "p50 %.0f ms, p99 %.0f ms (target p99 <= 200 ms; %zu of %zu batches)\n",
               (double)per_tick * 100, lat[done / 2] * 1000, lat[done * 99 / 100] * 1000, done,
               ticks);
    }
    fflush(stdout);

    /* The failure phases' load: what is left of the reserve and, signed now that the rate
     * is known, half the sustained rate for the downtime and 60 s of recovery. */
    size_t more = (size_t)(half * (double)(down_s + 60));
    fprintf(stderr, "bench: signing %zu more transfers for %lu s of downtime under load...\n", more,
            down_s);
    wire *fail = malloc((total - used + more) * sizeof *fail);
    memcpy(fail, load + used, (total - used) * sizeof *fail);
    sign_all(chain_id, keys, accts, accounts, fail + (total - used), more,
             wall_ms() + 50 * 60 * 1000, cores);

    /* 3. Kill the current proposer under a trickle of load; time to the next commit. */
    trickle tr = {.txs = fail, .n = total - used + more, .rate = (size_t)(half / 4), .avoid = -1};
    pthread_t tt;
    pthread_create(&tt, NULL, trickle_worker, &tr);
    sleep(2);
    /* The victim is the proposer of round 0 at the height after the one being decided,
     * so it is killed before it can have proposed: the others must time out the
     * proposal, move to round 1 and commit with the next proposer. */
    int64_t hk = field(c0, "height");
    while (field(c0, "height") == hk)
        usleep(1000);
    hk = field(c0, "height");
    int victim = (int)((hk + 2) % NODES);
    net_client *watch = connect_node((victim + 1) % NODES);
    atomic_store(&tr.avoid, victim);
    double tk = now_s();
    kill(pids[victim], SIGKILL);
    waitpid(pids[victim], NULL, 0);
    pids[victim] = 0;
    /* What the others have when it goes (it has at most one block more). */
    int64_t h_kill = field(watch, "height"), tx_kill = field(watch, "tx_total");
    if (getenv("FOLIO_BENCH_KEEP")) {
        /* The victim's store as the kill left it, to replay its catch-up against the others'
         * kept homes (tests/bench/replay_catchup.sh). */
        char cmd[3 * NET_PATH_MAX];
        snprintf(cmd, sizeof cmd,
                 "cp -a '%s/data' '%s/data.at-kill' && cp -a '%s/consensus.state' "
                 "'%s/consensus.state.at-kill'",
                 homes[victim], homes[victim], homes[victim], homes[victim]);
        if (system(cmd) != 0)
            fprintf(stderr, "bench: could not keep node%d's store at the kill\n", victim);
    }
    while (field(watch, "height") < hk + 2 && now_s() - tk < 60)
        usleep(2000);
    double failover = now_s() - tk;
    printf("killed node%d, proposer of height %lld, before it proposed: height %lld committed "
           "%.0f ms later (target <= 1500 ms; propose timeout 700 ms)\n",
           victim, (long long)(hk + 2), (long long)(hk + 2), failover * 1000);
    fflush(stdout);

    /* 4. It stays down for down_s s from the kill while the other three take half the
     * sustained rate (the load goes on through its recovery). Restarted: time until it is at
     * their height (not behind, at most one block short) and until the others receive its
     * signed votes again (it is in the watcher's validators_heard, which forgets a validator
     * 1.5 s after its last message; watched on its own thread and connection, so that a
     * slow status call of the restarting node does not delay it). */
    atomic_store(&tr.rate, (size_t)half);
    while (now_s() < tk + (double)down_s)
        usleep(10000);
    int64_t h_down = field(watch, "height") - h_kill, tx_down = field(watch, "tx_total") - tx_kill;
    double tr0 = now_s();
    start_node(victim);
    vote_watch vw = {.c = connect_node((victim + 1) % NODES), .victim = victim, .t0 = tr0};
    pthread_t tv;
    pthread_create(&tv, NULL, vote_watch_worker, &vw);
    net_client *cv = NULL;
    double t_height = -1;
    char err[256];
    while (now_s() - tr0 < RECOVERY_S && t_height < 0) {
        if (!cv && net_client_open(&cv, rpc[victim], 2000, err, sizeof err) != LDG_OK)
            cv = NULL;
        int64_t hw = field(watch, "height");
        json_t *sv = cv ? status(cv, false) : NULL;
        if (sv && (int64_t)json_integer_value(json_object_get(sv, "height")) >= hw - 1 &&
            !json_is_true(json_object_get(json_object_get(sv, "consensus"), "behind")))
            t_height = now_s() - tr0;
        json_decref(sv);
        usleep(5000);
    }
    while (now_s() - tr0 < RECOVERY_S && atomic_load(&vw.t_vote_ms) < 0)
        usleep(5000);
    atomic_store(&vw.stop, true);
    pthread_join(tv, NULL);
    double t_vote = (double)atomic_load(&vw.t_vote_ms) / 1000;
    char back[64], votes[64];
    if (t_height >= 0)
        snprintf(back, sizeof back, "%.0f ms", t_height * 1000);
    else
        snprintf(back, sizeof back, "NOT within %d s", RECOVERY_S);
    if (t_vote >= 0)
        snprintf(votes, sizeof votes, "%.0f ms", t_vote * 1000);
    else
        snprintf(votes, sizeof votes, "NOT within %d s", RECOVERY_S);
    printf("node%d restarted after %lu s down under load (%lld blocks, %lld transfers behind; "
           "the other three committed %.0f tx/s meanwhile): back at the others' height in %s, its "
           "votes "
           "reach the others %s after restart (target <= 5 s)\n",
           victim, down_s, (long long)h_down, (long long)tx_down, (double)tx_down / (tr0 - tk),
           back, votes);
    atomic_store(&tr.stop, true);
    pthread_join(tt, NULL);

    if (cv)
        net_client_close(cv);
    net_client_close(watch);
    net_client_close(c0);
    net_client_close(c1);
    net_client_close(c2);
    int crashed = 0;
    for (int i = 0; i < NODES; i++) {
        int st = 0;
        if (waitpid(pids[i], &st, WNOHANG) == pids[i]) {
            pids[i] = 0;
            crashed++; /* ended before we asked */
            fprintf(stderr, "bench: node%d ended by itself (status %d); see its node.log\n", i, st);
            continue;
        }
        /* A node that does not stop within 30 s is killed and counted (the benchmark does
         * not hang on it). */
        kill(pids[i], SIGTERM);
        double t_stop = now_s();
        pid_t w;
        while ((w = waitpid(pids[i], &st, WNOHANG)) == 0 && now_s() - t_stop < 30)
            usleep(50000);
        if (w == 0) {
            fprintf(stderr, "bench: node%d did not stop within 30 s of SIGTERM; killed\n", i);
            kill(pids[i], SIGKILL);
            waitpid(pids[i], &st, 0);
        }
        pids[i] = 0;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            crashed++;
            fprintf(stderr, "bench: node%d did not stop cleanly (status %d)\n", i, st);
        }
    }
    printf("all %d nodes alive and stopped cleanly at the end: %s\n", NODES,
           crashed ? "NO" : "yes");
    if (crashed || getenv("FOLIO_BENCH_KEEP")) {
        fprintf(stderr, "bench: logs kept in %s\n", tmpl);
        return crashed ? 1 : 0;
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpl);
    return system(cmd) == 0 ? 0 : 1;
}
