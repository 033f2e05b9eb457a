/* Two-level (cross-chain) proof bundles (chains/chn_xproof.c, specs/chains.md §6): a holding
 * on a sub-chain's real state tree, anchored by a checkpoint key in a main chain's real state
 * tree whose header a main-chain validator certifies, verifies with the main genesis alone;
 * each broken link is refused with its code. */
#include "chn.h"
#include "ldg_smt.h"
#include "testlib.h"

#define MAIN "xmain"
#define SUBC "xsub"
#define ISIN "CNE100000296"

typedef struct tree {
    ldg_memkv *kv;
    ldg_hash root;
} tree;

typedef struct kvp {
    uint8_t k[64];
    size_t kl;
    uint8_t *v;
    size_t vl;
} kvp;

static void tree_build(tree *t, kvp *rows, size_t n)
{
    t->kv = ldg_memkv_new();
    ldg_smt *s;
    ck_assert_int_eq(ldg_smt_open(&s, ldg_memkv_base(t->kv), 0, true), LDG_OK);
    ldg_memkv *tmp = ldg_memkv_new();
    ldg_state *st = ldg_state_new(ldg_memkv_base(tmp));
    for (size_t i = 0; i < n; i++)
        ldg_state_put(st, rows[i].k, rows[i].kl, rows[i].v, rows[i].vl);
    const ldg_write *w;
    size_t wn = ldg_state_writes(st, &w);
    ck_assert_int_eq(ldg_smt_update(s, 0, w, wn, &t->root), LDG_OK);
    const ldg_write *sw;
    size_t sn = ldg_smt_staged(s, &sw);
    ldg_memkv_apply(t->kv, sw, sn);
    ldg_smt_commit(s);
    ldg_smt_stored(s, 0);
    ldg_smt_free(s);
    ldg_state_free(st);
    ldg_memkv_free(tmp);
}

static uint8_t *enc_take(ldg_enc *e, size_t *n)
{
    uint8_t *b = ldg_enc_take(e, n);
    ldg_enc_free(e);
    return b;
}

/* A bundle of kind with facts keys[] from t, headers h, h+1 (h+1 carrying t's root). */
static uint8_t *bundle(const tree *t, const char *chain, const ldg_hash *gh, uint64_t h,
                       uint64_t kind, kvp *keys, uint32_t nk, const ldg_keypair *signer,
                       uint8_t **next_header, size_t *next_len, size_t *len)
{
    ldg_header hh = {.version = 1, .height = h, .time_ms = 1700000100000ULL};
    snprintf(hh.chain_id, sizeof hh.chain_id, "%s", chain);
    ldg_header hn = hh;
    hn.height = h + 1;
    hn.time_ms += 1000;
    ldg_header_hash(&hn.prev_hash, &hh);
    hn.prev_state_root = t->root;
    ldg_enc eh, en;
    ldg_enc_init(&eh);
    ldg_enc_init(&en);
    ldg_header_encode(&eh, &hh);
    ldg_header_encode(&en, &hn);
    ldg_proof_bundle b = {.height = h, .kind = kind, .fact_count = nk, .genesis_hash = *gh};
    b.header_h = ldg_enc_data(&eh);
    b.header_h_len = ldg_enc_len(&eh);
    b.header_next = ldg_enc_data(&en);
    b.header_next_len = ldg_enc_len(&en);
    tl_cert_one(&b.cert_next, &hn, signer);
    uint8_t *vals[4] = {0};
    ldg_enc pr[4];
    for (uint32_t i = 0; i < nk; i++) {
        ldg_smt_proof *p = malloc(sizeof *p);
        bool found;
        size_t vl = 0;
        ck_assert_int_eq(ldg_smt_prove(ldg_memkv_base(t->kv), 0, keys[i].k, keys[i].kl, p, &vals[i],
                                       &vl, &found),
                         LDG_OK);
        ldg_enc_init(&pr[i]);
        ldg_smt_proof_encode(&pr[i], p);
        free(p);
        b.facts[i] = (ldg_proof_fact){keys[i].k,
                                      keys[i].kl,
                                      found,
                                      found ? vals[i] : NULL,
                                      found ? vl : 0,
                                      ldg_enc_data(&pr[i]),
                                      ldg_enc_len(&pr[i])};
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_proof_encode(&e, &b);
    uint8_t *out = enc_take(&e, len);
    for (uint32_t i = 0; i < nk; i++) {
        free(vals[i]);
        ldg_enc_free(&pr[i]);
    }
    if (next_header)
        *next_header = enc_take(&en, next_len);
    else
        ldg_enc_free(&en);
    ldg_enc_free(&eh);
    return out;
}

static struct {
    ldg_keypair mval, sval;
    uint8_t *mgen, *sgen;
    size_t mgen_len, sgen_len;
    ldg_hash mgh, sgh;
    tree sub;
    ldg_account alice;
} fx;

static uint8_t *genesis(const char *chain, const ldg_keypair *v, size_t *len, ldg_hash *gh)
{
    ldg_genesis *g = calloc(1, sizeof *g);
    tl_genesis(g, chain, 1700000000000ULL, v, 0, NULL, NULL, NULL);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_genesis_encode(&e, g);
    free(g);
    uint8_t *b = enc_take(&e, len);
    ldg_genesis_hash_bytes(gh, b, *len);
    return b;
}

static void u64v(kvp *r, uint64_t v)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_u64(&e, v);
    r->v = enc_take(&e, &r->vl);
}

