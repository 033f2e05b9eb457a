/* The HTTP/JSON API server (net_http_server.h): connections, limits, workers, the event
 * stream's feeder. What a request means is net_http_serve.c's business.
 *
 * Each connection has one receive and one send aio; their callbacks run on nng's threads
 * and only move bytes and state under the server's lock. A whole request goes to a queue
 * served by the workers, which also free closed connections (an aio may not be freed from
 * its own callback). */
#include "net_http_server.h"
#include "ldg_err.h"
#include "ldg_limits.h"
#include "net_http.h"
#include "net_http_serve.h"
#include "net_log.h"
#include "net_node.h"

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef enum conn_state {
    C_HEAD, /* reading a request's head */
    C_BODY, /* reading its body */
    C_BUSY, /* queued or being served */
    C_SEND, /* sending the reply */
    C_SSE,  /* an event stream: sending what the feeder queues */
} conn_state;

typedef struct conn conn;
struct conn {
    net_http_server *srv;
    nng_stream *s;
    nng_aio *rx, *tx;
    conn *prev, *next, *qnext;
    conn_state state;
    bool rx_out, tx_out, in_work, closing, reaped;
    bool close_after; /* close once the reply is sent */
    uint64_t last_rx_ms, deadline_ms;
    uint8_t *head; /* LDG_HTTP_HEAD_MAX bytes: the head, then what follows it */
    size_t hgot, hlen;
    net_http_req req;
    const net_http_route *rt;
    char (*path_args)[LDG_HTTP_TARGET_MAX + 1];
    net_http_error early; /* a refusal decided while reading (http 0: none) */
    uint8_t *body;
    size_t bcap, bgot, bwant, charged;
    uint8_t *out; /* bytes to send */
    size_t out_len, out_sent, out_cap;
    net_http_sub sub; /* C_SSE: what the subscriber asked for */
};

struct net_http_server {
    net_node *node;
    nng_stream_listener *l;
    nng_tls_config *tls;
    nng_aio *accept, *pause;
    pthread_mutex_t mu;
    pthread_cond_t work, idle;
    conn *conns, *qhead, *qtail, *dead;
    size_t nconns, budget;
    bool stopping, quit;
    pthread_t *workers, feeder;
    int nworkers;
    bool feeder_started;
    net_http_server_stats st;
};

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static size_t charge_of(size_t cap)
{
    return cap > LDG_HTTP_BODY_SMALL_MAX ? cap - LDG_HTTP_BODY_SMALL_MAX : 0;
}

static void release_body(conn *c)
{
    c->srv->budget -= c->charged;
    c->srv->st.buffered -= c->bcap;
    c->charged = 0;
    free(c->body);
    c->body = NULL;
    c->bcap = c->bgot = c->bwant = 0;
}

/* ---- closing (lock held) ---- */

static void maybe_reap(conn *c)
{
    if (!c->closing || c->rx_out || c->tx_out || c->in_work || c->reaped)
        return;
    net_http_server *srv = c->srv;
    c->reaped = true;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->state == C_SSE)
        srv->st.subscribers--;
    release_body(c);
    c->qnext = srv->dead;
    srv->dead = c;
    pthread_cond_signal(&srv->work);
}

static void kill_conn(conn *c, uint64_t *counter)
{
    if (c->closing)
        return;
    c->closing = true;
    c->srv->st.open--;
    if (counter)
        (*counter)++;
    nng_stream_close(c->s);
    maybe_reap(c);
}

static void free_conn(conn *c)
{
    nng_aio_free(c->rx);
    nng_aio_free(c->tx);
    nng_stream_free(c->s);
    free(c->head);
    free(c->path_args);
    free(c->out);
    net_http_sub_free(&c->sub);
    free(c);
}

/* ---- sending ---- */

static void tx_pump(conn *c)
{
    if (c->tx_out || c->closing || c->out_sent == c->out_len)
        return;
    nng_iov iov = {c->out + c->out_sent, c->out_len - c->out_sent};
    nng_aio_set_iov(c->tx, 1, &iov);
    /* An event stream may wait on a reader for as long as its backlog allows. */
    nng_aio_set_timeout(c->tx,
                        c->state == C_SSE ? LDG_HTTP_IDLE_TIMEOUT_MS : LDG_HTTP_REQUEST_TIMEOUT_MS);
    c->tx_out = true;
    nng_stream_send(c->s, c->tx);
}

