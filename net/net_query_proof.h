/* The RPC method `proof` (specs/rpc.md, specs/proofs.md): a proof bundle built on the node
 * from the committed chain and the state tree (net_query_proof.c). */
#ifndef NET_QUERY_PROOF_H
#define NET_QUERY_PROOF_H

#include "net_node.h"

/* proof [kind u64, key bin, height u64 | nil, until_ms u64 | nil] -> {height, size, bundle hex}. */
char *net_query_proof(net_node *n, const char *method, const msgpack_object *args, uint32_t nargs,
                      int *status);

#endif
