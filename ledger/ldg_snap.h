/* State sync chunks (specs/sync.md): a joining node rebuilds the state after a certified
 * block H by fetching subtrees of the state tree, each checked against the hash its
 * already-verified parent (at the top: the certified state root) gives it, BEFORE any of
 * its keys is written.
 *
 * A task names one subtree: a tree (the plain tree P, the registers tree G, or the register
 * of an instrument), a nibble depth and a path prefix, with the hash and sum it must have.
 * Its chunk is either the subtree's leaves (every key and value below it; register leaves
 * as id12, root and total) or, when the subtree is too large, its 16 slots. The first task,
 * the state root itself, is answered by the root hashes of P and G. Checking a chunk gives the keys
 * to write and the tasks that follow from it (a register to fetch, the slots of a split).
 * Tasks are independent: any order, any peer.
 *
 * Serving: ldg_snap_build reads the versioned tree of the store (any thread). Restoring:
 * ldg_snap_store_* keep the pending tasks in the store's meta family, so that a sync
 * resumes after a crash and a store being synced is never taken for a complete one. */
#ifndef LDG_SNAP_H
#define LDG_SNAP_H

#include "ldg_chain.h"
#include "ldg_smt.h"

/* A task's tree, in the order a chunk's follow-up tasks sort after its own (sync.md §5). */
enum { LDG_SNAP_ROOT = 0, LDG_SNAP_PLAIN = 1, LDG_SNAP_REGS = 2, LDG_SNAP_REGISTER = 3 };

typedef struct ldg_snap_task {
    uint8_t tree;                 /* LDG_SNAP_*; ROOT: depth 0, the state root's two trees */
    uint8_t id12[LDG_SMT_ID_LEN]; /* LDG_SNAP_REGISTER only (else zeros) */
    uint8_t depth;                /* 0..LDG_SMT_DEPTH_MAX nibbles */
    ldg_hash prefix;              /* the path's first `depth` nibbles, the rest zero */
    ldg_hash hash;                /* what the subtree must hash to (zero: empty) */
    uint64_t sum;                 /* and sum to (0 in P and G) */
} ldg_snap_task;

/* The root task of a state root. */
void ldg_snap_root_task(ldg_snap_task *t, const ldg_hash *state_root);

/* Encodes the chunk of task t (its hash and sum unused) from the tree at version into out:
 * its leaves if at most keys_max (<= LDG_SNAP_CHUNK_KEYS_MAX; tests use fewer), else its
 * slots.
 * LDG_ERR_NOT_FOUND: no such subtree at that version; LDG_ERR_PRUNED: below the floor.
 * At most LDG_SNAP_CHUNK_KEYS_MAX leaves and LDG_SNAP_CHUNK_BYTES_MAX bytes (or one
 * leaf): bounded CPU and memory. */
ldg_err ldg_snap_build(ldg_state_base tree, uint64_t version, const ldg_snap_task *t,
                       size_t keys_max, ldg_enc *out) LDG_WARN_UNUSED;

/* A checked chunk: keys and values point into the decoded bytes (valid until
 * ldg_snap_chunk_free); tasks are malloc'd. A LEAVES chunk also carries the tree nodes of
 * its subtree, of the version it was checked for, built while it was checked. */
typedef struct ldg_snap_chunk {
    size_t n;
    const uint8_t **keys, **vals;
    size_t *klens, *vlens;
    size_t ntasks;
    ldg_snap_task *tasks;
    ldg_dec dec;
    bool live;
    uint64_t version; /* of its nodes */
    bool split;       /* a NODE chunk: its node is written once its slots are known */
    bool roots;       /* the state root's chunk: only follow-up tasks */
    uint16_t present; /* NODE: the slots present (bit i: slot i) */
    ldg_smt_top top;  /* LEAVES: what the parent holds of the subtree */
    uint8_t *nodes;   /* LEAVES: its nodes, (be32 klen ‖ key ‖ be32 vlen ‖ value)* */
    size_t nodes_len, nodes_cap;
} ldg_snap_chunk;

/* Decodes data as the chunk of task t (of the checkpoint at `version`) and checks it against t's
 * hash and sum: canonical encoding, bounds, leaves of the right kind for the tree, paths under the
 * prefix in strictly ascending order, and the subtree (or node) hashing to t->hash with sum t->sum.
 * LDG_OK: *out holds the keys to write and the follow-up tasks. LDG_ERR_DECODE (malformed)
 * or LDG_ERR_INVALID (does not prove out) with a sentence in why; nothing in *out then. */
ldg_err ldg_snap_verify(ldg_snap_chunk *out, const ldg_snap_task *t, uint64_t version,
                        const uint8_t *data, size_t len, char *why, size_t why_len) LDG_WARN_UNUSED;
void ldg_snap_chunk_free(ldg_snap_chunk *c);

/* ---- restoring into a store (the chain closed) ---- */

/* The checkpoint: the state after block `height`, certified by the certificate of block
 * height+1 whose header carries that state root (specs/sync.md §2). */
