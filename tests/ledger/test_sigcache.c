/* The signature cache (ledger/ldg_sigcache.h, specs/chains.md §8.1): a check verified ahead
 * is found once; anything that differs in one byte of key, message or signature is not,
 * and gets ldg_verify's verdict; failures are never remembered; the parallel fill keeps only
 * the checks that pass. Randomised: seed printed, FOLIO_TEST_SEED replays. */
#include "ldg_sigcache.h"
#include "testlib.h"

#define JOBS 64

static ldg_keypair K[4];
static ldg_sigjob J[JOBS];
static tl_rng R;

static uint64_t rnd(void)
{
    return tl_rng_next(&R);
}

/* JOBS good checks: key i % 4 signs message i. */
static void make_jobs(void)
{
    tl_rng_init(&R, tl_seed("sigcache", 0x51c4ce));
    for (uint32_t i = 0; i < 4; i++) {
        uint8_t sk[32];
        for (uint32_t salt = 0;; salt++) {
            for (size_t b = 0; b < sizeof sk; b++)
                sk[b] = (uint8_t)rnd();
            sk[31] ^= (uint8_t)salt;
            if (ldg_keypair_from_secret(&K[i], sk) == LDG_OK)
                break;
        }
    }
    for (uint32_t i = 0; i < JOBS; i++) {
        for (size_t b = 0; b < LDG_HASH_LEN; b++)
            J[i].msg.b[b] = (uint8_t)rnd();
        J[i].pub = K[i % 4].pub;
        ck_assert_int_eq(ldg_sign_deterministic(&J[i].sig, &K[i % 4], &J[i].msg), LDG_OK);
    }
}

START_TEST(hit_once_then_inline)
{
    make_jobs();
    ldg_sigcache *c = ldg_sigcache_new();
    ldg_sigcache_fill(c, J, JOBS, 2);
    ldg_sigcache_wait(c);
    ck_assert_uint_eq(ldg_sigcache_get_stats(c).filled, JOBS);
    uint64_t before = ldg_verify_count();
    for (uint32_t i = 0; i < JOBS; i++)
        ck_assert(ldg_sigcache_verify(c, &J[i].sig, &J[i].msg, &J[i].pub));
    ck_assert_uint_eq(ldg_verify_count(), before); /* every answer from the cache */
    ck_assert_uint_eq(ldg_sigcache_get_stats(c).hits, JOBS);
    /* spent: asked again, each is verified inline, with the same verdict */
    ck_assert(ldg_sigcache_verify(c, &J[0].sig, &J[0].msg, &J[0].pub));
    ck_assert_uint_eq(ldg_verify_count(), before + 1);
    ck_assert_uint_eq(ldg_sigcache_get_stats(c).misses, 1);
    ldg_sigcache_free(c);
}
END_TEST

/* A cached pass must not vouch for anything but its own triple. */
START_TEST(tampered_not_found)
{
    make_jobs();
    ldg_sigcache *c = ldg_sigcache_new();
    for (int round = 0; round < 3; round++) {
        ldg_sigcache_fill(c, J, JOBS, 2);
        ldg_sigcache_wait(c);
        uint32_t i = (uint32_t)rnd() % JOBS;
        ldg_sigjob t = J[i];
        switch (round) {
        case 0: /* one bit of the signature */
            t.sig.b[rnd() % LDG_SIG_LEN] ^= (uint8_t)(1u << (rnd() % 8));
            break;
        case 1: /* another validator's key (the same signature and message) */
            t.pub = K[(i + 1) % 4].pub;
            break;
        default: /* another message (another block, round or height) */
            t.msg.b[rnd() % LDG_HASH_LEN] ^= 1;
            break;
        }
        ck_assert_msg(!ldg_sigcache_verify(c, &t.sig, &t.msg, &t.pub), "round %d", round);
        ck_assert_msg(!ldg_verify(&t.sig, &t.msg, &t.pub), "round %d", round);
        /* and the genuine one is still there */
        ck_assert(ldg_sigcache_verify(c, &J[i].sig, &J[i].msg, &J[i].pub));
    }
    ldg_sigcache_free(c);
}
END_TEST

/* A check that fails is not remembered: a fill of bad ones leaves nothing to find. */
START_TEST(failures_not_kept)
{
    make_jobs();
    ldg_sigjob bad[JOBS];
    memcpy(bad, J, sizeof bad);
    for (uint32_t i = 0; i < JOBS; i++)
        bad[i].sig.b[i % LDG_SIG_LEN] ^= 0x80;
    ldg_sigcache *c = ldg_sigcache_new();
    ldg_sigcache_fill(c, bad, JOBS, 2);
    ldg_sigcache_wait(c);
    ck_assert_uint_eq(ldg_sigcache_get_stats(c).filled, 0);
    for (uint32_t i = 0; i < JOBS; i++)
        ck_assert(!ldg_sigcache_verify(c, &bad[i].sig, &bad[i].msg, &bad[i].pub));
    ck_assert_uint_eq(ldg_sigcache_get_stats(c).hits, 0);
    /* a key that is not on the curve: refused like ldg_verify refuses it */
    ldg_pubkey junk;
    memset(junk.b, 0xff, sizeof junk.b);
    ck_assert(!ldg_sigcache_verify(c, &J[0].sig, &J[0].msg, &junk));
    ldg_sigcache_free(c);
}
END_TEST

/* The verdicts are ldg_verify's, cache or none, whatever was filled. */
START_TEST(same_verdicts_as_verify)
{
    make_jobs();
    ldg_sigcache *c = ldg_sigcache_new();
    ldg_sigjob mixed[JOBS];
    memcpy(mixed, J, sizeof mixed);
    for (uint32_t i = 0; i < JOBS; i++)
        if (rnd() % 3 == 0)
            mixed[i].sig.b[0] ^= 1;
    ldg_sigcache_fill(c, mixed, JOBS / 2, 1); /* half filled ahead, half not */
    for (uint32_t i = 0; i < JOBS; i++) {
        bool want = ldg_verify(&mixed[i].sig, &mixed[i].msg, &mixed[i].pub);
        ck_assert_int_eq(ldg_sigcache_verify(c, &mixed[i].sig, &mixed[i].msg, &mixed[i].pub), want);
        ck_assert_int_eq(ldg_sigcache_verify(NULL, &mixed[i].sig, &mixed[i].msg, &mixed[i].pub),
                         want);
    }
    ldg_sigcache_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sigcache");
    TCase *tc = tcase_create("sigcache");
    tcase_add_test(tc, hit_once_then_inline);
    tcase_add_test(tc, tampered_not_found);
    tcase_add_test(tc, failures_not_kept);
    tcase_add_test(tc, same_verdicts_as_verify);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
