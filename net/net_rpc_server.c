/* The client RPC server (net_rpc_server.h): nng's SP req/rep wire, a protocol of the
 * stream-server core (net_stream_server.h), which owns the connections and their limits.
 *
 * Wire (nng 1.5.2, what its req0 client speaks):
 *   handshake  each side sends 00 'S' 'P' 00, its protocol id (u16 BE: req0 0x30, rep0
 *              0x31), 00 00;
 *   frame      tcp: u64 BE length, then the message; ipc: the byte 01, u64 BE length, then
 *              the message;
 *   message    the SP backtrace (u32 BE words, the last one, the request id, with its top
 *              bit set) then the body (the msgpack request); a reply echoes the backtrace. */
#include "net_rpc_server.h"
#include "ldg_err.h"
#include "ldg_limits.h"
#include "net_rpc.h"
#include "net_stream_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SP_PROTO_REQ0 0x30
#define SP_PROTO_REP0 0x31
#define SP_HANDSHAKE_LEN 8

struct net_rpc_server {
    net_stream_server *core;
    net_node *node;
    bool ipc;
};

typedef enum conn_state {
    C_HANDSHAKE, /* reading the peer's SP header */
    C_FRAME,     /* reading a frame: its length, then its message */
    C_BUSY,      /* a complete request queued or being served */
    C_SEND,      /* sending the reply */
} conn_state;

/* A connection's SP state (the core's net_stream_data). */
typedef struct rconn {
    conn_state state;
    net_rpc_access level;
    uint8_t hs_in[SP_HANDSHAKE_LEN];
    size_t hs_got;
    uint8_t head[9]; /* frame header: [01] u64 */
    size_t head_got;
    net_stream_buf buf; /* the message, grown as it arrives */
    size_t bt_len;      /* bytes of backtrace, once its last word is read */
    bool bt_done;       /* the backtrace's last word is read */
    bool checked;       /* the method's size limit was applied */
    char *early;        /* a refusal decided while reading (JSON), sent instead of serving */
    int early_status;
    size_t skip;  /* after a refusal: bytes of the frame still to read and drop */
    uint8_t *out; /* the reply frame, built by the worker */
    size_t out_len;
} rconn;

static rconn *R(net_stream_conn *c)
{
    return net_stream_data(c);
}

static net_rpc_server *SRV(net_stream_conn *c)
{
    return net_stream_arg(c);
}

