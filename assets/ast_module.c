#include "ast_module.h"
#include "ast_asset.h"

void ast_module_register(ldg_registry *r)
{
    ast_asset_register(r);
}
