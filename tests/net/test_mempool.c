/* Unit tests for net/net_mempool: FIFO order, duplicate ids (REPLAY), the capacity
 * (MEMPOOL_FULL), remove_front, wait, and a seeded model test of many add/remove cycles
 * that wrap the ring and churn the id set with colliding hash slots. */
#include "testlib.h"

#include "net_mempool.h"

static ldg_hash id_of(uint64_t n)
{
    ldg_hash h;
    ldg_sha256(&h, &n, sizeof n);
    return h;
}

static uint8_t *wire_of(uint64_t n, size_t *len)
{
    *len = 1 + (size_t)(n % 13);
    uint8_t *w = malloc(*len);
    memset(w, (int)(n & 0xff), *len);
    return w;
}

static ldg_result add(net_mempool *mp, uint64_t n, const ldg_hash *id)
{
    size_t len;
    uint8_t *w = wire_of(n, &len);
    ldg_result r = net_mempool_add(mp, id, w, len, 1000 + n);
    if (r != LDG_R_OK)
        free(w); /* ownership moves only on success */
    return r;
}

START_TEST(test_fifo)
{
    net_mempool *mp = net_mempool_new(16);
    ck_assert_uint_eq(net_mempool_size(mp), 0);
    for (uint64_t i = 0; i < 10; i++) {
        ldg_hash id = id_of(i);
        ck_assert_int_eq(add(mp, i, &id), LDG_R_OK);
    }
    ck_assert_uint_eq(net_mempool_size(mp), 10);
    net_pending p[16];
    ck_assert_uint_eq(net_mempool_peek(mp, p, 4), 4);
    ck_assert_uint_eq(net_mempool_peek(mp, p, 16), 10);
    for (uint64_t i = 0; i < 10; i++) {
        ldg_hash id = id_of(i);
        ck_assert_mem_eq(p[i].id.b, id.b, LDG_HASH_LEN);
        ck_assert_uint_eq(p[i].len, 1 + i % 13);
        ck_assert_uint_eq(p[i].wire[0], i);
        ck_assert_uint_eq(p[i].expiry_ms, 1000 + i);
    }
    /* Peek does not consume. */
    ck_assert_uint_eq(net_mempool_size(mp), 10);
    net_mempool_remove_front(mp, 3);
    ck_assert_uint_eq(net_mempool_size(mp), 7);
    ck_assert_uint_eq(net_mempool_peek(mp, p, 16), 7);
    ldg_hash id3 = id_of(3);
    ck_assert_mem_eq(p[0].id.b, id3.b, LDG_HASH_LEN);
    ldg_hash id0 = id_of(0);
    ck_assert(!net_mempool_contains(mp, &id0));
    ck_assert(net_mempool_contains(mp, &id3));
    net_mempool_remove_front(mp, 0);
    ck_assert_uint_eq(net_mempool_size(mp), 7);
    net_mempool_free(mp); /* frees the 7 pending wires */
}
END_TEST

START_TEST(test_dedup)
{
    net_mempool *mp = net_mempool_new(8);
    ldg_hash a = id_of(1), b = id_of(2);
    ck_assert_int_eq(add(mp, 1, &a), LDG_R_OK);
    ck_assert_int_eq(add(mp, 1, &a), LDG_R_REPLAY);
    ck_assert_int_eq(add(mp, 7, &a), LDG_R_REPLAY); /* same id, other bytes */
    ck_assert_int_eq(add(mp, 2, &b), LDG_R_OK);
    ck_assert_uint_eq(net_mempool_size(mp), 2);
    /* After it leaves the pool the id may come back (the chain guards replays then). */
    net_mempool_remove_front(mp, 1);
    ck_assert(!net_mempool_contains(mp, &a));
    ck_assert_int_eq(add(mp, 1, &a), LDG_R_OK);
    net_pending p[4];
    ck_assert_uint_eq(net_mempool_peek(mp, p, 4), 2);
    ck_assert_mem_eq(p[0].id.b, b.b, LDG_HASH_LEN);
    ck_assert_mem_eq(p[1].id.b, a.b, LDG_HASH_LEN);
    net_mempool_free(mp);
}
END_TEST

