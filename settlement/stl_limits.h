/* The settlement algorithms' limits are defined, with their reasons, in ledger/ldg_limits.h
 * (the one header of limits) and listed in specs/limits.md; this header only includes it. */
#ifndef STL_LIMITS_H
#define STL_LIMITS_H

#include "ldg_limits.h"

_Static_assert(STL_LSM_EXACT_INSTR_MAX <= STL_LSM_FINE_INSTR_MAX, "exact implies fine");
_Static_assert(STL_LSM_FINE_INSTR_MAX <= STL_LSM_INSTR_MAX, "fine is a subset");
_Static_assert(STL_LSM_WORK_DEFAULT <= STL_LSM_WORK_MAX, "default within the cap");

#endif
