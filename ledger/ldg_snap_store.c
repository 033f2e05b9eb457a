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
    ldg_err err = ldg_store_write(s, b, true);
    ldg_batch_free(b);
    return err;
}

/* ---- finishing ---- */

typedef struct state_rows {
    ldg_write *w;
    size_t n, cap;
} state_rows;

static bool state_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    state_rows *r = arg;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 4096;
        r->w = realloc(r->w, r->cap * sizeof *r->w);
        LDG_ASSERT(r->w);
    }
    uint8_t *kc = malloc(kl + vl + 1);
    LDG_ASSERT(kc);
    memcpy(kc, k, kl);
    if (vl)
        memcpy(kc + kl, v, vl);
    r->w[r->n++] = (ldg_write){kc, kl, kc + kl, vl};
    return true;
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

/* The tree at cp->height over every state key, staged into b; its root in *root. */
static ldg_err build_tree(ldg_store *s, const ldg_snap_checkpoint *cp, ldg_batch *b, ldg_hash *root)
{
    state_rows r = {0};
    ldg_err err = ldg_store_scan(s, LDG_CF_STATE, "", 0, state_row, &r);
    ldg_smt *t = NULL;
    if (err == LDG_OK)
        err = ldg_smt_open(&t, (ldg_state_base){tree_get, tree_scan, s, NULL, NULL, NULL}, cp->height,
                           true);
    if (err == LDG_OK)
        err = ldg_smt_update(t, cp->height, r.w, r.n, root);
    if (err == LDG_OK) {
        const ldg_write *tw;
        size_t tn = ldg_smt_staged(t, &tw);
        for (size_t i = 0; i < tn; i++)
            if (tw[i].val)
                ldg_batch_put(b, LDG_CF_TREE, tw[i].key, tw[i].klen, tw[i].val, tw[i].vlen);
            else
                ldg_batch_delete(b, LDG_CF_TREE, tw[i].key, tw[i].klen);
    }
    ldg_smt_free(t);
    for (size_t i = 0; i < r.n; i++)
        free((void *)r.w[i].key);
    free(r.w);
    return err;
}

ldg_err ldg_snap_store_finish(ldg_store *s, const ldg_snap_checkpoint *cp, char *why,
                              size_t why_len)
{
    ldg_batch *b = ldg_batch_new(s);
    ldg_hash root;
    ldg_err err = build_tree(s, cp, b, &root);
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
