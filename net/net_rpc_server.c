/* The client RPC server (net_rpc_server.h): nng's SP req/rep wire over nng streams.
 *
 * Wire (nng 1.5.2, what its req0 client speaks):
 *   handshake  each side sends 00 'S' 'P' 00, its protocol id (u16 BE: req0 0x30, rep0
 *              0x31), 00 00;
 *   frame      tcp: u64 BE length, then the message; ipc: the byte 01, u64 BE length, then
 *              the message;
 *   message    the SP backtrace (u32 BE words, the last one, the request id, with its top
 *              bit set) then the body (the msgpack request); a reply echoes the backtrace.
 *
 * Each connection has one receive and one send aio; their callbacks run on nng's threads
 * and only move bytes and state under the server's lock. Complete requests go to a queue
 * served by the worker threads, which also free closed connections (an aio may not be
 * freed from its own callback). */
#include "net_rpc_server.h"
#include "ldg_err.h"
#include "ldg_limits.h"
#include "net_rpc.h"

#include <nng/nng.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SP_PROTO_REQ0 0x30
#define SP_PROTO_REP0 0x31
#define SP_HANDSHAKE_LEN 8
#define SP_ID_LAST 0x80000000u

typedef enum conn_state {
    C_HANDSHAKE, /* reading the peer's SP header */
    C_FRAME,     /* reading a frame: its length, then its message */
    C_BUSY,      /* a complete request queued or being served */
    C_SEND,      /* sending the reply */
} conn_state;

typedef struct conn conn;
struct conn {
    net_rpc_server *srv;
    nng_stream *s;
    nng_aio *rx, *tx;
    conn *prev, *next; /* the server's connections */
    conn *qnext;       /* the work queue or the dead list */
    conn_state state;
    bool rx_out, tx_out; /* an operation is outstanding on the aio */
    bool in_work;        /* queued or held by a worker */
    bool closing, reaped;
    net_rpc_access level;
    uint64_t last_rx_ms;  /* last byte received (eviction picks the oldest) */
    uint64_t deadline_ms; /* the handshake or the current frame must be in by then */
    uint8_t hs_out[SP_HANDSHAKE_LEN], hs_in[SP_HANDSHAKE_LEN];
    size_t hs_sent, hs_got;
    uint8_t head[9]; /* frame header: [01] u64 */
    size_t head_got;
    uint8_t *buf; /* the message, grown as it arrives */
    size_t cap, got, want, charged;
    size_t bt_len; /* bytes of backtrace, once its last word is read */
    bool bt_done;  /* the backtrace's last word is read */
    bool checked;  /* the method's size limit was applied */
    char *early;   /* a refusal decided while reading (JSON), sent instead of serving */
    int early_status;
    size_t skip;  /* after a refusal: bytes of the frame still to read and drop */
    uint8_t *out; /* the reply frame */
    size_t out_len, out_sent;
};

struct net_rpc_server {
    net_node *node;
    bool ipc;
    nng_stream_listener *l;
    nng_aio *accept, *pause;
    pthread_mutex_t mu;
    pthread_cond_t work; /* workers: a request or a dead connection, or quit */
    pthread_cond_t idle; /* stop: connections closed, replies sent */
    conn *conns;
    conn *qhead, *qtail;
    conn *dead;
    size_t nconns; /* allocated (open or closing) */
    size_t budget; /* bytes charged against LDG_RPC_RX_BUDGET */
    bool stopping, quit;
    pthread_t *workers;
    int nworkers;
    net_rpc_server_stats st;
};

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* Bytes of a buffer charged to the budget: small requests are free. */
static size_t charge_of(size_t cap)
{
    return cap > LDG_RPC_REQUEST_SMALL_MAX ? cap - LDG_RPC_REQUEST_SMALL_MAX : 0;
}

static void release_buf(conn *c)
{
    c->srv->budget -= c->charged;
    c->srv->st.buffered -= c->cap;
    c->charged = 0;
    free(c->buf);
    c->buf = NULL;
    c->cap = c->got = c->want = 0;
}

/* ---- closing and freeing (lock held) ---- */

static void maybe_reap(conn *c)
{
    if (!c->closing || c->rx_out || c->tx_out || c->in_work || c->reaped)
        return;
    net_rpc_server *srv = c->srv;
    c->reaped = true;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    release_buf(c);
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
    nng_stream_close(c->s); /* outstanding operations end with NNG_ECLOSED */
    maybe_reap(c);
}

