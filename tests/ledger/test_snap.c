/* State sync chunks (ledger/ldg_snap.c, specs/sync.md §3): a seeded random state (plain
 * keys and two registers: the plain tree, the registers tree) restored chunk by chunk from
 * its root hash reproduces the state
 * and its root for several chunk sizes; a tampered, truncated, reordered, shortened or
 * lengthened chunk, a chunk of another subtree and a chunk against another root are each
 * refused. Into a store: the tree written chunk by chunk (stopped and resumed, its finish
 * redone) is byte for byte the tree a replica builds, and beginning a sync on a full store
 * takes memory that does not grow with it. */
#include "ldg_snap.h"
#include "ldg_store.h"
#include "testlib.h"

#define VERSION 7
#define NPLAIN 120
#define NHOLD 90

typedef struct fixture {
    ldg_memkv *kv; /* the tree's nodes */
    ldg_memkv *state;
    ldg_hash root;
    size_t nkeys;
} fixture;

static void enc_u64(uint64_t v, uint8_t *out, size_t *n)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_u64(&e, v);
    *n = ldg_enc_len(&e);
    memcpy(out, ldg_enc_data(&e), *n);
    ldg_enc_free(&e);
}

static void build(fixture *f, uint64_t seed)
{
    tl_rng r;
    tl_rng_init(&r, seed);
    f->kv = ldg_memkv_new();
    f->state = ldg_memkv_new();
    ldg_memkv *tmp = ldg_memkv_new();
    ldg_state *st = ldg_state_new(ldg_memkv_base(tmp));
    for (int i = 0; i < NPLAIN; i++) {
        uint8_t k[9], v[40];
        k[0] = 'p';
        tl_rng_bytes(&r, k + 1, 8);
        size_t vl = tl_rng_below(&r, sizeof v); /* empty values too */
        tl_rng_bytes(&r, v, vl);
        ldg_state_put(st, k, sizeof k, v, vl);
    }
    for (int i = 0; i < NHOLD; i++) {
        uint8_t k[33], v[9];
        size_t vl;
        k[0] = 'b';
        memcpy(k + 1, i % 3 ? "CNE100000296" : "US0378331005", 12);
        tl_rng_bytes(&r, k + 13, 20);
        enc_u64(1 + tl_rng_below(&r, 1000000), v, &vl);
        ldg_state_put(st, k, sizeof k, v, vl);
    }
    const ldg_write *w;
    size_t n = ldg_state_writes(st, &w);
    ldg_memkv_apply(f->state, w, n);
    f->nkeys = n;
    ldg_smt *t;
    ck_assert_int_eq(ldg_smt_open(&t, ldg_memkv_base(f->kv), VERSION, true), LDG_OK);
    ldg_hash zero = {{0}};
    ck_assert_int_eq(ldg_smt_step_mem(t, f->kv, &zero, VERSION, w, n, &f->root), LDG_OK);
    ldg_smt_free(t);
    ldg_state_free(st);
    ldg_memkv_free(tmp);
}

static void drop(fixture *f)
{
    ldg_memkv_free(f->kv);
    ldg_memkv_free(f->state);
}

static uint8_t *chunk_of(fixture *f, const ldg_snap_task *t, size_t keys_max, size_t *len)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ck_assert_int_eq(ldg_snap_build(ldg_memkv_base(f->kv), VERSION, t, keys_max, &e), LDG_OK);
    return ldg_enc_take(&e, len);
}

/* Restores the whole state through chunks of at most keys_max leaves; the keys land in out. */
static size_t restore(fixture *f, size_t keys_max, ldg_memkv *out)
{
    size_t cap = 4096, n = 1, chunks = 0;
    ldg_snap_task *q = malloc(cap * sizeof *q);
    ldg_snap_root_task(&q[0], &f->root);
    while (n > 0) {
        ldg_snap_task t = q[--n];
        size_t len;
        uint8_t *data = chunk_of(f, &t, keys_max, &len);
        ldg_snap_chunk c;
        char why[256] = "";
        ck_assert_msg(ldg_snap_verify(&c, &t, VERSION, data, len, why, sizeof why) == LDG_OK,
                      "%s (keys_max %zu, tree %d, depth %u, %zu bytes)", why, keys_max, t.tree,
                      t.depth, len);
        for (size_t i = 0; i < c.n; i++) {
            ldg_write w = {c.keys[i], c.klens[i], c.vals[i], c.vlens[i]};
            ldg_memkv_apply(out, &w, 1);
        }
        ck_assert(n + c.ntasks <= cap);
        memcpy(q + n, c.tasks, c.ntasks * sizeof *q);
        n += c.ntasks;
        ldg_snap_chunk_free(&c);
        free(data);
        chunks++;
    }
    free(q);
    return chunks;
}