/* Appends bytes to the send queue (the sent part is dropped first). */
static bool out_append(conn *c, const void *p, size_t n)
{
    if (c->out_sent > 0) {
        memmove(c->out, c->out + c->out_sent, c->out_len - c->out_sent);
        c->out_len -= c->out_sent;
        c->out_sent = 0;
    }
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap < c->out_len + n)
            cap *= 2;
        uint8_t *o = realloc(c->out, cap);
        if (!o)
            return false;
        c->out = o;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
    return true;
}

static void start_head(conn *c);

static void tx_cb(void *arg)
{
    conn *c = arg;
    net_http_server *srv = c->srv;
    pthread_mutex_lock(&srv->mu);
    c->tx_out = false;
    int rv = nng_aio_result(c->tx);
    if (rv != 0 || c->closing) {
        kill_conn(c, rv == NNG_ETIMEDOUT ? &srv->st.timed_out : NULL);
        maybe_reap(c);
        pthread_mutex_unlock(&srv->mu);
        return;
    }
    c->out_sent += nng_aio_count(c->tx);
    if (c->state == C_SEND && c->out_sent == c->out_len) {
        srv->st.served++;
        c->out_len = c->out_sent = 0;
        if (c->close_after || srv->stopping)
            kill_conn(c, NULL);
        else
            start_head(c);
        if (srv->stopping)
            pthread_cond_broadcast(&srv->idle);
    }
    tx_pump(c);
    pthread_mutex_unlock(&srv->mu);
}

/* ---- receiving ---- */

static void rx_more(conn *c)
{
    uint64_t now = mono_ms();
    nng_iov iov;
    if (c->state == C_HEAD)
        iov = (nng_iov){c->head + c->hgot, LDG_HTTP_HEAD_MAX - c->hgot};
    else if (c->state == C_BODY)
        iov = (nng_iov){c->body + c->bgot, (c->bcap < c->bwant ? c->bcap : c->bwant) - c->bgot};
    else /* an event stream: read (and drop) until the client closes */
        iov = (nng_iov){c->head, LDG_HTTP_HEAD_MAX};
    nng_duration wait;
    if (c->state == C_SSE) {
        wait = NNG_DURATION_INFINITE;
    } else if (c->state == C_HEAD && c->hgot == 0) {
        wait = LDG_HTTP_IDLE_TIMEOUT_MS;
    } else {
        if (now >= c->deadline_ms)
            return kill_conn(c, &c->srv->st.timed_out);
        wait = (nng_duration)(c->deadline_ms - now);
    }
    nng_aio_set_iov(c->rx, 1, &iov);
    nng_aio_set_timeout(c->rx, wait);
    c->rx_out = true;
    nng_stream_recv(c->s, c->rx);
}

static void enqueue(conn *c)
{
    net_http_server *srv = c->srv;
    c->state = C_BUSY;
    c->in_work = true;
    c->qnext = NULL;
    if (srv->qtail)
        srv->qtail->qnext = c;
    else
        srv->qhead = c;
    srv->qtail = c;
    pthread_cond_signal(&srv->work);
}

/* A refusal decided while reading: answered by a worker, then the connection closes (the
 * rest of what the client sends is not read). */
static void refuse(conn *c)
{
    c->close_after = true;
    enqueue(c);
}

static bool body_alloc(conn *c, size_t want)
{
    c->bwant = want;
    c->bcap = want < LDG_HTTP_BODY_SMALL_MAX ? want : LDG_HTTP_BODY_SMALL_MAX;
    c->body = malloc(c->bcap ? c->bcap : 1);
    if (!c->body)
        return false;
    c->srv->st.buffered += c->bcap;
    return true;
}

static bool body_grow(conn *c)
{
    /* x4: a batch of 100 transfers in hex (~36 KiB) arrives in 3 reads, not 8. */
    size_t cap = c->bcap * 4 < c->bwant ? c->bcap * 4 : c->bwant;
    size_t charge = charge_of(cap);
    net_http_server *srv = c->srv;
    if (srv->budget - c->charged + charge > LDG_HTTP_RX_BUDGET)
        return net_http_fail(&c->early, 503, LDG_ERR_UNAVAILABLE,
                             "the node is receiving too many large requests; retry later");
    uint8_t *b = realloc(c->body, cap);
    if (!b)
        return net_http_fail(&c->early, 503, LDG_ERR_NOMEM, "out of memory; retry later");
    srv->budget += charge - c->charged;
    srv->st.buffered += cap - c->bcap;
    c->charged = charge;
    c->body = b;
    c->bcap = cap;
    return true;
}

