/* The HTTP/JSON API server (specs/http.md): HTTP/1.1 over nng streams (tcp, or tls+tcp when
 * configured), a protocol of the stream-server core shared with the RPC server
 * (net_stream_server.h), so that what a connection costs is bounded: LDG_HTTP_CONN_MAX connections
 * (a new one evicts the one idle longest), a head of at most LDG_HTTP_HEAD_MAX bytes, a body of at
 * most its route's limit growing as it arrives under LDG_HTTP_RX_BUDGET, each request whole within
 * LDG_HTTP_REQUEST_TIMEOUT_MS.
 *
 * Why not nng's own HTTP server (nng_http_server, linked too): in nng 1.5.2 it has no
 * connection cap and no read timeout (a client that sends half a head holds its
 * connection and buffer forever), and it cannot bound the bodies it collects across
 * connections. The stream layer under it is the one used here, TLS included.
 *
 * Requests are served by worker threads through net_http_serve (net_http_serve.c); the
 * event stream (/v1/events) is fed by one thread that follows the tip. */
#ifndef NET_HTTP_SERVER_H
#define NET_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct net_node net_node;
typedef struct net_http_server net_http_server;

typedef struct net_http_server_stats {
    uint64_t open, accepted, evicted, timed_out, refused, served;
    uint64_t buffered;    /* body bytes buffered now */
    uint64_t subscribers; /* event streams open now */
} net_http_server_stats;

/* Listens on `listen` (HOST:PORT) with TLS when cert_path is set (files; with ca_path too,
 * a client certificate it verifies is a participant credential), so that a bad address
 * fails the node's start. Non-zero with a sentence in err. */
int net_http_server_start(net_http_server **out, net_node *n, const char *listen,
                          const char *ca_path, const char *cert_path, const char *key_path,
                          char *err, size_t err_len);
void net_http_server_run(net_http_server *s, int threads);
/* NULL is a no-op. */
void net_http_server_stop(net_http_server *s);
void net_http_server_stats_get(net_http_server *s, net_http_server_stats *out);

#endif
