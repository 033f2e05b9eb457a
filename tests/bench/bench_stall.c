/* Benchmark: what 1,000 stalled connections cost a node (issue 12 item 3).
 *
 *   bench_stall FOLIO_BINARY [CONNECTIONS] [CALLS]
 *
 * Starts the real binary in a throwaway home serving RPC on tcp, measures `status` latency
 * over tcp (CALLS calls, default 500) with no stallers, then opens CONNECTIONS (default
 * 1000) raw connections that each complete the SP handshake, declare a frame of
 * LDG_RPC_MSG_SIZE_MAX bytes for `submit` and stall. Prints the node's resident memory and
 * the growth of its address space meanwhile (targets: <= 256 MiB resident, <= 512 MiB
 * growth) and the `status` latency again (target p99 <= 100 ms), beside the baseline. */
#include "ldg_limits.h"
#include "net_home.h"
#include "net_rpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TARGET_RSS_MIB 256
#define TARGET_GROWTH_MIB 512
#define TARGET_P99_MS 100

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* VmRSS and VmSize of pid, in MiB. */
static void mem_mib(pid_t pid, double *rss, double *vm)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    *rss = *vm = -1;
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "VmRSS:", 6))
            *rss = (double)strtol(line + 6, NULL, 10) / 1024.0;
        if (!strncmp(line, "VmSize:", 7))
            *vm = (double)strtol(line + 7, NULL, 10) / 1024.0;
    }
    if (f)
        fclose(f);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* p50 and p99 of `calls` status calls on a fresh connection; false if one failed. */
static bool status_latency(const char *url, int calls, double *p50, double *p99)
{
    net_client *c;
    char err[256];
    if (net_client_open(&c, url, 10000, err, sizeof err) != LDG_OK)
        return false;
    double *t = malloc((size_t)calls * sizeof *t);
    bool ok = t != NULL;
    for (int i = 0; ok && i < calls; i++) {
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_enc_array(&e, 1);
        ldg_enc_str(&e, "status");
        int status;
        char *json = NULL;
        double t0 = now_ms();
        ok = net_client_call(c, &e, &status, &json) == LDG_OK && status == 0;
        t[i] = now_ms() - t0;
        free(json);
        ldg_enc_free(&e);
    }
    if (ok) {
        qsort(t, (size_t)calls, sizeof *t, cmp_double);
        *p50 = t[calls / 2];
        *p99 = t[(calls * 99) / 100];
    }
    free(t);
    net_client_close(c);
    return ok;
}

/* A raw SP connection that declares a maximal `submit` frame and stalls; -1 on failure. */
static int staller(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    uint8_t m[8 + 8 + 4 + 8] = {0, 'S', 'P', 0, 0, 0x30, 0, 0};
    uint64_t len = LDG_RPC_MSG_SIZE_MAX;
    for (int i = 0; i < 8; i++)
        m[8 + i] = (uint8_t)(len >> (56 - 8 * i));
    memcpy(m + 16, "\x80\x00\x00\x01\x92\xa6submit", 12); /* id, ["submit", ... */
    if (write(fd, m, sizeof m) != (ssize_t)sizeof m) {
        close(fd);
        return -1;
    }
    return fd;
}

/* True if the node closed fd (what it sent, the handshake, is read and dropped). */
static bool closed_by_node(int fd)
{
    uint8_t b[64];
    for (;;) {
        ssize_t r = recv(fd, b, sizeof b, MSG_DONTWAIT);
        if (r > 0)
            continue;
        return r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }
}

/* While the latency is measured, stallers the node closed come back at once. */
typedef struct churn {
    int *fds, n, port;
    _Atomic bool stop;
    long reconnects;
} churn;

static void *churn_run(void *arg)
{
    churn *c = arg;
    while (!atomic_load(&c->stop)) {
        for (int i = 0; i < c->n && !atomic_load(&c->stop); i++)
            if (c->fds[i] < 0 || closed_by_node(c->fds[i])) {
                if (c->fds[i] >= 0)
                    close(c->fds[i]);
                c->fds[i] = staller(c->port);
                c->reconnects++;
            }
        usleep(1000);
    }
    return NULL;
}

