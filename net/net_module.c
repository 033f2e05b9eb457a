#include "net_module.h"

void net_module_init(void) {}
