/* The state tree's subtrees for state sync (specs/sync.md §3). */
#include "ldg_smt_int.h"

#include <stdlib.h>
#include <string.h>

static void slot_out(ldg_smt_slot *s, const child *c)
{
    *s = (ldg_smt_slot){.kind = c->kind,
                        .hash = c->kind == K_EMPTY ? (ldg_hash){{0}} : c->hash,
                        .sum = c->kind == K_EMPTY ? 0 : c->sum};
}

/* The slot at (depth, prefix) of the tree tid at version: reached through internal nodes
 * only (LDG_ERR_NOT_FOUND if the walk ends above depth). */
static void tree_tid(uint8_t *tid, uint8_t tree, const uint8_t *id12)
{
    if (tree == LDG_SMT_TREE_REGISTER)
        tid_register(tid, id12);
    else if (tree == LDG_SMT_TREE_REGS)
        tid_regs(tid);
    else
        tid_main(tid);
}

static ldg_err snap_slot(ldg_state_base *b, uint64_t version, uint8_t tree, const uint8_t *id12,
                         unsigned depth, const ldg_hash *prefix, uint8_t *tid, child *out)
{
    child root, proot = {.kind = K_EMPTY}, groot = {.kind = K_EMPTY};
    ldg_err err = smt_root_at(b, version, &proot, &groot);
    root = tree == LDG_SMT_TREE_PLAIN ? proot : groot;
    if (err == LDG_OK && tree == LDG_SMT_TREE_REGISTER) {
        ldg_smt tmp = {.base = *b};
        err = smt_find_register(&tmp, &groot, id12, &root); /* (it clears its output first) */
    }
    tree_tid(tid, tree, id12);
    for (unsigned d = 0; err == LDG_OK && d < depth; d++) {
        if (root.kind != K_INNER)
            return LDG_ERR_NOT_FOUND;
        child kids[16];
        err = smt_read_inode(NULL, b, tid, d, prefix, root.version, kids);
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
    ldg_err err = smt_read_inode(NULL, b, tid, depth, prefix, c->version, kids);
    for (unsigned i = 0; i < 16 && err == LDG_OK && *fits; i++) {
        ldg_hash p = *prefix;
        p.b[depth / 2] = depth % 2 ? (uint8_t)((p.b[depth / 2] & 0xf0) | i)
                                   : (uint8_t)((p.b[depth / 2] & 0x0f) | i << 4);
        err = snap_count(b, tid, &kids[i], depth + 1, &p, max, leaves, nodes, fits);
    }
    return err;
}

/* The leaves below c in path order (at most max: snap_count counted them). */
typedef struct leafset {
    child *c;
    size_t n, max;
} leafset;

static ldg_err snap_collect(ldg_state_base *b, const uint8_t *tid, const child *c, unsigned depth,
                            const ldg_hash *prefix, leafset *ls)
{
    if (c->kind == K_EMPTY)
        return LDG_OK;
    if (c->kind == K_LEAF) {
        if (ls->n == ls->max)
            return LDG_ERR_CORRUPT; /* more than counted */
        ls->c[ls->n++] = *c;
        return LDG_OK;
    }
    child kids[16];
    ldg_err err = smt_read_inode(NULL, b, tid, depth, prefix, c->version, kids);
    for (unsigned i = 0; i < 16 && err == LDG_OK; i++) {
        ldg_hash p = *prefix;
        p.b[depth / 2] = depth % 2 ? (uint8_t)((p.b[depth / 2] & 0xf0) | i)
                                   : (uint8_t)((p.b[depth / 2] & 0x0f) | i << 4);
        err = snap_collect(b, tid, &kids[i], depth + 1, &p, ls);
    }
    return err;
}

/* One leaf node's bytes to fn: a register leaf (its id12, root and total) or a key and
 * value. */
static ldg_err snap_emit_one(const uint8_t *v, size_t vl, ldg_smt_snap_fn fn, void *arg, bool *stop)
{
    size_t kl = vl >= 3 ? (size_t)v[1] << 8 | v[2] : 0;
    child sr;
    if (vl == REG_LEAF_ENC_LEN && v[0] == 3 &&
        smt_child_decode(&sr, v + 1 + LDG_SMT_ID_LEN, CHILD_ENC_LEN))
        *stop = !fn(arg, true, v + 1, LDG_SMT_ID_LEN, sr.hash.b, sr.sum);
    else if (vl >= 3 && v[0] == 2 && 3 + kl <= vl)
        *stop = !fn(arg, false, v + 3, kl, v + 3 + kl, vl - 3 - kl);
    else
        return LDG_ERR_CORRUPT;
    return LDG_OK;
}

/* The leaves' nodes, read at once when the base offers it (a serving node's cost is these
 * reads: one batched read instead of one lookup per leaf), given to fn in path order. */
static ldg_err snap_emit(ldg_state_base *b, const uint8_t *tid, const leafset *ls,
                         ldg_smt_snap_fn fn, void *arg)
{
    size_t n = ls->n;
    uint8_t(*keys)[NODE_KEY_MAX] = malloc((n ? n : 1) * sizeof *keys);
    const uint8_t **kp = malloc((n ? n : 1) * sizeof *kp);
    size_t *kl = malloc((n ? n : 1) * sizeof *kl), *vl = calloc(n ? n : 1, sizeof *vl);
    uint8_t **v = calloc(n ? n : 1, sizeof *v);
    bool *found = calloc(n ? n : 1, sizeof *found);
    LDG_ASSERT(keys && kp && kl && vl && v && found);
    for (size_t i = 0; i < n; i++) {
        kl[i] = smt_leaf_key(keys[i], tid, &ls->c[i].path, ls->c[i].version);
        kp[i] = keys[i];
    }
    ldg_err err = LDG_OK;
    if (b->multi_get && n > 1) {
        err = b->multi_get(b->arg, n, kp, kl, v, vl, found);
        for (size_t i = 0; err == LDG_OK && i < n; i++)
            if (!found[i])
                err = LDG_ERR_CORRUPT; /* a node the tree refers to */
    } else {
        for (size_t i = 0; err == LDG_OK && i < n; i++)
            err = smt_node_get(NULL, b, kp[i], kl[i], &v[i], &vl[i]);
    }
    bool stop = false;
    for (size_t i = 0; err == LDG_OK && i < n && !stop; i++)
        err = snap_emit_one(v[i], vl[i], fn, arg, &stop);
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(keys);
    free(kp);
    free(kl);
    free(vl);
    free(v);
    free(found);
    return err;
}

void ldg_smt_state_root(ldg_hash *out, const ldg_hash *p, const ldg_hash *g)
{
    child pc = {.kind = K_INNER, .hash = *p}, gc = {.kind = K_INNER, .hash = *g};
    *out = smt_state_root(&pc, &gc);
}

ldg_err ldg_smt_roots_at(ldg_state_base base, uint64_t version, ldg_hash *p, ldg_hash *g)
{
    child pc, gc;
    ldg_err err = smt_root_at(&base, version, &pc, &gc);
    if (err == LDG_OK) {
        *p = smt_root_hash(&pc);
        *g = smt_root_hash(&gc);
    }
    return err;
}

ldg_err ldg_smt_snap_read(ldg_state_base base, uint64_t version, uint8_t tree, const uint8_t *id12,
                          unsigned depth, const ldg_hash *prefix, size_t leaves_max,
                          ldg_smt_slot *slot, ldg_smt_slot kids[16], bool *split,
                          ldg_smt_snap_fn fn, void *arg)
{
    *split = false;
    if (depth > LDG_SMT_DEPTH_MAX || tree > LDG_SMT_TREE_REGISTER ||
        (tree == LDG_SMT_TREE_REGISTER && !id12))
        return LDG_ERR_INVALID;
    uint8_t tid[TID_LEN];
    child c;
    ldg_err err = snap_slot(&base, version, tree, id12, depth, prefix, tid, &c);
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
        err = smt_read_inode(NULL, &base, tid, depth, prefix, c.version, k);
        for (int i = 0; i < 16 && err == LDG_OK; i++)
            slot_out(&kids[i], &k[i]);
        *split = err == LDG_OK;
        return err;
    }
    leafset ls = {calloc(leaves ? leaves : 1, sizeof *ls.c), 0, leaves};
    LDG_ASSERT(ls.c);
    err = snap_collect(&base, tid, &c, depth, prefix, &ls);
    if (err == LDG_OK)
        err = snap_emit(&base, tid, &ls, fn, arg);
    free(ls.c);
    return err;
}

