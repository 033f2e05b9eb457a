/* The state tree (specs/state.md §5): radix-16 sparse Merkle trees over hashed state keys,
 * in the manner of the Jellyfish Merkle Tree. The state root is TH("folio/smt/root", P ‖ G):
 * P, the plain tree, has a leaf per plain key; holdings ('b' keys) are not in it: each
 * instrument's holdings form a Merkle-sum tree (its register) whose root carries the total,
 * and that root with its total is one leaf of G, the registers tree (so that a holding's
 * proof crosses ~log16(instruments) levels of G, not the levels of every plain key). Nodes are
 * immutable and versioned by block height; a block's new nodes are written in the block's write
 * batch (column family `tree`), so every root of the retention window stays readable and provable.
 *
 * Threads: one ldg_smt is driven by one thread (the chain's committing thread). The past
 * reads and proofs (ldg_smt_get_at, ldg_smt_prove) take a base and are stateless: safe from
 * any thread over a store. */
#ifndef LDG_SMT_H
#define LDG_SMT_H

#include "ldg_codec.h"
#include "ldg_limits.h"
#include "ldg_state.h"

/* A holding key: 'b' ‖ id12 ‖ account20 (specs/state.md §3.2). */
#define LDG_SMT_HOLDING_KEY_LEN 33
#define LDG_SMT_ID_LEN 12

typedef struct ldg_smt ldg_smt;

/* The tree over a base that reads the `tree` column family (or an in-memory map). Reads
 * the root of version `version` (LDG_ERR_NOT_FOUND if there is none: an empty store).
 * empty: a new tree whose first version is `version` (0, or a state-sync checkpoint). */
ldg_err ldg_smt_open(ldg_smt **out, ldg_state_base base, uint64_t version,
                     bool empty) LDG_WARN_UNUSED;
void ldg_smt_free(ldg_smt *t);
/* Blocks of history kept readable (>= LDG_SMT_RETAIN_MIN); 0: keep all;
 * LDG_SMT_LATEST_ONLY: only the current version (replaced nodes are deleted at once; for
 * in-memory trees that no one reads the past of: `chain verify`). */
#define LDG_SMT_LATEST_ONLY 1
void ldg_smt_set_retention(ldg_smt *t, uint64_t blocks);
/* The current root (of the last committed version). */
ldg_hash ldg_smt_root(const ldg_smt *t);

/* Applies a block's sorted write set as version `version` (the current version + 1, or the
 * version given to ldg_smt_open on an empty tree) and gives the new root. The new nodes are staged:
 * ldg_smt_staged lists the tree-family writes (puts; deletes have val NULL) the block's batch must
 * carry; ldg_smt_commit makes the version current once the batch is written or queued;
 * ldg_smt_abandon drops it. Staging again drops an earlier staged version. */
ldg_err ldg_smt_update(ldg_smt *t, uint64_t version, const ldg_write *w, size_t n,
                       ldg_hash *root) LDG_WARN_UNUSED;
size_t ldg_smt_staged(ldg_smt *t, const ldg_write **out);
void ldg_smt_commit(ldg_smt *t);
void ldg_smt_abandon(ldg_smt *t);
/* Versions up to `version` are in the base: their nodes may leave the memory. */
void ldg_smt_stored(ldg_smt *t, uint64_t version);

/* ---- past state (any thread; base = the store's tree family) ---- */

/* The lowest version still readable: LDG_OK; *floor = 0 if nothing was pruned. */
ldg_err ldg_smt_floor(ldg_state_base base, uint64_t *floor) LDG_WARN_UNUSED;
/* The value of state key `key` at version `version`: LDG_OK with *found; *val malloc'd.
 * LDG_ERR_PRUNED: the version is below the retention floor; LDG_ERR_NOT_FOUND: there is no
 * such version (above the tip). */
ldg_err ldg_smt_get_at(ldg_state_base base, uint64_t version, const uint8_t *key, size_t klen,
                       uint8_t **val, size_t *vlen, bool *found) LDG_WARN_UNUSED;
/* Calls fn for every holding of instrument id12 at version, in path order (not account
 * order), until fn returns false: key is the 'b' key, val its value. */
ldg_err ldg_smt_register_at(ldg_state_base base, uint64_t version, const uint8_t id12[12],
                            bool (*fn)(void *arg, const uint8_t *key, size_t klen,
                                       const uint8_t *val, size_t vlen),
                            void *arg) LDG_WARN_UNUSED;

/* ---- proofs (specs/state.md §5.5) ---- */

