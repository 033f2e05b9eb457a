/* Unit tests for ledger/ldg_smt (the state tree, specs/state.md §5): seeded random blocks
 * of puts and deletes (plain keys and holdings of three instruments, with no-op writes)
 * against a naive model; every read at the latest and at past versions; the root equal to
 * one rebuilt from scratch from the same state (canonical: history-independent); inclusion
 * and non-inclusion proofs that verify, register totals equal to the model's sums, and
 * refusal of tampered proofs; proof bytes round trip and refusal of bad bytes; pruning
 * below the retention window with LDG_ERR_PRUNED. */
#include "testlib.h"

#include "ldg_smt.h"
#include "ldg_state.h"

#define NKEYS 300
#define NVERS 60
#define PIN_DIGEST "ddd08d2f448952378da86530928a95edadbe47b8cb1465b41be6f931ac6fac59"

typedef struct model {
    uint8_t key[NKEYS][40];
    size_t klen[NKEYS];
    bool has[NKEYS];
    uint64_t val[NKEYS]; /* values are canonical u64s: holdings count, others are bytes */
} model;

static void enc_u64(uint64_t v, uint8_t *out, size_t *n)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_u64(&e, v);
    memcpy(out, ldg_enc_data(&e), ldg_enc_len(&e));
    *n = ldg_enc_len(&e);
    ldg_enc_free(&e);
}

/* Keys: a third are holdings ('b' ‖ id12 ‖ account) of three instruments, the rest plain
 * keys of 1..40 bytes with assorted prefixes. */
static void make_keys(model *m, tl_rng *r)
{
    static const char *ids[3] = {"CNE100000296", "US0378331005", "EUR"};
    for (int i = 0; i < NKEYS; i++) {
        if (i % 3 == 0) {
            m->key[i][0] = 'b';
            memset(m->key[i] + 1, 0, 12);
            memcpy(m->key[i] + 1, ids[(i / 3) % 3], strlen(ids[(i / 3) % 3]));
            tl_rng_bytes(r, m->key[i] + 13, 20);
            m->klen[i] = LDG_SMT_HOLDING_KEY_LEN;
        } else {
            m->klen[i] = 3 + tl_rng_below(r, 37); /* unique: the index is in bytes 1..2 */
            tl_rng_bytes(r, m->key[i], m->klen[i]);
            m->key[i][1] = (uint8_t)(i >> 8), m->key[i][2] = (uint8_t)i;
            if (m->key[i][0] == 'b' && m->klen[i] == LDG_SMT_HOLDING_KEY_LEN)
                m->key[i][0] = 'c';
        }
    }
}

/* Applies writes (sorted) as version v; stores the staged nodes in kv. */
static ldg_hash apply(ldg_smt *t, ldg_memkv *kv, uint64_t v, ldg_write *w, size_t n)
{
    ldg_hash root;
    ck_assert_int_eq(ldg_smt_update(t, v, w, n, &root), LDG_OK);
    const ldg_write *sw;
    size_t sn = ldg_smt_staged(t, &sw);
    ldg_memkv_apply(kv, sw, sn);
    ldg_smt_commit(t);
    ldg_smt_stored(t, v);
    return root;
}

/* The model's state as a sorted write set (values in bufs). */
static size_t model_writes(const model *m, ldg_write *w, uint8_t bufs[][9])
{
    ldg_memkv *tmp = ldg_memkv_new();
    ldg_state *st = ldg_state_new(ldg_memkv_base(tmp));
    for (int i = 0; i < NKEYS; i++)
        if (m->has[i]) {
            size_t n;
            enc_u64(m->val[i], bufs[i], &n);
            ldg_state_put(st, m->key[i], m->klen[i], bufs[i], n);
        }
    const ldg_write *sw;
    size_t n = ldg_state_writes(st, &sw);
    for (size_t i = 0; i < n; i++)
        w[i] = sw[i];
    /* copy keys/values out of the overlay before freeing it */
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < NKEYS; j++)
            if (m->has[j] && m->klen[j] == w[i].klen && !memcmp(m->key[j], w[i].key, w[i].klen)) {
                w[i].key = m->key[j];
                w[i].val = bufs[j];
            }
    ldg_state_free(st);
    ldg_memkv_free(tmp);
    return n;
}

static uint64_t model_total(const model *m, const uint8_t *id12)
{
    uint64_t s = 0;
    for (int i = 0; i < NKEYS; i++)
        if (m->has[i] && m->klen[i] == LDG_SMT_HOLDING_KEY_LEN && m->key[i][0] == 'b' &&
            !memcmp(m->key[i] + 1, id12, 12))
            s += m->val[i];
    return s;
}

