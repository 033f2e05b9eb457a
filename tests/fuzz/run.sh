#!/usr/bin/env bash
# Runs every libFuzzer target for FUZZ_SECONDS (default 60) each.
set -euo pipefail
dir=${1:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
for t in "$dir"/tests/fuzz/fuzz_*; do
  [ -x "$t" ] || continue
  echo "== $(basename "$t") for ${secs}s"
  mkdir -p "$dir/corpus/$(basename "$t")"
  # Targets that define LLVMFuzzerInitialize may write their seeds here.
  export FOLIO_FUZZ_CORPUS="$dir/corpus/$(basename "$t")"
  # The target's seeds (valid encodings), written by its smoke build when there is one.
  smoke="${SMOKE_DIR:-build-asan/tests}/smoke_$(basename "$t")"
  [ -x "$smoke" ] && "$smoke" --seeds "$dir/corpus/$(basename "$t")" || true
  "$t" -max_total_time="$secs" -max_len=65536 "$dir/corpus/$(basename "$t")"
done
