#!/usr/bin/env bash
# One broker submits many transactions at once from separate processes that do not
# coordinate (same signing key, released together by a barrier): every one commits,
# none is taken for a replay, every tx id is distinct and findable, and the final
# balances are exactly the arithmetic. Then the same with identical command lines
# (same quantity, same recipient, same instant), and with several senders at once.
# CONC_PROCS (default 8) and CONC_EACH (default 20) size the first phase.
. "$(dirname "$0")/lib.sh" "$@"

PROCS="${CONC_PROCS:-8}"
EACH="${CONC_EACH:-20}"
APPLE=US0378331005
LOGS="$E2E_TMP/logs"
mkdir -p "$LOGS"

# client TAG GO N ARGS...: waits for the file GO, then runs `folio ARGS --json` N times,
# one line per run into $LOGS/TAG: the exit code and the JSON on one line (stderr goes
# to TAG.err). Parsing waits until the end, to keep the clients lean.
client() {
  local tag="$1" go="$2" n="$3"
  shift 3
  while [ ! -e "$go" ]; do sleep 0.01; done
  local out rc
  for _ in $(seq 1 "$n"); do
    out="$(timeout -k 5 60 "$FOLIO" "$@" --json 2>>"$LOGS/$tag.err")"
    rc=$?
    printf '%s %s\n' "$rc" "$(tr -d '\n' <<<"$out")" >>"$LOGS/$tag"
  done
}

# summarize FILES...: "EXIT TXID STATUS RECEIPT" per line of client output.
summarize() {
  cat "$@" | python3 -c '
import json, sys
for line in sys.stdin:
    rc, _, js = line.strip().partition(" ")
    try:
        d = json.loads(js)
        print(rc, d.get("id", "-"), d.get("status", "-"),
              (d.get("receipt") or {}).get("name") or (d.get("error") or {}).get("code", "-"))
    except Exception:
        print(rc, "-", "-", "unparsable")'
}

# balance NAME: quantity of $APPLE in NAME's account (0 if none).
balance() {
  folio account balance "$1" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(next((b["quantity"] for b in d["balances"] if b["id"] == sys.argv[1]), 0))' "$APPLE"
}

# check_phase TAG-GLOB COUNT: every line says exit 0, committed, OK; ids distinct;
# no REPLAY anywhere; each id is committed per `tx show`.
check_phase() {
  local glob="$1" want="$2" lines
  # shellcheck disable=SC2086
  lines="$(summarize "$LOGS"/$glob)"
  check "$want transactions reported" test "$(grep -c . <<<"$lines")" = "$want"
  check "all exited 0 with status committed and receipt OK" \
    test "$(grep -c '^0 [0-9a-f]\{64\} committed OK$' <<<"$lines")" = "$want"
  if cat "$LOGS"/$glob.err 2>/dev/null | grep -q .; then
    fail "clients wrote to stderr: $(cat "$LOGS"/$glob.err | sort | uniq -c | head -n 5 | tr -s ' \n' ' ')"
  else
    pass "no client wrote anything to stderr"
  fi
  check "none was rejected as a replay" bash -c '! grep -q REPLAY <<<"$1"' _ "$lines$(cat "$LOGS"/$glob.err 2>/dev/null)"
  check "all $want tx ids are distinct" test "$(awk '{print $2}' <<<"$lines" | sort -u | grep -c '[0-9a-f]\{64\}')" = "$want"
  awk '{print $2}' <<<"$lines" >"$E2E_TMP/ids"
  if python3 - "$FOLIO" "$E2E_TMP/ids" <<'EOF'; then
import json, subprocess, sys
bad = 0
for txid in open(sys.argv[2]).read().split():
    p = subprocess.run([sys.argv[1], "tx", "show", txid, "--json"], capture_output=True, text=True, timeout=60)
    try:
        ok = p.returncode == 0 and json.loads(p.stdout)["status"] == "committed"
    except Exception:
        ok = False
    bad += not ok
sys.exit(1 if bad else 0)
EOF
    pass "tx show finds every one committed"
  else
    fail "tx show does not find every one committed"
  fi
}

section "setup"
check "init" home_init
check "node start" node_start
for k in issuer broker-a broker-b broker-c broker-d; do folio keys new "$k" >/dev/null; done
expect_ok "register issuer" participant register issuer --role issuer --key issuer
for k in broker-a broker-b broker-c broker-d; do
  expect_ok "register $k" participant register "$k" --role broker --key "$k"