static void check_proof(ldg_state_base b, uint64_t v, const ldg_hash *root, const model *m, int i)
{
    ldg_smt_proof *p = malloc(sizeof *p), *q = malloc(sizeof *q);
    uint8_t *val = NULL;
    size_t vl = 0;
    bool found, has_total;
    uint64_t total = 0;
    char why[128];
    ck_assert_int_eq(ldg_smt_prove(b, v, m->key[i], m->klen[i], p, &val, &vl, &found), LDG_OK);
    ck_assert_int_eq(found, m->has[i]);
    ck_assert_int_eq(ldg_smt_verify(root, m->key[i], m->klen[i], val, vl, p, &has_total, &total,
                                    why, sizeof why),
                     LDG_OK);
    bool holding = m->key[i][0] == 'b' && m->klen[i] == LDG_SMT_HOLDING_KEY_LEN;
    if (holding && has_total)
        ck_assert_uint_eq(total, model_total(m, m->key[i] + 1));
    if (holding && !has_total)
        ck_assert_uint_eq(model_total(m, m->key[i] + 1), 0);
    /* round trip through the bytes */
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_smt_proof_encode(&e, p);
    ck_assert_uint_le(ldg_enc_len(&e), LDG_SMT_PROOF_SIZE_MAX);
    ck_assert_int_eq(ldg_smt_proof_decode(q, ldg_enc_data(&e), ldg_enc_len(&e)), LDG_OK);
    ck_assert_int_eq(
        ldg_smt_verify(root, m->key[i], m->klen[i], val, vl, q, NULL, NULL, why, sizeof why),
        LDG_OK);
    /* truncated bytes never decode */
    ck_assert_int_ne(ldg_smt_proof_decode(q, ldg_enc_data(&e), ldg_enc_len(&e) - 1), LDG_OK);
    /* the opposite claim fails: a value for an absent key, absence for a present one */
    uint8_t other[9] = {0x2a};
    if (found) {
        ck_assert_int_eq(
            ldg_smt_verify(root, m->key[i], m->klen[i], NULL, 0, p, NULL, NULL, why, sizeof why),
            LDG_ERR_INVALID);
        if (!(vl == 1 && val[0] == 0x2a))
            ck_assert_int_eq(ldg_smt_verify(root, m->key[i], m->klen[i], other, 1, p, NULL, NULL,
                                            why, sizeof why),
                             LDG_ERR_INVALID);
    } else {
        ck_assert_int_eq(
            ldg_smt_verify(root, m->key[i], m->klen[i], other, 1, p, NULL, NULL, why, sizeof why),
            LDG_ERR_INVALID);
    }
    /* a flipped sibling bit, or another root */
    if (p->main.sib_count) {
        *q = *p;
        q->main.sib[0].b[5] ^= 1;
        ck_assert_int_eq(
            ldg_smt_verify(root, m->key[i], m->klen[i], val, vl, q, NULL, NULL, why, sizeof why),
            LDG_ERR_INVALID);
    }
    if (p->has_register) {
        *q = *p;
        /* (R, T) are not part of the proof: the verifier derives them and ignores these */
        q->reg_total += 1;
        q->reg_root.b[0] ^= 1;
        ck_assert_int_eq(
            ldg_smt_verify(root, m->key[i], m->klen[i], val, vl, q, NULL, NULL, why, sizeof why),
            LDG_OK);
        if (q->reg.sib_count) {
            *q = *p;
            q->reg.sums[0] += 1;
            ck_assert_int_eq(ldg_smt_verify(root, m->key[i], m->klen[i], val, vl, q, NULL, NULL,
                                            why, sizeof why),
                             LDG_ERR_INVALID);
        }
    }
    ldg_hash bad = *root;
    bad.b[0] ^= 0x80;
    ck_assert_int_eq(
        ldg_smt_verify(&bad, m->key[i], m->klen[i], val, vl, p, NULL, NULL, why, sizeof why),
        LDG_ERR_INVALID);
    ldg_enc_free(&e);
    free(val);
    free(p);
    free(q);
}

typedef struct acc {
    uint64_t sum;
    size_t rows;
} acc;

/* Adds up a register's rows. */
static bool add_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    acc *a = arg;
    ck_assert_uint_eq(kl, 33);
    ck_assert_uint_eq(k[0], 'b');
    ldg_dec d;
    uint64_t x = 0;
    ck_assert_int_eq(ldg_decode(&d, v, vl), LDG_OK);
    ck_assert(ldg_obj_u64(d.root, &x));
    ldg_dec_free(&d);
    a->sum += x;
    a->rows++;
    return true;
}

typedef struct tree_rows {
    size_t nodes, listed;
    uint64_t since_min;
} tree_rows;

/* Counts node rows (be64 version ‖ 'I' or 'L' ‖ ...) and, in stale records (be64 since ‖
 * 'S' → (u8 klen ‖ node key)*), the nodes listed and the lowest `since` (state.md §5.4). */
