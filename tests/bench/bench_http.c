/* Benchmark: the HTTP/JSON API beside the native RPC, same node, same run (specs/http.md).
 *
 *   bench_http FOLIO_BINARY [SECONDS] [TRANSFERS]
 *
 * Reads: CLIENTS threads each call an account's balances as fast as they can for SECONDS,
 * over the native RPC (`balance`) and over HTTP keep-alive connections
 * (GET /v1/accounts/{id}/balances); the ratio HTTP/native (target >= 0.5).
 * Submissions: TRANSFERS pre-signed transfers (half over each transport), sent by CLIENTS
 * threads in batches of 100 (`submit` vs POST /v1/transactions with hex wires), timed until
 * every batch is admitted; the ratio HTTP/native (target >= 0.8). The node is the real
 * binary with [http] listen set. */
#include "bench/bench_common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define CLIENTS 4
#define BATCH 100
#define ACCOUNTS 200

static char chain_id[LDG_CHAIN_ID_LEN_MAX + 1];
static char rpc_url[NET_PATH_MAX];
static int http_port;
static ldg_account accts[ACCOUNTS];

/* ---- a minimal HTTP/1.1 keep-alive client ---- */

typedef struct hconn {
    int fd;
    char *buf;
    size_t cap, len;
} hconn;

static void hconn_open(hconn *h)
{
    h->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)http_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(h->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(h->fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("bench: connect");
        exit(1);
    }
    h->cap = 1 << 16;
    h->buf = malloc(h->cap);
    h->len = 0;
}

static void hconn_close(hconn *h)
{
    close(h->fd);
    free(h->buf);
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) {
            perror("bench: send");
            exit(1);
        }
        p += w, n -= (size_t)w;
    }
}

/* Sends a request, reads one reply; its status, the body in h->buf (NUL-terminated). */
static int http_call(hconn *h, const char *head, const char *body, size_t body_len)
{
    send_all(h->fd, head, strlen(head));
    if (body_len)
        send_all(h->fd, body, body_len);
    h->len = 0;
    size_t need = 0, head_len = 0;
    for (;;) {
        if (h->len + 1 >= h->cap) {
            h->cap *= 2;
            h->buf = realloc(h->buf, h->cap);
        }
        ssize_t r = recv(h->fd, h->buf + h->len, h->cap - h->len - 1, 0);
        if (r <= 0) {
            fprintf(stderr, "bench: the HTTP connection closed\n");
            exit(1);
        }
        h->len += (size_t)r;
        h->buf[h->len] = '\0';
        if (!head_len) {
            char *e = strstr(h->buf, "\r\n\r\n");
            if (!e)
                continue;
            head_len = (size_t)(e - h->buf) + 4;
            char *cl = strcasestr(h->buf, "Content-Length:");
            need = head_len + (cl ? strtoul(cl + 15, NULL, 10) : 0);
        }
        if (h->len >= need)
            break;
    }
    int status = atoi(h->buf + 9);
    memmove(h->buf, h->buf + head_len, need - head_len);
    h->buf[need - head_len] = '\0';
    return status;
}

/* ---- reads ---- */

typedef struct read_job {
    bool http;
    double until;
    uint64_t done;
    int id;
} read_job;

static void *read_worker(void *arg)
{
    read_job *j = arg;
    char hex[2 * LDG_ACCOUNT_LEN + 1], head[256];
    net_client *c = NULL;
    hconn h;
    if (j->http)
        hconn_open(&h);
    else
        c = bench_node_connect(rpc_url);
    for (size_t i = (size_t)j->id; now_s() < j->until; i += CLIENTS) {
        ldg_hex_encode(hex, accts[i % ACCOUNTS].b, LDG_ACCOUNT_LEN);
        if (j->http) {
            snprintf(head, sizeof head,
                     "GET /v1/accounts/%s/balances HTTP/1.1\r\nHost: bench\r\n\r\n", hex);
            if (http_call(&h, head, NULL, 0) != 200 || !strstr(h.buf, "\"balances\"")) {
                fprintf(stderr, "bench: HTTP read failed: %s\n", h.buf);
                exit(1);
            }
        } else {
            ldg_enc e;
            ldg_enc_init(&e);
            ldg_enc_array(&e, 2);
            ldg_enc_str(&e, "balance");
            ldg_enc_str(&e, hex);
            json_t *r = call(c, &e, true);
            ldg_enc_free(&e);
            if (!json_object_get(r, "balances")) {
                fprintf(stderr, "bench: RPC read failed\n");
                exit(1);
            }
            json_decref(r);
        }
        j->done++;
    }
    if (j->http)
        hconn_close(&h);
    else
        net_client_close(c);
    return NULL;
}

