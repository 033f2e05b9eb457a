/* The stream-server core: what the RPC listener (net_rpc_server.c, nng's SP req/rep wire)
 * and the HTTP listener (net_http_server.c) share, so that each supplies only its framing
 * and its dispatch (specs/rpc.md §1, specs/http.md §4).
 *
 * It accepts connections on an nng stream listener (tcp, ipc, tls+tcp), keeps each one's
 * state, bounds what a connection costs: at most `conn_max` open (a new one beyond closes
 * the one silent longest that the protocol calls evictable), receive buffers that grow only
 * as bytes arrive with all bytes beyond `small_max` per buffer capped by `rx_budget` per
 * listener, every read within a deadline or the idle timeout, every send within a timeout;
 * serves whole requests on worker threads; closes and frees connections (an aio may not be
 * freed from its own callback, so the workers free them).
 *
 * Why not nng's rep0 socket or its HTTP server: see net_rpc_server.h and net_http_server.h
 * (neither bounds what a slow or hostile client holds).
 *
 * Locking: one mutex per server. The protocol's hooks run with it held, except `serve`
 * (a worker, on a connection no one else touches while it is queued) and `release`. */
#ifndef NET_STREAM_SERVER_H
#define NET_STREAM_SERVER_H

#include <nng/nng.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct net_stream_server net_stream_server;
typedef struct net_stream_conn net_stream_conn;

typedef struct net_stream_stats {
    uint64_t open;      /* connections open now */
    uint64_t accepted;  /* since start */
    uint64_t evicted;   /* closed at the cap to make room for a new one */
    uint64_t timed_out; /* closed (or answered and closed) for not arriving in time, or idle */
    uint64_t refused;   /* closed for a protocol error, an oversized frame or no memory */
    uint64_t served;    /* replies sent */
    uint64_t buffered;  /* bytes held by receive buffers now */
} net_stream_stats;

/* Why a connection is closed: the counter it adds to. */
typedef enum net_stream_why {
    NET_STREAM_CLOSED,
    NET_STREAM_TIMED_OUT,
    NET_STREAM_REFUSED,
} net_stream_why;

/* How long a read may wait. */
typedef enum net_stream_wait {
    NET_STREAM_IDLE,     /* for a next request: the protocol's idle_ms */
    NET_STREAM_DEADLINE, /* until the connection's deadline (net_stream_set_deadline) */
    NET_STREAM_FOREVER,  /* an event stream: until the client closes */
} net_stream_wait;

/* A receive buffer that grows as its bytes arrive, never past `want`. */
typedef struct net_stream_buf {
    uint8_t *data;
    size_t cap, got, want;
    size_t charged; /* bytes charged to the listener's budget */
} net_stream_buf;

typedef enum net_stream_grow {
    NET_STREAM_GROWN,
    NET_STREAM_OVER_BUDGET, /* the listener's rx_budget would be exceeded */
    NET_STREAM_NOMEM,
} net_stream_grow;

/* A protocol: its limits and hooks. */
typedef struct net_stream_proto {
    size_t conn_size; /* bytes of protocol state per connection (zeroed; net_stream_data) */
    size_t conn_max;
    size_t small_max; /* a receive buffer's first small_max bytes are free of the budget */
    size_t rx_budget;
    int idle_ms;  /* NET_STREAM_IDLE */
    int tx_ms;    /* a send's timeout unless net_stream_set_tx_ms says otherwise */
    int drain_ms; /* at stop, replies in flight get this long */
    /* A new connection: start reading (and sending). False: no memory, it is refused. */
    bool (*open)(net_stream_conn *c);
    /* n bytes arrived where the last net_stream_recv asked; now is net_stream_now_ms(). */
    void (*received)(net_stream_conn *c, size_t n, uint64_t now);
    /* Optional. A read timed out: true when the protocol answers it itself (counted as
     * timed out), false to close the connection. */
    bool (*timed_out)(net_stream_conn *c);
    /* A worker, without the lock: serve the request queued by net_stream_enqueue. */
    void (*serve)(net_stream_conn *c);
    /* A worker, after serve (or instead of it when the connection was closed meanwhile):
     * queue the reply (net_stream_send) unless net_stream_closing. */
    void (*served)(net_stream_conn *c);
    /* Every queued byte has been sent. */
    void (*sent)(net_stream_conn *c);
    /* Whether the connection may be closed to make room at the cap (it is reading a
     * request, not being served or streaming). */
    bool (*evictable)(const net_stream_conn *c);
    /* The connection leaves the server: release its receive buffers. */
    void (*reaped)(net_stream_conn *c);
    /* Without the lock, last: free what the protocol state holds. */
    void (*release)(net_stream_conn *c);
} net_stream_proto;