static bool count_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    tree_rows *r = arg;
    if (kl > 9 && k[0] == 0 && (k[8] == 'I' || k[8] == 'L'))
        r->nodes++;
    if (kl != 9 || k[8] != 'S')
        return true;
    uint64_t since = 0;
    for (int i = 0; i < 8; i++)
        since = since << 8 | k[i];
    if (since < r->since_min)
        r->since_min = since;
    for (size_t at = 0; at < vl; at += 1 + v[at], r->listed++)
        ck_assert(v[at] > 0 && at + 1 + v[at] <= vl);
    return true;
}

static tree_rows count_rows(ldg_state_base b)
{
    tree_rows r = {0, 0, UINT64_MAX};
    ck_assert_int_eq(b.scan(b.arg, (const uint8_t *)"", 0, count_row, &r), LDG_OK);
    return r;
}

/* Every stored node is either in the current tree (as many as a fresh build of the same
 * state has: the shape is canonical) or listed as replaced at a version still in the
 * window: pruning deletes exactly what fell out of it. */
static void check_rows(ldg_state_base base, ldg_state_base fresh, uint64_t retain)
{
    tree_rows r = count_rows(base), f = count_rows(fresh);
    ck_assert_uint_eq(r.nodes, f.nodes + r.listed);
    uint64_t floor;
    ck_assert_int_eq(ldg_smt_floor(base, &floor), LDG_OK);
    if (retain)
        ck_assert(floor > 0 && (r.since_min == UINT64_MAX || r.since_min > floor));
}

static void run_model(uint64_t retain, uint64_t seed)
{
    tl_rng r;
    tl_rng_init(&r, seed);
    model *m = calloc(1, sizeof *m);
    model *hist = calloc(NVERS, sizeof *hist);
    ldg_hash roots[NVERS];
    make_keys(m, &r);
    ldg_memkv *kv = ldg_memkv_new();
    ldg_state_base base = ldg_memkv_base(kv);
    ldg_smt *t;
    ck_assert_int_eq(ldg_smt_open(&t, base, 0, true), LDG_OK);
    ldg_smt_set_retention(t, retain);
    uint8_t(*bufs)[9] = calloc(NKEYS, 9);
    for (uint64_t v = 0; v < NVERS; v++) {
        ldg_memkv *tmp = ldg_memkv_new();
        ldg_state *st = ldg_state_new(ldg_memkv_base(tmp));
        int nops = v == 0 ? NKEYS / 2 : 1 + (int)tl_rng_below(&r, 40);
        for (int k = 0; k < nops; k++) {
            int i = (int)tl_rng_below(&r, NKEYS);
            if (tl_rng_below(&r, 4) == 0) {
                ldg_state_del(st, m->key[i], m->klen[i]); /* perhaps absent: a no-op */
                m->has[i] = false;
            } else {
                /* sometimes the same value again: a no-op put */
                if (!m->has[i] || tl_rng_below(&r, 3))
                    m->val[i] = 1 + tl_rng_below(&r, 1000000);
                size_t n;
                enc_u64(m->val[i], bufs[i], &n);
                ldg_state_put(st, m->key[i], m->klen[i], bufs[i], n);
                m->has[i] = true;
            }
        }
        const ldg_write *w;
        size_t n = ldg_state_writes(st, &w);
        roots[v] = apply(t, kv, v, (ldg_write *)w, n);
        ck_assert(!memcmp(roots[v].b, ldg_smt_root(t).b, 32));
        ldg_state_free(st);
        ldg_memkv_free(tmp);
        hist[v] = *m;
        /* reads at this version and at an earlier one still retained */
        uint64_t floor;
        ck_assert_int_eq(ldg_smt_floor(base, &floor), LDG_OK);
        uint64_t past = floor + tl_rng_below(&r, v - floor + 1);
        for (int i = 0; i < NKEYS; i++) {
            for (int which = 0; which < 2; which++) {
                uint64_t at = which ? past : v;
                uint8_t *val;
                size_t vl;
                bool found;
                ck_assert_int_eq(
                    ldg_smt_get_at(base, at, hist[at].key[i], hist[at].klen[i], &val, &vl, &found),
                    LDG_OK);
                ck_assert_int_eq(found, hist[at].has[i]);
                if (found) {
                    uint8_t want[9];
                    size_t wl;
                    enc_u64(hist[at].val[i], want, &wl);
                    ck_assert(vl == wl && !memcmp(val, want, wl));
                    free(val);
                }
            }
        }
        for (int k = 0; k < 8; k++)
            check_proof(base, v, &roots[v], m, (int)tl_rng_below(&r, NKEYS));
        if (floor > 0) {
            uint8_t *val;
            size_t vl;
            bool found;
            ck_assert_int_eq(
                ldg_smt_get_at(base, floor - 1, m->key[0], m->klen[0], &val, &vl, &found),
                LDG_ERR_PRUNED);
        }
        if (retain)
            ck_assert_uint_eq(floor, v + 1 >= retain ? v + 1 - retain : 0);
    }
    /* Canonical: the same state built in one block from scratch has the same root. */
    ldg_memkv *kv2 = ldg_memkv_new();
    ldg_state_base base2 = ldg_memkv_base(kv2);
    ldg_smt *t2;
    ck_assert_int_eq(ldg_smt_open(&t2, base2, 0, true), LDG_OK);
    ldg_write *w = calloc(NKEYS, sizeof *w);
    size_t n = model_writes(m, w, bufs);
    ldg_hash again = apply(t2, kv2, 0, w, n);
    ck_assert(!memcmp(again.b, roots[NVERS - 1].b, 32));
    check_rows(base, base2, retain);
    /* register sums: every instrument's holders add up to the model */
    uint8_t id12[12] = "CNE100000296";
    size_t rows = 0;
    for (int i = 0; i < NKEYS; i++)
        if (m->has[i] && m->key[i][0] == 'b' && m->klen[i] == 33 &&
            !memcmp(m->key[i] + 1, id12, 12))
            rows++;
    acc a = {0, 0};
    ck_assert_int_eq(ldg_smt_register_at(base, NVERS - 1, id12, add_row, &a), LDG_OK);
    ck_assert_uint_eq(a.rows, rows);
    ck_assert_uint_eq(a.sum, model_total(m, id12));
    free(w);
    ldg_smt_free(t2);
    ldg_memkv_free(kv2);
    ldg_smt_free(t);
    ldg_memkv_free(kv);
    free(bufs);
    free(hist);
    free(m);
}

