/* Proof bundles (ledger/ldg_proof.c, specs/proofs.md): a bundle over a real state tree
 * (ldg_smt over an in-memory map) and a real one-validator certificate verifies and says
 * what it proves; every tampering is refused with its own code; every truncation and every
 * bit flip is refused. */
#include "ldg_proof.h"
#include "ldg_smt.h"
#include "ldg_snap.h"
#include "testlib.h"

#define CHAIN "proof-test"
#define ISIN "CNE100000296"
#define H 5

typedef struct fixture {
    ldg_keypair val;
    uint8_t *genesis;
    size_t genesis_len;
    ldg_memkv *kv;
    ldg_hash root;
    ldg_account alice, bob, carol;
} fixture;

static fixture fx;

static void key_b(uint8_t k[33], const ldg_account *a)
{
    k[0] = 'b';
    memset(k + 1, 0, 12);
    memcpy(k + 1, ISIN, 12);
    memcpy(k + 13, a->b, 20);
}

static void key_a(uint8_t k[13])
{
    k[0] = 'a';
    memcpy(k + 1, ISIN, 12);
}

static size_t enc_u64(uint64_t v, uint8_t *out)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_u64(&e, v);
    size_t n = ldg_enc_len(&e);
    memcpy(out, ldg_enc_data(&e), n);
    ldg_enc_free(&e);
    return n;
}

/* The state: ISIN with `supply`, alice 700, bob 300, the validator count. */
static void build_state(uint64_t supply)
{
    fx.kv = ldg_memkv_new();
    ldg_smt *t;
    ck_assert_int_eq(ldg_smt_open(&t, ldg_memkv_base(fx.kv), 0, true), LDG_OK);
    ldg_memkv *tmp = ldg_memkv_new();
    ldg_state *st = ldg_state_new(ldg_memkv_base(tmp));
    uint8_t ka[13], kb1[33], kb2[33], v1[9], v2[9], vv[9];
    key_a(ka);
    key_b(kb1, &fx.alice);
    key_b(kb2, &fx.bob);
    ldg_enc a;
    ldg_enc_init(&a);
    ldg_enc_array(&a, 8);
    ldg_enc_u64(&a, 1);
    ldg_enc_str(&a, "Proof Co");
    ldg_enc_bin(&a, fx.alice.b, 20);
    ldg_enc_u64(&a, supply);
    ldg_enc_u64(&a, 0);
    ldg_enc_str(&a, "");
    ldg_enc_u64(&a, 3);
    ldg_enc_str(&a, "");
    ldg_state_put(st, ka, sizeof ka, ldg_enc_data(&a), ldg_enc_len(&a));
    ldg_state_put(st, kb1, sizeof kb1, v1, enc_u64(700, v1));
    ldg_state_put(st, kb2, sizeof kb2, v2, enc_u64(300, v2));
    ldg_state_put(st, "V", 1, vv, enc_u64(1, vv));
    const ldg_write *w;
    size_t n = ldg_state_writes(st, &w);
    ck_assert_int_eq(ldg_smt_update(t, 0, w, n, &fx.root), LDG_OK);
    const ldg_write *sw;
    size_t sn = ldg_smt_staged(t, &sw);
    ldg_memkv_apply(fx.kv, sw, sn);
    ldg_smt_commit(t);
    ldg_smt_stored(t, 0);
    ldg_smt_free(t);
    ldg_state_free(st);
    ldg_memkv_free(tmp);
    ldg_enc_free(&a);
}

static void setup(void)
{
    tl_key(&fx.val, 0);
    ldg_keypair k;
    tl_key(&k, 1);
    fx.alice = tl_account(&k);
    tl_key(&k, 2);
    fx.bob = tl_account(&k);
    tl_key(&k, 3);
    fx.carol = tl_account(&k);
    ldg_genesis *g = calloc(1, sizeof *g);
    tl_genesis(g, CHAIN, 1700000000000ULL, &fx.val, 0, NULL, NULL, NULL);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_genesis_encode(&e, g);
    fx.genesis = ldg_enc_take(&e, &fx.genesis_len);
    ldg_enc_free(&e);
    free(g);
    build_state(1000);
}

static void teardown(void)
{
    free(fx.genesis);
    ldg_memkv_free(fx.kv);
}

