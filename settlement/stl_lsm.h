/* The liquidity-saving mechanism (LSM): gridlock resolution over a queue of instructions.
 *
 * Problem. Accounts hold non-negative balances. Each queued instruction has one or more
 * legs {from account, to account, amount}; its legs settle together or not at all. Choose
 * the set of instructions that maximises the settled value such that every balance stays
 * non-negative after all chosen instructions settle simultaneously (queue order does not
 * matter). The value of an instruction is the amount of its first leg; the settled value
 * is the sum over the chosen instructions.
 *
 * Accounts are the caller's dense indices for (participant, asset) pairs: the caller maps
 * pairs to indices and must give both accounts of a leg the same asset. The solver never
 * looks at assets, participants or ids: it works on integers only.
 *
 * Method (specs/settlement.md, section "Liquidity-saving mechanism"): several starts (the
 * rounded LP relaxation over payments, solved as a min-cost flow in integers; constructions
 * that start from the whole queue and remove instructions by value per unit of deficit
 * removed), each followed by re-add, recovery of offsetting subsets, and insert-and-repair,
 * drop-and-refill and chain-insertion moves; then an iterated local search from the best
 * set and, on small queues, a proof of optimality by branch and bound. Every phase counts
 * elementary steps against a work budget, so a run is bounded and its result depends only
 * on the input: same input, same output, on every node. No floating point, no allocation
 * (caller workspace), no I/O, no globals. */
#ifndef STL_LSM_H
#define STL_LSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stl_limits.h"

typedef struct stl_lsm_leg {
    uint32_t from;   /* account debited */
    uint32_t to;     /* account credited; != from */
    uint64_t amount; /* <= STL_AMOUNT_MAX */
} stl_lsm_leg;

typedef struct stl_lsm_instr {
    uint64_t id;        /* carried for the caller; the solver does not look at it */
    uint32_t leg_first; /* index of the first leg in stl_lsm_problem.legs */
    uint32_t leg_count; /* 1..STL_LSM_LEGS_MAX; legs are [leg_first, leg_first + leg_count) */
} stl_lsm_instr;

/* Borrowed for the duration of the call. Ties between equal-value alternatives are broken
 * by instruction index (lower index preferred), so callers that want a result independent
 * of queue order pass the instructions sorted by id. */
typedef struct stl_lsm_problem {
    const uint64_t *balances; /* [account_count], each <= STL_AMOUNT_MAX */
    uint32_t account_count;   /* <= STL_LSM_ACCOUNT_MAX */
    const stl_lsm_instr *instrs;
    uint32_t instr_count; /* <= STL_LSM_INSTR_MAX */
    const stl_lsm_leg *legs;
    uint32_t leg_count;
    uint64_t work_limit; /* elementary steps; 0 = STL_LSM_WORK_DEFAULT; <= STL_LSM_WORK_MAX */
} stl_lsm_problem;

/* How the returned set was obtained. */
typedef enum stl_lsm_method {
    STL_LSM_ALL = 0,       /* the whole queue settles: trivially optimal */
    STL_LSM_EXACT = 1,     /* branch and bound completed: proven optimal */
    STL_LSM_HEURISTIC = 2, /* best set found within the budget; not proven optimal */
    STL_LSM_CLASSIC = 3,   /* stl_lsm_solve_classic (baseline only) */
} stl_lsm_method;

/* Caller-owned output arrays; written only on STL_LSM_OK. */
typedef struct stl_lsm_result {
    uint8_t *settled;         /* [instr_count]: 1 if the instruction settles, else 0 */
    uint64_t *final_balances; /* [account_count]: balances after the chosen set settles */
    uint64_t settled_value;   /* sum of the first-leg amounts of the settled instructions */
    uint32_t settled_count;
    uint64_t work_used; /* steps counted (may exceed the limit by one construction) */
    stl_lsm_method method;
} stl_lsm_result;

/* One result per operation, ordered by precedence; numbers are stable. */
typedef enum stl_lsm_rc {
    STL_LSM_OK = 0,
    STL_LSM_TOO_MANY = 1,   /* a count over its limit, or work_limit > STL_LSM_WORK_MAX */
    STL_LSM_BAD_INSTR = 2,  /* leg_count 0 or > STL_LSM_LEGS_MAX, or legs out of range */
    STL_LSM_BAD_INDEX = 3,  /* a leg names an account >= account_count */
    STL_LSM_SELF = 4,       /* a leg has from == to */
    STL_LSM_BAD_AMOUNT = 5, /* an amount or balance > STL_AMOUNT_MAX */
    STL_LSM_OVERFLOW = 6,   /* an account's balance + credits, or its debits, or the total
                               value of the queue, exceeds INT64_MAX */
    STL_LSM_WORKSPACE = 7,  /* workspace smaller than stl_lsm_workspace_bytes() */
} stl_lsm_rc;

/* Bytes of workspace the solvers need for a problem of these sizes (linear in each). */
size_t stl_lsm_workspace_bytes(uint32_t account_count, uint32_t instr_count, uint32_t leg_count);

/* Solves *problem. Returns STL_LSM_OK and fills *result (arrays included); otherwise
 * leaves *result untouched. The chosen set is always feasible; with method ALL or EXACT
 * it is optimal. Args: workspace >= stl_lsm_workspace_bytes(...) bytes, 16-aligned,
 * contents unspecified afterwards. */
stl_lsm_rc stl_lsm_solve(stl_lsm_result *result, void *workspace, size_t workspace_bytes,
                         const stl_lsm_problem *problem) __attribute__((warn_unused_result));

/* The classic baseline, for benchmarks and comparisons only: settle everything, then, in
 * rounds, every account in deficit drops its newest (highest-index) outflow still in the
 * set, until no account is in deficit. Same contract as stl_lsm_solve. */
stl_lsm_rc stl_lsm_solve_classic(stl_lsm_result *result, void *workspace, size_t workspace_bytes,
                                 const stl_lsm_problem *problem)
    __attribute__((warn_unused_result));

/* Checks a proposed set against the problem: returns true and its value in *value_out if
 * every leg is well-formed and every balance stays non-negative (checked arithmetic), for
 * tests and for replicas that verify a proposal. scratch: [account_count], overwritten
 * with the final balances. */
bool stl_lsm_check(uint64_t *value_out, int64_t *scratch, const stl_lsm_problem *problem,
                   const uint8_t *settled);

/* Stable names ("OK", "OVERFLOW", ...; "ALL", "EXACT", ...). Never NULL. */
const char *stl_lsm_rc_name(stl_lsm_rc rc);
const char *stl_lsm_method_name(stl_lsm_method method);

#endif
