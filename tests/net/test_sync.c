/* Block sync (net/net_sync.h) between two real chains in temporary directories: a
 * certified record of chain A applies on chain B (same genesis) and B then verifies; a
 * record whose transaction bytes were altered after certification (a flipped signature
 * bit, a valid re-signature of the same id, a changed body byte) is refused as the
 * sender's fault (LDG_ERR_INVALID, "tx_root"), not taken for a divergence of B, and B's tip
 * does not move; records that are not the next block or whose certificate does not verify
 * are refused. */
#include "testlib.h"

#include "ast_asset.h"
#include "ldg_chain.h"
#include "net_node.h"
#include "net_sync.h"

#define CHAIN "folio-sync"
#define T0 1700000000000ULL
#define ISIN "US0378331005"

static char dir_a[PATH_MAX], dir_b[PATH_MAX];
static ldg_registry *reg;
static ldg_genesis gen;
static ldg_hash gen_hash; /* what the transactions sign */
static ldg_keypair val, issuer, alice, bob;

static void setup(void)
{
    tl_tmpdir(dir_a, "sync-a");
    tl_tmpdir(dir_b, "sync-b");
    reg = net_registry_new();
    tl_key(&val, 1);
    tl_key(&issuer, 3);
    tl_key(&alice, 4);
    tl_key(&bob, 5);
    const char *names[] = {"issuer", "alice", "bob"};
    uint32_t roles[] = {LDG_ROLE_ISSUER, LDG_ROLE_INVESTOR, LDG_ROLE_INVESTOR};
    const ldg_keypair *keys[] = {&issuer, &alice, &bob};
    tl_genesis(&gen, CHAIN, T0, &val, 3, names, roles, keys);
    ldg_genesis_hash(&gen_hash, &gen);
}

static void teardown(void)
{
    ldg_registry_free(reg);
    tl_rmrf(dir_a);
    tl_rmrf(dir_b);
}

static uint8_t *issue_tx(size_t *len)
{
    ldg_account a = tl_account(&alice);
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 6);
    ldg_enc_str(&p, ISIN);
    ldg_enc_str(&p, "Apple");
    ldg_enc_u64(&p, 1000);
    ldg_enc_bin(&p, a.b, LDG_ACCOUNT_LEN);
    ldg_enc_str(&p, "A");
    ldg_enc_u64(&p, 3);
    uint8_t *w = tl_tx_build_fresh(len, NULL, CHAIN, &gen_hash, AST_TX_ISSUE_EQUITY, &issuer,
                                   T0 + 100000, &p);
    ldg_enc_free(&p);
    return w;
}

static uint8_t *transfer_tx(size_t *len, uint64_t qty)
{
    ldg_account b = tl_account(&bob);
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 3);
    ldg_enc_str(&p, ISIN);
    ldg_enc_u64(&p, qty);
    ldg_enc_bin(&p, b.b, LDG_ACCOUNT_LEN);
    uint8_t *w =
        tl_tx_build_fresh(len, NULL, CHAIN, &gen_hash, AST_TX_TRANSFER, &alice, T0 + 100000, &p);
    ldg_enc_free(&p);
    return w;
}

/* Commits one block of n transactions on c with a one-validator certificate. */
static void produce(ldg_chain *c, uint8_t **w, size_t *len, uint32_t n, uint64_t time_ms)
{
    ldg_header h;
    ck_assert_int_eq(ldg_chain_propose(c, (const uint8_t *const *)w, len, n, time_ms, &val.pub, &h),
                     LDG_OK);
    ldg_exec_out out;
    ck_assert_int_eq(ldg_chain_execute(c, &h, (const uint8_t *const *)w, len, NULL, false, &out),
                     LDG_OK);
    ldg_cert cert;
    tl_cert_one(&cert, &h, &val);
    ck_assert_int_eq(ldg_chain_commit(c, &h, (const uint8_t *const *)w, len, &cert, &out), LDG_OK);
    ldg_exec_out_free(&out);
}

/* The stored record of a height, as a sync reply carries it (caller frees). */
static uint8_t *record_of(ldg_chain *c, uint64_t height, size_t *len)
{
    ldg_record r;
    ck_assert_int_eq(ldg_chain_read_block(c, height, &r), LDG_OK);
    uint8_t *raw = malloc(r.raw_len);
    memcpy(raw, r.raw, r.raw_len);
    *len = r.raw_len;
    ldg_record_free(&r);
    return raw;
}

static ldg_err apply(ldg_chain *c, const uint8_t *raw, size_t len, char *why, size_t why_len)
{
    net_sync_block blk;
    ck_assert_int_eq(net_sync_decode(&blk, raw, len), LDG_OK);
    why[0] = '\0';
    ldg_err err = net_sync_apply(c, &blk, false, LDG_COMMIT_SYNCED, why, why_len);
    net_sync_block_free(&blk);
    return err;
}

/* The record with the wire bytes of one of its transactions replaced (same length). */
static uint8_t *altered(const uint8_t *raw, size_t len, const uint8_t *tx, const uint8_t *repl,
                        size_t tx_len)
{
    uint8_t *v = malloc(len);
    memcpy(v, raw, len);
    uint8_t *at = memmem(v, len, tx, tx_len);
    ck_assert_ptr_nonnull(at);
    memcpy(at, repl, tx_len);
    return v;
}

