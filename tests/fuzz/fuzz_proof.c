/* libFuzzer target for the proof-bundle decoder and verifier (ldg_proof_verify,
 * ledger/ldg_proof.c) and the tree-proof decoder it uses (ldg_smt_proof_decode).
 *
 * The seeds are real bundles: a one-validator chain's genesis, a state tree with one
 * instrument's register, and headers H, H+1 with H+1's certificate. Mutating the facts
 * keeps the certificate valid, so the fuzzer reaches the tree-path and value checks. One
 * seed carries a validator-set change (a trust step, proofs.md §5).
 *
 * Properties checked on every input:
 * - the verdict is one of the stable codes, equals the claim's rc, and a refusal has a
 *   sentence; a refused bundle leaves nothing allocated in the claim;
 * - an accepted holding bundle proves a register total equal to the issued supply, and an
 *   accepted bundle's value is within LDG_PROOF_VALUE_MAX;
 * - an input that decodes as a tree proof re-encodes to exactly the input bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldg_proof.h"
#include "ldg_smt.h"

#define CHAIN "proof-fuzz"
#define ISIN "CNE100000296"
#define H 5

static struct {
    bool ready;
    ldg_keypair val;
    uint8_t *genesis;
    size_t genesis_len;
    ldg_memkv *kv;
    ldg_hash root;
} fx;

static void key_for(ldg_keypair *kp, uint8_t seed)
{
    uint8_t sk[32];
    for (uint8_t salt = 0;; salt++) {
        memset(sk, seed, sizeof sk);
        sk[31] = salt;
        if (ldg_keypair_from_secret(kp, sk) == LDG_OK)
            return;
    }
}

static void holding_key(uint8_t k[33], uint8_t who)
{
    k[0] = 'b';
    memcpy(k + 1, ISIN, 12);
    memset(k + 13, who, 20);
}

static void put_u64(ldg_state *st, const void *k, size_t kl, uint64_t v)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_u64(&e, v);
    ldg_state_put(st, k, kl, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

/* The state: ISIN with supply 1000 held 700/300, the validator count, a plain key. */
static void build_state(void)
{
    fx.kv = ldg_memkv_new();
    ldg_memkv *tmp = ldg_memkv_new();
    ldg_state *st = ldg_state_new(ldg_memkv_base(tmp));
    uint8_t ka[13] = {'a'}, kb[33];
    memcpy(ka + 1, ISIN, 12);
    ldg_enc a;
    ldg_enc_init(&a);
    ldg_enc_array(&a, 8);
    ldg_enc_u64(&a, 1);
    ldg_enc_str(&a, "Fuzz Co");
    static const uint8_t issuer[20] = {1};
    ldg_enc_bin(&a, issuer, sizeof issuer);
    ldg_enc_u64(&a, 1000);
    ldg_enc_u64(&a, 0);
    ldg_enc_str(&a, "");
    ldg_enc_u64(&a, 3);
    ldg_enc_str(&a, "");
    ldg_state_put(st, ka, sizeof ka, ldg_enc_data(&a), ldg_enc_len(&a));
    ldg_enc_free(&a);
    holding_key(kb, 1);
    put_u64(st, kb, sizeof kb, 700);
    holding_key(kb, 2);
    put_u64(st, kb, sizeof kb, 300);
    put_u64(st, "V", 1, 1);
    put_u64(st, "zz", 2, 7);
    ldg_smt *t;
    LDG_ASSERT(ldg_smt_open(&t, ldg_memkv_base(fx.kv), 0, true) == LDG_OK);
    const ldg_write *w, *sw;
    size_t n = ldg_state_writes(st, &w);
    LDG_ASSERT(ldg_smt_update(t, 0, w, n, &fx.root) == LDG_OK);
    size_t sn = ldg_smt_staged(t, &sw);
    ldg_memkv_apply(fx.kv, sw, sn);
    ldg_smt_commit(t);
    ldg_smt_free(t);
    ldg_state_free(st);
    ldg_memkv_free(tmp);
}

