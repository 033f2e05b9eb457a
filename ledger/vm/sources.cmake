# The contract VM (see specs/vm.md), compiled into folio_ledger. The state-test runner
# (ldg_statetest.c, jansson) is not part of the ledger: it is the folio_statetest library
# (LDG_STATETEST_SOURCES), linked by the CLI and the tests only.
set(LDG_VM_SOURCES
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_u256.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_keccak.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_evm.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_rlp.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_mpt.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_evm_state.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_evm_tx.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_evm_precompile.c)
set(LDG_STATETEST_SOURCES ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_statetest.c)
list(APPEND LDG_VM_SOURCES ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_vm_ledger.c ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_vm_precompile.c)
# Optimised in every build type: blake2f may run 2^32 - 1 rounds (EIP-152) and the bn254
# pairing is pure arithmetic; ethereum/tests has such calls, which the sanitizer (Debug)
# build must finish within the test timeout.
set_source_files_properties(${CMAKE_SOURCE_DIR}/ledger/vm/ldg_evm_precompile.c
                            PROPERTIES COMPILE_OPTIONS "-O2")
