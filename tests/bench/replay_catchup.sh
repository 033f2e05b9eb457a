#!/usr/bin/env bash
# Replays the catch-up of bench_cluster's restarted validator on a quiet machine, for
# profiling block sync: FOLIO_BENCH_KEEP=1 bench_cluster ... keeps the homes and the
# victim's store as the kill left it (data.at-kill); this starts the other three (idle, at
# the height where the benchmark stopped them), restores the victim's store and starts it,
# then prints its "block sync" line once it has caught up.
#   tests/bench/replay_catchup.sh FOLIO_BINARY KEPT_DIR [PERF_DATA]
# With PERF_DATA the victim runs under `perf record -g` for its first 8 s.
set -euo pipefail
folio=$(realpath "$1")
net=$2/net
perf_out=${3:-}
victim=""
for h in "$net"/node*; do [ -d "$h/data.at-kill" ] && victim=$h; done
[ -n "$victim" ] || { echo "no data.at-kill under $net (run bench_cluster with FOLIO_BENCH_KEEP=1)"; exit 1; }
others=()
for h in "$net"/node*; do [ "$h" != "$victim" ] && [ -f "$h/config.ini" ] && others+=("$h"); done
stop_all() { for h in "${others[@]}" "$victim"; do "$folio" node stop --home "$h" >/dev/null 2>&1 || true; done; }
trap stop_all EXIT
for h in "${others[@]}"; do "$folio" node start --detach --home "$h" >/dev/null; done
rm -rf "$victim/data"
cp -a "$victim/data.at-kill" "$victim/data"
cp -a "$victim/consensus.state.at-kill" "$victim/consensus.state"
: >"$victim/node.log"
t0=$(date +%s%N)
if [ -n "$perf_out" ]; then
    "$folio" node start --detach --home "$victim" >/dev/null
    perf record -F 1999 -g -p "$(cat "$victim/node.pid")" -o "$perf_out" -- sleep 8 >/dev/null 2>&1 &
else
    "$folio" node start --detach --home "$victim" >/dev/null
fi
for _ in $(seq 600); do grep -q "block sync" "$victim/node.log" && break; sleep 0.05; done
t1=$(date +%s%N)
grep -E "opened|block sync" "$victim/node.log"
echo "restart to caught up: $(((t1 - t0) / 1000000)) ms (includes polling)"
# CPU the victim used so far (all its threads; clock ticks of /proc/PID/stat fields 14, 15).
read -r -a st <"/proc/$(cat "$victim/node.pid")/stat" || true
tck=$(getconf CLK_TCK)
echo "victim CPU: user $((st[13] * 1000 / tck)) ms, system $((st[14] * 1000 / tck)) ms"
wait
