/* A consistency proof of a large subject log (specs/evidence.md §4, §5 `evidence
 * consistency`): from the log's stored interior nodes (ldg_ev_log_consistency, O(log^2 n)
 * node reads) against the way it was built before, measured in the same run on the same
 * state: every entry up to N read and decoded into its leaf, then RFC 9162 over the leaves
 * (still the path for logs begun before the nodes were kept). The state is the in-memory
 * store of the tests (a RocksDB read costs more, so the ratio is a floor). Prints both and
 * their ratio.
 *
 *   bench_evlog [SLICES]       (default 100000 anchors in one subject's log)            */
#include "ldg_ev.h"
#include "ldg_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct leaf_scan {
    ldg_hash *leaves;
    size_t n, want;
} leaf_scan;

/* The former reading: each entry decoded into its log leaf. */
static bool on_entry(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    leaf_scan *ls = arg;
    (void)k, (void)kl;
    ldg_dec d;
    const msgpack_object *f;
    ldg_hash root;
    uint64_t count, t0, t1;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return false;
    bool ok = ldg_obj_array(d.root, 7, &f) && ldg_obj_bin(&f[0], root.b, LDG_HASH_LEN) &&
              ldg_obj_u64(&f[1], &count) && ldg_obj_u64(&f[2], &t0) && ldg_obj_u64(&f[3], &t1);
    ldg_dec_free(&d);
    if (ok)
        ldg_ev_log_leaf(&ls->leaves[ls->n++], &root, count, t0, t1);
    return ok && ls->n < ls->want;
}

static bool from_leaves(ldg_state *st, const ldg_account *a, uint64_t m, uint64_t n,
                        ldg_hash *proof, size_t *pl, ldg_hash *rn)
{
    uint8_t prefix[2 + LDG_ACCOUNT_LEN] = {'P', 'l'};
    memcpy(prefix + 2, a->b, LDG_ACCOUNT_LEN);
    leaf_scan ls = {.leaves = malloc(n * sizeof(ldg_hash)), .want = n};
    bool ok = ldg_state_scan(st, prefix, sizeof prefix, n, on_entry, &ls) == LDG_OK && ls.n == n;
    if (ok) {
        *pl = ldg_ev_consistency(proof, ls.leaves, n, m);
        ldg_ev_root(rn, ls.leaves, n);
    }
    free(ls.leaves);
    return ok;
}

int main(int argc, char **argv)
{
    long slices = argc > 1 ? atol(argv[1]) : 100000;
    if (slices < 16)
        return 2;
    ldg_memkv *kv = ldg_memkv_new();
    ldg_state *st = ldg_state_new(ldg_memkv_base(kv));
    ldg_account subject;
    memset(subject.b, 0x42, LDG_ACCOUNT_LEN);
    ldg_ev_head h = {0};
    for (uint64_t i = 0; i < (uint64_t)slices; i++) {
        ldg_ev_entry en = {.subject = subject,
                           .record_count = 65536,
                           .time_first = i,
                           .time_last = i,
                           .height = i};
        ldg_hash leaf;
        ldg_sha256(&en.slice_root, &i, sizeof i);
        ldg_sha256(&en.anchor_txid, en.slice_root.b, LDG_HASH_LEN);
        ldg_ev_log_leaf(&leaf, &en.slice_root, en.record_count, i, i);
        ldg_ev_log_append(st, &h, &en, &leaf);
    }
    const ldg_write *w;
    size_t nw = ldg_state_writes(st, &w);
    ldg_memkv_apply(kv, w, nw); /* committed, as a node reads it */
    ldg_state_free(st);
    st = ldg_state_new(ldg_memkv_base(kv));
    const int reps = 5;
    double old_t = 0, new_t = 0;
    uint64_t n = (uint64_t)slices;
    for (int k = 0; k < reps; k++) {
        uint64_t m = n / 3 + (uint64_t)k * 1237;
        ldg_hash p1[LDG_EV_PATH_MAX], p2[LDG_EV_PATH_MAX], r1, r2, rm;
        size_t l1 = 0, l2 = 0;
        double t0 = now_s();
        if (!from_leaves(st, &subject, m, n, p1, &l1, &r1))
            return 1;
        old_t += now_s() - t0;
        t0 = now_s();
        if (ldg_ev_log_consistency(st, &subject, m, n, p2, &l2, &rm, &r2) != LDG_OK)
            return 1;
        new_t += now_s() - t0;
        if (l1 != l2 || memcmp(p1, p2, l1 * sizeof *p1) || memcmp(r1.b, r2.b, LDG_HASH_LEN) ||
            !ldg_ev_consistency_verify(m, n, &rm, &r2, p2, l2))
            return 1;
    }
    printf("consistency proof in a subject log of %ld slices (mean of %d, %zu state keys):\n"
           "  from every entry's leaf (before): %.1f ms\n"
           "  from stored interior nodes:       %.3f ms\n"
           "  ratio before / nodes: %.0fx\n",
           slices, reps, ldg_memkv_count(kv), old_t / reps * 1e3, new_t / reps * 1e3,
           old_t / new_t);
    ldg_state_free(st);
    ldg_memkv_free(kv);
    return 0;
}
