/* The pool: every admitted transaction waiting for a block, whichever way it came (a
 * client's submission through admission, a peer's batch), and the store of batches (the
 * multi-validator driver's unit of dissemination, consensus.md §14). One copy of each
 * transaction's wire bytes: a reference-counted buffer shared by its pool entry and every
 * stored batch that holds it. One replay check: admission asks net_pool_find before the
 * signature, and net_pool_add refuses an id already pending (under the lock).
 *
 * Transactions are kept in arrival order, bounded by the cap given at creation
 * (LDG_MEMPOOL_TX_MAX: MEMPOOL_FULL beyond it); batches in arrival order, bounded by
 * NET_POOL_BATCHES_MAX. Buckets are a keyed mix of ids and digests (net_mix.h).
 *
 * Thread-safe: one mutex guards both. The batch store is read by the consensus thread
 * while it assembles a block: it takes the lock (net_pool_lock), walks the batches
 * (net_pool_batches, ->next) and reads their fields, then unlocks. */
#ifndef NET_POOL_H
#define NET_POOL_H

#include "ldg_codec.h"
#include "ldg_result.h"
#include "ldg_tx.h"
#include "net_admit.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Batches kept (each until none of its transactions is pending). */
#define NET_POOL_BATCHES_MAX 65536

/* Wire bytes shared by the pool and the batch store. */
typedef struct net_wire net_wire;

typedef struct net_pool net_pool;

/* A batch of transactions as broadcast by the node that admitted them. Read-only outside
 * net_pool.c, under the pool's lock. */
typedef struct net_batch {
    ldg_hash digest;
    uint32_t n;
    const uint8_t **txs; /* txs[i], lens[i]: the bytes of the shared buffers */
    size_t *lens;
    ldg_tx_ref *refs; /* ids and signatures, verified: the digest is over them */
    uint64_t *expiry;
    bool own;         /* admitted here: re-sent while pending (a send may have been dropped) */
    uint64_t sent_ms; /* last broadcast (own batches) */
    struct net_batch *next;
    /* net_pool.c's */
    net_wire **wires;
    struct net_batch *prev, *hnext;
} net_batch;

/* One pending transaction, as handed out by net_pool_front (holds a reference). */
typedef struct net_pool_tx {
    ldg_hash id;
    const uint8_t *wire;
    size_t len;
    uint64_t expiry_ms;
    net_wire *ref;
} net_pool_tx;

net_pool *net_pool_new(size_t cap);
void net_pool_free(net_pool *p);

/* ---- transactions ---- */

/* Adds an admitted transaction (copies its bytes once). own: to be broadcast in a batch
 * (multi-validator driver; a one-validator node passes false). LDG_R_REPLAY if the id is
 * pending, LDG_R_MEMPOOL_FULL at the cap. */
ldg_result net_pool_add(net_pool *p, const ldg_hash *id, const uint8_t *wire, size_t len,
                        uint64_t expiry_ms, bool own);
/* What the pool holds under id, compared with wire (admission's replay probe). */
net_pool_match net_pool_find(net_pool *p, const ldg_hash *id, const uint8_t *wire, size_t len);
/* Same signature as net_admit_pool_fn (ctx is the pool). */
net_pool_match net_pool_probe(void *pool, const ldg_hash *id, const uint8_t *wire, size_t len);
bool net_pool_has(net_pool *p, const ldg_hash *id);
size_t net_pool_size(net_pool *p);
/* Up to max entries from the front, in arrival order, each holding a reference to its
 * bytes; release them with net_pool_release. */
size_t net_pool_front(net_pool *p, net_pool_tx *out, size_t max);
void net_pool_release(net_pool_tx *txs, size_t n);
/* Removes the transactions of these ids (committed, whatever signature their copy had). */
void net_pool_remove(net_pool *p, const ldg_hash *ids, size_t n);
/* The same, by the ids of these references. */
void net_pool_remove_refs(net_pool *p, const ldg_tx_ref *refs, size_t n);
/* The same, by the ids of these transactions' wire bytes (those that do not decode are
 * skipped). */
void net_pool_remove_wires(net_pool *p, const uint8_t *const *txs, const size_t *lens, uint32_t n);
/* Removes everything (tests). */
void net_pool_clear(net_pool *p);
/* Waits until the pool is non-empty or timeout_ms passes; returns the size. */
size_t net_pool_wait(net_pool *p, int timeout_ms);
/* Wakes waiters (shutdown). */
void net_pool_wake(net_pool *p);

/* ---- batches ---- */

/* Stores a peer's batch whose every transaction admission passed (ad[i]): the bytes of a
 * transaction the pool holds under the same id and bytes are shared, others copied once;
 * fresh ones join the pool. If expect is given the batch must have that digest (false if
 * not: nothing stored). True if stored or already known. */
bool net_pool_ingest(net_pool *p, const uint8_t *const *txs, const size_t *lens,
                     const net_admitted *ad, uint32_t n, const ldg_hash *expect);
/* Own transactions not yet broadcast, taken into a new own batch (at most
 * NET_P2P_BATCH_TX_MAX transactions, NET_P2P_BATCH_SIZE_MAX bytes), stored, and encoded as
 * a BATCH from origin into e. False if there is none. */
bool net_pool_take_unsent(net_pool *p, uint64_t now_ms, uint64_t origin, ldg_enc *e);
/* Own batches from now on hold at most max_txs transactions and max_bytes bytes (within
 * NET_P2P_BATCH_TX_MAX and NET_P2P_BATCH_SIZE_MAX): the node sets the block limits in
 * force after each commit, so that a batch always fits one block. */
void net_pool_set_batch_limits(net_pool *p, uint32_t max_txs, size_t max_bytes);
/* Own batches still pending NET_BFT_REBATCH_MS after their last broadcast: up to max of
 * them encoded into e[0..) as BATCH messages from origin. Returns how many. An own batch
 * larger than the batch limits now (net_pool_set_batch_limits) is not resent: its pending
 * transactions become unsent again, for net_pool_take_unsent to batch anew. */
uint32_t net_pool_stale_own(net_pool *p, uint64_t now_ms, uint64_t resend_ms, uint64_t origin,
                            ldg_enc *e, uint32_t max);
/* Encodes the BATCH_REP for digest (empty if unknown) into e. */
void net_pool_enc_batch_rep(net_pool *p, const ldg_hash *digest, ldg_enc *e);
bool net_pool_has_batch(net_pool *p, const ldg_hash *digest);
/* Drops expired transactions, then batches none of whose transactions is pending. */
void net_pool_gc(net_pool *p, uint64_t now_ms);

void net_pool_lock(net_pool *p);
void net_pool_unlock(net_pool *p);
/* Lock held: the first stored batch (arrival order; ->next for the others), a batch by
 * digest (NULL if unknown), whether any of a batch's transactions is still pending. */
net_batch *net_pool_batches(net_pool *p);
net_batch *net_pool_batch_get(net_pool *p, const ldg_hash *digest);
bool net_pool_batch_live(net_pool *p, const net_batch *bt);

#endif
