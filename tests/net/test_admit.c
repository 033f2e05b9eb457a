/* Admission (net/net_admit.h) over a real chain in a temporary directory: every refusal
 * with its code, the order of the checks (the first failure wins, and nothing a cheaper
 * check refuses costs a signature verification: counted by net_admit_get_stats), the
 * replay probe of the pool, the peer's tolerances (committed, pooled, expired on the way)
 * and a batch refused whole for one inadmissible transaction. */
#include "testlib.h"

#include "ast_asset.h"
#include "net_admit.h"
#include "net_mix.h"
#include "net_node.h"

#include <time.h>

#define CHAIN "folio-admit"
#define T0 1700000000000ULL
#define ISIN "US0378331005"
#define HOUR (3600 * 1000ULL)

static char dir[PATH_MAX];
static ldg_registry *reg;
static ldg_chain *chain;
static net_admit *adm;
static ldg_keypair val, alice, bob, stranger;
static net_pool_match probe_answer;
static uint64_t probes;

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static net_pool_match probe(void *ctx, const ldg_hash *id, const uint8_t *wire, size_t len)
{
    (void)ctx, (void)id, (void)wire, (void)len;
    probes++;
    return probe_answer;
}

static void setup(void)
{
    tl_tmpdir(dir, "admit");
    reg = net_registry_new();
    tl_key(&val, 1);
    tl_key(&alice, 4);
    tl_key(&bob, 5);
    tl_key(&stranger, 9);
    const char *names[] = {"alice", "bob"};
    uint32_t roles[] = {LDG_ROLE_INVESTOR, LDG_ROLE_INVESTOR};
    const ldg_keypair *keys[] = {&alice, &bob};
    ldg_genesis gen;
    tl_genesis(&gen, CHAIN, T0, &val, 2, names, roles, keys);
    ck_assert_int_eq(ldg_chain_open(&chain, dir, reg, &gen, false), LDG_OK);
    adm = net_admit_new(chain, reg, NULL, NULL);
    probe_answer = NET_POOL_ABSENT;
    probes = 0;
    net_admit_set_pool(adm, probe, NULL);
}

static void teardown(void)
{
    net_admit_free(adm);
    ldg_chain_close(chain);
    ldg_registry_free(reg);
    tl_rmrf(dir);
}

/* A transfer of qty to bob, as built by `kp` for `chain_id`, with type and expiry. */
static uint8_t *tx_of(size_t *len, const char *chain_id, uint64_t type, const ldg_keypair *kp,
                      uint64_t expiry_ms)
{
    ldg_account b = tl_account(&bob);
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 3);
    ldg_enc_str(&p, ISIN);
    ldg_enc_u64(&p, 1);
    ldg_enc_bin(&p, b.b, LDG_ACCOUNT_LEN);
    uint8_t *w = tl_tx_build_fresh(len, NULL, chain_id, ldg_chain_genesis_hash(chain), type, kp,
                                   expiry_ms, &p);
    ldg_enc_free(&p);
    return w;
}

static uint8_t *good(size_t *len)
{
    return tx_of(len, CHAIN, AST_TX_TRANSFER, &alice, wall_ms() + 60000);
}

static void break_sig(uint8_t *w, size_t len)
{
    w[len - 1] ^= 1;
}

static uint64_t sig_checks(void)
{
    return net_admit_get_stats(adm).sig_checks;
}

static ldg_result client(const uint8_t *w, size_t len)
{
    net_admitted ad;
    return net_admit_tx(adm, NULL, w, len, NET_ADMIT_CLIENT, &ad);
}

START_TEST(test_admit_good)
{
    size_t len;
    uint8_t *w = good(&len);
    net_admitted ad;
    ck_assert_int_eq(net_admit_tx(adm, NULL, w, len, NET_ADMIT_CLIENT, &ad), LDG_R_OK);
    ck_assert(ad.fresh && ad.verified);
    ck_assert_uint_eq(sig_checks(), 1);
    ck_assert_uint_eq(probes, 1);
    free(w);
}
END_TEST

