/* Unit tests for ledger/ldg_state: the overlay over a memkv base (get/put/del), per-tx
 * rollback (including keys written twice in one tx), sorted writes, the state root (order
 * independent, sensitive to every byte), the merged ordered scan, the memkv base, and a
 * seeded model-based test of random operations (including committed blocks whose values
 * stay cached, and abandoned ones) against a reference map. */
#include "testlib.h"

#include "ldg_state.h"

static ldg_memkv *kv;
static ldg_state *st;

static void put_base(const char *k, const char *v)
{
    ldg_write w = {(const uint8_t *)k, strlen(k), (const uint8_t *)v, v ? strlen(v) : 0};
    ldg_memkv_apply(kv, &w, 1);
}

static void setup(void)
{
    kv = ldg_memkv_new();
    put_base("p1", "base1");
    put_base("p3", "base3");
    put_base("p5", "base5");
    put_base("q1", "q");
    st = ldg_state_new(ldg_memkv_base(kv));
}

static void teardown(void)
{
    ldg_state_free(st);
    ldg_memkv_free(kv);
}

static void put(ldg_state *s, const char *k, const char *v)
{
    ldg_state_put(s, k, strlen(k), v, strlen(v));
}

/* The value of k as a C string, or NULL when absent. */
static const char *get(ldg_state *s, const char *k)
{
    static char buf[8][256];
    static int slot;
    const uint8_t *v;
    size_t vl;
    bool found;
    ck_assert_int_eq(ldg_state_get(s, k, strlen(k), &v, &vl, &found), LDG_OK);
    if (!found) {
        ck_assert_ptr_null(v);
        return NULL;
    }
    char *b = buf[slot++ % 8];
    ck_assert_uint_lt(vl, sizeof buf[0]);
    memcpy(b, v, vl);
    b[vl] = '\0';
    return b;
}

#define ck_absent(s, k) ck_assert_msg(get(s, k) == NULL, "%s should be absent", k)
#define ck_value(s, k, want)                                                                       \
    do {                                                                                           \
        const char *got_ = get(s, k);                                                              \
        ck_assert_msg(got_ &&strcmp(got_, want) == 0, "%s = %s, want %s", k,                       \
                      got_ ? got_ : "(absent)", want);                                             \
    } while (0)

START_TEST(test_get_put_del)
{
    ck_absent(st, "nope");
    ck_value(st, "p1", "base1");
    put(st, "new", "v");
    ck_value(st, "new", "v");
    put(st, "p1", "over");
    ck_value(st, "p1", "over");
    ldg_state_del(st, "p3", 2);
    ck_absent(st, "p3");
    ldg_state_del(st, "never", 5); /* deleting an absent key is a write too */
    ck_absent(st, "never");
    /* Empty values are values, not deletes. */
    ldg_state_put(st, "empty", 5, "", 0);
    const uint8_t *v;
    size_t vl;
    bool found;
    ck_assert_int_eq(ldg_state_get(st, "empty", 5, &v, &vl, &found), LDG_OK);
    ck_assert(found && vl == 0);
    /* The base is untouched until the writes are applied. */
    ck_assert_uint_eq(ldg_memkv_count(kv), 4);
    const ldg_write *w;
    ck_assert_uint_eq(ldg_state_writes(st, &w), 5);
    /* Reads alone never make writes. */
    ldg_state_reset(st);
    get(st, "p1");
    get(st, "zz");
    ck_assert_uint_eq(ldg_state_writes(st, &w), 0);
    ck_value(st, "p1", "base1"); /* reset dropped the overlay */
}
END_TEST

