/* Benchmark: the state tree (ledger/ldg_smt, specs/state.md §5) on RocksDB, one thread.
 *
 *   bench_smt [KEYS] [BIG_KEYS] [BLOCKS] [INSTRUMENTS]
 *
 * 1. A state of KEYS keys (default 1,000,000): half holdings of INSTRUMENTS instruments
 *    (default 1: one register, the largest a state of that size can have; more spread the
 *    holdings evenly, so that the registers tree G has that many leaves), half 33-byte
 *    plain keys like the replay guard's 'x' keys. BLOCKS blocks (default 300) of 1,000 random
 * updates of existing keys, each block one synced write batch: with the tree (state puts + its
 *    nodes, as a node commits) beside the floor, the same state puts alone in a store
 *    without the tree (plain synced RocksDB puts), measured before and after the tree run.
 * 2. Proofs at KEYS keys (the tree above, in RocksDB) and at BIG_KEYS keys (default
 *    10,000,000; 0 skips; its tree built in memory, latest version only, for want of the
 *    hours and disk a RocksDB load of that size takes on a shared machine: the proof's size
 *    does not depend on where the nodes are): the size of a holding's proof (its register
 *    segment, its register leaf's segment in G and P's root: specs/state.md §5.5), of a
 *    plain key's (a segment of P and G's root) and of an absent key's, and the time to
 *    generate one and to verify one. */
#include "ldg_smt.h"
#include "ldg_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BLOCK 1000
#define LOAD_BLOCK 1000000 /* keys per version when building the big tree */
#define KEY_LEN 33
#define PROOFS 2000

static const uint8_t ID12[12] = "BENCH0000001";
static uint32_t instruments = 1; /* holdings spread over this many registers */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Key i: even i a holding 'b' ‖ ID12 ‖ account20, odd i 'x' ‖ 32 bytes; account and id
 * bytes from a hash of i, so paths are spread as real ones are. */
static void make_key(uint64_t i, uint8_t k[KEY_LEN])
{
    uint8_t n[8];
    for (int j = 0; j < 8; j++)
        n[j] = (uint8_t)(i >> (56 - 8 * j));
    ldg_hash h;
    ldg_tagged_hash(&h, "bench/key", n, sizeof n);
    if (i % 2 == 0) {
        k[0] = 'b';
        memcpy(k + 1, ID12, 12);
        if (instruments > 1) { /* "BENCH" ‖ 7 digits: the instrument drawn from the key's hash */
            uint32_t x = ((uint32_t)h.b[24] << 24 | (uint32_t)h.b[25] << 16 |
                          (uint32_t)h.b[26] << 8 | h.b[27]) %
                         instruments;
            for (int j = 11; j >= 5; j--, x /= 10)
                k[1 + j] = (uint8_t)('0' + x % 10);
        }
        memcpy(k + 13, h.b, 20);
    } else {
        k[0] = 'x';
        memcpy(k + 1, h.b, 32);
    }
}

/* A canonical u64 value of 5 bytes (a holding amount, or stand-in bytes for a plain key):
 * 0x10000 + v for v < 2^31. */
static size_t make_val(uint64_t v, uint8_t out[9])
{
    v += 0x10000;
    out[0] = 0xce;
    for (int j = 0; j < 4; j++)
        out[1 + j] = (uint8_t)(v >> (24 - 8 * j));
    return 5;
}

typedef struct kv {
    uint8_t k[KEY_LEN];
    uint8_t v[9];
    size_t vl;
} kv;