START_TEST(test_model_keep_all)
{
    run_model(0, tl_seed("smt keep all", 0x5eed0001));
}
END_TEST

START_TEST(test_model_pruned)
{
    run_model(LDG_SMT_RETAIN_MIN, tl_seed("smt pruned", 0x5eed0002));
}
END_TEST

/* TH("folio/smt/root", P ‖ G). */
static ldg_hash root_of(const ldg_hash *p, const ldg_hash *g)
{
    uint8_t buf[64];
    ldg_hash out;
    memcpy(buf, p->b, 32);
    memcpy(buf + 32, g->b, 32);
    ldg_tagged_hash(&out, LDG_TAG_SMT_ROOT, buf, sizeof buf);
    return out;
}

/* Empty state: both trees empty, root TH(root, 0^32 ‖ 0^32); one key: P is its leaf;
 * deleting it empties the tree again. */
START_TEST(test_small_trees)
{
    ldg_memkv *kv = ldg_memkv_new();
    ldg_smt *t;
    ck_assert_int_eq(ldg_smt_open(&t, ldg_memkv_base(kv), 0, true), LDG_OK);
    ldg_hash zero = {{0}}, root = apply(t, kv, 0, NULL, 0), empty = root_of(&zero, &zero);
    ck_assert(!memcmp(root.b, empty.b, 32));
    ldg_write w = {(const uint8_t *)"k", 1, (const uint8_t *)"v", 1};
    root = apply(t, kv, 1, &w, 1);
    /* a single leaf: TH(leaf, path ‖ TH(value, "v")) */
    ldg_hash path, vh, want;
    ldg_smt_path(&path, (const uint8_t *)"k", 1);
    ldg_tagged_hash(&vh, LDG_TAG_SMT_VALUE, "v", 1);
    uint8_t buf[64];
    memcpy(buf, path.b, 32);
    memcpy(buf + 32, vh.b, 32);
    ldg_tagged_hash(&want, LDG_TAG_SMT_LEAF, buf, 64);
    want = root_of(&want, &zero);
    ck_assert(!memcmp(root.b, want.b, 32));
    w.val = NULL;
    root = apply(t, kv, 2, &w, 1);
    ck_assert(!memcmp(root.b, empty.b, 32));
    /* a version above the tip does not exist */
    uint8_t *v;
    size_t vl;
    bool found;
    ck_assert_int_eq(
        ldg_smt_get_at(ldg_memkv_base(kv), 3, (const uint8_t *)"k", 1, &v, &vl, &found),
        LDG_ERR_NOT_FOUND);
    ldg_smt_free(t);
    ldg_memkv_free(kv);
}
END_TEST

static void hex32(ldg_hash *h, const char *hex)
{
    for (int i = 0; i < 32; i++) {
        unsigned x;
        ck_assert(sscanf(hex + 2 * i, "%2x", &x) == 1);
        h->b[i] = (uint8_t)x;
    }
}

