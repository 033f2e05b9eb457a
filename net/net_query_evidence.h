/* The `evidence` read method for the RPC (specs/evidence.md §5, specs/rpc.md). */
#ifndef NET_QUERY_EVIDENCE_H
#define NET_QUERY_EVIDENCE_H

#include "net_node.h"

/* Runs ["evidence", "head"|"anchor", ...]; returns malloc'd JSON (the caller frees) and sets
 * *status (0 or an ldg_err). */
char *net_query_evidence(net_node *n, const char *method, const msgpack_object *args,
                         uint32_t nargs, int *status);

/* Runs ["evidence_slices", after?] and ["evidence_slice", root, offset]: this node's store,
 * for consortium members (access NET_RPC_MEMBER, specs/evidence.md §2.4). */
char *net_query_evidence_store(net_node *n, const char *method, const msgpack_object *args,
                               uint32_t nargs, int *status);

#endif
