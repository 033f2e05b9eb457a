/* The store's write batch (ledger/ldg_store.c): a batch hands its operations to RocksDB
 * sorted by column family and key, so what it must keep is the result of applying them in
 * the order they were added: the operations on one key in their order, a range delete
 * between the operations before and after it. A seeded model-based test applies random
 * batches (puts, deletes and range deletes over a small pool of keys that share prefixes,
 * in two column families) to a store and to a model, and compares every key after each.
 * Randomised: seed printed, FOLIO_TEST_SEED replays. */
#include "testlib.h"

#include "ldg_store.h"

#define POOL 48
#define KEY_MAX 24
#define BATCHES 60
#define OPS_MAX 200

typedef struct pkey {
    uint8_t b[KEY_MAX];
    size_t n;
} pkey;

static pkey P[POOL];
static const ldg_cf CFS[2] = {LDG_CF_STATE, LDG_CF_INDEX};
static int model[2][POOL]; /* the value's tag, or -1: absent */
static tl_rng R;

static int key_cmp(const pkey *a, const pkey *b)
{
    size_t n = a->n < b->n ? a->n : b->n;
    int c = n ? memcmp(a->b, b->b, n) : 0;
    if (c == 0 && a->n != b->n)
        c = a->n < b->n ? -1 : 1;
    return c;
}

/* Keys of 1..KEY_MAX bytes over a four-letter alphabet with zero bytes: many share their
 * first 8 or 16 bytes, some are prefixes of others, some differ only past byte 16. */
static void make_pool(void)
{
    static const uint8_t abc[4] = {0x00, 0x01, 0x7f, 0xff};
    for (int i = 0; i < POOL; i++) {
        P[i].n = 1 + (size_t)tl_rng_below(&R, KEY_MAX);
        for (size_t k = 0; k < P[i].n; k++)
            P[i].b[k] = k < 17 && i % 3 ? 0x01 : abc[tl_rng_below(&R, 4)];
    }
}

typedef struct seen {
    int cf;
    int bad;
    size_t count;
} seen;

static bool check_one(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    seen *s = arg;
    s->count++;
    int tag = -1;
    for (int i = 0; i < POOL; i++)
        if (P[i].n == klen && memcmp(P[i].b, key, klen) == 0 && vlen == sizeof tag) {
            memcpy(&tag, val, sizeof tag);
            if (model[s->cf][i] != tag)
                s->bad++;
        }
    if (tag < 0)
        s->bad++; /* a key the model does not hold */
    return true;
}

static void check_store(ldg_store *st)
{
    static const uint8_t z = 0;
    for (int c = 0; c < 2; c++) {
        seen s = {c, 0, 0};
        ck_assert_int_eq(ldg_store_scan_from(st, CFS[c], &z, 0, &z, 0, check_one, &s), LDG_OK);
        size_t want = 0;
        for (int i = 0; i < POOL; i++) {
            /* pool keys may repeat: count distinct present keys */
            bool first = true;
            for (int j = 0; j < i; j++)
                if (key_cmp(&P[j], &P[i]) == 0)
                    first = false;
            want += first && model[c][i] >= 0;
        }
        ck_assert_int_eq(s.bad, 0);
        ck_assert_uint_eq(s.count, want);
    }
}

/* Sets the model for every pool key equal to P[i] (the pool may hold a key twice). */
static void model_set(int c, int i, int tag)
{
    for (int j = 0; j < POOL; j++)
        if (key_cmp(&P[j], &P[i]) == 0)
            model[c][j] = tag;
}

