/* The state tree: opening it and a block's update (specs/state.md §5.3-5.4): the new
 * nodes are staged for the block's write batch and become current once it is written.
 * The rest of the tree: ldg_smt_node.c (codec, hashing), ldg_smt_cache.c, ldg_smt_prune.c,
 * ldg_smt_read.c (past state), ldg_smt_proof.c (proofs), ldg_smt_snap.c (state sync). */
#include "ldg_smt_int.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK (1u << 20)

static uint8_t *arena_alloc(ldg_smt *t, size_t n)
{
    achunk *a = t->arena;
    if (!a || a->used + n > a->cap) {
        achunk *c = t->arena_free;
        if (c && c->cap >= n) { /* a chunk of an earlier version: no new pages to fault in */
            t->arena_free = c->next;
        } else {
            size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
            c = malloc(sizeof *c + cap);
            LDG_ASSERT(c);
            c->cap = cap;
        }
        c->next = a;
        c->used = 0;
        t->arena = a = c;
    }
    uint8_t *p = a->b + a->used;
    a->used += n;
    return p;
}

/* Empties the arena. Its chunks are kept for the next version: a block stages megabytes,
 * and fresh chunks each block cost the kernel an mmap and a zeroed page per 4 KiB
 * (measured: clear_page was 2% of the node's CPU in the transfer benchmark). */
static void arena_clear(ldg_smt *t)
{
    for (achunk *c = t->arena, *next; c; c = next) {
        next = c->next;
        c->next = t->arena_free;
        t->arena_free = c;
    }
    t->arena = NULL;
}

