/* State sync into a store: pending tasks, applying chunks, finishing (ldg_snap.h,
 * specs/sync.md §5). */
#include "ldg_snap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char META_SNAP[] = "snap";       /* the checkpoint being synced */
static const char META_TASK[] = "snap/t";     /* ‖ task key → hash ‖ be64 sum */
static const char META_DONE[] = "checkpoint"; /* the checkpoint a finished sync started at */
#define TASK_KEY_LEN (sizeof META_TASK - 1 + 1 + LDG_SMT_ID_LEN + 1 + LDG_HASH_LEN)

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

static void task_key(uint8_t k[TASK_KEY_LEN], const ldg_snap_task *t)
{
    size_t o = sizeof META_TASK - 1;
    memcpy(k, META_TASK, o);
    k[o] = t->reg;
    memcpy(k + o + 1, t->id12, LDG_SMT_ID_LEN);
    k[o + 1 + LDG_SMT_ID_LEN] = t->depth;
    memcpy(k + o + 2 + LDG_SMT_ID_LEN, t->prefix.b, LDG_HASH_LEN);
}

static void put_task(ldg_batch *b, const ldg_snap_task *t)
{
    uint8_t k[TASK_KEY_LEN], v[LDG_HASH_LEN + 8];
    task_key(k, t);
    memcpy(v, t->hash.b, LDG_HASH_LEN);
    put_be64(v + LDG_HASH_LEN, t->sum);
    ldg_batch_put(b, LDG_CF_META, k, sizeof k, v, sizeof v);
}

static bool task_parse(ldg_snap_task *t, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    size_t o = sizeof META_TASK - 1;
    if (kl != TASK_KEY_LEN || vl != LDG_HASH_LEN + 8 || k[o] > 1 ||
        k[o + 1 + LDG_SMT_ID_LEN] > LDG_SMT_DEPTH_MAX)
        return false;
    t->reg = k[o];
    memcpy(t->id12, k + o + 1, LDG_SMT_ID_LEN);
    t->depth = k[o + 1 + LDG_SMT_ID_LEN];
    memcpy(t->prefix.b, k + o + 2 + LDG_SMT_ID_LEN, LDG_HASH_LEN);
    memcpy(t->hash.b, v, LDG_HASH_LEN);
    t->sum = get_be64(v + LDG_HASH_LEN);
    return true;
}

ldg_err ldg_snap_store_pending(ldg_store *s, bool *pending, uint8_t **raw, size_t *raw_len)
{
    *raw = NULL;
    *raw_len = 0;
    ldg_err err = ldg_store_get(s, LDG_CF_META, META_SNAP, sizeof META_SNAP - 1, raw, raw_len);
    *pending = err == LDG_OK;
    return err == LDG_ERR_NOT_FOUND ? LDG_OK : err;
}

typedef struct keys {
    ldg_batch *b;
    ldg_cf cf;
} keys;

static bool delete_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)v, (void)vl;
    keys *d = arg;
    ldg_batch_delete(d->b, d->cf, k, kl);
    return true;
}

ldg_err ldg_snap_store_begin(ldg_store *s, const ldg_snap_checkpoint *cp)
{
    ldg_batch *b = ldg_batch_new(s);
    keys d = {b, LDG_CF_STATE};
    ldg_err err = ldg_store_scan(s, LDG_CF_STATE, "", 0, delete_row, &d);
    d.cf = LDG_CF_META;
    if (err == LDG_OK)
        err = ldg_store_scan(s, LDG_CF_META, META_TASK, sizeof META_TASK - 1, delete_row, &d);
    if (err == LDG_OK) {
        ldg_batch_put(b, LDG_CF_META, META_SNAP, sizeof META_SNAP - 1, cp->raw, cp->raw_len);
        ldg_snap_task root;
        ldg_snap_root_task(&root, &cp->state_root);
        put_task(b, &root);
        err = ldg_store_write(s, b, true);
    }
    ldg_batch_free(b);
    return err;
}

typedef struct task_list {
    ldg_snap_task *out;
    size_t skip, max, n;
    bool bad;
} task_list;

static bool task_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    task_list *l = arg;
    if (l->skip) {
        l->skip--;
        return true;
    }
    if (l->n >= l->max)
        return false;
    if (!task_parse(&l->out[l->n], k, kl, v, vl)) {
        l->bad = true;
        return false;
    }
    l->n++;
    return true;
}

