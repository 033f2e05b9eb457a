#!/usr/bin/env bash
# A forward step of a one-validator node's wall clock (issue 12, item 10; consensus.md
# §16). The node runs with the clock test hook (FOLIO_TEST_CLOCK_FILE: its wall clock is
# shifted by the milliseconds written in a file it re-reads), so its clock jumps +2 h and
# back while it runs. Chain time must stay within the bound of real time (the node's clock
# gains at most 1 % on its monotonic clock), a client setting its expiry from its own clock
# (the CLI: + 10 minutes) must be accepted during the step and right after the correction,
# and the node log must report the step and the correction.
. "$(dirname "$0")/lib.sh" "$@"

CLOCK="$E2E_TMP/clock-offset-ms"
echo 0 >"$CLOCK"
# Allowed distance of a block's time from real time: 1 % of the few seconds the step lasts,
# plus slack for a slow (sanitizer) build taking its reading before the script's.
SLACK_MS=1500

now_ms() { date +%s%3N; }
tip_time() { status_field time_ms; }

# block_near_now DESC: the tip's time is within SLACK_MS of real time.
block_near_now() {
  local t r
  t="$(tip_time)"
  r="$(now_ms)"
  if [ -n "$t" ] && [ $((t - r)) -le "$SLACK_MS" ] && [ $((r - t)) -le $((SLACK_MS + 5000)) ]; then
    pass "$1: block time is $((t - r)) ms from real time"
  else
    fail "$1: block time ${t:-?} is $((${t:-0} - r)) ms from real time (allowed +$SLACK_MS)"
  fi
}

CLIENT="$(dirname "$FOLIO")/tests/own_clock_client"
N=0
# register_one WHEN: a client whose expiry is its own clock + 10 minutes (as the spec says;
# tests/e2e/tools/own_clock_client.c) is admitted and its transaction commits.
register_one() {
  local id
  N=$((N + 1))
  if ! "$CLIENT" "$FOLIO_HOME" "p$N" >"$E2E_TMP/client.out" 2>&1; then
    fail "$1: a client with expiry = its clock + 10 min is refused: $(tail -n 1 "$E2E_TMP/client.out")"
    return
  fi
  id="$(awk '$1 == "id" {print $2}' "$E2E_TMP/client.out")"
  for _ in $(seq 1 100); do
    if folio tx show "$id" --json 2>/dev/null | grep -q '"height"'; then
      pass "$1: a client with expiry = its clock + 10 min is admitted and committed"
      return
    fi
    sleep 0.1
  done
  fail "$1: the client's transaction $id did not commit within 10 s"
}

section "a one-validator node with the clock test hook"
[ -x "$CLIENT" ] || { fail "the own_clock_client test tool is built ($CLIENT)"; finish; }
check "init" home_init
check "node starts with FOLIO_TEST_CLOCK_FILE" \
  bash -c "FOLIO_TEST_CLOCK_FILE='$CLOCK' '$FOLIO' node start --detach --home '$FOLIO_HOME' >/dev/null"
if ! grep -q "TEST HOOK: the wall clock is shifted" "$FOLIO_HOME/node.log"; then
  fail "the node has the clock test hook (FOLIO_TEST_CLOCK_FILE); without it this binary cannot be tested"
  finish
fi
pass "the node has the clock test hook"
register_one "clock right"
block_near_now "clock right"

section "the node's wall clock jumps +2 h"
echo 7200000 >"$CLOCK"
sleep 0.3
register_one "clock +2 h"
block_near_now "clock +2 h"
sleep 2
register_one "clock +2 h, 2 s later"
block_near_now "clock +2 h, 2 s later"
check "the node log reports the step" grep -q "the wall clock stepped: it is +7" "$FOLIO_HOME/node.log"
grep -m1 "the wall clock stepped" "$FOLIO_HOME/node.log" | sed 's/^/        /'

section "the clock is corrected"
before="$(tip_time)"
echo 0 >"$CLOCK"
sleep 0.3
register_one "clock corrected"
block_near_now "clock corrected"
check "block time still increases" test "$(tip_time)" -gt "$before"
check "the node log reports the correction" \
  grep -q "the wall clock agrees with the node's clock again" "$FOLIO_HOME/node.log"
check "chain verify" bash -c "'$FOLIO' chain verify --home '$FOLIO_HOME' >/dev/null"
check "node stops cleanly" node_stop
check_node_log_clean

section "four validators, one started with its clock 2 h ahead"
# A node takes its wall clock as it is when it starts, so node2's clock reads +2 h all
# along: the others refuse its proposals (more than LDG_CLOCK_AHEAD_MAX_MS = 5 s ahead of
# their clocks), its rounds pass to the next proposer, and chain time stays with theirs.
NET="$E2E_TMP/net"
BASE="$(e2e_port_base)" || { echo "e2e: no free block of ports" >&2; exit 2; }
nhome() { echo "$NET/node$1"; }
echo 7200000 >"$CLOCK"
expect_ok "testnet init --validators 4" testnet init --validators 4 --dir "$NET" --base-port "$BASE"
for i in 0 1 2 3; do
  if [ "$i" = 2 ]; then
    check "node2 starts with its clock +2 h" \
      bash -c "FOLIO_TEST_CLOCK_FILE='$CLOCK' '$FOLIO' node start --detach --home '$(nhome 2)' >/dev/null"
  else
    check "node$i starts" node_start "$(nhome "$i")"
  fi
  E2E_HOMES+=("$(nhome "$i")")
done
FOLIO_HOME="$(nhome 0)"
for k in 1 2 3 4 5 6 7 8; do
  register_one "4 validators, node2 +2 h, transaction $k"
  block_near_now "4 validators, node2 +2 h, block after transaction $k"
done
check "node2's clock did read +2 h (its log has the test hook)" \
  grep -q "TEST HOOK" "$(nhome 2)/node.log"
for i in 0 1 2 3; do
  check "node$i stops cleanly" node_stop "$(nhome "$i")"
  check_node_log_clean "$(nhome "$i")"
done
finish