START_TEST(test_admit_refusals)
{
    size_t len;
    uint64_t now = wall_ms();
    /* size */
    uint8_t *big = calloc(1, LDG_TX_SIZE_MAX + 1);
    ck_assert_int_eq(client(big, LDG_TX_SIZE_MAX + 1), LDG_R_TOO_LARGE);
    free(big);
    /* decode */
    static const uint8_t junk[] = {0x93, 0x01, 0x02, 0x03};
    ck_assert_int_eq(client(junk, sizeof junk), LDG_R_MALFORMED);
    /* version: wire = [body, sig], body = [version, ...]; version is byte 2 */
    uint8_t *w = good(&len);
    ck_assert_uint_eq(w[2], LDG_TX_VERSION);
    w[2] = LDG_TX_VERSION + 1;
    ck_assert_int_eq(client(w, len), LDG_R_BAD_VERSION);
    free(w);
    w = tx_of(&len, "another-chain", AST_TX_TRANSFER, &alice, now + 60000);
    ck_assert_int_eq(client(w, len), LDG_R_WRONG_CHAIN);
    free(w);
    w = tx_of(&len, CHAIN, AST_TX_TRANSFER, &alice, now - 60000);
    ck_assert_int_eq(client(w, len), LDG_R_EXPIRED);
    free(w);
    w = tx_of(&len, CHAIN, AST_TX_TRANSFER, &alice, now + 10 * 365 * 24 * HOUR);
    ck_assert_int_eq(client(w, len), LDG_R_EXPIRY_TOO_FAR);
    free(w);
    w = tx_of(&len, CHAIN, AST_TX_TRANSFER, &alice, UINT64_MAX);
    ck_assert_int_eq(client(w, len), LDG_R_EXPIRY_TOO_FAR);
    free(w);
    w = tx_of(&len, CHAIN, 250, &alice, now + 60000);
    ck_assert_int_eq(client(w, len), LDG_R_UNKNOWN_TYPE);
    free(w);
    w = tx_of(&len, CHAIN, AST_TX_TRANSFER, &stranger, now + 60000);
    ck_assert_int_eq(client(w, len), LDG_R_UNKNOWN_SENDER);
    free(w);
    w = good(&len);
    probe_answer = NET_POOL_OTHER;
    ck_assert_int_eq(client(w, len), LDG_R_REPLAY);
    probe_answer = NET_POOL_SAME;
    ck_assert_int_eq(client(w, len), LDG_R_REPLAY);
    probe_answer = NET_POOL_ABSENT;
    /* None of the above cost a signature check. */
    ck_assert_uint_eq(sig_checks(), 0);
    break_sig(w, len);
    ck_assert_int_eq(client(w, len), LDG_R_BAD_SIGNATURE);
    ck_assert_uint_eq(sig_checks(), 1);
    free(w);
}
END_TEST

/* Each pair fails two checks; the earlier one in the order is the answer. */
START_TEST(test_admit_order)
{
    size_t len;
    uint64_t now = wall_ms();
    uint8_t *w = tx_of(&len, "another-chain", 250, &stranger, now + 10 * 365 * 24 * HOUR);
    break_sig(w, len);
    ck_assert_int_eq(client(w, len), LDG_R_WRONG_CHAIN);
    free(w);
    w = tx_of(&len, CHAIN, 250, &stranger, now + 10 * 365 * 24 * HOUR);
    ck_assert_int_eq(client(w, len), LDG_R_EXPIRY_TOO_FAR);
    free(w);
    w = tx_of(&len, CHAIN, 250, &stranger, now + 60000);
    ck_assert_int_eq(client(w, len), LDG_R_UNKNOWN_TYPE);
    free(w);
    w = tx_of(&len, CHAIN, AST_TX_TRANSFER, &stranger, now + 60000);
    probe_answer = NET_POOL_OTHER;
    ck_assert_int_eq(client(w, len), LDG_R_UNKNOWN_SENDER);
    ck_assert_uint_eq(probes, 0); /* the sender check comes before the replay probe */
    free(w);
    w = good(&len);
    break_sig(w, len);
    ck_assert_int_eq(client(w, len), LDG_R_REPLAY);
    ck_assert_uint_eq(sig_checks(), 0);
    free(w);
}
END_TEST

