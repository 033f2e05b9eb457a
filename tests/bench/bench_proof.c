/* Proof bundles (specs/proofs.md): the size of one holding's bundle, the time to build it
 * from a RocksDB state tree and the time to verify it offline, for a state of N keys.
 *
 * The state: N keys, 90% of them holdings of ONE instrument (the largest register a path
 * can cross: the worst case for the register segment) and 10% plain keys, written into
 * the tree in blocks of 10,000 into a RocksDB store (column family `tree`, unsynced: the
 * build is not what is measured). Then, over many random holders:
 * - generate: the two tree proofs a holding bundle needs (holding, instrument), read from
 *   RocksDB, and the bundle's encoding (what the `proof` RPC does after reading two block
 *   records);
 * - verify: ldg_proof_verify of the whole bundle (genesis decode, headers, the one-validator
 *   certificate's signature, both tree paths, the values, the supply);
 * each beside its floor measured in the same run: one RocksDB point read of a tree node
 * (generate) and one raw BIP-340 verification (verify).
 * Usage: bench_proof [N ...] (default 1000000; FOLIO_BENCH_PROOF_KEYS overrides). */
#include "ldg_proof.h"
#include "ldg_smt.h"
#include "ldg_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ISIN "CNE100000296"
#define CHAIN "bench-proof"
#define H 5
#define BLOCK_KEYS 10000
#define SAMPLES 2000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static ldg_err tree_get(void *arg, const uint8_t *k, size_t kl, uint8_t **v, size_t *vl)
{
    return ldg_store_get(arg, LDG_CF_TREE, k, kl, v, vl);
}

static ldg_err tree_scan(void *arg, const uint8_t *p, size_t pl,
                         bool (*fn)(void *, const uint8_t *, size_t, const uint8_t *, size_t),
                         void *fa)
{
    return ldg_store_scan(arg, LDG_CF_TREE, p, pl, fn, fa);
}

/* Key i of the state: a holding of ISIN (account = the first 20 bytes of SHA-256(i)) or,
 * every tenth, a plain participant-like key. */
static size_t state_key(uint8_t *k, uint64_t i, bool *holding)
{
    ldg_hash h;
    ldg_sha256(&h, &i, sizeof i);
    *holding = i % 10 != 9;
    if (!*holding) {
        k[0] = 'p';
        memcpy(k + 1, h.b, 20);
        return 21;
    }
    k[0] = 'b';
    memcpy(k + 1, ISIN, 12);
    memcpy(k + 13, h.b, 20);
    return 33;
}

static size_t enc_u64(uint8_t *o, uint64_t v)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_u64(&e, v);
    size_t n = ldg_enc_len(&e);
    memcpy(o, ldg_enc_data(&e), n);
    ldg_enc_free(&e);
    return n;
}

static void instrument_value(ldg_enc *a, uint64_t supply)
{
    static const uint8_t issuer[20] = {1};
    ldg_enc_array(a, 8);
    ldg_enc_u64(a, 1);
    ldg_enc_str(a, "Bench Co");
    ldg_enc_bin(a, issuer, sizeof issuer);
    ldg_enc_u64(a, supply);
    ldg_enc_u64(a, 0);
    ldg_enc_str(a, "");
    ldg_enc_u64(a, 3);
    ldg_enc_str(a, "");
}

/* One block's writes through the tree into the store. */
static void apply_block(ldg_smt *t, ldg_store *s, ldg_state *st, uint64_t version, ldg_hash *root)
{
    const ldg_write *w, *sw;
    size_t n = ldg_state_writes(st, &w);
    if (ldg_smt_update(t, version, w, n, root) != LDG_OK) {
        fprintf(stderr, "bench_proof: tree update failed\n");
        exit(1);
    }
    size_t sn = ldg_smt_staged(t, &sw);
    ldg_batch *b = ldg_batch_new(s);
    for (size_t i = 0; i < sn; i++) {
        if (sw[i].val)
            ldg_batch_put(b, LDG_CF_TREE, sw[i].key, sw[i].klen, sw[i].val, sw[i].vlen);
        else
            ldg_batch_delete(b, LDG_CF_TREE, sw[i].key, sw[i].klen);
    }
    if (ldg_store_write(s, b, false) != LDG_OK) {
        fprintf(stderr, "bench_proof: store write failed\n");
        exit(1);
    }
    ldg_batch_free(b);
    ldg_smt_commit(t);
    ldg_smt_stored(t, version);
    ldg_state_reset(st);
}