typedef struct ldg_snap_checkpoint {
    uint64_t height;
    ldg_header header;    /* block height */
    ldg_header next;      /* block height + 1 */
    ldg_cert cert;        /* of block height + 1 */
    ldg_hash state_root;  /* = next.prev_state_root */
    uint32_t trust_count; /* changes of the validator set it carries */
    uint8_t *raw;         /* its encoding (malloc'd) */
    size_t raw_len;
} ldg_snap_checkpoint;

/* [height, header bin, next header bin, cert]. */
void ldg_snap_checkpoint_encode(ldg_enc *e, const ldg_header *h, const ldg_header *next,
                                const ldg_cert *cert);
/* Decodes and checks: the two headers link (next.prev_hash = hash(header), heights follow,
 * same chain), the certificate is for `next` and verifies against validators. LDG_OK fills
 * *out (free with ldg_snap_checkpoint_free); LDG_ERR_DECODE / LDG_ERR_INVALID + why. */
/* With a trust list (sync.md §2): [height, header, next, cert, [step...]], the steps of
 * proofs.md §5 from genesis to height + 1. */
void ldg_snap_checkpoint_encode_trust(ldg_enc *e, const ldg_header *h, const ldg_header *next,
                                      const ldg_cert *cert, const uint8_t *trust, size_t trust_len,
                                      uint32_t trust_count);
/* The certificate must verify under the genesis set g names, followed through the changes
 * the checkpoint carries (each certified by the set before it). */
ldg_err ldg_snap_checkpoint_check(ldg_snap_checkpoint *out, const uint8_t *data, size_t len,
                                  const ldg_genesis *g, char *why, size_t why_len) LDG_WARN_UNUSED;
/* Keeps the checkpoint's trust steps in the store (ldg_trust_keep): the tree before the
 * checkpoint is not there to build them from. */
ldg_err ldg_snap_checkpoint_keep_trust(ldg_store *s, const ldg_snap_checkpoint *cp) LDG_WARN_UNUSED;
void ldg_snap_checkpoint_free(ldg_snap_checkpoint *c);

/* Whether the store is being synced (a checkpoint begun, not finished); *raw (malloc'd)
 * the checkpoint's bytes if so. */
ldg_err ldg_snap_store_pending(ldg_store *s, bool *pending, uint8_t **raw,
                               size_t *raw_len) LDG_WARN_UNUSED;
/* Begins a sync of cp: in one synced batch of constant size (range deletions), deletes
 * every state key, every tree node and an earlier sync's records, records the checkpoint
 * (the store is from then on refused by ldg_chain_open until finished) and its root task. */
ldg_err ldg_snap_store_begin(ldg_store *s, const ldg_snap_checkpoint *cp) LDG_WARN_UNUSED;
/* Up to max pending tasks in key order, from the first at or after `from` (NULL: from the
 * first). A chunk's follow-up tasks sort after its own (a deeper position, or a register
 * after G, P and G after the root), so no task is ever added before the first one pending: passing
 * the first task of the previous answer seeks past the deleted ones instead of reading them again
 * (O(tasks²) over a sync otherwise). */
ldg_err ldg_snap_store_tasks(ldg_store *s, const ldg_snap_task *from, ldg_snap_task *out,
                             size_t max, size_t *n) LDG_WARN_UNUSED;
/* Pending tasks in all. */
ldg_err ldg_snap_store_count(ldg_store *s, size_t *n) LDG_WARN_UNUSED;
/* Applies a chunk of task t verified for the checkpoint's height: its keys, its subtree's
 * tree nodes (or, for a split, a record of the node to build at the finish), its follow-up
 * tasks and the removal of t, in one batch, not synced (a power loss loses whole chunks,
 * last first, whose tasks are then pending again; ldg_snap_store_finish's synced batch
 * makes them durable). */
ldg_err ldg_snap_store_apply(ldg_store *s, const ldg_snap_task *t,
                             const ldg_snap_chunk *c) LDG_WARN_UNUSED;
/* Once no task is pending: builds the split nodes from their slots' tops, deepest first,
 * each checked against the hash its chunk proved (batches of LDG_SNAP_FINISH_NODES,
 * unsynced: memory does not grow with the state), checks the root against the certified
 * one, and in one synced batch writes the root pointer, the tip (block cp->height), the
 * history floor and the checkpoint record, and ends the sync. LDG_ERR_INVALID + why if a
 * node or the root differs: no tip is written and the sync stays pending. */
ldg_err ldg_snap_store_finish(ldg_store *s, const ldg_snap_checkpoint *cp, char *why,
                              size_t why_len) LDG_WARN_UNUSED;

/* Whether a sync was begun and not finished (cheap: for ldg_chain_open's refusal). */
bool ldg_snap_store_syncing(ldg_store *s);
/* The checkpoint a finished sync started from (LDG_ERR_NOT_FOUND: the store holds its
 * history from genesis); *raw malloc'd. */
ldg_err ldg_snap_store_checkpoint(ldg_store *s, uint8_t **raw, size_t *raw_len) LDG_WARN_UNUSED;

#endif
