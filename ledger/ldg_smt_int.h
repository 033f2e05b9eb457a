/* The state tree's private parts, shared by ledger/ldg_smt*.c only (see ldg_smt.h). */
#ifndef LDG_SMT_INT_H
#define LDG_SMT_INT_H

#include "ldg_smt.h"

#include <string.h>

/* ---- node references and keys (local layout, specs/state.md §5.4) ---- */

enum { K_EMPTY = 0, K_INNER = 1, K_LEAF = 2 };

/* A child slot: what a parent holds of a child, enough to hash it and find it. */
typedef struct child {
    uint8_t kind;
    ldg_hash hash;
    uint64_t sum;
    uint64_t version;
    ldg_hash path; /* leaves only */
} child;

/* tree id: 0^13 (the plain tree P), 0x02 ‖ 0^12 (the registers tree G) or 0x01 ‖ id12 (the
 * register of id12); in keys 00, 02 or 01 ‖ id12 */
#define TID_LEN 13
/* be64 version ‖ 'I' ‖ tid ‖ depth ‖ the prefix's ⌈depth/2⌉ bytes, at most: */
#define INODE_KEY_MAX (8 + 1 + TID_LEN + 1 + 32)
#define LEAF_KEY_MAX (8 + 1 + TID_LEN + 32) /* be64 version ‖ 'L' ‖ tid ‖ path */
#define NODE_KEY_MAX INODE_KEY_MAX
#define VARINT_MAX 10 /* an unsigned LEB128 of 64 bits */
#define CHILD_ENC_LEN (1 + 32 + 8 + 8 + 32)
#define ROOT_KEY 'R' /* be64(version) ‖ 'R' → P's root slot ‖ G's root slot */
#define ROOT_ENC_LEN (2 * CHILD_ENC_LEN)
#define STALE_KEY 'S' /* be64(since) ‖ 'S' → (u8 klen ‖ node key)*: replaced at `since` */
#define FLOOR_KEY 'F' /* 'F' → be64: the lowest version still readable */

static inline void put_be64(uint8_t *o, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        o[i] = (uint8_t)(v >> (56 - 8 * i));
}

static inline uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* Unsigned LEB128 (7 bits a byte, least significant first): a child's version delta and a
 * register child's sum in an internal node. */
static inline size_t put_uvarint(uint8_t *o, uint64_t v)
{
    size_t n = 0;
    for (; v >= 0x80; v >>= 7)
        o[n++] = (uint8_t)(v | 0x80);
    o[n++] = (uint8_t)v;
    return n;
}

static inline size_t uvarint_len(uint64_t v)
{
    size_t n = 1;
    for (; v >= 0x80; v >>= 7)
        n++;
    return n;
}

/* The minimal LEB128 at p[0..len): its length, or 0 if truncated, overlong or past 2^64. */
static inline size_t get_uvarint(const uint8_t *p, size_t len, uint64_t *v)
{
    *v = 0;
    for (size_t i = 0; i < len && i < VARINT_MAX; i++) {
        uint64_t g = p[i] & 0x7f;
        if (i == 9 && g > 1)
            return 0;
        *v |= g << (7 * i);
        if (!(p[i] & 0x80))
            return i > 0 && p[i] == 0 ? 0 : i + 1;
    }
    return 0;
}

/* A version's own row (root, stale list): be64(version) ‖ kind, beside its nodes. */
static inline void version_key(uint8_t k[9], uint64_t version, uint8_t kind)
{
    put_be64(k, version);
    k[8] = kind;
}

static inline unsigned nib(const ldg_hash *p, unsigned depth)
{
    uint8_t b = p->b[depth / 2];
    return depth % 2 ? b & 15 : b >> 4;
}

static inline void tid_main(uint8_t tid[TID_LEN])
{
    memset(tid, 0, TID_LEN);
}

static inline void tid_regs(uint8_t tid[TID_LEN])
{
    memset(tid, 0, TID_LEN);
    tid[0] = 2;
}

static inline void tid_register(uint8_t tid[TID_LEN], const uint8_t *id12)
{
    tid[0] = 1;
    memcpy(tid + 1, id12, LDG_SMT_ID_LEN);
}

