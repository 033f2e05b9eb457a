#include "stl_module.h"

void stl_module_init(void)
{
}
