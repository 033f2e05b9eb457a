/* State sync into a store: pending tasks, applying chunks, finishing (ldg_snap.h,
 * specs/sync.md §5). */
#include "ldg_snap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char META_SNAP[] = "snap";       /* the checkpoint being synced */
static const char META_TASK[] = "snap/t";     /* ‖ task key → hash ‖ be64 sum */
static const char META_TOP[] = "snap/c";      /* ‖ task key → its subtree's top (done) */
static const char META_SPLIT[] = "snap/n";    /* ‖ 64 − depth ‖ task key → a split node */
static const char META_DONE[] = "checkpoint"; /* the checkpoint a finished sync started at */
/* Every record of a sync but its checkpoint: "snap/" ≤ k < "snap0". */
static const char META_SYNC_LO[] = "snap/", META_SYNC_HI[] = "snap0";
#define TASK_KEY_LEN (sizeof META_TASK - 1 + 1 + LDG_SMT_ID_LEN + 1 + LDG_HASH_LEN)
#define TOP_LEN (1 + LDG_HASH_LEN + 8 + LDG_HASH_LEN)
#define SPLIT_KEY_LEN (TASK_KEY_LEN + 1)
#define SPLIT_VAL_LEN (LDG_HASH_LEN + 8 + 2)

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

/* tree u8 ‖ id12 ‖ depth u8 ‖ prefix32: a task's position, after a record's tag. */
static void task_pos(uint8_t *k, const ldg_snap_task *t)
{
    k[0] = t->tree;
    memcpy(k + 1, t->id12, LDG_SMT_ID_LEN);
    k[1 + LDG_SMT_ID_LEN] = t->depth;
    memcpy(k + 2 + LDG_SMT_ID_LEN, t->prefix.b, LDG_HASH_LEN);
}

static void task_key_as(uint8_t k[TASK_KEY_LEN], const char *tag, const ldg_snap_task *t)
{
    size_t o = sizeof META_TASK - 1;
    memcpy(k, tag, o);
    task_pos(k + o, t);
}

static void task_key(uint8_t k[TASK_KEY_LEN], const ldg_snap_task *t)
{
    task_key_as(k, META_TASK, t);
}

static void top_encode(uint8_t v[TOP_LEN], const ldg_smt_top *t)
{
    v[0] = t->kind;
    memcpy(v + 1, t->hash.b, LDG_HASH_LEN);
    put_be64(v + 1 + LDG_HASH_LEN, t->sum);
    memcpy(v + 9 + LDG_HASH_LEN, t->path.b, LDG_HASH_LEN);
}

static bool top_decode(ldg_smt_top *t, const uint8_t *v, size_t vl)
{
    if (vl != TOP_LEN || v[0] > LDG_SMT_SLOT_LEAF)
        return false;
    t->kind = v[0];
    memcpy(t->hash.b, v + 1, LDG_HASH_LEN);
    t->sum = get_be64(v + 1 + LDG_HASH_LEN);
    memcpy(t->path.b, v + 9 + LDG_HASH_LEN, LDG_HASH_LEN);
    return true;
}

static void put_top(ldg_batch *b, const ldg_snap_task *t, const ldg_smt_top *top)
{
    uint8_t k[TASK_KEY_LEN], v[TOP_LEN];
    task_key_as(k, META_TOP, t);
    top_encode(v, top);
    ldg_batch_put(b, LDG_CF_META, k, sizeof k, v, sizeof v);
}

/* A split node, to build once its slots are done: deepest first in key order. */
static void put_split(ldg_batch *b, const ldg_snap_task *t, uint16_t present)
{
    uint8_t k[SPLIT_KEY_LEN], v[SPLIT_VAL_LEN];
    size_t o = sizeof META_SPLIT - 1;
    memcpy(k, META_SPLIT, o);
    k[o] = (uint8_t)(LDG_SMT_DEPTH_MAX - t->depth);
    task_pos(k + o + 1, t);
    memcpy(v, t->hash.b, LDG_HASH_LEN);
    put_be64(v + LDG_HASH_LEN, t->sum);
    v[LDG_HASH_LEN + 8] = (uint8_t)(present >> 8), v[LDG_HASH_LEN + 9] = (uint8_t)present;
    ldg_batch_put(b, LDG_CF_META, k, sizeof k, v, sizeof v);
}

static void tree_put(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ldg_batch_put(arg, LDG_CF_TREE, k, kl, v, vl);
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
    if (kl != TASK_KEY_LEN || vl != LDG_HASH_LEN + 8 || k[o] > LDG_SNAP_REGISTER ||
        k[o + 1 + LDG_SMT_ID_LEN] > LDG_SMT_DEPTH_MAX)
        return false;
    t->tree = k[o];
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

static bool delete_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)v, (void)vl;
    ldg_batch_delete(((void **)arg)[0], *(ldg_cf *)((void **)arg)[1], k, kl);
    return true;
}

/* Stages the deletion of every key of cf in constant memory: one range tombstone below
 * 0xff, and the keys from 0xff on (none in this layout; a range needs an end) one by one. */
