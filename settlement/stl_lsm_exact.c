/* Exact LSM on small queues: depth-first branch and bound over instructions by value
 * descending (include first), seeded with the heuristic's value as incumbent.
 *
 * Invariant: opt[a] = balance of a if every included and every undecided instruction
 * settled, i.e. balance + credits of included and undecided - debits of included. Credits
 * of undecided instructions can only help, so opt[a] < 0 means no completion is feasible;
 * at a leaf opt is the true final balance. Bound: value so far + value of all undecided
 * instructions must beat the incumbent. */
#include <string.h>

#include "ldg_assert.h"
#include "stl_lsm_int.h"

typedef struct stl_bb {
    stl_lsm_ctx *c;
    uint32_t n;
    int64_t suffix[STL_LSM_EXACT_INSTR_MAX + 1]; /* value of order[k..n) */
    uint64_t mask, best_mask;
    int64_t best;
    bool improved, aborted;
} stl_bb;

_Static_assert(STL_LSM_EXACT_INSTR_MAX < 64, "choices fit one 64-bit mask");

/* Applies sign * (the part of instruction i's effects with sign `part`) to opt; returns
 * false (and leaves opt unchanged) if an account would go negative. */
static bool stl_bb_shift(stl_lsm_ctx *c, uint32_t i, int part, int sign)
{
    uint32_t lo = c->eff_first[i], hi = c->eff_first[i + 1];
    bool ok = true;
    c->work += hi - lo;
    for (uint32_t k = lo; k < hi; k++) {
        int64_t d = c->eff_delta[k];
        if ((d < 0) != (part < 0))
            continue;
        int64_t *o = &c->opt[c->eff_acc[k]];
        *o += sign * (part < 0 ? d : -d);
        ok &= *o >= 0;
    }
    if (!ok)
        for (uint32_t k = lo; k < hi; k++) {
            int64_t d = c->eff_delta[k];
            if ((d < 0) == (part < 0))
                c->opt[c->eff_acc[k]] -= sign * (part < 0 ? d : -d);
        }
    return ok;
}

/* Undoes a successful stl_bb_shift. */
static void stl_bb_unshift(stl_lsm_ctx *c, uint32_t i, int part)
{
    for (uint32_t k = c->eff_first[i]; k < c->eff_first[i + 1]; k++) {
        int64_t d = c->eff_delta[k];
        if ((d < 0) == (part < 0))
            c->opt[c->eff_acc[k]] -= part < 0 ? d : -d;
    }
}

static void stl_bb_node(stl_bb *bb, uint32_t k, int64_t value)
{
    stl_lsm_ctx *c = bb->c;
    if (bb->aborted)
        return;
    if (c->work >= c->work_limit) {
        bb->aborted = true;
        return;
    }
    c->work++;
    if (k == bb->n) {
        if (value > bb->best) {
            bb->best = value;
            bb->best_mask = bb->mask;
            bb->improved = true;
        }
        return;
    }
    if (value + bb->suffix[k] <= bb->best)
        return;
    uint32_t i = c->order[k];
    /* Include: its debits leave the optimistic balances (its credits are already in). */
    if (stl_bb_shift(c, i, -1, 1)) {
        bb->mask |= 1ULL << k;
        stl_bb_node(bb, k + 1, value + c->value[i]);
        bb->mask &= ~(1ULL << k);
        stl_bb_unshift(c, i, -1);
    }
    /* Exclude: its credits leave the optimistic balances. */
    if (stl_bb_shift(c, i, 1, 1)) {
        stl_bb_node(bb, k + 1, value);
        stl_bb_unshift(c, i, 1);
    }
}

bool stl_lsm_exact(stl_lsm_ctx *c)
{
    LDG_ASSERT(c->n <= STL_LSM_EXACT_INSTR_MAX && c->deficit == 0);
    stl_bb bb = {.c = c, .n = c->n, .best = c->cur_value};
    bb.suffix[c->n] = 0;
    for (uint32_t k = c->n; k-- > 0;)
        bb.suffix[k] = bb.suffix[k + 1] + c->value[c->order[k]];
    for (uint32_t a = 0; a < c->accounts; a++)
        c->opt[a] = (int64_t)c->p->balances[a];
    for (uint32_t k = 0; k < c->eff_first[c->n]; k++)
        if (c->eff_delta[k] > 0)
            c->opt[c->eff_acc[k]] += c->eff_delta[k];
    stl_bb_node(&bb, 0, 0);
    if (bb.improved) {
        for (uint32_t i = 0; i < c->n; i++)
            if (c->in[i])
                stl_lsm_remove(c, i);
        for (uint32_t k = 0; k < c->n; k++)
            if (bb.best_mask & (1ULL << k))
                stl_lsm_add(c, c->order[k]);
        LDG_ASSERT(c->deficit == 0 && c->cur_value == bb.best);
    }
    return !bb.aborted;
}
