/* Native instruments seen from contracts (specs/vm_ledger.md §4-5): the precompile at
 * 0x…0100 (balanceOf, instrument, complianceOf, transfer), the compliance contract an
 * issuer names for an instrument (contract.attach) and the transfer hook that asks it
 * (canTransfer) on every movement. Registered into the VM through its precompile API
 * (ldg_vm_precompile_register); the ledger core knows nothing of instruments. */
#ifndef AST_CONTRACT_H
#define AST_CONTRACT_H

#include "ldg_vm_ledger.h"

/* The native-instrument precompile's address (in the VM's 0x100..0x1ff range). */
#define AST_CONTRACT_PRECOMPILE 0x0100

/* contract.attach [id text, contract bin20 (zero = detach)] (specs/transactions.md). */
#define AST_TX_CONTRACT_ATTACH 92

/* Registers the precompile, contract.attach and the compliance transfer hook. Call after
 * ldg_vm_register (the hook runs after the hooks registered before it). */
void ast_contract_register(ldg_registry *r);

/* Compliance contract of an instrument; *found false if none. */
ldg_err ast_compliance_get(ldg_state *st, const char *id, ldg_evm_address *out,
                           bool *found) LDG_WARN_UNUSED;

#endif
