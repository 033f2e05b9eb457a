/* Admission: the one gate every transaction passes before it enters the pool, whether a
 * client submitted it or a peer's batch carried it (specs/transactions.md §admission).
 * The checks run cheapest first and the first failure wins:
 *
 *   size, decode, version (ldg_tx_decode) -> chain id -> expiry window -> known type ->
 *   registered sender -> replay (the store, then the pool) -> signature
 *
 * so that bytes from an unregistered sender, for another chain, or of an unknown type cost
 * no signature check. Admission owns the cache of registered senders' lifted keys (a known
 * sender's signature is checked without BIP-340's lift_x, and without a state read).
 *
 * Clients and peers differ only in what follows a refusal and in two tolerances: a peer's
 * transaction that is already committed or pooled, or that expired on the way, is not a
 * fault of the peer (it is verified, then simply not pooled); and the expiry window is
 * widened by NET_ADMIT_PEER_SKEW_MS for clock skew between nodes. Every other refusal of a
 * peer's transaction drops its batch whole (net_admit_batch). Thread-safe. */
#ifndef NET_ADMIT_H
#define NET_ADMIT_H

#include "ldg_chain.h"
#include "ldg_exec.h"
#include "ldg_tx.h"
#include "net_clock.h"

#include <stdatomic.h>

typedef struct net_admit net_admit;

typedef enum { NET_ADMIT_CLIENT, NET_ADMIT_PEER } net_admit_from;

/* What the pool holds under a transaction's id. A pooled entry vouches only for its own
 * bytes (its signature was verified): a copy under the same id with other bytes is not. */
typedef enum { NET_POOL_ABSENT, NET_POOL_SAME, NET_POOL_OTHER } net_pool_match;
typedef net_pool_match (*net_admit_pool_fn)(void *ctx, const ldg_hash *id, const uint8_t *wire,
                                            size_t len);

/* One admitted transaction. */
typedef struct net_admitted {
    ldg_tx_ref ref; /* id and signature; the id is set as soon as the bytes decode */
    uint64_t expiry_ms;
    bool fresh;    /* not committed, not pooled, not expired: the pool should take it */
    bool verified; /* its signature was checked here (false: the pool holds these bytes) */
} net_admitted;

/* Counters, for tests and the bench. */
typedef struct net_admit_stats {
    uint64_t sig_checks; /* signature verifications done */
    uint64_t refused;    /* transactions refused (client) or batches dropped (peer) */
} net_admit_stats;

/* clock: the node's clock (net_clock.h; NULL: the wall clock); time_offset_ms: its
 * dev-mode offset (read at each admission), may be NULL. Signatures are checked for the
 * chain's genesis hash (ldg_tx_sign_msg). */
net_admit *net_admit_new(ldg_chain *chain, const ldg_registry *reg, net_clock *clock,
                         const _Atomic uint64_t *time_offset_ms);
void net_admit_free(net_admit *a);
/* The pool's replay probe, asked after every cheaper check and before the signature. */
void net_admit_set_pool(net_admit *a, net_admit_pool_fn fn, void *ctx);
/* Where refusals are counted (the node's /metrics); none until set. */
struct net_metrics;
void net_admit_set_metrics(net_admit *a, struct net_metrics *m);

/* The time admission checks expiry against: the node's clock (plus the dev offset), never
 * before the last block's time (specs/transactions.md §2). */
uint64_t net_admit_now(net_admit *a);

/* Admits one transaction. reader: the committed state (NULL: admission opens one).
 * Client: LDG_R_OK only if it is fresh. Peer: LDG_R_OK also for a committed, pooled or
 * (within the skew) expired one, with out->fresh false. Otherwise the first refusal. */
ldg_result net_admit_tx(net_admit *a, ldg_state *reader, const uint8_t *wire, size_t len,
                        net_admit_from from, net_admitted *out);

/* The same checks for a client's transaction that is only being tried (the check RPC):
 * nothing is pooled and a refusal is not counted. */
ldg_result net_admit_probe(net_admit *a, ldg_state *reader, const uint8_t *wire, size_t len,
                           net_admitted *out);

/* Admits a peer's batch: every transaction, or none. LDG_R_OK, or the first refusal with
 * *bad its index. out has n entries. */
ldg_result net_admit_batch(net_admit *a, const uint8_t *const *txs, const size_t *lens, uint32_t n,
                           net_admitted *out, uint32_t *bad);

net_admit_stats net_admit_get_stats(net_admit *a);

#endif
