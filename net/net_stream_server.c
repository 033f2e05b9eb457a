/* The stream-server core (net_stream_server.h).
 *
 * Each connection has one receive and one send aio; their callbacks run on nng's threads
 * and only move bytes and state under the server's lock. Whole requests go to a queue
 * served by the worker threads, which also free closed connections. */
#include "net_log.h"
#include "net_stream_server.h"
#include "ldg_assert.h"
#include "ldg_limits.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A send buffer: len bytes, of which off are sent. */
typedef struct outq {
    uint8_t *p;
    size_t len, off, cap;
} outq;

struct net_stream_conn {
    net_stream_server *srv;
    nng_stream *s;
    nng_aio *rx, *tx;
    net_stream_conn *prev, *next; /* the server's connections, newest first */
    net_stream_conn *qnext;       /* the work queue or the dead list */
    bool rx_out, tx_out;          /* an operation is outstanding on the aio */
    bool in_work;                 /* queued or held by a worker */
    bool busy;                    /* from enqueue until net_stream_served */
    bool closing, reaped;
    int tx_ms;
    uint64_t last_rx_ms;  /* last byte received (eviction picks the oldest) */
    uint64_t deadline_ms; /* NET_STREAM_DEADLINE reads end by then */
    outq cur;             /* being sent */
    outq more;            /* queued while cur is in flight */
    max_align_t data[];   /* the protocol's state */
};

struct net_stream_server {
    const net_stream_proto *p;
    void *arg;
    nng_stream_listener *l;
    nng_aio *accept, *pause;
    pthread_mutex_t mu;
    pthread_cond_t work; /* workers: a request or a dead connection, or quit */
    pthread_cond_t idle; /* stop: connections closed, replies sent; the side thread's wait */
    net_stream_conn *conns, *qhead, *qtail, *dead;
    size_t nconns; /* allocated (open or closing) */
    size_t budget; /* bytes charged against rx_budget */
    bool stopping, quit;
    pthread_t *workers, side;
    int nworkers;
    bool side_started;
    net_stream_stats st;
};

