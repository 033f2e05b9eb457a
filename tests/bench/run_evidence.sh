#!/usr/bin/env bash
# Evidence ingest beside SHA-256 of the same bytes (bench_evidence.c), and sha256sum on
# both cores of a file of the same size as a second floor. FOLIO_BENCH_EVIDENCE_MB sizes the
# log (default 256; the issue's figure is for 10240).
set -uo pipefail
build=${1:-build}
mb="${FOLIO_BENCH_EVIDENCE_MB:-256}"
[ -x "$build/tests/bench_evidence" ] || exit 0
# One page of the store for mirrors: its index against the former folder scan.
[ -x "$build/tests/bench_evstore" ] && "$build/tests/bench_evstore" "${FOLIO_BENCH_EVSTORE_SLICES:-100000}"
# A consistency proof of a 100k-slice subject log: stored interior nodes against the leaves.
[ -x "$build/tests/bench_evlog" ] && "$build/tests/bench_evlog" "${FOLIO_BENCH_EVLOG_SLICES:-100000}"
echo "== bench_evidence $mb"
"$build/tests/bench_evidence" "$mb" || { echo "!! bench_evidence failed"; exit 1; }
# The real binary: `folio evidence ingest --dry-run` reads, slices, compresses and writes
# each slice to the store's staging folder (then drops it; a dry run anchors nothing).
home="$(mktemp -d "${TMPDIR:-/tmp}/folio-bench-evidence-home.XXXXXX")"
log="$home/day.log"
python3 - "$log" "$mb" <<'PY'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    n, size, pad = 0, 0, "x" * 150
    while size < mb << 20:
        n += 1
        links = "-" if n % 3 == 1 else "#%d" % (n - 1)
        typ = ("disclosure", "ack", "purchase")[(n - 1) % 3]
        line = "%d\t%s\t%s\tclient=%06d account=88%010d isin=CNE100000296 qty=%d price=12.34 %s\n" % (
            1790000000000 + n, typ, links, n % 999983, n, n % 1000 + 1, pad)
        f.write(line)
        size += len(line)
PY
if "$build/folio" init --home "$home/h" >/dev/null 2>&1; then
  t0=$(date +%s.%N)
  "$build/folio" evidence ingest "$log" --dry-run --home "$home/h" | tail -1
  t1=$(date +%s.%N)
  python3 -c "import os; print('folio evidence ingest --dry-run (binary, store writes): %.0f MB/s' % (os.path.getsize('$log') / 1e6 / ($t1 - $t0)))"
fi
rm -rf "$home"
f="${TMPDIR:-/tmp}/folio-bench-evidence-floor.$$"
head -c "$((mb * 1048576))" /dev/urandom >"$f"
half=$((mb * 1048576 / 2))
t0=$(date +%s.%N)
{ head -c "$half" "$f" | sha256sum >/dev/null & tail -c +"$((half + 1))" "$f" | sha256sum >/dev/null & wait; }
t1=$(date +%s.%N)
python3 -c "import sys; print('sha256sum on 2 cores (two halves of a %d MiB file): %.0f MB/s' % ($mb, $mb * 1048576 / 1e6 / ($t1 - $t0)))"
rm -f "$f"
echo
