/* The HTTP/JSON API server (net_http_server.h): HTTP/1.1 framing as a protocol of the
 * stream-server core (net_stream_server.h, which owns connections and their limits), the
 * client certificate of a TLS connection, and the event stream's feeder. What a request
 * means is net_http_serve.c's business. */
#include "net_http_server.h"
#include "ldg_err.h"
#include "ldg_limits.h"
#include "net_http.h"
#include "net_http_serve.h"
#include "net_log.h"
#include "net_node.h"
#include "net_stream_server.h"
#include "net_tls.h"

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct net_http_server {
    net_stream_server *core;
    net_node *node;
    nng_tls_config *tls;
    bool client_certs;    /* [tls] ca given: a client certificate is a credential */
    uint64_t subscribers; /* event streams open now (the core's lock) */
};

typedef enum conn_state {
    C_HEAD, /* reading a request's head */
    C_BODY, /* reading its body */
    C_BUSY, /* queued or being served */
    C_SEND, /* sending the reply */
    C_SSE,  /* an event stream: sending what the feeder queues */
} conn_state;

/* A connection's HTTP state (the core's net_stream_data). */
typedef struct hconn {
    conn_state state;
    bool close_after; /* close once the reply is sent */
    uint8_t *head;    /* LDG_HTTP_HEAD_MAX bytes: the head, then what follows it */
    size_t hgot, hlen;
    net_http_req req;
    const net_http_route *rt;
    char (*path_args)[LDG_HTTP_TARGET_MAX + 1];
    net_http_error early; /* a refusal decided while reading (http 0: none) */
    net_stream_buf body;
    net_http_reply rep; /* the worker's reply */
    net_http_sub sub;   /* C_SSE: what the subscriber asked for */
    bool peer_read;     /* the client certificate was looked at (once a connection) */
    int peer;           /* net_tls_stream_peer's answer */
    net_tls_peer peer_id;
} hconn;

static hconn *H(net_stream_conn *c)
{
    return net_stream_data(c);
}

static net_http_server *SRV(net_stream_conn *c)
{
    return net_stream_arg(c);
}

/* ---- receiving (lock held) ---- */

static void rx_more(net_stream_conn *c)
{
    hconn *h = H(c);
    if (h->state == C_HEAD)
        net_stream_recv(c, h->head + h->hgot, LDG_HTTP_HEAD_MAX - h->hgot,
                        h->hgot == 0 ? NET_STREAM_IDLE : NET_STREAM_DEADLINE);
    else if (h->state == C_BODY)
        net_stream_recv(c, h->body.data + h->body.got,
                        (h->body.cap < h->body.want ? h->body.cap : h->body.want) - h->body.got,
                        NET_STREAM_DEADLINE);
    else /* an event stream: read (and drop) until the client closes */
        net_stream_recv(c, h->head, LDG_HTTP_HEAD_MAX, NET_STREAM_FOREVER);
}

static void enqueue(net_stream_conn *c)
{
    H(c)->state = C_BUSY;
    net_stream_enqueue(c);
}

/* A refusal decided while reading: answered by a worker, then the connection closes (the
 * rest of what the client sends is not read). */
static void refuse(net_stream_conn *c)
{
    H(c)->close_after = true;
    enqueue(c);
}

/* Grows the body fourfold: a batch of 100 transfers in hex (~36 KiB) arrives in 3 reads,
 * not 8. */
static bool body_grow(net_stream_conn *c)
{
    switch (net_stream_buf_grow(c, &H(c)->body, 4)) {
    case NET_STREAM_GROWN:
        return true;
    case NET_STREAM_OVER_BUDGET:
        return net_http_fail(&H(c)->early, 503, LDG_ERR_UNAVAILABLE,
                             "the node is receiving too many large requests; retry later");
    default:
        return net_http_fail(&H(c)->early, 503, LDG_ERR_NOMEM, "out of memory; retry later");
    }
}

