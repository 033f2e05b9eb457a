/* Automatic evidence replication and retention (specs/evidence.md §2.4, §2.3): a node with
 * [evidence] mirrors or retention_days runs the sync pass (net_evpass.h, the same code as
 * `folio evidence sync`) in a thread of its own every replicate_every_s seconds. Its side
 * of the pass reads the node's own chain and submits the member's evidence.attest (signed
 * by the key attest_as, default [client] as) through the node's one admission path; lines
 * go to the node's log, counts to /metrics. One pass at a time, one page of
 * LDG_EV_LIST_MAX roots in memory; the node's stop ends a pass after its current slice. */
#ifndef NET_EVSYNC_H
#define NET_EVSYNC_H

#include "net_node.h"

/* Starts the thread if the config asks for it; false if it could not start (the key of
 * attest_as cannot be loaded, or no thread). */
bool net_evsync_start(net_node *n);
/* Stops it (once n->stopping is set): a pass under way ends after its current slice. */
void net_evsync_stop(net_node *n);

#endif
