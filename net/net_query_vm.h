/* Contract VM glue for the node: registration with the assets module's functions, and
 * the RPC read methods contract_query, contract_result, contract_info (net_query_vm.c). */
#ifndef NET_QUERY_VM_H
#define NET_QUERY_VM_H

#include "ldg_exec.h"
#include "net_node.h"

/* Registers the contract VM (ledger/vm/ldg_vm_ledger.h) with the native instruments. */
void net_vm_register(ldg_registry *r);

/* Handles the RPC methods starting with "contract_"; returns a malloc'd JSON reply. */
char *net_query_vm(net_node *n, const char *method, const msgpack_object *args, uint32_t nargs,
                   int *status);

#endif