/* The route's verdict on the head: false with h->early set when it is refused. */
static bool body_allowed(hconn *h, size_t max)
{
    const net_http_req *r = &h->req;
    if (max == 0 && r->content_length > 0)
        return net_http_fail(&h->early, 400, LDG_ERR_PROTOCOL, "this route takes no body");
    if (max > 0 && !r->has_length)
        return net_http_fail(&h->early, 411, LDG_ERR_PROTOCOL, "a POST needs Content-Length");
    if (r->content_length > max && max > 0)
        return net_http_fail(&h->early, 413, LDG_ERR_TOO_LARGE,
                             "the body has %llu bytes; this route accepts at most %zu",
                             (unsigned long long)r->content_length, max);
    if (max > 0 && !r->json_body)
        return net_http_fail(&h->early, 415, LDG_ERR_INVALID,
                             "the body must be Content-Type: application/json");
    return true;
}

/* The head is whole: find the route and decide how much body to read. */
static void head_done(net_stream_conn *c, size_t hlen)
{
    hconn *h = H(c);
    h->hlen = hlen;
    net_http_req *r = &h->req;
    h->rt = NULL;
    if (!net_http_serve_special(r->path)) {
        h->rt = net_http_route_find(r->verb, r->path, h->path_args, &h->early);
        if (!h->rt && r->content_length == 0)
            return enqueue(c); /* 404 or 405 with nothing to skip: the connection stays */
        if (!h->rt)
            return refuse(c);
    }
    if (!body_allowed(h, h->rt ? net_http_body_max(h->rt) : 0))
        return refuse(c);
    if (!net_stream_buf_alloc(c, &h->body, (size_t)r->content_length, LDG_HTTP_BODY_SMALL_MAX)) {
        net_http_fail(&h->early, 503, LDG_ERR_NOMEM, "out of memory; retry later");
        return refuse(c);
    }
    /* Bytes already read past the head start the body. */
    size_t extra = h->hgot - hlen;
    size_t take = extra < h->body.want ? extra : h->body.want;
    while (h->body.cap < take && body_grow(c))
        ;
    if (h->early.http)
        return refuse(c);
    memcpy(h->body.data, h->head + hlen, take);
    h->body.got = take;
    h->hlen += take;
    if (h->body.got == h->body.want)
        return enqueue(c);
    h->state = C_BODY;
    rx_more(c);
}

static void try_head(net_stream_conn *c)
{
    hconn *h = H(c);
    int hl = net_http_parse(h->head, h->hgot, &h->req, &h->early);
    if (hl < 0)
        return refuse(c);
    if (hl > 0)
        return head_done(c, (size_t)hl);
    rx_more(c);
}

static void start_head(net_stream_conn *c)
{
    hconn *h = H(c);
    /* What followed the last request (pipelined) starts the next one. */
    size_t rest = h->hgot - h->hlen;
    memmove(h->head, h->head + h->hlen, rest);
    h->hgot = rest;
    h->hlen = 0;
    h->state = C_HEAD;
    h->early.http = 0;
    h->close_after = false;
    net_stream_set_deadline(c, net_stream_now_ms() + LDG_HTTP_REQUEST_TIMEOUT_MS);
    if (rest)
        try_head(c);
    else
        rx_more(c);
}

static void http_received(net_stream_conn *c, size_t n, uint64_t now)
{
    hconn *h = H(c);
    if (h->state == C_SSE)
        return rx_more(c);
    if (h->state == C_HEAD) {
        if (h->hgot == 0)
            net_stream_set_deadline(c, now + LDG_HTTP_REQUEST_TIMEOUT_MS);
        h->hgot += n;
        return try_head(c);
    }
    h->body.got += n;
    if (h->body.got == h->body.want)
        return enqueue(c);
    if (h->body.got == h->body.cap && !body_grow(c))
        return refuse(c);
    rx_more(c);
}

