/* The assets module: instruments, holdings, issuance, transfers. */
#ifndef AST_MODULE_H
#define AST_MODULE_H

#include "ldg_exec.h"

/* Registers the module's result codes, transaction types and block hooks. */
void ast_module_register(ldg_registry *r);

#endif
