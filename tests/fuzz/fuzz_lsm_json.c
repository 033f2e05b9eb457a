/* libFuzzer target for the LSM input decoder (settlement/stl_lsm_json) and, on what it
 * accepts, the LSM solvers.
 *
 * Properties checked on every input, not just "no crash":
 * - a rejected input leaves a non-empty, NUL-terminated sentence and a zeroed document;
 * - an accepted document is consistent: names sorted and distinct, every leg's accounts in
 *   range with the same asset and different participants, instructions sorted by id;
 * - the solver (small work limit) returns OK or OVERFLOW; on OK, stl_lsm_check accepts the
 *   chosen set, its value, count and final balances match the result, method ALL settles
 *   everything, and a second run gives the same bytes (determinism);
 * - the classic baseline's answer is feasible too, and never worth more than an EXACT one.
 * The decoder never reads past `size` (ASan: the input is copied to an exact-size buffer). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldg_assert.h"
#include "stl_lsm.h"
#include "stl_lsm_json.h"

/* Small: the fuzzer should spend its time on decoding and on many short solves. */
#define FUZZ_LSM_WORK 20000

typedef struct fuzz_run {
    stl_lsm_result r;
    stl_lsm_rc rc;
} fuzz_run;

static void fuzz_solve(fuzz_run *out, void *ws, size_t bytes, const stl_lsm_problem *p,
                       bool classic)
{
    out->r.settled = calloc(p->instr_count + 1, 1);
    out->r.final_balances = calloc(p->account_count + 1, sizeof(uint64_t));
    LDG_ASSERT(out->r.settled && out->r.final_balances);
    out->rc = classic ? stl_lsm_solve_classic(&out->r, ws, bytes, p)
                      : stl_lsm_solve(&out->r, ws, bytes, p);
    LDG_ASSERT(out->rc == STL_LSM_OK || out->rc == STL_LSM_OVERFLOW);
    if (out->rc != STL_LSM_OK)
        return;
    int64_t *scratch = calloc(p->account_count + 1, sizeof(int64_t));
    LDG_ASSERT(scratch);
    uint64_t value = 0;
    LDG_ASSERT(stl_lsm_check(&value, scratch, p, out->r.settled));
    LDG_ASSERT(value == out->r.settled_value);
    uint32_t count = 0;
    for (uint32_t i = 0; i < p->instr_count; i++) {
        LDG_ASSERT(out->r.settled[i] <= 1);
        count += out->r.settled[i];
    }
    LDG_ASSERT(count == out->r.settled_count);
    for (uint32_t a = 0; a < p->account_count; a++)
        LDG_ASSERT(scratch[a] >= 0 && (uint64_t)scratch[a] == out->r.final_balances[a]);
    if (out->r.method == STL_LSM_ALL)
        LDG_ASSERT(count == p->instr_count);
    LDG_ASSERT(out->r.method == (classic ? STL_LSM_CLASSIC : out->r.method));
    free(scratch);
}

static void fuzz_free(fuzz_run *x)
{
    free(x->r.settled);
    free(x->r.final_balances);
}

