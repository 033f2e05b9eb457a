# The contract VM (see specs/vm.md). ldg_statetest.c reads JSON with jansson; only the
# CLI and the tests call it, and they link jansson through folio_net.
set(LDG_VM_SOURCES
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_u256.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_keccak.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_evm.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_rlp.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_mpt.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_evm_state.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_evm_tx.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_evm_precompile.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_statetest.c)
list(APPEND LDG_VM_SOURCES ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_vm_ledger.c ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_vm_precompile.c)
