#!/usr/bin/env bash
# Called by tests/bench/run.sh with the build dir: the 4-validator TLS cluster benchmark.
# Sizes: FOLIO_BENCH_CLUSTER_TRANSFERS (default 100000), FOLIO_BENCH_ACCOUNTS; the restarted
# validator's downtime: FOLIO_BENCH_DOWN_S (default 60, read by bench_cluster itself).
set -uo pipefail
build=${1:-build}
bin=$build/tests/bench_cluster
[ -x "$bin" ] || { echo "!! $bin not built"; exit 1; }
echo "== bench_cluster $build/folio"
"$bin" "$build/folio" "${FOLIO_BENCH_CLUSTER_TRANSFERS:-100000}" "${FOLIO_BENCH_ACCOUNTS:-500}"
