/* The settlement module: trades, novation, netting, DvP, liquidity-saving queue. */
#ifndef STL_MODULE_H
#define STL_MODULE_H

/* Registers the module's result codes and transaction handlers. Call once at start. */
void stl_module_init(void);

#endif
