/* Benchmark: state sync (specs/sync.md) of a state of KEYS keys at a checkpoint of a chain of
 * BLOCKS blocks, beside the floor (writing the same state into RocksDB), in the same run,
 * ROUNDS times.
 *
 *   bench_snap [KEYS] [ROUNDS]        FOLIO_BENCH_SNAP_BLOCKS (default 1,000,000)
 *
 * The state (default 200,000 keys): half holdings of one instrument (its register), half
 * 33-byte plain keys, 5-byte values.
 * - setup (not compared): the serving node's store is loaded directly through the tree's
 *   bulk path (ldg_smt_bulk_*: keys sorted by path, the tree built bottom-up in one pass,
 *   every node of version H), state and nodes in unsynced batches. The chain's history is
 *   only the checkpoint's height H = BLOCKS − 1: the joiner never reads a block below it, so
 *   no block record is generated (nor would the joiner fetch one);
 * - floor: the same state puts alone into an empty store, in synced batches of 1,000 keys;
 * - state sync: begin, then every chunk of the served tree built (ldg_snap_build,
 *   LDG_SNAP_CHUNK_KEYS_MAX leaves), checked (ldg_snap_verify, which builds the subtree's
 *   nodes) and applied (ldg_snap_store_apply: state and nodes, one unsynced batch per
 *   chunk), then the finish (split nodes, root check, the synced batch that writes the tip)
 *   and the synced tree opened at H, as the node opens its chain. In one process, no
 *   network: the serving side's time (ldg_snap_build) is printed apart (on a network it runs
 *   on the peers, LDG_SNAP_CHUNKS_IN_FLIGHT at once). Not measured: the block sync of the
 *   blocks after H and the first vote, which do not depend on the state's size.
 * - restart: a new sync begun on the now full synced store (ldg_snap_store_begin deletes
 *   its state): time and memory.
 * Prints each round, then the spread (min..max) and the peak resident memory. */
#include "ldg_snap.h"
#include "ldg_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BLOCK 1000
#define KEY_LEN 33
#define VAL_LEN 5
#define BULK_FLUSH 200000 /* puts per unsynced batch while loading the served state */
#define REG_MARK UINT32_MAX

static const uint8_t ID12[12] = "BENCH0000001";

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void make_key(uint64_t i, uint8_t k[KEY_LEN])
{
    uint8_t n[8];
    for (int j = 0; j < 8; j++)
        n[j] = (uint8_t)(i >> (56 - 8 * j));
    ldg_hash h;
    ldg_tagged_hash(&h, "bench/key", n, sizeof n);
    k[0] = i % 2 ? 'x' : 'b';
    if (i % 2) {
        memcpy(k + 1, h.b, 32);
    } else {
        memcpy(k + 1, ID12, 12);
        memcpy(k + 13, h.b, 20);
    }
}

