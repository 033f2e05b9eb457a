/* The classic gridlock-resolution baseline (benchmarks and comparisons only): settle the
 * whole queue; while accounts are in deficit, each account in deficit at the start of a
 * round drops its newest (highest-index) outflow still in the set. */
#include <string.h>

#include "ldg_assert.h"
#include "stl_lsm_int.h"

/* Drops the newest instruction in the set that debits account a, if any. Debit lists are
 * in index order after setup; cursor[a] walks down from the end. */
static void stl_classic_drop_newest(stl_lsm_ctx *c, uint32_t a)
{
    while (c->cursor[a] > c->deb_first[a]) {
        uint32_t i = c->deb[--c->cursor[a]].instr;
        c->work++;
        if (c->in[i]) {
            stl_lsm_remove(c, i);
            return;
        }
    }
}

stl_lsm_rc stl_lsm_solve_classic(stl_lsm_result *result, void *workspace, size_t workspace_bytes,
                                 const stl_lsm_problem *problem)
{
    LDG_ASSERT(result && result->settled && result->final_balances);
    stl_lsm_ctx c;
    stl_lsm_rc rc = stl_lsm_setup(&c, workspace, workspace_bytes, problem);
    if (rc != STL_LSM_OK)
        return rc;
    for (uint32_t i = 0; i < c.n; i++)
        stl_lsm_add(&c, i);
    for (uint32_t a = 0; a < c.accounts; a++)
        c.cursor[a] = c.deb_first[a + 1];
    while (c.deficit > 0) {
        uint32_t count = 0;
        for (uint32_t a = 0; a < c.accounts; a++)
            if (c.bal[a] < 0)
                c.queue[count++] = a;
        for (uint32_t k = 0; k < count; k++)
            stl_classic_drop_newest(&c, c.queue[k]);
    }
    stl_lsm_emit(result, &c, STL_LSM_CLASSIC);
    return STL_LSM_OK;
}