done
expect_ok "issue 1,000,000 $APPLE" asset issue equity --isin "$APPLE" --name Apple --shares 1000000 --to issuer --as issuer
expect_ok "fund broker-a with 100,000" transfer "$APPLE" 100000 --to broker-a --as issuer
expect_ok "fund broker-d with 10,000" transfer "$APPLE" 10000 --to broker-d --as issuer

section "phase 1: $PROCS processes x $EACH transfers, all signed by broker-a, different quantities"
TX0="$(status_field tx_total)"
A0="$(balance broker-a)" B0="$(balance broker-b)" C0="$(balance broker-c)"
GO="$E2E_TMP/go1"
pids=()
to_b=0 to_c=0
for p in $(seq 1 "$PROCS"); do
  # process p sends quantity p to broker-b (odd p) or broker-c (even p), EACH times
  if [ $((p % 2)) -eq 1 ]; then r=broker-b to_b=$((to_b + p * EACH)); else r=broker-c to_c=$((to_c + p * EACH)); fi
  client "p1.$p" "$GO" "$EACH" transfer "$APPLE" "$p" --to "$r" --as broker-a &
  pids+=($!)
  E2E_BG+=($!)
done
t0=$SECONDS
touch "$GO"
for p in "${pids[@]}"; do wait "$p"; done
echo "  $((PROCS * EACH)) transfers in $((SECONDS - t0)) s"
check_phase 'p1.*[0-9]' $((PROCS * EACH))
check "tx_total grew by exactly $((PROCS * EACH))" test "$(status_field tx_total)" = $((TX0 + PROCS * EACH))
check "broker-a: $A0 - $((to_b + to_c)) = $((A0 - to_b - to_c))" test "$(balance broker-a)" = $((A0 - to_b - to_c))
check "broker-b: $B0 + $to_b" test "$(balance broker-b)" = $((B0 + to_b))
check "broker-c: $C0 + $to_c" test "$(balance broker-c)" = $((C0 + to_c))
check_conserved

section "phase 2: $PROCS processes run the identical command line at the same instant, 5 times each"
A0="$(balance broker-a)" B0="$(balance broker-b)" TX0="$(status_field tx_total)"
GO="$E2E_TMP/go2"
pids=()
for p in $(seq 1 "$PROCS"); do
  client "p2.$p" "$GO" 5 transfer "$APPLE" 7 --to broker-b --as broker-a &
  pids+=($!)
  E2E_BG+=($!)
done
touch "$GO"
for p in "${pids[@]}"; do wait "$p"; done
check_phase 'p2.*[0-9]' $((PROCS * 5))
check "tx_total grew by exactly $((PROCS * 5))" test "$(status_field tx_total)" = $((TX0 + PROCS * 5))
check "broker-a: $A0 - $((PROCS * 5 * 7))" test "$(balance broker-a)" = $((A0 - PROCS * 5 * 7))
check "broker-b: $B0 + $((PROCS * 5 * 7))" test "$(balance broker-b)" = $((B0 + PROCS * 5 * 7))

section "phase 3: four senders at once, in a ring (a->b->c->d->a), 4 processes each x 5"
TX0="$(status_field tx_total)"
declare -A BAL0
for k in broker-a broker-b broker-c broker-d; do BAL0[$k]="$(balance "$k")"; done
GO="$E2E_TMP/go3"
pids=()
ring=(broker-a broker-b broker-c broker-d)
for s in 0 1 2 3; do
  for p in 1 2 3 4; do
    client "p3.$s.$p" "$GO" 5 transfer "$APPLE" $((s + 1)) --to "${ring[$(((s + 1) % 4))]}" --as "${ring[$s]}" &
    pids+=($!)
    E2E_BG+=($!)
  done
done
touch "$GO"
for p in "${pids[@]}"; do wait "$p"; done
check_phase 'p3.*[0-9]' 80
check "tx_total grew by exactly 80" test "$(status_field tx_total)" = $((TX0 + 80))
# each sender s sends 20 x (s+1) and receives 20 x s' from its predecessor
for s in 0 1 2 3; do
  k="${ring[$s]}"
  pred=$(((s + 3) % 4))
  want=$((BAL0[$k] - 20 * (s + 1) + 20 * (pred + 1)))
  check "$k: ${BAL0[$k]} - $((20 * (s + 1))) + $((20 * (pred + 1))) = $want" test "$(balance "$k")" = "$want"
done
check_conserved

section "afterwards"
check "the node answers" node_alive
check_chain_verify
check_node_log_clean
finish