/* One segment: from a terminal slot up to a root, in one tree. */
typedef struct ldg_smt_seg {
    uint8_t depth; /* internal nodes above the terminal slot (0..64) */
    uint8_t term;  /* LDG_SMT_TERM_* */
    /* LDG_SMT_TERM_OTHER: the leaf found in the key's place, with another path. */
    uint8_t other_kind; /* LDG_SMT_LEAF_* */
    ldg_hash other_path;
    ldg_hash other_a;   /* value hash (plain, holding) or register root (register) */
    uint64_t other_sum; /* amount (holding) or total (register) */
    /* Siblings bottom-up, 4 per internal node: bit i of bitmap set = sibling i is not
     * empty and is the next of sib[] (and sums[] in a register). */
    uint8_t bitmap[LDG_SMT_DEPTH_MAX * 4 / 8];
    uint16_t sib_count;
    ldg_hash sib[LDG_SMT_DEPTH_MAX * 4];
    uint64_t sums[LDG_SMT_DEPTH_MAX * 4];
} ldg_smt_seg;

enum { LDG_SMT_TERM_LEAF = 0, LDG_SMT_TERM_EMPTY = 1, LDG_SMT_TERM_OTHER = 2 };
enum { LDG_SMT_LEAF_PLAIN = 0, LDG_SMT_LEAF_REGISTER = 1, LDG_SMT_LEAF_HOLDING = 2 };

typedef struct ldg_smt_proof {
    bool has_register; /* a holding key whose instrument has a register: reg is set */
    ldg_smt_seg reg;   /* the holding in its register (sum tree) */
    /* The register's root and total as G holds them: set by ldg_smt_prove for
     * the caller, not encoded (a verifier derives them from reg) nor read by verify. */
    ldg_hash reg_root;
    uint64_t reg_total;
    /* The key in the plain tree P, or a holding's register leaf in the registers tree G. */
    ldg_smt_seg main;
    ldg_hash other_root; /* the root hash of the other tree (G for a plain key, else P) */
} ldg_smt_proof;

/* Proves key at version: the value (if found; *val malloc'd) and the proof. Errors as
 * ldg_smt_get_at. */
ldg_err ldg_smt_prove(ldg_state_base base, uint64_t version, const uint8_t *key, size_t klen,
                      ldg_smt_proof *proof, uint8_t **val, size_t *vlen,
                      bool *found) LDG_WARN_UNUSED;
/* Checks that under state root `root`, key holds val (val NULL: is absent). For a holding
 * key with a register, *total (if given) is the register's proven total; *has_total says
 * whether there was one. LDG_ERR_INVALID with a sentence in why if not. */
ldg_err ldg_smt_verify(const ldg_hash *root, const uint8_t *key, size_t klen, const uint8_t *val,
                       size_t vlen, const ldg_smt_proof *proof, bool *has_total, uint64_t *total,
                       char *why, size_t why_len) LDG_WARN_UNUSED;
/* The proof's canonical bytes (specs/state.md §5.5) and back; decode refuses anything
 * non-canonical or out of range with LDG_ERR_DECODE, and a proof of another version (an
 * array whose first element is another integer) with LDG_ERR_INVALID. */
#define LDG_SMT_PROOF_VERSION 3
void ldg_smt_proof_encode(ldg_enc *e, const ldg_smt_proof *p);
ldg_err ldg_smt_proof_decode(ldg_smt_proof *p, const uint8_t *data, size_t len) LDG_WARN_UNUSED;

/* The path of a state key: TH("folio/smt/key", key). */
void ldg_smt_path(ldg_hash *out, const uint8_t *key, size_t klen);

/* One block on an in-memory tree (chain verify, tests): its root, its nodes applied to kv
 * (the tree's base) and committed. With ldg_smt_disabled, the write-set chain's root
 * (ldg_state_root over prev). */
ldg_err ldg_smt_step_mem(ldg_smt *t, ldg_memkv *kv, const ldg_hash *prev, uint64_t version,
                         const ldg_write *w, size_t n, ldg_hash *root) LDG_WARN_UNUSED;

/* The old write-set chain (ldg_state_root) instead of the tree: for the benchmark's
 * baseline only (FOLIO_STATE_ROOT=chain). A chain's nodes must all agree. */
bool ldg_smt_disabled(void);

/* ---- state sync (specs/sync.md §3) ---- */

/* A plain or holding key's leaf: its hash, sum (a holding's amount, else 0) and path. */
void ldg_smt_leaf_of(ldg_hash *hash, uint64_t *sum, ldg_hash *path, const uint8_t *key, size_t klen,
                     const uint8_t *val, size_t vlen);
/* A register leaf of id12 with register root `root` and total: its hash and path. */
void ldg_smt_register_leaf(ldg_hash *hash, ldg_hash *path, const uint8_t *id12,
                           const ldg_hash *root, uint64_t total);
/* An internal node's hash and sum from its 16 slots (empty: zero hash, sum 0) as in
 * specs/state.md §5.2. False if the sums overflow. */
bool ldg_smt_node_of(bool sum_tree, const ldg_hash h[16], const uint64_t s[16], ldg_hash *out,
                     uint64_t *sum);

enum { LDG_SMT_SLOT_EMPTY = 0, LDG_SMT_SLOT_INNER = 1, LDG_SMT_SLOT_LEAF = 2 };
typedef struct ldg_smt_slot {
    uint8_t kind; /* LDG_SMT_SLOT_* */
    ldg_hash hash;
    uint64_t sum;
} ldg_smt_slot;