static bool same_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ldg_state_base *b = arg;
    uint8_t *got;
    size_t gl;
    ck_assert_int_eq(b->get(b->arg, k, kl, &got, &gl), LDG_OK);
    ck_assert(gl == vl && !memcmp(got, v, vl));
    free(got);
    return true;
}

START_TEST(test_restore_whole_state)
{
    fixture f;
    build(&f, tl_seed("snap restore", 0x5a9c0001));
    size_t sizes[] = {1, 2, 7, LDG_SNAP_CHUNK_KEYS_MAX};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        ldg_memkv *out = ldg_memkv_new();
        size_t chunks = restore(&f, sizes[s], out);
        ck_assert_uint_eq(ldg_memkv_count(out), f.nkeys);
        ldg_state_base b = ldg_memkv_base(out);
        ldg_state_base src = ldg_memkv_base(f.state);
        ck_assert_int_eq(src.scan(src.arg, (const uint8_t *)"", 0, same_row, &b), LDG_OK);
        if (sizes[s] == LDG_SNAP_CHUNK_KEYS_MAX)
            ck_assert_uint_eq(chunks, 5); /* the root's two trees, P, G and its two registers */
        else
            ck_assert_uint_gt(chunks, f.nkeys / sizes[s] / 2);
        ldg_memkv_free(out);
    }
    drop(&f);
}
END_TEST

/* The depth-0 task of tree (LDG_SNAP_PLAIN or LDG_SNAP_REGS), from the state root's chunk. */
static ldg_snap_task tree_task(fixture *f, uint8_t tree)
{
    ldg_snap_task t;
    size_t len;
    ldg_snap_root_task(&t, &f->root);
    uint8_t *d = chunk_of(f, &t, LDG_SNAP_CHUNK_KEYS_MAX, &len);
    ldg_snap_chunk c;
    char why[256];
    ck_assert_int_eq(ldg_snap_verify(&c, &t, VERSION, d, len, why, sizeof why), LDG_OK);
    ck_assert_uint_eq(c.ntasks, 2);
    ck_assert(c.roots && c.n == 0 && c.tasks[0].tree == LDG_SNAP_PLAIN &&
              c.tasks[1].tree == LDG_SNAP_REGS);
    t = c.tasks[tree == LDG_SNAP_PLAIN ? 0 : 1];
    ldg_snap_chunk_free(&c);
    free(d);
    return t;
}

/* The first chunk (breadth first) with at least two leaves, and its task. */
static uint8_t *leaves_chunk(fixture *f, size_t keys_max, ldg_snap_task *t, size_t *len)
{
    ldg_snap_task q[64];
    size_t head = 0, n = 1;
    ldg_snap_root_task(&q[0], &f->root);
    while (head < n) {
        *t = q[head++];
        uint8_t *d = chunk_of(f, t, keys_max, len);
        ldg_snap_chunk c;
        char why[256];
        ck_assert_int_eq(ldg_snap_verify(&c, t, VERSION, d, *len, why, sizeof why), LDG_OK);
        bool found = c.n >= 2;
        for (size_t i = 0; i < c.ntasks && n < 64; i++)
            q[n++] = c.tasks[i];
        ldg_snap_chunk_free(&c);
        if (found)
            return d;
        free(d);
    }
    ck_abort_msg("no chunk with two leaves");
    return NULL;
}