/* The worked values of specs/state.md §5.2, computed there from the spec alone (Python,
 * hashlib): one plain key; a plain key and a register of two holdings (100 and 200). The
 * state roots changed with the registers tree (proof version 3); P and the register root
 * did not: P here is the former one-key root, R the former register root. */
START_TEST(test_worked_values)
{
    ldg_memkv *kv = ldg_memkv_new();
    ldg_smt *t;
    ck_assert_int_eq(ldg_smt_open(&t, ldg_memkv_base(kv), 0, true), LDG_OK);
    ldg_write w1 = {(const uint8_t *)"V", 1, (const uint8_t *)"\x01", 1};
    ldg_hash want, root = apply(t, kv, 0, &w1, 1);
    hex32(&want, "2c3b1597b20ecbd89f6298a29b90f12ef967a2fb0828eeaf2869e573a9dac1bc");
    ck_assert(!memcmp(root.b, want.b, 32));
    uint8_t b1[33] = "bCNE100000296", b2[33] = "bCNE100000296";
    memset(b1 + 13, 0x11, 20);
    memset(b2 + 13, 0x22, 20);
    ldg_write w2[2] = {{b1, 33, (const uint8_t *)"\x64", 1},
                       {b2, 33, (const uint8_t *)"\xcc\xc8", 2}};
    root = apply(t, kv, 1, w2, 2);
    hex32(&want, "4685b975f93ba23efde1c73b899f064b5fab04deceef4d8d35540fca6f121524");
    ck_assert(!memcmp(root.b, want.b, 32));
    ldg_smt_proof *p = malloc(sizeof *p);
    uint8_t *v;
    size_t vl;
    bool found;
    ck_assert_int_eq(ldg_smt_prove(ldg_memkv_base(kv), 1, b1, 33, p, &v, &vl, &found), LDG_OK);
    ck_assert(found && p->has_register && p->reg_total == 300);
    hex32(&want, "8d40398bd56a55e0c383d9ec3a0b593b5c43431ab024063f2e0074c505c984d3");
    ck_assert(!memcmp(p->reg_root.b, want.b, 32));
    /* a holding's proof: its register, the register leaf in G (alone: depth 0), and P */
    hex32(&want, "a72657442ae22cbde7b881970c8e52fb7e7f9cffb2dd3acd7728b671329729da");
    ck_assert(!memcmp(p->other_root.b, want.b, 32));
    ck_assert_uint_eq(p->main.depth, 0);
    free(v);
    free(p);
    ldg_smt_free(t);
    ldg_memkv_free(kv);
}
END_TEST

/* ---- the pinned roots and proofs: the node encoding (local, §5.4) may change, the
 * hashes (normative, §5.2) not ---- */

#define PIN_KEYS 3000
#define PIN_VERS 4

/* Key i: a holding of one of two instruments for i % 4 == 0, else a plain key
 * "k" ‖ be32(i) ‖ (i % 5) bytes; value i of version v: a canonical u64 of i·(v+1)+1. */
static size_t pin_key(uint8_t *k, uint32_t i)
{
    if (i % 4 == 0) {
        memset(k, 0, 33);
        k[0] = 'b';
        memcpy(k + 1, i % 8 ? "CNE100000296" : "US0378331005", 12);
        for (int j = 0; j < 16; j++)
            k[13 + j] = (uint8_t)(i * 31 + (uint32_t)j * 7);
        k[29] = (uint8_t)(i >> 24), k[30] = (uint8_t)(i >> 16), k[31] = (uint8_t)(i >> 8);
        k[32] = (uint8_t)i;
        return 33;
    }
    k[0] = 'k';
    k[1] = (uint8_t)(i >> 24), k[2] = (uint8_t)(i >> 16), k[3] = (uint8_t)(i >> 8);
    k[4] = (uint8_t)i;
    memset(k + 5, 'x', i % 5);
    return 5 + i % 5;
}

/* Version v's writes: v 0 puts every key; later versions rewrite every (v+2)-th key,
 * delete every (v+6)-th and put again some deleted before. */