/* The head is whole: find the route and decide how much body to read. */
static void head_done(conn *c, size_t hlen)
{
    c->hlen = hlen;
    net_http_req *r = &c->req;
    net_http_error *e = &c->early;
    c->rt = NULL;
    if (!net_http_serve_special(r->path)) {
        c->rt = net_http_route_find(r->verb, r->path, c->path_args, e);
        if (!c->rt && r->content_length == 0)
            return enqueue(c); /* 404 or 405 with nothing to skip: the connection stays */
        if (!c->rt)
            return refuse(c);
    }
    size_t max = c->rt ? net_http_body_max(c->rt) : 0;
    if (max == 0 && r->content_length > 0) {
        net_http_fail(e, 400, LDG_ERR_PROTOCOL, "this route takes no body");
        return refuse(c);
    }
    if (max > 0 && !r->has_length) {
        net_http_fail(e, 411, LDG_ERR_PROTOCOL, "a POST needs Content-Length");
        return refuse(c);
    }
    if (r->content_length > max && max > 0) {
        net_http_fail(e, 413, LDG_ERR_TOO_LARGE,
                      "the body has %llu bytes; this route accepts at most %zu",
                      (unsigned long long)r->content_length, max);
        return refuse(c);
    }
    if (max > 0 && !r->json_body) {
        net_http_fail(e, 415, LDG_ERR_INVALID, "the body must be Content-Type: application/json");
        return refuse(c);
    }
    if (!body_alloc(c, (size_t)r->content_length)) {
        net_http_fail(e, 503, LDG_ERR_NOMEM, "out of memory; retry later");
        return refuse(c);
    }
    /* Bytes already read past the head start the body. */
    size_t extra = c->hgot - hlen;
    size_t take = extra < c->bwant ? extra : c->bwant;
    while (c->bcap < take && body_grow(c))
        ;
    if (c->early.http)
        return refuse(c);
    memcpy(c->body, c->head + hlen, take);
    c->bgot = take;
    c->hlen += take;
    if (c->bgot == c->bwant)
        return enqueue(c);
    c->state = C_BODY;
    rx_more(c);
}

static void try_head(conn *c)
{
    int hl = net_http_parse(c->head, c->hgot, &c->req, &c->early);
    if (hl < 0)
        return refuse(c);
    if (hl > 0)
        return head_done(c, (size_t)hl);
    rx_more(c);
}

static void start_head(conn *c)
{
    /* What followed the last request (pipelined) starts the next one. */
    size_t rest = c->hgot - c->hlen;
    memmove(c->head, c->head + c->hlen, rest);
    c->hgot = rest;
    c->hlen = 0;
    c->state = C_HEAD;
    c->early.http = 0;
    c->close_after = false;
    c->deadline_ms = mono_ms() + LDG_HTTP_REQUEST_TIMEOUT_MS;
    if (rest)
        try_head(c);
    else
        rx_more(c);
}

static void rx_bytes(conn *c, size_t n, uint64_t now)
{
    if (c->state == C_SSE)
        return rx_more(c);
    if (c->state == C_HEAD) {
        if (c->hgot == 0)
            c->deadline_ms = now + LDG_HTTP_REQUEST_TIMEOUT_MS;
        c->hgot += n;
        return try_head(c);
    }
    c->bgot += n;
    if (c->bgot == c->bwant)
        return enqueue(c);
    if (c->bgot == c->bcap && !body_grow(c))
        return refuse(c);
    rx_more(c);
}

static void rx_cb(void *arg)
{
    conn *c = arg;
    net_http_server *srv = c->srv;
    pthread_mutex_lock(&srv->mu);
    c->rx_out = false;
    int rv = nng_aio_result(c->rx);
    if (rv == NNG_ETIMEDOUT && !c->closing && c->state != C_SSE && c->hgot > 0) {
        /* A slow client: told so if it still reads, then closed. */
        net_http_fail(&c->early, 408, LDG_ERR_TIMEOUT,
                      "the request did not arrive whole within %d ms", LDG_HTTP_REQUEST_TIMEOUT_MS);
        srv->st.timed_out++;
        refuse(c);
    } else if (c->closing || rv != 0) {
        kill_conn(c, rv == NNG_ETIMEDOUT ? &srv->st.timed_out : NULL);
        maybe_reap(c);
    } else {
        uint64_t now = mono_ms();
        c->last_rx_ms = now;
        rx_bytes(c, nng_aio_count(c->rx), now);
    }
    pthread_mutex_unlock(&srv->mu);
}