/* Headers H and H+1 (the latter carrying root), the certificate of H+1 by `signer`. */
typedef struct anchor {
    ldg_enc hh, hn;
    ldg_cert cert;
} anchor;

static void make_anchor(anchor *an, const ldg_hash *root, const ldg_keypair *signer)
{
    ldg_header h = {.version = 1, .height = H, .time_ms = 1700000100000ULL};
    snprintf(h.chain_id, sizeof h.chain_id, "%s", CHAIN);
    ldg_header n = h;
    n.height = H + 1;
    n.time_ms = h.time_ms + 1000;
    ldg_header_hash(&n.prev_hash, &h);
    n.prev_state_root = *root;
    ldg_enc_init(&an->hh);
    ldg_enc_init(&an->hn);
    ldg_header_encode(&an->hh, &h);
    ldg_header_encode(&an->hn, &n);
    tl_cert_one(&an->cert, &n, signer);
}

static void free_anchor(anchor *an)
{
    ldg_enc_free(&an->hh);
    ldg_enc_free(&an->hn);
}

/* A bundle of `kind` for keys[0..n) proved from fx.kv; `mutate` may change it before it is
 * encoded. */
typedef void (*mutator)(ldg_proof_bundle *b);

static uint8_t *make_bundle(uint64_t kind, const uint8_t *const *keys, const size_t *lens,
                            uint32_t n, mutator mutate, size_t *len)
{
    anchor an;
    make_anchor(&an, &fx.root, &fx.val);
    ldg_proof_bundle b = {.height = H, .kind = kind, .fact_count = n};
    ldg_genesis_hash_bytes(&b.genesis_hash, fx.genesis, fx.genesis_len);
    b.header_h = ldg_enc_data(&an.hh);
    b.header_h_len = ldg_enc_len(&an.hh);
    b.header_next = ldg_enc_data(&an.hn);
    b.header_next_len = ldg_enc_len(&an.hn);
    b.cert_next = an.cert;
    uint8_t *vals[LDG_PROOF_FACTS_MAX] = {0};
    ldg_enc proofs[LDG_PROOF_FACTS_MAX];
    for (uint32_t i = 0; i < n; i++) {
        ldg_smt_proof *p = malloc(sizeof *p);
        bool found;
        ck_assert_int_eq(ldg_smt_prove(ldg_memkv_base(fx.kv), 0, keys[i], lens[i], p, &vals[i],
                                       &b.facts[i].value_len, &found),
                         LDG_OK);
        ldg_enc_init(&proofs[i]);
        ldg_smt_proof_encode(&proofs[i], p);
        free(p);
        b.facts[i] = (ldg_proof_fact){keys[i],
                                      lens[i],
                                      found,
                                      found ? vals[i] : NULL,
                                      found ? b.facts[i].value_len : 0,
                                      ldg_enc_data(&proofs[i]),
                                      ldg_enc_len(&proofs[i])};
    }
    if (mutate)
        mutate(&b);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_proof_encode(&e, &b);
    uint8_t *out = ldg_enc_take(&e, len);
    ldg_enc_free(&e);
    for (uint32_t i = 0; i < n; i++) {
        free(vals[i]);
        ldg_enc_free(&proofs[i]);
    }
    free_anchor(&an);
    return out;
}

static uint8_t *holding_bundle(const ldg_account *who, mutator m, size_t *len)
{
    uint8_t kb[33], ka[13];
    key_b(kb, who);
    key_a(ka);
    const uint8_t *keys[2] = {kb, ka};
    size_t lens[2] = {33, 13};
    return make_bundle(LDG_PROOF_KIND_HOLDING, keys, lens, 2, m, len);
}

static ldg_proof_rc verify(const uint8_t *b, size_t len, ldg_proof_claim *c)
{
    ldg_proof_rc rc = ldg_proof_verify(b, len, fx.genesis, fx.genesis_len, c);
    ck_assert_int_eq(rc, c->rc);
    ck_assert(rc == LDG_PROOF_OK || c->why[0]); /* every refusal has a sentence */
    return rc;
}

static ldg_proof_rc verify_mutated(mutator m)
{
    size_t len;
    uint8_t *b = holding_bundle(&fx.alice, m, &len);
    ldg_proof_claim c;
    ldg_proof_rc rc = verify(b, len, &c);
    ldg_proof_claim_free(&c);
    free(b);
    return rc;
}

