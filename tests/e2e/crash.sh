#!/usr/bin/env bash
# Crash safety: kill -9 the node at random moments while several clients keep sending
# transfers, restart it, and check that nothing a client saw committed is lost:
#   - every transfer a client saw committed (exit 0, status committed) is found by
#     `tx show` as committed, in the block the client was told;
#   - the height never goes below the highest height a client was told;
#   - `chain verify` is OK; every instrument's holders total equals its supply;
#   - the node commits again after every restart.
# FOLIO_TEST_SEED fixes the schedule (the kill instants still depend on timing);
# CRASH_ROUNDS (default 15) sets the number of kills.
. "$(dirname "$0")/lib.sh" "$@"

SEED="${FOLIO_TEST_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
ROUNDS="${CRASH_ROUNDS:-15}"
WORKERS=3
echo "FOLIO_TEST_SEED=$SEED (rounds $ROUNDS, $WORKERS load clients)"
RANDOM=$SEED

APPLE=US0378331005
MSFT=US5949181045
BROKERS=(broker-a broker-b broker-c broker-d)
REC="$E2E_TMP/committed" # one file per worker: "TXID HEIGHT" per committed transfer
STOP="$E2E_TMP/stop-load"
PAUSE="$E2E_TMP/pause-load" # the clients idle while the checks run
mkdir -p "$REC"

# worker N: transfers between random brokers until $STOP exists.
worker() {
  local n="$1" out s r isin q id h
  RANDOM=$((SEED + n))
  : >"$REC/w$n.ok"
  : >"$REC/w$n.other"
  while [ ! -e "$STOP" ]; do
    if [ -e "$PAUSE" ]; then
      sleep 0.05
      continue
    fi
    s="${BROKERS[RANDOM % 4]}"
    r="${BROKERS[RANDOM % 4]}"
    [ "$s" = "$r" ] && continue
    if [ $((RANDOM % 3)) -eq 0 ]; then isin=$MSFT; else isin=$APPLE; fi
    q=$((RANDOM % 50 + 1))
    out="$(timeout -k 5 60 "$FOLIO" transfer "$isin" "$q" --to "$r" --as "$s" --json 2>/dev/null)"
    case $? in
      0)
        id="$(grep -m1 -o '"id": "[0-9a-f]\{64\}"' <<<"$out" | grep -o '[0-9a-f]\{64\}')"
        h="$(grep -m1 -o '"height": [0-9]*' <<<"$out" | grep -o '[0-9]*$')"
        if grep -q '"status": "committed"' <<<"$out" && [ -n "$id" ] && [ -n "$h" ]; then
          echo "$id $h" >>"$REC/w$n.ok"
        else
          echo "exit 0 without a committed tx: $(tr '\n' ' ' <<<"$out" | head -c 300)" >>"$REC/w$n.other"
        fi
        ;;
      1) echo "exit 1: $(grep -o '"\(name\|code\)": "[A-Z_]*"' <<<"$out" | grep -v '"OK"' | head -n1)" >>"$REC/w$n.other" ;;
      *) sleep 0.1 ;; # node down (being killed / restarting): expected
    esac
  done
}

# check_txs FILE: every "TXID HEIGHT" line is committed at that height. One python
# process asks the CLI for each, so that a long list stays cheap.
check_txs() {
  python3 - "$FOLIO" "$1" <<'EOF'
import json, subprocess, sys
folio, path = sys.argv[1], sys.argv[2]
bad = 0
n = 0
for line in open(path):
    txid, height = line.split()
    n += 1
    p = subprocess.run([folio, "tx", "show", txid, "--json"], capture_output=True, text=True, timeout=60)
    try:
        d = json.loads(p.stdout)
        ok = p.returncode == 0 and d["status"] == "committed" and d["receipt"]["name"] == "OK" \
             and d["height"] == int(height)
    except Exception:
        ok = False
    if not ok:
        bad += 1
        if bad <= 5:
            print("        lost or moved: %s (told height %s): exit %d %s %s" %
                  (txid, height, p.returncode, p.stdout.replace("\n", " ")[:200], p.stderr.strip()[:200]))
print("%d %d" % (n, bad))
sys.exit(1 if bad else 0)
EOF
}

max_told_height() { cat "$REC"/w*.ok 2>/dev/null | awk '$2 > m {m = $2} END {print m + 0}'; }
committed_count() { cat "$REC"/w*.ok 2>/dev/null | wc -l; }

section "setup"
check "init" home_init
check "node start" node_start
for b in issuer "${BROKERS[@]}"; do
  folio keys new "$b" >/dev/null
done
expect_ok "register issuer" participant register issuer --role issuer --key issuer
for b in "${BROKERS[@]}"; do
  expect_ok "register $b" participant register "$b" --role broker --key "$b"
done
expect_ok "issue $APPLE" asset issue equity --isin "$APPLE" --name Apple --shares 1000000 --to issuer --as issuer
expect_ok "issue $MSFT" asset issue equity --isin "$MSFT" --name Microsoft --shares 200000 --to issuer --as issuer
for b in "${BROKERS[@]}"; do
  expect_ok "fund $b" transfer "$APPLE" 100000 --to "$b" --as issuer
  run transfer "$MSFT" 20000 --to "$b" --as issuer
done
check_conserved
SETUP_TXS="$(status_field tx_total)"