/* ---- serving (workers) ---- */

static void serve(net_http_server *srv, conn *c, net_http_reply *rep)
{
    memset(rep, 0, sizeof *rep);
    if (c->early.http) {
        net_http_reply_error(rep, &c->early);
        net_http_count(rep->status);
        return;
    }
    net_http_serve(srv->node, &c->req, c->rt, c->path_args, c->body, c->bgot, rep);
    net_http_count(rep->status);
}

/* Lock held: the reply goes out, or the connection becomes an event stream. */
static void reply_ready(net_http_server *srv, conn *c, net_http_reply *rep)
{
    bool keep = c->req.keep_alive && !c->close_after && !rep->close;
    if (rep->sse && srv->st.subscribers >= LDG_HTTP_SSE_MAX) {
        net_http_error e;
        net_http_fail(&e, 503, LDG_ERR_UNAVAILABLE,
                      "%d event streams are open already; retry later", LDG_HTTP_SSE_MAX);
        net_http_sub_free(&rep->sub);
        free(rep->body);
        memset(rep, 0, sizeof *rep);
        net_http_reply_error(rep, &e);
    }
    char headers[512];
    int hl = net_http_reply_head(rep, keep, headers, sizeof headers);
    c->out_len = c->out_sent = 0;
    if (!out_append(c, headers, (size_t)hl) || !out_append(c, rep->body, rep->len)) {
        kill_conn(c, &srv->st.refused);
        return;
    }
    c->close_after = !keep && !rep->sse;
    if (rep->sse) {
        c->state = C_SSE;
        c->sub = rep->sub;
        memset(&rep->sub, 0, sizeof rep->sub);
        srv->st.subscribers++;
        srv->st.served++;
        rx_more(c);
    } else {
        c->state = C_SEND;
    }
    tx_pump(c);
}

static void *worker_run(void *arg)
{
    net_http_server *srv = arg;
    pthread_mutex_lock(&srv->mu);
    for (;;) {
        if (srv->dead) {
            conn *d = srv->dead;
            srv->dead = d->qnext;
            pthread_mutex_unlock(&srv->mu);
            free_conn(d);
            pthread_mutex_lock(&srv->mu);
            srv->nconns--;
            pthread_cond_broadcast(&srv->idle);
            continue;
        }
        if (srv->qhead) {
            conn *c = srv->qhead;
            srv->qhead = c->qnext;
            if (!srv->qhead)
                srv->qtail = NULL;
            bool skip = c->closing;
            net_http_reply rep = {0};
            pthread_mutex_unlock(&srv->mu);
            if (!skip)
                serve(srv, c, &rep);
            pthread_mutex_lock(&srv->mu);
            c->in_work = false;
            release_body(c);
            if (c->closing)
                maybe_reap(c);
            else
                reply_ready(srv, c, &rep);
            free(rep.body);
            net_http_sub_free(&rep.sub);
            continue;
        }
        if (srv->quit)
            break;
        pthread_cond_wait(&srv->work, &srv->mu);
    }
    pthread_mutex_unlock(&srv->mu);
    return NULL;
}

/* ---- the event feeder ---- */

/* Sends one height's events to every subscriber that wants them (lock held). */
static bool sink_append(void *arg, const void *p, size_t n)
{
    return out_append(arg, p, n);
}

static void feed_height(net_http_server *srv, const net_http_block_events *ev, bool ok)
{
    for (conn *c = srv->conns; c; c = c->next) {
        if (c->closing || c->state != C_SSE || c->sub.next_height != ev->height)
            continue;
        size_t before = c->out_len - c->out_sent;
        if (ok) /* else the height is skipped (logged), never retried in a loop */
            net_http_sub_render(&c->sub, ev, (net_http_sink){c, sink_append});
        c->sub.next_height = ev->height + 1;
        if (c->out_len - c->out_sent > LDG_HTTP_SSE_BACKLOG_MAX && before > 0)
            kill_conn(c, &srv->st.refused); /* a reader that does not read */
        else
            tx_pump(c);
    }
}

/* The lowest height some subscriber waits for, or UINT64_MAX. */
static uint64_t wanted_height(net_http_server *srv)
{
    uint64_t h = UINT64_MAX;
    for (conn *c = srv->conns; c; c = c->next)
        if (!c->closing && c->state == C_SSE && c->sub.next_height < h)
            h = c->sub.next_height;
    return h;
}

