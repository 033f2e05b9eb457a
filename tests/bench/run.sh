#!/usr/bin/env bash
# make bench: every benchmark, each printing its figure next to a baseline measured in the
# same run. Sizes can be reduced for a quick look, e.g. FOLIO_BENCH_TRANSFERS=100000.
set -uo pipefail
build=${1:-build}
bin=$build/tests
status=0
run() {
  local name=$1; shift
  if [ -x "$bin/$name" ]; then
    echo "== $name $*"
    "$bin/$name" "$@" || { echo "!! $name failed"; status=1; }
    echo
  fi
}
single="${TMPDIR:-/tmp}/folio-bench-node.$$"
run bench_node "$build/folio" "${FOLIO_BENCH_TRANSFERS:-1000000}" "${FOLIO_BENCH_ACCOUNTS:-1000}" >"$single"
cat "$single"
# The cluster benchmark prints its figure beside this single-node one (same run).
FOLIO_BENCH_SINGLE_TPS="$(sed -n 's/^node e2e:.* = \([0-9]*\) tx\/s.*/\1/p' "$single")"
export FOLIO_BENCH_SINGLE_TPS
rm -f "$single"
run bench_evm "${FOLIO_BENCH_EVM_SECONDS:-0.5}"
# Node CPU per 1,000 refused submissions from unregistered senders (no signature work),
# beside garbage-signed ones from a registered sender and raw verifications.
run bench_garbage "$build/folio" "${FOLIO_BENCH_GARBAGE:-20480}"
# 1,000 connections declaring maximal frames and stalling: node memory, status p99.
run bench_stall "$build/folio" "${FOLIO_BENCH_STALLERS:-1000}"
# One holding's proof bundle: size, generation from RocksDB, offline verification, at
# FOLIO_BENCH_PROOF_KEYS keys (e.g. "1000000 10000000"; the 10M build takes ~15 minutes).
FOLIO_BENCH_PROOF_KEYS="${FOLIO_BENCH_PROOF_KEYS:-1000000}" run bench_proof
# State sync of FOLIO_BENCH_SNAP_KEYS keys (specs/sync.md) beside replaying the blocks'
# writes and beside plain RocksDB puts of the same state, 3 rounds, with the spread.
run bench_snap "${FOLIO_BENCH_SNAP_KEYS:-200000}" 3
for extra in tests/bench/run_*.sh; do
  [ -f "$extra" ] && { bash "$extra" "$build" || status=1; }
done
exit $status