static double read_rate(bool http, double seconds)
{
    pthread_t t[CLIENTS];
    read_job rj[CLIENTS];
    double t0 = now_s();
    for (int i = 0; i < CLIENTS; i++) {
        rj[i] = (read_job){http, t0 + seconds, 0, i};
        pthread_create(&t[i], NULL, read_worker, &rj[i]);
    }
    uint64_t total = 0;
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(t[i], NULL);
        total += rj[i].done;
    }
    return (double)total / (now_s() - t0);
}

/* ---- submissions ---- */

/* Submits txs[0..n) in batches over RPC or HTTP, resubmitting MEMPOOL_FULL refusals; any
 * other refusal stops the benchmark. */
static size_t rejected_full(json_t *j, size_t *todo, size_t base, size_t *next)
{
    json_t *res = json_object_get(j, "rejected");
    size_t full = 0;
    for (size_t r = 0; r < json_array_size(res); r++) {
        json_t *o = json_array_get(res, r);
        if (json_integer_value(json_object_get(o, "code")) != LDG_R_MEMPOOL_FULL) {
            fprintf(stderr, "bench: tx refused: %s\n",
                    json_string_value(json_object_get(o, "name")));
            exit(1);
        }
        todo[(*next)++] = todo[base + (size_t)json_integer_value(json_object_get(o, "index"))];
        full++;
    }
    return full;
}

static json_t *submit_http(hconn *h, wire *txs, const size_t *idx, size_t k)
{
    size_t cap = 16;
    for (size_t i = 0; i < k; i++)
        cap += 2 * txs[idx[i]].n + 3;
    char *body = malloc(cap), *p = body;
    p += sprintf(p, "{\"txs\":[");
    for (size_t i = 0; i < k; i++) {
        *p++ = '"';
        ldg_hex_encode(p, txs[idx[i]].b, txs[idx[i]].n);
        p += 2 * txs[idx[i]].n;
        *p++ = '"';
        if (i + 1 < k)
            *p++ = ',';
    }
    p += sprintf(p, "]}");
    char head[256];
    snprintf(head, sizeof head,
             "POST /v1/transactions HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\n\r\n",
             (size_t)(p - body));
    int st = http_call(h, head, body, (size_t)(p - body));
    free(body);
    if (st != 202 && st != 422) {
        fprintf(stderr, "bench: HTTP submit %d: %s\n", st, h->buf);
        exit(1);
    }
    return json_loads(h->buf, 0, NULL);
}

static json_t *submit_rpc(net_client *c, wire *txs, const size_t *idx, size_t k)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, (uint32_t)k + 1);
    ldg_enc_str(&e, "submit");
    for (size_t i = 0; i < k; i++)
        ldg_enc_bin(&e, txs[idx[i]].b, txs[idx[i]].n);
    json_t *j = call(c, &e, true);
    ldg_enc_free(&e);
    return j;
}

typedef struct submit_job {
    bool http;
    wire *txs;
    size_t n;
} submit_job;

