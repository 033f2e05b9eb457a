/* The single-validator consensus driver: takes transactions from the node's pool,
 * proposes, executes, signs its own precommit and commits through the ledger's seam
 * (specs/consensus.md §11 says why a one-validator chain does not run net_bft yet). */
#ifndef NET_SOLO_H
#define NET_SOLO_H

#include "net_node.h"

/* Runs until n->stopping. */
void *net_solo_run(void *node);

#endif
