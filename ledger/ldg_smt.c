/* The state tree: see ldg_smt.h and specs/state.md §5 (hashing, node layout, proofs). */
#include "ldg_smt.h"

#include <stdio.h>
#include <stdlib.h>
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

#define TID_LEN 13 /* tree id: 0^13 (main) or 0x01 ‖ id12 (register) */
#define INODE_KEY_LEN (1 + TID_LEN + 1 + 32 + 8) /* 'I' ‖ tid ‖ depth ‖ prefix ‖ be64 version */
#define LEAF_KEY_LEN (1 + TID_LEN + 32 + 8)      /* 'L' ‖ tid ‖ path ‖ be64 version */
#define NODE_KEY_MAX INODE_KEY_LEN
#define CHILD_ENC_LEN (1 + 32 + 8 + 8 + 32)
#define ROOT_KEY 'R'  /* 'R' ‖ be64(version) → the main root's child encoding */
#define STALE_KEY 'S' /* 'S' ‖ be64(since) → (u8 klen ‖ node key)*: replaced at `since` */
#define FLOOR_KEY 'F' /* 'F' → be64: the lowest version still readable */

static void put_be64(uint8_t *o, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        o[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static unsigned nib(const ldg_hash *p, unsigned depth)
{
    uint8_t b = p->b[depth / 2];
    return depth % 2 ? b & 15 : b >> 4;
}

static void tid_main(uint8_t tid[TID_LEN])
{
    memset(tid, 0, TID_LEN);
}

static void tid_register(uint8_t tid[TID_LEN], const uint8_t *id12)
{
    tid[0] = 1;
    memcpy(tid + 1, id12, LDG_SMT_ID_LEN);
}

static size_t inode_key(uint8_t *k, const uint8_t *tid, unsigned depth, const ldg_hash *path,
                        uint64_t version)
{
    k[0] = 'I';
    memcpy(k + 1, tid, TID_LEN);
    k[1 + TID_LEN] = (uint8_t)depth;
    uint8_t *pre = k + 2 + TID_LEN;
    memset(pre, 0, 32);
    memcpy(pre, path->b, depth / 2);
    if (depth % 2)
        pre[depth / 2] = path->b[depth / 2] & 0xf0;
    put_be64(pre + 32, version);
    return INODE_KEY_LEN;
}

static size_t leaf_key(uint8_t *k, const uint8_t *tid, const ldg_hash *path, uint64_t version)
{
    k[0] = 'L';
    memcpy(k + 1, tid, TID_LEN);
    memcpy(k + 1 + TID_LEN, path->b, 32);
    put_be64(k + 1 + TID_LEN + 32, version);
    return LEAF_KEY_LEN;
}

static void child_encode(uint8_t *o, const child *c)
{
    o[0] = c->kind;
    memcpy(o + 1, c->hash.b, 32);
    put_be64(o + 33, c->sum);
    put_be64(o + 41, c->version);
    memcpy(o + 49, c->path.b, 32);
}

static bool child_decode(child *c, const uint8_t *p, size_t n)
{
    if (n != CHILD_ENC_LEN || p[0] > K_LEAF)
        return false;
    c->kind = p[0];
    memcpy(c->hash.b, p + 1, 32);
    c->sum = get_be64(p + 33);
    c->version = get_be64(p + 41);
    memcpy(c->path.b, p + 49, 32);
    return true;
}

/* ---- hashing (normative: specs/state.md §5.2) ---- */

void ldg_smt_path(ldg_hash *out, const uint8_t *key, size_t klen)
{
    ldg_tagged_hash(out, LDG_TAG_SMT_KEY, key, klen);
}

static void register_path(ldg_hash *out, const uint8_t *id12)
{
    ldg_tagged_hash(out, LDG_TAG_SMT_REGPATH, id12, LDG_SMT_ID_LEN);
}

static bool is_zero(const ldg_hash *h)
{
    static const ldg_hash zero;
    return memcmp(h->b, zero.b, LDG_HASH_LEN) == 0;
}

/* The amount a holding value counts for: the canonical u64 it holds, else 0. */
static uint64_t holding_amount(const uint8_t *v, size_t n)
{
    if (n == 1 && v[0] < 0x80)
        return v[0];
    size_t w = n == 2 && v[0] == 0xcc   ? 1
               : n == 3 && v[0] == 0xcd ? 2
               : n == 5 && v[0] == 0xce ? 4
               : n == 9 && v[0] == 0xcf ? 8
                                        : 0;
    if (!w)
        return 0;
    uint64_t a = 0;
    for (size_t i = 1; i <= w; i++)
        a = a << 8 | v[i];
    /* canonical: the shortest form only */
    uint64_t lo = w == 1 ? 0x80 : w == 2 ? 0x100 : w == 4 ? 0x10000 : 0x100000000ull;
    return a >= lo ? a : 0;
}

static void plain_leaf_hash(ldg_hash *out, const ldg_hash *path, const ldg_hash *vh)
{
    uint8_t buf[64];
    memcpy(buf, path->b, 32);
    memcpy(buf + 32, vh->b, 32);
    ldg_tagged_hash(out, LDG_TAG_SMT_LEAF, buf, sizeof buf);
}

static void holding_leaf_hash(ldg_hash *out, const ldg_hash *path, const ldg_hash *vh,
                              uint64_t amount)
{
    uint8_t buf[72];
    memcpy(buf, path->b, 32);
    memcpy(buf + 32, vh->b, 32);
    put_be64(buf + 64, amount);
    ldg_tagged_hash(out, LDG_TAG_SUM_LEAF, buf, sizeof buf);
}

static void register_leaf_hash(ldg_hash *out, const ldg_hash *rpath, const ldg_hash *sroot,
                               uint64_t total)
{
    uint8_t buf[72];
    memcpy(buf, rpath->b, 32);
    memcpy(buf + 32, sroot->b, 32);
    put_be64(buf + 64, total);
    ldg_tagged_hash(out, LDG_TAG_SMT_REGISTER, buf, sizeof buf);
}

/* One binary step: empty ‖ empty is empty; sums add (false on overflow). */
static bool combine(bool sum_tree, const ldg_hash *l, uint64_t ls, const ldg_hash *r, uint64_t rs,
                    ldg_hash *out, uint64_t *os)
{
    if (is_zero(l) && is_zero(r) && ls == 0 && rs == 0) {
        memset(out, 0, sizeof *out);
        *os = 0;
        return true;
    }
    if (!sum_tree) {
        uint8_t buf[64];
        memcpy(buf, l->b, 32);
        memcpy(buf + 32, r->b, 32);
        ldg_tagged_hash(out, LDG_TAG_SMT_INNER, buf, sizeof buf);
        *os = 0;
        return true;
    }
    uint8_t buf[80];
    memcpy(buf, l->b, 32);
    put_be64(buf + 32, ls);
    memcpy(buf + 40, r->b, 32);
    put_be64(buf + 72, rs);
    ldg_tagged_hash(out, LDG_TAG_SUM_INNER, buf, sizeof buf);
    *os = ls + rs;
    return *os >= ls;
}

/* An internal node's hash: the 4-level binary tree over its 16 slots. lv[k][i] is the
 * hash of the i-th subtree at level k (level 0: the slots), for proofs. Overflowing sums
 * saturate (an honest register cannot overflow: it sums to a supply). */
typedef struct binlevels {
    ldg_hash h[5][16];
    uint64_t s[5][16];
} binlevels;

static void node_hash(bool sum_tree, const child *c, binlevels *lv, ldg_hash *out, uint64_t *sum)
{
    for (int i = 0; i < 16; i++) {
        lv->h[0][i] = c[i].kind == K_EMPTY ? (ldg_hash){{0}} : c[i].hash;
        lv->s[0][i] = c[i].kind == K_EMPTY ? 0 : c[i].sum;
    }
    for (int k = 1; k <= 4; k++)
        for (int i = 0; i < 16 >> k; i++)
            if (!combine(sum_tree, &lv->h[k - 1][2 * i], lv->s[k - 1][2 * i],
                         &lv->h[k - 1][2 * i + 1], lv->s[k - 1][2 * i + 1], &lv->h[k][i],
                         &lv->s[k][i]))
                lv->s[k][i] = UINT64_MAX;
    *out = lv->h[4][0];
    *sum = lv->s[4][0];
}

/* ---- node encodings (local) ----
 * internal: 0x01 ‖ be16 present ‖ be16 leaves ‖ per present slot: hash ‖ be64 version ‖
 *           (register: be64 sum) ‖ (leaf: path); the main tree's sums are all 0
 * leaf:     0x02 ‖ be16 klen ‖ key ‖ value
 * register: 0x03 ‖ id12 ‖ child encoding of the register's root */

static size_t inode_encode(uint8_t *o, const child *c, bool sum_tree)
{
    uint16_t present = 0, leaves = 0;
    size_t n = 5;
    for (int i = 0; i < 16; i++) {
        if (c[i].kind == K_EMPTY)
            continue;
        present |= (uint16_t)(1u << i);
        memcpy(o + n, c[i].hash.b, 32);
        put_be64(o + n + 32, c[i].version);
        n += 40;
        if (sum_tree) {
            put_be64(o + n, c[i].sum);
            n += 8;
        }
        if (c[i].kind == K_LEAF) {
            leaves |= (uint16_t)(1u << i);
            memcpy(o + n, c[i].path.b, 32);
            n += 32;
        }
    }
    o[0] = 1;
    o[1] = (uint8_t)(present >> 8), o[2] = (uint8_t)present;
    o[3] = (uint8_t)(leaves >> 8), o[4] = (uint8_t)leaves;
    return n;
}

static bool inode_decode(child *c, const uint8_t *p, size_t len, bool sum_tree)
{
    memset(c, 0, 16 * sizeof *c);
    if (len < 5 || p[0] != 1)
        return false;
    unsigned present = (unsigned)p[1] << 8 | p[2], leaves = (unsigned)p[3] << 8 | p[4];
    size_t n = 5;
    for (int i = 0; i < 16; i++) {
        if (!(present >> i & 1))
            continue;
        bool leaf = leaves >> i & 1;
        if (n + 40 + (sum_tree ? 8 : 0) + (leaf ? 32 : 0) > len)
            return false;
        c[i].kind = leaf ? K_LEAF : K_INNER;
        memcpy(c[i].hash.b, p + n, 32);
        c[i].version = get_be64(p + n + 32);
        n += 40;
        if (sum_tree) {
            c[i].sum = get_be64(p + n);
            n += 8;
        }
        if (leaf) {
            memcpy(c[i].path.b, p + n, 32);
            n += 32;
        }
    }
    return n == len;
}

/* ---- the node cache: node key → encoded node (nodes are immutable) ---- */

typedef struct nent {
    uint8_t *v; /* key (klen) then value, one malloc */
    uint64_t version;
    uint32_t vlen;
    uint32_t h; /* the key's hash: most mismatches are told without reading v */
    uint8_t klen;
    bool pinned; /* of a version not yet stored: must stay */
} nent;

/* A pinned entry, to unpin once its version is stored without scanning the table. */
typedef struct npin {
    uint64_t version;
    uint8_t klen;
    uint8_t key[NODE_KEY_MAX];
} npin;

typedef struct ncache {
    nent *slots;
    size_t cap, count, bytes;
    npin *pins;
    size_t pin_n, pin_cap;
} ncache;

/* 64-bit multiply-xorshift over the key's 8-byte words (node keys differ mostly in their
 * last bytes: the version and the prefix). */
static uint64_t key_hash(const uint8_t *k, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, k + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    for (; i < n; i++)
        h = (h ^ k[i]) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    return h ^ h >> 29;
}

static nent *cache_slot_h(ncache *c, const uint8_t *k, size_t kl, uint64_t hash)
{
    size_t m = c->cap - 1, i = hash & m;
    uint32_t h = (uint32_t)(hash >> 32);
    while (c->slots[i].v &&
           (c->slots[i].h != h || c->slots[i].klen != kl || memcmp(c->slots[i].v, k, kl)))
        i = (i + 1) & m;
    return &c->slots[i];
}

static nent *cache_slot(ncache *c, const uint8_t *k, size_t kl)
{
    return cache_slot_h(c, k, kl, key_hash(k, kl));
}

static void cache_grow(ncache *c)
{
    ncache old = *c;
    c->cap = old.cap ? old.cap * 2 : 4096;
    c->slots = calloc(c->cap, sizeof *c->slots);
    LDG_ASSERT(c->slots);
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].v)
            *cache_slot(c, old.slots[i].v, old.slots[i].klen) = old.slots[i];
    free(old.slots);
}