static void *submit_worker(void *arg)
{
    submit_job *j = arg;
    net_client *c = NULL;
    hconn h;
    if (j->http)
        hconn_open(&h);
    else
        c = bench_node_connect(rpc_url);
    size_t *todo = malloc(j->n * sizeof *todo), count = j->n;
    for (size_t i = 0; i < count; i++)
        todo[i] = i;
    while (count) {
        size_t next = 0;
        for (size_t s = 0; s < count; s += BATCH) {
            size_t k = count - s < BATCH ? count - s : BATCH;
            json_t *r =
                j->http ? submit_http(&h, j->txs, todo + s, k) : submit_rpc(c, j->txs, todo + s, k);
            if (rejected_full(r, todo, s, &next))
                usleep(20000);
            json_decref(r);
        }
        count = next;
    }
    free(todo);
    if (j->http)
        hconn_close(&h);
    else
        net_client_close(c);
    return NULL;
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

/* Submits txs[0..n) over one transport with CLIENTS threads; admissions per second. */
static double submit_rate(bool http, wire *txs, size_t n)
{
    pthread_t t[CLIENTS];
    submit_job sj[CLIENTS];
    double t0 = now_s();
    for (int i = 0; i < CLIENTS; i++) {
        size_t b = n * (size_t)i / CLIENTS, e = n * (size_t)(i + 1) / CLIENTS;
        sj[i] = (submit_job){http, txs + b, e - b};
        pthread_create(&t[i], NULL, submit_worker, &sj[i]);
    }
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(t[i], NULL);
    return (double)n / (now_s() - t0);
}

/* ---- setup ---- */

static void submit_wait(net_client *c, wire *txs, size_t n, uint64_t *committed)
{
    size_t done = 0;
    while (done < n) {
        size_t k = n - done < 1000 ? n - done : 1000;
        size_t *idx = malloc(k * sizeof *idx), next = 0;
        for (size_t i = 0; i < k; i++)
            idx[i] = done + i;
        json_t *r = submit_rpc(c, txs, idx, k);
        if (rejected_full(r, idx, 0, &next)) {
            fprintf(stderr, "bench: setup refused\n");
            exit(1);
        }
        json_decref(r);
        free(idx);
        done += k;
    }
    *committed += n;
    wait_total(c, *committed);
}

static bool add_http_listen(const char *home)
{
    char path[NET_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/config.ini", home);
    FILE *f = fopen(path, "a");
    if (!f)
        return false;
    fprintf(f, "[http]\nlisten = 127.0.0.1:%d\n", http_port);
    return fclose(f) == 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_http FOLIO_BINARY [SECONDS] [TRANSFERS]\n");
        return 2;
    }
    (void)raw_verify_rate; /* bench_common.h's; this benchmark's baseline is the native RPC */
    double seconds = argc > 2 ? atof(argv[2]) : 3.0;
    size_t transfers = argc > 3 ? strtoul(argv[3], NULL, 10) : 40000;
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    http_port = 24000 + (int)(getpid() % 1000) * 3;
    char tmpl[] = "/tmp/folio-bench-http.XXXXXX", home[NET_PATH_MAX], cmd[2 * NET_PATH_MAX];
    net_config cfg;
    if (!bench_home_init(argv[1], tmpl, home, &cfg) || !add_http_listen(home))
        return 1;
    snprintf(chain_id, sizeof chain_id, "%s", cfg.chain_id);
    snprintf(rpc_url, sizeof rpc_url, "%s", cfg.rpc_url);
    pid_t node = bench_node_spawn(argv[1], home);
    if (node < 0)
        return 1;
    net_client *c = bench_node_connect(rpc_url);

    ldg_keypair op, issuer, *keys = malloc(ACCOUNTS * sizeof *keys);
    if (net_key_load(home, "operator", &op) != LDG_OK || ldg_keypair_generate(&issuer) != LDG_OK)
        return 1;
    uint64_t expiry = wall_ms() + 50 * 60 * 1000, committed = 0;
    wire *setup = malloc((1 + ACCOUNTS) * sizeof *setup);
    if (!build_registrations(chain_id, &op, &issuer, keys, accts, ACCOUNTS, expiry, setup))
        return 1;
    submit_wait(c, setup, 1 + ACCOUNTS, &committed);
    setup[0] = build_issue(chain_id, &issuer, expiry);
    submit_wait(c, setup, 1, &committed);
    build_funding(chain_id, &issuer, accts, ACCOUNTS, expiry, setup);
    submit_wait(c, setup, ACCOUNTS, &committed);

    fprintf(stderr, "bench: signing %zu transfers...\n", transfers);
    wire *load = malloc(transfers * sizeof *load);
    sign_all(chain_id, keys, accts, ACCOUNTS, load, transfers, expiry, cores);

    /* Reads: native, HTTP, native again (the better native figure is the baseline). */
    double r_rpc = read_rate(false, seconds);
    double r_http = read_rate(true, seconds);
    double r_rpc2 = read_rate(false, seconds);
    double r_base = r_rpc2 > r_rpc ? r_rpc2 : r_rpc;
    printf("reads /v1/accounts/{id}/balances: HTTP %.0f/s, native RPC %.0f/s and %.0f/s "
           "(%d clients)\n",
           r_http, r_rpc, r_rpc2, CLIENTS);
    printf("ratio reads HTTP/native = %.2f against the better native figure (target >= 0.50)\n",
           r_http / r_base);

    /* Submissions: a quarter of the load over each transport in turn, native first, each
     * committed before the next, so that neither meets a fuller chain or a busier moment
     * alone; each transport's figure is its total over its two turns. */
    size_t q = transfers / 4;
    double t_rpc = 0, t_http = 0;
    for (int turn = 0; turn < 4; turn++) {
        bool http = turn % 2 == 1;
        double t0 = now_s();
        submit_rate(http, load + (size_t)turn * q, q);
        *(http ? &t_http : &t_rpc) += now_s() - t0;
        committed += q;
        wait_total(c, committed);
    }
    double s_rpc = (double)(2 * q) / t_rpc, s_http = (double)(2 * q) / t_http;
    size_t half = 2 * q;
    printf("submissions in batches of %d: HTTP %.0f tx/s, native RPC %.0f tx/s (%zu each, %d "
           "clients)\n",
           BATCH, s_http, s_rpc, half, CLIENTS);
    printf("ratio submissions HTTP/native = %.2f (target >= 0.80)\n", s_http / s_rpc);

    kill(node, SIGTERM);
    waitpid(node, NULL, 0);
    net_client_close(c);
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpl);
    return system(cmd) == 0 ? 0 : 1;
}
