#!/usr/bin/env bash
# Called by tests/bench/run.sh with the build dir: one machine hosting a main chain and two
# 4-validator sub-chains (12 chain instances in 4 processes, specs/chains.md §9): sustained
# transfers/s on the securities sub-chain beside a single 4-validator chain's, same run, as
# a ratio, over FOLIO_BENCH_MULTICHAIN_ROUNDS rounds (default 3) of
# FOLIO_BENCH_MULTICHAIN_TRANSFERS (default 20000) transfers.
set -uo pipefail
build=${1:-build}
bin=$build/tests/bench_multichain
[ -x "$bin" ] || { echo "!! $bin not built"; exit 1; }
echo "== bench_multichain $build/folio"
"$bin" "$build/folio" "${FOLIO_BENCH_MULTICHAIN_TRANSFERS:-20000}" "${FOLIO_BENCH_ACCOUNTS:-400}" \
  "${FOLIO_BENCH_MULTICHAIN_ROUNDS:-3}"