/* FOLIO_PROOF_DUMP=DIR: writes the bundle and genesis there, for an independent verifier
 * (tests/e2e/tools/verify_proof.py) to check bytes this code produced. */
static void dump(const char *name, const uint8_t *b, size_t len)
{
    const char *dir = getenv("FOLIO_PROOF_DUMP");
    if (!dir)
        return;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, len, f), len);
    fclose(f);
}

START_TEST(test_holding_verifies)
{
    size_t len;
    uint8_t *b = holding_bundle(&fx.alice, NULL, &len);
    dump("holding.bundle", b, len);
    dump("genesis.bin", fx.genesis, fx.genesis_len);
    ldg_proof_claim c;
    ck_assert_int_eq(verify(b, len, &c), LDG_PROOF_OK);
    ck_assert_uint_eq(c.height, H);
    ck_assert_uint_eq(c.time_ms, 1700000100000ULL);
    ck_assert(c.present);
    ck_assert_uint_eq(c.quantity, 700);
    ck_assert(c.has_total);
    ck_assert_uint_eq(c.total, 1000);
    ck_assert_uint_eq(c.supply, 1000);
    ck_assert_str_eq(c.id, ISIN);
    ck_assert(!memcmp(c.account, fx.alice.b, 20));
    ck_assert(!memcmp(c.state_root.b, fx.root.b, 32));
    ldg_proof_claim_free(&c);
    free(b);
    /* An absence in a register that exists: carol holds none, the total is still proved. */
    b = holding_bundle(&fx.carol, NULL, &len);
    dump("absent.bundle", b, len);
    ck_assert_int_eq(verify(b, len, &c), LDG_PROOF_OK);
    ck_assert(!c.present);
    ck_assert_uint_eq(c.quantity, 0);
    ck_assert_uint_eq(c.total, 1000);
    ldg_proof_claim_free(&c);
    free(b);
}
END_TEST

START_TEST(test_key_kinds)
{
    const uint8_t *keys[1] = {(const uint8_t *)"V"};
    size_t lens[1] = {1}, len;
    uint8_t *b = make_bundle(LDG_PROOF_KIND_KEY, keys, lens, 1, NULL, &len);
    dump("key.bundle", b, len);
    ldg_proof_claim c;
    ck_assert_int_eq(verify(b, len, &c), LDG_PROOF_OK);
    ck_assert(c.present && c.value_len == 1 && c.value[0] == 1);
    ldg_proof_claim_free(&c);
    free(b);
    keys[0] = (const uint8_t *)"zz";
    lens[0] = 2;
    b = make_bundle(LDG_PROOF_KIND_KEY, keys, lens, 1, NULL, &len);
    dump("nokey.bundle", b, len);
    ck_assert_int_eq(verify(b, len, &c), LDG_PROOF_OK);
    ck_assert(!c.present);
    ldg_proof_claim_free(&c);
    free(b);
    uint8_t ka[13];
    key_a(ka);
    keys[0] = ka;
    lens[0] = 13;
    b = make_bundle(LDG_PROOF_KIND_INSTRUMENT, keys, lens, 1, NULL, &len);
    dump("instrument.bundle", b, len);
    ck_assert_int_eq(verify(b, len, &c), LDG_PROOF_OK);
    ck_assert(c.has_asset && c.supply == 1000 && !strcmp(c.asset_name, "Proof Co"));
    ldg_proof_claim_free(&c);
    free(b);
    /* The key 'V' is no participant key: the kind's layout is checked. */
    keys[0] = (const uint8_t *)"V";
    lens[0] = 1;
    b = make_bundle(LDG_PROOF_KIND_PARTICIPANT, keys, lens, 1, NULL, &len);
    ck_assert_int_eq(verify(b, len, &c), LDG_PROOF_KEY);
    ldg_proof_claim_free(&c);
    free(b);
}
END_TEST

