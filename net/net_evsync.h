/* Automatic evidence replication and retention (specs/evidence.md §2.4, §2.3): a node with
 * [evidence] mirrors or retention_days runs `folio evidence sync` on its own home every
 * replicate_every_s seconds, as a child process (the CLI's client code: it fetches from the
 * other members' nodes and submits attestations to this one like any client), its output
 * appended to HOME/evidence-sync.log. */
#ifndef NET_EVSYNC_H
#define NET_EVSYNC_H

#include "net_node.h"

/* Starts the thread if the config asks for it; false if it could not start. */
bool net_evsync_start(net_node *n);
/* Stops it (once n->stopping is set): a pass under way is ended. */
void net_evsync_stop(net_node *n);

#endif
