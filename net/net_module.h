/* The net module: node, transport, consensus, mempool, RPC. */
#ifndef NET_MODULE_H
#define NET_MODULE_H

void net_module_init(void);

#endif
