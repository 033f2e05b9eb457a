#!/usr/bin/env bash
# Bulk import benchmark (called by tests/bench/run.sh with the build dir as $1): the import of
# a register of FOLIO_BENCH_IMPORT_HOLDERS (default 100,000) new holders into a fresh --dev
# node (one participant registration, one profile and one transfer per holder, plus the
# issue), timed end to end with the CLI's validation and final read-back, printed beside the
# single-node transfer rate that bench_node measures in the same run.
set -uo pipefail
B="${1:?usage: $0 BUILD_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
folio="$(cd "$B" && pwd)/folio"
n="${FOLIO_BENCH_IMPORT_HOLDERS:-100000}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/folio-bench-import.XXXXXX")"
export FOLIO_HOME="$tmp/home"
unset FOLIO_AS 2>/dev/null || true
cleanup() {
  [ -f "$FOLIO_HOME/node.pid" ] && "$folio" node stop >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

echo "== import of a register of $n holders"
base="$("$B/tests/bench_node" "$folio" "${FOLIO_BENCH_IMPORT_TRANSFERS:-100000}" 1000 |
  sed -n 's/^node e2e:.* = \([0-9]*\) tx\/s.*/\1/p')"
python3 "$here/../e2e/tools/import_gen.py" register "$n" bench >"$tmp/reg.csv"
"$folio" init >/dev/null &&
  "$folio" node start --detach --dev >/dev/null &&
  "$folio" keys new issuer >/dev/null &&
  "$folio" participant register issuer --role issuer --key issuer >/dev/null ||
  { echo "!! import bench: setup failed"; exit 1; }
t0="$(date +%s.%N)"
"$folio" asset import "$tmp/reg.csv" --isin CNE100000296 --name Bench --as issuer \
  --registrar operator --risk R3 --json >"$tmp/out.json" 2>"$tmp/err" ||
  { echo "!! import failed: $(tail -3 "$tmp/err")"; exit 1; }
t1="$(date +%s.%N)"
python3 - "$t0" "$t1" "$n" "${base:-0}" "$tmp/out.json" <<'PY'
import json, sys
t0, t1, n, base = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
d = json.load(open(sys.argv[5]))
dt, txs = t1 - t0, d["transactions"]
assert d["held"] == d["total"], "the register does not total the supply"
print(f"import: {n} holders, {txs} transactions in {d['batches']} batches, {dt:.1f} s = "
      f"{txs / dt:.0f} tx/s ({n / dt:.0f} holders/s)")
ratio = f"{txs / dt / base:.2f}" if base else "n/a"
print(f"single-node transfers (bench_node, same run): {base} tx/s; import / transfers = {ratio}")
PY
