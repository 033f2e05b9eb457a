#include "ast_module.h"

void ast_module_init(void)
{
}
