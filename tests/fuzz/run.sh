#!/usr/bin/env bash
# Runs every libFuzzer target for FUZZ_SECONDS (default 60) each.
set -euo pipefail
dir=${1:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
for t in "$dir"/tests/fuzz/fuzz_*; do
  [ -x "$t" ] || continue
  echo "== $(basename "$t") for ${secs}s"
  # The target writes its seeds (folio_fuzz_seed) into this corpus first (seeds.c).
  mkdir -p "$dir/corpus/$(basename "$t")"
  "$t" -max_total_time="$secs" -max_len=65536 "$dir/corpus/$(basename "$t")"
done
