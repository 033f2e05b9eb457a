/* Settlement read methods for the RPC (JSON). Each returns a new reference or NULL with
 * *err set (LDG_ERR_NOT_FOUND when the thing does not exist). */
#ifndef NET_QUERY_SETTLEMENT_H
#define NET_QUERY_SETTLEMENT_H

#include "ldg_exec.h"
#include "ldg_state.h"
#include "net_reply.h"

#include <jansson.h>

/* The lists take a page (net_reply.h): rows after its cursor, at most its limit, and set the
 * reply's "next" when more follow. */
json_t *net_query_trades(ldg_state *st, const char *status, net_page *page, ldg_err *err);
json_t *net_query_trade(ldg_state *st, uint64_t id, ldg_err *err);
json_t *net_query_cycles(ldg_state *st, net_page *page, ldg_err *err);
json_t *net_query_cycle(ldg_state *st, uint64_t n, ldg_err *err);
json_t *net_query_queue(ldg_state *st, net_page *page, ldg_err *err);
/* Bilateral instructions, optionally of one status (unmatched, matched, queued, settled,
 * cancelled); each unmatched one carries its near-match hint, or null. */
json_t *net_query_instructions(ldg_state *st, const char *status, net_page *page, ldg_err *err);
/* What cycle.run would do now: runs its handler on st, which must be a throw-away overlay
 * (the caller frees it; nothing is committed), and returns the report it would store with
 * "preview": true, or {"preview": true, "rejected": {code, name, message, detail}}. */
json_t *net_query_cycle_preview(ldg_state *st, const ldg_registry *reg, const ldg_env *env,
                                ldg_err *err);

#endif
