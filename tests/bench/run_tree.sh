#!/usr/bin/env bash
# The state tree's cost (called by tests/bench/run.sh with the build dir as $1;
# specs/state.md §5).
# 1. The single-node committed-transfer rate with the tree, as a ratio of the rate without
#    it (FOLIO_STATE_ROOT=chain: the write-set chain, state.md §5.8), same machine, runs
#    alternated (chain, tree, tree, chain, ...) so that a busy moment of the shared machine
#    falls on both sides. Each run also measures the raw signature-verification rate; the
#    ratio is given as measured and normalised by that rate (each run's e2e/raw).
#    Target: >= 0.95, and the tree's e2e/raw >= 0.70. Each run also gives the node's CPU time
#    per committed transfer (all threads); chain/tree of those is the rate ratio a machine
#    whose cores the node alone keeps busy would see, and is far less noisy when shared.
# 2. bench_smt: tree updates/s at 1,000,000 keys beside plain synced RocksDB puts; proof
#    size, generation and verification time at 1,000,000 and 10,000,000 keys.
# Sizes: FOLIO_BENCH_TREE_TRANSFERS (200000), FOLIO_BENCH_TREE_ROUNDS (3),
# FOLIO_BENCH_SMT_KEYS (1000000), FOLIO_BENCH_SMT_BIG (10000000; 0 skips),
# FOLIO_BENCH_SMT_BLOCKS (300).
set -u
B="${1:?usage: $0 BUILD_DIR}"
N="${FOLIO_BENCH_TREE_TRANSFERS:-200000}"
ROUNDS="${FOLIO_BENCH_TREE_ROUNDS:-3}"
status=0

# one_run MODE: prints "E2E RAW CPU" (tx/s, the better raw sig/s, node CPU us per transfer)
# of one bench_node run.
one_run() {
  local out
  if [ "$1" = chain ]; then
    out="$(FOLIO_STATE_ROOT=chain "$B/tests/bench_node" "$B/folio" "$N" 1000 2>/dev/null)"
  else
    out="$("$B/tests/bench_node" "$B/folio" "$N" 1000 2>/dev/null)"
  fi
  local e2e raw1 raw2 cpu
  cpu="$(sed -n 's/^node CPU: .* = \([0-9.]*\) us per committed transfer/\1/p' <<<"$out")"
  e2e="$(sed -n 's/^node e2e:.* = \([0-9]*\) tx\/s.*/\1/p' <<<"$out")"
  raw1="$(sed -n 's/^raw BIP-340 verification on [0-9]* cores: \([0-9]*\) sig\/s before, \([0-9]*\) after.*/\1/p' <<<"$out")"
  raw2="$(sed -n 's/^raw BIP-340 verification on [0-9]* cores: \([0-9]*\) sig\/s before, \([0-9]*\) after.*/\2/p' <<<"$out")"
  [ -n "$e2e" ] && [ -n "$raw1" ] && [ -n "$cpu" ] || return 1
  echo "$e2e $((raw1 > raw2 ? raw1 : raw2)) $cpu"
}

echo "== tree cost: committed transfers with the tree vs the write-set chain ($N transfers, $ROUNDS rounds)"
results=()
for r in $(seq 1 "$ROUNDS"); do
  order="chain tree"
  [ $((r % 2)) -eq 0 ] && order="tree chain"
  declare -A got=()
  for mode in $order; do
    if ! got[$mode]="$(one_run "$mode")"; then
      echo "!! bench_node ($mode) failed"; status=1; continue 2
    fi
  done
  read -r te tr tc <<<"${got[tree]}"
  read -r ce cr cc <<<"${got[chain]}"
  line="$(python3 -c 'import sys
te,tr,ce,cr,tc,cc=map(float,sys.argv[1:])
print("%.3f %.3f %.2f %.3f" % (te/ce, (te/tr)/(ce/cr), te/tr, cc/tc))' "$te" "$tr" "$ce" "$cr" "$tc" "$cc")"
  read -r ratio norm teraw cpur <<<"$line"
  printf 'round %d: tree %s tx/s (raw %s sig/s, node CPU %s us/tx), chain %s tx/s (raw %s sig/s, node CPU %s us/tx): tree/chain = %s, normalised by raw = %s, by CPU = %s; tree e2e/raw = %s\n' \
    "$r" "$te" "$tr" "$tc" "$ce" "$cr" "$cc" "$ratio" "$norm" "$cpur" "$teraw"
  results+=("$ratio $norm $teraw $cpur")
done
if [ "${#results[@]}" -gt 0 ]; then
  printf '%s\n' "${results[@]}" | python3 -c 'import sys, statistics as st
rows=[list(map(float,l.split())) for l in sys.stdin if l.strip()]
for i,name,target in ((0,"tree/chain",0.95),(1,"tree/chain normalised by raw verification",0.95),(3,"tree/chain by node CPU per transfer (chain us/tx / tree us/tx)",0.95),(2,"tree e2e/raw",0.70)):
    v=[r[i] for r in rows]
    print("%s: median %.3f, min %.3f, max %.3f over %d rounds (target >= %.2f)" % (name, st.median(v), min(v), max(v), len(v), target))'
fi
echo
echo "== bench_smt"
"$B/tests/bench_smt" "${FOLIO_BENCH_SMT_KEYS:-1000000}" "${FOLIO_BENCH_SMT_BIG:-10000000}" \
  "${FOLIO_BENCH_SMT_BLOCKS:-300}" || { echo "!! bench_smt failed"; status=1; }
exit $status
