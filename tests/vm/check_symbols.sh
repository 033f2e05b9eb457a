#!/usr/bin/env bash
# Every symbol that ledger/vm's objects export from the ledger library starts with ldg_ or
# LDG_ (issue 18: the VM's internal world_*/vm_* functions used to leak un-prefixed).
# Usage: check_symbols.sh LIBRARY.a SOURCE_DIR
set -euo pipefail
lib=$1
src=$2
bad=0
for c in "$src"/ledger/vm/*.c; do
  obj="$(basename "$c").o"
  syms=$(nm -g --defined-only -A "$lib" 2>/dev/null | awk -v o="$obj" -F: '$2 == o {print $3}' |
    awk '{print $NF}')
  for s in $syms; do
    case "$s" in
    ldg_* | LDG_* | __*) ;; # __*: sanitizer instrumentation (__odr_asan.*)
    *)
      echo "un-prefixed exported symbol $s in $obj"
      bad=$((bad + 1))
      ;;
    esac
  done
done
echo "vm exported symbols: $bad un-prefixed"
[ "$bad" -eq 0 ]