START_TEST(test_rollback_exact)
{
    put(st, "pre", "before-tx");
    ldg_state_del(st, "p5", 2);
    const ldg_write *w;
    size_t n0 = ldg_state_writes(st, &w);
    ck_assert_uint_eq(n0, 2);

    ldg_state_tx_begin(st);
    put(st, "pre", "in-tx-1");
    put(st, "pre", "in-tx-2"); /* written twice */
    put(st, "p1", "x");
    put(st, "p1", "y");
    ldg_state_del(st, "p1", 2); /* put, put, delete */
    put(st, "fresh", "1");
    ldg_state_del(st, "fresh", 5);
    put(st, "fresh", "2");
    put(st, "p5", "revived");
    ldg_state_del(st, "q1", 2);
    ck_value(st, "pre", "in-tx-2");
    ck_absent(st, "p1");
    ck_value(st, "fresh", "2");
    ck_value(st, "p5", "revived");
    ldg_state_tx_rollback(st);

    ck_value(st, "pre", "before-tx");
    ck_value(st, "p1", "base1");
    ck_absent(st, "fresh");
    ck_absent(st, "p5");
    ck_value(st, "q1", "q");
    size_t n1 = ldg_state_writes(st, &w);
    ck_assert_uint_eq(n1, 2);
    ck_assert(w[0].klen == 2 && memcmp(w[0].key, "p5", 2) == 0 && w[0].val == NULL);
    ck_assert(w[1].klen == 3 && memcmp(w[1].key, "pre", 3) == 0);
    ck_assert(w[1].vlen == 9 && memcmp(w[1].val, "before-tx", 9) == 0);

    /* A committed tx keeps its writes; the next rollback only undoes its own. */
    ldg_state_tx_begin(st);
    put(st, "a", "1");
    ldg_state_tx_commit(st);
    ldg_state_tx_begin(st);
    put(st, "a", "2");
    put(st, "b", "2");
    ldg_state_tx_rollback(st);
    ck_value(st, "a", "1");
    ck_absent(st, "b");
    ck_assert_uint_eq(ldg_state_writes(st, &w), 3);
}
END_TEST

START_TEST(test_writes_sorted)
{
    const char *keys[] = {"b", "ab", "a", "ba", "\xff", "aa", "a\x01", "\x00z"};
    size_t klen[] = {1, 2, 1, 2, 1, 2, 2, 2};
    for (size_t i = 0; i < LDG_ARRAY_LEN(keys); i++)
        ldg_state_put(st, keys[i], klen[i], "v", 1);
    ldg_state_del(st, "ac", 2);
    const ldg_write *w;
    size_t n = ldg_state_writes(st, &w);
    ck_assert_uint_eq(n, 9);
    const char *want[] = {"\x00z", "a", "a\x01", "aa", "ab", "ac", "b", "ba", "\xff"};
    size_t wlen[] = {2, 1, 2, 2, 2, 2, 1, 2, 1};
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(w[i].klen, wlen[i]);
        ck_assert_msg(memcmp(w[i].key, want[i], wlen[i]) == 0, "write %zu out of order", i);
        ck_assert(want[i][0] == 'a' && want[i][1] == 'c' ? w[i].val == NULL : w[i].val != NULL);
    }
}
END_TEST

static int ref_key_cmp(const void *x, const void *y)
{
    const ldg_write *a = x, *b = y;
    size_t m = a->klen < b->klen ? a->klen : b->klen;
    int c = memcmp(a->key, b->key, m);
    return c ? c : (a->klen > b->klen) - (a->klen < b->klen);
}

/* Writes come out in byte order whatever the keys' lengths and shared prefixes: keys of
 * 0..12 bytes over {0x00, 0x01, 0xff} (many share their first 8 bytes, or differ only by
 * trailing zeros), against qsort with memcmp. */
START_TEST(test_writes_sorted_random)
{
    tl_rng r;
    tl_rng_init(&r, tl_seed("test_state sort", 0x5047ULL));
    static const uint8_t alpha[] = {0x00, 0x01, 0xff};
    for (int round = 0; round < 50; round++) {
        ldg_state *s = ldg_state_new(ldg_memkv_base(kv));
        size_t nput = 1 + tl_rng_below(&r, 300);
        for (size_t i = 0; i < nput; i++) {
            uint8_t k[12];
            size_t kl = tl_rng_below(&r, sizeof k + 1);
            for (size_t j = 0; j < kl; j++)
                k[j] = j < 6 ? 0x01 : alpha[tl_rng_below(&r, 3)];
            ldg_state_put(s, k, kl, "v", 1);
        }
        const ldg_write *w;
        size_t n = ldg_state_writes(s, &w);
        ldg_write *ref = malloc(n * sizeof *ref);
        memcpy(ref, w, n * sizeof *ref);
        qsort(ref, n, sizeof *ref, ref_key_cmp);
        for (size_t i = 0; i < n; i++) {
            ck_assert_uint_eq(w[i].klen, ref[i].klen);
            ck_assert_msg(memcmp(w[i].key, ref[i].key, w[i].klen) == 0, "write %zu out of order",
                          i);
            if (i > 0)
                ck_assert_msg(ref_key_cmp(&w[i - 1], &w[i]) < 0,
                              "writes %zu and %zu not strictly ordered", i - 1, i);
        }
        free(ref);
        ldg_state_free(s);
    }
}
END_TEST

