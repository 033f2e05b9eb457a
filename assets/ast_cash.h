/* Cash tokens (asset.issue_cash, asset.redeem_cash): see ast_cash.c. */
#ifndef AST_CASH_H
#define AST_CASH_H

#include "ldg_exec.h"

void ast_cash_register(ldg_registry *r);

#endif
