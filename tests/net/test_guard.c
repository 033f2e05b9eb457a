/* The signing guard (net/net_guard.h): the persisted votes survive a restart byte for
 * byte; no file means a fresh validator; a truncated or altered file refuses (-1: the node
 * must not vote, it could double-sign); signatures made through the guard verify. */
#include "testlib.h"

#include "net_guard.h"

#include <sys/stat.h>

static char dir[PATH_MAX];
static ldg_keypair key;
static net_guard g;

static void setup(void)
{
    tl_tmpdir(dir, "guard");
    tl_key(&key, 3);
    net_guard_init(&g, dir, &key);
}

static void teardown(void)
{
    tl_rmrf(dir);
}

START_TEST(test_guard_roundtrip)
{
    net_cons_persisted p, q;
    ck_assert_int_eq(net_guard_restore(&g, &q), 0);
    memset(&p, 0, sizeof p);
    p.last.height = 42;
    p.last.round = 3;
    ck_assert(net_guard_persist(&g, &p));
    memset(&q, 0xee, sizeof q);
    ck_assert_int_eq(net_guard_restore(&g, &q), 1);
    ck_assert_mem_eq(&p, &q, sizeof p);
    p.last.height = 43;
    ck_assert(net_guard_persist(&g, &p)); /* replaces it */
    ck_assert_int_eq(net_guard_restore(&g, &q), 1);
    ck_assert_uint_eq(q.last.height, 43);
}
END_TEST

START_TEST(test_guard_corrupt_refuses)
{
    net_cons_persisted p;
    memset(&p, 0, sizeof p);
    p.last.height = 7;
    ck_assert(net_guard_persist(&g, &p));
    FILE *f = fopen(g.path, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, 20, SEEK_SET);
    fputc(0x5a ^ 1, f);
    fclose(f);
    ck_assert_int_eq(net_guard_restore(&g, &p), -1);
    ck_assert_int_eq(truncate(g.path, 10), 0);
    ck_assert_int_eq(net_guard_restore(&g, &p), -1);
}
END_TEST

START_TEST(test_guard_signs)
{
    const uint8_t msg[] = "a vote";
    uint8_t sig[NET_CONS_SIG_LEN];
    ck_assert(net_guard_sign(&g, sig, msg, sizeof msg));
    ck_assert(net_guard_verify(NULL, key.pub.b, msg, sizeof msg, sig));
    sig[0] ^= 1;
    ck_assert(!net_guard_verify(NULL, key.pub.b, msg, sizeof msg, sig));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("guard");
    TCase *tc = tcase_create("guard");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_guard_roundtrip);
    tcase_add_test(tc, test_guard_corrupt_refuses);
    tcase_add_test(tc, test_guard_signs);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