static void cache_put(ncache *c, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                      bool pinned, uint64_t version)
{
    LDG_ASSERT(kl <= NODE_KEY_MAX);
    if ((c->count + 1) * 2 > c->cap)
        cache_grow(c);
    nent *e = cache_slot(c, k, kl);
    if (pinned) {
        if (c->pin_n == c->pin_cap) {
            c->pin_cap = c->pin_cap ? 2 * c->pin_cap : 1024;
            c->pins = realloc(c->pins, c->pin_cap * sizeof *c->pins);
            LDG_ASSERT(c->pins);
        }
        npin *p = &c->pins[c->pin_n++];
        p->version = version;
        p->klen = (uint8_t)kl;
        memcpy(p->key, k, kl);
    }
    if (e->v) {
        e->pinned |= pinned;
        return;
    }
    e->v = malloc(kl + vl + 1);
    LDG_ASSERT(e->v);
    memcpy(e->v, k, kl);
    memcpy(e->v + kl, v, vl);
    e->h = (uint32_t)(key_hash(k, kl) >> 32);
    e->klen = (uint8_t)kl;
    e->vlen = (uint32_t)vl;
    e->pinned = pinned;
    e->version = version;
    c->count++;
    c->bytes += kl + vl + sizeof *e;
}

/* Drops every entry not pinned. */
static void cache_trim(ncache *c)
{
    ncache old = *c;
    memset(c, 0, sizeof *c);
    c->pins = old.pins, c->pin_n = old.pin_n, c->pin_cap = old.pin_cap;
    c->cap = old.cap;
    c->slots = calloc(c->cap, sizeof *c->slots);
    LDG_ASSERT(c->slots);
    for (size_t i = 0; i < old.cap; i++) {
        nent *e = &old.slots[i];
        if (!e->v)
            continue;
        if (!e->pinned) {
            free(e->v);
            continue;
        }
        *cache_slot(c, e->v, e->klen) = *e;
        c->count++;
        c->bytes += e->klen + e->vlen + sizeof *e;
    }
    free(old.slots);
}

static void cache_free(ncache *c)
{
    for (size_t i = 0; i < c->cap; i++)
        free(c->slots[i].v);
    free(c->slots);
    free(c->pins);
    memset(c, 0, sizeof *c);
}

/* ---- the tree ---- */

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
    bool node;
} staged;

struct ldg_smt {
    ldg_state_base base;
    ncache cache;
    child root;       /* current */
    uint64_t version; /* current */
    bool empty;       /* no version yet */
    uint64_t retain;  /* 0: keep all */
    staged *st;       /* the staged version's writes */
    achunk *arena;    /* their keys and values */
    size_t st_n, st_cap;
    ldg_write *st_w; /* the same as ldg_write, for ldg_smt_staged */
    size_t st_w_cap;
    uint8_t *stale; /* the staged version's replaced nodes: (u8 klen ‖ key)* */
    size_t stale_n, stale_cap;
    child st_root;
    uint64_t st_version;
    bool st_on;
};

static ldg_err base_get(ldg_state_base *b, const uint8_t *k, size_t kl, uint8_t **v, size_t *vl)
{
    return b->get(b->arg, k, kl, v, vl);
}

/* Reads a node through the cache (t may be NULL: straight from the base). *v is malloc'd. */
static ldg_err node_get(ldg_smt *t, ldg_state_base *b, const uint8_t *k, size_t kl, uint8_t **v,
                        size_t *vl)
{
    if (t && t->cache.cap) {
        nent *e = cache_slot(&t->cache, k, kl);
        if (e->v) {
            *v = malloc(e->vlen + 1);
            LDG_ASSERT(*v);
            memcpy(*v, e->v + kl, e->vlen);
            *vl = e->vlen;
            return LDG_OK;
        }
    }
    ldg_err err = base_get(b, k, kl, v, vl);
    if (err == LDG_ERR_NOT_FOUND)
        return LDG_ERR_CORRUPT; /* a child a parent names must exist */
    if (err == LDG_OK && t && t->cache.cap) {
        if (t->cache.bytes > LDG_SMT_CACHE_BYTES)
            cache_trim(&t->cache);
        cache_put(&t->cache, k, kl, *v, *vl, false, 0);
    }
    return err;
}

static ldg_err read_inode(ldg_smt *t, ldg_state_base *b, const uint8_t *tid, unsigned depth,
                          const ldg_hash *path, uint64_t version, child out[16])
{
    uint8_t k[NODE_KEY_MAX];
    size_t kl = inode_key(k, tid, depth, path, version);
    if (t && t->cache.cap) { /* decoded in place: no copy of a cached node */
        nent *e = cache_slot(&t->cache, k, kl);
        if (e->v)
            return inode_decode(out, e->v + kl, e->vlen, tid[0] != 0) ? LDG_OK : LDG_ERR_CORRUPT;
    }
    uint8_t *v;
    size_t vl;
    ldg_err err = node_get(t, b, k, kl, &v, &vl);
    if (err != LDG_OK)
        return err;
    bool ok = inode_decode(out, v, vl, tid[0] != 0); /* tid 01 ‖ id12: a register */
    free(v);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

#define ARENA_CHUNK (1u << 20)

static uint8_t *arena_alloc(ldg_smt *t, size_t n)
{
    achunk *a = t->arena;
    if (!a || a->used + n > a->cap) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        achunk *c = malloc(sizeof *c + cap);
        LDG_ASSERT(c);
        *c = (achunk){.next = a, .cap = cap};
        t->arena = a = c;
    }
    uint8_t *p = a->b + a->used;
    a->used += n;
    return p;
}