/* Builds the N-key state; returns the last version and its root. */
static uint64_t build(ldg_store *s, uint64_t n, ldg_hash *root)
{
    ldg_state_base base = {tree_get, tree_scan, s, NULL, NULL, NULL};
    ldg_smt *t;
    if (ldg_smt_open(&t, base, 0, true) != LDG_OK) {
        fprintf(stderr, "bench_proof: cannot open the tree\n");
        exit(1);
    }
    ldg_smt_set_retention(t, LDG_SMT_LATEST_ONLY);
    ldg_memkv *tmp = ldg_memkv_new();
    ldg_state *st = ldg_state_new(ldg_memkv_base(tmp));
    uint64_t version = 0, supply = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t k[40], v[9];
        bool holding;
        size_t kl = state_key(k, i, &holding);
        uint64_t amount = 1 + i % 1000;
        if (holding)
            supply += amount;
        ldg_state_put(st, k, kl, v, enc_u64(v, amount));
        if ((i + 1) % BLOCK_KEYS == 0)
            apply_block(t, s, st, version++, root);
    }
    uint8_t ka[13] = {'a'};
    memcpy(ka + 1, ISIN, 12);
    ldg_enc a;
    ldg_enc_init(&a);
    instrument_value(&a, supply);
    ldg_state_put(st, ka, sizeof ka, ldg_enc_data(&a), ldg_enc_len(&a));
    ldg_enc_free(&a);
    apply_block(t, s, st, version, root);
    ldg_state_free(st);
    ldg_memkv_free(tmp);
    ldg_smt_free(t);
    return version;
}

typedef struct chain {
    ldg_keypair val;
    uint8_t *genesis;
    size_t genesis_len;
    ldg_enc hh, hn;
    ldg_cert cert;
} chain;

static void make_chain(chain *c, const ldg_hash *root)
{
    uint8_t sk[32];
    memset(sk, 7, sizeof sk);
    if (ldg_keypair_from_secret(&c->val, sk) != LDG_OK)
        exit(1);
    ldg_genesis *g = calloc(1, sizeof *g);
    if (!g)
        exit(1);
    snprintf(g->chain_id, sizeof g->chain_id, "%s", CHAIN);
    g->time_ms = 1700000000000ULL;
    g->validator_count = 1;
    g->validators[0] = c->val.pub;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_genesis_encode(&e, g);
    c->genesis = ldg_enc_take(&e, &c->genesis_len);
    ldg_enc_free(&e);
    free(g);
    ldg_header h = {.version = LDG_BLOCK_VERSION, .height = H, .time_ms = 1700000100000ULL};
    snprintf(h.chain_id, sizeof h.chain_id, "%s", CHAIN);
    ldg_header hn = h;
    hn.height = H + 1;
    hn.time_ms = h.time_ms + 1000;
    ldg_header_hash(&hn.prev_hash, &h);
    hn.prev_state_root = *root;
    if (ldg_cert_sign_one(&c->cert, &hn, 0, &c->val) != LDG_OK)
        exit(1);
    ldg_enc_init(&c->hh);
    ldg_enc_init(&c->hn);
    ldg_header_encode(&c->hh, &h);
    ldg_header_encode(&c->hn, &hn);
}

/* A holding bundle for key i (a holding), proved at version from the store. */
static uint8_t *holding_bundle(const chain *c, ldg_state_base base, uint64_t version,
                               const uint8_t *kb, size_t *len)
{
    uint8_t ka[13] = {'a'};
    memcpy(ka + 1, ISIN, 12);
    const uint8_t *keys[2] = {kb, ka};
    size_t lens[2] = {33, 13};
    ldg_proof_bundle b = {.height = H, .kind = LDG_PROOF_KIND_HOLDING, .fact_count = 2};
    ldg_genesis_hash_bytes(&b.genesis_hash, c->genesis, c->genesis_len);
    b.header_h = ldg_enc_data(&c->hh);
    b.header_h_len = ldg_enc_len(&c->hh);
    b.header_next = ldg_enc_data(&c->hn);
    b.header_next_len = ldg_enc_len(&c->hn);
    b.cert_next = c->cert;
    static ldg_smt_proof p;
    ldg_enc pe[2], e;
    uint8_t *vals[2] = {0};
    for (int i = 0; i < 2; i++) {
        bool found;
        size_t vl = 0;
        if (ldg_smt_prove(base, version, keys[i], lens[i], &p, &vals[i], &vl, &found) != LDG_OK)
            exit(1);
        ldg_enc_init(&pe[i]);
        ldg_smt_proof_encode(&pe[i], &p);
        b.facts[i] = (ldg_proof_fact){
            keys[i], lens[i], found, vals[i], vl, ldg_enc_data(&pe[i]), ldg_enc_len(&pe[i])};
    }
    ldg_enc_init(&e);
    ldg_proof_encode(&e, &b);
    uint8_t *out = ldg_enc_take(&e, len);
    ldg_enc_free(&e);
    for (int i = 0; i < 2; i++) {
        free(vals[i]);
        ldg_enc_free(&pe[i]);
    }
    return out;
}

/* The holding proof's own size (the tree proof of the 'b' key alone). */
static size_t tree_proof_size(ldg_state_base base, uint64_t version, const uint8_t *kb)
{
    static ldg_smt_proof p;
    uint8_t *v = NULL;
    size_t vl;
    bool found;
    if (ldg_smt_prove(base, version, kb, 33, &p, &v, &vl, &found) != LDG_OK)
        exit(1);
    free(v);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_smt_proof_encode(&e, &p);
    size_t n = ldg_enc_len(&e);
    ldg_enc_free(&e);
    return n;
}

