/* Client RPC over nng req/rep (ipc by default, tcp configurable).
 *   request = canonical msgpack [method, args...]
 *   reply   = canonical msgpack [status, json]   status 0 = ok, else an ldg_err number;
 *             json is a UTF-8 JSON document (the result, or {"error":..., "message":...}).
 * Methods and their JSON are listed in specs/rpc.md. */
#ifndef NET_RPC_H
#define NET_RPC_H

#include "ldg_codec.h"

typedef struct net_client net_client;

/* Connects to a node; LDG_ERR_UNAVAILABLE with a sentence in err if none listens. */
ldg_err net_client_open(net_client **out, const char *url, int timeout_ms, char *err,
                        size_t err_len) LDG_WARN_UNUSED;
void net_client_close(net_client *c);
/* Sends a request (from an ldg_enc) and returns the reply's status and JSON text (malloc'd).
 * Transport failures return LDG_ERR_UNAVAILABLE / LDG_ERR_TIMEOUT / LDG_ERR_PROTOCOL. */
ldg_err net_client_call(net_client *c, const ldg_enc *req, int *status,
                        char **json) LDG_WARN_UNUSED;

/* Builds the reply bytes. */
void net_rpc_reply(ldg_enc *e, int status, const char *json);

#endif