START_TEST(test_every_flip_and_truncation_refused)
{
    fixture f;
    build(&f, tl_seed("snap flips", 0x5a9c0002));
    ldg_snap_task t;
    size_t len;
    uint8_t *d = leaves_chunk(&f, 4, &t, &len);
    char why[256];
    ldg_snap_chunk c;
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            d[i] ^= (uint8_t)(1u << bit);
            ck_assert_msg(ldg_snap_verify(&c, &t, VERSION, d, len, why, sizeof why) != LDG_OK,
                          "flip of byte %zu bit %d accepted", i, bit);
            d[i] ^= (uint8_t)(1u << bit);
        }
    for (size_t n = 0; n < len; n++)
        ck_assert(ldg_snap_verify(&c, &t, VERSION, d, n, why, sizeof why) != LDG_OK);
    ck_assert_int_eq(ldg_snap_verify(&c, &t, VERSION, d, len, why, sizeof why), LDG_OK);
    ldg_snap_chunk_free(&c);
    free(d);
    drop(&f);
}
END_TEST

/* Re-encodes a leaves chunk with its leaves in `order` (indices; -1 ends; a repeat adds). */
static uint8_t *reencode(const uint8_t *d, size_t len, const int *order, size_t *out_len)
{
    ldg_dec dec;
    ck_assert_int_eq(ldg_decode(&dec, d, len), LDG_OK);
    const msgpack_object *f = dec.root->via.array.ptr;
    const msgpack_object *items = f[2].via.array.ptr;
    size_t n = 0;
    while (order[n] >= 0)
        n++;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_u64(&e, 1);
    ldg_enc_u64(&e, 0);
    ldg_enc_array(&e, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        const msgpack_object *l = items[order[i]].via.array.ptr;
        ldg_enc_array(&e, 2);
        ldg_enc_bin(&e, l[0].via.bin.ptr, l[0].via.bin.size);
        ldg_enc_bin(&e, l[1].via.bin.ptr, l[1].via.bin.size);
    }
    ldg_dec_free(&dec);
    return ldg_enc_take(&e, out_len);
}

START_TEST(test_reordered_missing_extra_refused)
{
    fixture f;
    build(&f, tl_seed("snap order", 0x5a9c0003));
    ldg_snap_task t;
    size_t len, bl;
    /* a register's leaves (plain [key, value] pairs): descend into a register first */
    t = tree_task(&f, LDG_SNAP_REGS);
    uint8_t *d = chunk_of(&f, &t, LDG_SNAP_CHUNK_KEYS_MAX, &len);
    ldg_snap_chunk c;
    char why[256];
    ck_assert_int_eq(ldg_snap_verify(&c, &t, VERSION, d, len, why, sizeof why), LDG_OK);
    ck_assert_uint_eq(c.ntasks, 2);
    t = c.tasks[0];
    ldg_snap_chunk_free(&c);
    free(d);
    d = chunk_of(&f, &t, LDG_SNAP_CHUNK_KEYS_MAX, &len);
    int same[] = {0, 1, 2, 3, -1}, swapped[] = {1, 0, 2, 3, -1}, missing[] = {0, 1, 2, -1},
        repeated[] = {0, 1, 1, 2, 3, -1};
    /* the first four leaves re-encoded as they are prove nothing (keys are missing) ... */
    uint8_t *b = reencode(d, len, same, &bl);
    ck_assert_int_eq(ldg_snap_verify(&c, &t, VERSION, b, bl, why, sizeof why), LDG_ERR_INVALID);
    ck_assert_msg(strstr(why, "do not hash") != NULL, "%s", why);
    free(b);
    b = reencode(d, len, swapped, &bl);
    ck_assert_int_eq(ldg_snap_verify(&c, &t, VERSION, b, bl, why, sizeof why), LDG_ERR_INVALID);
    ck_assert_msg(strstr(why, "order") != NULL, "%s", why);
    free(b);
    b = reencode(d, len, repeated, &bl);
    ck_assert_int_eq(ldg_snap_verify(&c, &t, VERSION, b, bl, why, sizeof why), LDG_ERR_INVALID);
    free(b);
    b = reencode(d, len, missing, &bl);
    ck_assert_int_eq(ldg_snap_verify(&c, &t, VERSION, b, bl, why, sizeof why), LDG_ERR_INVALID);
    free(b);
    ck_assert_int_eq(ldg_snap_verify(&c, &t, VERSION, d, len, why, sizeof why), LDG_OK);
    ldg_snap_chunk_free(&c);
    free(d);
    drop(&f);
}
END_TEST