static void run(uint64_t n)
{
    char dir[] = "/tmp/folio-bench-proof.XXXXXX";
    if (!mkdtemp(dir))
        exit(1);
    ldg_store *s;
    if (ldg_store_open(&s, dir, false) != LDG_OK) {
        fprintf(stderr, "bench_proof: cannot open a store in %s\n", dir);
        exit(1);
    }
    ldg_hash root;
    double t0 = now_s();
    uint64_t version = build(s, n, &root);
    double tb = now_s() - t0;
    chain c;
    make_chain(&c, &root);
    ldg_state_base base = {tree_get, tree_scan, s, NULL, NULL, NULL};

    /* holders sampled evenly over the keys (skipping the plain ones) */
    double gen = 0, ver = 0, read = 0, sig = 0;
    size_t bytes_min = SIZE_MAX, bytes_max = 0, bytes_sum = 0, tp_min = SIZE_MAX, tp_max = 0;
    unsigned samples = 0;
    for (uint64_t i = 0; samples < SAMPLES && i < n; i += n / SAMPLES + 1) {
        uint8_t kb[40];
        bool holding;
        state_key(kb, i, &holding);
        if (!holding)
            continue;
        size_t len, tp = tree_proof_size(base, version, kb);
        double a = now_s();
        uint8_t *b = holding_bundle(&c, base, version, kb, &len);
        double m = now_s();
        ldg_proof_claim cl;
        ldg_proof_rc rc = ldg_proof_verify(b, len, c.genesis, c.genesis_len, &cl);
        double z = now_s();
        if (rc != LDG_PROOF_OK || !cl.present) {
            fprintf(stderr, "bench_proof: bundle %llu refused: %s\n", (unsigned long long)i,
                    cl.why);
            exit(1);
        }
        ldg_proof_claim_free(&cl);
        free(b);
        gen += m - a;
        ver += z - m;
        bytes_sum += len;
        bytes_min = len < bytes_min ? len : bytes_min;
        bytes_max = len > bytes_max ? len : bytes_max;
        tp_min = tp < tp_min ? tp : tp_min;
        tp_max = tp > tp_max ? tp : tp_max;
        /* floors: one tree-node read (the root record), one signature verification */
        uint8_t rk[9] = {'R'}, *v;
        size_t vl;
        for (int k = 0; k < 8; k++)
            rk[1 + k] = (uint8_t)(version >> (56 - 8 * k));
        a = now_s();
        if (ldg_store_get(s, LDG_CF_TREE, rk, sizeof rk, &v, &vl) == LDG_OK)
            free(v);
        m = now_s();
        ldg_hash msg;
        ldg_sha256(&msg, &i, sizeof i);
        (void)ldg_verify(&c.cert.sigs[0].sig, &msg, &c.val.pub);
        z = now_s();
        read += m - a;
        sig += z - m;
        samples++;
    }
    size_t cert_bytes = 0;
    {
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_cert_encode(&e, &c.cert);
        cert_bytes = ldg_enc_len(&e);
        ldg_enc_free(&e);
    }
    printf("proof bench: %llu keys (%llu holdings of one instrument), built in %.1f s\n",
           (unsigned long long)n, (unsigned long long)(n - n / 10), tb);
    printf("  holding tree proof: %zu..%zu bytes; whole holding bundle (holding + instrument "
           "paths, 2 headers, 1-validator certificate of %zu bytes): %zu..%zu bytes, mean %zu\n",
           tp_min, tp_max, cert_bytes, bytes_min, bytes_max, bytes_sum / samples);
    printf("  generate: %.1f us per bundle (floor: one RocksDB tree-node read %.1f us, "
           "ratio %.1f)\n",
           1e6 * gen / samples, 1e6 * read / samples, gen / (read > 0 ? read : 1e-9));
    printf("  verify:   %.1f us per bundle (floor: one BIP-340 verification %.1f us, ratio "
           "%.2f)\n",
           1e6 * ver / samples, 1e6 * sig / samples, ver / (sig > 0 ? sig : 1e-9));
    printf("  over %u holders\n", samples);
    free(c.genesis);
    ldg_enc_free(&c.hh);
    ldg_enc_free(&c.hn);
    ldg_store_close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_proof: could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
    const char *env = getenv("FOLIO_BENCH_PROOF_KEYS");
    if (env && *env) {
        char *end;
        for (const char *p = env; *p; p = end) {
            uint64_t n = strtoull(p, &end, 10);
            if (end == p)
                break;
            if (n >= 20)
                run(n);
            while (*end == ' ' || *end == ',')
                end++;
        }
        return 0;
    }
    if (argc < 2) {
        run(1000000);
        return 0;
    }
    for (int i = 1; i < argc; i++)
        run(strtoull(argv[i], NULL, 10));
    return 0;
}