static size_t pin_writes(uint64_t v, ldg_write *w, uint8_t (*kb)[40], uint8_t (*vb)[9])
{
    ldg_memkv *tmp = ldg_memkv_new();
    ldg_state *st = ldg_state_new(ldg_memkv_base(tmp));
    for (uint32_t i = 0; i < PIN_KEYS; i++) {
        size_t kl = pin_key(kb[i], i), vl;
        enc_u64((uint64_t)i * (v + 1) + 1, vb[i], &vl);
        if (v == 0 || i % (v + 2) == 0 || i % (v + 5) == 0)
            ldg_state_put(st, kb[i], kl, vb[i], vl);
        if (v > 0 && i % (v + 6) == 0)
            ldg_state_del(st, kb[i], kl);
    }
    const ldg_write *sw;
    size_t n = ldg_state_writes(st, &sw);
    for (size_t i = 0; i < n; i++) { /* point into kb/vb: the overlay goes */
        uint32_t ix = 0;
        if (sw[i].klen == 33)
            for (ix = 0; ix < PIN_KEYS && (ix % 4 || memcmp(kb[ix], sw[i].key, 33)); ix++)
                ;
        else
            ix = (uint32_t)sw[i].key[1] << 24 | (uint32_t)sw[i].key[2] << 16 |
                 (uint32_t)sw[i].key[3] << 8 | sw[i].key[4];
        ck_assert_uint_lt(ix, PIN_KEYS);
        w[i] = (ldg_write){kb[ix], sw[i].klen, sw[i].val ? vb[ix] : NULL, sw[i].vlen};
    }
    ldg_state_free(st);
    ldg_memkv_free(tmp);
    return n;
}

/* SHA-256 over every version's root and the proof bytes of every 7th key at every
 * version: pinned from the tree as first written (before the node encoding changed), so
 * that a change of the stored layout is proven neutral for roots and proofs. */
START_TEST(test_pinned_roots)
{
    ldg_memkv *kv = ldg_memkv_new();
    ldg_smt *t;
    ck_assert_int_eq(ldg_smt_open(&t, ldg_memkv_base(kv), 0, true), LDG_OK);
    ldg_smt_set_retention(t, 0);
    uint8_t(*kb)[40] = malloc(PIN_KEYS * sizeof *kb), (*vb)[9] = malloc(PIN_KEYS * sizeof *vb);
    ldg_write *w = malloc(PIN_KEYS * sizeof *w);
    ldg_enc all;
    ldg_enc_init(&all);
    for (uint64_t v = 0; v < PIN_VERS; v++) {
        size_t n = pin_writes(v, w, kb, vb);
        ldg_hash root = apply(t, kv, v, w, n);
        ldg_enc_raw(&all, root.b, 32);
    }
    ldg_smt_proof *p = malloc(sizeof *p);
    for (uint64_t v = 0; v < PIN_VERS; v++)
        for (uint32_t i = 0; i < PIN_KEYS; i += 7) {
            uint8_t k[40], *val = NULL;
            size_t kl = pin_key(k, i), vl;
            bool found;
            memset(p, (int)(i & 0xff), sizeof *p); /* prove sets every byte it encodes */
            ck_assert_int_eq(ldg_smt_prove(ldg_memkv_base(kv), v, k, kl, p, &val, &vl, &found),
                             LDG_OK);
            ldg_smt_proof_encode(&all, p);
            free(val);
        }
    ldg_hash got, want;
    ldg_sha256(&got, ldg_enc_data(&all), ldg_enc_len(&all));
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", got.b[i]);
    hex32(&want, PIN_DIGEST);
    ck_assert_msg(!memcmp(got.b, want.b, 32), "roots and proofs changed: %s", hex);
    ldg_enc_free(&all);
    free(p);
    free(w);
    free(kb);
    free(vb);
    ldg_smt_free(t);
    ldg_memkv_free(kv);
}
END_TEST

/* The stored layout is lean (specs/state.md §5.4): an internal node holds per child its
 * hash, its version as a delta from the node's and (leaves) its path, and is keyed by its
 * prefix's own bytes; so one put into a 3,000-key tree stages at most 1,800 bytes, one
 * holding 3,500 (the former layout, with 32-byte prefixes in keys and be64 versions and
 * sums, staged 2,217 and 4,316). */
START_TEST(test_lean_nodes)
{
    ldg_memkv *kv = ldg_memkv_new();
    ldg_smt *t;
    ck_assert_int_eq(ldg_smt_open(&t, ldg_memkv_base(kv), 0, true), LDG_OK);
    ldg_smt_set_retention(t, 0);
    uint8_t(*kb)[40] = malloc(PIN_KEYS * sizeof *kb), (*vb)[9] = malloc(PIN_KEYS * sizeof *vb);
    ldg_write *w = malloc(PIN_KEYS * sizeof *w);
    size_t n = pin_writes(0, w, kb, vb);
    apply(t, kv, 0, w, n);
    size_t sizes[2] = {0, 0};
    for (int i = 0; i < 2; i++) { /* a plain key, then a holding (and its register) */
        uint8_t k[40];
        size_t kl = pin_key(k, (uint32_t)(i ? 8 : 9));
        ldg_write one = {k, kl, (const uint8_t *)"\x05", 1};
        ldg_hash root;
        ck_assert_int_eq(ldg_smt_update(t, (uint64_t)i + 1, &one, 1, &root), LDG_OK);
        const ldg_write *sw;
        size_t sn = ldg_smt_staged(t, &sw);
        for (size_t j = 0; j < sn; j++)
            sizes[i] += sw[j].klen + sw[j].vlen;
        ldg_memkv_apply(kv, sw, sn);
        ldg_smt_commit(t);
        ldg_smt_stored(t, (uint64_t)i + 1);
    }
    ck_assert_msg(sizes[0] <= 1800 && sizes[1] <= 3500, "staged %zu and %zu bytes", sizes[0],
                  sizes[1]);
    free(w);
    free(kb);
    free(vb);
    ldg_smt_free(t);
    ldg_memkv_free(kv);
}
END_TEST

