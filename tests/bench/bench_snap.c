/* Benchmark: state sync (specs/sync.md) of a state of KEYS keys, beside replaying the
 * blocks that wrote it, in the same run, ROUNDS times.
 *
 *   bench_snap [KEYS] [ROUNDS]
 *
 * The state (default 200,000 keys): half holdings of one instrument (its register), half
 * 33-byte plain keys, written in blocks of 1,000 new keys.
 * - replay: those blocks written again, each as a node commits one (state puts + the tree's
 *   nodes, one synced batch): the storage side of block replay, without executing or
 *   checking signatures, so a lower bound on replaying them;
 * - floor: the same state puts alone in blocks of 1,000, synced (no tree);
 * - state sync: every chunk of the state after the last block built from the replayed
 *   store (ldg_snap_build, LDG_SNAP_CHUNK_KEYS_MAX leaves), checked (ldg_snap_verify) and
 *   applied to a fresh store (ldg_snap_store_apply: one synced batch per chunk), then the
 *   finish (the tree built and checked against the root). In one process, no network: the
 *   network's share is one round trip per chunk, hidden by LDG_SNAP_CHUNKS_IN_FLIGHT.
 * Prints each round, then the spread (min..max) and the peak resident memory, of the whole
 * process and during the syncs (the serving side included). FOLIO_BENCH_SNAP_LOAD=N loads
 * the served state in unsynced blocks of N keys instead (a large state in less time). */
#include "ldg_snap.h"
#include "ldg_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define BLOCK 1000
#define KEY_LEN 33

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

typedef struct row {
    uint8_t k[KEY_LEN], v[5];
} row;