/* ---- building one version bottom-up (state sync, bulk loads) ---- */

typedef struct bulk {
    uint64_t version;
    uint8_t tid[TID_LEN];
    bool sum_tree;
    ldg_smt_put_fn put;
    void *arg;
} bulk;

static void bulk_init(bulk *b, uint64_t version, uint8_t tree, const uint8_t *id12,
                      ldg_smt_put_fn put, void *arg)
{
    b->version = version;
    b->sum_tree = tree == LDG_SMT_TREE_REGISTER;
    tree_tid(b->tid, tree, id12);
    b->put = put;
    b->arg = arg;
}

static child top_child(const ldg_smt_top *t, uint64_t version)
{
    if (t->kind == LDG_SMT_SLOT_EMPTY)
        return (child){.kind = K_EMPTY};
    return (child){.kind = t->kind == LDG_SMT_SLOT_LEAF ? K_LEAF : K_INNER,
                   .hash = t->hash,
                   .sum = t->sum,
                   .version = version,
                   .path = t->kind == LDG_SMT_SLOT_LEAF ? t->path : (ldg_hash){{0}}};
}

static void child_top(ldg_smt_top *t, const child *c)
{
    *t = (ldg_smt_top){.kind = c->kind == K_EMPTY  ? LDG_SMT_SLOT_EMPTY
                               : c->kind == K_LEAF ? LDG_SMT_SLOT_LEAF
                                                   : LDG_SMT_SLOT_INNER,
                       .hash = c->hash,
                       .sum = c->sum,
                       .path = c->path};
}