/* A leaf of a subtree: a plain or holding key and value, or (reg) a register leaf: key is
 * id12, val the register root (32 bytes) and vlen its total. False stops. */
typedef bool (*ldg_smt_snap_fn)(void *arg, bool reg, const uint8_t *key, size_t klen,
                                const uint8_t *val, uint64_t vlen);

/* The three kinds of tree: P (plain keys), G (register leaves), the register of an id12. */
enum { LDG_SMT_TREE_PLAIN = 0, LDG_SMT_TREE_REGS = 1, LDG_SMT_TREE_REGISTER = 2 };

/* The state root over the root hashes of P and G: TH("folio/smt/root", P ‖ G). */
void ldg_smt_state_root(ldg_hash *out, const ldg_hash *p, const ldg_hash *g);
/* The root hashes of P and G at version (errors as ldg_smt_get_at). Any thread. */
ldg_err ldg_smt_roots_at(ldg_state_base base, uint64_t version, ldg_hash *p,
                         ldg_hash *g) LDG_WARN_UNUSED;

/* Reads the subtree at nibble depth `depth` below the first `depth` nibbles of prefix, in
 * tree `tree` (LDG_SMT_TREE_*; id12 names the register) at version: *slot is what its parent
 * holds there. If it has at most leaves_max leaves (found within 2·leaves_max internal
 * node reads), calls fn for each in path order; otherwise *split and kids are its 16
 * slots. LDG_ERR_NOT_FOUND: no internal node leads to that depth; LDG_ERR_PRUNED: the
 * version is below the floor. CPU and memory bounded by leaves_max. Any thread. */
ldg_err ldg_smt_snap_read(ldg_state_base base, uint64_t version, uint8_t tree, const uint8_t *id12,
                          unsigned depth, const ldg_hash *prefix, size_t leaves_max,
                          ldg_smt_slot *slot, ldg_smt_slot kids[16], bool *split,
                          ldg_smt_snap_fn fn, void *arg) LDG_WARN_UNUSED;

/* ---- building one version from sorted leaves (state sync, bulk loads) ----
 * A version built bottom-up, every node of it new and of that version: no read of the
 * base, no stale record. The nodes go to put (keys and values of the `tree` family, in the
 * tree's own encodings); what a parent holds of each subtree is its top. */

typedef struct ldg_smt_top {
    uint8_t kind; /* LDG_SMT_SLOT_* */
    ldg_hash hash;
    uint64_t sum;
    ldg_hash path; /* a leaf's */
} ldg_smt_top;

typedef struct ldg_smt_bleaf {
    ldg_hash path, hash;
    uint64_t sum;
    bool reg;                 /* a register leaf (tree G): its node is ldg_smt_bulk_register's */
    const uint8_t *key, *val; /* a plain or holding leaf: its key and value */
    size_t klen, vlen;
} ldg_smt_bleaf;

typedef void (*ldg_smt_put_fn)(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl);

/* A plain or holding leaf from its key and value (ldg_smt_leaf_of); key and val kept. */
void ldg_smt_bleaf_of(ldg_smt_bleaf *l, const uint8_t *key, size_t klen, const uint8_t *val,
                      size_t vlen);
/* The canonical subtree (specs/state.md §5.3) at nibble depth `depth` over l[0..n) (sorted by
 * path, strictly ascending, all under one prefix of `depth` nibbles) in tree `tree`
 * (LDG_SMT_TREE_*; id12 names the register), as of version: its nodes to put, its top in
 * *top. False (nothing meaningful put) if sums overflow or two paths are equal. */
bool ldg_smt_bulk_subtree(uint64_t version, uint8_t tree, const uint8_t *id12, unsigned depth,
                          const ldg_smt_bleaf *l, size_t n, ldg_smt_put_fn put, void *arg,
                          ldg_smt_top *top) LDG_WARN_UNUSED;
/* The internal node at (depth, first depth nibbles of prefix) over its 16 children's tops
 * (kind EMPTY: an empty slot): put, and its top in *top. False if sums overflow, if all 16
 * are empty, or if a lone leaf would sit below it (not canonical). */
bool ldg_smt_bulk_node(uint64_t version, uint8_t tree, const uint8_t *id12, unsigned depth,
                       const ldg_hash *prefix, const ldg_smt_top kids[16], ldg_smt_put_fn put,
                       void *arg, ldg_smt_top *top) LDG_WARN_UNUSED;
/* The registers tree's leaf node of the register of id12, whose root is *root. */
void ldg_smt_bulk_register(uint64_t version, const uint8_t *id12, const ldg_smt_top *root,
                           ldg_smt_put_fn put, void *arg);
/* The root pointer of version: the roots of P and G. */
void ldg_smt_bulk_root(uint64_t version, const ldg_smt_top *p, const ldg_smt_top *g,
                       ldg_smt_put_fn put, void *arg);

#endif
