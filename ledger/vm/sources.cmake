# The contract VM (see specs/vm.md), compiled into folio_ledger. The state-test runner
# (ldg_statetest.c, jansson) is not part of the ledger: it is the folio_statetest library
# (LDG_STATETEST_SOURCES), linked by the CLI and the tests only.
set(LDG_VM_SOURCES
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_u256.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_keccak.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_evm.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_rlp.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_mpt.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_evm_world.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_evm_tx.c
    ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_evm_precompile.c)
set(LDG_STATETEST_SOURCES ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_statetest.c)
list(APPEND LDG_VM_SOURCES ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_vm_ledger.c ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_vm_precompile.c)
# Optimised in every build type: blake2f may run 2^32 - 1 rounds (EIP-152) and the bn254
# pairing is pure arithmetic; ethereum/tests has such calls, which the sanitizer (Debug)
# build must finish within the test timeout.
# The interpreter's hot path: -O3, and on x86-64 the x86-64-v2 micro-architecture level
# (SSE4.2, POPCNT, SSSE3: every x86-64 server CPU since 2009, Nehalem / Bulldozer; what
# evmone is built for). A consortium node needs at least that CPU (specs/vm.md §8).
set(LDG_VM_HOT_SOURCES ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_evm.c ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_u256.c
                       ${CMAKE_SOURCE_DIR}/ledger/vm/ldg_keccak.c)
set(LDG_VM_HOT_FLAGS "-O3")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  list(APPEND LDG_VM_HOT_FLAGS "-march=x86-64-v2")
endif()
set_source_files_properties(${LDG_VM_HOT_SOURCES} PROPERTIES COMPILE_OPTIONS "${LDG_VM_HOT_FLAGS}")
set_source_files_properties(${CMAKE_SOURCE_DIR}/ledger/vm/ldg_evm_precompile.c
                            PROPERTIES COMPILE_OPTIONS "${LDG_VM_HOT_FLAGS}")
