/* The views of each role (specs/rpc.md §3.15): `history` (a broker's or investor's every
 * movement, from the index of notes, ast_history.h), `controls` (a regulator's freezes and
 * force transfers waiting for approval) and `investors` (a registrar's investor profiles),
 * each a paged list. */
#ifndef NET_QUERY_VIEWS_H
#define NET_QUERY_VIEWS_H

#include "net_node.h"

/* A handler of the method table (net_rpc_methods.h) for the three methods. */
char *net_query_views(net_node *n, const char *method, const msgpack_object *args, uint32_t nargs,
                      int *status);

#endif