/* Empties the arena, keeping one chunk for the next version. */
static void arena_clear(ldg_smt *t)
{
    achunk *a = t->arena;
    if (!a)
        return;
    for (achunk *n = a->next, *next; n; n = next) {
        next = n->next;
        free(n);
    }
    a->next = NULL;
    a->used = 0;
}

/* Stages a put of key k whose vl value bytes the caller writes at the pointer returned
 * (in the arena: no allocation of its own); del: a delete (NULL returned). */
static uint8_t *stage_put(ldg_smt *t, const uint8_t *k, size_t kl, size_t vl, bool del, bool node,
                          uint64_t version)
{
    if (t->st_n == t->st_cap) {
        t->st_cap = t->st_cap ? t->st_cap * 2 : 1024;
        t->st = realloc(t->st, t->st_cap * sizeof *t->st);
        LDG_ASSERT(t->st);
    }
    staged *s = &t->st[t->st_n++];
    s->k = arena_alloc(t, kl);
    memcpy(s->k, k, kl);
    s->kl = kl;
    s->v = del ? NULL : arena_alloc(t, vl + 1);
    s->vl = vl;
    s->node = node;
    s->version = version;
    return s->v;
}

static void stage(ldg_smt *t, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, bool node,
                  uint64_t version)
{
    uint8_t *o = stage_put(t, k, kl, vl, v == NULL, node, version);
    if (v && vl)
        memcpy(o, v, vl);
}

/* A node replaced by the staged version: deleted at once when no one reads the past, else
 * listed in the version's one stale record (staged by stage_stale_list) for pruning. */
static void stage_stale(ldg_smt *t, const uint8_t *nk, size_t nkl)
{
    if (t->retain == LDG_SMT_LATEST_ONLY) {
        stage(t, nk, nkl, NULL, 0, false, 0);
        return;
    }
    if (t->stale_n + 1 + nkl > t->stale_cap) {
        t->stale_cap = t->stale_cap ? 2 * t->stale_cap : 64 * 1024;
        t->stale = realloc(t->stale, t->stale_cap);
        LDG_ASSERT(t->stale);
    }
    t->stale[t->stale_n] = (uint8_t)nkl;
    memcpy(t->stale + t->stale_n + 1, nk, nkl);
    t->stale_n += 1 + nkl;
}

static void stage_stale_list(ldg_smt *t)
{
    if (!t->stale_n)
        return;
    uint8_t k[9] = {STALE_KEY};
    put_be64(k + 1, t->st_version);
    stage(t, k, sizeof k, t->stale, t->stale_n, false, 0);
}

static void staged_clear(ldg_smt *t)
{
    arena_clear(t);
    t->st_n = 0;
    t->stale_n = 0;
    t->st_on = false;
}

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

static void stale_child(upd *u, const child *c, unsigned depth)
{
    uint8_t k[NODE_KEY_MAX];
    size_t kl = c->kind == K_LEAF ? leaf_key(k, u->tid, &c->path, c->version)
                                  : inode_key(k, u->tid, depth, &c->path, c->version);
    stage_stale(u->t, k, kl);
}

static void write_leaf(upd *u, const op *o, child *out)
{
    ldg_smt *t = u->t;
    *out = (child){.kind = K_LEAF,
                   .hash = o->leaf_hash,
                   .sum = o->sum,
                   .version = t->st_version,
                   .path = o->path};
    uint8_t k[NODE_KEY_MAX];
    size_t kl = leaf_key(k, u->tid, &o->path, t->st_version);
    if (o->lkind == LDG_SMT_LEAF_REGISTER) {
        uint8_t v[1 + LDG_SMT_ID_LEN + CHILD_ENC_LEN];
        v[0] = 3;
        memcpy(v + 1, o->id12, LDG_SMT_ID_LEN);
        child_encode(v + 1 + LDG_SMT_ID_LEN, &o->sroot);
        stage(t, k, kl, v, sizeof v, true, t->st_version);
        return;
    }
    uint8_t *v = stage_put(t, k, kl, 3 + o->klen + o->vlen, false, true, t->st_version);
    v[0] = 2;
    v[1] = (uint8_t)(o->klen >> 8), v[2] = (uint8_t)o->klen;
    memcpy(v + 3, o->key, o->klen);
    if (o->vlen)
        memcpy(v + 3 + o->klen, o->val, o->vlen);
}

static bool child_eq(const child *a, const child *b)
{
    return a->kind == b->kind &&
           (a->kind == K_EMPTY || (!memcmp(a->hash.b, b->hash.b, 32) && a->sum == b->sum &&
                                   a->version == b->version && !memcmp(a->path.b, b->path.b, 32)));
}

/* Applies ops[0..n) (sorted by path, all below the slot `cur` at nibble depth `depth`) and
 * gives the slot's new content. Keeps the tree canonical: a leaf sits at the least depth
 * where its path is alone (specs/state.md §5.3). */
static ldg_err update(upd *u, unsigned depth, const child *cur, const op *ops, size_t n, child *out)
{
    *out = *cur;
    if (n == 0)
        return LDG_OK;
    if (n == 1 && (cur->kind == K_EMPTY ||
                   (cur->kind == K_LEAF && !memcmp(cur->path.b, ops[0].path.b, 32)))) {
        const op *o = &ops[0];
        if (o->del) {
            if (cur->kind == K_LEAF)
                stale_child(u, cur, depth);
            *out = (child){.kind = K_EMPTY};
        } else if (cur->kind == K_EMPTY || memcmp(cur->hash.b, o->leaf_hash.b, 32) ||
                   cur->sum != o->sum) {
            if (cur->kind == K_LEAF)
                stale_child(u, cur, depth);
            write_leaf(u, o, out);
        }
        return LDG_OK;
    }
    LDG_ASSERT(depth < LDG_SMT_DEPTH_MAX);
    child old[16], c[16];
    memset(old, 0, sizeof old);
    ldg_err err = LDG_OK;
    if (cur->kind == K_INNER)
        err = read_inode(u->t, &u->t->base, u->tid, depth, &ops[0].path, cur->version, old);
    else if (cur->kind == K_LEAF)
        old[nib(&cur->path, depth)] = *cur; /* pushed down: same node, deeper */
    if (err != LDG_OK)
        return err;
    memcpy(c, old, sizeof c);
    for (size_t i = 0; i < n && err == LDG_OK;) {
        unsigned x = nib(&ops[i].path, depth);
        size_t j = i + 1;
        while (j < n && nib(&ops[j].path, depth) == x)
            j++;
        err = update(u, depth + 1, &old[x], ops + i, j - i, &c[x]);
        i = j;
    }
    if (err != LDG_OK)
        return err;
    bool same = true;
    unsigned count = 0, last = 0;
    for (unsigned i = 0; i < 16; i++) {
        same = same && child_eq(&old[i], &c[i]);
        if (c[i].kind != K_EMPTY)
            count++, last = i;
    }
    if (same)
        return LDG_OK; /* no-op writes: the slot keeps its content */
    if (cur->kind == K_INNER) {
        child stale = *cur;
        stale.path = ops[0].path; /* for its key: the prefix */
        stale_child(u, &stale, depth);
    }
    if (count == 0) {
        *out = (child){.kind = K_EMPTY};
        return LDG_OK;
    }
    if (count == 1 && c[last].kind == K_LEAF) {
        *out = c[last]; /* alone below this prefix: it rises */
        return LDG_OK;
    }
    binlevels lv;
    *out = (child){.kind = K_INNER, .version = u->t->st_version};
    node_hash(u->sum_tree, c, &lv, &out->hash, &out->sum);
    uint8_t k[NODE_KEY_MAX], v[5 + 16 * 80];
    size_t kl = inode_key(k, u->tid, depth, &ops[0].path, u->t->st_version);
    stage(u->t, k, kl, v, inode_encode(v, c, u->sum_tree), true, u->t->st_version);
    return LDG_OK;
}

static int op_cmp(const void *a, const void *b)
{
    return memcmp(((const op *)a)->path.b, ((const op *)b)->path.b, 32);
}

/* ---- opening ---- */

