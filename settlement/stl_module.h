/* The settlement module: trades, novation, netting, DvP, liquidity-saving queue. */
#ifndef STL_MODULE_H
#define STL_MODULE_H

#include "ldg_exec.h"

/* Registers the module's result codes, transaction types and block hooks. */
void stl_module_register(ldg_registry *r);

#endif