/* A slow client: told so if it still reads, then closed. */
static bool http_timed_out(net_stream_conn *c)
{
    hconn *h = H(c);
    if (h->state == C_SSE || h->hgot == 0)
        return false;
    net_http_fail(&h->early, 408, LDG_ERR_TIMEOUT, "the request did not arrive whole within %d ms",
                  LDG_HTTP_REQUEST_TIMEOUT_MS);
    refuse(c);
    return true;
}

/* ---- serving ---- */

/* The connection's client certificate, looked at once its handshake is done (a request
 * has arrived) and kept for the connection's later requests. */
static void peer_cert(net_stream_conn *c)
{
    hconn *h = H(c);
    if (!SRV(c)->client_certs)
        return;
    if (!h->peer_read) {
        h->peer = net_tls_stream_peer(net_stream_stream(c), &h->peer_id);
        h->peer_read = true;
    }
    h->req.cert = h->peer;
    if (h->peer > 0) {
        memcpy(h->req.cert_role, h->peer_id.role, sizeof h->req.cert_role);
        memcpy(h->req.cert_cn, h->peer_id.cn, sizeof h->req.cert_cn);
        memcpy(h->req.cert_fp, h->peer_id.fp, sizeof h->req.cert_fp);
    }
}

/* A worker, without the lock. */
static void http_serve(net_stream_conn *c)
{
    hconn *h = H(c);
    net_http_reply *rep = &h->rep;
    memset(rep, 0, sizeof *rep);
    if (h->early.http) {
        net_http_reply_error(rep, &h->early);
    } else {
        peer_cert(c);
        net_http_serve(SRV(c)->node, &h->req, h->rt, h->path_args, h->body.data, h->body.got, rep);
    }
    net_http_count(rep->status);
}

/* Replaces a reply by an error. */
static void reply_replace(net_http_reply *rep, int http, ldg_err code, const char *message)
{
    net_http_error e;
    net_http_fail(&e, http, code, "%s", message);
    net_http_sub_free(&rep->sub);
    free(rep->body);
    memset(rep, 0, sizeof *rep);
    net_http_reply_error(rep, &e);
}

/* The reply's head, or an error's when it does not fit LDG_HTTP_REPLY_HEAD_MAX (a header
 * value too long: the client gets a 500 it can read, never an assert). */
static int reply_head(net_http_reply *rep, bool *keep, char *out, size_t cap)
{
    int hl = net_http_reply_head(rep, *keep, out, cap);
    if (hl >= 0)
        return hl;
    reply_replace(rep, 500, LDG_ERR_TOO_LARGE,
                  "the reply's headers exceed LDG_HTTP_REPLY_HEAD_MAX; nothing was sent");
    net_http_count(500);
    *keep = false;
    return net_http_reply_head(rep, *keep, out, cap);
}

/* Lock held: the reply goes out, or the connection becomes an event stream. */
static void reply_ready(net_stream_conn *c)
{
    hconn *h = H(c);
    net_http_server *srv = SRV(c);
    net_http_reply *rep = &h->rep;
    bool keep = h->req.keep_alive && !h->close_after && !rep->close;
    if (rep->sse && srv->subscribers >= LDG_HTTP_SSE_MAX) {
        char m[96];
        snprintf(m, sizeof m, "%d event streams are open already; retry later", LDG_HTTP_SSE_MAX);
        reply_replace(rep, 503, LDG_ERR_UNAVAILABLE, m);
    }
    char head[LDG_HTTP_REPLY_HEAD_MAX];
    int hl = reply_head(rep, &keep, head, sizeof head);
    LDG_ASSERT(hl > 0); /* an error's head is ours and fits (test_http checks it) */
    h->close_after = !keep && !rep->sse;
    if (rep->sse) {
        h->state = C_SSE;
        h->sub = rep->sub;
        memset(&rep->sub, 0, sizeof rep->sub);
        srv->subscribers++;
        /* An event stream may wait on a reader for as long as its backlog allows. */
        net_stream_set_tx_ms(c, LDG_HTTP_IDLE_TIMEOUT_MS);
    } else {
        h->state = C_SEND;
    }
    if (!net_stream_queue(c, head, (size_t)hl) || !net_stream_send(c, rep->body, rep->len))
        return;
    if (rep->sse && net_stream_served(c, true))
        rx_more(c);
}

