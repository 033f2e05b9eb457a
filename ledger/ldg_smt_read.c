/* The state tree's past state (specs/state.md §5.6): walking down from the root of any
 * retained version, stateless, from any thread. */
#include "ldg_smt_int.h"

#include <stdlib.h>
#include <string.h>

ldg_err smt_read_root(ldg_state_base *b, uint64_t version, child *p, child *g)
{
    uint8_t k[9];
    version_key(k, version, ROOT_KEY);
    uint8_t *v;
    size_t vl;
    ldg_err err = smt_base_get(b, k, sizeof k, &v, &vl);
    if (err != LDG_OK)
        return err;
    bool ok = vl == ROOT_ENC_LEN && smt_child_decode(p, v, CHILD_ENC_LEN) &&
              smt_child_decode(g, v + CHILD_ENC_LEN, CHILD_ENC_LEN);
    free(v);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

ldg_err smt_walk_down(ldg_smt *t, ldg_state_base *b, const uint8_t *tid, const child *root,
                      const ldg_hash *path, walk *w)
{
    child c = *root, kids[16];
    unsigned d = 0;
    while (c.kind == K_INNER) {
        if (d >= LDG_SMT_DEPTH_MAX)
            return LDG_ERR_CORRUPT;
        ldg_err err = smt_read_inode(t, b, tid, d, path, c.version, kids);
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

ldg_err smt_find_register(ldg_smt *t, const child *groot, const uint8_t *id12, child *sroot)
{
    *sroot = (child){.kind = K_EMPTY};
    ldg_hash rpath;
    smt_register_path(&rpath, id12);
    uint8_t tid[TID_LEN];
    tid_regs(tid);
    walk w = {0};
    ldg_err err = smt_walk_down(t, &t->base, tid, groot, &rpath, &w);
    if (err != LDG_OK || w.term.kind != K_LEAF || memcmp(w.term.path.b, rpath.b, 32))
        return err;
    uint8_t k[NODE_KEY_MAX], *v;
    size_t vl;
    err = smt_node_get(t, &t->base, k, smt_leaf_key(k, tid, &rpath, w.term.version), &v, &vl);
    if (err != LDG_OK)
        return err;
    bool ok = vl == 1 + LDG_SMT_ID_LEN + CHILD_ENC_LEN && v[0] == 3 &&
              smt_child_decode(sroot, v + 1 + LDG_SMT_ID_LEN, CHILD_ENC_LEN);
    free(v);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

/* The roots at version: LDG_ERR_PRUNED below the floor, LDG_ERR_NOT_FOUND above the tip. */
ldg_err smt_root_at(ldg_state_base *b, uint64_t version, child *p, child *g)
{
    uint64_t floor;
    ldg_err err = ldg_smt_floor(*b, &floor);
    if (err == LDG_OK && version < floor)
        return LDG_ERR_PRUNED;
    if (err == LDG_OK)
        err = smt_read_root(b, version, p, g);
    return err;
}

/* A plain or holding leaf's key and value (*val malloc'd). */
ldg_err smt_read_leaf(ldg_state_base *b, const uint8_t *tid, const child *c, const uint8_t *key,
                      size_t klen, uint8_t **val, size_t *vlen)
{
    uint8_t k[NODE_KEY_MAX], *v;
    size_t vl;
    ldg_err err = smt_node_get(NULL, b, k, smt_leaf_key(k, tid, &c->path, c->version), &v, &vl);
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
ldg_err smt_locate(ldg_state_base *b, const child *proot, const child *groot, const uint8_t *key,
                   size_t klen, uint8_t *tid, child *root, bool *none)
{
    *none = false;
    if (klen != LDG_SMT_HOLDING_KEY_LEN || key[0] != 'b') {
        tid_main(tid);
        *root = *proot;
        return LDG_OK;
    }
    ldg_smt tmp = {.base = *b};
    ldg_err err = smt_find_register(&tmp, groot, key + 1, root);
    if (err != LDG_OK)
        return err;
    *none = root->kind == K_EMPTY;
    tid_register(tid, key + 1);
    return LDG_OK;
}

ldg_err ldg_smt_get_at(ldg_state_base base, uint64_t version, const uint8_t *key, size_t klen,
                       uint8_t **val, size_t *vlen, bool *found)
{
    *found = false;
    child proot, groot, root;
    ldg_err err = smt_root_at(&base, version, &proot, &groot);
    uint8_t tid[TID_LEN];
    bool none;
    if (err == LDG_OK)
        err = smt_locate(&base, &proot, &groot, key, klen, tid, &root, &none);
    if (err != LDG_OK || none)
        return err;
    ldg_hash path;
    ldg_smt_path(&path, key, klen);
    walk w = {0};
    err = smt_walk_down(NULL, &base, tid, &root, &path, &w);
    if (err == LDG_OK && w.term.kind == K_LEAF && !memcmp(w.term.path.b, path.b, 32)) {
        err = smt_read_leaf(&base, tid, &w.term, key, klen, val, vlen);
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
        ldg_err err = smt_node_get(NULL, b, k, smt_leaf_key(k, tid, &c->path, c->version), &v, &vl);
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
    ldg_err err = smt_read_inode(NULL, b, tid, depth, prefix, c->version, kids);
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
    child proot, groot, sroot;
    ldg_err err = smt_root_at(&base, version, &proot, &groot);
    if (err != LDG_OK)
        return err;
    ldg_smt tmp = {.base = base};
    err = smt_find_register(&tmp, &groot, id12, &sroot);
    uint8_t tid[TID_LEN];
    tid_register(tid, id12);
    bool stop = false;
    ldg_hash prefix = {{0}};
    if (err == LDG_OK)
        err = visit(&base, tid, &sroot, 0, &prefix, fn, arg, &stop);
    return err;
}
