#!/usr/bin/env bash
# Settlement benchmarks (called by tests/bench/run.sh with the build dir as $1): the netting
# and LSM algorithms alone, then a full cycle through the ledger (bench_cycle), each printing
# its figure next to a baseline measured in the same run.
set -uo pipefail
build=${1:-build}
status=0
for b in bench_netting bench_lsm bench_cycle; do
  [ -x "$build/tests/$b" ] || continue
  echo "== $b"
  if [ "$b" = bench_lsm ]; then
    FOLIO_SRC=. "$build/tests/$b" || { echo "!! $b failed"; status=1; }
  elif [ "$b" = bench_cycle ]; then
    "$build/tests/$b" "${FOLIO_BENCH_TRADES:-100000}" || { echo "!! $b failed"; status=1; }
  else
    "$build/tests/$b" || { echo "!! $b failed"; status=1; }
  fi
  echo
done
exit $status