static void http_served(net_stream_conn *c)
{
    hconn *h = H(c);
    net_stream_buf_release(c, &h->body);
    if (!net_stream_closing(c))
        reply_ready(c);
    free(h->rep.body);
    net_http_sub_free(&h->rep.sub);
    memset(&h->rep, 0, sizeof h->rep);
}

static void http_sent(net_stream_conn *c)
{
    hconn *h = H(c);
    if (h->state == C_SEND && net_stream_served(c, !h->close_after))
        start_head(c);
}

/* ---- connections ---- */

static bool http_open(net_stream_conn *c)
{
    hconn *h = H(c);
    h->head = malloc(LDG_HTTP_HEAD_MAX);
    h->path_args = malloc(NET_HTTP_ARGS_MAX * sizeof *h->path_args);
    if (!h->head || !h->path_args)
        return false;
    start_head(c);
    return true;
}

/* Only one reading a request: one being served or streaming is kept. */
static bool http_evictable(const net_stream_conn *c)
{
    const hconn *h = net_stream_cdata(c);
    return h->state == C_HEAD || h->state == C_BODY;
}

static void http_reaped(net_stream_conn *c)
{
    if (H(c)->state == C_SSE)
        SRV(c)->subscribers--;
    net_stream_buf_release(c, &H(c)->body);
}

static void http_release(net_stream_conn *c)
{
    hconn *h = H(c);
    free(h->head);
    free(h->path_args);
    free(h->rep.body);
    net_http_sub_free(&h->rep.sub);
    net_http_sub_free(&h->sub);
}

static const net_stream_proto http_proto = {
    .conn_size = sizeof(hconn),
    .conn_max = LDG_HTTP_CONN_MAX,
    .small_max = LDG_HTTP_BODY_SMALL_MAX,
    .rx_budget = LDG_HTTP_RX_BUDGET,
    .idle_ms = LDG_HTTP_IDLE_TIMEOUT_MS,
    .tx_ms = LDG_HTTP_REQUEST_TIMEOUT_MS,
    .drain_ms = LDG_HTTP_STOP_DRAIN_MS,
    .open = http_open,
    .received = http_received,
    .timed_out = http_timed_out,
    .serve = http_serve,
    .served = http_served,
    .sent = http_sent,
    .evictable = http_evictable,
    .reaped = http_reaped,
    .release = http_release,
};

/* ---- the event feeder (a side thread of the core) ---- */

static bool sink_append(void *arg, const void *p, size_t n)
{
    return net_stream_queue(arg, p, n);
}

/* Sends one height's events to every subscriber that wants them (lock held). */
static void feed_height(net_stream_server *core, const net_http_block_events *ev, bool ok)
{
    for (net_stream_conn *c = net_stream_first(core), *next; c; c = next) {
        next = net_stream_next(c);
        hconn *h = H(c);
        if (net_stream_closing(c) || h->state != C_SSE || h->sub.next_height != ev->height)
            continue;
        size_t before = net_stream_pending(c);
        if (ok) /* else the height is skipped (logged), never retried in a loop */
            net_http_sub_render(&h->sub, ev, (net_http_sink){c, sink_append});
        h->sub.next_height = ev->height + 1;
        if (net_stream_pending(c) > LDG_HTTP_SSE_BACKLOG_MAX && before > 0)
            net_stream_close(c, NET_STREAM_REFUSED); /* a reader that does not read */
        else
            net_stream_flush(c);
    }
}

/* The lowest height some subscriber waits for, or UINT64_MAX. */
static uint64_t wanted_height(net_stream_server *core)
{
    uint64_t min = UINT64_MAX;
    for (net_stream_conn *c = net_stream_first(core); c; c = net_stream_next(c))
        if (!net_stream_closing(c) && H(c)->state == C_SSE && H(c)->sub.next_height < min)
            min = H(c)->sub.next_height;
    return min;
}