static size_t head_len(net_stream_conn *c)
{
    return SRV(c)->ipc ? 9 : 8;
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

/* ---- receiving (lock held) ---- */

static void rx_more(net_stream_conn *c)
{
    rconn *r = R(c);
    size_t hl = head_len(c);
    if (r->state == C_HANDSHAKE)
        return net_stream_recv(c, r->hs_in + r->hs_got, SP_HANDSHAKE_LEN - r->hs_got,
                               NET_STREAM_DEADLINE);
    /* Between requests the idle timeout; within a frame its deadline. */
    net_stream_wait w = r->head_got == 0 ? NET_STREAM_IDLE : NET_STREAM_DEADLINE;
    if (r->skip)
        return net_stream_recv(c, r->buf.data, r->skip < r->buf.cap ? r->skip : r->buf.cap, w);
    if (r->head_got < hl)
        return net_stream_recv(c, r->head + r->head_got, hl - r->head_got, w);
    size_t end = r->buf.cap < r->buf.want ? r->buf.cap : r->buf.want;
    net_stream_recv(c, r->buf.data + r->buf.got, end - r->buf.got, w);
}

static void start_frame(net_stream_conn *c)
{
    rconn *r = R(c);
    r->state = C_FRAME;
    r->head_got = 0;
    r->bt_len = 0;
    r->bt_done = r->checked = false;
    r->skip = 0;
    free(r->early);
    r->early = NULL;
    rx_more(c);
}

/* A refusal decided before the message is read whole: the reply goes out at once, then
 * the rest of the frame is read into a small buffer and dropped (within the frame's
 * deadline), so the connection stays in step and closing it cannot reset the reply. */
static void refuse_early(net_stream_conn *c, char *json, int status)
{
    R(c)->early = json;
    R(c)->early_status = status;
}

static void skip_begin(net_stream_conn *c)
{
    rconn *r = R(c);
    r->state = C_FRAME;
    if (!net_stream_buf_alloc(c, &r->buf, r->skip, LDG_RPC_REQUEST_SMALL_MAX))
        return net_stream_close(c, NET_STREAM_REFUSED);
    rx_more(c);
}

/* Reads the backtrace and then the method name as soon as their bytes are in, and applies
 * the method's size limit to the declared length. */
static void check_prefix(net_stream_conn *c)
{
    rconn *r = R(c);
    while (!r->bt_done && r->buf.got >= r->bt_len + 4) {
        const uint8_t *w = r->buf.data + r->bt_len;
        r->bt_len += 4;
        r->bt_done = (w[0] & 0x80) != 0;
        if (!r->bt_done && r->bt_len / 4 >= LDG_RPC_SP_HOPS_MAX)
            return net_stream_close(c, NET_STREAM_REFUSED);
    }
    if (!r->bt_done || r->checked)
        return;
    char name[32];
    int k = net_rpc_peek_method(r->buf.data + r->bt_len, r->buf.got - r->bt_len, name);
    if (k == 0 && r->buf.got < r->buf.want)
        return;
    r->checked = true;
    const net_rpc_method *m = k == 1 ? net_rpc_method_find(name) : NULL;
    size_t max = m ? m->request_max : LDG_RPC_REQUEST_SMALL_MAX;
    size_t body = r->buf.want - r->bt_len;
    if (body > max) {
        int status;
        char *json = net_rpc_error(&status, LDG_ERR_TOO_LARGE,
                                   "the request has %zu bytes; '%s' accepts at most %zu", body,
                                   m ? m->name : "an unknown method", max);
        refuse_early(c, json, status);
    }
}

/* Doubles the frame buffer (never past the declared length) once it is full. */
static bool grow(net_stream_conn *c)
{
    switch (net_stream_buf_grow(c, &R(c)->buf, 2)) {
    case NET_STREAM_GROWN:
        return true;
    case NET_STREAM_OVER_BUDGET: {
        int status;
        char *json = net_rpc_error(&status, LDG_ERR_UNAVAILABLE,
                                   "the node is receiving too many large requests; retry later");
        refuse_early(c, json, status);
        return false;
    }
    default:
        net_stream_close(c, NET_STREAM_REFUSED);
        return false;
    }
}

static void enqueue(net_stream_conn *c)
{
    R(c)->state = C_BUSY;
    net_stream_enqueue(c);
}

static bool handshake_ok(const uint8_t *h)
{
    return h[0] == 0 && h[1] == 'S' && h[2] == 'P' && h[3] == 0 && h[4] == 0 &&
           h[5] == SP_PROTO_REQ0 && h[6] == 0 && h[7] == 0;
}

/* The frame header is in: check the declared length and make the first small buffer. */
static bool frame_begin(net_stream_conn *c)
{
    rconn *r = R(c);
    const uint8_t *p = r->head;
    if (SRV(c)->ipc && *p++ != 1)
        return false;
    uint64_t len = get_be64(p);
    if (len < 4 || len > LDG_RPC_MSG_SIZE_MAX)
        return false;
    return net_stream_buf_alloc(c, &r->buf, (size_t)len, LDG_RPC_RX_INITIAL);
}

static void rpc_received(net_stream_conn *c, size_t n, uint64_t now)
{
    rconn *r = R(c);
    size_t hl = head_len(c);
    if (r->state == C_HANDSHAKE) {
        r->hs_got += n;
        if (r->hs_got < SP_HANDSHAKE_LEN)
            return rx_more(c);
        if (!handshake_ok(r->hs_in))
            return net_stream_close(c, NET_STREAM_REFUSED);
        return start_frame(c);
    }
    if (r->skip) {
        r->skip -= n;
        if (r->skip)
            return rx_more(c);
        net_stream_buf_release(c, &r->buf);
        return start_frame(c);
    }
    if (r->head_got < hl) {
        if (r->head_got == 0)
            net_stream_set_deadline(c, now + LDG_RPC_FRAME_TIMEOUT_MS);
        r->head_got += n;
        if (r->head_got < hl)
            return rx_more(c);
        if (!frame_begin(c))
            return net_stream_close(c, NET_STREAM_REFUSED);
        return rx_more(c);
    }
    r->buf.got += n;
    check_prefix(c);
    if (net_stream_closing(c))
        return;
    if (r->early)
        return enqueue(c);
    if (r->buf.got == r->buf.want) {
        if (!r->bt_done)
            return net_stream_close(c, NET_STREAM_REFUSED);
        return enqueue(c);
    }
    if (r->buf.got == r->buf.cap && !grow(c)) {
        if (r->early)
            enqueue(c);
        return;
    }
    rx_more(c);
}

/* ---- serving ---- */

/* A worker: builds the reply frame (header, the request's backtrace, [status, json]). */
static void rpc_serve(net_stream_conn *c)
{
    rconn *r = R(c);
    int status = r->early_status;
    char *json = r->early;
    r->early = NULL;
    if (!json)
        json = net_rpc_dispatch(SRV(c)->node, r->level, r->buf.data + r->bt_len,
                                r->buf.want - r->bt_len, &status);
    ldg_enc e;
    ldg_enc_init(&e);
    net_rpc_reply(&e, status, json);
    free(json);
    size_t hl = head_len(c), msg = r->bt_len + ldg_enc_len(&e);
    r->out = malloc(hl + msg);
    if (r->out) {
        uint8_t *p = r->out;
        if (SRV(c)->ipc)
            *p++ = 1;
        put_be64(p, msg);
        memcpy(r->out + hl, r->buf.data, r->bt_len);
        memcpy(r->out + hl + r->bt_len, ldg_enc_data(&e), ldg_enc_len(&e));
        r->out_len = hl + msg;
    }
    ldg_enc_free(&e);
}

static void rpc_served(net_stream_conn *c)
{
    rconn *r = R(c);
    r->skip = r->buf.want - r->buf.got; /* non-zero only after an early refusal */
    net_stream_buf_release(c, &r->buf);
    uint8_t *out = r->out;
    r->out = NULL;
    if (!net_stream_closing(c)) {
        r->state = C_SEND;
        if (!out)
            net_stream_close(c, NET_STREAM_REFUSED); /* out of memory */
        else
            net_stream_send(c, out, r->out_len);
    }
    free(out);
}

static void rpc_sent(net_stream_conn *c)
{
    rconn *r = R(c);
    if (r->state != C_SEND || !net_stream_served(c, true)) /* the handshake, or closed */
        return;
    if (r->skip)
        skip_begin(c);
    else
        start_frame(c);
}

/* ---- connections ---- */

static net_rpc_access caller_level(net_stream_conn *c)
{
    uint64_t uid;
    if (!SRV(c)->ipc || nng_stream_get_uint64(net_stream_stream(c), NNG_OPT_IPC_PEER_UID, &uid))
        return NET_RPC_PUBLIC;
    return uid == (uint64_t)getuid() || uid == 0 ? NET_RPC_OPERATOR : NET_RPC_PUBLIC;
}

static bool rpc_open(net_stream_conn *c)
{
    static const uint8_t hs[SP_HANDSHAKE_LEN] = {0, 'S', 'P', 0, 0, SP_PROTO_REP0, 0, 0};
    rconn *r = R(c);
    r->level = caller_level(c);
    r->state = C_HANDSHAKE;
    net_stream_set_deadline(c, net_stream_now_ms() + LDG_RPC_FRAME_TIMEOUT_MS);
    if (!net_stream_send(c, hs, sizeof hs))
        return false;
    rx_more(c);
    return true;
}

static bool rpc_evictable(const net_stream_conn *c)
{
    const rconn *r = net_stream_cdata(c);
    return r->state == C_HANDSHAKE || r->state == C_FRAME;
}

static void rpc_reaped(net_stream_conn *c)
{
    net_stream_buf_release(c, &R(c)->buf);
}

static void rpc_release(net_stream_conn *c)
{
    free(R(c)->early);
    free(R(c)->out);
}

static const net_stream_proto rpc_proto = {
    .conn_size = sizeof(rconn),
    .conn_max = LDG_RPC_CONN_MAX,
    .small_max = LDG_RPC_REQUEST_SMALL_MAX,
    .rx_budget = LDG_RPC_RX_BUDGET,
    .idle_ms = LDG_RPC_IDLE_TIMEOUT_MS,
    .tx_ms = LDG_RPC_FRAME_TIMEOUT_MS,
    .drain_ms = LDG_RPC_FRAME_TIMEOUT_MS,
    .open = rpc_open,
    .received = rpc_received,
    .serve = rpc_serve,
    .served = rpc_served,
    .sent = rpc_sent,
    .evictable = rpc_evictable,
    .reaped = rpc_reaped,
    .release = rpc_release,
};

/* ---- start, stop ---- */

/* Only the node's user may connect to an ipc socket (specs/rpc.md §1.1). */
static int ipc_prepare(nng_stream_listener *l, void *arg, char *err, size_t err_len)
{
    (void)arg, (void)err, (void)err_len;
    return nng_stream_listener_set_int(l, NNG_OPT_IPC_PERMISSIONS, 0600);
}

int net_rpc_server_start(net_rpc_server **out, net_node *n, const char *url, char *err,
                         size_t err_len)
{
    net_rpc_server *srv = calloc(1, sizeof *srv);
    LDG_ASSERT(srv);
    srv->node = n;
    srv->ipc = !strncmp(url, "ipc://", 6);
    if (net_stream_server_start(&srv->core, &rpc_proto, srv, url, srv->ipc ? ipc_prepare : NULL, "",
                                url, err, err_len) != 0) {
        free(srv);
        return 1;
    }
    *out = srv;
    return 0;
}

void net_rpc_server_run(net_rpc_server *srv, int threads)
{
    net_stream_server_run(srv->core, threads, NULL);
}

void net_rpc_server_stop(net_rpc_server *srv)
{
    if (!srv)
        return;
    net_stream_server_stop(srv->core);
    free(srv);
}

void net_rpc_server_stats_get(net_rpc_server *srv, net_rpc_server_stats *out)
{
    net_stream_server_stats(srv->core, out);
}