static pid_t start_node(const char *bin, const char *home)
{
    pid_t pid = fork();
    if (pid == 0) {
        char log[NET_PATH_MAX + 16];
        snprintf(log, sizeof log, "%s/node.log", home);
        if (!freopen(log, "w", stderr))
            _exit(1);
        execl(bin, bin, "node", "start", "--home", home, (char *)NULL);
        _exit(127);
    }
    return pid;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_stall FOLIO_BINARY [CONNECTIONS] [CALLS]\n");
        return 2;
    }
    int conns = argc > 2 ? atoi(argv[2]) : 1000;
    int calls = argc > 3 ? atoi(argv[3]) : 500;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)conns + 256) {
        rl.rlim_cur = rl.rlim_max; /* the node inherits it */
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    char tmpl[] = "/tmp/folio-bench-stall.XXXXXX", home[NET_PATH_MAX], cmd[4 * NET_PATH_MAX];
    if (!mkdtemp(tmpl))
        return 1;
    snprintf(home, sizeof home, "%s/node", tmpl);
    int port = 24000 + (int)(getpid() % 1000) * 3;
    char url[64];
    snprintf(url, sizeof url, "tcp://127.0.0.1:%d", port);
    snprintf(cmd, sizeof cmd,
             "%s init --home %s >/dev/null && sed -i 's|^# rpc = .*|rpc = %s|' %s/config.ini",
             argv[1], home, url, home);
    if (system(cmd) != 0)
        return 1;
    pid_t node = start_node(argv[1], home);
    double p50_0 = 0, p99_0 = 0, p50_1 = 0, p99_1 = 0;
    bool up = false;
    for (int i = 0; i < 200 && !(up = status_latency(url, 1, &p50_0, &p99_0)); i++)
        usleep(50000);
    int rc = 1;
    if (!up || !status_latency(url, calls, &p50_0, &p99_0)) {
        fprintf(stderr, "bench_stall: the node did not answer\n");
        goto out;
    }
    double rss0, vm0, rss1, vm1;
    mem_mib(node, &rss0, &vm0);
    int *fds = malloc((size_t)conns * sizeof *fds), opened = 0;
    for (int i = 0; i < conns; i++)
        if ((fds[i] = staller(port)) >= 0)
            opened++;
    sleep(1);
    mem_mib(node, &rss1, &vm1);
    int held = 0;
    for (int i = 0; i < conns; i++)
        held += fds[i] >= 0 && !closed_by_node(fds[i]);
    churn ch = {.fds = fds, .n = conns, .port = port};
    pthread_t th;
    bool churning = pthread_create(&th, NULL, churn_run, &ch) == 0;
    bool answered = status_latency(url, calls, &p50_1, &p99_1);
    atomic_store(&ch.stop, true);
    if (churning)
        pthread_join(th, NULL);
    printf("stall: %d connections each declaring %d bytes and stalling (%d opened, %d held "
           "open by the node)\n",
           conns, LDG_RPC_MSG_SIZE_MAX, opened, held);
    printf("stall: node resident %.1f MiB (before %.1f; target <= %d)\n", rss1, rss0,
           TARGET_RSS_MIB);
    printf("stall: node address space growth %.1f MiB (target <= %d)\n", vm1 - vm0,
           TARGET_GROWTH_MIB);
    if (answered)
        printf("stall: status over tcp p99 %.2f ms (p50 %.2f) while closed stallers reconnect "
               "(%ld reconnects), p99 %.2f ms (p50 %.2f) without stallers; target <= %d ms\n",
               p99_1, p50_1, ch.reconnects, p99_0, p50_0, TARGET_P99_MS);
    else
        printf("stall: status over tcp did not answer while stalled (without: p99 %.2f ms)\n",
               p99_0);
    for (int i = 0; i < conns; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
    rc = answered && rss1 <= TARGET_RSS_MIB && vm1 - vm0 <= TARGET_GROWTH_MIB &&
                 p99_1 <= TARGET_P99_MS
             ? 0
             : 1;
    if (rc)
        printf("stall: a target is missed\n");
out:
    kill(node, SIGTERM);
    waitpid(node, NULL, 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpl);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_stall: could not remove %s\n", tmpl);
    return rc;
}
