/* Unit tests for net/net_pool (the node's one pool and batch store): arrival order,
 * duplicate ids (REPLAY), the cap (MEMPOOL_FULL), what find says about same and other
 * bytes under an id, removal by id, wait; batches: a peer's batch shares the bytes the
 * pool already holds (one copy), its fresh transactions join the pool, a wrong digest is
 * refused; own transactions leave as one batch once; the collection of expired entries and
 * dead batches; and a seeded model test of adds and removals by id. */
#include "testlib.h"

#include "net_pool.h"

#define CHAIN "folio-pool"

static ldg_hash id_of(uint64_t n)
{
    ldg_hash h;
    ldg_sha256(&h, &n, sizeof n);
    return h;
}

static ldg_result add(net_pool *p, uint64_t n, bool own)
{
    uint8_t w[16];
    memset(w, (int)(n & 0xff), sizeof w);
    ldg_hash id = id_of(n);
    return net_pool_add(p, &id, w, 1 + (size_t)(n % 13), 1000 + n, own);
}

START_TEST(test_order_and_remove)
{
    net_pool *p = net_pool_new(16);
    for (uint64_t i = 0; i < 10; i++)
        ck_assert_int_eq(add(p, i, false), LDG_R_OK);
    ck_assert_uint_eq(net_pool_size(p), 10);
    net_pool_tx t[16];
    size_t k = net_pool_front(p, t, 16);
    ck_assert_uint_eq(k, 10);
    for (uint64_t i = 0; i < 10; i++) {
        ldg_hash id = id_of(i);
        ck_assert_mem_eq(t[i].id.b, id.b, LDG_HASH_LEN);
        ck_assert_uint_eq(t[i].len, 1 + i % 13);
        ck_assert_uint_eq(t[i].wire[0], i);
        ck_assert_uint_eq(t[i].expiry_ms, 1000 + i);
    }
    ldg_hash gone[3] = {id_of(0), id_of(5), id_of(77)};
    net_pool_remove(p, gone, 3);
    ck_assert_uint_eq(net_pool_size(p), 8);
    ck_assert(!net_pool_has(p, &gone[0]) && !net_pool_has(p, &gone[1]));
    /* References taken by front outlive removal. */
    ck_assert_uint_eq(t[5].wire[0], 5);
    net_pool_release(t, k);
    k = net_pool_front(p, t, 2);
    ldg_hash id1 = id_of(1);
    ck_assert_mem_eq(t[0].id.b, id1.b, LDG_HASH_LEN);
    net_pool_release(t, k);
    net_pool_free(p);
}
END_TEST

START_TEST(test_replay_cap_find)
{
    net_pool *p = net_pool_new(3);
    ck_assert_int_eq(add(p, 1, false), LDG_R_OK);
    ck_assert_int_eq(add(p, 1, false), LDG_R_REPLAY);
    ck_assert_int_eq(add(p, 2, false), LDG_R_OK);
    ck_assert_int_eq(add(p, 3, false), LDG_R_OK);
    ck_assert_int_eq(add(p, 4, false), LDG_R_MEMPOOL_FULL);
    ldg_hash id = id_of(2);
    uint8_t same[16], other[16];
    memset(same, 2, sizeof same);
    memset(other, 9, sizeof other);
    ck_assert_int_eq(net_pool_find(p, &id, same, 3), NET_POOL_SAME);
    ck_assert_int_eq(net_pool_find(p, &id, other, 3), NET_POOL_OTHER);
    ck_assert_int_eq(net_pool_find(p, &id, same, 4), NET_POOL_OTHER);
    ldg_hash none = id_of(99);
    ck_assert_int_eq(net_pool_probe(p, &none, same, 3), NET_POOL_ABSENT);
    net_pool_free(p);
}
END_TEST

START_TEST(test_wait)
{
    net_pool *p = net_pool_new(4);
    ck_assert_uint_eq(net_pool_wait(p, 20), 0);
    ck_assert_int_eq(add(p, 1, false), LDG_R_OK);
    ck_assert_uint_eq(net_pool_wait(p, 10000), 1); /* returns at once */
    net_pool_wake(p);
    net_pool_free(p);
}
END_TEST