static void m_swap_facts(ldg_proof_bundle *b)
{
    ldg_proof_fact f = b->facts[0];
    b->facts[0] = b->facts[1];
    b->facts[1] = f;
}
static uint8_t other_value[9];
static void m_value(ldg_proof_bundle *b)
{
    b->facts[0].value = other_value;
    b->facts[0].value_len = enc_u64(701, other_value);
}
static uint8_t other_key[33];
static void m_key(ldg_proof_bundle *b)
{
    key_b(other_key, &fx.bob);
    b->facts[0].key = other_key;
}
static void m_absent(ldg_proof_bundle *b)
{
    b->facts[0].present = false;
}
static void m_height(ldg_proof_bundle *b)
{
    b->height = H + 1;
}
static void m_link(ldg_proof_bundle *b)
{
    b->header_h = b->header_next; /* heights then say H+1 where H is due */
}
static void m_cert_block(ldg_proof_bundle *b)
{
    b->cert_next.block_hash.b[0] ^= 1;
}
static void m_cert_sig(ldg_proof_bundle *b)
{
    b->cert_next.sigs[0].sig.b[10] ^= 1;
}
static void m_cert_empty(ldg_proof_bundle *b)
{
    b->cert_next.count = 0;
}
static void m_cert_index(ldg_proof_bundle *b)
{
    b->cert_next.sigs[0].validator = 1;
}
static void m_genesis_hash(ldg_proof_bundle *b)
{
    b->genesis_hash.b[31] ^= 0x80;
}
static void m_kind(ldg_proof_bundle *b)
{
    b->kind = 9;
}

/* The holding's tree proof re-shaped as version 2 ([2, seg, reg seg]: the former root,
 * registers among the plain keys), in a buffer that outlives the mutator. */
static uint8_t old_proof[LDG_SMT_PROOF_SIZE_MAX];
static void m_old_version(ldg_proof_bundle *b)
{
    const uint8_t *p = b->facts[0].proof;
    size_t n = b->facts[0].proof_len;
    ck_assert(n > 36 && p[0] == 0x94 && p[1] == 3);
    old_proof[0] = 0x93, old_proof[1] = 2;
    memcpy(old_proof + 2, p + 2, n - 2 - 34); /* without the other root (c4 20 ‖ 32) */
    b->facts[0].proof = old_proof;
    b->facts[0].proof_len = n - 34;
}

/* A proof of the former version is refused with a sentence that says so. */
START_TEST(test_old_tree_proof_refused)
{
    size_t len;
    uint8_t *b = holding_bundle(&fx.alice, m_old_version, &len);
    ldg_proof_claim c;
    ck_assert_int_eq(verify(b, len, &c), LDG_PROOF_ROOT);
    ck_assert_msg(strstr(c.why, "another version than 3") != NULL, "%s", c.why);
    ldg_proof_claim_free(&c);
    free(b);
}
END_TEST

START_TEST(test_each_tampering_has_its_code)
{
    ck_assert_int_eq(verify_mutated(NULL), LDG_PROOF_OK);
    ck_assert_int_eq(verify_mutated(m_swap_facts), LDG_PROOF_KEY);
    ck_assert_int_eq(verify_mutated(m_value), LDG_PROOF_ROOT);
    ck_assert_int_eq(verify_mutated(m_key), LDG_PROOF_ROOT);
    ck_assert_int_eq(verify_mutated(m_absent), LDG_PROOF_ROOT);
    ck_assert_int_eq(verify_mutated(m_height), LDG_PROOF_HEIGHT);
    ck_assert_int_eq(verify_mutated(m_link), LDG_PROOF_HEIGHT);
    ck_assert_int_eq(verify_mutated(m_cert_block), LDG_PROOF_CERT);
    ck_assert_int_eq(verify_mutated(m_cert_sig), LDG_PROOF_CERT);
    ck_assert_int_eq(verify_mutated(m_cert_empty), LDG_PROOF_CERT);
    ck_assert_int_eq(verify_mutated(m_cert_index), LDG_PROOF_CERT);
    ck_assert_int_eq(verify_mutated(m_genesis_hash), LDG_PROOF_WRONG_CHAIN);
    ck_assert_int_eq(verify_mutated(m_kind), LDG_PROOF_MALFORMED);
}
END_TEST