/* Worker side, lock not held: the callbacks have returned or are returning. */
static void free_conn(conn *c)
{
    nng_aio_free(c->rx);
    nng_aio_free(c->tx);
    nng_stream_free(c->s);
    free(c->early);
    free(c->out);
    free(c);
}

/* ---- sending ---- */

static void tx_pump(conn *c)
{
    if (c->tx_out || c->closing)
        return;
    nng_iov iov;
    if (c->hs_sent < SP_HANDSHAKE_LEN) {
        iov = (nng_iov){c->hs_out + c->hs_sent, SP_HANDSHAKE_LEN - c->hs_sent};
    } else if (c->state == C_SEND && c->out_sent < c->out_len) {
        iov = (nng_iov){c->out + c->out_sent, c->out_len - c->out_sent};
    } else {
        return;
    }
    nng_aio_set_iov(c->tx, 1, &iov);
    nng_aio_set_timeout(c->tx, LDG_RPC_FRAME_TIMEOUT_MS);
    c->tx_out = true;
    nng_stream_send(c->s, c->tx);
}

static void start_frame(conn *c);
static void skip_begin(conn *c);

static void tx_cb(void *arg)
{
    conn *c = arg;
    net_rpc_server *srv = c->srv;
    pthread_mutex_lock(&srv->mu);
    c->tx_out = false;
    int rv = nng_aio_result(c->tx);
    if (rv != 0 || c->closing) {
        kill_conn(c, rv == NNG_ETIMEDOUT ? &srv->st.timed_out : NULL);
        maybe_reap(c);
        pthread_mutex_unlock(&srv->mu);
        return;
    }
    size_t n = nng_aio_count(c->tx);
    if (c->hs_sent < SP_HANDSHAKE_LEN) {
        c->hs_sent += n;
    } else if (c->state == C_SEND) {
        c->out_sent += n;
        if (c->out_sent == c->out_len) {
            free(c->out);
            c->out = NULL;
            srv->st.served++;
            if (srv->stopping)
                kill_conn(c, NULL);
            else if (c->skip)
                skip_begin(c);
            else
                start_frame(c);
            if (srv->stopping)
                pthread_cond_broadcast(&srv->idle);
        }
    }
    tx_pump(c);
    pthread_mutex_unlock(&srv->mu);
}

/* ---- receiving ---- */

static void rx_more(conn *c)
{
    uint64_t now = mono_ms();
    nng_iov iov;
    nng_duration wait;
    if (c->state == C_HANDSHAKE) {
        iov = (nng_iov){c->hs_in + c->hs_got, SP_HANDSHAKE_LEN - c->hs_got};
    } else if (c->skip) {
        iov = (nng_iov){c->buf, c->skip < c->cap ? c->skip : c->cap};
    } else if (c->head_got < (c->srv->ipc ? 9u : 8u)) {
        size_t hl = c->srv->ipc ? 9 : 8;
        iov = (nng_iov){c->head + c->head_got, hl - c->head_got};
    } else {
        size_t end = c->cap < c->want ? c->cap : c->want;
        iov = (nng_iov){c->buf + c->got, end - c->got};
    }
    if (c->state == C_FRAME && c->head_got == 0) {
        wait = LDG_RPC_IDLE_TIMEOUT_MS; /* between requests */
    } else {
        if (now >= c->deadline_ms) {
            kill_conn(c, &c->srv->st.timed_out);
            return;
        }
        wait = (nng_duration)(c->deadline_ms - now);
    }
    nng_aio_set_iov(c->rx, 1, &iov);
    nng_aio_set_timeout(c->rx, wait);
    c->rx_out = true;
    nng_stream_recv(c->s, c->rx);
}

static void start_frame(conn *c)
{
    c->state = C_FRAME;
    c->head_got = 0;
    c->bt_len = 0;
    c->bt_done = c->checked = false;
    c->skip = 0;
    c->out_sent = c->out_len = 0;
    free(c->early);
    c->early = NULL;
    rx_more(c);
}

/* A refusal decided before the message is read whole: the reply goes out at once, then
 * the rest of the frame is read into a small buffer and dropped (within the frame's
 * deadline), so the connection stays in step and closing it cannot reset the reply. */
static void refuse_early(conn *c, char *json, int status)
{
    c->early = json;
    c->early_status = status;
}

