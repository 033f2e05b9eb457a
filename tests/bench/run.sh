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
# One sub-chain checkpoint's execution cost (4 and 16 validators) beside a transfer's, 3
# rounds, and the sub-chains one main chain anchors every 10 s within 10% of capacity.
run bench_chains "${FOLIO_BENCH_CHECKPOINTS:-2000}" 3
# The same through a real --dev main-chain node: N sub-chains registered, then per round N
# transfers and N checkpoints committed; 10% of the checkpoint rate x 10 s = sub-chains.
run bench_chains_node "$build/folio" "${FOLIO_BENCH_CHECKPOINTS:-2000}" 4 3
run bench_chains_node "$build/folio" "${FOLIO_BENCH_CHECKPOINTS:-2000}" 16 3
run bench_evm "${FOLIO_BENCH_EVM_SECONDS:-0.5}"
# Node CPU per 1,000 refused submissions from unregistered senders (no signature work),
# beside garbage-signed ones from a registered sender and raw verifications.
run bench_garbage "$build/folio" "${FOLIO_BENCH_GARBAGE:-20480}"
# 1,000 connections declaring maximal frames and stalling: node memory, status p99.
run bench_stall "$build/folio" "${FOLIO_BENCH_STALLERS:-1000}"
# The HTTP API beside the native RPC on one node: balance reads/s (target >= 0.5 of native)
# and submissions/s in batches of 100 (target >= 0.8), specs/http.md.
run bench_http "$build/folio" "${FOLIO_BENCH_HTTP_SECONDS:-3}" "${FOLIO_BENCH_HTTP_TRANSFERS:-40000}"
# One holding's proof bundle: size, generation from RocksDB, offline verification, at
# FOLIO_BENCH_PROOF_KEYS keys (e.g. "1000000 10000000"; the 10M build takes ~15 minutes).
FOLIO_BENCH_PROOF_KEYS="${FOLIO_BENCH_PROOF_KEYS:-1000000}" run bench_proof
# State sync of FOLIO_BENCH_SNAP_KEYS keys at a checkpoint of a 1,000,000-block chain
# (specs/sync.md) beside plain synced RocksDB puts of the same state (the floor; target
# within 3x), 3 rounds, with the spread and the peak memory. 10,000,000 keys take ~30 min.
run bench_snap "${FOLIO_BENCH_SNAP_KEYS:-200000}" 3
for extra in tests/bench/run_*.sh; do
  [ -f "$extra" ] && { bash "$extra" "$build" || status=1; }
done
exit $status