static void root_of(ldg_state *s, ldg_hash *out, uint64_t height)
{
    ldg_hash prev = {{1, 2, 3}};
    const ldg_write *w;
    size_t n = ldg_state_writes(s, &w);
    ldg_state_root(out, &prev, height, w, n);
}

START_TEST(test_state_root)
{
    tl_rng r;
    tl_rng_init(&r, tl_seed("test_state", 0x57a7e5eedULL));
    enum { N = 200 };
    char keys[N][16], vals[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        snprintf(vals[i], sizeof vals[i], "v%llu", (unsigned long long)tl_rng_below(&r, 1000000));
    }
    ldg_hash ref, h;
    for (int trial = 0; trial < 5; trial++) {
        int order[N];
        for (int i = 0; i < N; i++)
            order[i] = i;
        for (int i = N - 1; i > 0; i--) { /* Fisher-Yates from the seed */
            int j = (int)tl_rng_below(&r, (uint64_t)i + 1), t = order[i];
            order[i] = order[j], order[j] = t;
        }
        ldg_state *s = ldg_state_new(ldg_memkv_base(kv));
        /* Some keys first get a decoy value that is then overwritten: only the final
         * content may count. */
        for (int i = 0; i < N; i++) {
            if (order[i] % 7 == trial)
                put(s, keys[order[i]], "decoy");
            if (order[i] % 11 == 0)
                ldg_state_del(s, keys[order[i]], strlen(keys[order[i]]));
            else
                put(s, keys[order[i]], vals[order[i]]);
        }
        root_of(s, trial == 0 ? &ref : &h, 7);
        if (trial)
            ck_assert_msg(memcmp(ref.b, h.b, LDG_HASH_LEN) == 0, "order changed the root");
        /* Any single byte of any value changes it. */
        int k = (int)tl_rng_below(&r, N / 2) * 2 + 1; /* odd: never a multiple of 11 * 2 */
        if (k % 11 == 0)
            k += 2;
        char changed[16];
        snprintf(changed, sizeof changed, "%s", vals[k]);
        changed[tl_rng_below(&r, strlen(changed))] ^= 1;
        put(s, keys[k], changed);
        root_of(s, &h, 7);
        ck_assert(memcmp(ref.b, h.b, LDG_HASH_LEN) != 0);
        put(s, keys[k], vals[k]); /* and back */
        root_of(s, &h, 7);
        ck_assert(memcmp(ref.b, h.b, LDG_HASH_LEN) == 0);
        root_of(s, &h, 8); /* height is part of the root */
        ck_assert(memcmp(ref.b, h.b, LDG_HASH_LEN) != 0);
        ldg_state_free(s);
    }
    /* Delete and empty put are different writes; an extra write changes the root. */
    ldg_state *a = ldg_state_new(ldg_memkv_base(kv));
    ldg_state *b = ldg_state_new(ldg_memkv_base(kv));
    ldg_state_del(a, "k", 1);
    ldg_state_put(b, "k", 1, "", 0);
    ldg_hash ha, hb;
    root_of(a, &ha, 1);
    root_of(b, &hb, 1);
    ck_assert(memcmp(ha.b, hb.b, LDG_HASH_LEN) != 0);
    put(a, "k2", "x");
    ldg_hash ha2;
    root_of(a, &ha2, 1);
    ck_assert(memcmp(ha.b, ha2.b, LDG_HASH_LEN) != 0);
    /* Key bytes vs value bytes are framed: "ab"="c" differs from "a"="bc". */
    ldg_state_reset(a);
    ldg_state_reset(b);
    put(a, "ab", "c");
    put(b, "a", "bc");
    root_of(a, &ha, 1);
    root_of(b, &hb, 1);
    ck_assert(memcmp(ha.b, hb.b, LDG_HASH_LEN) != 0);
    /* prev_root is part of it. */
    const ldg_write *w;
    size_t n = ldg_state_writes(a, &w);
    ldg_hash p1 = {{0}}, p2 = {{0}};
    p2.b[31] = 1;
    ldg_state_root(&ha, &p1, 1, w, n);
    ldg_state_root(&hb, &p2, 1, w, n);
    ck_assert(memcmp(ha.b, hb.b, LDG_HASH_LEN) != 0);
    ldg_state_free(a);
    ldg_state_free(b);
}
END_TEST

