/* Limits of the contract VM, one #define each with its reason. They belong in
 * ledger/ldg_limits.h ("VM" section) once that file's owner takes them over. */
#ifndef LDG_EVM_LIMITS_H
#define LDG_EVM_LIMITS_H

#include "ldg_limits.h"

_Static_assert(LDG_EVM_INITCODE_SIZE_MAX == 49152, "EIP-3860 init code cap");
_Static_assert(LDG_EVM_CODE_SIZE_MAX == 24576, "EIP-170 code cap");

#endif