static ldg_err delete_all(ldg_store *s, ldg_batch *b, ldg_cf cf)
{
    static const uint8_t end[1] = {0xff};
    ldg_batch_delete_range(b, cf, "", 0, end, 1);
    void *arg[2] = {b, &cf};
    return ldg_store_scan(s, cf, end, 1, delete_row, arg);
}

ldg_err ldg_snap_store_begin(ldg_store *s, const ldg_snap_checkpoint *cp)
{
    /* The state, the tree (older versions are unreachable below the checkpoint's floor, a
     * sync begun before is replaced) and an earlier sync's records go, whatever their
     * number, in a batch of constant size. */
    ldg_batch *b = ldg_batch_new(s);
    ldg_err err = delete_all(s, b, LDG_CF_STATE);
    if (err == LDG_OK)
        err = delete_all(s, b, LDG_CF_TREE);
    if (err == LDG_OK) {
        ldg_batch_delete_range(b, LDG_CF_META, META_SYNC_LO, sizeof META_SYNC_LO - 1, META_SYNC_HI,
                               sizeof META_SYNC_HI - 1);
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
    size_t max, n;
    bool bad;
} task_list;

static bool task_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    task_list *l = arg;
    if (l->n >= l->max)
        return false;
    if (!task_parse(&l->out[l->n], k, kl, v, vl)) {
        l->bad = true;
        return false;
    }
    l->n++;
    return true;
}

