/* Private to stl_lsm*.c: the solver's working state, laid out in the caller's workspace. */
#ifndef STL_LSM_INT_H
#define STL_LSM_INT_H

#include "stl_lsm.h"

/* One instruction debiting one account, in the per-account debit lists. */
typedef struct stl_lsm_debit {
    int64_t amount; /* > 0: what the instruction takes from the account (net of its credits) */
    uint32_t instr;
    uint32_t pad;
} stl_lsm_debit;

typedef struct stl_lsm_ctx {
    const stl_lsm_problem *p;
    uint32_t n, accounts;
    /* Net effect of each instruction per account, legs aggregated, zeros dropped, sorted
     * by account: instruction i touches eff_acc/eff_delta[eff_first[i] .. eff_first[i+1]). */
    uint32_t *eff_first, *eff_acc;
    int64_t *eff_delta;
    int64_t *value; /* first-leg amount */
    /* Per account: the instructions with a negative effect on it, [deb_first[a], ..[a+1]). */
    uint32_t *deb_first;
    stl_lsm_debit *deb;
    /* The current set and its balances. deficit = sum over accounts of max(0, -bal). */
    uint8_t *in, *lock;
    uint8_t *best; /* the best set of an earlier start */
    int64_t *bal;
    __int128 deficit;
    int64_t cur_value;
    uint32_t in_count;
    uint32_t *order;   /* instructions by value descending, index ascending */
    bool local_scores; /* removal scores ignore the payees' side */
    uint32_t banned;   /* never re-added by stl_lsm_readd (UINT32_MAX: none) */
    /* Undo journal of one insert-and-repair attempt: instruction | STL_LSM_LOG_ADDED. */
    uint32_t *log;
    uint32_t log_len;
    bool logging;
    /* Coarse construction: FIFO of accounts in deficit, cursor into each debit list. */
    uint32_t *queue, *cursor;
    uint8_t *queued;
    int64_t *opt; /* branch and bound: optimistic balances */
    /* Flow relaxation (stl_lsm_flow.c). Payments (one debit, one credit of the amount that
     * is also the value) sorted by (from, to, value desc, index) in fl_idx[0..fl_count);
     * arc e = one (from, to) pair, its payments fl_idx[arc_first[e] .. arc_first[e+1]),
     * total arc_cap[e], of which arc_red[e] is held back; arcs are sorted by from
     * (out_first) and listed by to in in_arc[in_first[a] ..). Nodes: accounts, then source
     * and sink. */
    uint32_t *fl_idx, *arc_first, *arc_from, *arc_to, *out_first, *in_first, *in_arc, *prev;
    uint32_t fl_count, arc_count;
    int64_t *arc_cap, *arc_red, *supply, *slack, *dist, *pot;
    uint8_t *done;
    uint64_t *credit_sum, *debit_sum; /* validation */
    uint64_t work, work_limit;
} stl_lsm_ctx;

#define STL_LSM_LOG_ADDED 0x80000000u

/* Validates the problem and builds effects, values and debit lists (stl_lsm.c). */
stl_lsm_rc stl_lsm_setup(stl_lsm_ctx *c, void *workspace, size_t workspace_bytes,
                         const stl_lsm_problem *p);
/* Set membership, keeping bal, deficit, value and the journal in step. */
void stl_lsm_add(stl_lsm_ctx *c, uint32_t i);
void stl_lsm_remove(stl_lsm_ctx *c, uint32_t i);
/* Copies the current set into *r (asserts feasibility). */
void stl_lsm_emit(stl_lsm_result *r, const stl_lsm_ctx *c, stl_lsm_method method);

/* Deterministic heapsort (total orders only), for the solver's files. */
typedef bool (*stl_lsm_less_fn)(const stl_lsm_ctx *c, const void *x, const void *y);
void stl_lsm_heapsort(void *base, size_t n, size_t size, stl_lsm_less_fn less,
                      const stl_lsm_ctx *c);

/* Flow relaxation start (payments only): solves the LP relaxation restricted to the
 * payments as a min-cost flow (integers, successive shortest paths), then makes the
 * current set (from empty) the payments of each arc, largest first, that fit the arc's
 * flow. The set may be infeasible (rounding); the caller repairs it. Returns false if the
 * queue has no payments or the budget ran out (the set is then left empty). Sets *bound
 * to the relaxation's value (an upper bound on any set of payments). */
bool stl_lsm_flow_start(stl_lsm_ctx *c, int64_t *bound);

/* Branch and bound over the first n <= 63 instructions, seeded with the current set as
 * incumbent; on return the current set is the best found. True if the search completed
 * (the set is optimal). (stl_lsm_exact.c) */
bool stl_lsm_exact(stl_lsm_ctx *c);

#endif
