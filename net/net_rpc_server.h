/* The client RPC server: the REP side of nng's req0 protocol, served over nng's stream
 * API so that every byte a connection costs is accounted (specs/rpc.md §1).
 *
 * The connection machinery is the stream-server core's (net_stream_server.h), shared with
 * the HTTP listener; this file is the SP framing and the dispatch.
 *
 * nng's own rep0 socket allocates a frame's declared length when it reads the 8-byte
 * header (nng 1.5.2 src/sp/transport/tcp/tcp.c, ipc/ipc.c): 300 connections that declare
 * 16 MiB and stall cost 4.7 GiB. Here a frame's buffer grows only as its bytes arrive,
 * a frame must arrive within LDG_RPC_FRAME_TIMEOUT_MS, a listener holds at most
 * LDG_RPC_CONN_MAX connections (a new one closes the one idle longest), and bytes
 * buffered past small requests are capped by LDG_RPC_RX_BUDGET. The wire is unchanged:
 * nng's req0 (the CLI, net_rpc.c) talks to it as to a rep0 socket.
 *
 * Requests are served by `threads` workers through net_rpc_dispatch; on ipc a caller
 * whose peer uid is the node's own (or root) gets NET_RPC_OPERATOR, every other caller
 * NET_RPC_PUBLIC. */
#ifndef NET_RPC_SERVER_H
#define NET_RPC_SERVER_H

#include "net_rpc_methods.h"
#include "net_stream_server.h"

#include <stdint.h>

typedef struct net_rpc_server net_rpc_server;

/* Listens on url (tcp://host:port or ipc:///path; an ipc socket file is made mode 0600),
 * so that a bad address fails the node's start. Non-zero with a sentence in err. */
int net_rpc_server_start(net_rpc_server **out, net_node *n, const char *url, char *err,
                         size_t err_len);
/* Starts `threads` workers and accepts connections; call once the node can serve. */
void net_rpc_server_run(net_rpc_server *s, int threads);
/* Closes the listener and every connection (requests in flight get their replies first,
 * for at most LDG_RPC_FRAME_TIMEOUT_MS), joins the workers and frees the server. NULL is
 * a no-op. */
void net_rpc_server_stop(net_rpc_server *s);

/* The core's counters (net_stream_server.h); timed_out counts frames or handshakes not
 * arriving in time and idle connections. */
typedef net_stream_stats net_rpc_server_stats;

void net_rpc_server_stats_get(net_rpc_server *s, net_rpc_server_stats *out);

#endif
