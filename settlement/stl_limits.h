/* Limits of the settlement algorithms (netting, liquidity-saving mechanism), one #define
 * each with the reason for its number. Mirrored into ledger/ldg_limits.h and listed in
 * specs/settlement.md and specs/limits.md; keep them in step. */
#ifndef STL_LIMITS_H
#define STL_LIMITS_H

/* ---- amounts ---- */

/* Largest quantity or cash amount on one obligation, leg or balance: equal to
 * LDG_QUANTITY_MAX (2^62), so that the sum of two never overflows a signed 64-bit integer
 * before a check catches it, and sums over a whole cycle fit the 128-bit accumulators. */
#define STL_AMOUNT_MAX (1ULL << 62)

/* ---- netting ---- */

/* Novated obligations in one netting cycle. Netting needs 64 bytes of workspace per
 * obligation (two position entries, double-buffered for the radix sort), so 2^21
 * obligations take 128 MiB and net in about a second on one core: twice the busiest day
 * expected of the consortium (1M obligations), and still bounded in memory and time. */
#define STL_NET_OBLIGATION_MAX (1U << 21)

/* Participant, instrument (ISIN) and currency indices are dense 32-bit indices chosen by
 * the caller; the product participant_count * asset_count must fit 64 bits, which it
 * always does for 32-bit counts. Counts above 2^24 are rejected: a registry that large is
 * not a consortium and the sort keys stay within three radix passes. */
#define STL_NET_INDEX_MAX (1U << 24)

/* ---- liquidity-saving mechanism (LSM) ---- */

/* Queued instructions resolved in one LSM run. The improvement phases are quadratic in
 * the worst case and bounded by the work budget, but the construction phase and memory
 * are O(legs log legs): 2^18 instructions solve in well under a second and need ~40 MiB.
 * A queue longer than that is split by the caller (oldest first). */
#define STL_LSM_INSTR_MAX (1U << 18)

/* Legs of one instruction. DvP needs two (securities and cash); eight leaves room for
 * multi-party instructions (e.g. a three-way swap with fees) while keeping the per-step
 * cost of the solver a small constant. */
#define STL_LSM_LEGS_MAX 8

/* Accounts (participant, asset pairs) in one LSM run: at most two per leg. */
#define STL_LSM_ACCOUNT_MAX (STL_LSM_INSTR_MAX * 2U * STL_LSM_LEGS_MAX)

/* Instances up to this many instructions get the fine heuristic (every removal rescans
 * all candidates, exact deficit-reduction scores) and insert-and-repair local search:
 * cost O(n^2) leg evaluations per pass, 16M at this size. Larger instances use the
 * per-account construction, O(legs log legs), then the improvement phases in budget. */
#define STL_LSM_FINE_INSTR_MAX 4096

/* Instances up to this many instructions also get an exact branch and bound seeded with
 * the heuristic's solution. With the bounds used (value still available, optimistic
 * balances) it proves optimality well within the default budget up to this size; beyond
 * it the search rarely completes, so it is not started. */
#define STL_LSM_EXACT_INSTR_MAX 40

/* Default work budget of one LSM run, in elementary steps (one leg evaluated or one
 * branch-and-bound node visited = one step). About 0.2-0.5 s on one 2020s core; the
 * caller may pass a smaller budget. The result never depends on time, only on steps. */
#define STL_LSM_WORK_DEFAULT (60ULL * 1000 * 1000)

/* Upper bound on the budget a caller may pass: a run can never take more than a few
 * seconds, whatever the configuration says. */
#define STL_LSM_WORK_MAX (1000ULL * 1000 * 1000)

_Static_assert(STL_LSM_EXACT_INSTR_MAX <= STL_LSM_FINE_INSTR_MAX, "exact implies fine");
_Static_assert(STL_LSM_FINE_INSTR_MAX <= STL_LSM_INSTR_MAX, "fine is a subset");
_Static_assert(STL_LSM_WORK_DEFAULT <= STL_LSM_WORK_MAX, "default within the cap");

#endif
