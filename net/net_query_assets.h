/* Read methods of the assets module for the RPC (specs/rpc.md): bond schedules, investor
 * profiles, instrument rules, `transfer_check` (the dry run of ast_transfer_check against
 * the committed state) and corporate actions. */
#ifndef NET_QUERY_ASSETS_H
#define NET_QUERY_ASSETS_H

#include "net_node.h"

#include <stdbool.h>

/* True if `method` is one of this file's methods. */
bool net_query_assets_handles(const char *method);
/* Runs it; returns malloc'd JSON (the caller frees) and sets *status (0 or an ldg_err). */
char *net_query_assets(net_node *n, const char *method, const msgpack_object *args, uint32_t nargs,
                       int *status);

#endif
