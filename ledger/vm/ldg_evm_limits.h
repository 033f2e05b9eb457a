/* The contract VM's limits are defined, with their reasons, in ledger/ldg_limits.h ("VM"
 * section) and listed in specs/limits.md; this header only includes it. */
#ifndef LDG_EVM_LIMITS_H
#define LDG_EVM_LIMITS_H

#include "ldg_limits.h"

_Static_assert(LDG_EVM_INITCODE_SIZE_MAX == 49152, "EIP-3860 init code cap");
_Static_assert(LDG_EVM_CODE_SIZE_MAX == 24576, "EIP-170 code cap");

#endif
