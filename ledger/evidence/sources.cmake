# Evidence preservation (specs/evidence.md), compiled into folio_ledger beside the core; the
# core knows nothing of it: net registers it with the executor (ldg_ev_register).
file(GLOB LDG_EV_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/ledger/evidence/*.c)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
# Slice files are zstd-compressed (ldg_ev_slice.c); linked to folio_ledger in CMakeLists.txt.
