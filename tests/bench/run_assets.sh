#!/usr/bin/env bash
# Assets benchmark (called by tests/bench/run.sh with the build dir as $1).
set -eu
B="${1:?usage: $0 BUILD_DIR}"
BIN="$(find "$B" -name bench_assets -type f -perm -u+x | head -1)"
[ -n "$BIN" ] || { echo "bench_assets not built in $B" >&2; exit 1; }
"$BIN" "${ASSETS_BENCH_HOLDERS:-100000}"