static int row_cmp(const void *a, const void *b)
{
    return memcmp(((const row *)a)->k, ((const row *)b)->k, KEY_LEN);
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

static ldg_store *fresh(const char *dir, const char *name)
{
    char path[512], cmd[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(cmd, sizeof cmd, "rm -rf %s", path);
    ldg_store *s;
    return system(cmd) == 0 && ldg_store_open(&s, path, false) == LDG_OK ? s : NULL;
}

/* Writes the blocks (with the tree if t); the root after the last in *root. */
static double write_blocks(ldg_store *s, ldg_smt *t, uint64_t keys, ldg_hash *root, uint64_t per,
                           bool sync)
{
    double t0 = now_s();
    row *r = malloc(per * sizeof *r);
    ldg_write *w = malloc(per * sizeof *w);
    LDG_ASSERT(r && w);
    for (uint64_t b = 0; b * per < keys; b++) {
        size_t n = 0;
        for (uint64_t i = b * per; i < keys && n < per; i++, n++) {
            make_key(i, r[n].k);
            r[n].v[0] = 0xce; /* a canonical u32 amount: 0x10000 + i */
            for (int j = 0; j < 4; j++)
                r[n].v[1 + j] = (uint8_t)((0x10000 + i) >> (24 - 8 * j));
        }
        qsort(r, n, sizeof *r, row_cmp);
        ldg_batch *bt = ldg_batch_new(s);
        for (size_t i = 0; i < n; i++) {
            w[i] = (ldg_write){r[i].k, KEY_LEN, r[i].v, 5};
            ldg_batch_put(bt, LDG_CF_STATE, r[i].k, KEY_LEN, r[i].v, 5);
        }
        if (t) {
            LDG_ASSERT(ldg_smt_update(t, b, w, n, root) == LDG_OK);
            const ldg_write *tw;
            size_t tn = ldg_smt_staged(t, &tw);
            for (size_t i = 0; i < tn; i++)
                if (tw[i].val)
                    ldg_batch_put(bt, LDG_CF_TREE, tw[i].key, tw[i].klen, tw[i].val, tw[i].vlen);
                else
                    ldg_batch_delete(bt, LDG_CF_TREE, tw[i].key, tw[i].klen);
        }
        LDG_ASSERT(ldg_store_write(s, bt, sync) == LDG_OK);
        ldg_batch_free(bt);
        if (t) {
            ldg_smt_commit(t);
            ldg_smt_stored(t, b);
        }
    }
    free(r);
    free(w);
    return now_s() - t0;
}

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

/* Syncs dst from the tree of src at version: every chunk built, checked, applied. */
static double sync_state(ldg_store *src, ldg_store *dst, uint64_t version, const ldg_hash *root,
                         uint64_t *chunks, uint64_t *bytes, double *finish)
{
    double t0 = now_s();
    ldg_snap_checkpoint cp = {.height = version, .state_root = *root};
    uint8_t raw[1] = {0xc0};
    cp.raw = raw;
    cp.raw_len = 1;
    LDG_ASSERT(ldg_snap_store_begin(dst, &cp) == LDG_OK);
    ldg_state_base tb = {tree_get, tree_scan, src, NULL, NULL, NULL};
    ldg_snap_task tasks[LDG_SNAP_CHUNKS_IN_FLIGHT];
    size_t n;
    *chunks = *bytes = 0;
    while (ldg_snap_store_tasks(dst, 0, tasks, LDG_SNAP_CHUNKS_IN_FLIGHT, &n) == LDG_OK && n) {
        for (size_t i = 0; i < n; i++) {
            ldg_enc e;
            ldg_enc_init(&e);
            LDG_ASSERT(ldg_snap_build(tb, version, &tasks[i], LDG_SNAP_CHUNK_KEYS_MAX, &e) ==
                       LDG_OK);
            ldg_snap_chunk c;
            char why[256];
            LDG_ASSERT(ldg_snap_verify(&c, &tasks[i], version, ldg_enc_data(&e), ldg_enc_len(&e),
                                       why, sizeof why) == LDG_OK);
            LDG_ASSERT(ldg_snap_store_apply(dst, &tasks[i], &c) == LDG_OK);
            *bytes += ldg_enc_len(&e);
            (*chunks)++;
            ldg_snap_chunk_free(&c);
            ldg_enc_free(&e);
        }
    }
    char why[256];
    double t1 = now_s();
    LDG_ASSERT(ldg_snap_store_finish(dst, &cp, why, sizeof why) == LDG_OK);
    *finish = now_s() - t1;
    return now_s() - t0;
}

int main(int argc, char **argv)
{
    uint64_t keys = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    char dir[] = "/tmp/folio-bench-snap.XXXXXX", cmd[600];
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (keys < 2 || rounds < 1 || rounds > 10 || !mkdtemp(dir)) {
        fprintf(stderr, "usage: bench_snap [KEYS >= 2] [ROUNDS 1..10]\n");
        return 2;
    }
    double smin = 1e9, smax = 0, rmin = 1e9, rmax = 0, fmin = 1e9, fmax = 0;
    long sync_peak = -1;
    /* FOLIO_BENCH_SNAP_LOAD=N: the served state is loaded in unsynced blocks of N keys (for
     * a large state: its "replay" time is then not a replay of 1,000-key blocks) */
    const char *ls = getenv("FOLIO_BENCH_SNAP_LOAD");
    uint64_t load = ls ? strtoull(ls, NULL, 10) : 0;
    for (int r = 0; r < rounds; r++) {
        ldg_store *src = fresh(dir, "replay"), *dst = fresh(dir, "synced"),
                  *pl = fresh(dir, "floor");
        ldg_smt *t;
        LDG_ASSERT(src && dst && pl);
        LDG_ASSERT(ldg_smt_open(&t, (ldg_state_base){tree_get, tree_scan, src, NULL, NULL, NULL}, 0,
                                true) == LDG_OK);
        ldg_hash root;
        double replay = write_blocks(src, t, keys, &root, load ? load : BLOCK, !load);
        double floor = write_blocks(pl, NULL, keys, NULL, BLOCK, true);
        uint64_t version = (keys + (load ? load : BLOCK) - 1) / (load ? load : BLOCK) - 1;
        uint64_t chunks, bytes;
        ldg_smt_free(t); /* the replay side's tree and cache leave before the sync */
        t = NULL;
        long before = (reset_peak(), peak_mib());
        double fin;
        double sync = sync_state(src, dst, version, &root, &chunks, &bytes, &fin);
        long peak = peak_mib();
        sync_peak = peak > sync_peak ? peak : sync_peak;
        printf("round %d, %llu keys (%llu blocks): state sync %.2f s (%llu chunks, %llu KiB; the "
               "finish, building the tree, %.2f s); "
               "%s %.2f s; floor (state puts alone, synced blocks of 1,000) %.2f s; "
               "sync/replay %.2f, sync/floor %.2f; peak RSS during the sync %ld MiB (%ld "
               "before it)\n",
               r + 1, (unsigned long long)keys, (unsigned long long)version + 1, sync,
               (unsigned long long)chunks, (unsigned long long)(bytes / 1024), fin,
               load ? "load of the served state in unsynced blocks (no replay figure)"
                    : "replay of the blocks' writes",
               replay, floor, sync / replay, sync / floor, peak, before);
        smin = sync < smin ? sync : smin, smax = sync > smax ? sync : smax;
        rmin = replay < rmin ? replay : rmin, rmax = replay > rmax ? replay : rmax;
        fmin = floor < fmin ? floor : fmin, fmax = floor > fmax ? floor : fmax;
        ldg_smt_free(t);
        ldg_store_close(src);
        ldg_store_close(dst);
        ldg_store_close(pl);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("state sync of %llu keys over %d rounds: %.2f..%.2f s; replay %.2f..%.2f s; floor "
           "%.2f..%.2f s; peak RSS %ld MiB (both sides in one process), %ld MiB during the "
           "syncs (serving and syncing sides)\n",
           (unsigned long long)keys, rounds, smin, smax, rmin, rmax, fmin, fmax,
           ru.ru_maxrss / 1024, sync_peak);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