static void skip_begin(conn *c)
{
    c->state = C_FRAME;
    c->cap = c->skip < LDG_RPC_REQUEST_SMALL_MAX ? c->skip : LDG_RPC_REQUEST_SMALL_MAX;
    c->buf = malloc(c->cap);
    if (!c->buf) {
        c->cap = 0;
        return kill_conn(c, &c->srv->st.refused);
    }
    c->srv->st.buffered += c->cap;
    rx_more(c);
}

/* Reads the backtrace and then the method name as soon as their bytes are in, and applies
 * the method's size limit to the declared length. */
static void check_prefix(conn *c)
{
    while (!c->bt_done && c->got >= c->bt_len + 4) {
        const uint8_t *w = c->buf + c->bt_len;
        c->bt_len += 4;
        c->bt_done = (w[0] & 0x80) != 0;
        if (!c->bt_done && c->bt_len / 4 >= LDG_RPC_SP_HOPS_MAX) {
            kill_conn(c, &c->srv->st.refused);
            return;
        }
    }
    if (!c->bt_done || c->checked)
        return;
    char name[32];
    int r = net_rpc_peek_method(c->buf + c->bt_len, c->got - c->bt_len, name);
    if (r == 0 && c->got < c->want)
        return;
    c->checked = true;
    const net_rpc_method *m = r == 1 ? net_rpc_method_find(name) : NULL;
    size_t max = m ? m->request_max : LDG_RPC_REQUEST_SMALL_MAX;
    size_t body = c->want - c->bt_len;
    if (body > max) {
        int status;
        char *json = net_rpc_error(&status, LDG_ERR_TOO_LARGE,
                                   "the request has %zu bytes; '%s' accepts at most %zu", body,
                                   m ? m->name : "an unknown method", max);
        refuse_early(c, json, status);
    }
}

/* Grows the frame buffer (doubling, never past the declared length) once it is full. */
static bool grow(conn *c)
{
    size_t cap = c->cap * 2 < c->want ? c->cap * 2 : c->want;
    size_t charge = charge_of(cap);
    net_rpc_server *srv = c->srv;
    if (srv->budget - c->charged + charge > LDG_RPC_RX_BUDGET) {
        int status;
        char *json = net_rpc_error(&status, LDG_ERR_UNAVAILABLE,
                                   "the node is receiving too many large requests; retry later");
        refuse_early(c, json, status);
        return false;
    }
    uint8_t *b = realloc(c->buf, cap);
    if (!b) {
        kill_conn(c, &srv->st.refused);
        return false;
    }
    srv->budget += charge - c->charged;
    srv->st.buffered += cap - c->cap;
    c->charged = charge;
    c->buf = b;
    c->cap = cap;
    return true;
}

