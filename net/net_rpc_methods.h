/* The client RPC method table and its transport-neutral dispatch (specs/rpc.md §2–3).
 *
 * One row per method: name, handler, who may call it, the largest request it accepts and
 * whether it is paged. A transport (the SP server of net_rpc_server.c, the HTTP/JSON one of
 * net_http_server.c) establishes who the caller is, may check the size against the row as soon as
 * it has read the method name (net_rpc_peek_method), and hands the request to
 * net_rpc_dispatch, which looks the row up, checks access and size before decoding the
 * arguments, and calls the handler. Handlers see msgpack arguments and return JSON text and
 * a status: nothing of the transport. */
#ifndef NET_RPC_METHODS_H
#define NET_RPC_METHODS_H

#include "ldg_codec.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct net_node net_node;

/* Who may call a method, from least to most trusted. A caller of level L may call every
 * method whose access is <= L. */
typedef enum net_rpc_access {
    NET_RPC_PUBLIC = 0,      /* anyone who reaches the socket: reads, and submissions that
                              * carry their own signatures */
    NET_RPC_PARTICIPANT = 1, /* a caller with a valid participant credential (rpc.md §1.2,
                              * http.md §5); no method requires it yet */
    NET_RPC_MEMBER = 2,      /* a participant credential whose roles are not only investor:
                              * a consortium member (a broker's evidence store, evidence.md
                              * §2.4) */
    NET_RPC_OPERATOR = 3,    /* changes the node rather than the ledger: the node's own user
                              * on the ipc socket (specs/rpc.md §1.1) */
} net_rpc_access;

/* Returns a malloc'd JSON document (never NULL) and sets *status (0 or an ldg_err). The
 * method name is passed so one handler may serve a family of methods. */
typedef char *(*net_rpc_handler)(net_node *n, const char *method, const msgpack_object *args,
                                 uint32_t nargs, int *status);

typedef struct net_rpc_method {
    const char *name;
    net_rpc_handler handler;
    net_rpc_access access;
    size_t request_max; /* largest request (whole encoded [method, args...]) in bytes */
    bool paged;         /* a list: takes the paging arguments of specs/rpc.md §2.1 */
} net_rpc_method;

/* The table (net_query.c, beside the handlers it names), sorted by name. */
extern const net_rpc_method net_rpc_methods[];
extern const size_t net_rpc_method_count;

/* The row named `name`, or NULL. */
const net_rpc_method *net_rpc_method_find(const char *name);

/* Reads the method name from the first bytes of a request (msgpack array header, then a
 * text of 1..31 bytes). Returns 1 with the NUL-terminated name in out[32], 0 if more bytes
 * are needed, -1 if the prefix can never start a valid request. */
int net_rpc_peek_method(const uint8_t *req, size_t len, char out[32]);

/* The whole request in, the reply out: decodes [method, args...], finds the row, refuses
 * a caller below its access (DENIED) or a request above its size (TOO_LARGE), then runs
 * the handler. Returns malloc'd JSON (never NULL) and sets *status. */
char *net_rpc_dispatch(net_node *n, net_rpc_access caller, const uint8_t *req, size_t len,
                       int *status);

/* As net_rpc_dispatch, for the request a `signed` envelope wraps (net_rpc_auth.c), with the
 * signer's level: an envelope in it is refused. */
char *net_rpc_dispatch_inner(net_node *n, net_rpc_access caller, const uint8_t *req, size_t len,
                             int *status);

/* A JSON error document {"error": NAME, "message": sentence}; sets *status = err. */
char *net_rpc_error(int *status, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
