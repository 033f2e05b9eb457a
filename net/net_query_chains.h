/* The sub-chain RPC methods: checkpoint (any chain), subchain and subchains (a main chain's
 * registry). specs/rpc.md §3.16, specs/chains.md §7. */
#ifndef NET_QUERY_CHAINS_H
#define NET_QUERY_CHAINS_H

#include "chn.h"
#include "net_node.h"

#include <jansson.h>

char *net_query_chains(net_node *n, const char *method, const msgpack_object *args, uint32_t nargs,
                       int *status);
/* A registry record as JSON (age from tip_ms); keys_too adds the validator keys. */
json_t *net_subchain_json(const chn_record *r, uint64_t tip_ms, bool keys_too);

#endif
