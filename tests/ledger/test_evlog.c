/* Unit tests for the subject log's stored interior nodes (ledger/evidence/ldg_ev_anchor.c
 * ldg_ev_log_append and ldg_ev_log_consistency, specs/evidence.md §4): after each append,
 * every consistency proof between two sizes built from the stored nodes equals the RFC 9162
 * proof built from all the leaves, with the same roots, and verifies; the roots are the
 * heads' peaks' root; a log without stored nodes answers NOT_FOUND (the node then reads
 * the leaves); a consistency proof reads O(log^2 n) nodes, not n entries. */
#include "testlib.h"

#include "ldg_ev.h"
#include "ldg_state.h"

static ldg_memkv *kv;
static ldg_state *st;
static ldg_account subject;

static void setup(void)
{
    kv = ldg_memkv_new();
    st = ldg_state_new(ldg_memkv_base(kv));
    memset(subject.b, 0x42, LDG_ACCOUNT_LEN);
}

static void teardown(void)
{
    ldg_state_free(st);
    ldg_memkv_free(kv);
}

static void append(ldg_ev_head *h, ldg_hash *leaves, uint64_t i)
{
    ldg_ev_entry en = {.subject = subject, .record_count = 1, .time_first = i, .time_last = i};
    ldg_sha256(&en.slice_root, &i, sizeof i);
    ldg_sha256(&en.anchor_txid, en.slice_root.b, LDG_HASH_LEN);
    ldg_ev_log_leaf(&leaves[i], &en.slice_root, 1, i, i);
    ldg_ev_log_append(st, h, &en, &leaves[i]);
    ck_assert_uint_eq(en.index, i);
}

START_TEST(proofs_from_nodes_equal_proofs_from_leaves)
{
    enum { N = 130 };
    ldg_hash leaves[N];
    ldg_ev_head h = {0};
    for (uint64_t n = 1; n <= N; n++) {
        append(&h, leaves, n - 1);
        ldg_ev_head got;
        ck_assert_int_eq(ldg_ev_head_get(st, &subject, &got), LDG_OK);
        ck_assert_uint_eq(got.peaks.size, n);
        ldg_hash head_root;
        ldg_ev_peaks_root(&got.peaks, &head_root);
        for (uint64_t m = 1; m <= n; m++) {
            ldg_hash want[LDG_EV_PATH_MAX], proof[LDG_EV_PATH_MAX], rm, rn, wm, wn;
            size_t wl = ldg_ev_consistency(want, leaves, n, m), pl = 0;
            ck_assert_int_eq(ldg_ev_log_consistency(st, &subject, m, n, proof, &pl, &rm, &rn),
                             LDG_OK);
            ck_assert_uint_eq(pl, wl);
            ck_assert_mem_eq(proof, want, wl * sizeof *want);
            ldg_ev_root(&wm, leaves, m);
            ldg_ev_root(&wn, leaves, n);
            ck_assert_mem_eq(rm.b, wm.b, LDG_HASH_LEN);
            ck_assert_mem_eq(rn.b, wn.b, LDG_HASH_LEN);
            ck_assert_mem_eq(rn.b, head_root.b, LDG_HASH_LEN);
            ck_assert(ldg_ev_consistency_verify(m, n, &rm, &rn, proof, pl));
        }
    }
}
END_TEST

START_TEST(no_nodes_not_found)
{
    ldg_account other;
    memset(other.b, 7, LDG_ACCOUNT_LEN);
    ldg_hash proof[LDG_EV_PATH_MAX], rm, rn;
    size_t pl;
    ck_assert_int_eq(ldg_ev_log_consistency(st, &other, 1, 3, proof, &pl, &rm, &rn),
                     LDG_ERR_NOT_FOUND);
}
END_TEST

/* Counts the node reads of one proof through ldg_ev_consistency_nodes. */
typedef struct counter {
    const ldg_hash *leaves;
    uint64_t reads;
} counter;

static bool count_node(void *arg, uint32_t level, uint64_t index, ldg_hash *out)
{
    counter *c = arg;
    c->reads++;
    ldg_ev_root(out, c->leaves + (index << level), (size_t)1 << level);
    return true;
}

START_TEST(proof_reads_log_squared_nodes)
{
    enum { N = 5000 };
    ldg_hash *leaves = malloc(N * sizeof *leaves);
    for (uint64_t i = 0; i < N; i++)
        ldg_sha256(&leaves[i], &i, sizeof i);
    uint64_t worst = 0;
    for (uint64_t m = 1; m < N; m += 37) {
        counter c = {leaves, 0};
        ldg_hash proof[LDG_EV_PATH_MAX], want[LDG_EV_PATH_MAX];
        size_t pl;
        ck_assert(ldg_ev_consistency_nodes(proof, &pl, N, m, count_node, &c));
        size_t wl = ldg_ev_consistency(want, leaves, N, m);
        ck_assert_uint_eq(pl, wl);
        ck_assert_mem_eq(proof, want, wl * sizeof *want);
        worst = c.reads > worst ? c.reads : worst;
    }
    ck_assert_uint_le(worst, 13 * 13); /* log2(5000) < 13 */
    free(leaves);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("evlog");
    TCase *tc = tcase_create("nodes");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, proofs_from_nodes_equal_proofs_from_leaves);
    tcase_add_test(tc, no_nodes_not_found);
    tcase_add_test(tc, proof_reads_log_squared_nodes);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