uint64_t net_stream_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct timespec realtime_in(int ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* ---- accessors ---- */

void *net_stream_data(net_stream_conn *c)
{
    return c->data;
}

const void *net_stream_cdata(const net_stream_conn *c)
{
    return c->data;
}

void *net_stream_arg(net_stream_conn *c)
{
    return c->srv->arg;
}

void *net_stream_server_arg(net_stream_server *s)
{
    return s->arg;
}

nng_stream *net_stream_stream(net_stream_conn *c)
{
    return c->s;
}

bool net_stream_closing(const net_stream_conn *c)
{
    return c->closing;
}

void net_stream_set_deadline(net_stream_conn *c, uint64_t at_ms)
{
    c->deadline_ms = at_ms;
}

void net_stream_set_tx_ms(net_stream_conn *c, int ms)
{
    c->tx_ms = ms;
}

void net_stream_lock(net_stream_server *s)
{
    pthread_mutex_lock(&s->mu);
}

void net_stream_unlock(net_stream_server *s)
{
    pthread_mutex_unlock(&s->mu);
}

bool net_stream_quitting(net_stream_server *s)
{
    return s->quit;
}

void net_stream_sleep(net_stream_server *s, int ms)
{
    struct timespec until = realtime_in(ms);
    pthread_cond_timedwait(&s->idle, &s->mu, &until);
}

net_stream_conn *net_stream_first(net_stream_server *s)
{
    return s->conns;
}

net_stream_conn *net_stream_next(net_stream_conn *c)
{
    return c->next;
}

/* ---- receive buffers ---- */

/* Bytes of a buffer charged to the budget: small ones are free. */
static size_t charge_of(const net_stream_server *s, size_t cap)
{
    return cap > s->p->small_max ? cap - s->p->small_max : 0;
}

bool net_stream_buf_alloc(net_stream_conn *c, net_stream_buf *b, size_t want, size_t first)
{
    b->want = want;
    b->got = 0;
    b->cap = want < first ? want : first;
    b->charged = charge_of(c->srv, b->cap);
    b->data = malloc(b->cap ? b->cap : 1);
    if (!b->data) {
        b->cap = b->charged = 0;
        return false;
    }
    c->srv->budget += b->charged;
    c->srv->st.buffered += b->cap;
    return true;
}

net_stream_grow net_stream_buf_grow(net_stream_conn *c, net_stream_buf *b, size_t factor)
{
    net_stream_server *srv = c->srv;
    size_t cap = b->cap * factor < b->want ? b->cap * factor : b->want;
    size_t charge = charge_of(srv, cap);
    if (srv->budget - b->charged + charge > srv->p->rx_budget)
        return NET_STREAM_OVER_BUDGET;
    uint8_t *d = realloc(b->data, cap);
    if (!d)
        return NET_STREAM_NOMEM;
    srv->budget += charge - b->charged;
    srv->st.buffered += cap - b->cap;
    b->charged = charge;
    b->data = d;
    b->cap = cap;
    return NET_STREAM_GROWN;
}

void net_stream_buf_release(net_stream_conn *c, net_stream_buf *b)
{
    c->srv->budget -= b->charged;
    c->srv->st.buffered -= b->cap;
    free(b->data);
    *b = (net_stream_buf){0};
}

/* ---- closing and freeing (lock held) ---- */

static void maybe_reap(net_stream_conn *c)
{
    if (!c->closing || c->rx_out || c->tx_out || c->in_work || c->reaped)
        return;
    net_stream_server *srv = c->srv;
    c->reaped = true;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->p->reaped(c);
    c->qnext = srv->dead;
    srv->dead = c;
    pthread_cond_signal(&srv->work);
}

void net_stream_close(net_stream_conn *c, net_stream_why why)
{
    if (c->closing)
        return;
    c->closing = true;
    c->srv->st.open--;
    if (why == NET_STREAM_TIMED_OUT)
        c->srv->st.timed_out++;
    else if (why == NET_STREAM_REFUSED)
        c->srv->st.refused++;
    nng_stream_close(c->s); /* outstanding operations end with NNG_ECLOSED */
    maybe_reap(c);
}

/* Worker side, lock not held: the callbacks have returned or are returning. */
static void free_conn(net_stream_conn *c)
{
    c->srv->p->release(c);
    nng_aio_free(c->rx);
    nng_aio_free(c->tx);
    nng_stream_free(c->s);
    free(c->cur.p);
    free(c->more.p);
    free(c);
}

/* ---- sending ---- */

static void tx_pump(net_stream_conn *c)
{
    if (c->tx_out || c->closing)
        return;
    if (c->cur.off == c->cur.len) {
        if (c->more.len == 0)
            return;
        outq t = c->cur;
        c->cur = c->more;
        c->more = (outq){t.p, 0, 0, t.cap};
    }
    nng_iov iov = {c->cur.p + c->cur.off, c->cur.len - c->cur.off};
    nng_aio_set_iov(c->tx, 1, &iov);
    nng_aio_set_timeout(c->tx, c->tx_ms);
    c->tx_out = true;
    nng_stream_send(c->s, c->tx);
}

static bool outq_append(outq *q, const void *p, size_t n)
{
    if (q->off > 0) { /* only when nothing of q is in flight */
        memmove(q->p, q->p + q->off, q->len - q->off);
        q->len -= q->off;
        q->off = 0;
    }
    if (q->len + n > q->cap) {
        size_t cap = q->cap ? q->cap : 4096;
        while (cap < q->len + n)
            cap *= 2;
        uint8_t *b = realloc(q->p, cap);
        if (!b)
            return false;
        q->p = b;
        q->cap = cap;
    }
    memcpy(q->p + q->len, p, n);
    q->len += n;
    return true;
}

bool net_stream_queue(net_stream_conn *c, const void *p, size_t n)
{
    if (c->closing)
        return false;
    if (n > 0 && !outq_append(c->tx_out ? &c->more : &c->cur, p, n)) {
        net_stream_close(c, NET_STREAM_REFUSED);
        return false;
    }
    return true;
}

void net_stream_flush(net_stream_conn *c)
{
    tx_pump(c);
}

bool net_stream_send(net_stream_conn *c, const void *p, size_t n)
{
    if (!net_stream_queue(c, p, n))
        return false;
    tx_pump(c);
    return true;
}

size_t net_stream_pending(const net_stream_conn *c)
{
    return c->cur.len - c->cur.off + c->more.len;
}

bool net_stream_served(net_stream_conn *c, bool keep)
{
    net_stream_server *srv = c->srv;
    c->busy = false;
    srv->st.served++;
    if (srv->stopping)
        pthread_cond_broadcast(&srv->idle);
    if (keep && !srv->stopping)
        return true;
    net_stream_close(c, NET_STREAM_CLOSED);
    return false;
}

/* A drained queue keeps a small buffer for the next reply and gives a large one back: a
 * large reply is not held by an idle connection. */
static void outq_reset(outq *q)
{
    q->len = q->off = 0;
    if (q->cap > LDG_STREAM_OUT_KEEP) {
        free(q->p);
        *q = (outq){0};
    }
}

static void tx_cb(void *arg)
{
    net_stream_conn *c = arg;
    net_stream_server *srv = c->srv;
    pthread_mutex_lock(&srv->mu);
    c->tx_out = false;
    int rv = nng_aio_result(c->tx);
    if (rv != 0 || c->closing) {
        net_stream_close(c, rv == NNG_ETIMEDOUT ? NET_STREAM_TIMED_OUT : NET_STREAM_CLOSED);
        maybe_reap(c);
        pthread_mutex_unlock(&srv->mu);
        return;
    }
    c->cur.off += nng_aio_count(c->tx);
    if (c->cur.off == c->cur.len && c->more.len == 0) {
        outq_reset(&c->cur);
        outq_reset(&c->more);
        srv->p->sent(c);
    }
    tx_pump(c);
    pthread_mutex_unlock(&srv->mu);
}

/* ---- receiving ---- */

void net_stream_recv(net_stream_conn *c, void *p, size_t n, net_stream_wait w)
{
    nng_duration wait = NNG_DURATION_INFINITE;
    if (w == NET_STREAM_IDLE) {
        wait = c->srv->p->idle_ms;
    } else if (w == NET_STREAM_DEADLINE) {
        uint64_t now = net_stream_now_ms();
        if (now >= c->deadline_ms)
            return net_stream_close(c, NET_STREAM_TIMED_OUT);
        wait = (nng_duration)(c->deadline_ms - now);
    }
    nng_iov iov = {p, n};
    nng_aio_set_iov(c->rx, 1, &iov);
    nng_aio_set_timeout(c->rx, wait);
    c->rx_out = true;
    nng_stream_recv(c->s, c->rx);
}

static void rx_cb(void *arg)
{
    net_stream_conn *c = arg;
    net_stream_server *srv = c->srv;
    pthread_mutex_lock(&srv->mu);
    c->rx_out = false;
    int rv = nng_aio_result(c->rx);
    if (rv == NNG_ETIMEDOUT && !c->closing && srv->p->timed_out && srv->p->timed_out(c)) {
        srv->st.timed_out++;
    } else if (c->closing || rv != 0) {
        net_stream_close(c, rv == NNG_ETIMEDOUT ? NET_STREAM_TIMED_OUT : NET_STREAM_CLOSED);
        maybe_reap(c);
    } else {
        uint64_t now = net_stream_now_ms();
        c->last_rx_ms = now;
        srv->p->received(c, nng_aio_count(c->rx), now);
    }
    pthread_mutex_unlock(&srv->mu);
}

void net_stream_enqueue(net_stream_conn *c)
{
    net_stream_server *srv = c->srv;
    c->in_work = c->busy = true;
    c->qnext = NULL;
    if (srv->qtail)
        srv->qtail->qnext = c;
    else
        srv->qhead = c;
    srv->qtail = c;
    pthread_cond_signal(&srv->work);
}

/* ---- workers ---- */

static void *worker_run(void *arg)
{
    net_stream_server *srv = arg;
    pthread_mutex_lock(&srv->mu);
    for (;;) {
        if (srv->dead) {
            net_stream_conn *d = srv->dead;
            srv->dead = d->qnext;
            pthread_mutex_unlock(&srv->mu);
            free_conn(d);
            pthread_mutex_lock(&srv->mu);
            srv->nconns--;
            pthread_cond_broadcast(&srv->idle);
            continue;
        }
        if (srv->qhead) {
            net_stream_conn *c = srv->qhead;
            srv->qhead = c->qnext;
            if (!srv->qhead)
                srv->qtail = NULL;
            bool skip = c->closing;
            pthread_mutex_unlock(&srv->mu);
            if (!skip)
                srv->p->serve(c);
            pthread_mutex_lock(&srv->mu);
            c->in_work = false;
            srv->p->served(c);
            maybe_reap(c);
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

/* At the cap, the evictable connection silent longest (the list runs newest first, so
 * among equals the oldest wins). */
static net_stream_conn *eviction_victim(net_stream_server *srv)
{
    net_stream_conn *best = NULL;
    for (net_stream_conn *c = srv->conns; c; c = c->next)
        if (!c->closing && srv->p->evictable(c) && (!best || c->last_rx_ms <= best->last_rx_ms))
            best = c;
    return best;
}

static void add_conn(net_stream_server *srv, nng_stream *s)
{
    net_stream_conn *c = calloc(1, sizeof *c + srv->p->conn_size);
    if (!c || nng_aio_alloc(&c->rx, rx_cb, c) != 0 || nng_aio_alloc(&c->tx, tx_cb, c) != 0) {
        if (c) {
            nng_aio_free(c->rx);
            free(c);
        }
        nng_stream_free(s); /* closes it: out of memory is refused at the door */
        srv->st.refused++;
        return;
    }
    c->srv = srv;
    c->s = s;
    c->tx_ms = srv->p->tx_ms;
    c->last_rx_ms = net_stream_now_ms();
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->nconns++;
    srv->st.open++;
    srv->st.accepted++;
    if (srv->st.open > srv->p->conn_max) {
        net_stream_conn *victim = eviction_victim(srv);
        if (!victim)
            victim = c;
        srv->st.evicted++;
        net_stream_close(victim, NET_STREAM_CLOSED);
    }
    if (srv->stopping)
        net_stream_close(c, NET_STREAM_CLOSED);
    if (!c->closing && !srv->p->open(c))
        net_stream_close(c, NET_STREAM_REFUSED);
}

static void accept_cb(void *arg)
{
    net_stream_server *srv = arg;
    int rv = nng_aio_result(srv->accept);
    pthread_mutex_lock(&srv->mu);
    if (rv == 0)
        add_conn(srv, nng_aio_get_output(srv->accept, 0));
    bool stopping = srv->stopping;
    pthread_mutex_unlock(&srv->mu);
    if (stopping || rv == NNG_ECLOSED)
        return;
    /* One client's failure (a reset, a bad TLS handshake) is not the listener's. */
    if (rv == 0 || rv == NNG_ECONNABORTED || rv == NNG_ECONNRESET || rv == NNG_EPEERAUTH ||
        rv == NNG_ECRYPTO || rv == NNG_EPROTO)
        nng_stream_listener_accept(srv->l, srv->accept);
    else /* out of files or memory: pause, then accept again */
        nng_sleep_aio(100, srv->pause);
}

static void pause_cb(void *arg)
{
    net_stream_server *srv = arg;
    if (nng_aio_result(srv->pause) == 0)
        nng_stream_listener_accept(srv->l, srv->accept);
}

/* ---- start, stop ---- */

static void destroy(net_stream_server *srv)
{
    nng_stream_listener_free(srv->l);
    pthread_cond_destroy(&srv->idle);
    pthread_cond_destroy(&srv->work);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
}

int net_stream_server_start(net_stream_server **out, const net_stream_proto *p, void *arg,
                            const char *url, net_stream_prepare prepare, const char *what,
                            const char *where, char *err, size_t err_len)
{
    net_stream_server *srv = calloc(1, sizeof *srv);
    LDG_ASSERT(srv);
    srv->p = p;
    srv->arg = arg;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->work, NULL);
    pthread_cond_init(&srv->idle, NULL);
    err[0] = '\0';
    int rv = nng_stream_listener_alloc(&srv->l, url);
    if (rv == 0 && prepare)
        rv = prepare(srv->l, arg, err, err_len);
    if (rv == 0)
        rv = nng_stream_listener_listen(srv->l);
    if (rv != 0) {
        if (!err[0]) /* else prepare said why */
            snprintf(err, err_len, "cannot listen %son %s: %s", what, where, nng_strerror(rv));
        destroy(srv);
        return 1;
    }
    LDG_ASSERT(nng_aio_alloc(&srv->accept, accept_cb, srv) == 0 &&
               nng_aio_alloc(&srv->pause, pause_cb, srv) == 0);
    *out = srv;
    return 0;
}

void net_stream_server_run(net_stream_server *srv, int threads, void *(*side)(void *))
{
    srv->nworkers = threads;
    srv->workers = calloc((size_t)threads, sizeof *srv->workers);
    LDG_ASSERT(srv->workers);
    for (int i = 0; i < threads; i++)
        LDG_ASSERT(net_thread_create(&srv->workers[i], worker_run, srv) == 0);
    if (side) {
        LDG_ASSERT(net_thread_create(&srv->side, side, srv) == 0);
        srv->side_started = true;
    }
    nng_stream_listener_accept(srv->l, srv->accept);
}

static bool replies_pending(net_stream_server *srv)
{
    for (net_stream_conn *c = srv->conns; c; c = c->next)
        if (!c->closing && c->busy)
            return true;
    return false;
}

void net_stream_server_stop(net_stream_server *srv)
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
    /* Requests in flight (an RPC `stop` that asked for this among them) get their replies. */
    struct timespec until = realtime_in(srv->p->drain_ms);
    while (replies_pending(srv) && pthread_cond_timedwait(&srv->idle, &srv->mu, &until) == 0)
        ;
    for (net_stream_conn *c = srv->conns, *next; c; c = next) {
        next = c->next;
        net_stream_close(c, NET_STREAM_CLOSED);
    }
    while (srv->nconns > 0)
        pthread_cond_wait(&srv->idle, &srv->mu);
    srv->quit = true;
    pthread_cond_broadcast(&srv->work);
    pthread_cond_broadcast(&srv->idle);
    pthread_mutex_unlock(&srv->mu);
    for (int i = 0; i < srv->nworkers; i++)
        pthread_join(srv->workers[i], NULL);
    if (srv->side_started)
        pthread_join(srv->side, NULL);
    free(srv->workers);
    nng_aio_free(srv->accept);
    nng_aio_free(srv->pause);
    destroy(srv);
}

void net_stream_server_stats(net_stream_server *srv, net_stream_stats *out)
{
    pthread_mutex_lock(&srv->mu);
    *out = srv->st;
    pthread_mutex_unlock(&srv->mu);
}
