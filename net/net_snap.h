/* State sync over the block-sync sockets (specs/sync.md §4): a node serves checkpoints and
 * chunks of its versioned state tree (rep0, beside block sync); a joining or far-behind
 * node fetches a certified checkpoint and its chunks before it starts, checks each chunk
 * against the certified root before writing it, and resumes after a crash or a lying peer.
 *
 * Messages (canonical msgpack arrays):
 *   SNAP_REQ  [8]                                 the peer's latest checkpoint
 *   SNAP_REP  [9, status, tip, checkpoint|nil]    ldg_snap_checkpoint_encode bytes
 *   CHUNK_REQ [10, height, id12|nil, depth, prefix bin(ceil(depth/2))]
 *   CHUNK_REP [11, status, chunk|nil]             ldg_snap_build bytes
 * status 0: here it is; 1: not available (no checkpoint, or the height is pruned, above
 * the tip or more than LDG_SNAP_AGE_MAX below it). */
#ifndef NET_SNAP_H
#define NET_SNAP_H

#include "ldg_snap.h"
#include "net_home.h"

enum { NET_SNAP_REQ = 8, NET_SNAP_REP = 9, NET_CHUNK_REQ = 10, NET_CHUNK_REP = 11 };

/* Whether a request on the sync socket is one of state sync's (kind 8 or 10). */
bool net_snap_is_request(const uint8_t *data, size_t len);
/* The reply to a SNAP_REQ or CHUNK_REQ (anything malformed: a CHUNK_REP of status 1).
 * Bounded: one chunk (LDG_SNAP_CHUNK_KEYS_MAX leaves or one node). Test hooks:
 * FOLIO_TEST_SNAP_KEYS (leaves per chunk), FOLIO_TEST_SNAP_CORRUPT (every chunk served is
 * altered: a lying peer). */
void net_snap_serve(ldg_chain *c, const uint8_t *data, size_t len, ldg_enc *rep);

/* Decodes a CHUNK_REQ (for the fuzzer and the server). */
ldg_err net_snap_chunk_req_decode(const uint8_t *data, size_t len, uint64_t *height,
                                  ldg_snap_task *t) LDG_WARN_UNUSED;
void net_snap_chunk_req_encode(ldg_enc *e, uint64_t height, const ldg_snap_task *t);

typedef struct net_snap_opts {
    const char *home;
    const net_config *cfg;
    const ldg_genesis *genesis;
    const ldg_registry *reg;
    bool requested; /* --sync-from-checkpoint */
} net_snap_opts;

/* Before a node opens its chain: finishes a sync begun earlier; with `requested`, or when
 * the peers' checkpoint is more than LDG_SNAP_BEHIND_BLOCKS above the store's tip, syncs
 * state from a checkpoint. 0 when the node may start (synced, or nothing to do); non-zero
 * with a sentence in err if not (a store partly synced stays refused until a sync ends).
 * Test hook FOLIO_TEST_SNAP_DELAY_MS: a pause per chunk. */
int net_snap_run(const net_snap_opts *o, char *err, size_t err_len);

#endif