/* An internal node's hash: the 4-level binary tree over its 16 slots. lv[k][i] is the
 * hash of the i-th subtree at level k (level 0: the slots), for proofs. Overflowing sums
 * saturate (an honest register cannot overflow: it sums to a supply). */
typedef struct binlevels {
    ldg_hash h[5][16];
    uint64_t s[5][16];
} binlevels;

typedef struct nent {
    uint8_t *v;       /* key (klen) then value, one malloc */
    uint64_t version; /* of a node the tree wrote: it must stay while version > stored */
    uint32_t vlen;
    uint32_t h; /* the key's hash: most mismatches are told without reading v */
    uint8_t klen;
} nent;

/* Entries the tree wrote (version > 0) of a version above `stored` are not yet in the base
 * and must stay; stored moves up once their write is done, unpinning them all at once. */
typedef struct ncache {
    nent *slots;
    size_t cap, count, bytes;
    uint64_t stored;
} ncache;

/* The staged version's bytes: chunks that never move (ldg_smt_staged hands out pointers). */
typedef struct achunk {
    struct achunk *next;
    size_t used, cap;
    uint8_t b[];
} achunk;

typedef struct staged {
    uint8_t *k, *v; /* v NULL: a delete */
    size_t kl, vl;
    uint64_t version; /* of the node (puts of nodes), for the cache */
    bool node;        /* for the node cache once committed: what the update reads (internal nodes,
                         register leaves) */
} staged;

struct ldg_smt {
    ldg_state_base base;
    ncache cache;
    child root;         /* current: the plain tree P */
    child groot;        /* current: the registers tree G */
    uint64_t version;   /* current */
    bool empty;         /* no version yet */
    uint64_t retain;    /* 0: keep all */
    staged *st;         /* the staged version's writes */
    achunk *arena;      /* their keys and values */
    achunk *arena_free; /* chunks of earlier versions, to reuse */
    size_t st_n, st_cap;
    ldg_write *st_w; /* the same as ldg_write, for ldg_smt_staged, in key order */
    staged **st_ord; /* the order */
    size_t st_w_cap;
    uint8_t *stale; /* the staged version's replaced nodes: (u8 klen ‖ key)* */
    size_t stale_n, stale_cap;
    child st_root, st_groot;
    uint64_t st_version;
    bool st_on;
};

/* One update to a tree: a path and the leaf to put there (or a delete). */
typedef struct op {
    ldg_hash path;
    bool del;
    uint8_t lkind; /* LDG_SMT_LEAF_* */
    ldg_hash leaf_hash;
    uint64_t sum;
    const uint8_t *key, *val; /* plain and holding: the state key and value */
    size_t klen, vlen;
    const uint8_t *id12; /* register */
    child sroot;         /* register: its root */
} op;

typedef struct upd {
    ldg_smt *t;
    const uint8_t *tid;
    bool sum_tree;
} upd;

/* A walk to path's slot: the internal nodes passed (their children) and the terminal. */
typedef struct walk {
    unsigned depth;
    child term;
    child (*nodes)[16]; /* LDG_SMT_DEPTH_MAX rows when proving, else NULL */
} walk;

/* ---- node codec and hashing (ldg_smt_node.c) ---- */

size_t smt_inode_key(uint8_t *k, const uint8_t *tid, unsigned depth, const ldg_hash *path,
                     uint64_t version);
size_t smt_leaf_key(uint8_t *k, const uint8_t *tid, const ldg_hash *path, uint64_t version);
void smt_child_encode(uint8_t *o, const child *c);
bool smt_child_decode(child *c, const uint8_t *p, size_t n);
void smt_register_path(ldg_hash *out, const uint8_t *id12);
bool smt_is_zero(const ldg_hash *h);
uint64_t smt_holding_amount(const uint8_t *v, size_t n);
void smt_plain_leaf_hash(ldg_hash *out, const ldg_hash *path, const ldg_hash *vh);
void smt_holding_leaf_hash(ldg_hash *out, const ldg_hash *path, const ldg_hash *vh,
                           uint64_t amount);