typedef struct rows {
    char k[32][16];
    char v[32][16];
    size_t n;
    size_t stop_after;
} rows;

static bool collect(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    rows *r = arg;
    ck_assert_uint_lt(r->n, 32);
    ck_assert(kl < 16 && vl < 16);
    memcpy(r->k[r->n], k, kl);
    r->k[r->n][kl] = '\0';
    memcpy(r->v[r->n], v, vl);
    r->v[r->n][vl] = '\0';
    r->n++;
    return r->stop_after == 0 || r->n < r->stop_after;
}

START_TEST(test_scan_merge)
{
    put(st, "p2", "new2");
    put(st, "p3", "over3");
    ldg_state_del(st, "p5", 2);
    put(st, "p6", "new6");
    put(st, "p0", "new0");
    ldg_state_del(st, "p9", 2); /* delete of an absent key */
    put(st, "r1", "other");
    rows r = {0};
    ck_assert_int_eq(ldg_state_scan(st, "p", 1, 100, collect, &r), LDG_OK);
    const char *wk[] = {"p0", "p1", "p2", "p3", "p6"};
    const char *wv[] = {"new0", "base1", "new2", "over3", "new6"};
    ck_assert_uint_eq(r.n, 5);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_str_eq(r.k[i], wk[i]);
        ck_assert_str_eq(r.v[i], wv[i]);
    }
    /* max_rows and an early stop both cut the scan in order. */
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(ldg_state_scan(st, "p", 1, 3, collect, &r), LDG_OK);
    ck_assert_uint_eq(r.n, 3);
    ck_assert_str_eq(r.k[2], "p2");
    memset(&r, 0, sizeof r);
    r.stop_after = 2;
    ck_assert_int_eq(ldg_state_scan(st, "p", 1, 100, collect, &r), LDG_OK);
    ck_assert_uint_eq(r.n, 2);
    /* Whole keyspace, in order, with the other prefixes. */
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(ldg_state_scan(st, "", 0, 100, collect, &r), LDG_OK);
    ck_assert_uint_eq(r.n, 7);
    ck_assert_str_eq(r.k[5], "q1");
    ck_assert_str_eq(r.k[6], "r1");
    /* A prefix matching nothing. */
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(ldg_state_scan(st, "zz", 2, 100, collect, &r), LDG_OK);
    ck_assert_uint_eq(r.n, 0);
    /* Inside a tx the uncommitted writes are visible; after rollback they are gone. */
    ldg_state_tx_begin(st);
    ldg_state_del(st, "p1", 2);
    put(st, "p4", "tx4");
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(ldg_state_scan(st, "p", 1, 100, collect, &r), LDG_OK);
    ck_assert_uint_eq(r.n, 5);
    ck_assert_str_eq(r.k[1], "p2");
    ck_assert_str_eq(r.k[3], "p4");
    ldg_state_tx_rollback(st);
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(ldg_state_scan(st, "p", 1, 100, collect, &r), LDG_OK);
    ck_assert_uint_eq(r.n, 5);
    ck_assert_str_eq(r.k[1], "p1");
}
END_TEST

/* A base over a memkv that counts the rows it hands out, and seeks (scan_from) by skipping
 * uncounted: what a store with an iterator seek reads. */
typedef struct counting {
    ldg_state_base inner;
    size_t rows;
    const uint8_t *start;
    size_t slen;
    bool (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t);
    void *fa;
} counting;

static int cmp_keys(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : al < bl ? -1 : al > bl;
}