static void heartbeat(net_http_server *srv)
{
    static const char ping[] = ": ping\n\n";
    for (conn *c = srv->conns; c; c = c->next)
        if (!c->closing && c->state == C_SSE && c->out_len == c->out_sent &&
            out_append(c, ping, sizeof ping - 1))
            tx_pump(c);
}

static void *feeder_run(void *arg)
{
    net_http_server *srv = arg;
    uint64_t last_ping = mono_ms();
    pthread_mutex_lock(&srv->mu);
    while (!srv->quit) {
        uint64_t tip = ldg_chain_tip(srv->node->chain).height;
        uint64_t h = wanted_height(srv);
        if (h <= tip) {
            pthread_mutex_unlock(&srv->mu);
            net_http_block_events ev;
            bool ok = net_http_events_load(srv->node, h, &ev);
            pthread_mutex_lock(&srv->mu);
            if (!ok)
                net_log(NET_LOG_WARN, "event stream: block %llu cannot be read; skipped",
                        (unsigned long long)h);
            feed_height(srv, &ev, ok);
            net_http_events_free(&ev);
            continue;
        }
        if (mono_ms() - last_ping >= 15000) {
            heartbeat(srv);
            last_ping = mono_ms();
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&srv->idle, &srv->mu, &until);
    }
    pthread_mutex_unlock(&srv->mu);
    return NULL;
}

/* ---- accepting ---- */

/* At the cap, the connection silent longest among those reading a request (the list runs
 * newest first, so among equals the oldest wins); one being served or streaming is kept. */
static conn *eviction_victim(net_http_server *srv)
{
    conn *best = NULL;
    for (conn *c = srv->conns; c; c = c->next)
        if (!c->closing && (c->state == C_HEAD || c->state == C_BODY) &&
            (!best || c->last_rx_ms <= best->last_rx_ms))
            best = c;
    return best;
}

static void add_conn(net_http_server *srv, nng_stream *s)
{
    conn *c = calloc(1, sizeof *c);
    LDG_ASSERT(c);
    c->srv = srv;
    c->s = s;
    c->head = malloc(LDG_HTTP_HEAD_MAX);
    c->path_args = malloc(NET_HTTP_ARGS_MAX * sizeof *c->path_args);
    LDG_ASSERT(c->head && c->path_args);
    LDG_ASSERT(nng_aio_alloc(&c->rx, rx_cb, c) == 0 && nng_aio_alloc(&c->tx, tx_cb, c) == 0);
    c->last_rx_ms = mono_ms();
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->nconns++;
    srv->st.open++;
    srv->st.accepted++;
    if (srv->st.open > LDG_HTTP_CONN_MAX) {
        conn *victim = eviction_victim(srv);
        kill_conn(victim && victim != c ? victim : c, &srv->st.evicted);
    }
    if (srv->stopping)
        kill_conn(c, NULL);
    if (c->closing)
        return;
    start_head(c);
}

static void accept_cb(void *arg)
{
    net_http_server *srv = arg;
    int rv = nng_aio_result(srv->accept);
    pthread_mutex_lock(&srv->mu);
    if (rv == 0)
        add_conn(srv, nng_aio_get_output(srv->accept, 0));
    bool stopping = srv->stopping;
    pthread_mutex_unlock(&srv->mu);
    if (stopping || rv == NNG_ECLOSED)
        return;
    if (rv == 0 || rv == NNG_ECONNABORTED || rv == NNG_ECONNRESET || rv == NNG_EPEERAUTH ||
        rv == NNG_ECRYPTO || rv == NNG_EPROTO)
        nng_stream_listener_accept(srv->l, srv->accept);
    else
        nng_sleep_aio(100, srv->pause);
}

static void pause_cb(void *arg)
{
    net_http_server *srv = arg;
    if (nng_aio_result(srv->pause) == 0)
        nng_stream_listener_accept(srv->l, srv->accept);
}

