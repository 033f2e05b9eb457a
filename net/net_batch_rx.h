/* Batches from peers (multi-validator driver): the batch receiver thread and fetching a
 * batch by digest. Every transaction of a batch passes admission (net_admit.h, the checks
 * of a client's submission) or the whole batch is dropped and its peer disconnected; good
 * batches go to the node's pool and batch store (net_pool.h). A validator's batch is taken
 * in its own name only; an observer's transactions are admitted one by one as a client's
 * would be. While the node syncs, broadcast batches are kept unverified (within
 * NET_BFT_DEFERRED_BYTES_MAX) and ingested once it has caught up. */
#ifndef NET_BATCH_RX_H
#define NET_BATCH_RX_H

#include "net_node.h"
#include "net_p2p.h"

#include <nng/nng.h>

/* Bytes of broadcast batches kept unverified while the node syncs (about a minute of
 * 5,000 tx/s); past it the oldest are dropped (fetched by digest if a proposal needs one). */
#define NET_BFT_DEFERRED_BYTES_MAX (64u << 20)

typedef struct net_batch_rx net_batch_rx;

/* Starts the receiver thread on `batch` (which runs until n->stopping); `req` is the sync
 * socket batches are fetched on (net_batch_rx_fetch); peers: who each connection is. An
 * observer forwards nothing. */
net_batch_rx *net_batch_rx_start(net_node *n, net_p2p_peers *peers, nng_socket batch,
                                 nng_socket req, bool observer);
/* The node became a validator (net_bft.c): observers' batches are now admitted here. */
void net_batch_rx_validator(net_batch_rx *r);
/* Joins the thread (the node is stopping) and frees what it kept. */
void net_batch_rx_stop(net_batch_rx *r);
/* While on, broadcast batches are deferred; once off, the receiver ingests them. */
void net_batch_rx_syncing(net_batch_rx *r, bool on);
/* Fetches the batch of digest d from the peers (the consensus thread, which owns the
 * sync socket); true once it is in the store. */
bool net_batch_rx_fetch(net_batch_rx *r, const ldg_hash *d);

#endif