START_TEST(test_wrong_root_and_wrong_subtree_refused)
{
    fixture f;
    build(&f, tl_seed("snap roots", 0x5a9c0004));
    ldg_snap_task t, other;
    size_t len;
    t = tree_task(&f, LDG_SNAP_PLAIN);
    uint8_t *d = chunk_of(&f, &t, 2, &len); /* the plain tree's root node's 16 slots */
    ldg_snap_chunk c;
    char why[256];
    ck_assert_int_eq(ldg_snap_verify(&c, &t, VERSION, d, len, why, sizeof why), LDG_OK);
    ck_assert_uint_ge(c.ntasks, 2);
    ldg_snap_task kid0 = c.tasks[0], kid1 = c.tasks[1];
    ldg_snap_chunk_free(&c);
    other = t;
    other.hash.b[5] ^= 1; /* a root the certificate does not sign */
    ck_assert_int_eq(ldg_snap_verify(&c, &other, VERSION, d, len, why, sizeof why),
                     LDG_ERR_INVALID);
    free(d);
    /* the chunk of slot 0 offered for slot 1 (out of order / another subtree) */
    d = chunk_of(&f, &kid0, 2, &len);
    ck_assert_int_eq(ldg_snap_verify(&c, &kid1, VERSION, d, len, why, sizeof why), LDG_ERR_INVALID);
    ck_assert_int_eq(ldg_snap_verify(&c, &kid0, VERSION, d, len, why, sizeof why), LDG_OK);
    ldg_snap_chunk_free(&c);
    free(d);
    /* a register's chunk offered as the plain tree's */
    t = tree_task(&f, LDG_SNAP_REGS);
    d = chunk_of(&f, &t, LDG_SNAP_CHUNK_KEYS_MAX, &len);
    ck_assert_int_eq(ldg_snap_verify(&c, &t, VERSION, d, len, why, sizeof why), LDG_OK);
    ldg_snap_task reg = c.tasks[0];
    ldg_snap_chunk_free(&c);
    free(d);
    d = chunk_of(&f, &reg, LDG_SNAP_CHUNK_KEYS_MAX, &len);
    ck_assert_int_eq(reg.tree, LDG_SNAP_REGISTER);
    other = reg;
    other.tree = LDG_SNAP_PLAIN;
    memset(other.id12, 0, sizeof other.id12);
    ck_assert_int_eq(ldg_snap_verify(&c, &other, VERSION, d, len, why, sizeof why),
                     LDG_ERR_INVALID);
    other = reg;
    other.sum++; /* a register total other than certified */
    ck_assert_int_eq(ldg_snap_verify(&c, &other, VERSION, d, len, why, sizeof why),
                     LDG_ERR_INVALID);
    free(d);
    drop(&f);
}
END_TEST

/* The state root's chunk: the two trees' roots, which must hash to the certified root, in
 * their order; it answers the state root only, and nothing else answers it. */