START_TEST(test_sync_refuses_altered_transactions)
{
    ldg_chain *a, *b;
    ck_assert_int_eq(ldg_chain_open(&a, dir_a, reg, &gen, false), LDG_OK);
    ck_assert_int_eq(ldg_chain_open(&b, dir_b, reg, &gen, false), LDG_OK);
    uint8_t *w[2];
    size_t wl[2];
    w[0] = issue_tx(&wl[0]);
    w[1] = transfer_tx(&wl[1], 300);
    produce(a, w, wl, 2, T0 + 1000);
    size_t rl;
    uint8_t *rec = record_of(a, 1, &rl);
    char why[256];

    /* 1. A flipped bit in the transfer's signature. */
    uint8_t *bad = malloc(wl[1]);
    memcpy(bad, w[1], wl[1]);
    bad[wl[1] - 1] ^= 1;
    uint8_t *v = altered(rec, rl, w[1], bad, wl[1]);
    ck_assert_int_eq(apply(b, v, rl, why, sizeof why), LDG_ERR_INVALID);
    ck_assert_msg(strstr(why, "tx_root") != NULL, "why: %s", why);
    free(v);

    /* 2. A valid signature other than the certified one (the sender re-signed the id). */
    ldg_tx tx;
    ck_assert_int_eq(ldg_tx_decode(&tx, w[1], wl[1]), LDG_R_OK);
    ldg_sig resig;
    ldg_hash msg;
    ldg_tx_sign_msg(&msg, &gen_hash, &tx.id);
    ck_assert_int_eq(ldg_sign(&resig, &alice, &msg), LDG_OK);
    ldg_tx_free(&tx);
    memcpy(bad, w[1], wl[1]);
    memcpy(bad + wl[1] - LDG_SIG_LEN, resig.b, LDG_SIG_LEN);
    ck_assert_int_eq(ldg_tx_decode(&tx, bad, wl[1]), LDG_R_OK);
    ck_assert(ldg_tx_verify(&tx, &gen_hash));
    ldg_tx_free(&tx);
    v = altered(rec, rl, w[1], bad, wl[1]);
    ck_assert_int_eq(apply(b, v, rl, why, sizeof why), LDG_ERR_INVALID);
    ck_assert_msg(strstr(why, "tx_root") != NULL, "why: %s", why);
    free(v);

    /* 3. A changed body byte (the quantity 300 = cd 01 2c becomes 301): another id. */
    memcpy(bad, w[1], wl[1]);
    const uint8_t qty[] = {0xcd, 0x01, 0x2c};
    uint8_t *q = memmem(bad, wl[1], qty, sizeof qty);
    ck_assert_ptr_nonnull(q);
    q[2] = 0x2d;
    v = altered(rec, rl, w[1], bad, wl[1]);
    ck_assert_int_eq(apply(b, v, rl, why, sizeof why), LDG_ERR_INVALID);
    ck_assert_msg(strstr(why, "tx_root") != NULL, "why: %s", why);
    free(v);
    free(bad);

    /* None of them moved B; the certified record itself applies, and B verifies. */
    ck_assert_uint_eq(ldg_chain_tip(b).height, 0);
    ck_assert_int_eq(apply(b, rec, rl, why, sizeof why), LDG_OK);
    ldg_tip ta = ldg_chain_tip(a), tb = ldg_chain_tip(b);
    ck_assert_uint_eq(tb.height, 1);
    ck_assert_mem_eq(ta.hash.b, tb.hash.b, LDG_HASH_LEN);
    ck_assert_mem_eq(ta.state_root.b, tb.state_root.b, LDG_HASH_LEN);
    ldg_verify_report rep;
    ck_assert_int_eq(ldg_chain_verify(b, reg, &rep, NULL, NULL), LDG_OK);
    ck_assert_msg(rep.ok, "verify: %s", rep.reason);

    /* The same record again is not the next block. */
    ck_assert_int_eq(apply(b, rec, rl, why, sizeof why), LDG_ERR_INVALID);
    free(rec);
    for (int i = 0; i < 2; i++)
        free(w[i]);
    ldg_chain_close(a);
    ldg_chain_close(b);
}
END_TEST

START_TEST(test_sync_refuses_bad_certificate)
{
    ldg_chain *a, *b;
    ck_assert_int_eq(ldg_chain_open(&a, dir_a, reg, &gen, false), LDG_OK);
    ck_assert_int_eq(ldg_chain_open(&b, dir_b, reg, &gen, false), LDG_OK);
    uint8_t *w[1];
    size_t wl[1];
    w[0] = issue_tx(&wl[0]);
    produce(a, w, wl, 1, T0 + 1000);
    size_t rl;
    uint8_t *rec = record_of(a, 1, &rl);
    ldg_record r;
    ck_assert_int_eq(ldg_chain_read_block(a, 1, &r), LDG_OK);
    char why[256];
    /* A flipped bit in the certificate's precommit signature. */
    ldg_sig flipped = r.cert.sigs[0].sig;
    flipped.b[0] ^= 1;
    uint8_t *v = altered(rec, rl, r.cert.sigs[0].sig.b, flipped.b, LDG_SIG_LEN);
    ck_assert_int_eq(apply(b, v, rl, why, sizeof why), LDG_ERR_INVALID);
    ck_assert_msg(strstr(why, "certificate") != NULL, "why: %s", why);
    ck_assert_uint_eq(ldg_chain_tip(b).height, 0);
    ck_assert_int_eq(apply(b, rec, rl, why, sizeof why), LDG_OK);
    ldg_record_free(&r);
    free(v);
    free(rec);
    free(w[0]);
    ldg_chain_close(a);
    ldg_chain_close(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sync");
    TCase *tc = tcase_create("sync");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_sync_refuses_altered_transactions);
    tcase_add_test(tc, test_sync_refuses_bad_certificate);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