static void init(void)
{
    if (fx.ready)
        return;
    key_for(&fx.val, 7);
    ldg_genesis *g = calloc(1, sizeof *g);
    LDG_ASSERT(g);
    snprintf(g->chain_id, sizeof g->chain_id, "%s", CHAIN);
    g->time_ms = 1700000000000ULL;
    g->validator_count = 1;
    g->validators[0] = fx.val.pub;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_genesis_encode(&e, g);
    fx.genesis = ldg_enc_take(&e, &fx.genesis_len);
    ldg_enc_free(&e);
    free(g);
    build_state();
    fx.ready = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    ldg_proof_claim c;
    ldg_proof_rc rc = ldg_proof_verify(data, size, fx.genesis, fx.genesis_len, &c);
    LDG_ASSERT(rc == c.rc && rc >= LDG_PROOF_OK && rc <= LDG_PROOF_SUPPLY);
    LDG_ASSERT(strcmp(ldg_proof_rc_name(rc), "UNKNOWN") != 0);
    if (rc != LDG_PROOF_OK) {
        LDG_ASSERT(c.why[0] && c.value == NULL);
    } else {
        LDG_ASSERT(c.value_len <= LDG_PROOF_VALUE_MAX && c.height == H);
        if (c.kind == LDG_PROOF_KIND_HOLDING)
            LDG_ASSERT(c.has_total && c.total == c.supply);
    }
    ldg_proof_claim_free(&c);

    static ldg_smt_proof p;
    if (ldg_smt_proof_decode(&p, data, size) == LDG_OK) {
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_smt_proof_encode(&e, &p);
        LDG_ASSERT(ldg_enc_len(&e) == size && memcmp(ldg_enc_data(&e), data, size) == 0);
        ldg_enc_free(&e);
    }
    return 0;
}

/* The trust step of a change to the set {val2} from H+1 (proofs.md §5): the entry in a
 * tree of its own whose root header H carries, certified by the genesis validator. */
static void trust_step(ldg_enc *arr, const ldg_keypair *val2)
{
    ldg_memkv *kv = ldg_memkv_new(), *tmp = ldg_memkv_new();
    ldg_smt *t;
    LDG_ASSERT(ldg_smt_open(&t, ldg_memkv_base(kv), 0, true) == LDG_OK);
    ldg_state *st = ldg_state_new(ldg_memkv_base(tmp));
    ldg_valset v = {.from = H + 1, .count = 1};
    v.keys[0] = val2->pub;
    ldg_valset_put(st, &v);
    const ldg_write *w, *sw;
    size_t n = ldg_state_writes(st, &w), sn;
    ldg_hash root;
    LDG_ASSERT(ldg_smt_update(t, 0, w, n, &root) == LDG_OK);
    sn = ldg_smt_staged(t, &sw);
    ldg_memkv_apply(kv, sw, sn);
    ldg_smt_commit(t);
    ldg_smt_stored(t, 0);
    ldg_smt_free(t);
    uint8_t key[LDG_VALSET_KEY_LEN], *val = NULL;
    ldg_valset_key(key, H + 1);
    static ldg_smt_proof p;
    size_t vl;
    bool found;
    LDG_ASSERT(ldg_smt_prove(ldg_memkv_base(kv), 0, key, sizeof key, &p, &val, &vl, &found) ==
               LDG_OK);
    ldg_enc pe, he;
    ldg_enc_init(&pe);
    ldg_enc_init(&he);
    ldg_smt_proof_encode(&pe, &p);
    ldg_header h = {.version = LDG_BLOCK_VERSION, .height = H, .time_ms = 1700000050000ULL};
    snprintf(h.chain_id, sizeof h.chain_id, "%s", CHAIN);
    h.prev_state_root = root;
    ldg_header_encode(&he, &h);
    ldg_cert cert;
    LDG_ASSERT(ldg_cert_sign_one(&cert, &h, 0, &fx.val) == LDG_OK);
    ldg_proof_fact f = {key, sizeof key, found, val, vl, ldg_enc_data(&pe), ldg_enc_len(&pe)};
    ldg_enc_array(arr, 1);
    ldg_trust_step_encode(arr, H - 1, ldg_enc_data(&he), ldg_enc_len(&he), &cert, &f);
    free(val);
    ldg_enc_free(&pe);
    ldg_enc_free(&he);
    ldg_state_free(st);
    ldg_memkv_free(tmp);
    ldg_memkv_free(kv);
}

/* A bundle of kind for keys[0..n) at H over the fixture's tree and a certificate; with
 * `changed`, the set changes to another validator from H+1 (one trust step). */
static size_t seed_bundle_ex(uint8_t *out, size_t cap, uint64_t kind, const uint8_t *const *keys,
                             const size_t *lens, uint32_t n, bool changed);

static size_t seed_bundle(uint8_t *out, size_t cap, uint64_t kind, const uint8_t *const *keys,
                          const size_t *lens, uint32_t n)
{
    return seed_bundle_ex(out, cap, kind, keys, lens, n, false);
}

