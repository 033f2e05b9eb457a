#!/usr/bin/env bash
# The standard evm-benchmarks programs (tests/bench/evm_programs.py) on this build's folio
# beside a baseline folio measured in the same run: by default the interpreter as it was
# before the speed work of issue 18 (commit below), built once from git into
# $build/evm-baseline; FOLIO_BENCH_EVM_BASELINE=/path/to/folio picks another binary.
# FOLIO_BENCH_EVM_ROUNDS (default 3) rounds per case; the ratio is baseline time / folio time.
set -uo pipefail
build=${1:-build}
src="$(cd "$(dirname "$0")/../.." && pwd)"
BASELINE_REV=597bc1a
bench_dir="${FOLIO_SHARED:-$src/../shared}/conformance/evm-benchmarks"
[ -d "$bench_dir" ] || { echo "run_evm_programs: $bench_dir missing"; exit 1; }
base=${FOLIO_BENCH_EVM_BASELINE:-}
if [ -z "$base" ]; then
  bdir="$build/evm-baseline"
  base="$bdir/build/folio"
  if [ ! -x "$base" ]; then
    echo "== building the baseline folio ($BASELINE_REV) in $bdir"
    rm -rf "$bdir" && mkdir -p "$bdir/src" &&
      git -C "$src" archive "$BASELINE_REV" | tar -x -C "$bdir/src" &&
      cmake -S "$bdir/src" -B "$bdir/build" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
      cmake --build "$bdir/build" -j "$(nproc)" --target folio >/dev/null ||
      { echo "run_evm_programs: baseline build failed"; exit 1; }
  fi
fi
echo "== evm programs: $build/folio vs baseline $base"
python3 "$src/tests/bench/evm_programs.py" "$build/folio" "$base" "$bench_dir" \
  "${FOLIO_BENCH_EVM_ROUNDS:-3}"