START_TEST(batch_keeps_order)
{
    tl_rng_init(&R, tl_seed("store", 0x5704e));
    make_pool();
    for (int c = 0; c < 2; c++)
        for (int i = 0; i < POOL; i++)
            model[c][i] = -1;
    char dir[PATH_MAX];
    tl_tmpdir(dir, "store");
    ldg_store *st;
    ck_assert_int_eq(ldg_store_open(&st, dir, false), LDG_OK);
    int tag = 0;
    for (int b = 0; b < BATCHES; b++) {
        ldg_batch *bt = ldg_batch_new(st);
        int nops = 1 + (int)tl_rng_below(&R, OPS_MAX);
        for (int o = 0; o < nops; o++) {
            int c = (int)tl_rng_below(&R, 2), i = (int)tl_rng_below(&R, POOL);
            uint64_t kind = tl_rng_below(&R, 20);
            if (kind < 13) {
                tag++;
                ldg_batch_put(bt, CFS[c], P[i].b, P[i].n, &tag, sizeof tag);
                model_set(c, i, tag);
            } else if (kind < 19) {
                ldg_batch_delete(bt, CFS[c], P[i].b, P[i].n);
                model_set(c, i, -1);
            } else {
                int j = (int)tl_rng_below(&R, POOL);
                const pkey *lo = key_cmp(&P[i], &P[j]) <= 0 ? &P[i] : &P[j];
                const pkey *hi = lo == &P[i] ? &P[j] : &P[i];
                ldg_batch_delete_range(bt, CFS[c], lo->b, lo->n, hi->b, hi->n);
                for (int k = 0; k < POOL; k++)
                    if (key_cmp(lo, &P[k]) <= 0 && key_cmp(&P[k], hi) < 0)
                        model[c][k] = -1;
            }
        }
        ck_assert_int_eq(ldg_store_write(st, bt, b % 7 == 0), LDG_OK);
        ldg_batch_free(bt);
        check_store(st);
    }
    ldg_store_close(st);
    /* and after reopening: the same from the WAL */
    ck_assert_int_eq(ldg_store_open(&st, dir, false), LDG_OK);
    check_store(st);
    ldg_store_close(st);
    tl_rmrf(dir);
}
END_TEST

/* The order of the operations on one key is the order they were added, whatever the keys
 * between them. */
START_TEST(same_key_last_wins)
{
    char dir[PATH_MAX];
    tl_tmpdir(dir, "store");
    ldg_store *st;
    ck_assert_int_eq(ldg_store_open(&st, dir, false), LDG_OK);
    ldg_batch *bt = ldg_batch_new(st);
    ldg_batch_put(bt, LDG_CF_STATE, "kk", 2, "1", 1);
    ldg_batch_put(bt, LDG_CF_STATE, "a", 1, "x", 1);
    ldg_batch_put(bt, LDG_CF_STATE, "kk", 2, "2", 1);
    ldg_batch_delete(bt, LDG_CF_STATE, "zz", 2);
    ldg_batch_put(bt, LDG_CF_STATE, "zz", 2, "3", 1);
    ldg_batch_put(bt, LDG_CF_STATE, "b", 1, "y", 1);
    ldg_batch_delete(bt, LDG_CF_STATE, "a", 1);
    /* a range delete between: what came before it in its range is gone, what after stays */
    ldg_batch_put(bt, LDG_CF_STATE, "m1", 2, "4", 1);
    ldg_batch_delete_range(bt, LDG_CF_STATE, "m", 1, "n", 1);
    ldg_batch_put(bt, LDG_CF_STATE, "m2", 2, "5", 1);
    ck_assert_int_eq(ldg_store_write(st, bt, true), LDG_OK);
    ldg_batch_free(bt);
    static const struct {
        const char *k, *v;
    } want[] = {{"kk", "2"}, {"zz", "3"}, {"b", "y"}, {"a", NULL}, {"m1", NULL}, {"m2", "5"}};
    for (size_t i = 0; i < LDG_ARRAY_LEN(want); i++) {
        uint8_t *v = NULL;
        size_t vl = 0;
        ldg_err err = ldg_store_get(st, LDG_CF_STATE, want[i].k, strlen(want[i].k), &v, &vl);
        if (!want[i].v) {
            ck_assert_int_eq(err, LDG_ERR_NOT_FOUND);
            continue;
        }
        ck_assert_int_eq(err, LDG_OK);
        ck_assert_uint_eq(vl, 1);
        ck_assert_int_eq(v[0], want[i].v[0]);
        free(v);
    }
    ldg_store_close(st);
    tl_rmrf(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("batch");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, same_key_last_wins);
    tcase_add_test(tc, batch_keeps_order);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