ldg_err ldg_snap_store_tasks(ldg_store *s, size_t skip, ldg_snap_task *out, size_t max, size_t *n)
{
    task_list l = {out, skip, max, 0, false};
    ldg_err err = ldg_store_scan(s, LDG_CF_META, META_TASK, sizeof META_TASK - 1, task_row, &l);
    *n = l.n;
    return err == LDG_OK && l.bad ? LDG_ERR_CORRUPT : err;
}

static bool count_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)k, (void)kl, (void)v, (void)vl;
    (*(size_t *)arg)++;
    return true;
}

ldg_err ldg_snap_store_count(ldg_store *s, size_t *n)
{
    *n = 0;
    return ldg_store_scan(s, LDG_CF_META, META_TASK, sizeof META_TASK - 1, count_row, n);
}

ldg_err ldg_snap_store_apply(ldg_store *s, const ldg_snap_task *t, const ldg_snap_chunk *c)
{
    ldg_batch *b = ldg_batch_new(s);
    for (size_t i = 0; i < c->n; i++)
        ldg_batch_put(b, LDG_CF_STATE, c->keys[i], c->klens[i], c->vals[i], c->vlens[i]);
    for (size_t i = 0; i < c->ntasks; i++)
        put_task(b, &c->tasks[i]);
    uint8_t k[TASK_KEY_LEN];
    task_key(k, t);
    ldg_batch_delete(b, LDG_CF_META, k, sizeof k);
    /* Not synced: batches reach the log in order and whole, so a power loss drops a suffix
     * of chunks together with the removal of their tasks (fetched again on resume); the
     * finish's synced batch makes them all durable. One fsync per chunk cost more than the
     * chunk's keys. */
    ldg_err err = ldg_store_write(s, b, false);
    ldg_batch_free(b);
    return err;
}

/* ---- finishing ---- */

/* One pass of the state's keys, in key order from `from`: copied into one buffer, at most
 * LDG_SNAP_FINISH_KEYS keys or LDG_SNAP_FINISH_BYTES_MAX bytes (at least one key). */
typedef struct state_pass {
    ldg_write w[LDG_SNAP_FINISH_KEYS];
    size_t n;
    uint8_t *buf;
    size_t used, cap;
    bool more; /* stopped before the end */
} state_pass;

static bool state_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    state_pass *p = arg;
    if (p->n == LDG_SNAP_FINISH_KEYS || (p->n && p->used + kl + vl > LDG_SNAP_FINISH_BYTES_MAX)) {
        p->more = true;
        return false;
    }
    if (p->used + kl + vl > p->cap) { /* only the first key of a pass can be this large */
        p->cap = p->used + kl + vl;
        p->buf = realloc(p->buf, p->cap);
        LDG_ASSERT(p->buf);
    }
    p->w[p->n++] = (ldg_write){(uint8_t *)(uintptr_t)p->used, kl, NULL, vl}; /* offsets */
    memcpy(p->buf + p->used, k, kl);
    if (vl)
        memcpy(p->buf + p->used + kl, v, vl);
    p->used += kl + vl;
    return true;
}

/* Reads the next pass after key from[0..fl) (fl 0: from the start). */
static ldg_err state_next(ldg_store *s, state_pass *p, const uint8_t *from, size_t fl)
{
    p->n = p->used = 0;
    p->more = false;
    ldg_err err = ldg_store_scan_from(s, LDG_CF_STATE, "", 0, from, fl, state_row, p);
    for (size_t i = 0; i < p->n; i++) { /* offsets into pointers: buf no longer moves */
        size_t at = (size_t)(uintptr_t)p->w[i].key;
        p->w[i].key = p->buf + at;
        p->w[i].val = p->buf + at + p->w[i].klen;
    }
    return err;
}

static ldg_err tree_get(void *arg, const uint8_t *k, size_t kl, uint8_t **v, size_t *vl)
{
    return ldg_store_get(arg, LDG_CF_TREE, k, kl, v, vl);
}

static ldg_err tree_scan(void *arg, const uint8_t *p, size_t pl,
                         bool (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t),
                         void *fa)
{
    return ldg_store_scan(arg, LDG_CF_TREE, p, pl, fn, fa);
}

/* Writes the staged nodes of one pass (unsynced: the sync stays pending until the last
 * batch, which is synced) and makes them current. */