void ldg_smt_bleaf_of(ldg_smt_bleaf *l, const uint8_t *key, size_t klen, const uint8_t *val,
                      size_t vlen)
{
    memset(l, 0, sizeof *l);
    ldg_smt_leaf_of(&l->hash, &l->sum, &l->path, key, klen, val, vlen);
    l->key = key, l->klen = klen, l->val = val, l->vlen = vlen;
}

static void bulk_leaf(bulk *b, const ldg_smt_bleaf *l, child *out)
{
    *out = (child){
        .kind = K_LEAF, .hash = l->hash, .sum = l->sum, .version = b->version, .path = l->path};
    if (l->reg)
        return;
    uint8_t k[NODE_KEY_MAX], small[512];
    size_t kl = smt_leaf_key(k, b->tid, &l->path, b->version), vl = smt_leaf_size(l->klen, l->vlen);
    uint8_t *v = vl <= sizeof small ? small : malloc(vl);
    LDG_ASSERT(v);
    b->put(b->arg, k, kl, v, smt_leaf_encode(v, l->key, l->klen, l->val, l->vlen));
    if (v != small)
        free(v);
}

/* The internal node over kids at (depth, path's first depth nibbles). */
static bool bulk_inode(bulk *b, unsigned depth, const ldg_hash *path, const child kids[16],
                       child *out)
{
    ldg_hash hs[16];
    uint64_t ss[16];
    for (int i = 0; i < 16; i++) {
        hs[i] = kids[i].kind == K_EMPTY ? (ldg_hash){{0}} : kids[i].hash;
        ss[i] = kids[i].kind == K_EMPTY ? 0 : kids[i].sum;
    }
    *out = (child){.kind = K_INNER, .version = b->version};
    if (!ldg_smt_node_of(b->sum_tree, hs, ss, &out->hash, &out->sum))
        return false;
    uint8_t k[NODE_KEY_MAX], v[5 + 16 * (32 + 2 * VARINT_MAX + 32)];
    LDG_ASSERT(smt_inode_size(kids, b->sum_tree, b->version) <= sizeof v);
    size_t kl = smt_inode_key(k, b->tid, depth, path, b->version);
    b->put(b->arg, k, kl, v, smt_inode_encode(v, kids, b->sum_tree, b->version));
    return true;
}