static size_t seed_bundle_ex(uint8_t *out, size_t cap, uint64_t kind, const uint8_t *const *keys,
                             const size_t *lens, uint32_t n, bool changed)
{
    ldg_header h = {.version = LDG_BLOCK_VERSION, .height = H, .time_ms = 1700000100000ULL};
    snprintf(h.chain_id, sizeof h.chain_id, "%s", CHAIN);
    ldg_header hn = h;
    hn.height = H + 1;
    hn.time_ms = h.time_ms + 1000;
    ldg_header_hash(&hn.prev_hash, &h);
    hn.prev_state_root = fx.root;
    ldg_proof_bundle b = {.height = H, .kind = kind, .fact_count = n};
    ldg_keypair val2;
    key_for(&val2, 8);
    ldg_enc trust;
    ldg_enc_init(&trust);
    if (changed) {
        trust_step(&trust, &val2);
        b.trust = ldg_enc_data(&trust);
        b.trust_len = ldg_enc_len(&trust);
        b.trust_count = 1;
    }
    LDG_ASSERT(ldg_cert_sign_one(&b.cert_next, &hn, 0, changed ? &val2 : &fx.val) == LDG_OK);
    ldg_genesis_hash_bytes(&b.genesis_hash, fx.genesis, fx.genesis_len);
    ldg_enc eh, en, pe[LDG_PROOF_FACTS_MAX], e;
    ldg_enc_init(&eh);
    ldg_enc_init(&en);
    ldg_header_encode(&eh, &h);
    ldg_header_encode(&en, &hn);
    b.header_h = ldg_enc_data(&eh);
    b.header_h_len = ldg_enc_len(&eh);
    b.header_next = ldg_enc_data(&en);
    b.header_next_len = ldg_enc_len(&en);
    uint8_t *vals[LDG_PROOF_FACTS_MAX] = {0};
    static ldg_smt_proof p;
    for (uint32_t i = 0; i < n; i++) {
        bool found;
        size_t vl = 0;
        LDG_ASSERT(ldg_smt_prove(ldg_memkv_base(fx.kv), 0, keys[i], lens[i], &p, &vals[i], &vl,
                                 &found) == LDG_OK);
        ldg_enc_init(&pe[i]);
        ldg_smt_proof_encode(&pe[i], &p);
        b.facts[i] = (ldg_proof_fact){
            keys[i], lens[i], found, vals[i], vl, ldg_enc_data(&pe[i]), ldg_enc_len(&pe[i])};
    }
    ldg_enc_init(&e);
    ldg_proof_encode(&e, &b);
    ldg_proof_claim c; /* a seed the verifier refuses would be a fixture bug */
    LDG_ASSERT(ldg_proof_verify(ldg_enc_data(&e), ldg_enc_len(&e), fx.genesis, fx.genesis_len,
                                &c) == LDG_PROOF_OK);
    ldg_proof_claim_free(&c);
    size_t len = ldg_enc_len(&e) <= cap ? ldg_enc_len(&e) : 0;
    memcpy(out, ldg_enc_data(&e), len);
    ldg_enc_free(&e);
    for (uint32_t i = 0; i < n; i++) {
        free(vals[i]);
        ldg_enc_free(&pe[i]);
    }
    ldg_enc_free(&eh);
    ldg_enc_free(&en);
    ldg_enc_free(&trust);
    return len;
}

size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    init();
    uint8_t kb[33], ka[13] = {'a'};
    memcpy(ka + 1, ISIN, 12);
    holding_key(kb, index == 1 ? 9 : 1); /* 1: an account holding none */
    const uint8_t *hold[2] = {kb, ka};
    size_t hlens[2] = {33, 13};
    const uint8_t *one[1] = {(const uint8_t *)(index == 3 ? "zz" : "q")};
    size_t olens[1] = {2};
    switch (index) {
    case 0:
    case 1:
        return seed_bundle(out, cap, LDG_PROOF_KIND_HOLDING, hold, hlens, 2);
    case 2:
        return seed_bundle(out, cap, LDG_PROOF_KIND_INSTRUMENT, hold + 1, hlens + 1, 1);
    case 3:
    case 4: /* a present key, an absent one */
        olens[0] = index == 3 ? 2 : 1;
        return seed_bundle(out, cap, LDG_PROOF_KIND_KEY, one, olens, 1);
    case 5: { /* a tree proof alone, for the tree-proof decoder */
        uint8_t *v = NULL;
        size_t vl;
        bool found;
        static ldg_smt_proof p;
        LDG_ASSERT(ldg_smt_prove(ldg_memkv_base(fx.kv), 0, kb, 33, &p, &v, &vl, &found) == LDG_OK);
        free(v);
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_smt_proof_encode(&e, &p);
        size_t len = ldg_enc_len(&e) <= cap ? ldg_enc_len(&e) : 0;
        memcpy(out, ldg_enc_data(&e), len);
        ldg_enc_free(&e);
        return len;
    }
    case 6: /* the validator set changed: one trust step */
        return seed_bundle_ex(out, cap, LDG_PROOF_KIND_HOLDING, hold, hlens, 2, true);
    default:
        return 0;
    }
}