static void sub_rows(kvp *r)
{
    memset(r, 0, 2 * sizeof *r);
    r[0].k[0] = 'b';
    memcpy(r[0].k + 1, ISIN, 12);
    memcpy(r[0].k + 13, fx.alice.b, 20);
    r[0].kl = 33;
    r[1].k[0] = 'a';
    memcpy(r[1].k + 1, ISIN, 12);
    r[1].kl = 13;
}

static void setup(void)
{
    tl_key(&fx.mval, 40);
    tl_key(&fx.sval, 41);
    ldg_keypair a;
    tl_key(&a, 42);
    fx.alice = tl_account(&a);
    fx.mgen = genesis(MAIN, &fx.mval, &fx.mgen_len, &fx.mgh);
    fx.sgen = genesis(SUBC, &fx.sval, &fx.sgen_len, &fx.sgh);
    kvp r[2];
    sub_rows(r);
    u64v(&r[0], 1000);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 8);
    ldg_enc_u64(&e, 1);
    ldg_enc_str(&e, "Sub Co");
    ldg_enc_bin(&e, fx.alice.b, 20);
    ldg_enc_u64(&e, 1000);
    ldg_enc_u64(&e, 0);
    ldg_enc_str(&e, "");
    ldg_enc_u64(&e, 3);
    ldg_enc_str(&e, "");
    r[1].v = enc_take(&e, &r[1].vl);
    tree_build(&fx.sub, r, 2);
    free(r[0].v);
    free(r[1].v);
}

static void teardown(void)
{
    free(fx.mgen);
    free(fx.sgen);
    ldg_memkv_free(fx.sub.kv);
}

/* The sub bundle at height 5 (header 6 anchored), the main chain storing header `anchored`
 * (NULL: the sub bundle's own header 6) under (id, X) with genesis hash gh; the xbundle for
 * (id, claimed X). */
static uint8_t *xbundle(uint64_t x_stored, uint64_t x_claimed, const uint8_t *anchored,
                        size_t anchored_len, const ldg_hash *gh, size_t *len)
{
    kvp r[2];
    sub_rows(r);
    uint8_t *h6;
    size_t h6l, sl, ml;
    uint8_t *sb =
        bundle(&fx.sub, SUBC, &fx.sgh, 5, LDG_PROOF_KIND_HOLDING, r, 2, &fx.sval, &h6, &h6l, &sl);
    ldg_header hd;
    ck_assert_int_eq(ldg_header_decode(&hd, h6, h6l), LDG_OK);
    chn_checkpoint cp = {.header = anchored ? anchored : h6,
                         .header_len = anchored ? anchored_len : h6l,
                         .main_height = 10,
                         .main_time_ms = 1700000200000ULL,
                         .genesis_hash = *gh};
    ck_assert_int_eq(ldg_cert_sign_one(&cp.cert, &hd, 0, &fx.sval), LDG_OK);
    kvp m;
    memset(&m, 0, sizeof m);
    chn_checkpoint_key(m.k, "sec", x_stored);
    m.kl = CHN_KEY_CHECKPOINT_LEN;
    ldg_enc e;
    ldg_enc_init(&e);
    chn_checkpoint_encode(&e, &cp);
    m.v = enc_take(&e, &m.vl);
    tree main;
    tree_build(&main, &m, 1);
    free(m.v);
    chn_checkpoint_key(m.k, "sec", x_claimed);
    uint8_t *mb =
        bundle(&main, MAIN, &fx.mgh, 10, LDG_PROOF_KIND_KEY, &m, 1, &fx.mval, NULL, NULL, &ml);
    ldg_enc_init(&e);
    chn_xproof_encode(&e, "sec", x_claimed, mb, ml, sb, sl);
    uint8_t *out = enc_take(&e, len);
    free(mb);
    free(sb);
    free(h6);
    ldg_memkv_free(main.kv);
    return out;
}