/* 1,000 submissions of garbage signatures from unregistered senders: no signature work. */
START_TEST(test_admit_garbage_costs_no_signature)
{
    uint64_t now = wall_ms();
    for (uint32_t i = 0; i < 1000; i++) {
        ldg_keypair kp;
        tl_key(&kp, 1000 + i % 16);
        size_t len;
        uint8_t *w = tx_of(&len, CHAIN, AST_TX_TRANSFER, &kp, now + 60000);
        memset(w + len - LDG_SIG_LEN, 0x5a, LDG_SIG_LEN);
        ck_assert_int_eq(client(w, len), LDG_R_UNKNOWN_SENDER);
        free(w);
    }
    ck_assert_uint_eq(sig_checks(), 0);
    ck_assert_uint_eq(net_admit_get_stats(adm).refused, 1000);
}
END_TEST

/* Commits one block holding w (one-validator certificate). */
static void commit(uint8_t *w, size_t len)
{
    ldg_header h;
    const uint8_t *txs[1] = {w};
    ck_assert_int_eq(ldg_chain_propose(chain, txs, &len, 1, wall_ms(), &val.pub, &h), LDG_OK);
    ldg_exec_out out;
    ck_assert_int_eq(ldg_chain_execute(chain, &h, txs, &len, NULL, false, &out), LDG_OK);
    ldg_cert cert;
    tl_cert_one(&cert, &h, &val);
    ck_assert_int_eq(ldg_chain_commit(chain, &h, txs, &len, &cert, &out), LDG_OK);
    ldg_exec_out_free(&out);
}

START_TEST(test_admit_committed_is_replay)
{
    size_t len;
    uint8_t *w = good(&len);
    commit(w, len);
    ck_assert_int_eq(client(w, len), LDG_R_REPLAY);
    /* A peer's copy of a committed transaction is not a fault: verified, not fresh. */
    net_admitted ad;
    ck_assert_int_eq(net_admit_tx(adm, NULL, w, len, NET_ADMIT_PEER, &ad), LDG_R_OK);
    ck_assert(!ad.fresh && ad.verified);
    free(w);
}
END_TEST

START_TEST(test_admit_peer_tolerances)
{
    size_t len;
    net_admitted ad;
    uint8_t *w = good(&len);
    probe_answer = NET_POOL_SAME; /* the pool holds these bytes: no signature check */
    ck_assert_int_eq(net_admit_tx(adm, NULL, w, len, NET_ADMIT_PEER, &ad), LDG_R_OK);
    ck_assert(!ad.fresh && !ad.verified);
    ck_assert_uint_eq(sig_checks(), 0);
    probe_answer = NET_POOL_OTHER; /* other bytes under the id: verified */
    break_sig(w, len);
    ck_assert_int_eq(net_admit_tx(adm, NULL, w, len, NET_ADMIT_PEER, &ad), LDG_R_BAD_SIGNATURE);
    ck_assert_uint_eq(sig_checks(), 1);
    free(w);
    probe_answer = NET_POOL_ABSENT;
    uint64_t now = wall_ms();
    /* expired on the way: not pooled, not a fault */
    w = tx_of(&len, CHAIN, AST_TX_TRANSFER, &alice, now - 1000);
    ck_assert_int_eq(net_admit_tx(adm, NULL, w, len, NET_ADMIT_PEER, &ad), LDG_R_OK);
    ck_assert(!ad.fresh && ad.verified);
    free(w);
    /* at the edge of the TTL by a clock a little ahead: within the skew */
    w = tx_of(&len, CHAIN, AST_TX_TRANSFER, &alice, now + HOUR + NET_ADMIT_PEER_SKEW_MS / 2);
    ck_assert_int_eq(net_admit_tx(adm, NULL, w, len, NET_ADMIT_PEER, &ad), LDG_R_OK);
    ck_assert(ad.fresh);
    ck_assert_int_eq(client(w, len), LDG_R_EXPIRY_TOO_FAR);
    free(w);
    w = tx_of(&len, CHAIN, AST_TX_TRANSFER, &alice, now + HOUR + 2 * NET_ADMIT_PEER_SKEW_MS);
    ck_assert_int_eq(net_admit_tx(adm, NULL, w, len, NET_ADMIT_PEER, &ad), LDG_R_EXPIRY_TOO_FAR);
    free(w);
}
END_TEST