static bool count_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    counting *c = arg;
    if (c->start && cmp_keys(k, kl, c->start, c->slen) < 0)
        return true; /* before the seek point: an iterator never visits it */
    c->rows++;
    return c->fn(c->fa, k, kl, v, vl);
}

static ldg_err count_get(void *arg, const uint8_t *k, size_t kl, uint8_t **v, size_t *vl)
{
    counting *c = arg;
    return c->inner.get(c->inner.arg, k, kl, v, vl);
}

static ldg_err count_scan(void *arg, const uint8_t *p, size_t pl,
                          bool (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t),
                          void *fa)
{
    counting *c = arg;
    c->start = NULL;
    c->fn = fn, c->fa = fa;
    return c->inner.scan(c->inner.arg, p, pl, count_row, c);
}

static ldg_err count_scan_from(void *arg, const uint8_t *p, size_t pl, const uint8_t *start,
                               size_t sl,
                               bool (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t),
                               void *fa)
{
    counting *c = arg;
    c->start = start, c->slen = sl;
    c->fn = fn, c->fa = fa;
    return c->inner.scan(c->inner.arg, p, pl, count_row, c);
}

/* ldg_state_scan_from: the merged scan resumes at the first key at or after start (overlay
 * rows before it are not emitted, deletes hide base rows), and with a base that seeks the
 * rows read are those of the page, not those before it (a register page's bounded work). */
START_TEST(test_scan_from)
{
    put(st, "p2", "new2");
    put(st, "p4", "new4");
    ldg_state_del(st, "p3", 2);
    rows r = {0};
    ck_assert_int_eq(ldg_state_scan_from(st, "p", 1, "p2", 2, 100, collect, &r), LDG_OK);
    const char *wk[] = {"p2", "p4", "p5"};
    ck_assert_uint_eq(r.n, 3);
    for (size_t i = 0; i < 3; i++)
        ck_assert_str_eq(r.k[i], wk[i]);
    ck_assert_str_eq(r.v[0], "new2");
    /* Strictly after a key: the key with a zero byte appended. */
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(ldg_state_scan_from(st, "p", 1, "p2\0", 3, 100, collect, &r), LDG_OK);
    ck_assert_uint_eq(r.n, 2);
    ck_assert_str_eq(r.k[0], "p4");
    /* Past the end: nothing; max_rows cuts the page. */
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(ldg_state_scan_from(st, "p", 1, "p9", 2, 100, collect, &r), LDG_OK);
    ck_assert_uint_eq(r.n, 0);
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(ldg_state_scan_from(st, "p", 1, "p1", 2, 2, collect, &r), LDG_OK);
    ck_assert_uint_eq(r.n, 2);
    ck_assert_str_eq(r.k[1], "p2");

    /* 1000 base rows k0000..k0999; a page of 10 from k0500 reads 11 base rows at most
     * (the 11th tells the page it is full), not the 500 before it. */
    ldg_memkv *big = ldg_memkv_new();
    for (int i = 0; i < 1000; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%04d", i);
        ldg_write w = {(const uint8_t *)k, 5, (const uint8_t *)"v", 1};
        ldg_memkv_apply(big, &w, 1);
    }
    counting c = {ldg_memkv_base(big), 0, NULL, 0, NULL, NULL};
    ldg_state *s2 =
        ldg_state_new((ldg_state_base){count_get, count_scan, &c, NULL, NULL, count_scan_from});
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(ldg_state_scan_from(s2, "k", 1, "k0500", 5, 10, collect, &r), LDG_OK);
    ck_assert_uint_eq(r.n, 10);
    ck_assert_str_eq(r.k[0], "k0500");
    ck_assert_str_eq(r.k[9], "k0509");
    ck_assert_uint_le(c.rows, 11);
    /* The same through a base without scan_from: still right (rows before are skipped). */
    c.rows = 0;
    ldg_state *s3 = ldg_state_new((ldg_state_base){count_get, count_scan, &c, NULL, NULL, NULL});
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(ldg_state_scan_from(s3, "k", 1, "k0500", 5, 10, collect, &r), LDG_OK);
    ck_assert_uint_eq(r.n, 10);
    ck_assert_str_eq(r.k[0], "k0500");
    ck_assert_uint_gt(c.rows, 500); /* what a page costs without a seek */
    ldg_state_free(s2);
    ldg_state_free(s3);
    ldg_memkv_free(big);
}
END_TEST

