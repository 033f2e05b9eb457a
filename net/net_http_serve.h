/* What an HTTP request means (specs/http.md): the operations endpoints, the routes of the
 * method table through net_rpc_dispatch, and the event stream's subscriptions and events.
 * Called by the server's workers and feeder (net_http_server.c); no socket here. */
#ifndef NET_HTTP_SERVE_H
#define NET_HTTP_SERVE_H

#include "ldg_hash.h"
#include "net_http.h"

#include <jansson.h>

typedef struct net_node net_node;

/* An event-stream subscription (/v1/events). */
typedef struct net_http_sub {
    uint64_t next_height; /* the next block to send */
    char accounts[LDG_HTTP_SSE_FILTERS_MAX][41];
    char instruments[LDG_HTTP_SSE_FILTERS_MAX][13];
    int naccounts, ninstruments;
} net_http_sub;

typedef struct net_http_reply {
    int status;        /* HTTP status */
    const char *ctype; /* NULL: application/json */
    char *body;        /* malloc'd */
    size_t len;
    bool close;        /* close the connection after it */
    const char *extra; /* more header lines ("Allow: GET\r\n"), or NULL */
    bool sse;          /* the connection becomes the event stream `sub` */
    net_http_sub sub;
} net_http_reply;

/* One committed block's events: the block's header and its transactions (block JSON). */
typedef struct net_http_block_events {
    uint64_t height;
    json_t *block; /* the `block` reply without txs */
    json_t *txs;   /* every transaction object of the block */
} net_http_block_events;

/* Where rendered events go (the connection's send queue). */
typedef struct net_http_sink {
    void *arg;
    bool (*append)(void *arg, const void *p, size_t n);
} net_http_sink;

/* True for the paths served outside the method table (/healthz, /metrics, /version,
 * /v1/openapi.json, /v1/events): they take no body. */
bool net_http_serve_special(const char *path);

/* Serves a whole request; rt is NULL for a special path. */
void net_http_serve(net_node *n, const net_http_req *req, const net_http_route *rt,
                    char (*path_args)[LDG_HTTP_TARGET_MAX + 1], const uint8_t *body,
                    size_t body_len, net_http_reply *out);

void net_http_reply_error(net_http_reply *out, const net_http_error *e);
/* Writes the status line and headers of a reply; returns their length, or -1 when they do
 * not fit in cap (the caller answers 500 instead: net_http_server.c). */
int net_http_reply_head(const net_http_reply *r, bool keep_alive, char *out, size_t cap);
/* Counts a reply by status (/metrics). */
void net_http_count(int status);

/* The hash a participant credential signs (specs/http.md §5). */
void net_http_auth_digest(ldg_hash *out, const char *genesis_hex, const char *time,
                          const char *verb, const char *path, const char *query,
                          const uint8_t *body, size_t body_len);

void net_http_sub_free(net_http_sub *s);
bool net_http_events_load(net_node *n, uint64_t height, net_http_block_events *out);
void net_http_events_free(net_http_block_events *ev);
/* Appends a height's events for one subscriber: `block`, then a `receipt` per matching
 * transaction (specs/http.md §6). */
void net_http_sub_render(const net_http_sub *s, const net_http_block_events *ev,
                         net_http_sink sink);

#endif