static void make_val(uint64_t i, uint8_t v[VAL_LEN])
{
    v[0] = 0xce; /* a canonical u32 amount: 0x10000 + i */
    for (int j = 0; j < 4; j++)
        v[1 + j] = (uint8_t)((0x10000 + i) >> (24 - 8 * j));
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

static ldg_err tree_multi_get(void *arg, size_t n, const uint8_t *const *keys, const size_t *klens,
                              uint8_t **vals, size_t *vlens, bool *found)
{
    return ldg_store_multi_get(arg, LDG_CF_TREE, n, keys, klens, vals, vlens, found);
}

static ldg_store *fresh(const char *dir, const char *name)
{
    char path[512], cmd[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(cmd, sizeof cmd, "rm -rf %s", path);
    ldg_store *s;
    return system(cmd) == 0 && ldg_store_open(&s, path, false) == LDG_OK ? s : NULL;
}

/* ---- the serving node's store, loaded through the bulk path ---- */

typedef struct ent {
    ldg_hash path;
    uint32_t i; /* the key's number */
} ent;

static int ent_cmp(const void *a, const void *b)
{
    return memcmp(((const ent *)a)->path.b, ((const ent *)b)->path.b, LDG_HASH_LEN);
}

typedef struct loader {
    ldg_store *s;
    ldg_batch *b;
    size_t puts;
    uint64_t version;
    ldg_smt_bleaf reg_leaf; /* the register's leaf, once its root is known */
} loader;

static void flush(loader *l, bool force)
{
    if (!force && l->puts < BULK_FLUSH)
        return;
    LDG_ASSERT(ldg_store_write(l->s, l->b, false) == LDG_OK);
    ldg_batch_free(l->b);
    l->b = ldg_batch_new(l->s);
    l->puts = 0;
}

static void node_put(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    loader *l = arg;
    ldg_batch_put(l->b, LDG_CF_TREE, k, kl, v, vl);
    l->puts++;
}

/* The subtree over e[0..n) (sorted) at depth: its keys' state rows and its nodes. */
static ldg_smt_top load_sub(loader *l, uint8_t tree, const uint8_t *id12, unsigned depth,
                            const ent *e, size_t n)
{
    uint8_t(*rows)[KEY_LEN + VAL_LEN] = malloc((n ? n : 1) * sizeof *rows);
    ldg_smt_bleaf *lv = malloc((n ? n : 1) * sizeof *lv);
    LDG_ASSERT(rows && lv);
    for (size_t j = 0; j < n; j++) {
        make_key(e[j].i, rows[j]);
        make_val(e[j].i, rows[j] + KEY_LEN);
        ldg_batch_put(l->b, LDG_CF_STATE, rows[j], KEY_LEN, rows[j] + KEY_LEN, VAL_LEN);
        l->puts++;
        ldg_smt_bleaf_of(&lv[j], rows[j], KEY_LEN, rows[j] + KEY_LEN, VAL_LEN);
    }
    ldg_smt_top top;
    LDG_ASSERT(ldg_smt_bulk_subtree(l->version, tree, id12, depth, lv, n, node_put, l, &top));
    flush(l, false);
    free(rows);
    free(lv);
    return top;
}

/* A whole tree over e[0..n) (sorted): by its 16 subtrees of depth 1 when large. */
static ldg_smt_top load_tree(loader *l, uint8_t tree, const uint8_t *id12, const ent *e, size_t n)
{
    if (n <= 4096)
        return load_sub(l, tree, id12, 0, e, n);
    ldg_smt_top kids[16], top;
    size_t at = 0;
    for (unsigned x = 0; x < 16; x++) {
        size_t to = at;
        while (to < n && (unsigned)(e[to].path.b[0] >> 4) == x)
            to++;
        kids[x] = load_sub(l, tree, id12, 1, e + at, to - at);
        at = to;
    }
    ldg_hash zero = {{0}};
    LDG_ASSERT(ldg_smt_bulk_node(l->version, tree, id12, 0, &zero, kids, node_put, l, &top));
    return top;
}

/* The served store: KEYS keys and their tree at version; its root in *root. */
static double load_served(ldg_store *s, uint64_t keys, uint64_t version, ldg_hash *root)
{
    double t0 = now_s();
    size_t nh = (keys + 1) / 2, np = keys / 2;
    ent *hold = malloc(nh * sizeof *hold), *plain = malloc((np + 1) * sizeof *plain);
    LDG_ASSERT(hold && plain);
    for (uint64_t i = 0; i < keys; i++) {
        uint8_t k[KEY_LEN];
        make_key(i, k);
        ent *e = i % 2 ? &plain[i / 2] : &hold[i / 2];
        ldg_smt_path(&e->path, k, KEY_LEN);
        e->i = (uint32_t)i;
    }
    qsort(hold, nh, sizeof *hold, ent_cmp);
    loader l = {.s = s, .b = ldg_batch_new(s), .version = version};
    ldg_smt_top reg = load_tree(&l, LDG_SMT_TREE_REGISTER, ID12, hold, nh);
    free(hold);
    /* the registers tree: the one register's leaf */
    ldg_smt_bulk_register(version, ID12, &reg, node_put, &l);
    l.reg_leaf.reg = true;
    ldg_smt_register_leaf(&l.reg_leaf.hash, &l.reg_leaf.path, ID12, &reg.hash, reg.sum);
    ldg_smt_top gtop;
    LDG_ASSERT(ldg_smt_bulk_subtree(version, LDG_SMT_TREE_REGS, NULL, 0, &l.reg_leaf, 1, node_put,
                                    &l, &gtop));
    qsort(plain, np, sizeof *plain, ent_cmp);
    ldg_smt_top top = load_tree(&l, LDG_SMT_TREE_PLAIN, NULL, plain, np);
    free(plain);
    ldg_smt_bulk_root(version, &top, &gtop, node_put, &l);
    flush(&l, true);
    ldg_batch_free(l.b);
    LDG_ASSERT(ldg_store_persist(s) == LDG_OK);
    ldg_smt_state_root(root, &top.hash, &gtop.hash);
    return now_s() - t0;
}

/* ---- the floor ---- */

/* The same state puts alone, in synced batches of BLOCK keys. */
static double write_floor(ldg_store *s, uint64_t keys)
{
    double t0 = now_s();
    for (uint64_t b = 0; b * BLOCK < keys; b++) {
        ldg_batch *bt = ldg_batch_new(s);
        for (uint64_t i = b * BLOCK; i < keys && i < (b + 1) * BLOCK; i++) {
            uint8_t k[KEY_LEN], v[VAL_LEN];
            make_key(i, k);
            make_val(i, v);
            ldg_batch_put(bt, LDG_CF_STATE, k, KEY_LEN, v, VAL_LEN);
        }
        LDG_ASSERT(ldg_store_write(s, bt, true) == LDG_OK);
        ldg_batch_free(bt);
    }
    return now_s() - t0;
}

/* ---- memory ---- */

/* The peak resident memory since the last reset_peak (VmHWM), in MiB; -1 if unknown. */
static long peak_mib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib < 0 ? -1 : kib / 1024;
}

/* Resets the peak to the current resident memory (Linux: clear_refs 5). */
static void reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

/* ---- the sync ---- */

typedef struct sync_fig {
    double total, serve, verify, apply, begin, finish, open;
    uint64_t chunks, bytes;
} sync_fig;

/* Syncs dst from the tree of src at version: every chunk built, checked, applied; then the
 * finish and the synced tree opened at version. */
static void sync_state(ldg_store *src, ldg_store *dst, uint64_t version, const ldg_hash *root,
                       sync_fig *f)
{
    memset(f, 0, sizeof *f);
    double t0 = now_s(), last = t0;
    ldg_snap_checkpoint cp = {.height = version, .state_root = *root};
    uint8_t raw[1] = {0xc0};
    cp.raw = raw;
    cp.raw_len = 1;
    LDG_ASSERT(ldg_snap_store_begin(dst, &cp) == LDG_OK);
    f->begin = now_s() - t0;
    ldg_state_base tb = {tree_get, tree_scan, src, tree_multi_get, NULL, NULL}; /* as a node's */
    ldg_snap_task tasks[LDG_SNAP_CHUNKS_IN_FLIGHT];
    size_t n;
    bool first = true;
    while (ldg_snap_store_tasks(dst, first ? NULL : &tasks[0], tasks, LDG_SNAP_CHUNKS_IN_FLIGHT,
                                &n) == LDG_OK &&
           n) {
        first = false;
        for (size_t i = 0; i < n; i++) {
            double a = now_s();
            ldg_enc e;
            ldg_enc_init(&e);
            LDG_ASSERT(ldg_snap_build(tb, version, &tasks[i], LDG_SNAP_CHUNK_KEYS_MAX, &e) ==
                       LDG_OK);
            double b = now_s();
            ldg_snap_chunk c;
            char why[256];
            LDG_ASSERT(ldg_snap_verify(&c, &tasks[i], version, ldg_enc_data(&e), ldg_enc_len(&e),
                                       why, sizeof why) == LDG_OK);
            double d = now_s();
            LDG_ASSERT(ldg_snap_store_apply(dst, &tasks[i], &c) == LDG_OK);
            double g = now_s();
            f->serve += b - a, f->verify += d - b, f->apply += g - d;
            f->bytes += ldg_enc_len(&e);
            f->chunks++;
            ldg_snap_chunk_free(&c);
            ldg_enc_free(&e);
        }
        if (now_s() - last >= 30) {
            last = now_s();
            printf("  ... %.0f s: %llu chunks, %llu MiB\n", last - t0,
                   (unsigned long long)f->chunks, (unsigned long long)(f->bytes >> 20));
        }
    }
    char why[256];
    double t1 = now_s();
    LDG_ASSERT(ldg_snap_store_finish(dst, &cp, why, sizeof why) == LDG_OK);
    double t2 = now_s();
    ldg_smt *t;
    LDG_ASSERT(ldg_smt_open(&t, (ldg_state_base){tree_get, tree_scan, dst, NULL, NULL, NULL},
                            version, false) == LDG_OK);
    LDG_ASSERT(memcmp(ldg_smt_root(t).b, root->b, LDG_HASH_LEN) == 0);
    ldg_smt_free(t);
    double t3 = now_s();
    f->finish = t2 - t1, f->open = t3 - t2, f->total = t3 - t0;
}

typedef struct spread {
    double min, max;
} spread;

static void note(spread *s, double v)
{
    s->min = v < s->min ? v : s->min;
    s->max = v > s->max ? v : s->max;
}

int main(int argc, char **argv)
{
    uint64_t keys = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    const char *bs = getenv("FOLIO_BENCH_SNAP_BLOCKS");
    uint64_t blocks = bs ? strtoull(bs, NULL, 10) : 1000000;
    char dir[] = "/tmp/folio-bench-snap.XXXXXX", cmd[600];
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (keys < 2 || keys >= REG_MARK || blocks < 2 || rounds < 1 || rounds > 10 || !mkdtemp(dir)) {
        fprintf(stderr, "usage: bench_snap [KEYS 2..2^32-2] [ROUNDS 1..10]\n");
        return 2;
    }
    uint64_t version = blocks - 1; /* the checkpoint: the state after block H, certified by H+1 */
    spread sync = {1e18, 0}, joiner = {1e18, 0}, floor = {1e18, 0}, ratio = {1e18, 0},
           jratio = {1e18, 0};
    long sync_peak = -1, setup_max = -1;
    for (int r = 0; r < rounds; r++) {
        ldg_store *src = fresh(dir, "served"), *dst = fresh(dir, "synced"),
                  *pl = fresh(dir, "floor");
        LDG_ASSERT(src && dst && pl);
        ldg_hash root;
        double setup = load_served(src, keys, version, &root);
        double fl = write_floor(pl, keys);
        ldg_store_close(pl);
        long setup_peak = peak_mib(); /* the setup's and the floor's */
        setup_max = setup_peak > setup_max ? setup_peak : setup_max;
        long before = (reset_peak(), peak_mib());
        sync_fig f;
        sync_state(src, dst, version, &root, &f);
        long peak = peak_mib();
        sync_peak = peak > sync_peak ? peak : sync_peak;
        /* a sync begun again on the full store: its state deleted */
        long rb = (reset_peak(), peak_mib());
        double t0 = now_s();
        ldg_snap_checkpoint cp = {.height = version + 1, .state_root = root};
        uint8_t raw[1] = {0xc0};
        cp.raw = raw, cp.raw_len = 1;
        LDG_ASSERT(ldg_snap_store_begin(dst, &cp) == LDG_OK);
        double restart = now_s() - t0;
        long rpeak = peak_mib();
        double own = f.total - f.serve;
        printf("round %d, %llu keys, checkpoint at block %llu of %llu (the history below it is "
               "not read: no block record generated): setup (bulk load of the served state) "
               "%.2f s; state sync %.2f s = begin %.2f + serving %.2f (the peers' side) + "
               "verify %.2f + apply %.2f + finish %.2f + open %.2f (%llu chunks, %llu KiB); "
               "floor (state puts alone, synced blocks of 1,000) %.2f s; sync/floor %.2f, "
               "without the serving side %.2f; peak RSS during the sync %ld MiB (%ld before "
               "it); begin again on the full store %.2f s, +%ld MiB\n",
               r + 1, (unsigned long long)keys, (unsigned long long)version,
               (unsigned long long)blocks, setup, f.total, f.begin, f.serve, f.verify, f.apply,
               f.finish, f.open, (unsigned long long)f.chunks, (unsigned long long)(f.bytes / 1024),
               fl, f.total / fl, own / fl, peak, before, restart, rpeak - rb);
        note(&sync, f.total), note(&joiner, own), note(&floor, fl);
        note(&ratio, f.total / fl), note(&jratio, own / fl);
        ldg_store_close(src);
        ldg_store_close(dst);
    }
    printf("state sync of %llu keys over %d rounds: %.2f..%.2f s (without the serving side "
           "%.2f..%.2f s); floor %.2f..%.2f s; sync/floor %.2f..%.2f (without the serving side "
           "%.2f..%.2f); peak RSS %ld MiB during the syncs (serving and syncing sides in one "
           "process), %ld MiB during the setup and floor (the setup's sort of every path)\n",
           (unsigned long long)keys, rounds, sync.min, sync.max, joiner.min, joiner.max, floor.min,
           floor.max, ratio.min, ratio.max, jratio.min, jratio.max, sync_peak, setup_max);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
