#!/usr/bin/env bash
# Evidence ingest beside SHA-256 of the same bytes (bench_evidence.c), and sha256sum on
# both cores of a file of the same size as a second floor. FOLIO_BENCH_EVIDENCE_MB sizes the
# log (default 256; the figure is for 10240).
set -uo pipefail
build=${1:-build}
mb="${FOLIO_BENCH_EVIDENCE_MB:-256}"
[ -x "$build/tests/bench_evidence" ] || exit 0
echo "== bench_evidence $mb"
"$build/tests/bench_evidence" "$mb" || { echo "!! bench_evidence failed"; exit 1; }
f="${TMPDIR:-/tmp}/folio-bench-evidence-floor.$$"
head -c "$((mb * 1048576))" /dev/urandom >"$f"
half=$((mb * 1048576 / 2))
t0=$(date +%s.%N)
{ head -c "$half" "$f" | sha256sum >/dev/null & tail -c +"$((half + 1))" "$f" | sha256sum >/dev/null & wait; }
t1=$(date +%s.%N)
python3 -c "import sys; print('sha256sum on 2 cores (two halves of a %d MiB file): %.0f MB/s' % ($mb, $mb * 1048576 / 1e6 / ($t1 - $t0)))"
rm -f "$f"
echo