/* Prepares the listener before it listens (ipc permissions, TLS); returns an nng error
 * with a sentence in err. */
typedef int (*net_stream_prepare)(nng_stream_listener *l, void *arg, char *err, size_t err_len);

/* Listens on url, so that a bad address fails the node's start: non-zero with a sentence
 * in err, "cannot listen <what>on <where>: <why>" unless prepare wrote its own. arg is the
 * protocol's (net_stream_server_arg). */
int net_stream_server_start(net_stream_server **out, const net_stream_proto *p, void *arg,
                            const char *url, net_stream_prepare prepare, const char *what,
                            const char *where, char *err, size_t err_len);
/* Starts `threads` workers, and `side` (if not NULL) on a thread of its own that runs
 * until net_stream_quitting, then accepts connections. */
void net_stream_server_run(net_stream_server *s, int threads, void *(*side)(void *));
/* Closes the listener and every connection (replies in flight get theirs first, for at
 * most drain_ms), joins the threads and frees the server. NULL is a no-op. */
void net_stream_server_stop(net_stream_server *s);
void net_stream_server_stats(net_stream_server *s, net_stream_stats *out);
void *net_stream_server_arg(net_stream_server *s);

/* ---- for a side thread: the lock, the connections, a wait ---- */
void net_stream_lock(net_stream_server *s);
void net_stream_unlock(net_stream_server *s);
bool net_stream_quitting(net_stream_server *s);
/* Lock held: sleeps up to ms or until the server stops. */
void net_stream_sleep(net_stream_server *s, int ms);
net_stream_conn *net_stream_first(net_stream_server *s);
net_stream_conn *net_stream_next(net_stream_conn *c);

/* ---- a connection (lock held unless said) ---- */
void *net_stream_data(net_stream_conn *c);
const void *net_stream_cdata(const net_stream_conn *c);
void *net_stream_arg(net_stream_conn *c);
nng_stream *net_stream_stream(net_stream_conn *c);
bool net_stream_closing(const net_stream_conn *c);
uint64_t net_stream_now_ms(void);

void net_stream_recv(net_stream_conn *c, void *p, size_t n, net_stream_wait w);
void net_stream_set_deadline(net_stream_conn *c, uint64_t at_ms);
void net_stream_set_tx_ms(net_stream_conn *c, int ms);
/* Closes the connection (once), counting it as why says. */
void net_stream_close(net_stream_conn *c, net_stream_why why);
/* The request is whole (or refused early): a worker serves it. */
void net_stream_enqueue(net_stream_conn *c);
/* Queues bytes to send and starts sending; false (connection closed) when out of memory.
 * Bytes queued while a send is in flight wait in a second buffer, so what is being sent
 * never moves. */
bool net_stream_send(net_stream_conn *c, const void *p, size_t n);
/* The same without starting to send, and the start: the pieces of one reply go out in one
 * send (two small sends of a reply meet Nagle and delayed ACKs: 40 ms each). */
bool net_stream_queue(net_stream_conn *c, const void *p, size_t n);
void net_stream_flush(net_stream_conn *c);
/* Bytes queued and not yet sent. */
size_t net_stream_pending(const net_stream_conn *c);
/* The reply of the enqueued request is out (or the connection became a stream): counted
 * served. Returns whether the connection goes on; it is closed when !keep or the server
 * stops. */
bool net_stream_served(net_stream_conn *c, bool keep);

/* Receive buffers: the first holds min(want, first) bytes; each growth multiplies the
 * capacity by factor (never past want) within the listener's budget. */
bool net_stream_buf_alloc(net_stream_conn *c, net_stream_buf *b, size_t want, size_t first);
net_stream_grow net_stream_buf_grow(net_stream_conn *c, net_stream_buf *b, size_t factor);
void net_stream_buf_release(net_stream_conn *c, net_stream_buf *b);

#endif