static ldg_err write_pass(ldg_store *s, ldg_smt *t, uint64_t version)
{
    const ldg_write *tw;
    size_t tn = ldg_smt_staged(t, &tw);
    ldg_batch *b = ldg_batch_new(s);
    for (size_t i = 0; i < tn; i++)
        if (tw[i].val)
            ldg_batch_put(b, LDG_CF_TREE, tw[i].key, tw[i].klen, tw[i].val, tw[i].vlen);
        else
            ldg_batch_delete(b, LDG_CF_TREE, tw[i].key, tw[i].klen);
    ldg_err err = ldg_store_write(s, b, false);
    ldg_batch_free(b);
    if (err != LDG_OK)
        return err;
    ldg_smt_commit(t);
    ldg_smt_stored(t, version);
    return LDG_OK;
}

/* The tree at cp->height over every state key, built and written pass by pass (a pass
 * after the first extends the same version: ldg_smt_update_more); its root in *root.
 * Memory: one pass, whatever the state's size. A crash in between leaves nodes of the
 * version that the next attempt rewrites under the same keys (puts only: a node of a
 * partial state is a node of the whole one). */
static ldg_err build_tree(ldg_store *s, const ldg_snap_checkpoint *cp, ldg_hash *root)
{
    state_pass *p = calloc(1, sizeof *p);
    ldg_smt *t = NULL;
    if (!p)
        return LDG_ERR_NOMEM;
    ldg_err err =
        ldg_smt_open(&t, (ldg_state_base){tree_get, tree_scan, s, NULL, NULL}, cp->height, true);
    uint8_t last[LDG_SNAP_KEY_MAX + 1];
    size_t ll = 0;
    for (bool first = true; err == LDG_OK && (first || p->more); first = false) {
        err = state_next(s, p, last, ll);
        if (err == LDG_OK)
            err = first ? ldg_smt_update(t, cp->height, p->w, p->n, root)
                        : ldg_smt_update_more(t, p->w, p->n, root);
        if (err == LDG_OK)
            err = write_pass(s, t, cp->height);
        if (err == LDG_OK && p->n) { /* the next pass starts just after the last key */
            ll = p->w[p->n - 1].klen;
            if (ll >= sizeof last)
                err = LDG_ERR_CORRUPT;
            else {
                memcpy(last, p->w[p->n - 1].key, ll);
                last[ll++] = 0;
            }
        }
    }
    ldg_smt_free(t);
    free(p->buf);
    free(p);
    return err;
}

ldg_err ldg_snap_store_finish(ldg_store *s, const ldg_snap_checkpoint *cp, char *why,
                              size_t why_len)
{
    ldg_hash root;
    ldg_err err = build_tree(s, cp, &root);
    ldg_batch *b = ldg_batch_new(s);
    if (err == LDG_OK && memcmp(root.b, cp->state_root.b, LDG_HASH_LEN) != 0) {
        snprintf(why, why_len,
                 "the state rebuilt from the chunks does not have the certified root of "
                 "block %llu",
                 (unsigned long long)cp->height);
        err = LDG_ERR_INVALID;
    }
    if (err == LDG_OK) {
        /* Nothing below the checkpoint is readable: the history floor is H. */
        uint8_t fv[8];
        put_be64(fv, cp->height);
        ldg_batch_put(b, LDG_CF_TREE, "F", 1, fv, 8);
        ldg_tip tip = {.height = cp->height, .time_ms = cp->header.time_ms, .state_root = root};
        ldg_header_hash(&tip.hash, &cp->header);
        ldg_chain_batch_tip(b, &tip);
        ldg_batch_put(b, LDG_CF_META, META_DONE, sizeof META_DONE - 1, cp->raw, cp->raw_len);
        ldg_batch_delete(b, LDG_CF_META, META_SNAP, sizeof META_SNAP - 1);
        err = ldg_store_write(s, b, true);
    }
    ldg_batch_free(b);
    return err;
}

bool ldg_snap_store_syncing(ldg_store *s)
{
    return ldg_store_has(s, LDG_CF_META, META_SNAP, sizeof META_SNAP - 1);
}

ldg_err ldg_snap_store_checkpoint(ldg_store *s, uint8_t **raw, size_t *raw_len)
{
    return ldg_store_get(s, LDG_CF_META, META_DONE, sizeof META_DONE - 1, raw, raw_len);
}
