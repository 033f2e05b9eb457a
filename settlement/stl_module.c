#include "stl_module.h"
#include "stl_ledger.h"

void stl_module_register(ldg_registry *r)
{
    stl_ledger_register(r);
}
