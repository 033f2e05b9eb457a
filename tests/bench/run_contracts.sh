#!/usr/bin/env bash
# Contract-mediated transfers beside plain native transfers (called by tests/bench/run.sh
# with the build dir as $1). FOLIO_BENCH_CONTRACT_TRANSFERS sets the count (default 20000).
set -uo pipefail
build=${1:-build}
bin=$build/tests/bench_contracts
[ -x "$bin" ] || { echo "run_contracts: $bin not built"; exit 1; }
src="$(cd "$(dirname "$0")/../.." && pwd)"
echo "== bench_contracts ${FOLIO_BENCH_CONTRACT_TRANSFERS:-20000}"
FOLIO_SRC="$src" "$bin" "${FOLIO_BENCH_CONTRACT_TRANSFERS:-20000}"