/* A header H that H+1 does not follow: LINK; validator-set changes: VALSET. */
START_TEST(test_link_and_valset)
{
    size_t len;
    uint8_t *b = holding_bundle(&fx.alice, NULL, &len);
    ldg_proof_claim c;
    /* trust is the last byte (an empty array): make it [[]] */
    ck_assert_uint_eq(b[len - 1], 0x90);
    uint8_t *t = malloc(len + 1);
    memcpy(t, b, len - 1);
    t[len - 1] = 0x91;
    t[len] = 0x90;
    ck_assert_int_eq(verify(t, len + 1, &c), LDG_PROOF_VALSET);
    free(t);
    /* header H with another time: still height H, but no longer the one H+1 names */
    ldg_dec d;
    ck_assert_int_eq(ldg_decode(&d, b, len), LDG_OK);
    const uint8_t *hh = (const uint8_t *)d.root->via.array.ptr[6].via.array.ptr[0].via.bin.ptr;
    size_t off = (size_t)(hh - b);
    ldg_dec_free(&d);
    /* the header's time is the 9 bytes after version, chain id and height: flip its last */
    size_t time_last = off + 1 + 1 + (1 + strlen(CHAIN)) + 1 + 8;
    b[time_last] ^= 1;
    ck_assert_int_eq(verify(b, len, &c), LDG_PROOF_LINK);
    free(b);
}
END_TEST

