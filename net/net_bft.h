/* The multi-validator driver: runs the consensus core (net_consensus.h) over the network
 * (net_p2p.h) and the ledger's seam (ldg_chain_propose / execute / commit), with block
 * sync (net_sync.h) and observers. net_node starts this driver instead of net_solo when
 * the genesis names more than one validator.
 *
 * Threads: one consensus thread owns the core, the block cache (net_block.h) and the
 * routing of messages by height; the executor thread (net_exec.h) owns the chain's write
 * side while it executes or commits a block; receiver threads (net_links.h: consensus bus,
 * sync server, commit subscriber) decode and bound messages and hand them over through the
 * inbox (net_inbox.h); the batch receiver (net_batch_rx.h) passes every transaction of a
 * batch through admission (net_admit.h, the same checks as a client's submission) and
 * hands the batch to the node's pool (net_pool.h), or drops it whole and disconnects the
 * peer.
 *
 * Dissemination: the node that admits a client transaction broadcasts it in a batch on
 * the batch socket; every node admits it once and keeps the batch (by digest, over its
 * transactions' ids and signatures) and the transaction (pool) until a committed block
 * holds it. A pooled transaction vouches only for its own bytes: a copy under its id with
 * another signature is verified again. Proposals carry the header and batch digests; a
 * validator assembles the block from its batches (fetching a missing one by digest from a
 * peer) by one deterministic rule, checked by the header's tx root.
 *
 * Safety: the signing guard (net_guard.h) writes what the core asks to persist to
 * HOME/consensus.state before the vote it protects is sent, and restores it at start. A certified
 * block that does not build on this replica's state root stops the node with a loud message. */
#ifndef NET_BFT_H
#define NET_BFT_H

#include "net_consensus.h"
#include "net_inbox.h"
#include "net_node.h"

/* Own batches still pending after this long are broadcast again (at most 8 a second:
 * under a backlog every batch is old, and receivers would only decode them again). */
#define NET_BFT_REBATCH_MS 10000
/* Interval of the core's RESEND event. */
#define NET_BFT_RESEND_MS 400

/* Pairs of conflicting votes by one validator (duplicate-vote evidence, specs/chains.md
 * §5.3) the driver keeps until the relay takes them (net_host.c): one pair per validator and
 * height; a pair seen while all are taken is dropped (logged). Each is ~300 bytes. */
#define NET_BFT_EVIDENCE_KEEP 16

/* Two votes one validator signed for different blocks at one height, round and step, as the
 * consensus core saw them (both signatures verified), and the validator's key. */
typedef struct net_bft_evidence {
    uint8_t key[NET_CONS_PUBKEY_LEN];
    net_cons_msg a, b;
} net_bft_evidence;

/* Takes the oldest pair kept by n's driver (false if none, or n has no multi-validator
 * driver). Any thread. */
bool net_bft_evidence_take(net_node *n, net_bft_evidence *out);

/* The multi-validator driver: sockets are opened by net_bft_start (so that a bad address
 * or TLS file fails the start), then net_bft_run runs until n->stopping. */
int net_bft_start(net_node *n, char *err, size_t err_len);
void *net_bft_run(void *node);
/* Frees the driver once its thread and the RPC workers are joined. */
void net_bft_stop(net_node *n);

#endif
