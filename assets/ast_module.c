#include "ast_module.h"
#include "ast_action.h"
#include "ast_asset.h"
#include "ast_cash.h"
#include "ast_rules.h"

void ast_module_register(ldg_registry *r)
{
    ast_asset_register(r);
    ast_cash_register(r);
    ast_rules_register(r);
    ast_action_register(r);
}