/* n real transactions (the batch code reads their signature trailer). */
static void real_txs(uint8_t **w, size_t *len, net_admitted *ad, uint32_t n, uint64_t expiry)
{
    ldg_keypair kp;
    tl_key(&kp, 7);
    for (uint32_t i = 0; i < n; i++) {
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_enc_array(&e, 1);
        ldg_enc_u64(&e, i);
        ldg_hash id;
        w[i] = tl_tx_build_fresh(&len[i], &id, CHAIN, &TL_NO_GENESIS, 11, &kp, expiry, &e);
        ldg_enc_free(&e);
        memset(&ad[i], 0, sizeof ad[i]);
        ad[i].ref.id = id;
        ldg_tx_wire_sig(&ad[i].ref.sig, w[i], len[i]);
        ad[i].expiry_ms = expiry;
        ad[i].fresh = true;
    }
}

START_TEST(test_ingest_one_copy)
{
    net_pool *p = net_pool_new(16);
    uint8_t *w[3];
    size_t len[3];
    net_admitted ad[3];
    real_txs(w, len, ad, 3, 5000);
    /* tx 0 was admitted from a client first. */
    ck_assert_int_eq(net_pool_add(p, &ad[0].ref.id, w[0], len[0], 5000, false), LDG_R_OK);
    ad[0].fresh = false;
    ldg_hash wrong = id_of(1);
    ck_assert(!net_pool_ingest(p, (const uint8_t *const *)w, len, ad, 3, &wrong));
    ck_assert_uint_eq(net_pool_size(p), 1);
    ck_assert(net_pool_ingest(p, (const uint8_t *const *)w, len, ad, 3, NULL));
    ck_assert_uint_eq(net_pool_size(p), 3);
    net_pool_tx t[3];
    ck_assert_uint_eq(net_pool_front(p, t, 3), 3);
    net_pool_lock(p);
    net_batch *bt = net_pool_batches(p);
    ck_assert_ptr_nonnull(bt);
    ck_assert_ptr_null(bt->next);
    ck_assert(net_pool_batch_get(p, &bt->digest) == bt);
    /* The same buffers in the pool and the batch: one copy of each transaction. */
    for (int i = 0; i < 3; i++) {
        ck_assert_mem_eq(t[i].id.b, ad[i].ref.id.b, LDG_HASH_LEN);
        ck_assert_ptr_eq(t[i].wire, bt->txs[i]);
        ck_assert(t[i].wire != w[i]);
    }
    ldg_hash digest = bt->digest;
    net_pool_unlock(p);
    net_pool_release(t, 3);
    ck_assert(net_pool_has_batch(p, &digest));
    /* The same batch again: known, nothing new. */
    ck_assert(net_pool_ingest(p, (const uint8_t *const *)w, len, ad, 3, &digest));
    ck_assert_uint_eq(net_pool_size(p), 3);
    /* Committed: the batch dies with its last pending transaction. */
    ldg_hash ids[3] = {ad[0].ref.id, ad[1].ref.id, ad[2].ref.id};
    net_pool_remove(p, ids, 2);
    net_pool_gc(p, 0);
    ck_assert(net_pool_has_batch(p, &digest));
    net_pool_remove(p, ids + 2, 1);
    net_pool_gc(p, 0);
    ck_assert(!net_pool_has_batch(p, &digest));
    for (int i = 0; i < 3; i++)
        free(w[i]);
    net_pool_free(p);
}
END_TEST

START_TEST(test_own_batches)
{
    net_pool *p = net_pool_new(16);
    uint8_t *w[3];
    size_t len[3];
    net_admitted ad[3];
    real_txs(w, len, ad, 3, 5000);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(net_pool_add(p, &ad[i].ref.id, w[i], len[i], 5000, i != 1), LDG_R_OK);
    ldg_enc e;
    ldg_enc_init(&e);
    ck_assert(net_pool_take_unsent(p, 100, 7, &e));
    ck_assert(!net_pool_take_unsent(p, 100, 7, &e)); /* sent once */
    net_pool_lock(p);
    net_batch *bt = net_pool_batches(p);
    ck_assert(bt && bt->own && bt->n == 2);
    ck_assert_mem_eq(bt->refs[0].id.b, ad[0].ref.id.b, LDG_HASH_LEN);
    ck_assert_mem_eq(bt->refs[1].id.b, ad[2].ref.id.b, LDG_HASH_LEN);
    net_pool_unlock(p);
    ck_assert_uint_eq(net_pool_stale_own(p, 100 + 50, 100, 7, &e, 1), 0);
    ck_assert_uint_eq(net_pool_stale_own(p, 100 + 100, 100, 7, &e, 1), 1);
    ck_assert_uint_eq(net_pool_stale_own(p, 100 + 150, 100, 7, &e, 1), 0);
    ldg_enc_reset(&e);
    net_pool_lock(p);
    ldg_hash d = net_pool_batches(p)->digest;
    net_pool_unlock(p);
    net_pool_enc_batch_rep(p, &d, &e);
    ck_assert_uint_gt(ldg_enc_len(&e), len[0] + len[2]);
    /* Expired entries go; their batch with them. */
    net_pool_gc(p, 5001);
    ck_assert_uint_eq(net_pool_size(p), 0);
    ck_assert(!net_pool_has_batch(p, &d));
    ldg_enc_free(&e);
    for (int i = 0; i < 3; i++)
        free(w[i]);
    net_pool_free(p);
}
END_TEST