/* ---- start, stop ---- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(64 * 1024 + 1);
    size_t n = buf ? fread(buf, 1, 64 * 1024, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static int tls_setup(net_http_server *srv, const char *cert_path, const char *key_path, char *err,
                     size_t err_len)
{
    char *cert = read_file(cert_path), *key = read_file(key_path);
    int rv = !cert || !key ? NNG_ENOENT : nng_tls_config_alloc(&srv->tls, NNG_TLS_MODE_SERVER);
    if (rv == 0)
        rv = nng_tls_config_own_cert(srv->tls, cert, key, NULL);
    if (rv == 0)
        rv = nng_tls_config_auth_mode(srv->tls, NNG_TLS_AUTH_MODE_NONE);
    if (rv == 0)
        rv = nng_stream_listener_set_ptr(srv->l, NNG_OPT_TLS_CONFIG, srv->tls);
    if (key)
        explicit_bzero(key, strlen(key));
    free(cert);
    free(key);
    if (rv != 0)
        snprintf(err, err_len, "cannot set up TLS for the HTTP API (%s, %s): %s", cert_path,
                 key_path, nng_strerror(rv));
    return rv;
}

int net_http_server_start(net_http_server **out, net_node *n, const char *listen,
                          const char *cert_path, const char *key_path, char *err, size_t err_len)
{
    net_http_server *srv = calloc(1, sizeof *srv);
    LDG_ASSERT(srv);
    srv->node = n;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->work, NULL);
    pthread_cond_init(&srv->idle, NULL);
    bool tls = cert_path && *cert_path;
    char url[300];
    snprintf(url, sizeof url, "%s://%s", tls ? "tls+tcp" : "tcp", listen);
    int rv = nng_stream_listener_alloc(&srv->l, url);
    if (rv != 0)
        snprintf(err, err_len, "cannot listen for HTTP on %s: %s", listen, nng_strerror(rv));
    else if (tls)
        rv = tls_setup(srv, cert_path, key_path, err, err_len);
    if (rv == 0) {
        rv = nng_stream_listener_listen(srv->l);
        if (rv != 0)
            snprintf(err, err_len, "cannot listen for HTTP on %s: %s", listen, nng_strerror(rv));
    }
    if (rv != 0) {
        nng_stream_listener_free(srv->l);
        if (srv->tls)
            nng_tls_config_free(srv->tls);
        pthread_cond_destroy(&srv->idle);
        pthread_cond_destroy(&srv->work);
        pthread_mutex_destroy(&srv->mu);
        free(srv);
        return 1;
    }
    LDG_ASSERT(nng_aio_alloc(&srv->accept, accept_cb, srv) == 0 &&
               nng_aio_alloc(&srv->pause, pause_cb, srv) == 0);
    *out = srv;
    return 0;
}

void net_http_server_run(net_http_server *srv, int threads)
{
    srv->nworkers = threads;
    srv->workers = calloc((size_t)threads, sizeof *srv->workers);
    LDG_ASSERT(srv->workers);
    for (int i = 0; i < threads; i++)
        LDG_ASSERT(pthread_create(&srv->workers[i], NULL, worker_run, srv) == 0);
    LDG_ASSERT(pthread_create(&srv->feeder, NULL, feeder_run, srv) == 0);
    srv->feeder_started = true;
    nng_stream_listener_accept(srv->l, srv->accept);
}

static bool replies_pending(net_http_server *srv)
{
    for (conn *c = srv->conns; c; c = c->next)
        if (!c->closing && (c->state == C_BUSY || c->state == C_SEND))
            return true;
    return false;
}

void net_http_server_stop(net_http_server *srv)
{
    if (!srv)
        return;
    pthread_mutex_lock(&srv->mu);
    srv->stopping = true;
    pthread_mutex_unlock(&srv->mu);
    nng_stream_listener_close(srv->l);
    nng_aio_stop(srv->pause);
    nng_aio_stop(srv->accept);
    pthread_mutex_lock(&srv->mu);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 2;
    while (replies_pending(srv) && pthread_cond_timedwait(&srv->idle, &srv->mu, &until) == 0)
        ;
    for (conn *c = srv->conns, *next; c; c = next) {
        next = c->next;
        kill_conn(c, NULL);
    }
    while (srv->nconns > 0)
        pthread_cond_wait(&srv->idle, &srv->mu);
    srv->quit = true;
    pthread_cond_broadcast(&srv->work);
    pthread_cond_broadcast(&srv->idle);
    pthread_mutex_unlock(&srv->mu);
    for (int i = 0; i < srv->nworkers; i++)
        pthread_join(srv->workers[i], NULL);
    if (srv->feeder_started)
        pthread_join(srv->feeder, NULL);
    free(srv->workers);
    nng_aio_free(srv->accept);
    nng_aio_free(srv->pause);
    nng_stream_listener_free(srv->l);
    if (srv->tls)
        nng_tls_config_free(srv->tls);
    pthread_cond_destroy(&srv->idle);
    pthread_cond_destroy(&srv->work);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
}

void net_http_server_stats_get(net_http_server *srv, net_http_server_stats *out)
{
    pthread_mutex_lock(&srv->mu);
    *out = srv->st;
    pthread_mutex_unlock(&srv->mu);
}