static void heartbeat(net_stream_server *core)
{
    static const char ping[] = ": ping\n\n";
    for (net_stream_conn *c = net_stream_first(core); c; c = net_stream_next(c))
        if (!net_stream_closing(c) && H(c)->state == C_SSE && net_stream_pending(c) == 0)
            net_stream_send(c, ping, sizeof ping - 1);
}

static void *feeder_run(void *arg)
{
    net_stream_server *core = arg;
    net_http_server *srv = net_stream_server_arg(core);
    uint64_t last_ping = net_stream_now_ms();
    net_stream_lock(core);
    while (!net_stream_quitting(core)) {
        uint64_t tip = ldg_chain_tip(srv->node->chain).height;
        uint64_t h = wanted_height(core);
        if (h <= tip) {
            net_stream_unlock(core);
            net_http_block_events ev;
            bool ok = net_http_events_load(srv->node, h, &ev);
            net_stream_lock(core);
            if (!ok)
                net_log(NET_LOG_WARN, "event stream: block %llu cannot be read; skipped",
                        (unsigned long long)h);
            feed_height(core, &ev, ok);
            net_http_events_free(&ev);
            continue;
        }
        if (net_stream_now_ms() - last_ping >= 15000) {
            heartbeat(core);
            last_ping = net_stream_now_ms();
        }
        net_stream_sleep(core, 100);
    }
    net_stream_unlock(core);
    return NULL;
}

/* ---- start, stop ---- */

static int tls_prepare(nng_stream_listener *l, void *arg, char *err, size_t err_len)
{
    net_http_server *srv = arg;
    int rv = nng_stream_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, srv->tls);
    if (rv != 0)
        snprintf(err, err_len, "cannot set up TLS for the HTTP API: %s", nng_strerror(rv));
    return rv;
}

int net_http_server_start(net_http_server **out, net_node *n, const char *listen,
                          const char *ca_path, const char *cert_path, const char *key_path,
                          char *err, size_t err_len)
{
    net_http_server *srv = calloc(1, sizeof *srv);
    LDG_ASSERT(srv);
    srv->node = n;
    bool tls = cert_path && *cert_path;
    srv->client_certs = tls && ca_path && *ca_path;
    char why[NET_PATH_MAX * 2 + 128];
    if (tls && net_tls_http_config(&srv->tls, srv->client_certs ? ca_path : NULL, cert_path,
                                   key_path, why, sizeof why) != 0) {
        snprintf(err, err_len, "cannot set up TLS for the HTTP API: %s", why);
        free(srv);
        return 1;
    }
    char url[300];
    snprintf(url, sizeof url, "%s://%s", tls ? "tls+tcp" : "tcp", listen);
    if (net_stream_server_start(&srv->core, &http_proto, srv, url, tls ? tls_prepare : NULL,
                                "for HTTP ", listen, err, err_len) != 0) {
        if (srv->tls)
            nng_tls_config_free(srv->tls);
        free(srv);
        return 1;
    }
    *out = srv;
    return 0;
}

void net_http_server_run(net_http_server *srv, int threads)
{
    net_stream_server_run(srv->core, threads, feeder_run);
}

void net_http_server_stop(net_http_server *srv)
{
    if (!srv)
        return;
    net_stream_server_stop(srv->core);
    if (srv->tls)
        nng_tls_config_free(srv->tls);
    free(srv);
}

void net_http_server_stats_get(net_http_server *srv, net_http_server_stats *out)
{
    net_stream_stats st;
    net_stream_server_stats(srv->core, &st);
    net_stream_lock(srv->core);
    out->subscribers = srv->subscribers;
    net_stream_unlock(srv->core);
    out->open = st.open;
    out->accepted = st.accepted;
    out->evicted = st.evicted;
    out->timed_out = st.timed_out;
    out->refused = st.refused;
    out->served = st.served;
    out->buffered = st.buffered;
}