/* A certificate signed by another validator set (same chain id, another genesis). */
START_TEST(test_other_validator_set)
{
    size_t len;
    uint8_t *b = holding_bundle(&fx.alice, NULL, &len);
    ldg_keypair other;
    tl_key(&other, 7);
    ldg_genesis *g = calloc(1, sizeof *g);
    tl_genesis(g, CHAIN, 1700000000000ULL, &other, 0, NULL, NULL, NULL);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_genesis_encode(&e, g);
    ldg_proof_claim c;
    ck_assert_int_eq(ldg_proof_verify(b, len, ldg_enc_data(&e), ldg_enc_len(&e), &c),
                     LDG_PROOF_WRONG_CHAIN);
    /* the bundle names that genesis: its certificate is still not that set's */
    ldg_hash gh;
    ldg_genesis_hash_bytes(&gh, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_hash mine;
    ldg_genesis_hash_bytes(&mine, fx.genesis, fx.genesis_len);
    uint8_t *at = memmem(b, len, mine.b, 32);
    ck_assert_ptr_nonnull(at);
    memcpy(at, gh.b, 32);
    ck_assert_int_eq(ldg_proof_verify(b, len, ldg_enc_data(&e), ldg_enc_len(&e), &c),
                     LDG_PROOF_CERT);
    ck_assert_ptr_nonnull(strstr(c.why, "quorum"));
    /* and a garbage genesis */
    ck_assert_int_eq(ldg_proof_verify(b, len, (const uint8_t *)"\x90", 1, &c),
                     LDG_PROOF_BAD_GENESIS);
    ldg_enc_free(&e);
    free(g);
    free(b);
}
END_TEST

/* ---- validator-set changes (proofs.md §5) ---- */

/* The set {k} in force from `from`, recorded in a state of its own (only that entry) whose
 * root block `from - 1` carries; the step's certificate by `signer`, header `from - 1`. */
typedef struct step_fx {
    ldg_memkv *kv;
    ldg_hash root;
    ldg_enc step; /* one step */
} step_fx;

static void make_step(step_fx *sf, uint64_t from, const ldg_keypair *newval,
                      const ldg_keypair *signer, const ldg_keypair *proved_instead)
{
    sf->kv = ldg_memkv_new();
    ldg_smt *t;
    ck_assert_int_eq(ldg_smt_open(&t, ldg_memkv_base(sf->kv), 0, true), LDG_OK);
    ldg_memkv *tmp = ldg_memkv_new();
    ldg_state *st = ldg_state_new(ldg_memkv_base(tmp));
    ldg_valset v = {.from = from, .count = 1};
    v.keys[0] = newval->pub;
    ldg_valset_put(st, &v);
    const ldg_write *w;
    size_t n = ldg_state_writes(st, &w);
    ck_assert_int_eq(ldg_smt_update(t, 0, w, n, &sf->root), LDG_OK);
    const ldg_write *sw;
    size_t sn = ldg_smt_staged(t, &sw);
    ldg_memkv_apply(sf->kv, sw, sn);
    ldg_smt_commit(t);
    ldg_smt_stored(t, 0);
    ldg_smt_free(t);
    ldg_state_free(st);
    ldg_memkv_free(tmp);
    /* the proof of the entry */
    uint8_t key[LDG_VALSET_KEY_LEN];
    ldg_valset_key(key, from);
    ldg_smt_proof *pr = malloc(sizeof *pr);
    uint8_t *val;
    size_t vl;
    bool found;
    ck_assert_int_eq(
        ldg_smt_prove(ldg_memkv_base(sf->kv), 0, key, sizeof key, pr, &val, &vl, &found), LDG_OK);
    ck_assert(found);
    ldg_enc pe, ve;
    ldg_enc_init(&pe);
    ldg_enc_init(&ve);
    ldg_smt_proof_encode(&pe, pr);
    if (proved_instead) { /* a tampered step: another set than the tree holds */
        ldg_valset o = {.from = from, .count = 1};
        o.keys[0] = proved_instead->pub;
        ldg_valset_encode(&ve, &o);
    } else {
        ldg_enc_raw(&ve, val, vl);
    }
    ldg_proof_fact f = {key,
                        sizeof key,
                        true,
                        ldg_enc_data(&ve),
                        ldg_enc_len(&ve),
                        ldg_enc_data(&pe),
                        ldg_enc_len(&pe)};
    ldg_header h = {.version = 1, .height = from - 1, .time_ms = 1700000050000ULL};
    snprintf(h.chain_id, sizeof h.chain_id, "%s", CHAIN);
    h.prev_state_root = sf->root;
    ldg_enc he;
    ldg_enc_init(&he);
    ldg_header_encode(&he, &h);
    ldg_cert cert;
    tl_cert_one(&cert, &h, signer);
    ldg_enc_init(&sf->step);
    ldg_trust_step_encode(&sf->step, from - 2, ldg_enc_data(&he), ldg_enc_len(&he), &cert, &f);
    ldg_enc_free(&he);
    ldg_enc_free(&pe);
    ldg_enc_free(&ve);
    free(val);
    free(pr);
}

static step_fx g_step;
static const ldg_keypair *g_anchor_signer;

static ldg_enc g_arr; /* the trust array of with_step, freed by verify_step_case */

static void with_step(ldg_proof_bundle *b)
{
    ldg_enc_array(&g_arr, 1);
    ldg_enc_raw(&g_arr, ldg_enc_data(&g_step.step), ldg_enc_len(&g_step.step));
    b->trust = ldg_enc_data(&g_arr);
    b->trust_len = ldg_enc_len(&g_arr);
    b->trust_count = 1;
    ldg_header n;
    ck_assert_int_eq(ldg_header_decode(&n, b->header_next, b->header_next_len), LDG_OK);
    tl_cert_one(&b->cert_next, &n, g_anchor_signer);
}

static void anchor_only(ldg_proof_bundle *b)
{
    ldg_header n;
    ck_assert_int_eq(ldg_header_decode(&n, b->header_next, b->header_next_len), LDG_OK);
    tl_cert_one(&b->cert_next, &n, g_anchor_signer);
}

static ldg_proof_rc verify_step_case(uint64_t from, const ldg_keypair *newval,
                                     const ldg_keypair *step_signer,
                                     const ldg_keypair *proved_instead,
                                     const ldg_keypair *anchor_signer, mutator m, const char *name,
                                     char *why, size_t wl)
{
    make_step(&g_step, from, newval, step_signer, proved_instead);
    g_anchor_signer = anchor_signer;
    ldg_enc_init(&g_arr);
    size_t len;
    uint8_t *b = holding_bundle(&fx.alice, m, &len);
    if (name)
        dump(name, b, len);
    ldg_proof_claim c;
    ldg_proof_rc rc = verify(b, len, &c);
    snprintf(why, wl, "%s", c.why);
    if (rc == LDG_PROOF_OK) {
        ck_assert_uint_eq(b[13], LDG_PROOF_VERSION_TRUST); /* fixarray, fixstr 11, version */
        ck_assert_uint_eq(c.validators, 1);
    }
    ldg_proof_claim_free(&c);
    free(b);
    ldg_enc_free(&g_step.step);
    ldg_enc_free(&g_arr);
    ldg_memkv_free(g_step.kv);
    return rc;
}

START_TEST(test_valset_change_followed)
{
    ldg_keypair nv, other;
    tl_key(&nv, 7);
    tl_key(&other, 8);
    char why[320];
    /* the set changes to {nv} from H+1: the step certified by the genesis set */
    ck_assert_int_eq(verify_step_case(H + 1, &nv, &fx.val, NULL, &nv, with_step, "valset.bundle",
                                      why, sizeof why),
                     LDG_PROOF_OK);
    /* a change from H (its block H-1 before it): also in force at H+1 */
    ck_assert_int_eq(verify_step_case(H, &nv, &fx.val, NULL, &nv, with_step, NULL, why, sizeof why),
                     LDG_PROOF_OK);
    /* without the step, the new set's certificate is not the genesis set's */
    ck_assert_int_eq(
        verify_step_case(H + 1, &nv, &fx.val, NULL, &nv, anchor_only, NULL, why, sizeof why),
        LDG_PROOF_CERT);
    /* with the step but the old set signing block H+1: refused */
    ck_assert_int_eq(
        verify_step_case(H + 1, &nv, &fx.val, NULL, &fx.val, with_step, NULL, why, sizeof why),
        LDG_PROOF_CERT);
}
END_TEST

START_TEST(test_valset_tampered_step_refused)
{
    ldg_keypair nv, other;
    tl_key(&nv, 7);
    tl_key(&other, 8);
    char why[320];
    /* the step claims another set than the certified state holds */
    ck_assert_int_eq(verify_step_case(H + 1, &nv, &fx.val, &other, &other, with_step,
                                      "valset_tampered_set.bundle", why, sizeof why),
                     LDG_PROOF_VALSET);
    ck_assert_ptr_nonnull(strstr(why, "tree proof"));
    /* the step certified by the new set itself, not by the set before it */
    ck_assert_int_eq(verify_step_case(H + 1, &nv, &nv, NULL, &nv, with_step,
                                      "valset_self_certified.bundle", why, sizeof why),
                     LDG_PROOF_VALSET);
    ck_assert_ptr_nonnull(strstr(why, "not a quorum"));
    /* a change that takes effect after the bundle's block H+1 */
    ck_assert_int_eq(verify_step_case(H + 2, &nv, &fx.val, NULL, &nv, with_step,
                                      "valset_future.bundle", why, sizeof why),
                     LDG_PROOF_VALSET);
    ck_assert_ptr_nonnull(strstr(why, "at most"));
}
END_TEST

/* A state-sync checkpoint after a change (sync.md §2): certified by the new set, accepted
 * only through the trust step from genesis; without it, or with a tampered one, refused. */
static ldg_err checkpoint_case(bool with_trust, const ldg_keypair *proved_instead, char *why,
                               size_t wl)
{
    ldg_keypair nv;
    tl_key(&nv, 7);
    make_step(&g_step, H + 1, &nv, &fx.val, proved_instead);
    ldg_header h = {.version = 1, .height = H, .time_ms = 1700000100000ULL};
    snprintf(h.chain_id, sizeof h.chain_id, "%s", CHAIN);
    ldg_header n = h;
    n.height = H + 1;
    n.time_ms = h.time_ms + 1000;
    ldg_header_hash(&n.prev_hash, &h);
    n.prev_state_root = fx.root;
    ldg_cert cert;
    tl_cert_one(&cert, &n, &nv);
    ldg_enc arr, cp;
    ldg_enc_init(&arr);
    ldg_enc_init(&cp);
    ldg_enc_array(&arr, 1);
    ldg_enc_raw(&arr, ldg_enc_data(&g_step.step), ldg_enc_len(&g_step.step));
    ldg_snap_checkpoint_encode_trust(&cp, &h, &n, &cert, ldg_enc_data(&arr), ldg_enc_len(&arr),
                                     with_trust ? 1 : 0);
    ldg_genesis *g = calloc(1, sizeof *g);
    ck_assert_int_eq(ldg_genesis_decode(g, fx.genesis, fx.genesis_len), LDG_OK);
    ldg_snap_checkpoint c;
    why[0] = 0;
    ldg_err err = ldg_snap_checkpoint_check(&c, ldg_enc_data(&cp), ldg_enc_len(&cp), g, why, wl);
    if (err == LDG_OK) {
        ck_assert_uint_eq(c.trust_count, 1);
        ck_assert_uint_eq(c.height, H);
        ldg_snap_checkpoint_free(&c);
    }
    free(g);
    ldg_enc_free(&arr);
    ldg_enc_free(&cp);
    ldg_enc_free(&g_step.step);
    ldg_memkv_free(g_step.kv);
    return err;
}

START_TEST(test_checkpoint_after_change)
{
    ldg_keypair other;
    tl_key(&other, 8);
    char why[320];
    ck_assert_int_eq(checkpoint_case(true, NULL, why, sizeof why), LDG_OK);
    ck_assert_int_eq(checkpoint_case(false, NULL, why, sizeof why), LDG_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(why, "genesis validators"));
    ck_assert_int_eq(checkpoint_case(true, &other, why, sizeof why), LDG_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(why, "trust step 0"));
}
END_TEST

/* A register that does not total the supply: the tree proves total 1000, supply 999. */
START_TEST(test_supply_mismatch)
{
    ldg_memkv_free(fx.kv);
    build_state(999);
    size_t len;
    uint8_t *b = holding_bundle(&fx.alice, NULL, &len);
    ldg_proof_claim c;
    ck_assert_int_eq(verify(b, len, &c), LDG_PROOF_SUPPLY);
    free(b);
}
END_TEST

START_TEST(test_truncations_and_bit_flips)
{
    size_t len;
    uint8_t *b = holding_bundle(&fx.alice, NULL, &len);
    ldg_proof_claim c;
    for (size_t cut = 0; cut < len; cut++)
        ck_assert_int_eq(verify(b, cut, &c), LDG_PROOF_MALFORMED);
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, b, len);
    longer[len] = 0;
    ck_assert_int_eq(verify(longer, len + 1, &c), LDG_PROOF_MALFORMED);
    free(longer);
    /* Every bit of the bundle matters: not one flip is accepted. */
    for (size_t bit = 0; bit < len * 8; bit++) {
        b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ldg_proof_rc rc = verify(b, len, &c);
        ldg_proof_claim_free(&c);
        if (rc == LDG_PROOF_OK)
            ck_abort_msg("a flip of bit %zu of %zu is accepted", bit, len * 8);
        b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    ck_assert_int_eq(verify(b, len, &c), LDG_PROOF_OK);
    ldg_proof_claim_free(&c);
    uint8_t *big = calloc(1, LDG_PROOF_BUNDLE_MAX + 1);
    ck_assert_int_eq(verify(big, LDG_PROOF_BUNDLE_MAX + 1, &c), LDG_PROOF_TOO_LARGE);
    free(big);
    ck_assert_int_eq(verify((const uint8_t *)"\x93\x01\x02\x03", 4, &c), LDG_PROOF_NOT_A_BUNDLE);
    free(b);
}
END_TEST

/* encoding.md §4.5's vote-hash value: what certificates sign (consensus.md §3 bytes). */
START_TEST(test_vote_hash_worked_value)
{
    ldg_hash id, out;
    ck_assert_int_eq(ldg_hex_decode(id.b, 32,
                                    "84b79c59daa81f628ca158612896d05a5ae8b782d988abc9"
                                    "cf247761f3681807"),
                     0);
    ldg_vote_hash(&out, "folio-test", 1, 0, LDG_VOTE_PRECOMMIT, &id);
    char hex[65];
    ldg_hex_encode(hex, out.b, 32);
    ck_assert_str_eq(hex, "4f916cd3e9f2f9af28ba603ff4c3f70c878888284ca95f3b8b3a8186da14011e");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proof");
    TCase *tc = tcase_create("proof");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_holding_verifies);
    tcase_add_test(tc, test_key_kinds);
    tcase_add_test(tc, test_each_tampering_has_its_code);
    tcase_add_test(tc, test_old_tree_proof_refused);
    tcase_add_test(tc, test_link_and_valset);
    tcase_add_test(tc, test_other_validator_set);
    tcase_add_test(tc, test_supply_mismatch);
    tcase_add_test(tc, test_truncations_and_bit_flips);
    tcase_add_test(tc, test_vote_hash_worked_value);
    tcase_add_test(tc, test_valset_change_followed);
    tcase_add_test(tc, test_valset_tampered_step_refused);
    tcase_add_test(tc, test_checkpoint_after_change);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