/* [3, body…, other root]: a version-3 proof around body (its segment of P or G and register
 * segment or nil). */
static size_t proof3(uint8_t *out, const uint8_t *body, size_t n)
{
    out[0] = 0x94, out[1] = 0x03;
    memcpy(out + 2, body, n);
    out[2 + n] = 0xc4, out[3 + n] = 32;
    memset(out + 4 + n, 0xab, 32);
    return 4 + n + 32;
}

/* Bytes that are not a proof: refused with DECODE, never asserting; a proof of an earlier
 * version (1, 2: the former root, registers among the plain keys) with INVALID, so that
 * its refusal can say so. */
START_TEST(test_proof_bad_bytes)
{
    ldg_smt_proof *p = malloc(sizeof *p);
    uint8_t b[128];
    static const uint8_t v2[] = {0x93, 0x02, 0x96, 0, 1, 0xc0, 0xc4, 0, 0xc4, 0, 0xc4, 0, 0xc0};
    ck_assert_int_eq(ldg_smt_proof_decode(p, v2, sizeof v2), LDG_ERR_INVALID);
    static const uint8_t v1[] = {0x93, 0x01, 0x96, 0, 0, 0xc0, 0xc4, 0, 0xc4, 0, 0xc4, 0, 0xc0};
    ck_assert_int_eq(ldg_smt_proof_decode(p, v1, sizeof v1), LDG_ERR_INVALID);
    static const uint8_t junk[][11] = {
        {0x96, 65, 0, 0xc0, 0xc4, 0, 0xc4, 0, 0xc4, 0, 0xc0},   /* depth 65 */
        {0x96, 0, 3, 0xc0, 0xc4, 0, 0xc4, 0, 0xc4, 0, 0xc0},    /* term 3 */
        {0x96, 0, 0, 0xc0, 0xc4, 0, 0xc4, 0, 0x90, 0xc0, 0xc0}, /* sums as an array */
    };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        ck_assert_int_eq(ldg_smt_proof_decode(p, b, proof3(b, junk[i], sizeof junk[i])),
                         LDG_ERR_DECODE);
    static const uint8_t ok[] = {0x96, 0, 1, 0xc0, 0xc4, 0, 0xc4, 0, 0xc4, 0, 0xc0};
    size_t n = proof3(b, ok, sizeof ok);
    ck_assert_int_eq(ldg_smt_proof_decode(p, b, n), LDG_OK);
    ck_assert(p->other_root.b[0] == 0xab && p->other_root.b[31] == 0xab);
    /* the other root missing, short, or followed by a fifth element */
    ck_assert_int_eq(ldg_smt_proof_decode(p, b, n - 1), LDG_ERR_DECODE);
    b[0] = 0x93;
    ck_assert_int_eq(ldg_smt_proof_decode(p, b, n - 34), LDG_ERR_DECODE);
    b[0] = 0x94, b[n - 33] = 31;
    ck_assert_int_eq(ldg_smt_proof_decode(p, b, n - 1), LDG_ERR_DECODE);
    b[0] = 0x95, b[n - 33] = 32, b[n] = 0xc0;
    ck_assert_int_eq(ldg_smt_proof_decode(p, b, n + 1), LDG_ERR_DECODE);
    /* a stray sum in a segment of P or G */
    static const uint8_t stray[] = {0x96, 0, 1, 0xc0, 0xc4, 0, 0xc4, 0, 0xc4, 1, 5, 0xc0};
    ck_assert_int_eq(ldg_smt_proof_decode(p, b, proof3(b, stray, sizeof stray)), LDG_ERR_DECODE);
    /* depth 1 with a bit set past its 4 levels */
    static const uint8_t bits[] = {0x96, 1, 1, 0xc0, 0xc4, 1, 0x10, 0xc4, 0, 0xc4, 0, 0xc0};
    ck_assert_int_eq(ldg_smt_proof_decode(p, b, proof3(b, bits, sizeof bits)), LDG_ERR_DECODE);
    /* a register segment (depth 1, one sibling) whose sum is not minimal LEB128, is
     * truncated, runs past 64 bits, or is followed by a stray byte */
    uint8_t reg[80] = {0x96, 0, 1, 0xc0, 0xc4, 0, 0xc4, 0,    0xc4, 0, /* main */
                       0x96, 1, 0, 0xc0, 0xc4, 1, 0x01, 0xc4, 32};
    size_t at = 19 + 32;
    reg[19] = 1; /* a non-zero sibling hash */
    static const struct {
        uint8_t n, b[11];
        bool ok;
    } sums[] = {
        {1, {0x05}, true},
        {2, {0x85, 0x00}, false},
        {1, {0x85}, false},
        {10, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, true},
        {10, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, false},
        {2, {0x05, 0x05}, false},
    };
    for (size_t i = 0; i < sizeof sums / sizeof sums[0]; i++) {
        reg[at] = 0xc4, reg[at + 1] = sums[i].n;
        memcpy(reg + at + 2, sums[i].b, sums[i].n);
        ck_assert_int_eq(ldg_smt_proof_decode(p, b, proof3(b, reg, at + 2 + sums[i].n)),
                         sums[i].ok ? LDG_OK : LDG_ERR_DECODE);
        if (sums[i].ok)
            ck_assert(p->has_register && p->reg.sib_count == 1 &&
                      p->reg.sums[0] == (sums[i].n == 1 ? 5 : UINT64_MAX));
    }
    free(p);
}
END_TEST

