/* The single-validator consensus driver: takes transactions from the node's pool,
 * proposes, executes, signs its own precommit and commits through the ledger's seam
 * (specs/consensus.md §11 says why a one-validator chain does not run net_bft yet). */
#ifndef NET_SOLO_H
#define NET_SOLO_H

#include "net_node.h"

/* Runs until n->stopping (false), or until a change of the validator set is recorded and
 * to_bft(n) started the multi-validator driver (true: the caller runs it, consensus.md
 * §1a). While to_bft fails, blocks are produced up to the change only. */
bool net_solo_drive(net_node *n, bool (*to_bft)(net_node *));

#endif
