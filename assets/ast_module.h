/* The assets module: instruments, holdings, issuance, transfers. */
#ifndef AST_MODULE_H
#define AST_MODULE_H

/* Registers the module's result codes and transaction handlers. Call once at start. */
void ast_module_init(void);

#endif
