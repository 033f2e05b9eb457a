/* The state tree's pruning (specs/state.md §5.6): the nodes replaced at the new floor
 * leave in the block's batch. */
#include "ldg_smt_int.h"

#include <stdlib.h>
#include <string.h>

/* Stages the deletes of the nodes a stale record lists, and of the record. */
static ldg_err prune_list(ldg_smt *t, const uint8_t *rk, const uint8_t *v, size_t vl)
{
    for (size_t at = 0; at < vl;) {
        size_t kl = v[at];
        if (kl == 0 || kl > NODE_KEY_MAX || at + 1 + kl > vl)
            return LDG_ERR_CORRUPT;
        smt_stage(t, v + at + 1, kl, NULL, 0, false, 0);
        at += 1 + kl;
    }
    smt_stage(t, rk, 9, NULL, 0, false, 0);
    return LDG_OK;
}

ldg_err smt_stage_prune(ldg_smt *t, uint64_t v)
{
    if (t->retain == LDG_SMT_LATEST_ONLY && v > 0) {
        uint8_t rk[9];
        version_key(rk, v - 1, ROOT_KEY);
        smt_stage(t, rk, sizeof rk, NULL, 0, false, 0);
        return LDG_OK;
    }
    if (!t->retain || v < t->retain)
        return LDG_OK;
    uint64_t floor = v - t->retain + 1; /* versions floor..v stay readable */
    uint8_t sk[9], *sv;
    size_t svl;
    version_key(sk, floor, STALE_KEY);
    ldg_err err = smt_base_get(&t->base, sk, sizeof sk, &sv, &svl);
    if (err == LDG_OK) {
        err = prune_list(t, sk, sv, svl);
        free(sv);
    } else if (err == LDG_ERR_NOT_FOUND) {
        err = LDG_OK; /* nothing was replaced at the floor */
    }
    if (err != LDG_OK)
        return err;
    uint8_t rk[9], fk[1] = {FLOOR_KEY}, fv[8];
    version_key(rk, floor - 1, ROOT_KEY);
    smt_stage(t, rk, sizeof rk, NULL, 0, false, 0);
    put_be64(fv, floor);
    smt_stage(t, fk, 1, fv, 8, false, 0);
    return LDG_OK;
}

ldg_err ldg_smt_floor(ldg_state_base base, uint64_t *floor)
{
    uint8_t fk[1] = {FLOOR_KEY}, *v;
    size_t vl;
    *floor = 0;
    ldg_err err = smt_base_get(&base, fk, 1, &v, &vl);
    if (err == LDG_ERR_NOT_FOUND)
        return LDG_OK;
    if (err != LDG_OK)
        return err;
    if (vl == 8)
        *floor = get_be64(v);
    free(v);
    return vl == 8 ? LDG_OK : LDG_ERR_CORRUPT;
}
