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
static ldg_err snap_slot(ldg_state_base *b, uint64_t version, const uint8_t *id12, unsigned depth,
                         const ldg_hash *prefix, uint8_t *tid, child *out)
{
    child root, mroot = {.kind = K_EMPTY};
    ldg_err err = smt_root_at(b, version, &mroot);
    root = mroot;
    if (err == LDG_OK && id12) {
        ldg_smt tmp = {.base = *b};
        err = smt_find_register(&tmp, &mroot, id12, &root); /* (it clears its output first) */
    }
    if (id12)
        tid_register(tid, id12);
    else
        tid_main(tid);
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
        ldg_err err = smt_node_get(NULL, b, k, smt_leaf_key(k, tid, &c->path, c->version), &v, &vl);
        if (err != LDG_OK)
            return err;
        size_t kl = vl >= 3 ? (size_t)v[1] << 8 | v[2] : 0;
        child sr;
        if (vl == 1 + LDG_SMT_ID_LEN + CHILD_ENC_LEN && v[0] == 3 &&
            smt_child_decode(&sr, v + 1 + LDG_SMT_ID_LEN, CHILD_ENC_LEN))
            *stop = !sv->fn(sv->arg, true, v + 1, LDG_SMT_ID_LEN, sr.hash.b, sr.sum);
        else if (vl >= 3 && v[0] == 2 && 3 + kl <= vl)
            *stop = !sv->fn(sv->arg, false, v + 3, kl, v + 3 + kl, vl - 3 - kl);
        else
            err = LDG_ERR_CORRUPT;
        free(v);
        return err;
    }
    child kids[16];
    ldg_err err = smt_read_inode(NULL, b, tid, depth, prefix, c->version, kids);
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
        err = smt_read_inode(NULL, &base, tid, depth, prefix, c.version, k);
        for (int i = 0; i < 16 && err == LDG_OK; i++)
            slot_out(&kids[i], &k[i]);
        *split = err == LDG_OK;
        return err;
    }
    snap_visit sv = {fn, arg};
    bool stop = false;
    return snap_emit(&base, tid, &c, depth, prefix, &sv, &stop);
}