/* Batch limits (the governed block limits): own batches are made within them, and an own
 * batch made before a lowering is not resent: its pending transactions are batched anew
 * within the new limits (each still once). */
START_TEST(test_batch_limits_resplit)
{
    net_pool *p = net_pool_new(16);
    uint8_t *w[10];
    size_t len[10];
    net_admitted ad[10];
    real_txs(w, len, ad, 10, 5000);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(net_pool_add(p, &ad[i].ref.id, w[i], len[i], 5000, true), LDG_R_OK);
    ldg_enc e;
    ldg_enc_init(&e);
    ck_assert(net_pool_take_unsent(p, 100, 7, &e));
    net_pool_lock(p);
    ck_assert_uint_eq(net_pool_batches(p)->n, 10);
    net_pool_unlock(p);
    net_pool_set_batch_limits(p, 4, 1 << 20);
    ck_assert_uint_eq(net_pool_stale_own(p, 100 + 1000, 100, 7, &e, 1), 0); /* not resent */
    uint32_t sizes[8], nb = 0;
    while (nb < 8 && net_pool_take_unsent(p, 2000, 7, &e))
        nb++;
    ck_assert_uint_eq(nb, 3);
    net_pool_lock(p);
    uint32_t seen = 0, k = 0;
    for (net_batch *bt = net_pool_batches(p)->next; bt; bt = bt->next) {
        ck_assert(bt->own);
        sizes[k++] = bt->n;
        seen += bt->n;
    }
    ck_assert(!net_pool_batches(p)->own); /* the old batch is no longer resent */
    net_pool_unlock(p);
    ck_assert_uint_eq(k, 3);
    ck_assert_uint_eq(sizes[0], 4);
    ck_assert_uint_eq(sizes[1], 4);
    ck_assert_uint_eq(sizes[2], 2);
    ck_assert_uint_eq(seen, 10);
    ck_assert(!net_pool_take_unsent(p, 2000, 7, &e)); /* each once */
    ldg_enc_free(&e);
    for (int i = 0; i < 10; i++)
        free(w[i]);
    net_pool_free(p);
}
END_TEST

/* Adds, duplicate adds and removals of random ids, against a model set. */
START_TEST(test_model)
{
    tl_rng r;
    tl_rng_init(&r, tl_seed("test_pool", 0x3e3e3e3eULL));
    enum { CAP = 37, OPS = 20000, SPACE = 80 };
    net_pool *p = net_pool_new(CAP);
    static bool in[SPACE];
    memset(in, 0, sizeof in);
    size_t count = 0;
    for (int op = 0; op < OPS; op++) {
        uint64_t n = tl_rng_below(&r, SPACE);
        if (tl_rng_below(&r, 10) < 6) {
            ldg_result res = add(p, n, false);
            ldg_result want = in[n] ? LDG_R_REPLAY : count == CAP ? LDG_R_MEMPOOL_FULL : LDG_R_OK;
            ck_assert_int_eq(res, want);
            if (want == LDG_R_OK)
                in[n] = true, count++;
        } else {
            ldg_hash id = id_of(n);
            net_pool_remove(p, &id, 1);
            count -= in[n];
            in[n] = false;
        }
        ck_assert_uint_eq(net_pool_size(p), count);
        if (op % 64 == 0)
            for (uint64_t i = 0; i < SPACE; i++) {
                ldg_hash id = id_of(i);
                ck_assert_int_eq(net_pool_has(p, &id), in[i]);
            }
    }
    net_pool_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("pool");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_order_and_remove);
    tcase_add_test(tc, test_replay_cap_find);
    tcase_add_test(tc, test_wait);
    tcase_add_test(tc, test_ingest_one_copy);
    tcase_add_test(tc, test_own_batches);
    tcase_add_test(tc, test_model);
    tcase_add_test(tc, test_batch_limits_resplit);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