START_TEST(test_roots_chunk)
{
    fixture f;
    build(&f, tl_seed("snap rootpair", 0x5a9c0007));
    ldg_snap_task t, p = tree_task(&f, LDG_SNAP_PLAIN), g = tree_task(&f, LDG_SNAP_REGS);
    static const ldg_hash zero;
    ck_assert(memcmp(p.hash.b, zero.b, 32) && memcmp(g.hash.b, zero.b, 32));
    ldg_hash want;
    ldg_smt_state_root(&want, &p.hash, &g.hash);
    ck_assert(!memcmp(want.b, f.root.b, 32));
    ldg_snap_root_task(&t, &f.root);
    char why[256];
    ldg_snap_chunk c;
    size_t len, pl;
    uint8_t *d = chunk_of(&f, &t, LDG_SNAP_CHUNK_KEYS_MAX, &len);
    /* swapped: G ‖ P */
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_u64(&e, 1);
    ldg_enc_u64(&e, 2);
    ldg_enc_array(&e, 2);
    ldg_enc_bin(&e, g.hash.b, 32);
    ldg_enc_bin(&e, p.hash.b, 32);
    ck_assert_int_eq(
        ldg_snap_verify(&c, &t, VERSION, ldg_enc_data(&e), ldg_enc_len(&e), why, sizeof why),
        LDG_ERR_INVALID);
    ck_assert_msg(strstr(why, "certified state root") != NULL, "%s", why);
    ldg_enc_free(&e);
    /* the roots chunk for the plain tree's task; the plain tree's chunk for the root task */
    ck_assert_int_eq(ldg_snap_verify(&c, &p, VERSION, d, len, why, sizeof why), LDG_ERR_INVALID);
    ck_assert_msg(strstr(why, "answers only the state root") != NULL, "%s", why);
    uint8_t *pd = chunk_of(&f, &p, LDG_SNAP_CHUNK_KEYS_MAX, &pl);
    ck_assert_int_eq(ldg_snap_verify(&c, &t, VERSION, pd, pl, why, sizeof why), LDG_ERR_INVALID);
    ck_assert_msg(strstr(why, "two trees' roots") != NULL, "%s", why);
    /* the registers tree holds register leaves only: the plain tree's leaves refused there */
    ck_assert_int_eq(ldg_snap_verify(&c, &g, VERSION, pd, pl, why, sizeof why), LDG_ERR_INVALID);
    free(pd);
    free(d);
    drop(&f);
}
END_TEST

START_TEST(test_server_bounds)
{
    fixture f;
    build(&f, tl_seed("snap bounds", 0x5a9c0005));
    ldg_snap_task t;
    ldg_snap_root_task(&t, &f.root);
    ldg_enc e;
    ldg_enc_init(&e);
    /* a version that is not there, a depth with no node */
    ck_assert_int_eq(ldg_snap_build(ldg_memkv_base(f.kv), VERSION + 1, &t, 2, &e),
                     LDG_ERR_NOT_FOUND);
    t.depth = 40;
    ck_assert_int_eq(ldg_snap_build(ldg_memkv_base(f.kv), VERSION, &t, 2, &e), LDG_ERR_NOT_FOUND);
    ldg_enc_free(&e);
    drop(&f);
}
END_TEST

/* ---- into a store: nodes written as chunks are applied, resume, begin on a full store ---- */

static ldg_err store_tree_get(void *arg, const uint8_t *k, size_t kl, uint8_t **v, size_t *vl)
{
    return ldg_store_get(arg, LDG_CF_TREE, k, kl, v, vl);
}

static ldg_err store_tree_scan(void *arg, const uint8_t *p, size_t pl,
                               bool (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t),
                               void *fa)
{
    return ldg_store_scan(arg, LDG_CF_TREE, p, pl, fn, fa);
}

static bool count_rows(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)k, (void)kl, (void)v, (void)vl;
    (*(size_t *)arg)++;
    return true;
}

static size_t store_rows(ldg_store *s, ldg_cf cf)
{
    size_t n = 0;
    ck_assert_int_eq(ldg_store_scan(s, cf, "", 0, count_rows, &n), LDG_OK);
    return n;
}

/* Every node of the tree built by ldg_smt from empty at VERSION is in the store, byte for
 * byte: the synced store's tree is the one a replica has. */
static bool same_node(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    uint8_t *got;
    size_t gl;
    ck_assert_msg(ldg_store_get(arg, LDG_CF_TREE, k, kl, &got, &gl) == LDG_OK,
                  "tree node '%c' (%zu bytes) missing", k[0], kl);
    ck_assert_msg(gl == vl && !memcmp(got, v, vl), "tree node '%c' differs", k[0]);
    free(got);
    return true;
}

/* Fetches and applies up to `max` chunks (all if 0) of at most keys_max leaves. */
static size_t sync_some(fixture *f, ldg_store *s, size_t keys_max, size_t max)
{
    size_t done = 0, n;
    ldg_snap_task t[4];
    bool first = true;
    while ((max == 0 || done < max) &&
           ldg_snap_store_tasks(s, first ? NULL : &t[0], t, 4, &n) == LDG_OK && n > 0) {
        first = false;
        for (size_t i = 0; i < n && (max == 0 || done < max); i++, done++) {
            size_t len;
            uint8_t *d = chunk_of(f, &t[i], keys_max, &len);
            ldg_snap_chunk c;
            char why[256];
            ck_assert_int_eq(ldg_snap_verify(&c, &t[i], VERSION, d, len, why, sizeof why), LDG_OK);
            ck_assert_int_eq(ldg_snap_store_apply(s, &t[i], &c), LDG_OK);
            ldg_snap_chunk_free(&c);
            free(d);
        }
    }
    return done;
}