section "load: $WORKERS clients sending transfers; $ROUNDS kill -9 / restart rounds"
for n in $(seq 1 "$WORKERS"); do
  worker "$n" &
  E2E_BG+=($!)
done
# Per round, the transfers most at risk are checked: the last 10 each client was told
# before the kill, 10 random others from this round and 10 random from earlier rounds.
# The end checks the last round fully and a random 300 of the rest.
mkdir -p "$E2E_TMP/rounds"
t_start=$SECONDS
for round in $(seq 1 "$ROUNDS"); do
  before="$(committed_count)"
  rm -f "$PAUSE"
  # under load for sure: wait (up to 20 s) until a client is told of a commit after the
  # restart, then kill at a random moment 0.1 .. 1.0 s later
  waited=0
  while [ "$(committed_count)" -le "$before" ] && [ "$waited" -lt 200 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  sleep "0.$((RANDOM % 10))"
  sleep 0.1
  pid="$(node_pid)"
  if [ -z "$pid" ]; then
    fail "round $round: the node is not running before the kill"
    node_start || break
    continue
  fi
  kill -9 "$pid"
  node_kill9 >/dev/null # waits until it is gone
  touch "$PAUSE"
  sleep 0.2 # let in-flight clients see the failure (the node is gone: they fail fast)
  # what each client was told this round (lines past the previous round's count)
  : >"$E2E_TMP/tocheck"
  for f in "$REC"/w*.ok; do
    w="$(basename "$f" .ok)"
    done_n="$(cat "$E2E_TMP/rounds/$w.n" 2>/dev/null || echo 0)"
    tail -n +"$((done_n + 1))" "$f" >"$E2E_TMP/rounds/$w.new"
    wc -l <"$f" >"$E2E_TMP/rounds/$w.n"
    tail -n 10 "$E2E_TMP/rounds/$w.new" >>"$E2E_TMP/tocheck"
    head -n -10 "$E2E_TMP/rounds/$w.new" >>"$E2E_TMP/rounds/older"
    cat "$E2E_TMP/rounds/$w.new" >>"$E2E_TMP/rounds/r$round"
  done
  new="$(wc -l <"$E2E_TMP/rounds/r$round")"
  shuf -n 20 "$E2E_TMP/rounds/older" >>"$E2E_TMP/tocheck" 2>/dev/null
  maxh="$(max_told_height)"
  if ! node_start; then
    fail "round $round: the node does not start after kill -9"
    break
  fi
  h="$(status_field height)"
  if grep -qE 'ERROR: AddressSanitizer|runtime error:' "$FOLIO_HOME/node.log"; then
    fail "round $round: sanitizer report in node.log"
    grep -m3 -E 'ERROR: AddressSanitizer|runtime error:' "$FOLIO_HOME/node.log" | sed 's/^/        /'
  fi
  if res="$(check_txs "$E2E_TMP/tocheck")"; then
    pass "round $round: kill -9 pid $pid after $new transfers told committed this round; restart at height $h (>= $maxh told); $(wc -l <"$E2E_TMP/tocheck") of them (the last ones + a sample) still committed where told"
  else
    fail "round $round: transfers told committed are lost after kill -9 (checked/lost: $(tail -n1 <<<"$res"))"
    head -n -1 <<<"$res"
  fi
  [ "$h" -ge "$maxh" ] 2>/dev/null || fail "round $round: height $h after restart is below $maxh, a height a client was told"
  [ "$new" -gt 0 ] || fail "round $round: no transfer committed within 20 s of the previous restart"
  check_chain_verify
  for id in $APPLE $MSFT; do
    if msg="$(holders_ok "$id")"; then pass "   $msg"; else fail "round $round: $msg"; fi
  done
done
touch "$STOP"
for p in "${E2E_BG[@]}"; do wait "$p"; done
E2E_BG=()
echo "  $ROUNDS rounds in $((SECONDS - t_start)) s"

section "after the last restart"
check "the node is serving" node_alive
cat "$REC"/w*.ok >"$E2E_TMP/all"
total=$(wc -l <"$E2E_TMP/all")
check "clients saw transfers committed ($total)" test "$total" -gt 0
tx_total="$(status_field tx_total)"
check "tx_total $tx_total covers setup ($SETUP_TXS) + every transfer told committed ($total)" \
  test "$tx_total" -ge $((SETUP_TXS + total))
{
  cat "$E2E_TMP/rounds/r$ROUNDS" 2>/dev/null
  shuf -n 300 "$E2E_TMP/all"
} | sort -u >"$E2E_TMP/final"
if res="$(check_txs "$E2E_TMP/final")"; then
  pass "$(wc -l <"$E2E_TMP/final") transfers told committed (all of the last round, 300 sampled) are committed where told"
else
  fail "committed transfers lost: $(tail -n1 <<<"$res") (checked, lost)"
  head -n -1 <<<"$res"
fi
check "no client saw exit 0 without a committed tx" bash -c '! grep -h "^exit 0" "$1"/w*.other' _ "$REC"
echo "  what else the clients saw: $(cat "$REC"/w*.other | sort | uniq -c | tr -s ' \n' ' ')"
check_chain_verify
check_conserved
expect_ok "a transfer after all of that" transfer "$APPLE" 1 --to broker-b --as broker-a
expect_ok "clean stop" node stop
check "clean restart" node_start
check_chain_verify
check_node_log_clean
finish
