#!/usr/bin/env bash
# State sync (specs/sync.md): four validators over TLS run blocks with transfers; a new node
# (the testnet's observer home, empty) joins with --sync-from-checkpoint. Its sync is killed
# (SIGKILL) half-way: the partial store is refused by everything that opens it, and a
# restart resumes it. One validator lies (test hook FOLIO_TEST_SNAP_CORRUPT: every chunk it
# serves is altered): it is disconnected and the sync completes from the honest ones. The
# new node then reaches the tip and follows; its state root and balances equal the
# validators', every register is conserved, and `chain verify` passes from its checkpoint.
. "$(dirname "$0")/lib.sh" "$@"

NET="$E2E_TMP/net"
BASE="$(e2e_port_base)" || { echo "e2e: no free block of ports" >&2; exit 2; }
ISIN=CNE100000296
home() { echo "$NET/node$1"; }
height_of() { folio node status --json --home "$(home "$1")" 2>/dev/null | jget height || echo 0; }
wait_height() {
  local i=$1 h=$2 t=$3 cur
  for _ in $(seq 1 $((t * 5))); do
    cur="$(height_of "$i")"
    [ -n "$cur" ] && [ "$cur" -ge "$h" ] 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}
tick() {
  for _ in $(seq 1 "$1"); do
    "$FOLIO" transfer $ISIN 1 --to broker-c --as issuer --home "$(home 0)" >/dev/null 2>&1
  done
}
# chunks_fetched: the last "chunks N fetched" of the joining node's log (0 if none).
chunks_fetched() {
  grep -o 'chunks [0-9]* fetched' "$(home 4)/node.log" 2>/dev/null | tail -n 1 | awk '{print $2+0}'
}
wait_chunks() {
  for _ in $(seq 1 150); do
    [ "$(chunks_fetched)" -ge "$1" ] 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

section "a testnet of four validators (two chunk leaves per chunk; node1 lies)"
expect_ok "testnet init --validators 4 --observers 1" testnet init --validators 4 --observers 1 --dir "$NET" --base-port "$BASE"
export FOLIO_TEST_SNAP_KEYS=2
for i in 0 1 2 3; do
  E2E_HOMES+=("$(home "$i")")
  if [ "$i" = 1 ]; then
    check "node1 starts, serving altered chunks" \
      bash -c "FOLIO_TEST_SNAP_CORRUPT=1 '$FOLIO' node start --detach --home '$(home 1)' >/dev/null"
  else
    check "node$i starts" node_start "$(home "$i")"
  fi
done
unset FOLIO_TEST_SNAP_KEYS

section "participants, an instrument and transfers"
export FOLIO_HOME="$(home 0)"
for k in issuer broker-a broker-b broker-c; do folio keys new $k >/dev/null; done
expect_ok "register issuer" participant register issuer --role issuer --key issuer
for k in broker-a broker-b broker-c; do
  expect_ok "register $k" participant register $k --role broker --key $k
done
expect_ok "issue equity" asset issue equity --isin $ISIN --name "Sync Co." --shares 1000000 --risk R3 --to issuer --as issuer
for k in broker-a broker-b broker-c; do
  expect_ok "fund $k" transfer $ISIN 100000 --to $k --as issuer
done
expect_ok "broker-a pays broker-b" transfer $ISIN 777 --to broker-b --as broker-a
tick 12
check_conserved "$(home 0)"
H0="$(height_of 0)"
check "the validators are at height $H0 >= 15" test "$H0" -ge 15

section "the new node joins with --sync-from-checkpoint; killed half-way"
E2E_HOMES+=("$(home 4)")
FOLIO_TEST_SNAP_DELAY_MS=150 "$FOLIO" node start --observer --sync-from-checkpoint \
  --home "$(home 4)" >>"$(home 4)/node.log" 2>&1 &
SYNC_PID=$!
E2E_BG+=("$SYNC_PID")
check "it fetches certified chunks (log: chunks N fetched / known, keys/s)" wait_chunks 4
check "the log names the checkpoint and the certifying block" \
  grep -q "state sync: checkpoint at height" "$(home 4)/node.log"
kill -9 "$SYNC_PID" 2>/dev/null
wait "$SYNC_PID" 2>/dev/null
FIRST="$(chunks_fetched)"
check "killed mid-sync (after $FIRST chunks, before the end)" \
  bash -c "! grep -q 'state sync done' '$(home 4)/node.log'"
run chain verify --home "$(home 4)"
check "the partly synced store is refused (chain verify: exit $RC)" \
  bash -c "[ $RC -ne 0 ] && grep -q 'partly state-synced' <<<'$ERR$OUT'"
run asset holders $ISIN --home "$(home 4)"
check "and no read takes it for a complete one" test "$RC" -ne 0

section "restart: the sync resumes and completes"
check "node4 restarts (no flag: the pending sync resumes)" \
  bash -c "'$FOLIO' node start --detach --observer --home '$(home 4)' >/dev/null"
check "the log says it resumed" grep -q "resuming the sync" "$(home 4)/node.log"
check "the sync completed" grep -q "state sync done" "$(home 4)/node.log"
check "the lying peer was disconnected (log names it)" \
  grep -q "served a bad chunk.*disconnected" "$(home 4)/node.log"
tick 3
H1="$(height_of 0)"
check "node4 reaches the validators' tip $H1 by block sync" wait_height 4 "$H1" 60

section "the same state as the validators"
sleep 2
R0="$(tip "$(home 0)")"
R4="$(tip "$(home 4)")"
check "node0 and node4: same height and state root ($R0 / $R4)" test "$R0" = "$R4"
check "the same participants, instruments and holders" \
  test "$(business_state "$(home 0)")" = "$(business_state "$(home 4)")"
check_conserved "$(home 4)"
run asset holders $ISIN --json --home "$(home 4)"
check "node4's register shows broker-b's 100,777 (funded 100,000, paid 777)" \
  bash -c "grep -q '\"quantity\": 100777' <<<'$OUT'"
check_chain_verify "$(home 4)"
run block show 1 --home "$(home 4)"
check "a block below the checkpoint is not there (exit $RC)" test "$RC" -ne 0

section "the honest validators, the lying one"
check_chain_verify "$(home 0)"
for i in 0 1 2 3 4; do check_node_log_clean "$(home "$i")"; done
finish