START_TEST(test_capacity)
{
    net_mempool *mp = net_mempool_new(5);
    for (uint64_t i = 0; i < 5; i++) {
        ldg_hash id = id_of(i);
        ck_assert_int_eq(add(mp, i, &id), LDG_R_OK);
    }
    ldg_hash x = id_of(99);
    ck_assert_int_eq(add(mp, 99, &x), LDG_R_MEMPOOL_FULL);
    ck_assert(!net_mempool_contains(mp, &x));
    /* A duplicate is reported as such even when full. */
    ldg_hash id0 = id_of(0);
    ck_assert_int_eq(add(mp, 0, &id0), LDG_R_REPLAY);
    net_mempool_remove_front(mp, 2);
    ck_assert_int_eq(add(mp, 99, &x), LDG_R_OK);
    ldg_hash y = id_of(100);
    ck_assert_int_eq(add(mp, 100, &y), LDG_R_OK);
    ldg_hash z = id_of(101);
    ck_assert_int_eq(add(mp, 101, &z), LDG_R_MEMPOOL_FULL);
    net_pending p[8];
    ck_assert_uint_eq(net_mempool_peek(mp, p, 8), 5);
    ldg_hash id2 = id_of(2);
    ck_assert_mem_eq(p[0].id.b, id2.b, LDG_HASH_LEN);
    ck_assert_mem_eq(p[3].id.b, x.b, LDG_HASH_LEN);
    ck_assert_mem_eq(p[4].id.b, y.b, LDG_HASH_LEN);
    net_mempool_remove_front(mp, 5);
    ck_assert_uint_eq(net_mempool_size(mp), 0);
    ck_assert_uint_eq(net_mempool_peek(mp, p, 8), 0);
    net_mempool_free(mp);
}
END_TEST

START_TEST(test_wait)
{
    net_mempool *mp = net_mempool_new(4);
    ck_assert_uint_eq(net_mempool_wait(mp, 20), 0);
    ldg_hash a = id_of(1);
    ck_assert_int_eq(add(mp, 1, &a), LDG_R_OK);
    ck_assert_uint_eq(net_mempool_wait(mp, 10000), 1); /* returns at once */
    net_mempool_wake(mp);
    net_mempool_free(mp);
}
END_TEST

/* Ids whose first 8 bytes (the set's hash) share few values, so probe chains are long and
 * backward-shift deletion is exercised; the remaining bytes keep them distinct. */
static ldg_hash colliding_id(uint64_t n)
{
    ldg_hash h = id_of(n);
    uint64_t bucket = n % 5;
    memcpy(h.b, &bucket, sizeof bucket);
    return h;
}

START_TEST(test_cycles_model)
{
    tl_rng r;
    tl_rng_init(&r, tl_seed("test_mempool", 0x3e3e3e3eULL));
    for (int variant = 0; variant < 2; variant++) {
        enum { CAP = 37, OPS = 20000 };
        net_mempool *mp = net_mempool_new(CAP);
        /* The model: a deque of sequence numbers, ids derived from them. */
        static uint64_t q[CAP];
        size_t qh = 0, qn = 0;
        uint64_t next = 0;
        for (int op = 0; op < OPS; op++) {
            uint64_t k = tl_rng_below(&r, 10);
            if (k < 6) {
                uint64_t n = next++;
                ldg_hash id = variant ? colliding_id(n) : id_of(n);
                ldg_result res = add(mp, n, &id);
                if (qn == CAP) {
                    ck_assert_int_eq(res, LDG_R_MEMPOOL_FULL);
                } else {
                    ck_assert_int_eq(res, LDG_R_OK);
                    q[(qh + qn++) % CAP] = n;
                }
            } else if (k < 7 && qn) {
                /* Re-adding a pending id is refused. */
                uint64_t n = q[(qh + tl_rng_below(&r, qn)) % CAP];
                ldg_hash id = variant ? colliding_id(n) : id_of(n);
                ck_assert_int_eq(add(mp, n, &id), LDG_R_REPLAY);
            } else {
                size_t m = qn ? (size_t)tl_rng_below(&r, qn + 1) : 0;
                net_mempool_remove_front(mp, m);
                qh = (qh + m) % CAP, qn -= m;
            }
            ck_assert_uint_eq(net_mempool_size(mp), qn);
            if (op % 64 == 0 || op > OPS - 100) {
                net_pending p[CAP];
                ck_assert_uint_eq(net_mempool_peek(mp, p, CAP), qn);
                for (size_t i = 0; i < qn; i++) {
                    uint64_t n = q[(qh + i) % CAP];
                    ldg_hash id = variant ? colliding_id(n) : id_of(n);
                    ck_assert_mem_eq(p[i].id.b, id.b, LDG_HASH_LEN);
                    ck_assert_uint_eq(p[i].expiry_ms, 1000 + n);
                    ck_assert(net_mempool_contains(mp, &id));
                }
                /* Recently removed ids are gone from the set. */
                for (uint64_t back = 1; back <= 2 * CAP && back <= next; back++) {
                    uint64_t n = next - back;
                    bool pending = false;
                    for (size_t i = 0; i < qn; i++)
                        pending |= q[(qh + i) % CAP] == n;
                    ldg_hash id = variant ? colliding_id(n) : id_of(n);
                    ck_assert_int_eq(net_mempool_contains(mp, &id), pending);
                }
            }
        }
        net_mempool_free(mp);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mempool");
    TCase *tc = tcase_create("mempool");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fifo);
    tcase_add_test(tc, test_dedup);
    tcase_add_test(tc, test_capacity);
    tcase_add_test(tc, test_wait);
    tcase_add_test(tc, test_cycles_model);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