static ldg_proof_rc check(uint8_t *b, size_t n, const uint8_t *g, size_t gl, chn_xclaim *x)
{
    ldg_proof_rc rc = chn_xproof_verify(b, n, g, gl, x);
    free(b);
    if (rc != LDG_PROOF_OK)
        ck_assert_msg(x->why[0], "a refusal has a sentence");
    return rc;
}

/* Builds the xbundle and checks it: the verdict. */
static ldg_proof_rc run_x(uint64_t stored, uint64_t claimed, const uint8_t *anchored, size_t al,
                          const ldg_hash *gh, const uint8_t *g, size_t gl)
{
    size_t n;
    chn_xclaim x;
    uint8_t *b = xbundle(stored, claimed, anchored, al, gh, &n);
    ldg_proof_rc rc = check(b, n, g, gl, &x);
    chn_xclaim_free(&x);
    return rc;
}

START_TEST(valid_with_main_genesis_only)
{
    size_t n;
    chn_xclaim x;
    uint8_t *b = xbundle(6, 6, NULL, 0, &fx.sgh, &n);
    ck_assert(chn_xproof_sniff(b, n));
    ck_assert_int_eq(check(b, n, fx.mgen, fx.mgen_len, &x), LDG_PROOF_OK);
    ck_assert_str_eq(x.id, "sec");
    ck_assert_uint_eq(x.anchor_height, 6);
    ck_assert_str_eq(x.main.chain_id, MAIN);
    ck_assert_str_eq(x.sub.chain_id, SUBC);
    ck_assert_uint_eq(x.sub.height, 5);
    ck_assert_uint_eq(x.sub.quantity, 1000);
    ck_assert_uint_eq(x.sub.total, 1000);
    chn_xclaim_free(&x);
}
END_TEST

START_TEST(each_broken_link_has_its_code)
{
    size_t n;
    chn_xclaim x;
    /* the sub-chain's genesis instead of the main chain's */
    ck_assert_int_eq(run_x(6, 6, NULL, 0, &fx.sgh, fx.sgen, fx.sgen_len), LDG_PROOF_WRONG_CHAIN);
    /* the main chain proves the checkpoint of another height: the key is absent */
    ck_assert_int_eq(run_x(7, 6, NULL, 0, &fx.sgh, fx.mgen, fx.mgen_len), LDG_PROOF_VALUE);
    /* the anchored header is not the sub bundle's header 6 */
    uint8_t other[8] = {1, 2, 3};
    ck_assert_int_eq(run_x(6, 6, other, sizeof other, &fx.sgh, fx.mgen, fx.mgen_len),
                     LDG_PROOF_CERT);
    /* the registry's genesis hash is not the sub bundle's */
    ck_assert_int_eq(run_x(6, 6, NULL, 0, &fx.mgh, fx.mgen, fx.mgen_len), LDG_PROOF_WRONG_CHAIN);
    /* every truncation is refused */
    uint8_t *b = xbundle(6, 6, NULL, 0, &fx.sgh, &n);
    for (size_t k = 0; k < n; k += 97) {
        ck_assert_int_ne(chn_xproof_verify(b, k, fx.mgen, fx.mgen_len, &x), LDG_PROOF_OK);
        chn_xclaim_free(&x);
    }
    free(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chains_xproof");
    TCase *tc = tcase_create("xproof");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, valid_with_main_genesis_only);
    tcase_add_test(tc, each_broken_link_has_its_code);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