static void check_doc(const stl_lsm_doc *d)
{
    for (uint32_t k = 1; k < d->participant_count; k++)
        LDG_ASSERT(strcmp(d->participants[k - 1], d->participants[k]) < 0);
    for (uint32_t k = 1; k < d->asset_count; k++)
        LDG_ASSERT(strcmp(d->assets[k - 1], d->assets[k]) < 0);
    for (uint32_t i = 1; i < d->instr_count; i++)
        LDG_ASSERT(strcmp(d->ids[d->instrs[i - 1].id], d->ids[d->instrs[i].id]) < 0);
    const stl_lsm_problem *p = &d->problem;
    LDG_ASSERT(p->account_count == d->account_count && p->instr_count == d->instr_count);
    for (uint32_t i = 0; i < d->instr_count; i++) {
        const stl_lsm_instr *in = &d->instrs[i];
        LDG_ASSERT(in->leg_count >= 1 && in->leg_count <= STL_LSM_LEGS_MAX);
        LDG_ASSERT(in->leg_first + in->leg_count <= d->leg_count);
        for (uint32_t l = in->leg_first; l < in->leg_first + in->leg_count; l++) {
            const stl_lsm_leg *g = &d->legs[l];
            LDG_ASSERT(g->from < d->account_count && g->to < d->account_count);
            LDG_ASSERT(d->account_asset[g->from] == d->account_asset[g->to]);
            LDG_ASSERT(d->account_participant[g->from] != d->account_participant[g->to]);
            LDG_ASSERT(g->amount <= STL_AMOUNT_MAX);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1), err[256];
    if (!text)
        return 0;
    memcpy(text, data, size);
    memset(err, 'x', sizeof err);
    stl_lsm_doc d;
    ldg_err e = stl_lsm_doc_parse(&d, err, sizeof err, text, size);
    free(text);
    if (e != LDG_OK) {
        LDG_ASSERT(e == LDG_ERR_DECODE || e == LDG_ERR_INVALID || e == LDG_ERR_TOO_LARGE ||
                   e == LDG_ERR_NOMEM);
        LDG_ASSERT(memchr(err, 0, sizeof err) != NULL && err[0] != 0);
        LDG_ASSERT(d.instrs == NULL && d.legs == NULL && d.balances == NULL && d.instr_count == 0 &&
                   d.account_count == 0);
        stl_lsm_doc_free(&d);
        return 0;
    }
    check_doc(&d);
    d.problem.work_limit = FUZZ_LSM_WORK;
    size_t bytes = stl_lsm_workspace_bytes(d.account_count, d.instr_count, d.leg_count);
    void *ws = aligned_alloc(16, (bytes + 15) & ~(size_t)15);
    LDG_ASSERT(ws);
    fuzz_run a = {0}, b = {0}, k = {0};
    fuzz_solve(&a, ws, bytes, &d.problem, false);
    fuzz_solve(&b, ws, bytes, &d.problem, false);
    fuzz_solve(&k, ws, bytes, &d.problem, true);
    LDG_ASSERT(a.rc == b.rc && a.rc == k.rc);
    if (a.rc == STL_LSM_OK) {
        LDG_ASSERT(memcmp(a.r.settled, b.r.settled, d.instr_count) == 0);
        LDG_ASSERT(a.r.settled_value == b.r.settled_value && a.r.work_used == b.r.work_used);
        if (a.r.method == STL_LSM_EXACT || a.r.method == STL_LSM_ALL)
            LDG_ASSERT(k.r.settled_value <= a.r.settled_value);
    }
    fuzz_free(&a);
    fuzz_free(&b);
    fuzz_free(&k);
    free(ws);
    stl_lsm_doc_free(&d);
    return 0;
}

/* Seeds for the standalone smoke driver: small valid documents to mutate. */
size_t folio_fuzz_seed(uint8_t *out, size_t cap, unsigned index)
{
    static const char *const seeds[] = {
        /* gridlock: zero balances, a cycle of equal amounts */
        "{\"balances\":{\"A\":{\"CNY\":0},\"B\":{\"CNY\":0},\"C\":{\"CNY\":0}},"
        "\"instructions\":[{\"id\":\"p1\",\"legs\":[{\"from\":\"A\",\"to\":\"B\",\"asset\":"
        "\"CNY\",\"amount\":5}]},{\"id\":\"p2\",\"legs\":[{\"from\":\"B\",\"to\":\"C\","
        "\"asset\":\"CNY\",\"amount\":5}]},{\"id\":\"p3\",\"legs\":[{\"from\":\"C\",\"to\":"
        "\"A\",\"asset\":\"CNY\",\"amount\":5}]}]}",
        /* DvP: two assets, two legs */
        "{\"balances\":{\"S\":{\"BOND\":10,\"CNY\":0},\"T\":{\"CNY\":100}},"
        "\"instructions\":[{\"id\":\"d1\",\"legs\":[{\"from\":\"T\",\"to\":\"S\",\"asset\":"
        "\"CNY\",\"amount\":99},{\"from\":\"S\",\"to\":\"T\",\"asset\":\"BOND\",\"amount\":"
        "10}]},{\"id\":\"d0\",\"legs\":[{\"from\":\"T\",\"to\":\"S\",\"asset\":\"CNY\","
        "\"amount\":2}]}]}",
        /* value over count, nothing-settles neighbour */
        "{\"balances\":{\"A\":{\"CNY\":10},\"B\":{\"CNY\":0},\"C\":{}},"
        "\"instructions\":[{\"id\":\"big\",\"legs\":[{\"from\":\"A\",\"to\":\"B\",\"asset\":"
        "\"CNY\",\"amount\":10}]},{\"id\":\"s1\",\"legs\":[{\"from\":\"A\",\"to\":\"C\","
        "\"asset\":\"CNY\",\"amount\":4}]},{\"id\":\"s2\",\"legs\":[{\"from\":\"A\",\"to\":"
        "\"C\",\"asset\":\"CNY\",\"amount\":4}]},{\"id\":\"n\",\"legs\":[{\"from\":\"C\","
        "\"to\":\"B\",\"asset\":\"CNY\",\"amount\":7}]}]}",
        /* amounts near the limit: overflow of the sums */
        "{\"balances\":{\"A\":{\"X\":4611686018427387904},\"B\":{\"X\":4611686018427387904}},"
        "\"instructions\":[{\"id\":\"a\",\"legs\":[{\"from\":\"A\",\"to\":\"B\",\"asset\":"
        "\"X\",\"amount\":4611686018427387904}]},{\"id\":\"b\",\"legs\":[{\"from\":\"A\","
        "\"to\":\"B\",\"asset\":\"X\",\"amount\":4611686018427387904}]}]}",
        /* empty queue */
        "{\"balances\":{},\"instructions\":[]}",
    };
    if (index >= sizeof seeds / sizeof seeds[0])
        return 0;
    size_t n = strlen(seeds[index]);
    if (n > cap)
        return 0;
    memcpy(out, seeds[index], n);
    return n;
}