START_TEST(test_memkv_apply)
{
    put(st, "p1", "changed");
    ldg_state_del(st, "p3", 2);
    put(st, "z", "1");
    const ldg_write *w;
    size_t n = ldg_state_writes(st, &w);
    ldg_memkv_apply(kv, w, n);
    ck_assert_uint_eq(ldg_memkv_count(kv), 4); /* p1 p5 q1 z */
    ldg_state *fresh = ldg_state_new(ldg_memkv_base(kv));
    ck_value(fresh, "p1", "changed");
    ck_absent(fresh, "p3");
    ck_value(fresh, "z", "1");
    rows r = {0};
    ck_assert_int_eq(ldg_state_scan(fresh, "", 0, 100, collect, &r), LDG_OK);
    ck_assert_uint_eq(r.n, 4);
    ck_assert_str_eq(r.k[0], "p1");
    ck_assert_str_eq(r.k[3], "z");
    ldg_state_free(fresh);
    /* Re-adding a deleted key. */
    put_base("p3", "again");
    ck_assert_uint_eq(ldg_memkv_count(kv), 5);
}
END_TEST

/* ---- model-based: random ops vs a reference map with tx snapshots ---- */

enum { MK = 40 };
typedef struct model {
    bool has[MK];
    uint8_t len[MK];
    uint8_t val[MK][8];
    bool dirty[MK];
} model;

static void key_of(int i, char *out, size_t *len)
{
    /* Keys of 1..3 bytes with shared prefixes, to exercise ordering. */
    out[0] = (char)('a' + i % 4);
    out[1] = (char)('a' + i / 4 % 4);
    out[2] = (char)('0' + i / 16);
    *len = 1 + (size_t)(i % 3);
    if (i < 4)
        *len = 1;
}

static int key_index_cmp(const void *x, const void *y)
{
    char a[3], b[3];
    size_t al, bl;
    key_of(*(const int *)x, a, &al);
    key_of(*(const int *)y, b, &bl);
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (int)al - (int)bl;
}

