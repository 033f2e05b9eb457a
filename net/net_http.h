/* The HTTP/JSON API (specs/http.md): a transport over the RPC method table
 * (net_rpc_methods.h), not a second implementation.
 *
 * A request is parsed (net_http_parse: request line and headers, bounded), its route found
 * in net_http_routes[] (one or more rows per method of the table, beside it in
 * net_http_routes.c), its path, query and JSON body turned into the msgpack request
 * [method, args...] the method takes (net_http_build), and that request handed to
 * net_rpc_dispatch like any other. The reply's ldg_err status becomes the HTTP status
 * (net_http_status_of) and an error reply the body {code, name, message}.
 *
 * The parser and the builder touch no node and no socket: the fuzz target and the unit
 * suite call them directly. net_http_server.c does the I/O. */
#ifndef NET_HTTP_H
#define NET_HTTP_H

#include "ldg_codec.h"
#include "ldg_limits.h"
#include "net_rpc_methods.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where an argument of a route comes from and what the method expects. Path arguments are
 * the {name} segments of the route's path; the others come from the query (GET) or from the
 * JSON body's member of that name (POST). */
typedef enum net_http_arg_kind {
    NET_HA_TEXT,       /* required text */
    NET_HA_TEXT_EMPTY, /* optional text, "" when absent */
    NET_HA_U64,        /* required unsigned integer */
    NET_HA_U64_ZERO,   /* optional, 0 when absent */
    NET_HA_U64_NIL,    /* optional, nil when absent */
    NET_HA_I64_NIL,    /* optional signed integer, nil when absent */
    NET_HA_HEX,        /* required binary, as hex text */
    NET_HA_HEX_LIST,   /* the rest of the arguments: a JSON array of hex texts (POST) */
    NET_HA_CONST,      /* the fixed text `name` (one method serving several routes) */
    /* Trailing optional arguments: left out of the request when neither they nor an
     * argument after them is given, so the method sees its own defaults. */
    NET_HA_AFTER,     /* paging cursor text, nil when absent (specs/rpc.md §2.1) */
    NET_HA_AFTER_U64, /* paging cursor as an index (block), nil when absent */
    NET_HA_LIMIT,     /* page size, 0 (the method's maximum) when absent */
    NET_HA_OPT_U64,   /* an optional height or time, nil when absent */
} net_http_arg_kind;

#define NET_HTTP_ARGS_MAX 8

typedef struct net_http_arg {
    const char *name;
    net_http_arg_kind kind;
} net_http_arg;

typedef struct net_http_route {
    const char *method;                   /* the row of net_rpc_methods[] it reaches */
    const char *verb;                     /* "GET" or "POST" */
    const char *path;                     /* "/v1/accounts/{who}/balances" */
    net_http_arg args[NET_HTTP_ARGS_MAX]; /* in the method's argument order; name NULL ends */
    const char *summary;                  /* one line, for the OpenAPI document */
} net_http_route;

extern const net_http_route net_http_routes[];
extern const size_t net_http_route_count;

/* ---- requests ---- */

typedef struct net_http_req {
    char verb[8];
    char path[LDG_HTTP_TARGET_MAX + 1];  /* as sent (percent-encoded), without the query */
    char query[LDG_HTTP_TARGET_MAX + 1]; /* after '?', as sent; "" if none */
    uint64_t content_length;
    bool has_length;
    bool json_body;  /* Content-Type is application/json (charset utf-8 allowed) */
    bool has_ctype;  /* some Content-Type was given */
    bool keep_alive; /* HTTP/1.1 without "Connection: close", or 1.0 with keep-alive */
    /* The participant credential headers (specs/http.md §5), "" when absent. */
    char auth_account[41];
    char auth_time[21];
    char auth_sig[129];
    uint64_t last_event_id; /* Last-Event-ID (an event stream resuming), if has_ */
    bool has_last_event_id;
    /* The connection's TLS client certificate (specs/http.md §5), set by the server, not
     * the parser: 1 verified (its subject's OU and CN here), -1 presented but not verified
     * against [tls] ca, 0 none. */
    int cert;
    char cert_role[65];
    char cert_cn[65];
    uint8_t cert_fp[32]; /* its SHA-256 (what HOME/tls/revoked lists) */
} net_http_req;

/* A refusal: the HTTP status, the ldg_err code and name of the body, and its sentence. */
typedef struct net_http_error {
    int http;
    int code;
    char message[192];
} net_http_error;

/* Parses a request's head from buf[0..len). Returns the head's length (through the blank
 * line) when it is whole and valid, 0 when more bytes are needed (and fewer than
 * LDG_HTTP_HEAD_MAX have come), -1 with *e set when it is refused. */
int net_http_parse(const uint8_t *buf, size_t len, net_http_req *r, net_http_error *e);

/* The route for a verb and path: NULL with *e set (404 unknown path, 405 known path with
 * another verb). path_args receives the decoded {name} segments (each
 * LDG_HTTP_TARGET_MAX + 1 bytes), in the order of the path. */
const net_http_route *net_http_route_find(const char *verb, const char *path,
                                          char (*path_args)[LDG_HTTP_TARGET_MAX + 1],
                                          net_http_error *e);

/* The largest body the route accepts: twice the method's request limit (hex doubles
 * binaries) plus JSON framing, at most LDG_HTTP_BODY_MAX; 0 for a GET route. */
size_t net_http_body_max(const net_http_route *rt);

/* Builds the msgpack request [method, args...] of a route from its path arguments, the
 * query text and the body (POST; JSON). False with *e set on bad input. */
bool net_http_build(const net_http_route *rt, char (*path_args)[LDG_HTTP_TARGET_MAX + 1],
                    const char *query, const uint8_t *body, size_t body_len, ldg_enc *out,
                    net_http_error *e);

/* HTTP status of an ldg_err reply status (specs/http.md §3). */
int net_http_status_of(int ldg_status);
const char *net_http_reason(int http);

/* The error body {"code": n, "name": "NAME", "message": "..."} (malloc'd). */
char *net_http_error_body(int code, const char *message);
/* The same from an RPC error reply {"error": NAME, "message": ...} (malloc'd). */
char *net_http_error_from_rpc(int status, const char *rpc_json);

/* Sets *e (returns false, for one-line refusals). */
bool net_http_fail(net_http_error *e, int http, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Percent-decodes s[0..n) into out (cap bytes with the NUL); '+' is a space when plus is
 * set (query values). False on a bad escape, %00, or overflow. */
bool net_http_unescape(const char *s, size_t n, char *out, size_t cap, bool plus);

/* Looks up query parameter `name` in `query` (decoded into out). 1 found, 0 absent, -1 bad
 * escape or too long. */
int net_http_query_get(const char *query, const char *name, char *out, size_t cap);

/* The OpenAPI 3 document of every route (malloc'd JSON). */
char *net_http_openapi(void);

#endif