void smt_register_leaf_hash(ldg_hash *out, const ldg_hash *rpath, const ldg_hash *sroot,
                            uint64_t total);
bool smt_combine(bool sum_tree, const ldg_hash *l, uint64_t ls, const ldg_hash *r, uint64_t rs,
                 ldg_hash *out, uint64_t *os);
void smt_node_hash(bool sum_tree, const child *c, binlevels *lv, ldg_hash *out, uint64_t *sum);
/* The bytes smt_inode_encode writes for children c. */
size_t smt_inode_size(const child *c, bool sum_tree, uint64_t version);
/* An internal node of version `version` (its children's versions are at most that). */
size_t smt_inode_encode(uint8_t *o, const child *c, bool sum_tree, uint64_t version);
bool smt_inode_decode(child *c, const uint8_t *p, size_t len, bool sum_tree, uint64_t version);
/* Leaf nodes: a plain or holding key's, a register's (the leaf of id12 in G). */
#define REG_LEAF_ENC_LEN (1 + LDG_SMT_ID_LEN + CHILD_ENC_LEN)
size_t smt_leaf_size(size_t klen, size_t vlen);
size_t smt_leaf_encode(uint8_t *o, const uint8_t *key, size_t klen, const uint8_t *val,
                       size_t vlen);
size_t smt_register_leaf_encode(uint8_t *o, const uint8_t *id12, const child *sroot);
ldg_hash smt_root_hash(const child *r);
/* The state root: TH("folio/smt/root", P ‖ G) over the two trees' root slots. */
ldg_hash smt_state_root(const child *p, const child *g);
void smt_plain_op(op *o, const ldg_write *w);

/* ---- the node cache (ldg_smt_cache.c) ---- */

nent *smt_cache_slot(ncache *c, const uint8_t *k, size_t kl);
void smt_cache_grow(ncache *c);
/* version: of a node the tree wrote (kept while not stored), or 0: one read from the base. */
void smt_cache_put(ncache *c, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                   uint64_t version);
void smt_cache_trim(ncache *c);
void smt_cache_free(ncache *c);
ldg_err smt_base_get(ldg_state_base *b, const uint8_t *k, size_t kl, uint8_t **v, size_t *vl);
ldg_err smt_node_get(ldg_smt *t, ldg_state_base *b, const uint8_t *k, size_t kl, uint8_t **v,
                     size_t *vl);
ldg_err smt_read_inode(ldg_smt *t, ldg_state_base *b, const uint8_t *tid, unsigned depth,
                       const ldg_hash *path, uint64_t version, child out[16]);

/* ---- staging (ldg_smt.c) ---- */

void smt_stage(ldg_smt *t, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, bool node,
               uint64_t version);

/* ---- pruning (ldg_smt_prune.c) ---- */

/* Stages the deletes of what fell out of the retention window at version v: the nodes
 * replaced at the new floor, their stale record and the root pointer below it. */
ldg_err smt_stage_prune(ldg_smt *t, uint64_t v);

/* ---- walking down (ldg_smt_read.c) ---- */

ldg_err smt_read_root(ldg_state_base *b, uint64_t version, child *p, child *g);
ldg_err smt_walk_down(ldg_smt *t, ldg_state_base *b, const uint8_t *tid, const child *root,
                      const ldg_hash *path, walk *w);
/* The register leaf of id12 in the registers tree of root groot (K_EMPTY child if none). */
ldg_err smt_find_register(ldg_smt *t, const child *groot, const uint8_t *id12, child *sroot);
/* The roots (P, G) at version: LDG_ERR_PRUNED below the floor, LDG_ERR_NOT_FOUND above the
 * tip. */
ldg_err smt_root_at(ldg_state_base *b, uint64_t version, child *p, child *g);
ldg_err smt_read_leaf(ldg_state_base *b, const uint8_t *tid, const child *c, const uint8_t *key,
                      size_t klen, uint8_t **val, size_t *vlen);
ldg_err smt_locate(ldg_state_base *b, const child *proot, const child *groot, const uint8_t *key,
                   size_t klen, uint8_t *tid, child *root, bool *none);

#endif