/* A holding's proof does not cross the plain keys (specs/state.md §5.1: registers have
 * their own tree G): with 20,000 plain keys and one instrument of 4 holders, the holding's
 * proof is its register segment (depth 1), G's (depth 0: one register) and P's root, under
 * 300 bytes, whatever the number of plain keys; a plain key's proof pays G's root. (With
 * the register leaf among the plain keys, version 2, it crossed ~4 more nibble levels.) */
START_TEST(test_holding_proof_ignores_plain_keys)
{
    enum { PLAIN = 20000, HOLDERS = 4 };
    ldg_memkv *kv = ldg_memkv_new(), *tmp = ldg_memkv_new();
    ldg_state *st = ldg_state_new(ldg_memkv_base(tmp));
    uint8_t k[33], b0[33];
    for (uint32_t i = 0; i < PLAIN; i++) {
        uint8_t pk[5] = {'x', (uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8),
                         (uint8_t)i};
        ldg_state_put(st, pk, sizeof pk, (const uint8_t *)"\x01", 1);
    }
    for (int i = 0; i < HOLDERS; i++) {
        memcpy(k, "bCNE100000296", 13);
        memset(k + 13, 0x30 + i, 20);
        ldg_state_put(st, k, 33, (const uint8_t *)"\x0a", 1);
        if (i == 0)
            memcpy(b0, k, 33);
    }
    const ldg_write *w;
    size_t n = ldg_state_writes(st, &w);
    ldg_smt *t;
    ck_assert_int_eq(ldg_smt_open(&t, ldg_memkv_base(kv), 0, true), LDG_OK);
    ldg_hash root = apply(t, kv, 0, (ldg_write *)w, n);
    ldg_smt_proof *p = malloc(sizeof *p);
    uint8_t *val;
    size_t vl;
    bool found, has_total;
    uint64_t total;
    char why[200];
    ck_assert_int_eq(ldg_smt_prove(ldg_memkv_base(kv), 0, b0, 33, p, &val, &vl, &found), LDG_OK);
    ck_assert(found && p->has_register && p->main.depth == 0 && p->main.sib_count == 0);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_smt_proof_encode(&e, p);
    ck_assert_uint_lt(ldg_enc_len(&e), 300);
    ck_assert_int_eq(ldg_smt_verify(&root, b0, 33, val, vl, p, &has_total, &total, why, sizeof why),
                     LDG_OK);
    ck_assert(has_total && total == 10 * HOLDERS);
    /* the other root is bound: another P refused */
    p->other_root.b[7] ^= 1;
    ck_assert_int_eq(ldg_smt_verify(&root, b0, 33, val, vl, p, NULL, NULL, why, sizeof why),
                     LDG_ERR_INVALID);
    free(val);
    ldg_enc_free(&e);
    free(p);
    ldg_smt_free(t);
    ldg_state_free(st);
    ldg_memkv_free(tmp);
    ldg_memkv_free(kv);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("smt");
    TCase *tc = tcase_create("smt");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_small_trees);
    tcase_add_test(tc, test_worked_values);
    tcase_add_test(tc, test_proof_bad_bytes);
    tcase_add_test(tc, test_holding_proof_ignores_plain_keys);
    tcase_add_test(tc, test_pinned_roots);
    tcase_add_test(tc, test_lean_nodes);
    tcase_add_test(tc, test_model_keep_all);
    tcase_add_test(tc, test_model_pruned);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
