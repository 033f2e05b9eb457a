#include "stl_module.h"

void stl_module_register(ldg_registry *r)
{
    (void)r;
}