START_TEST(test_store_tree_and_resume)
{
    fixture f;
    build(&f, tl_seed("snap store", 0x5a9c0006));
    char dir[PATH_MAX];
    tl_tmpdir(dir, "snap-store");
    ldg_store *s;
    ck_assert_int_eq(ldg_store_open(&s, dir, false), LDG_OK);
    /* A full node's leftovers: state and tree rows, one key past 0xff, an older sync. */
    ldg_batch *b = ldg_batch_new(s);
    for (int i = 0; i < 3000; i++) {
        uint8_t k[9] = {'q'};
        memcpy(k + 1, &i, sizeof i);
        ldg_batch_put(b, LDG_CF_STATE, k, sizeof k, "old", 3);
        k[0] = 'I';
        ldg_batch_put(b, LDG_CF_TREE, k, sizeof k, "old", 3);
    }
    ldg_batch_put(b, LDG_CF_STATE, "\xff\xff", 2, "x", 1);
    ldg_batch_put(b, LDG_CF_META, "snap/c-old", 10, "x", 1);
    ck_assert_int_eq(ldg_store_write(s, b, true), LDG_OK);
    ldg_batch_free(b);
    ldg_snap_checkpoint cp = {.height = VERSION, .state_root = f.root};
    uint8_t raw[1] = {0xc0};
    cp.raw = raw, cp.raw_len = 1;
    ck_assert_int_eq(ldg_snap_store_begin(s, &cp), LDG_OK);
    ck_assert_uint_eq(store_rows(s, LDG_CF_STATE), 0);
    ck_assert_uint_eq(store_rows(s, LDG_CF_TREE), 0);
    ck_assert(!ldg_store_has(s, LDG_CF_META, "snap/c-old", 10));
    /* Small chunks: splits at several depths, in both registers. Stopped half-way (the
     * store closed as a crashed node would leave it), then resumed. */
    size_t first = sync_some(&f, s, 5, 20);
    ck_assert_uint_eq(first, 20);
    ldg_store_close(s);
    ck_assert_int_eq(ldg_store_open(&s, dir, false), LDG_OK);
    ck_assert(ldg_snap_store_syncing(s));
    ck_assert_uint_gt(sync_some(&f, s, 5, 0), 20);
    char why[256] = "";
    /* A finish that stops before its last batch (here: a root that does not match, after
     * every split node is written, as a crash there would leave them) is redone whole. */
    ldg_snap_checkpoint bad = cp;
    bad.state_root.b[0] ^= 1;
    ck_assert_int_eq(ldg_snap_store_finish(s, &bad, why, sizeof why), LDG_ERR_INVALID);
    ck_assert(strstr(why, "certified root") != NULL);
    ck_assert(ldg_snap_store_syncing(s));
    ck_assert_msg(ldg_snap_store_finish(s, &cp, why, sizeof why) == LDG_OK, "%s", why);
    ck_assert(!ldg_snap_store_syncing(s));
    ck_assert_uint_eq(store_rows(s, LDG_CF_STATE), f.nkeys);
    ldg_state_base src = ldg_memkv_base(f.kv);
    ck_assert_int_eq(src.scan(src.arg, (const uint8_t *)"", 0, same_node, s), LDG_OK);
    ck_assert_uint_eq(store_rows(s, LDG_CF_TREE), ldg_memkv_count(f.kv) + 1); /* + 'F' */
    size_t left = 0;
    ck_assert_int_eq(ldg_store_scan(s, LDG_CF_META, "snap", 4, count_rows, &left), LDG_OK);
    ck_assert_uint_eq(left, 0);
    /* The synced tree carries on: the next block's root is the replica's. */
    ldg_smt *t, *ref;
    ldg_state_base sb = {store_tree_get, store_tree_scan, s, NULL, NULL, NULL};
    ck_assert_int_eq(ldg_smt_open(&t, sb, VERSION, false), LDG_OK);
    ck_assert_int_eq(ldg_smt_open(&ref, ldg_memkv_base(f.kv), VERSION, false), LDG_OK);
    ck_assert(!memcmp(ldg_smt_root(t).b, f.root.b, 32));
    uint8_t hk[33] = {'b'}, pk[9] = {'p', 1, 2, 3, 4, 5, 6, 7, 8};
    memcpy(hk + 1, "CNE100000296", 12);
    memset(hk + 13, 0x42, 20);
    ldg_write w[2] = {{hk, 33, (const uint8_t *)"\x05", 1}, {pk, 9, (const uint8_t *)"v", 1}};
    ldg_hash r1, r2;
    ck_assert_int_eq(ldg_smt_update(t, VERSION + 1, w, 2, &r1), LDG_OK);
    ck_assert_int_eq(ldg_smt_update(ref, VERSION + 1, w, 2, &r2), LDG_OK);
    ck_assert(!memcmp(r1.b, r2.b, 32));
    ldg_smt_free(t);
    ldg_smt_free(ref);
    ldg_store_close(s);
    tl_rmrf(dir);
    drop(&f);
}
END_TEST

