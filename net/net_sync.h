/* Block sync: a lagging or restarted node fetches committed block records from peers
 * (req0/rep0), checks each certificate against the validator set at its tip
 * (ldg_cert_verify), re-executes the block (ldg_chain_execute; the transactions'
 * signatures are vouched for by the certificate, the state root is recomputed) and commits
 * it. Observers apply the records published on commit (pub0) the same way.
 * specs/consensus.md, section 13. */
#ifndef NET_SYNC_H
#define NET_SYNC_H

#include "ldg_chain.h"
#include "net_p2p.h"
#include "net_pool.h"

#include <nng/nng.h>

/* A committed block record as received from a peer (pointers into the raw bytes). */
typedef struct net_sync_block {
    ldg_header header;
    ldg_hash hash;
    uint32_t tx_count;
    const uint8_t **txs;
    size_t *tx_lens;
    ldg_cert cert;
    ldg_hash state_root; /* the sender's claim; only the next certified header is proof */
    ldg_dec dec;
    bool live;
} net_sync_block;

ldg_err net_sync_decode(net_sync_block *b, const uint8_t *raw, size_t len) LDG_WARN_UNUSED;
void net_sync_block_free(net_sync_block *b);

/* Applies a record for height tip+1. LDG_ERR_INVALID: not the next block, or its
 * certificate is bad, or its transactions do not match the certified header's tx_root
 * (the peer is wrong: drop it). LDG_ERR_DIVERGED: the certified block builds on a state
 * root other than ours: this replica diverged (why says how; the caller stops). Other
 * errors: local failures. The transactions' signatures are not verified again (the
 * certificate vouches for them, and its header's tx_root for their bytes); all else is
 * checked. The block follows the chain's head and is committed in the given mode
 * (ldg_chain_commit_ex); with other than LDG_COMMIT_SYNCED the caller persists the run
 * (ldg_chain_persist). */
ldg_err net_sync_apply(ldg_chain *c, const net_sync_block *b, bool dev, ldg_commit_mode mode,
                       char *why, size_t why_len) LDG_WARN_UNUSED;

/* Builds the reply to a SYNC_REQ: records from from_height on, bounded in count and bytes. */
void net_sync_reply(ldg_chain *c, const net_p2p_msg *req, ldg_enc *rep);

/* Pipelined fetch: up to NET_SYNC_FETCH_DEPTH SYNC_REQs in flight on their own contexts of
 * the driver's req0 socket (each may go to a different peer), so that the next range of
 * blocks travels while the caller applies the current one. Used by one thread; the socket
 * must outlive it. Each request asks for NET_SYNC_FETCH_BLOCKS blocks. */
#define NET_SYNC_FETCH_DEPTH 2
#define NET_SYNC_FETCH_BLOCKS 16
_Static_assert(NET_SYNC_FETCH_BLOCKS <= NET_P2P_SYNC_BLOCKS_MAX, "a server sends at most that");

typedef struct net_sync_fetch net_sync_fetch;

/* Opens a fetcher on req (never NULL: out of memory asserts); timeout_ms bounds each send
 * and each wait for a reply. */
net_sync_fetch *net_sync_fetch_open(nng_socket req, int timeout_ms);
/* Sends a request for the blocks from `from` on, unless one is already in flight; the reply
 * is collected by net_sync_fetch_take. False if no slot is free or the send failed. */
bool net_sync_fetch_ask(net_sync_fetch *f, uint64_t from);
/* The reply (undecoded) to the request for `from`, sending it first if it is not in flight
 * (requests in flight for other heights are then dropped). On LDG_OK the caller owns *out
 * (nng_msg_free); LDG_ERR_UNAVAILABLE: no peer answered within the timeout (*out NULL). */
ldg_err net_sync_fetch_take(net_sync_fetch *f, uint64_t from, nng_msg **out) LDG_WARN_UNUSED;
/* Drops whatever is in flight and frees f (NULL: nothing). */
void net_sync_fetch_close(net_sync_fetch *f);

/* The sync client: brings a node's store up to its peers' tip over req, pipelined
 * (net_sync_fetch), each block applied in the background mode and the run persisted at
 * the end; the transactions of every applied block leave the pool. */
typedef struct net_sync_client {
    ldg_chain *chain;
    net_pool *pool;
    nng_socket req;
    bool dev;
    const _Atomic bool *stopping;
    _Atomic uint64_t *peer_height; /* raised to the highest tip a peer reported */
    uint64_t delay_ms;             /* test hook FOLIO_TEST_SYNC_DELAY_MS: sleep per block */
} net_sync_client;

typedef enum {
    NET_SYNC_NOTHING, /* no block applied (up to date, or no peer answered) */
    NET_SYNC_GOT,     /* the store moved forward */
    NET_SYNC_FATAL,   /* this replica diverged or its store failed: why says; stop */
} net_sync_outcome;

net_sync_outcome net_sync_catch_up(const net_sync_client *c, char *why, size_t why_len);

#endif