static ldg_err read_root(ldg_state_base *b, uint64_t version, child *out)
{
    uint8_t k[9] = {ROOT_KEY};
    put_be64(k + 1, version);
    uint8_t *v;
    size_t vl;
    ldg_err err = base_get(b, k, sizeof k, &v, &vl);
    if (err != LDG_OK)
        return err;
    bool ok = child_decode(out, v, vl);
    free(v);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

ldg_err ldg_smt_open(ldg_smt **out, ldg_state_base base, uint64_t version, bool empty)
{
    ldg_smt *t = calloc(1, sizeof *t);
    if (!t)
        return LDG_ERR_NOMEM;
    t->base = base;
    t->empty = empty;
    t->version = version;
    t->retain = LDG_SMT_RETAIN_DEFAULT;
    cache_grow(&t->cache); /* a tree has a cache; the stateless readers' stand-ins not */
    if (!empty) {
        ldg_err err = read_root(&t->base, version, &t->root);
        if (err != LDG_OK) {
            free(t);
            return err == LDG_ERR_NOT_FOUND ? LDG_ERR_CORRUPT : err;
        }
    }
    *out = t;
    return LDG_OK;
}

void ldg_smt_free(ldg_smt *t)
{
    if (!t)
        return;
    staged_clear(t);
    free(t->arena);
    free(t->st);
    free(t->st_w);
    free(t->stale);
    cache_free(&t->cache);
    free(t);
}

void ldg_smt_set_retention(ldg_smt *t, uint64_t blocks)
{
    t->retain = blocks == LDG_SMT_LATEST_ONLY           ? blocks
                : blocks && blocks < LDG_SMT_RETAIN_MIN ? LDG_SMT_RETAIN_MIN
                                                        : blocks;
}

static ldg_hash root_hash(const child *r)
{
    return r->kind == K_EMPTY ? (ldg_hash){{0}} : r->hash;
}

ldg_hash ldg_smt_root(const ldg_smt *t)
{
    return root_hash(&t->root);
}

/* ---- a block's update ---- */

static void plain_op(op *o, const ldg_write *w)
{
    memset(o, 0, sizeof *o);
    ldg_smt_path(&o->path, w->key, w->klen);
    o->key = w->key, o->klen = w->klen, o->val = w->val, o->vlen = w->vlen;
    o->del = w->val == NULL;
    if (o->del)
        return;
    ldg_hash vh;
    ldg_tagged_hash(&vh, LDG_TAG_SMT_VALUE, w->val, w->vlen);
    if (w->klen == LDG_SMT_HOLDING_KEY_LEN && w->key[0] == 'b') {
        o->lkind = LDG_SMT_LEAF_HOLDING;
        o->sum = holding_amount(w->val, w->vlen);
        holding_leaf_hash(&o->leaf_hash, &o->path, &vh, o->sum);
    } else {
        plain_leaf_hash(&o->leaf_hash, &o->path, &vh);
    }
}

static bool is_holding(const ldg_write *w)
{
    return w->klen == LDG_SMT_HOLDING_KEY_LEN && w->key[0] == 'b';
}

/* The register leaf of id12 at the current version (K_EMPTY child if none). */
static ldg_err find_register(ldg_smt *t, const child *root, const uint8_t *id12, child *sroot);

/* Updates one register (ws: its holding writes) and gives the main tree's op for it. */
static ldg_err update_register(ldg_smt *t, const ldg_write *ws, size_t n, op *mop)
{
    const uint8_t *id12 = ws[0].key + 1;
    child cur, next;
    ldg_err err = find_register(t, &t->root, id12, &cur);
    if (err != LDG_OK)
        return err;
    op *ops = malloc(n * sizeof *ops);
    LDG_ASSERT(ops);
    for (size_t i = 0; i < n; i++)
        plain_op(&ops[i], &ws[i]);
    qsort(ops, n, sizeof *ops, op_cmp);
    uint8_t tid[TID_LEN];
    tid_register(tid, id12);
    upd u = {t, tid, true};
    err = update(&u, 0, &cur, ops, n, &next);
    free(ops);
    if (err != LDG_OK)
        return err;
    memset(mop, 0, sizeof *mop);
    register_path(&mop->path, id12);
    mop->lkind = LDG_SMT_LEAF_REGISTER;
    mop->id12 = id12;
    mop->sroot = next;
    mop->del = next.kind == K_EMPTY;
    if (!mop->del)
        register_leaf_hash(&mop->leaf_hash, &mop->path, &next.hash, next.sum);
    return LDG_OK;
}

/* Stages the deletes of what fell out of the retention window at version v: the nodes
 * replaced at the new floor, and the root pointer below it. */
static ldg_err stage_prune(ldg_smt *t, uint64_t v);

ldg_err ldg_smt_update(ldg_smt *t, uint64_t version, const ldg_write *w, size_t n, ldg_hash *root)
{
    LDG_ASSERT(t->empty ? version == t->version : version == t->version + 1);
    staged_clear(t);
    t->st_on = true;
    t->st_version = version;
    op *ops = malloc((n ? n : 1) * sizeof *ops);
    LDG_ASSERT(ops);
    size_t m = 0;
    ldg_err err = LDG_OK;
    for (size_t i = 0; i < n && err == LDG_OK;) {
        if (!is_holding(&w[i])) {
            plain_op(&ops[m++], &w[i++]);
            continue;
        }
        size_t j = i + 1; /* sorted: one instrument's holdings are together */
        while (j < n && is_holding(&w[j]) && !memcmp(w[j].key + 1, w[i].key + 1, LDG_SMT_ID_LEN))
            j++;
        err = update_register(t, w + i, j - i, &ops[m++]);
        i = j;
    }
    if (err == LDG_OK) {
        qsort(ops, m, sizeof *ops, op_cmp);
        uint8_t tid[TID_LEN];
        tid_main(tid);
        upd u = {t, tid, false};
        err = update(&u, 0, &t->root, ops, m, &t->st_root);
    }
    free(ops);
    if (err == LDG_OK)
        err = stage_prune(t, version);
    if (err == LDG_OK)
        stage_stale_list(t);
    if (err != LDG_OK) {
        staged_clear(t);
        return err;
    }
    uint8_t rk[9] = {ROOT_KEY}, rv[CHILD_ENC_LEN];
    put_be64(rk + 1, version);
    child_encode(rv, &t->st_root);
    stage(t, rk, sizeof rk, rv, sizeof rv, false, 0);
    *root = root_hash(&t->st_root);
    return LDG_OK;
}

size_t ldg_smt_staged(ldg_smt *t, const ldg_write **out)
{
    if (t->st_n > t->st_w_cap) {
        t->st_w_cap = t->st_n;
        free(t->st_w);
        t->st_w = malloc(t->st_w_cap * sizeof *t->st_w);
        LDG_ASSERT(t->st_w);
    }
    for (size_t i = 0; i < t->st_n; i++)
        t->st_w[i] = (ldg_write){t->st[i].k, t->st[i].kl, t->st[i].v, t->st[i].vl};
    *out = t->st_w;
    return t->st_n;
}

void ldg_smt_commit(ldg_smt *t)
{
    LDG_ASSERT(t->st_on);
    if (t->cache.bytes > LDG_SMT_CACHE_BYTES)
        cache_trim(&t->cache);
    for (size_t i = 0; i < t->st_n; i++)
        if (t->st[i].node)
            cache_put(&t->cache, t->st[i].k, t->st[i].kl, t->st[i].v, t->st[i].vl, true,
                      t->st[i].version);
    t->root = t->st_root;
    t->version = t->st_version;
    t->empty = false;
    staged_clear(t);
}

void ldg_smt_abandon(ldg_smt *t)
{
    staged_clear(t);
}

void ldg_smt_stored(ldg_smt *t, uint64_t version)
{
    ncache *c = &t->cache;
    size_t keep = 0;
    for (size_t i = 0; i < c->pin_n; i++) {
        npin *p = &c->pins[i];
        if (p->version > version) {
            c->pins[keep++] = *p;
            continue;
        }
        nent *e = cache_slot(c, p->key, p->klen);
        if (e->v)
            e->pinned = false;
    }
    c->pin_n = keep;
}

/* ---- pruning ---- */

/* Stages the deletes of the nodes a stale record lists, and of the record. */
static ldg_err prune_list(ldg_smt *t, const uint8_t *rk, const uint8_t *v, size_t vl)
{
    for (size_t at = 0; at < vl;) {
        size_t kl = v[at];
        if (kl == 0 || kl > NODE_KEY_MAX || at + 1 + kl > vl)
            return LDG_ERR_CORRUPT;
        stage(t, v + at + 1, kl, NULL, 0, false, 0);
        at += 1 + kl;
    }
    stage(t, rk, 9, NULL, 0, false, 0);
    return LDG_OK;
}

static ldg_err stage_prune(ldg_smt *t, uint64_t v)
{
    if (t->retain == LDG_SMT_LATEST_ONLY && v > 0) {
        uint8_t rk[9] = {ROOT_KEY};
        put_be64(rk + 1, v - 1);
        stage(t, rk, sizeof rk, NULL, 0, false, 0);
        return LDG_OK;
    }
    if (!t->retain || v < t->retain)
        return LDG_OK;
    uint64_t floor = v - t->retain + 1; /* versions floor..v stay readable */
    uint8_t sk[9] = {STALE_KEY}, *sv;
    size_t svl;
    put_be64(sk + 1, floor);
    ldg_err err = base_get(&t->base, sk, sizeof sk, &sv, &svl);
    if (err == LDG_OK) {
        err = prune_list(t, sk, sv, svl);
        free(sv);
    } else if (err == LDG_ERR_NOT_FOUND) {
        err = LDG_OK; /* nothing was replaced at the floor */
    }
    if (err != LDG_OK)
        return err;
    uint8_t rk[9] = {ROOT_KEY}, fk[1] = {FLOOR_KEY}, fv[8];
    put_be64(rk + 1, floor - 1);
    stage(t, rk, sizeof rk, NULL, 0, false, 0);
    put_be64(fv, floor);
    stage(t, fk, 1, fv, 8, false, 0);
    return LDG_OK;
}

ldg_err ldg_smt_floor(ldg_state_base base, uint64_t *floor)
{
    uint8_t fk[1] = {FLOOR_KEY}, *v;
    size_t vl;
    *floor = 0;
    ldg_err err = base_get(&base, fk, 1, &v, &vl);
    if (err == LDG_ERR_NOT_FOUND)
        return LDG_OK;
    if (err != LDG_OK)
        return err;
    if (vl == 8)
        *floor = get_be64(v);
    free(v);
    return vl == 8 ? LDG_OK : LDG_ERR_CORRUPT;
}

/* ---- walking down (reads and proofs) ---- */

/* A walk to path's slot: the internal nodes passed (their children) and the terminal. */
typedef struct walk {
    unsigned depth;
    child term;
    child (*nodes)[16]; /* LDG_SMT_DEPTH_MAX rows when proving, else NULL */
} walk;

static ldg_err walk_down(ldg_smt *t, ldg_state_base *b, const uint8_t *tid, const child *root,
                         const ldg_hash *path, walk *w)
{
    child c = *root, kids[16];
    unsigned d = 0;
    while (c.kind == K_INNER) {
        if (d >= LDG_SMT_DEPTH_MAX)
            return LDG_ERR_CORRUPT;
        ldg_err err = read_inode(t, b, tid, d, path, c.version, kids);
        if (err != LDG_OK)
            return err;
        if (w->nodes)
            memcpy(w->nodes[d], kids, sizeof kids);
        c = kids[nib(path, d)];
        d++;
    }
    w->depth = d;
    w->term = c;
    return LDG_OK;
}

static ldg_err find_register(ldg_smt *t, const child *root, const uint8_t *id12, child *sroot)
{
    *sroot = (child){.kind = K_EMPTY};
    ldg_hash rpath;
    register_path(&rpath, id12);
    uint8_t tid[TID_LEN];
    tid_main(tid);
    walk w = {0};
    ldg_err err = walk_down(t, &t->base, tid, root, &rpath, &w);
    if (err != LDG_OK || w.term.kind != K_LEAF || memcmp(w.term.path.b, rpath.b, 32))
        return err;
    uint8_t k[NODE_KEY_MAX], *v;
    size_t vl;
    err = node_get(t, &t->base, k, leaf_key(k, tid, &rpath, w.term.version), &v, &vl);
    if (err != LDG_OK)
        return err;
    bool ok = vl == 1 + LDG_SMT_ID_LEN + CHILD_ENC_LEN && v[0] == 3 &&
              child_decode(sroot, v + 1 + LDG_SMT_ID_LEN, CHILD_ENC_LEN);
    free(v);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

/* The root at version: LDG_ERR_PRUNED below the floor, LDG_ERR_NOT_FOUND above the tip. */
static ldg_err root_at(ldg_state_base *b, uint64_t version, child *root)
{
    uint64_t floor;
    ldg_err err = ldg_smt_floor(*b, &floor);
    if (err == LDG_OK && version < floor)
        return LDG_ERR_PRUNED;
    if (err == LDG_OK)
        err = read_root(b, version, root);
    return err;
}

/* A plain or holding leaf's key and value (*val malloc'd). */
static ldg_err read_leaf(ldg_state_base *b, const uint8_t *tid, const child *c, const uint8_t *key,
                         size_t klen, uint8_t **val, size_t *vlen)
{
    uint8_t k[NODE_KEY_MAX], *v;
    size_t vl;
    ldg_err err = node_get(NULL, b, k, leaf_key(k, tid, &c->path, c->version), &v, &vl);
    if (err != LDG_OK)
        return err;
    size_t kl = vl >= 3 ? (size_t)v[1] << 8 | v[2] : 0;
    if (vl < 3 || v[0] != 2 || 3 + kl > vl || (key && (kl != klen || memcmp(v + 3, key, kl)))) {
        free(v);
        return LDG_ERR_CORRUPT;
    }
    *vlen = vl - 3 - kl;
    memmove(v, v + 3 + kl, *vlen);
    *val = v;
    return LDG_OK;
}

/* Where key lives at a version: its tree id and that tree's root; *none when the key is a
 * holding of an instrument with no register. */
static ldg_err locate(ldg_state_base *b, const child *mroot, const uint8_t *key, size_t klen,
                      uint8_t *tid, child *root, child *sroot_out, bool *none)
{
    *none = false;
    if (klen != LDG_SMT_HOLDING_KEY_LEN || key[0] != 'b') {
        tid_main(tid);
        *root = *mroot;
        return LDG_OK;
    }
    ldg_smt tmp = {.base = *b};
    ldg_err err = find_register(&tmp, mroot, key + 1, root);
    if (err != LDG_OK)
        return err;
    if (sroot_out)
        *sroot_out = *root;
    *none = root->kind == K_EMPTY;
    tid_register(tid, key + 1);
    return LDG_OK;
}

ldg_err ldg_smt_get_at(ldg_state_base base, uint64_t version, const uint8_t *key, size_t klen,
                       uint8_t **val, size_t *vlen, bool *found)
{
    *found = false;
    child mroot, root;
    ldg_err err = root_at(&base, version, &mroot);
    uint8_t tid[TID_LEN];
    bool none;
    if (err == LDG_OK)
        err = locate(&base, &mroot, key, klen, tid, &root, NULL, &none);
    if (err != LDG_OK || none)
        return err;
    ldg_hash path;
    ldg_smt_path(&path, key, klen);
    walk w = {0};
    err = walk_down(NULL, &base, tid, &root, &path, &w);
    if (err == LDG_OK && w.term.kind == K_LEAF && !memcmp(w.term.path.b, path.b, 32)) {
        err = read_leaf(&base, tid, &w.term, key, klen, val, vlen);
        *found = err == LDG_OK;
    }
    return err;
}

/* Visits every leaf below c in path order. */
static ldg_err visit(ldg_state_base *b, const uint8_t *tid, const child *c, unsigned depth,
                     const ldg_hash *prefix,
                     bool (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t),
                     void *arg, bool *stop)
{
    if (*stop || c->kind == K_EMPTY)
        return LDG_OK;
    if (c->kind == K_LEAF) {
        uint8_t k[NODE_KEY_MAX], *v;
        size_t vl;
        ldg_err err = node_get(NULL, b, k, leaf_key(k, tid, &c->path, c->version), &v, &vl);
        if (err != LDG_OK)
            return err;
        size_t kl = vl >= 3 ? (size_t)v[1] << 8 | v[2] : 0;
        if (vl < 3 || v[0] != 2 || 3 + kl > vl)
            err = LDG_ERR_CORRUPT;
        else
            *stop = !fn(arg, v + 3, kl, v + 3 + kl, vl - 3 - kl);
        free(v);
        return err;
    }
    if (depth >= LDG_SMT_DEPTH_MAX)
        return LDG_ERR_CORRUPT;
    child kids[16];
    ldg_err err = read_inode(NULL, b, tid, depth, prefix, c->version, kids);
    for (unsigned i = 0; i < 16 && err == LDG_OK && !*stop; i++) {
        ldg_hash p = *prefix;
        p.b[depth / 2] = depth % 2 ? (uint8_t)((p.b[depth / 2] & 0xf0) | i)
                                   : (uint8_t)((p.b[depth / 2] & 0x0f) | i << 4);
        err = visit(b, tid, &kids[i], depth + 1, &p, fn, arg, stop);
    }
    return err;
}

ldg_err ldg_smt_register_at(ldg_state_base base, uint64_t version, const uint8_t id12[12],
                            bool (*fn)(void *arg, const uint8_t *key, size_t klen,
                                       const uint8_t *val, size_t vlen),
                            void *arg)
{
    child mroot, sroot;
    ldg_err err = root_at(&base, version, &mroot);
    if (err != LDG_OK)
        return err;
    ldg_smt tmp = {.base = base};
    err = find_register(&tmp, &mroot, id12, &sroot);
    uint8_t tid[TID_LEN];
    tid_register(tid, id12);
    bool stop = false;
    ldg_hash prefix = {{0}};
    if (err == LDG_OK)
        err = visit(&base, tid, &sroot, 0, &prefix, fn, arg, &stop);
    return err;
}

/* ---- proofs ---- */

static void seg_from_walk(ldg_state_base *b, const uint8_t *tid, bool sum_tree, const walk *w,
                          const ldg_hash *path, ldg_smt_seg *s, ldg_err *err)
{
    memset(s, 0, sizeof *s);
    s->depth = (uint8_t)w->depth;
    const child *t = &w->term;
    if (t->kind == K_EMPTY) {
        s->term = LDG_SMT_TERM_EMPTY;
    } else if (!memcmp(t->path.b, path->b, 32)) {
        s->term = LDG_SMT_TERM_LEAF;
    } else {
        /* another leaf where the key would be: its parts, so the verifier can hash it */
        s->term = LDG_SMT_TERM_OTHER;
        s->other_path = t->path;
        s->other_sum = sum_tree ? t->sum : 0;
        uint8_t k[NODE_KEY_MAX], *v;
        size_t vl;
        *err = node_get(NULL, b, k, leaf_key(k, tid, &t->path, t->version), &v, &vl);
        if (*err != LDG_OK)
            return;
        if (vl >= 1 && v[0] == 3 && vl == 1 + LDG_SMT_ID_LEN + CHILD_ENC_LEN) {
            child sr;
            child_decode(&sr, v + 1 + LDG_SMT_ID_LEN, CHILD_ENC_LEN);
            s->other_kind = LDG_SMT_LEAF_REGISTER;
            s->other_a = root_hash(&sr);
            s->other_sum = sr.sum;
        } else if (vl >= 3 && v[0] == 2) {
            size_t kl = (size_t)v[1] << 8 | v[2];
            if (3 + kl > vl) {
                *err = LDG_ERR_CORRUPT;
            } else {
                ldg_tagged_hash(&s->other_a, LDG_TAG_SMT_VALUE, v + 3 + kl, vl - 3 - kl);
                s->other_kind = sum_tree ? LDG_SMT_LEAF_HOLDING : LDG_SMT_LEAF_PLAIN;
            }
        } else {
            *err = LDG_ERR_CORRUPT;
        }
        free(v);
    }
    /* siblings bottom-up: deepest node first, in each node levels 0..3 */
    unsigned bit = 0;
    for (unsigned d = w->depth; d-- > 0;) {
        binlevels lv;
        ldg_hash h;
        uint64_t sum;
        node_hash(sum_tree, w->nodes[d], &lv, &h, &sum);
        unsigned x = nib(path, d);
        for (unsigned k = 0; k < 4; k++, bit++) {
            unsigned sib = (x >> k) ^ 1;
            if (is_zero(&lv.h[k][sib]) && lv.s[k][sib] == 0)
                continue;
            s->bitmap[bit / 8] |= (uint8_t)(1u << (bit % 8));
            s->sib[s->sib_count] = lv.h[k][sib];
            s->sums[s->sib_count] = sum_tree ? lv.s[k][sib] : 0;
            s->sib_count++;
        }
    }
}

ldg_err ldg_smt_prove(ldg_state_base base, uint64_t version, const uint8_t *key, size_t klen,
                      ldg_smt_proof *proof, uint8_t **val, size_t *vlen, bool *found)
{
    memset(proof, 0, sizeof *proof);
    *found = false;
    child mroot;
    ldg_err err = root_at(&base, version, &mroot);
    if (err != LDG_OK)
        return err;
    bool holding = klen == LDG_SMT_HOLDING_KEY_LEN && key[0] == 'b';
    uint8_t tid[TID_LEN];
    ldg_hash path, mpath;
    ldg_smt_path(&path, key, klen);
    mpath = path;
    walk *w = calloc(1, sizeof *w);
    LDG_ASSERT(w);
    w->nodes = calloc(LDG_SMT_DEPTH_MAX, sizeof *w->nodes);
    LDG_ASSERT(w->nodes);
    if (holding) {
        child sroot;
        bool none;
        err = locate(&base, &mroot, key, klen, tid, &sroot, NULL, &none);
        register_path(&mpath, key + 1);
        if (err == LDG_OK && !none) {
            proof->has_register = true;
            proof->reg_root = root_hash(&sroot);
            proof->reg_total = sroot.sum;
            err = walk_down(NULL, &base, tid, &sroot, &path, w);
            if (err == LDG_OK)
                seg_from_walk(&base, tid, true, w, &path, &proof->reg, &err);
            if (err == LDG_OK && proof->reg.term == LDG_SMT_TERM_LEAF) {
                err = read_leaf(&base, tid, &w->term, key, klen, val, vlen);
                *found = err == LDG_OK;
            }
        }
    }
    tid_main(tid);
    if (err == LDG_OK)
        err = walk_down(NULL, &base, tid, &mroot, &mpath, w);
    if (err == LDG_OK)
        seg_from_walk(&base, tid, false, w, &mpath, &proof->main, &err);
    if (err == LDG_OK && !holding && proof->main.term == LDG_SMT_TERM_LEAF) {
        err = read_leaf(&base, tid, &w->term, key, klen, val, vlen);
        *found = err == LDG_OK;
    }
    free(w->nodes);
    free(w);
    if (err != LDG_OK && *found)
        free(*val);
    if (err != LDG_OK)
        *found = false;
    return err;
}

/* ---- verification (specs/state.md §5.5: what an independent verifier does) ---- */

static bool fail(char *why, size_t n, const char *msg)
{
    if (why && n)
        snprintf(why, n, "%s", msg);
    return false;
}

static ldg_err refuse(char *why, size_t n, const char *msg)
{
    fail(why, n, msg);
    return LDG_ERR_INVALID;
}

static bool same_prefix(const ldg_hash *a, const ldg_hash *b, unsigned nibbles)
{
    for (unsigned i = 0; i < nibbles; i++)
        if (nib(a, i) != nib(b, i))
            return false;
    return true;
}

/* Folds a segment up from its terminal (term_hash/term_sum) to a root. */
static bool seg_root(bool sum_tree, const ldg_smt_seg *s, const ldg_hash *path, ldg_hash *h,
                     uint64_t *sum, char *why, size_t n)
{
    if (s->depth > LDG_SMT_DEPTH_MAX)
        return fail(why, n, "the proof is deeper than a tree can be");
    unsigned used = 0;
    for (unsigned d = s->depth, bit = 0; d-- > 0;) {
        unsigned x = nib(path, d);
        for (unsigned k = 0; k < 4; k++, bit++) {
            ldg_hash sib = {{0}};
            uint64_t ss = 0;
            if (s->bitmap[bit / 8] >> (bit % 8) & 1) {
                if (used >= s->sib_count)
                    return fail(why, n, "the proof has fewer siblings than its bitmap says");
                sib = s->sib[used];
                ss = sum_tree ? s->sums[used] : 0;
                used++;
            }
            bool ok = (x >> k) & 1 ? combine(sum_tree, &sib, ss, h, *sum, h, sum)
                                   : combine(sum_tree, h, *sum, &sib, ss, h, sum);
            if (!ok)
                return fail(why, n, "the register's sums overflow");
        }
    }
    if (used != s->sib_count)
        return fail(why, n, "the proof has more siblings than its bitmap says");
    return true;
}

/* The terminal of a segment for `path`: the key's own leaf (given), empty, or another. */
static bool seg_term(bool sum_tree, const ldg_smt_seg *s, const ldg_hash *path, const ldg_hash *own,
                     uint64_t own_sum, ldg_hash *h, uint64_t *sum, char *why, size_t n)
{
    *sum = 0;
    memset(h, 0, sizeof *h);
    if (s->term == LDG_SMT_TERM_LEAF) {
        if (!own)
            return fail(why, n, "the proof shows the key present, but it is claimed absent");
        *h = *own;
        *sum = own_sum;
        return true;
    }
    if (own)
        return fail(why, n, "the proof shows the key absent, but a value is claimed");
    if (s->term == LDG_SMT_TERM_EMPTY)
        return true;
    if (!memcmp(s->other_path.b, path->b, 32) || !same_prefix(&s->other_path, path, s->depth))
        return fail(why, n, "the leaf in the key's place is not on the key's path");
    if (s->other_kind == LDG_SMT_LEAF_REGISTER && !sum_tree) {
        register_leaf_hash(h, &s->other_path, &s->other_a, s->other_sum);
    } else if (s->other_kind == LDG_SMT_LEAF_HOLDING && sum_tree) {
        holding_leaf_hash(h, &s->other_path, &s->other_a, s->other_sum);
        *sum = s->other_sum;
    } else if (s->other_kind == LDG_SMT_LEAF_PLAIN && !sum_tree) {
        plain_leaf_hash(h, &s->other_path, &s->other_a);
    } else {
        return fail(why, n, "the leaf in the key's place is of the wrong kind");
    }
    return true;
}

ldg_err ldg_smt_verify(const ldg_hash *root, const uint8_t *key, size_t klen, const uint8_t *val,
                       size_t vlen, const ldg_smt_proof *p, bool *has_total, uint64_t *total,
                       char *why, size_t why_len)
{
    bool holding = klen == LDG_SMT_HOLDING_KEY_LEN && key[0] == 'b';
    if (has_total)
        *has_total = false;
    ldg_hash path, vh, own, h;
    uint64_t sum = 0;
    ldg_smt_path(&path, key, klen);
    if (val)
        ldg_tagged_hash(&vh, LDG_TAG_SMT_VALUE, val, vlen);
    if (!holding && p->has_register)
        return refuse(why, why_len, "the proof has a register part but the key is no holding");
    const ldg_hash *mown = NULL;
    ldg_hash mpath = path;
    if (holding) {
        register_path(&mpath, key + 1);
        if (p->has_register) {
            uint64_t amount = val ? holding_amount(val, vlen) : 0;
            if (val)
                holding_leaf_hash(&own, &path, &vh, amount);
            if (!seg_term(true, &p->reg, &path, val ? &own : NULL, amount, &h, &sum, why,
                          why_len) ||
                !seg_root(true, &p->reg, &path, &h, &sum, why, why_len))
                return LDG_ERR_INVALID;
            /* (R, T) are not sent: the main segment proves the leaf they make */
            register_leaf_hash(&own, &mpath, &h, sum);
            mown = &own;
            if (has_total)
                *has_total = true;
            if (total)
                *total = sum;
        } else if (val) {
            return refuse(why, why_len, "a holding is claimed but the proof shows no register");
        }
    } else if (val) {
        plain_leaf_hash(&own, &path, &vh);
        mown = &own;
    }
    if (!seg_term(false, &p->main, &mpath, mown, 0, &h, &sum, why, why_len) ||
        !seg_root(false, &p->main, &mpath, &h, &sum, why, why_len))
        return LDG_ERR_INVALID;
    if (memcmp(h.b, root->b, 32))
        return refuse(why, why_len, "the proof leads to another state root");
    return LDG_OK;
}

/* ---- proof bytes (specs/state.md §5.5) ----
 * proof = [2, main seg, register seg | nil]
 * seg   = [depth u64, term u64, other, bitmap bin, siblings bin, sums bin]
 * other = nil | [kind u64, path bin32, a bin32, sum u64]
 * sums: one minimal LEB128 per listed sibling in a register segment, empty in the main. */

#define PROOF_VERSION 2
#define VARINT_MAX 10 /* LEB128 bytes of a u64 */

static size_t varint_put(uint8_t *o, uint64_t v)
{
    size_t n = 0;
    do {
        o[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return n;
}

/* One minimal LEB128 u64 from p[*at..n): false if truncated, too long or not minimal. */
static bool varint_get(const uint8_t *p, size_t n, size_t *at, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; *at < n && shift < 64; shift += 7) {
        uint8_t b = p[(*at)++];
        if (shift == 63 && b > 1)
            return false; /* past 64 bits */
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return b != 0 || shift == 0; /* minimal: no empty last group */
    }
    return false;
}

static void seg_encode(ldg_enc *e, const ldg_smt_seg *s, bool sum_tree)
{
    ldg_enc_array(e, 6);
    ldg_enc_u64(e, s->depth);
    ldg_enc_u64(e, s->term);
    if (s->term == LDG_SMT_TERM_OTHER) {
        ldg_enc_array(e, 4);
        ldg_enc_u64(e, s->other_kind);
        ldg_enc_bin(e, s->other_path.b, 32);
        ldg_enc_bin(e, s->other_a.b, 32);
        ldg_enc_u64(e, s->other_sum);
    } else {
        ldg_enc_nil(e);
    }
    ldg_enc_bin(e, s->bitmap, (s->depth + 1u) / 2);
    ldg_enc_bin(e, s->sib, (size_t)s->sib_count * 32);
    uint8_t sums[LDG_SMT_DEPTH_MAX * 4 * VARINT_MAX];
    size_t n = 0;
    for (unsigned i = 0; sum_tree && i < s->sib_count; i++)
        n += varint_put(sums + n, s->sums[i]);
    ldg_enc_bin(e, sums, n);
}

void ldg_smt_proof_encode(ldg_enc *e, const ldg_smt_proof *p)
{
    ldg_enc_array(e, 3);
    ldg_enc_u64(e, PROOF_VERSION);
    seg_encode(e, &p->main, false);
    if (p->has_register)
        seg_encode(e, &p->reg, true);
    else
        ldg_enc_nil(e);
}

static bool other_decode(const msgpack_object *o, ldg_smt_seg *s, bool sum_tree)
{
    const msgpack_object *of;
    uint64_t kind;
    if (!ldg_obj_array(o, 4, &of) || !ldg_obj_u64(&of[0], &kind) || kind > LDG_SMT_LEAF_HOLDING ||
        !ldg_obj_bin(&of[1], s->other_path.b, 32) || !ldg_obj_bin(&of[2], s->other_a.b, 32) ||
        !ldg_obj_u64(&of[3], &s->other_sum))
        return false;
    s->other_kind = (uint8_t)kind;
    return sum_tree || kind != LDG_SMT_LEAF_PLAIN || !s->other_sum; /* a plain leaf: no sum */
}

/* The bitmap: canonical (no bit past the last level); its set bits counted. */
static bool bitmap_decode(const msgpack_object *o, ldg_smt_seg *s, unsigned *bits)
{
    const uint8_t *bm;
    size_t bml;
    if (!ldg_obj_bin_ref(o, sizeof s->bitmap, &bm, &bml) || bml != (s->depth + 1u) / 2)
        return false;
    if (bml)
        memcpy(s->bitmap, bm, bml);
    *bits = 0;
    for (unsigned i = 0; i < bml * 8; i++)
        if (s->bitmap[i / 8] >> (i % 8) & 1) {
            if (i >= s->depth * 4u)
                return false;
            ++*bits;
        }
    return true;
}

/* The sums: exactly one minimal varint per sibling in a register, none in the main tree. */
static bool sums_decode(const msgpack_object *o, ldg_smt_seg *s, bool sum_tree)
{
    const uint8_t *p;
    size_t n, at = 0;
    if (!ldg_obj_bin_ref(o, LDG_SMT_DEPTH_MAX * 4 * VARINT_MAX, &p, &n))
        return false;
    for (unsigned i = 0; sum_tree && i < s->sib_count; i++)
        if (!varint_get(p, n, &at, &s->sums[i]))
            return false;
    return at == n;
}

static bool seg_decode(const msgpack_object *o, ldg_smt_seg *s, bool sum_tree)
{
    memset(s, 0, sizeof *s);
    const msgpack_object *f;
    uint64_t depth, term;
    const uint8_t *sib;
    size_t sibl;
    unsigned bits;
    if (!ldg_obj_array(o, 6, &f) || !ldg_obj_u64(&f[0], &depth) || depth > LDG_SMT_DEPTH_MAX ||
        !ldg_obj_u64(&f[1], &term) || term > LDG_SMT_TERM_OTHER)
        return false;
    s->depth = (uint8_t)depth;
    s->term = (uint8_t)term;
    if (term == LDG_SMT_TERM_OTHER ? !other_decode(&f[2], s, sum_tree)
                                   : f[2].type != MSGPACK_OBJECT_NIL)
        return false;
    if (!bitmap_decode(&f[3], s, &bits) || !ldg_obj_bin_ref(&f[4], sizeof s->sib, &sib, &sibl) ||
        sibl != (size_t)bits * 32)
        return false;
    s->sib_count = (uint16_t)bits;
    if (sibl)
        memcpy(s->sib, sib, sibl);
    if (!sums_decode(&f[5], s, sum_tree))
        return false;
    for (unsigned i = 0; i < s->sib_count; i++)
        if (is_zero(&s->sib[i]) && s->sums[i] == 0)
            return false; /* canonical: an empty sibling is left out */
    return true;
}

ldg_err ldg_smt_proof_decode(ldg_smt_proof *p, const uint8_t *data, size_t len)
{
    memset(p, 0, sizeof *p);
    if (len > LDG_SMT_PROOF_SIZE_MAX)
        return LDG_ERR_TOO_LARGE;
    ldg_dec d;
    if (ldg_decode(&d, data, len) != LDG_OK)
        return LDG_ERR_DECODE;
    const msgpack_object *f;
    uint64_t ver;
    bool ok = ldg_obj_array(d.root, 3, &f) && ldg_obj_u64(&f[0], &ver) && ver == PROOF_VERSION &&
              seg_decode(&f[1], &p->main, false);
    if (ok && f[2].type != MSGPACK_OBJECT_NIL) {
        p->has_register = true;
        ok = seg_decode(&f[2], &p->reg, true);
    }
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_DECODE;
}

ldg_err ldg_smt_step_mem(ldg_smt *t, ldg_memkv *kv, const ldg_hash *prev, uint64_t version,
                         const ldg_write *w, size_t n, ldg_hash *root)
{
    if (ldg_smt_disabled()) {
        ldg_state_root(root, prev, version, w, n);
        return LDG_OK;
    }
    ldg_err err = ldg_smt_update(t, version, w, n, root);
    if (err != LDG_OK)
        return err;
    const ldg_write *sw;
    size_t sn = ldg_smt_staged(t, &sw);
    ldg_memkv_apply(kv, sw, sn);
    ldg_smt_commit(t);
    ldg_smt_stored(t, version);
    return LDG_OK;
}

bool ldg_smt_disabled(void)
{
    const char *e = getenv("FOLIO_STATE_ROOT");
    return e && !strcmp(e, "chain");
}

/* ---- state sync: subtrees (specs/sync.md §3) ---- */

void ldg_smt_leaf_of(ldg_hash *hash, uint64_t *sum, ldg_hash *path, const uint8_t *key, size_t klen,
                     const uint8_t *val, size_t vlen)
{
    ldg_write w = {key, klen, val, vlen};
    op o;
    plain_op(&o, &w);
    *hash = o.leaf_hash;
    *sum = o.sum;
    *path = o.path;
}

void ldg_smt_register_leaf(ldg_hash *hash, ldg_hash *path, const uint8_t *id12,
                           const ldg_hash *root, uint64_t total)
{
    register_path(path, id12);
    register_leaf_hash(hash, path, root, total);
}

bool ldg_smt_node_of(bool sum_tree, const ldg_hash h[16], const uint64_t s[16], ldg_hash *out,
                     uint64_t *sum)
{
    ldg_hash lv[16];
    uint64_t ls[16];
    memcpy(lv, h, sizeof lv);
    memcpy(ls, s, sizeof ls);
    for (int w = 8; w >= 1; w /= 2)
        for (int i = 0; i < w; i++)
            if (!combine(sum_tree, &lv[2 * i], ls[2 * i], &lv[2 * i + 1], ls[2 * i + 1], &lv[i],
                         &ls[i]))
                return false;
    *out = lv[0];
    *sum = ls[0];
    return true;
}

static void slot_out(ldg_smt_slot *s, const child *c)
{
    *s = (ldg_smt_slot){.kind = c->kind,
                        .hash = c->kind == K_EMPTY ? (ldg_hash){{0}} : c->hash,
                        .sum = c->kind == K_EMPTY ? 0 : c->sum};
}

/* The slot at (depth, prefix) of the tree tid at version: reached through internal nodes
 * only (LDG_ERR_NOT_FOUND if the walk ends above depth). */
static ldg_err snap_slot(ldg_state_base *b, uint64_t version, const uint8_t *id12, unsigned depth,
                         const ldg_hash *prefix, uint8_t *tid, child *out)
{
    child root, mroot = {.kind = K_EMPTY};
    ldg_err err = root_at(b, version, &mroot);
    root = mroot;
    if (err == LDG_OK && id12) {
        ldg_smt tmp = {.base = *b};
        err = find_register(&tmp, &mroot, id12, &root); /* (it clears its output first) */
    }
    if (id12)
        tid_register(tid, id12);
    else
        tid_main(tid);
    for (unsigned d = 0; err == LDG_OK && d < depth; d++) {
        if (root.kind != K_INNER)
            return LDG_ERR_NOT_FOUND;
        child kids[16];
        err = read_inode(NULL, b, tid, d, prefix, root.version, kids);
        root = kids[nib(prefix, d)];
    }
    *out = root;
    return err;
}

/* Counts the leaves below c, giving up (false) past max leaves or 2·max nodes read. */
static ldg_err snap_count(ldg_state_base *b, const uint8_t *tid, const child *c, unsigned depth,
                          const ldg_hash *prefix, size_t max, size_t *leaves, size_t *nodes,
                          bool *fits)
{
    if (!*fits || c->kind == K_EMPTY)
        return LDG_OK;
    if (c->kind == K_LEAF) {
        *fits = ++*leaves <= max;
        return LDG_OK;
    }
    if (depth >= LDG_SMT_DEPTH_MAX || ++*nodes > 2 * max) {
        *fits = false;
        return depth >= LDG_SMT_DEPTH_MAX ? LDG_ERR_CORRUPT : LDG_OK;
    }
    child kids[16];
    ldg_err err = read_inode(NULL, b, tid, depth, prefix, c->version, kids);
    for (unsigned i = 0; i < 16 && err == LDG_OK && *fits; i++) {
        ldg_hash p = *prefix;
        p.b[depth / 2] = depth % 2 ? (uint8_t)((p.b[depth / 2] & 0xf0) | i)
                                   : (uint8_t)((p.b[depth / 2] & 0x0f) | i << 4);
        err = snap_count(b, tid, &kids[i], depth + 1, &p, max, leaves, nodes, fits);
    }
    return err;
}

typedef struct snap_visit {
    ldg_smt_snap_fn fn;
    void *arg;
} snap_visit;

/* visit()'s callback does not see register leaves: read them here. */
static ldg_err snap_emit(ldg_state_base *b, const uint8_t *tid, const child *c, unsigned depth,
                         const ldg_hash *prefix, snap_visit *sv, bool *stop)
{
    if (*stop || c->kind == K_EMPTY)
        return LDG_OK;
    if (c->kind == K_LEAF) {
        uint8_t k[NODE_KEY_MAX], *v;
        size_t vl;
        ldg_err err = node_get(NULL, b, k, leaf_key(k, tid, &c->path, c->version), &v, &vl);
        if (err != LDG_OK)
            return err;
        size_t kl = vl >= 3 ? (size_t)v[1] << 8 | v[2] : 0;
        child sr;
        if (vl == 1 + LDG_SMT_ID_LEN + CHILD_ENC_LEN && v[0] == 3 &&
            child_decode(&sr, v + 1 + LDG_SMT_ID_LEN, CHILD_ENC_LEN))
            *stop = !sv->fn(sv->arg, true, v + 1, LDG_SMT_ID_LEN, sr.hash.b, sr.sum);
        else if (vl >= 3 && v[0] == 2 && 3 + kl <= vl)
            *stop = !sv->fn(sv->arg, false, v + 3, kl, v + 3 + kl, vl - 3 - kl);
        else
            err = LDG_ERR_CORRUPT;
        free(v);
        return err;
    }
    child kids[16];
    ldg_err err = read_inode(NULL, b, tid, depth, prefix, c->version, kids);
    for (unsigned i = 0; i < 16 && err == LDG_OK && !*stop; i++) {
        ldg_hash p = *prefix;
        p.b[depth / 2] = depth % 2 ? (uint8_t)((p.b[depth / 2] & 0xf0) | i)
                                   : (uint8_t)((p.b[depth / 2] & 0x0f) | i << 4);
        err = snap_emit(b, tid, &kids[i], depth + 1, &p, sv, stop);
    }
    return err;
}

ldg_err ldg_smt_snap_read(ldg_state_base base, uint64_t version, const uint8_t *id12,
                          unsigned depth, const ldg_hash *prefix, size_t leaves_max,
                          ldg_smt_slot *slot, ldg_smt_slot kids[16], bool *split,
                          ldg_smt_snap_fn fn, void *arg)
{
    *split = false;
    if (depth > LDG_SMT_DEPTH_MAX)
        return LDG_ERR_INVALID;
    uint8_t tid[TID_LEN];
    child c;
    ldg_err err = snap_slot(&base, version, id12, depth, prefix, tid, &c);
    if (err != LDG_OK)
        return err;
    slot_out(slot, &c);
    size_t leaves = 0, nodes = 0;
    bool fits = true;
    err = snap_count(&base, tid, &c, depth, prefix, leaves_max, &leaves, &nodes, &fits);
    if (err != LDG_OK)
        return err;
    if (!fits && c.kind == K_INNER) { /* a lone leaf is sent whatever its size */
        child k[16];
        err = read_inode(NULL, &base, tid, depth, prefix, c.version, k);
        for (int i = 0; i < 16 && err == LDG_OK; i++)
            slot_out(&kids[i], &k[i]);
        *split = err == LDG_OK;
        return err;
    }
    snap_visit sv = {fn, arg};
    bool stop = false;
    return snap_emit(&base, tid, &c, depth, prefix, &sv, &stop);
}
