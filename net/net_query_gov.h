/* The governance read methods for the RPC (specs/governance.md §9, specs/rpc.md). */
#ifndef NET_QUERY_GOV_H
#define NET_QUERY_GOV_H

#include "net_node.h"

/* Runs gov_committee, gov_proposal, gov_proposals or gov_code; returns malloc'd JSON (the
 * caller frees) and sets *status (0 or an ldg_err). */
char *net_query_gov(net_node *n, const char *method, const msgpack_object *args, uint32_t nargs,
                    int *status);

#endif