static void enqueue(conn *c)
{
    net_rpc_server *srv = c->srv;
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

static bool handshake_ok(const uint8_t *h)
{
    return h[0] == 0 && h[1] == 'S' && h[2] == 'P' && h[3] == 0 && h[4] == 0 &&
           h[5] == SP_PROTO_REQ0 && h[6] == 0 && h[7] == 0;
}

/* The frame header is in: check the declared length and make the first small buffer. */
static bool frame_begin(conn *c)
{
    const uint8_t *p = c->head;
    if (c->srv->ipc && *p++ != 1)
        return false;
    uint64_t len = get_be64(p);
    if (len < 4 || len > LDG_RPC_MSG_SIZE_MAX)
        return false;
    c->want = (size_t)len;
    c->cap = c->want < LDG_RPC_RX_INITIAL ? c->want : LDG_RPC_RX_INITIAL;
    c->buf = malloc(c->cap);
    if (!c->buf) {
        c->cap = 0;
        return false;
    }
    c->srv->st.buffered += c->cap;
    c->got = 0;
    return true;
}

static void rx_bytes(conn *c, size_t n, uint64_t now)
{
    size_t hl = c->srv->ipc ? 9 : 8;
    if (c->state == C_HANDSHAKE) {
        c->hs_got += n;
        if (c->hs_got < SP_HANDSHAKE_LEN)
            return rx_more(c);
        if (!handshake_ok(c->hs_in))
            return kill_conn(c, &c->srv->st.refused);
        return start_frame(c);
    }
    if (c->skip) {
        c->skip -= n;
        if (c->skip)
            return rx_more(c);
        release_buf(c);
        return start_frame(c);
    }
    if (c->head_got < hl) {
        if (c->head_got == 0)
            c->deadline_ms = now + LDG_RPC_FRAME_TIMEOUT_MS;
        c->head_got += n;
        if (c->head_got < hl)
            return rx_more(c);
        if (!frame_begin(c))
            return kill_conn(c, &c->srv->st.refused);
        return rx_more(c);
    }
    c->got += n;
    check_prefix(c);
    if (c->closing)
        return;
    if (c->early)
        return enqueue(c);
    if (c->got == c->want) {
        if (!c->bt_done)
            return kill_conn(c, &c->srv->st.refused);
        return enqueue(c);
    }
    if (c->got == c->cap && !grow(c)) {
        if (c->early)
            enqueue(c);
        return;
    }
    rx_more(c);
}

static void rx_cb(void *arg)
{
    conn *c = arg;
    net_rpc_server *srv = c->srv;
    pthread_mutex_lock(&srv->mu);
    c->rx_out = false;
    int rv = nng_aio_result(c->rx);
    if (c->closing || rv != 0) {
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

/* Builds the reply frame: header, the request's backtrace, [status, json]. */
static void build_reply(conn *c, int status, const char *json)
{
    ldg_enc e;
    ldg_enc_init(&e);
    net_rpc_reply(&e, status, json);
    size_t hl = c->srv->ipc ? 9 : 8;
    size_t msg = c->bt_len + ldg_enc_len(&e);
    c->out = malloc(hl + msg);
    LDG_ASSERT(c->out);
    uint8_t *p = c->out;
    if (c->srv->ipc)
        *p++ = 1;
    put_be64(p, msg);
    memcpy(c->out + hl, c->buf, c->bt_len);
    memcpy(c->out + hl + c->bt_len, ldg_enc_data(&e), ldg_enc_len(&e));
    c->out_len = hl + msg;
    c->out_sent = 0;
    ldg_enc_free(&e);
}

static void serve(net_rpc_server *srv, conn *c)
{
    int status = c->early_status;
    char *json = c->early;
    c->early = NULL;
    if (!json)
        json =
            net_rpc_dispatch(srv->node, c->level, c->buf + c->bt_len, c->want - c->bt_len, &status);
    build_reply(c, status, json);
    free(json);
}

static void *worker_run(void *arg)
{
    net_rpc_server *srv = arg;
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
            pthread_mutex_unlock(&srv->mu);
            if (!skip)
                serve(srv, c);
            pthread_mutex_lock(&srv->mu);
            c->in_work = false;
            c->skip = c->want - c->got; /* non-zero only after an early refusal */
            release_buf(c);
            if (c->closing) {
                maybe_reap(c);
            } else {
                c->state = C_SEND;
                tx_pump(c);
            }
            continue;
        }
        if (srv->quit)
            break;
        pthread_cond_wait(&srv->work, &srv->mu);
    }
    pthread_mutex_unlock(&srv->mu);
    return NULL;
}

/* ---- accepting ---- */

/* At the cap, the open connection idle longest that is not being served (the list runs
 * newest first, so among equals the oldest wins). */
static conn *eviction_victim(net_rpc_server *srv)
{
    conn *best = NULL;
    for (conn *c = srv->conns; c; c = c->next)
        if (!c->closing && (c->state == C_HANDSHAKE || c->state == C_FRAME) &&
            (!best || c->last_rx_ms <= best->last_rx_ms))
            best = c;
    return best;
}

static net_rpc_access caller_level(net_rpc_server *srv, nng_stream *s)
{
    uint64_t uid;
    if (!srv->ipc || nng_stream_get_uint64(s, NNG_OPT_IPC_PEER_UID, &uid) != 0)
        return NET_RPC_PUBLIC;
    return uid == (uint64_t)getuid() || uid == 0 ? NET_RPC_OPERATOR : NET_RPC_PUBLIC;
}

static void add_conn(net_rpc_server *srv, nng_stream *s)
{
    conn *c = calloc(1, sizeof *c);
    LDG_ASSERT(c);
    c->srv = srv;
    c->s = s;
    LDG_ASSERT(nng_aio_alloc(&c->rx, rx_cb, c) == 0 && nng_aio_alloc(&c->tx, tx_cb, c) == 0);
    c->level = caller_level(srv, s);
    c->last_rx_ms = mono_ms();
    c->deadline_ms = c->last_rx_ms + LDG_RPC_FRAME_TIMEOUT_MS;
    memcpy(c->hs_out, (uint8_t[]){0, 'S', 'P', 0, 0, SP_PROTO_REP0, 0, 0}, SP_HANDSHAKE_LEN);
    c->state = C_HANDSHAKE;
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->nconns++;
    srv->st.open++;
    srv->st.accepted++;
    if (srv->st.open > LDG_RPC_CONN_MAX) {
        conn *victim = eviction_victim(srv);
        kill_conn(victim && victim != c ? victim : c, &srv->st.evicted);
    }
    if (srv->stopping)
        kill_conn(c, NULL);
    if (c->closing)
        return;
    tx_pump(c);
    rx_more(c);
}

static void accept_cb(void *arg)
{
    net_rpc_server *srv = arg;
    int rv = nng_aio_result(srv->accept);
    pthread_mutex_lock(&srv->mu);
    if (rv == 0)
        add_conn(srv, nng_aio_get_output(srv->accept, 0));
    bool stopping = srv->stopping;
    pthread_mutex_unlock(&srv->mu);
    if (stopping || rv == NNG_ECLOSED)
        return;
    if (rv == 0 || rv == NNG_ECONNABORTED || rv == NNG_ECONNRESET)
        nng_stream_listener_accept(srv->l, srv->accept);
    else /* out of files or memory: pause, then accept again */
        nng_sleep_aio(100, srv->pause);
}

static void pause_cb(void *arg)
{
    net_rpc_server *srv = arg;
    if (nng_aio_result(srv->pause) == 0)
        nng_stream_listener_accept(srv->l, srv->accept);
}

/* ---- start, stop ---- */

int net_rpc_server_start(net_rpc_server **out, net_node *n, const char *url, char *err,
                         size_t err_len)
{
    net_rpc_server *srv = calloc(1, sizeof *srv);
    LDG_ASSERT(srv);
    srv->node = n;
    srv->ipc = !strncmp(url, "ipc://", 6);
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->work, NULL);
    pthread_cond_init(&srv->idle, NULL);
    int rv = nng_stream_listener_alloc(&srv->l, url);
    if (rv == 0 && srv->ipc) /* only the node's user may connect (specs/rpc.md §1.1) */
        rv = nng_stream_listener_set_int(srv->l, NNG_OPT_IPC_PERMISSIONS, 0600);
    if (rv == 0)
        rv = nng_stream_listener_listen(srv->l);
    if (rv != 0) {
        snprintf(err, err_len, "cannot listen on %s: %s", url, nng_strerror(rv));
        nng_stream_listener_free(srv->l);
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

void net_rpc_server_run(net_rpc_server *srv, int threads)
{
    srv->nworkers = threads;
    srv->workers = calloc((size_t)threads, sizeof *srv->workers);
    LDG_ASSERT(srv->workers);
    for (int i = 0; i < threads; i++)
        LDG_ASSERT(pthread_create(&srv->workers[i], NULL, worker_run, srv) == 0);
    nng_stream_listener_accept(srv->l, srv->accept);
}

static bool replies_pending(net_rpc_server *srv)
{
    for (conn *c = srv->conns; c; c = c->next)
        if (!c->closing && (c->state == C_BUSY || c->state == C_SEND))
            return true;
    return false;
}

void net_rpc_server_stop(net_rpc_server *srv)
{
    if (!srv)
        return;
    pthread_mutex_lock(&srv->mu);
    srv->stopping = true;
    pthread_mutex_unlock(&srv->mu);
    nng_stream_listener_close(srv->l);
    nng_aio_stop(srv->pause); /* first: its callback re-arms the accept */
    nng_aio_stop(srv->accept);
    pthread_mutex_lock(&srv->mu);
    /* Requests in flight (the `stop` that asked for this among them) get their replies,
     * for at most one frame timeout. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += LDG_RPC_FRAME_TIMEOUT_MS / 1000;
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
    pthread_mutex_unlock(&srv->mu);
    for (int i = 0; i < srv->nworkers; i++)
        pthread_join(srv->workers[i], NULL);
    free(srv->workers);
    nng_aio_free(srv->accept);
    nng_aio_free(srv->pause);
    nng_stream_listener_free(srv->l);
    pthread_cond_destroy(&srv->idle);
    pthread_cond_destroy(&srv->work);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
}

void net_rpc_server_stats_get(net_rpc_server *srv, net_rpc_server_stats *out)
{
    pthread_mutex_lock(&srv->mu);
    *out = srv->st;
    pthread_mutex_unlock(&srv->mu);
}