static void arena_free_all(achunk *c)
{
    for (achunk *next; c; c = next) {
        next = c->next;
        free(c);
    }
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

void smt_stage(ldg_smt *t, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, bool node,
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
        smt_stage(t, nk, nkl, NULL, 0, false, 0);
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
    uint8_t k[9];
    version_key(k, t->st_version, STALE_KEY);
    smt_stage(t, k, sizeof k, t->stale, t->stale_n, false, 0);
}

static void staged_clear(ldg_smt *t)
{
    arena_clear(t);
    t->st_n = 0;
    t->stale_n = 0;
    t->st_on = false;
}

static void stale_child(upd *u, const child *c, unsigned depth)
{
    uint8_t k[NODE_KEY_MAX];
    size_t kl = c->kind == K_LEAF ? smt_leaf_key(k, u->tid, &c->path, c->version)
                                  : smt_inode_key(k, u->tid, depth, &c->path, c->version);
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
    size_t kl = smt_leaf_key(k, u->tid, &o->path, t->st_version);
    if (o->lkind == LDG_SMT_LEAF_REGISTER) {
        uint8_t v[REG_LEAF_ENC_LEN];
        smt_stage(t, k, kl, v, smt_register_leaf_encode(v, o->id12, &o->sroot), true,
                  t->st_version);
        return;
    }
    /* Not for the cache: the update never reads a plain or holding leaf (only its parent's
     * slot), and the readers of past state do not use the cache. */
    uint8_t *v = stage_put(t, k, kl, smt_leaf_size(o->klen, o->vlen), false, false, 0);
    smt_leaf_encode(v, o->key, o->klen, o->val, o->vlen);
}

static bool child_eq(const child *a, const child *b)
{
    return a->kind == b->kind &&
           (a->kind == K_EMPTY || (!memcmp(a->hash.b, b->hash.b, 32) && a->sum == b->sum &&
                                   a->version == b->version && !memcmp(a->path.b, b->path.b, 32)));
}

/* The slot of one op on its own path: an empty slot or the op's own leaf. */
static void update_leaf(upd *u, unsigned depth, const child *cur, const op *o, child *out)
{
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
}

/* The 16 slots below cur at depth: an internal node's children (cached or read), or a
 * leaf pushed one level down (the same node, deeper). */
static ldg_err load_children(upd *u, unsigned depth, const child *cur, const ldg_hash *path,
                             child old[16])
{
    memset(old, 0, 16 * sizeof *old);
    if (cur->kind == K_INNER)
        return smt_read_inode(u->t, &u->t->base, u->tid, depth, path, cur->version, old);
    if (cur->kind == K_LEAF)
        old[nib(&cur->path, depth)] = *cur;
    return LDG_OK;
}

static ldg_err update(upd *u, unsigned depth, const child *cur, const op *ops, size_t n,
                      child *out);

/* Applies each run of ops sharing the nibble at depth to that child. */
static ldg_err update_children(upd *u, unsigned depth, const child old[16], const op *ops, size_t n,
                               child c[16])
{
    ldg_err err = LDG_OK;
    for (size_t i = 0; i < n && err == LDG_OK;) {
        unsigned x = nib(&ops[i].path, depth);
        size_t j = i + 1;
        while (j < n && nib(&ops[j].path, depth) == x)
            j++;
        err = update(u, depth + 1, &old[x], ops + i, j - i, &c[x]);
        i = j;
    }
    return err;
}

/* Stages a new internal node of children c at (depth, path's prefix), encoded in place. */
static void write_inode(upd *u, unsigned depth, const ldg_hash *path, const child c[16], child *out)
{
    binlevels lv;
    ldg_smt *t = u->t;
    *out = (child){.kind = K_INNER, .version = t->st_version};
    smt_node_hash(u->sum_tree, c, &lv, &out->hash, &out->sum);
    uint8_t k[NODE_KEY_MAX];
    size_t kl = smt_inode_key(k, u->tid, depth, path, t->st_version);
    size_t vl = smt_inode_size(c, u->sum_tree, t->st_version);
    uint8_t *v = stage_put(t, k, kl, vl, false, true, t->st_version);
    LDG_ASSERT(smt_inode_encode(v, c, u->sum_tree, t->st_version) == vl);
}

/* The slot's new content once its children went from old to c; keeps the tree canonical:
 * a leaf sits at the least depth where its path is alone (specs/state.md §5.3). */
static void finish_node(upd *u, unsigned depth, const child *cur, const ldg_hash *path,
                        const child old[16], const child c[16], child *out)
{
    bool same = true;
    unsigned count = 0, last = 0;
    for (unsigned i = 0; i < 16; i++) {
        same = same && child_eq(&old[i], &c[i]);
        if (c[i].kind != K_EMPTY)
            count++, last = i;
    }
    if (same)
        return; /* no-op writes: the slot keeps its content */
    if (cur->kind == K_INNER) {
        child stale = *cur;
        stale.path = *path; /* for its key: the prefix */
        stale_child(u, &stale, depth);
    }
    if (count == 0)
        *out = (child){.kind = K_EMPTY};
    else if (count == 1 && c[last].kind == K_LEAF)
        *out = c[last]; /* alone below this prefix: it rises */
    else
        write_inode(u, depth, path, c, out);
}

/* Applies ops[0..n) (sorted by path, all below the slot `cur` at nibble depth `depth`) and
 * gives the slot's new content. */
static ldg_err update(upd *u, unsigned depth, const child *cur, const op *ops, size_t n, child *out)
{
    *out = *cur;
    if (n == 0)
        return LDG_OK;
    if (n == 1 && (cur->kind == K_EMPTY ||
                   (cur->kind == K_LEAF && !memcmp(cur->path.b, ops[0].path.b, 32)))) {
        update_leaf(u, depth, cur, &ops[0], out);
        return LDG_OK;
    }
    LDG_ASSERT(depth < LDG_SMT_DEPTH_MAX);
    child old[16], c[16];
    ldg_err err = load_children(u, depth, cur, &ops[0].path, old);
    if (err != LDG_OK)
        return err;
    memcpy(c, old, sizeof c);
    err = update_children(u, depth, old, ops, n, c);
    if (err == LDG_OK)
        finish_node(u, depth, cur, &ops[0].path, old, c, out);
    return err;
}

static int op_cmp(const void *a, const void *b)
{
    return memcmp(((const op *)a)->path.b, ((const op *)b)->path.b, 32);
}

/* ---- opening ---- */

ldg_err ldg_smt_open(ldg_smt **out, ldg_state_base base, uint64_t version, bool empty)
{
    ldg_smt *t = calloc(1, sizeof *t);
    if (!t)
        return LDG_ERR_NOMEM;
    t->base = base;
    t->empty = empty;
    t->version = version;
    t->retain = LDG_SMT_RETAIN_DEFAULT;
    smt_cache_grow(&t->cache); /* a tree has a cache; the stateless readers' stand-ins not */
    if (!empty) {
        ldg_err err = smt_read_root(&t->base, version, &t->root, &t->groot);
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
    arena_free_all(t->arena_free);
    free(t->st);
    free(t->st_w);
    free(t->st_ord);
    free(t->stale);
    smt_cache_free(&t->cache);
    free(t);
}

void ldg_smt_set_retention(ldg_smt *t, uint64_t blocks)
{
    t->retain = blocks == LDG_SMT_LATEST_ONLY           ? blocks
                : blocks && blocks < LDG_SMT_RETAIN_MIN ? LDG_SMT_RETAIN_MIN
                                                        : blocks;
}

ldg_hash ldg_smt_root(const ldg_smt *t)
{
    return smt_state_root(&t->root, &t->groot);
}

/* ---- a block's update ---- */

static bool is_holding(const ldg_write *w)
{
    return w->klen == LDG_SMT_HOLDING_KEY_LEN && w->key[0] == 'b';
}

/* Updates one register (ws: its holding writes) and gives the registers tree's op for it. */
static ldg_err update_register(ldg_smt *t, const ldg_write *ws, size_t n, op *mop)
{
    const uint8_t *id12 = ws[0].key + 1;
    child cur, next;
    ldg_err err = smt_find_register(t, &t->groot, id12, &cur);
    if (err != LDG_OK)
        return err;
    op *ops = malloc(n * sizeof *ops);
    LDG_ASSERT(ops);
    for (size_t i = 0; i < n; i++)
        smt_plain_op(&ops[i], &ws[i]);
    qsort(ops, n, sizeof *ops, op_cmp);
    uint8_t tid[TID_LEN];
    tid_register(tid, id12);
    upd u = {t, tid, true};
    err = update(&u, 0, &cur, ops, n, &next);
    free(ops);
    if (err != LDG_OK)
        return err;
    memset(mop, 0, sizeof *mop);
    smt_register_path(&mop->path, id12);
    mop->lkind = LDG_SMT_LEAF_REGISTER;
    mop->id12 = id12;
    mop->sroot = next;
    mop->del = next.kind == K_EMPTY;
    if (!mop->del)
        smt_register_leaf_hash(&mop->leaf_hash, &mop->path, &next.hash, next.sum);
    return LDG_OK;
}

/* The ops of a sorted write set: plain keys as they are, for the plain tree (ops[0..*m)),
 * and each instrument's holdings applied to its register first, its new register leaf as
 * an op of the registers tree (gops[0..*gm)). */
static ldg_err block_ops(ldg_smt *t, const ldg_write *w, size_t n, op *ops, size_t *m, op *gops,
                         size_t *gm)
{
    ldg_err err = LDG_OK;
    *m = *gm = 0;
    for (size_t i = 0; i < n && err == LDG_OK;) {
        if (!is_holding(&w[i])) {
            smt_plain_op(&ops[(*m)++], &w[i++]);
            continue;
        }
        size_t j = i + 1; /* sorted: one instrument's holdings are together */
        while (j < n && is_holding(&w[j]) && !memcmp(w[j].key + 1, w[i].key + 1, LDG_SMT_ID_LEN))
            j++;
        err = update_register(t, w + i, j - i, &gops[(*gm)++]);
        i = j;
    }
    return err;
}

/* Stages the writes w as version t->st_version, its stale list and root pointer. */
static ldg_err stage_version(ldg_smt *t, const ldg_write *w, size_t n, ldg_hash *root)
{
    op *ops = malloc((n ? n : 1) * sizeof *ops), *gops = malloc((n ? n : 1) * sizeof *gops);
    LDG_ASSERT(ops && gops);
    size_t m, gm;
    ldg_err err = block_ops(t, w, n, ops, &m, gops, &gm);
    uint8_t tid[TID_LEN];
    if (err == LDG_OK) {
        qsort(ops, m, sizeof *ops, op_cmp);
        tid_main(tid);
        upd u = {t, tid, false};
        err = update(&u, 0, &t->root, ops, m, &t->st_root);
    }
    if (err == LDG_OK) {
        qsort(gops, gm, sizeof *gops, op_cmp);
        tid_regs(tid);
        upd u = {t, tid, false};
        err = update(&u, 0, &t->groot, gops, gm, &t->st_groot);
    }
    free(ops);
    free(gops);
    if (err == LDG_OK)
        err = smt_stage_prune(t, t->st_version);
    if (err == LDG_OK)
        stage_stale_list(t);
    if (err != LDG_OK) {
        staged_clear(t);
        return err;
    }
    uint8_t rk[9], rv[ROOT_ENC_LEN];
    version_key(rk, t->st_version, ROOT_KEY);
    smt_child_encode(rv, &t->st_root);
    smt_child_encode(rv + CHILD_ENC_LEN, &t->st_groot);
    smt_stage(t, rk, sizeof rk, rv, sizeof rv, false, 0);
    *root = smt_state_root(&t->st_root, &t->st_groot);
    return LDG_OK;
}

ldg_err ldg_smt_update(ldg_smt *t, uint64_t version, const ldg_write *w, size_t n, ldg_hash *root)
{
    LDG_ASSERT(t->empty ? version == t->version : version == t->version + 1);
    staged_clear(t);
    t->st_on = true;
    t->st_version = version;
    return stage_version(t, w, n, root);
}

static int staged_cmp(const void *a, const void *b)
{
    const staged *x = *(staged *const *)a, *y = *(staged *const *)b;
    int c = memcmp(x->k, y->k, x->kl < y->kl ? x->kl : y->kl);
    if (c == 0 && x->kl != y->kl)
        c = x->kl < y->kl ? -1 : 1;
    return c ? c : x < y ? -1 : x > y; /* stable: a key staged twice keeps its order */
}

/* In key order: node keys start with the version, so a block's nodes follow every key
 * RocksDB already holds and, sorted, each goes in next to the previous one (the memtable's
 * skiplist then inserts them without searching: measured, bench_smt). */
size_t ldg_smt_staged(ldg_smt *t, const ldg_write **out)
{
    if (t->st_n > t->st_w_cap) {
        t->st_w_cap = t->st_n;
        free(t->st_w);
        free(t->st_ord);
        t->st_w = malloc(t->st_w_cap * sizeof *t->st_w);
        t->st_ord = malloc(t->st_w_cap * sizeof *t->st_ord);
        LDG_ASSERT(t->st_w && t->st_ord);
    }
    for (size_t i = 0; i < t->st_n; i++)
        t->st_ord[i] = &t->st[i];
    qsort(t->st_ord, t->st_n, sizeof *t->st_ord, staged_cmp);
    for (size_t i = 0; i < t->st_n; i++) {
        const staged *s = t->st_ord[i];
        t->st_w[i] = (ldg_write){s->k, s->kl, s->v, s->vl};
    }
    *out = t->st_w;
    return t->st_n;
}

void ldg_smt_commit(ldg_smt *t)
{
    LDG_ASSERT(t->st_on);
    if (t->cache.bytes > LDG_SMT_CACHE_BYTES)
        smt_cache_trim(&t->cache);
    for (size_t i = 0; i < t->st_n; i++)
        if (t->st[i].node)
            smt_cache_put(&t->cache, t->st[i].k, t->st[i].kl, t->st[i].v, t->st[i].vl,
                          t->st[i].version);
    t->root = t->st_root;
    t->groot = t->st_groot;
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
    if (version > t->cache.stored)
        t->cache.stored = version;
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
