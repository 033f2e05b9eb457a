/* Limits of the settlement algorithms (netting, liquidity-saving mechanism), one #define
 * each with the reason for its number. Mirrored into ledger/ldg_limits.h and listed in
 * specs/settlement.md and specs/limits.md; keep them in step. */
#ifndef STL_LIMITS_H
#define STL_LIMITS_H

#include "ldg_limits.h"

_Static_assert(STL_LSM_EXACT_INSTR_MAX <= STL_LSM_FINE_INSTR_MAX, "exact implies fine");
_Static_assert(STL_LSM_FINE_INSTR_MAX <= STL_LSM_INSTR_MAX, "fine is a subset");
_Static_assert(STL_LSM_WORK_DEFAULT <= STL_LSM_WORK_MAX, "default within the cap");

#endif