static bool bulk_sub(bulk *b, const ldg_smt_bleaf *l, size_t n, unsigned depth, child *out)
{
    if (n == 0) {
        *out = (child){.kind = K_EMPTY};
        return true;
    }
    if (n == 1) {
        bulk_leaf(b, l, out);
        return true;
    }
    if (depth >= LDG_SMT_DEPTH_MAX)
        return false; /* two equal paths */
    child kids[16];
    size_t i = 0;
    for (unsigned x = 0; x < 16; x++) {
        size_t j = i;
        while (j < n && nib(&l[j].path, depth) == x)
            j++;
        if (!bulk_sub(b, l + i, j - i, depth + 1, &kids[x]))
            return false;
        i = j;
    }
    return i == n && bulk_inode(b, depth, &l[0].path, kids, out);
}

bool ldg_smt_bulk_subtree(uint64_t version, uint8_t tree, const uint8_t *id12, unsigned depth,
                          const ldg_smt_bleaf *l, size_t n, ldg_smt_put_fn put, void *arg,
                          ldg_smt_top *top)
{
    bulk b;
    bulk_init(&b, version, tree, id12, put, arg);
    child c;
    if (depth > LDG_SMT_DEPTH_MAX || !bulk_sub(&b, l, n, depth, &c))
        return false;
    child_top(top, &c);
    return true;
}

bool ldg_smt_bulk_node(uint64_t version, uint8_t tree, const uint8_t *id12, unsigned depth,
                       const ldg_hash *prefix, const ldg_smt_top kids[16], ldg_smt_put_fn put,
                       void *arg, ldg_smt_top *top)
{
    bulk b;
    bulk_init(&b, version, tree, id12, put, arg);
    child k[16], c;
    unsigned present = 0, leaves = 0;
    for (int i = 0; i < 16; i++) {
        k[i] = top_child(&kids[i], version);
        present += k[i].kind != K_EMPTY;
        leaves += k[i].kind == K_LEAF;
    }
    if (depth >= LDG_SMT_DEPTH_MAX || present == 0 || (present == 1 && leaves == 1) ||
        !bulk_inode(&b, depth, prefix, k, &c))
        return false;
    child_top(top, &c);
    return true;
}

void ldg_smt_bulk_register(uint64_t version, const uint8_t *id12, const ldg_smt_top *root,
                           ldg_smt_put_fn put, void *arg)
{
    uint8_t tid[TID_LEN], k[NODE_KEY_MAX], v[REG_LEAF_ENC_LEN];
    tid_regs(tid);
    ldg_hash rpath;
    smt_register_path(&rpath, id12);
    child sroot = top_child(root, version);
    size_t kl = smt_leaf_key(k, tid, &rpath, version);
    put(arg, k, kl, v, smt_register_leaf_encode(v, id12, &sroot));
}

void ldg_smt_bulk_root(uint64_t version, const ldg_smt_top *p, const ldg_smt_top *g,
                       ldg_smt_put_fn put, void *arg)
{
    uint8_t rk[9], rv[ROOT_ENC_LEN];
    version_key(rk, version, ROOT_KEY);
    child pc = top_child(p, version), gc = top_child(g, version);
    smt_child_encode(rv, &pc);
    smt_child_encode(rv + CHILD_ENC_LEN, &gc);
    put(arg, rk, sizeof rk, rv, sizeof rv);
}