/* Resident memory (VmRSS or VmHWM) in KiB; -1 if unknown. */
static long status_kib(const char *field)
{
    FILE *fp = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    size_t fl = strlen(field);
    while (fp && fgets(line, sizeof line, fp))
        if (!strncmp(line, field, fl) && sscanf(line + fl, ": %ld kB", &kib) == 1)
            break;
    if (fp)
        fclose(fp);
    return kib;
}

/* Restarting a sync on a full store deletes its state in a batch of constant size: the
 * memory it takes does not grow with the state (it was one delete per key in one batch). */
START_TEST(test_begin_memory_flat)
{
    char dir[PATH_MAX];
    tl_tmpdir(dir, "snap-begin");
    ldg_store *s;
    ck_assert_int_eq(ldg_store_open(&s, dir, false), LDG_OK);
    enum { KEYS = 400000, PER = 50000 };
    uint8_t v[8] = {0};
    for (int i = 0; i < KEYS / PER; i++) {
        ldg_batch *b = ldg_batch_new(s);
        for (int j = 0; j < PER; j++) {
            uint8_t k[40] = {'q'};
            int n = i * PER + j;
            memcpy(k + 1, &n, sizeof n);
            ldg_batch_put(b, LDG_CF_STATE, k, sizeof k, v, sizeof v);
        }
        ck_assert_int_eq(ldg_store_write(s, b, false), LDG_OK);
        ldg_batch_free(b);
    }
    ck_assert_int_eq(ldg_store_persist(s), LDG_OK);
    FILE *fp = fopen("/proc/self/clear_refs", "w"); /* VmHWM := VmRSS */
    bool reset = fp && fputs("5", fp) >= 0;
    if (fp)
        reset = fclose(fp) == 0 && reset;
    long before = status_kib("VmRSS");
    ldg_snap_checkpoint cp = {.height = 5};
    uint8_t raw[1] = {0xc0};
    cp.raw = raw, cp.raw_len = 1;
    ck_assert_int_eq(ldg_snap_store_begin(s, &cp), LDG_OK);
    long peak = status_kib("VmHWM");
    ck_assert_uint_eq(store_rows(s, LDG_CF_STATE), 0);
    if (reset && before > 0 && peak > 0) /* 400,000 deletes in one batch took ~30 MiB */
        ck_assert_msg(peak - before < 8 * 1024, "begin took %ld KiB", peak - before);
    ldg_store_close(s);
    tl_rmrf(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ldg_snap");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_restore_whole_state);
    tcase_add_test(tc, test_every_flip_and_truncation_refused);
    tcase_add_test(tc, test_reordered_missing_extra_refused);
    tcase_add_test(tc, test_roots_chunk);
    tcase_add_test(tc, test_wrong_root_and_wrong_subtree_refused);
    tcase_add_test(tc, test_server_bounds);
    tcase_add_test(tc, test_store_tree_and_resume);
    tcase_add_test(tc, test_begin_memory_flat);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