ldg_err ldg_snap_store_tasks(ldg_store *s, const ldg_snap_task *from, ldg_snap_task *out,
                             size_t max, size_t *n)
{
    task_list l = {out, max, 0, false};
    uint8_t k[TASK_KEY_LEN];
    memcpy(k, META_TASK, sizeof META_TASK - 1);
    if (from)
        task_key(k, from);
    ldg_err err = ldg_store_scan_from(s, LDG_CF_META, META_TASK, sizeof META_TASK - 1, k,
                                      from ? sizeof k : sizeof META_TASK - 1, task_row, &l);
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

/* The tree nodes a LEAVES chunk carries (ldg_snap_chunk.nodes). */
static void put_nodes(ldg_batch *b, const ldg_snap_chunk *c)
{
    for (size_t at = 0; at < c->nodes_len;) {
        const uint8_t *p = c->nodes + at;
        size_t kl = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
        const uint8_t *q = p + 4 + kl;
        size_t vl = (size_t)q[0] << 24 | (size_t)q[1] << 16 | (size_t)q[2] << 8 | q[3];
        ldg_batch_put(b, LDG_CF_TREE, p + 4, kl, q + 4, vl);
        at += 8 + kl + vl;
    }
}

ldg_err ldg_snap_store_apply(ldg_store *s, const ldg_snap_task *t, const ldg_snap_chunk *c)
{
    ldg_batch *b = ldg_batch_new(s);
    for (size_t i = 0; i < c->n; i++)
        ldg_batch_put(b, LDG_CF_STATE, c->keys[i], c->klens[i], c->vals[i], c->vlens[i]);
    /* The subtree's nodes now (a split node once its slots are done: at the finish). */
    if (c->split) {
        put_split(b, t, c->present);
    } else if (!c->roots) { /* (the state root's chunk: its two trees are its tasks) */
        put_nodes(b, c);
        put_top(b, t, &c->top);
        if (t->tree == LDG_SNAP_REGISTER && t->depth == 0) /* its leaf in the registers tree */
            ldg_smt_bulk_register(c->version, t->id12, &c->top, tree_put, b);
    }
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

/* The split nodes, deepest first: each from its slots' tops (the subtrees below it are
 * done: chunks applied, or deeper splits built before it), checked against the hash its
 * chunk proved, written with its own top. One batch per depth (a node reads the tops of
 * the depth below, written by then), or per LDG_SNAP_FINISH_NODES nodes; unsynced: a crash redoes
 * the finish, which only rewrites the same records. */
typedef struct splits {
    ldg_store *s;
    uint64_t version;
    ldg_batch *b;
    size_t in_batch;
    int depth; /* of the batch's nodes */
    ldg_err err;
    char *why;
    size_t why_len;
} splits;

static ldg_err splits_flush(splits *x)
{
    ldg_err err = x->in_batch ? ldg_store_write(x->s, x->b, false) : LDG_OK;
    ldg_batch_free(x->b);
    x->b = ldg_batch_new(x->s);
    x->in_batch = 0;
    return err;
}

static ldg_err split_kids(splits *x, const ldg_snap_task *t, unsigned present, ldg_smt_top kids[16])
{
    for (unsigned i = 0; i < 16; i++) {
        memset(&kids[i], 0, sizeof kids[i]);
        if (!(present >> i & 1))
            continue;
        ldg_snap_task k = *t;
        k.depth = (uint8_t)(t->depth + 1);
        k.prefix.b[t->depth / 2] |= (uint8_t)(t->depth % 2 ? i : i << 4);
        uint8_t key[TASK_KEY_LEN], *v;
        size_t vl;
        task_key_as(key, META_TOP, &k);
        ldg_err err = ldg_store_get(x->s, LDG_CF_META, key, sizeof key, &v, &vl);
        if (err == LDG_ERR_NOT_FOUND) { /* a slot's subtree not done: a task is left */
            snprintf(x->why, x->why_len, "a subtree below a node of depth %u was not synced",
                     t->depth);
            return LDG_ERR_CORRUPT;
        }
        if (err != LDG_OK)
            return err;
        bool ok = top_decode(&kids[i], v, vl);
        free(v);
        if (!ok)
            return LDG_ERR_CORRUPT;
    }
    return LDG_OK;
}

static bool split_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    splits *x = arg;
    ldg_snap_task t;
    uint8_t tk[TASK_KEY_LEN];
    memcpy(tk, META_TASK, sizeof META_TASK - 1);
    if (kl != SPLIT_KEY_LEN || vl != SPLIT_VAL_LEN) {
        x->err = LDG_ERR_CORRUPT;
        return false;
    }
    memcpy(tk + sizeof META_TASK - 1, k + sizeof META_SPLIT, TASK_KEY_LEN - (sizeof META_TASK - 1));
    if (!task_parse(&t, tk, sizeof tk, v, LDG_HASH_LEN + 8)) {
        x->err = LDG_ERR_CORRUPT;
        return false;
    }
    if (t.depth != x->depth || x->in_batch == LDG_SNAP_FINISH_NODES) {
        x->err = splits_flush(x);
        x->depth = t.depth;
    }
    ldg_smt_top kids[16], top;
    if (x->err == LDG_OK)
        x->err = split_kids(x, &t, (unsigned)v[LDG_HASH_LEN + 8] << 8 | v[LDG_HASH_LEN + 9], kids);
    if (x->err != LDG_OK)
        return false;
    bool reg = t.tree == LDG_SNAP_REGISTER;
    if (t.tree < LDG_SNAP_PLAIN ||
        !ldg_smt_bulk_node(x->version, (uint8_t)(t.tree - LDG_SNAP_PLAIN), reg ? t.id12 : NULL,
                           t.depth, &t.prefix, kids, tree_put, x->b, &top) ||
        memcmp(top.hash.b, t.hash.b, LDG_HASH_LEN) != 0 || top.sum != t.sum) {
        snprintf(x->why, x->why_len,
                 "a node rebuilt from the chunks (depth %u) does not have the hash its chunk "
                 "proved",
                 t.depth);
        x->err = LDG_ERR_INVALID;
        return false;
    }
    put_top(x->b, &t, &top);
    if (reg && t.depth == 0)
        ldg_smt_bulk_register(x->version, t.id12, &top, tree_put, x->b);
    x->in_batch++;
    return true;
}

static ldg_err build_splits(ldg_store *s, uint64_t version, char *why, size_t why_len)
{
    splits x = {s, version, ldg_batch_new(s), 0, -1, LDG_OK, why, why_len};
    ldg_err err = ldg_store_scan(s, LDG_CF_META, META_SPLIT, sizeof META_SPLIT - 1, split_row, &x);
    if (err == LDG_OK)
        err = x.err;
    if (err == LDG_OK)
        err = splits_flush(&x);
    ldg_batch_free(x.b);
    return err;
}

/* The root of tree (LDG_SNAP_PLAIN or LDG_SNAP_REGS): the top of its depth-0 task. */
static ldg_err root_top(ldg_store *s, uint8_t tree, ldg_smt_top *top)
{
    ldg_snap_task t = {.tree = tree};
    uint8_t key[TASK_KEY_LEN], *v;
    size_t vl;
    task_key_as(key, META_TOP, &t);
    ldg_err err = ldg_store_get(s, LDG_CF_META, key, sizeof key, &v, &vl);
    if (err == LDG_ERR_NOT_FOUND)
        return LDG_ERR_CORRUPT; /* the root task not done: finished too early */
    if (err != LDG_OK)
        return err;
    bool ok = top_decode(top, v, vl);
    free(v);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

ldg_err ldg_snap_store_finish(ldg_store *s, const ldg_snap_checkpoint *cp, char *why,
                              size_t why_len)
{
    ldg_smt_top ptop = {0}, gtop = {0};
    ldg_err err = build_splits(s, cp->height, why, why_len);
    if (err == LDG_OK)
        err = root_top(s, LDG_SNAP_PLAIN, &ptop);
    if (err == LDG_OK)
        err = root_top(s, LDG_SNAP_REGS, &gtop);
    ldg_hash root; /* (a tree's top hash is zero when it is empty) */
    ldg_smt_state_root(&root, &ptop.hash, &gtop.hash);
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
        ldg_smt_bulk_root(cp->height, &ptop, &gtop, tree_put, b);
        ldg_batch_delete_range(b, LDG_CF_META, META_SYNC_LO, sizeof META_SYNC_LO - 1, META_SYNC_HI,
                               sizeof META_SYNC_HI - 1);
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