START_TEST(test_model_random)
{
    tl_rng r;
    tl_rng_init(&r, tl_seed("test_state model", 0x40de1ULL));
    /* Distinct keys only (some indexes alias the same bytes: skip them). */
    int keys[MK], nk = 0;
    for (int i = 0; i < MK; i++) {
        char a[3];
        size_t al;
        key_of(i, a, &al);
        bool dup = false;
        for (int j = 0; j < nk; j++) {
            char b[3];
            size_t bl;
            key_of(keys[j], b, &bl);
            dup |= al == bl && memcmp(a, b, al) == 0;
        }
        if (!dup)
            keys[nk++] = i;
    }
    qsort(keys, (size_t)nk, sizeof keys[0], key_index_cmp);
    for (int round = 0; round < 40; round++) {
        ldg_memkv *base = ldg_memkv_new();
        model m = {0}, snap;
        for (int j = 0; j < nk; j++) {
            if (tl_rng_below(&r, 2)) {
                char k[3];
                size_t kl;
                key_of(keys[j], k, &kl);
                m.has[j] = true;
                m.len[j] = (uint8_t)tl_rng_below(&r, 9);
                tl_rng_bytes(&r, m.val[j], m.len[j]);
                ldg_write w = {(uint8_t *)k, kl, m.val[j], m.len[j]};
                ldg_memkv_apply(base, &w, 1);
            }
        }
        ldg_state *s = ldg_state_new(ldg_memkv_base(base));
        model committed = m;
        bool in_tx = false;
        for (int op = 0; op < 300; op++) {
            int j = (int)tl_rng_below(&r, (uint64_t)nk);
            char k[3];
            size_t kl;
            key_of(keys[j], k, &kl);
            if (tl_rng_below(&r, 16) == 0) {
                /* A batched read of some keys (some cached or written already, some twice)
                 * changes no later read. */
                const uint8_t *pk[4];
                size_t pl[4];
                char kb[4][3];
                for (int q = 0; q < 4; q++) {
                    key_of(keys[tl_rng_below(&r, (uint64_t)nk)], kb[q], &pl[q]);
                    pk[q] = (const uint8_t *)kb[q];
                }
                ck_assert_int_eq(ldg_state_prefetch(s, 4, pk, pl), LDG_OK);
            }
            switch (tl_rng_below(&r, 12)) {
            case 0:
            case 1:
            case 2:
                m.has[j] = m.dirty[j] = true;
                m.len[j] = (uint8_t)tl_rng_below(&r, 9);
                tl_rng_bytes(&r, m.val[j], m.len[j]);
                ldg_state_put(s, k, kl, m.val[j], m.len[j]);
                break;
            case 3:
                m.has[j] = false, m.dirty[j] = true;
                ldg_state_del(s, k, kl);
                break;
            case 4:
                if (!in_tx) {
                    ldg_state_tx_begin(s);
                    snap = m, in_tx = true;
                }
                break;
            case 5:
                if (in_tx) {
                    ldg_state_tx_commit(s);
                    in_tx = false;
                }
                break;
            case 6:
                if (in_tx) {
                    ldg_state_tx_rollback(s);
                    m = snap, in_tx = false;
                }
                break;
            case 7:
                /* The block commits: its writes reach the base and the overlay keeps them
                 * as clean cached values (sometimes over the limits: it keeps only what the
                 * block touched, or resets; or it keeps all, as for a background write). */
                if (!in_tx) {
                    const ldg_write *w;
                    size_t n = ldg_state_writes(s, &w);
                    ldg_memkv_apply(base, w, n);
                    switch (tl_rng_below(&r, 6)) {
                    case 0:
                        ldg_state_settle(s, 4, 1); /* resets */
                        break;
                    case 1:
                        ldg_state_settle(s, 6, 1u << 30); /* compacts, may reset */
                        break;
                    case 2:
                        ldg_state_settle_keep(s, 3, 1,
                                              ldg_state_epoch(s)); /* compacts, never resets */
                        break;
                    default:
                        ldg_state_settle(s, 1u << 20, 1u << 30);
                    }
                    ck_assert(!ldg_state_has_writes(s));
                    memset(m.dirty, 0, sizeof m.dirty);
                    committed = m;
                }
                break;
            case 8:
                /* The block is abandoned: back to the committed values. */
                if (!in_tx) {
                    ldg_state_reset(s);
                    m = committed;
                }
                break;
            default: {
                const uint8_t *v;
                size_t vl;
                bool found;
                ck_assert_int_eq(ldg_state_get(s, k, kl, &v, &vl, &found), LDG_OK);
                ck_assert_int_eq(found, m.has[j]);
                if (found)
                    ck_assert(vl == m.len[j] && (vl == 0 || memcmp(v, m.val[j], vl) == 0));
            }
            }
        }
        if (in_tx)
            ldg_state_tx_commit(s);
        /* The writes are exactly the dirty keys, sorted, with the model's values. */
        const ldg_write *w;
        size_t n = ldg_state_writes(s, &w), pos = 0;
        for (int j = 0; j < nk; j++) {
            if (!m.dirty[j])
                continue;
            char k[3];
            size_t kl;
            key_of(keys[j], k, &kl);
            ck_assert_uint_lt(pos, n);
            ck_assert(w[pos].klen == kl && memcmp(w[pos].key, k, kl) == 0);
            ck_assert_int_eq(w[pos].val != NULL, m.has[j]);
            if (m.has[j])
                ck_assert(w[pos].vlen == m.len[j] &&
                          (m.len[j] == 0 || memcmp(w[pos].val, m.val[j], m.len[j]) == 0));
            pos++;
        }
        ck_assert_uint_eq(pos, n);
        ldg_state_free(s);
        ldg_memkv_free(base);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("state");
    TCase *tc = tcase_create("state");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_get_put_del);
    tcase_add_test(tc, test_rollback_exact);
    tcase_add_test(tc, test_writes_sorted);
    tcase_add_test(tc, test_writes_sorted_random);
    tcase_add_test(tc, test_state_root);
    tcase_add_test(tc, test_scan_merge);
    tcase_add_test(tc, test_scan_from);
    tcase_add_test(tc, test_memkv_apply);
    tcase_add_test(tc, test_model_random);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