/* One inadmissible transaction refuses the batch, with its index; the signatures of the
 * transactions after it are not checked. */
START_TEST(test_admit_batch_whole)
{
    uint64_t now = wall_ms();
    uint8_t *w[4];
    size_t len[4];
    w[0] = good(&len[0]);
    w[1] = good(&len[1]);
    w[2] = tx_of(&len[2], CHAIN, AST_TX_TRANSFER, &stranger, now + 60000);
    w[3] = good(&len[3]);
    net_admitted ad[4];
    uint32_t bad = 99;
    ck_assert_int_eq(net_admit_batch(adm, (const uint8_t *const *)w, len, 4, ad, &bad),
                     LDG_R_UNKNOWN_SENDER);
    ck_assert_uint_eq(bad, 2);
    ck_assert_uint_eq(sig_checks(), 2);
    free(w[2]);
    w[2] = tx_of(&len[2], "another-chain", AST_TX_TRANSFER, &alice, now + 60000);
    ck_assert_int_eq(net_admit_batch(adm, (const uint8_t *const *)w, len, 4, ad, &bad),
                     LDG_R_WRONG_CHAIN);
    free(w[2]);
    w[2] = tx_of(&len[2], CHAIN, 250, &alice, now + 60000);
    ck_assert_int_eq(net_admit_batch(adm, (const uint8_t *const *)w, len, 4, ad, &bad),
                     LDG_R_UNKNOWN_TYPE);
    free(w[2]);
    w[2] = tx_of(&len[2], CHAIN, AST_TX_TRANSFER, &alice, UINT64_MAX);
    ck_assert_int_eq(net_admit_batch(adm, (const uint8_t *const *)w, len, 4, ad, &bad),
                     LDG_R_EXPIRY_TOO_FAR);
    free(w[2]);
    w[2] = good(&len[2]);
    ck_assert_int_eq(net_admit_batch(adm, (const uint8_t *const *)w, len, 4, ad, &bad), LDG_R_OK);
    for (int i = 0; i < 4; i++) {
        ck_assert(ad[i].fresh);
        free(w[i]);
    }
    ck_assert_int_eq(net_admit_batch(adm, NULL, NULL, 0, ad, &bad), LDG_R_MALFORMED);
}
END_TEST

/* Ids ground to share their first 8 bytes (what the pool and sender cache used to take as
 * the bucket) spread over the buckets of the keyed mix like random ones. */
START_TEST(test_mix_spreads_ground_ids)
{
    enum { N = 4096, BUCKETS = 1024 };
    static uint32_t count[BUCKETS];
    memset(count, 0, sizeof count);
    tl_rng r;
    tl_rng_init(&r, tl_seed("mix", 12));
    for (uint32_t i = 0; i < N; i++) {
        uint8_t id[32];
        tl_rng_bytes(&r, id, sizeof id);
        memset(id, 0x42, 8);
        count[net_mix32(id) % BUCKETS]++;
    }
    uint32_t max = 0;
    for (uint32_t b = 0; b < BUCKETS; b++)
        max = count[b] > max ? count[b] : max;
    /* 4 per bucket on average; a random function's fullest of 1024 is ~13. */
    ck_assert_uint_lt(max, 24);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("admit");
    TCase *tc = tcase_create("admit");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_admit_good);
    tcase_add_test(tc, test_admit_refusals);
    tcase_add_test(tc, test_admit_order);
    tcase_add_test(tc, test_admit_garbage_costs_no_signature);
    tcase_add_test(tc, test_admit_committed_is_replay);
    tcase_add_test(tc, test_admit_peer_tolerances);
    tcase_add_test(tc, test_admit_batch_whole);
    tcase_add_test(tc, test_mix_spreads_ground_ids);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