static int kv_cmp(const void *a, const void *b)
{
    return memcmp(((const kv *)a)->k, ((const kv *)b)->k, KEY_LEN);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t tree_bytes, tree_rows; /* bytes and rows of tree writes in the timed blocks */
static uint64_t rng(void)
{
    uint64_t x = rng_state;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return rng_state = x;
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

static ldg_state_base tree_base(ldg_store *s)
{
    return (ldg_state_base){tree_get, tree_scan, s, NULL, NULL, NULL};
}

/* One block: the sorted writes w[0..n) as state puts in s, with the tree's nodes if t;
 * s NULL: the tree's nodes into mem only. */
static void commit(ldg_store *s, ldg_memkv *mem, ldg_smt *t, uint64_t version, kv *w, size_t n,
                   bool sync)
{
    if (!s) {
        ldg_write *lw = malloc(n * sizeof *lw);
        LDG_ASSERT(lw);
        for (size_t i = 0; i < n; i++)
            lw[i] = (ldg_write){w[i].k, KEY_LEN, w[i].v, w[i].vl};
        ldg_hash zero = {{0}}, root;
        LDG_ASSERT(ldg_smt_step_mem(t, mem, &zero, version, lw, n, &root) == LDG_OK);
        free(lw);
        return;
    }
    ldg_batch *b = ldg_batch_new(s);
    for (size_t i = 0; i < n; i++)
        ldg_batch_put(b, LDG_CF_STATE, w[i].k, KEY_LEN, w[i].v, w[i].vl);
    if (t) {
        ldg_write *lw = malloc(n * sizeof *lw);
        LDG_ASSERT(lw);
        for (size_t i = 0; i < n; i++)
            lw[i] = (ldg_write){w[i].k, KEY_LEN, w[i].v, w[i].vl};
        ldg_hash root;
        LDG_ASSERT(ldg_smt_update(t, version, lw, n, &root) == LDG_OK);
        free(lw);
        const ldg_write *tw;
        size_t tn = ldg_smt_staged(t, &tw);
        for (size_t i = 0; i < tn; i++) {
            tree_bytes += tw[i].klen + (tw[i].val ? tw[i].vlen : 0);
            tree_rows++;
            if (tw[i].val)
                ldg_batch_put(b, LDG_CF_TREE, tw[i].key, tw[i].klen, tw[i].val, tw[i].vlen);
            else
                ldg_batch_delete(b, LDG_CF_TREE, tw[i].key, tw[i].klen);
        }
    }
    LDG_ASSERT(ldg_store_write(s, b, sync) == LDG_OK);
    ldg_batch_free(b);
    if (t) {
        ldg_smt_commit(t);
        ldg_smt_stored(t, version);
    }
}

/* Loads keys 0..n as versions of `per` keys (not synced, not timed). */
static uint64_t load(ldg_store *s, ldg_memkv *mem, ldg_smt *t, uint64_t n, size_t per)
{
    kv *w = malloc(per * sizeof *w);
    LDG_ASSERT(w);
    uint64_t version = 0;
    for (uint64_t i = 0; i < n; version++) {
        size_t m = 0;
        for (; m < per && i < n; m++, i++) {
            make_key(i, w[m].k);
            w[m].vl = make_val(i % 1000, w[m].v);
        }
        qsort(w, m, sizeof *w, kv_cmp);
        commit(s, mem, t, version, w, m, false);
    }
    free(w);
    return version; /* the next version */
}

/* The CPU time of the process so far (RocksDB's flush and compaction threads included). */
static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* BLOCKS blocks of BLOCK random updates, synced; updates per second, and *cpu_us the
 * process's CPU time per update (on a shared machine steadier than the rate). */
static double updates(ldg_store *s, ldg_smt *t, uint64_t keys, uint64_t *version, int blocks,
                      uint64_t seed, double *cpu_us)
{
    kv *w = malloc(BLOCK * sizeof *w);
    LDG_ASSERT(w);
    rng_state = seed;
    double t0 = now_s(), c0 = cpu_s();
    for (int b = 0; b < blocks; b++) {
        size_t m = 0;
        for (size_t i = 0; i < BLOCK; i++) {
            make_key(rng() % keys, w[m].k);
            w[m].vl = make_val(rng() % 1000000, w[m].v);
            m++;
        }
        qsort(w, m, sizeof *w, kv_cmp);
        size_t u = 0; /* a write set holds each key once */
        for (size_t i = 0; i < m; i++)
            if (!u || memcmp(w[u - 1].k, w[i].k, KEY_LEN))
                w[u++] = w[i];
        commit(s, NULL, t, (*version)++, w, u, true);
    }
    double dt = now_s() - t0;
    *cpu_us = (cpu_s() - c0) * 1e6 / ((double)blocks * BLOCK);
    free(w);
    return (double)blocks * BLOCK / dt;
}

typedef struct proof_stats {
    double bytes_sum, gen_s, ver_s;
    size_t bytes_max, n;
} proof_stats;

/* Proves and verifies PROOFS keys drawn by kind: 0 holdings, 1 plain, 2 absent. */
static void prove_some(ldg_state_base base, uint64_t version, const ldg_hash *root, uint64_t keys,
                       int kind, proof_stats *st)
{
    memset(st, 0, sizeof *st);
    ldg_smt_proof *p = malloc(sizeof *p);
    LDG_ASSERT(p);
    for (int i = 0; i < PROOFS; i++) {
        uint8_t k[KEY_LEN];
        uint64_t r = rng() % (keys / 2) * 2;
        make_key(kind == 0 ? r : kind == 1 ? r + 1 : keys + 1 + r, k);
        uint8_t *val = NULL;
        size_t vl = 0;
        bool found;
        double t0 = now_s();
        LDG_ASSERT(ldg_smt_prove(base, version, k, KEY_LEN, p, &val, &vl, &found) == LDG_OK);
        ldg_enc e;
        ldg_enc_init(&e);
        ldg_smt_proof_encode(&e, p);
        double t1 = now_s();
        LDG_ASSERT(found == (kind != 2));
        ldg_smt_proof *q = malloc(sizeof *q);
        LDG_ASSERT(q);
        char why[128];
        bool has_total;
        uint64_t total;
        LDG_ASSERT(ldg_smt_proof_decode(q, ldg_enc_data(&e), ldg_enc_len(&e)) == LDG_OK);
        LDG_ASSERT(ldg_smt_verify(root, k, KEY_LEN, val, vl, q, &has_total, &total, why,
                                  sizeof why) == LDG_OK);
        double t2 = now_s();
        st->gen_s += t1 - t0;
        st->ver_s += t2 - t1;
        st->bytes_sum += (double)ldg_enc_len(&e);
        if (ldg_enc_len(&e) > st->bytes_max)
            st->bytes_max = ldg_enc_len(&e);
        st->n++;
        ldg_enc_free(&e);
        free(q);
        free(val);
    }
    free(p);
}

static void report_proofs(ldg_state_base base, const char *where, ldg_smt *t, uint64_t version,
                          uint64_t keys)
{
    static const char *const kinds[] = {"a holding (register + G segment + P's root)",
                                        "a plain key (P segment + G's root)", "an absent key"};
    ldg_hash root = ldg_smt_root(t);
    for (int kind = 0; kind < 3; kind++) {
        proof_stats st;
        prove_some(base, version, &root, keys, kind, &st);
        printf("proof at %llu keys, %u instrument(s) (%s), %s: mean %.0f B, max %zu B; generate "
               "%.1f us, verify %.1f us (means of %zu; targets <= 1536 B + certificate, <= 1000 "
               "us each)\n",
               (unsigned long long)keys, instruments, where, kinds[kind],
               st.bytes_sum / (double)st.n, st.bytes_max, st.gen_s / (double)st.n * 1e6,
               st.ver_s / (double)st.n * 1e6, st.n);
    }
}

static ldg_store *fresh(const char *dir, const char *name)
{
    char path[512], cmd[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(cmd, sizeof cmd, "rm -rf %s", path);
    if (system(cmd) != 0)
        return NULL;
    ldg_store *s;
    return ldg_store_open(&s, path, false) == LDG_OK ? s : NULL;
}

int main(int argc, char **argv)
{
    uint64_t keys = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    uint64_t big = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000000;
    int blocks = argc > 3 ? atoi(argv[3]) : 300;
    long ninst = argc > 4 ? atol(argv[4]) : 1;
    char dir[] = "/tmp/folio-bench-smt.XXXXXX", cmd[600];
    setvbuf(stdout, NULL, _IOLBF, 0); /* each figure as soon as it is measured */
    if (keys < 4 || blocks < 1 || ninst < 1 || ninst > 9999999 || !mkdtemp(dir)) {
        fprintf(stderr, "usage: bench_smt [KEYS >= 4] [BIG_KEYS] [BLOCKS >= 1] [INSTRUMENTS "
                        "1..9999999]\n");
        return 2;
    }
    instruments = (uint32_t)ninst;
    ldg_store *plain = fresh(dir, "plain"), *st = fresh(dir, "tree");
    ldg_smt *t;
    if (!plain || !st || ldg_smt_open(&t, tree_base(st), 0, true) != LDG_OK)
        return 1;
    fprintf(stderr, "bench: loading %llu keys (tree and plain)...\n", (unsigned long long)keys);
    double t0 = now_s();
    /* one version: each node is written once (loading in many versions would keep every
     * replaced node of the load as history) */
    uint64_t tv = load(st, NULL, t, keys, keys);
    double t1 = now_s();
    uint64_t pv = load(plain, NULL, NULL, keys, keys);
    double t2 = now_s();
    printf("load %llu keys in one block (unsynced): tree %.1f s, plain %.1f s\n",
           (unsigned long long)keys, t1 - t0, t2 - t1);
    double fc1, fc2, tc;
    double floor1 = updates(plain, NULL, keys, &pv, blocks, 42, &fc1);
    tree_bytes = tree_rows = 0;
    double tree = updates(st, t, keys, &tv, blocks, 42, &tc);
    double per_block = (double)tree_bytes / blocks;
    double floor2 = updates(plain, NULL, keys, &pv, blocks, 43, &fc2);
    double floor = floor1 > floor2 ? floor1 : floor2;
    printf("tree updates at %llu keys, blocks of %d, one synced batch each: %.0f updates/s, "
           "CPU %.1f us per update (tree writes %.0f KiB in %.0f rows per block beside %d KiB "
           "of state puts)\n",
           (unsigned long long)keys, BLOCK, tree, tc, per_block / 1024, (double)tree_rows / blocks,
           BLOCK * (KEY_LEN + 5) / 1024);
    printf("floor, plain synced RocksDB puts of the same keys: %.0f puts/s before, %.0f after "
           "(CPU %.1f and %.1f us per put); tree/floor = %.2f against the better\n",
           floor1, floor2, fc1, fc2, tree / floor);
    report_proofs(tree_base(st), "RocksDB", t, tv - 1, keys);
    ldg_smt_free(t);
    ldg_store_close(st);
    ldg_store_close(plain);
    if (big > keys) {
        ldg_memkv *mem = ldg_memkv_new();
        if (ldg_smt_open(&t, ldg_memkv_base(mem), 0, true) != LDG_OK)
            return 1;
        ldg_smt_set_retention(t, LDG_SMT_LATEST_ONLY); /* the load's history is not needed */
        fprintf(stderr, "bench: building a %llu-key tree in memory...\n", (unsigned long long)big);
        t0 = now_s();
        uint64_t bv = load(NULL, mem, t, big, LOAD_BLOCK);
        printf("build %llu keys in memory in blocks of %d: %.1f s\n", (unsigned long long)big,
               LOAD_BLOCK, now_s() - t0);
        report_proofs(ldg_memkv_base(mem), "memory", t, bv - 1, big);
        ldg_smt_free(t);
        ldg_memkv_free(mem);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
