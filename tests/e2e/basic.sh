#!/usr/bin/env bash
# The whole single-node flow through the real binary: init, start, keys, participants,
# issue, transfers, holders (sorted, totals, conservation after every step), balances,
# tx/block show, chain verify, stop + start keeps the state, --home vs FOLIO_HOME,
# global options anywhere, --help everywhere, --json everywhere.
. "$(dirname "$0")/lib.sh" "$@"

APPLE=US0378331005
MSFT=US5949181045

# after_step DESC: the checks that follow every state change.
after_step() {
  local id msg
  for id in $(asset_ids); do
    if msg="$(holders_ok "$id")"; then pass "after $1: $msg"; else fail "after $1: $msg"; fi
  done
}

# holder_qty ISIN NAME: quantity NAME holds per `asset holders --json` (0 if absent).
holder_qty() {
  folio asset holders "$1" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(next((h["quantity"] for h in d["holders"] if h["name"] == sys.argv[1]), 0))' "$2" 2>/dev/null
}

# balance NAME ISIN: quantity per `account balance --json` (0 if absent).
balance() {
  folio account balance "$1" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(next((b["quantity"] for b in d["balances"] if b["id"] == sys.argv[1]), 0))' "$2" 2>/dev/null
}

section "init and start"
expect_ok "folio init creates a home" init
check "home has config.ini, genesis.bin and the operator key" \
  test -f "$FOLIO_HOME/config.ini" -a -f "$FOLIO_HOME/genesis.bin" -a -f "$FOLIO_HOME/keys/operator.key"
E2E_HOMES+=("$FOLIO_HOME")
expect_fail INIT_FAILED:1 "init again on an existing home refuses" init
check "node start --detach" node_start
check "node.pid names a live process" eval 'node_pid >/dev/null'
expect_ok "node status --json" node status --json
check "node status --json parses" is_json <<<"$OUT"
check "a fresh chain is at height 0" test "$(printf '%s' "$OUT" | jget height)" = 0
CHAIN_ID="$(printf '%s' "$OUT" | jget chain_id)"
check "chain id in status matches config.ini" grep -q "chain_id = $CHAIN_ID\$" "$FOLIO_HOME/config.ini"

section "keys and participants"
for k in issuer broker-a broker-b; do
  expect_ok "keys new $k" keys new "$k"
done
expect_ok "keys list --json" keys list --json
check "keys list --json parses and lists the three keys and operator" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
rows = d if isinstance(d, list) else d.get("keys", [])
names = {r["name"] for r in rows}
sys.exit(0 if {"operator", "issuer", "broker-a", "broker-b"} <= names else 1)' "$OUT"
expect_ok "register issuer (role issuer)" participant register issuer --role issuer --key issuer
expect_ok "register broker-a (role broker) --json" participant register broker-a --role broker --key broker-a --json
check "register --json: committed with receipt OK" \
  test "$(printf '%s' "$OUT" | jget status)/$(printf '%s' "$OUT" | jget receipt.name)" = committed/OK
expect_ok "register broker-b (role broker)" participant register broker-b --role broker --key broker-b
expect_ok "participant show broker-a --json" participant show broker-a --json
check "broker-a holds the broker role" python3 -c '
import json, sys; sys.exit(0 if "broker" in json.loads(sys.argv[1])["roles"] else 1)' "$OUT"
expect_ok "participant list --json" participant list --json
check "participant list has operator, issuer, broker-a, broker-b" python3 -c '
import json, sys
names = {p["name"] for p in json.loads(sys.argv[1])["participants"]}
sys.exit(0 if names == {"operator", "issuer", "broker-a", "broker-b"} else 1)' "$OUT"

section "issue"
expect_ok "issue 1,000,000 $APPLE to issuer" \
  asset issue equity --isin "$APPLE" --name Apple --shares 1000000 --to issuer --as issuer
after_step "issue"
check "issuer holds the whole supply" test "$(holder_qty $APPLE issuer)" = 1000000
expect_ok "asset show --json" asset show "$APPLE" --json
check "asset show: supply 1000000, kind equity, issuer_name issuer" \
  test "$(printf '%s' "$OUT" | jget supply)/$(printf '%s' "$OUT" | jget kind)/$(printf '%s' "$OUT" | jget issuer.name)" = 1000000/equity/issuer

section "transfers"
expect_ok "transfer 1000 $APPLE issuer -> broker-a --json" transfer "$APPLE" 1000 --to broker-a --as issuer --json
TX1="$(printf '%s' "$OUT" | jget id)"
TX1_H="$(printf '%s' "$OUT" | jget height)"
check "transfer --json: status committed, receipt OK, 64-hex id" \
  test "$(printf '%s' "$OUT" | jget status)/$(printf '%s' "$OUT" | jget receipt.name)/${#TX1}" = committed/OK/64
after_step "transfer 1"
check "broker-a holds 1000, issuer 999000" \
  test "$(holder_qty $APPLE broker-a)/$(holder_qty $APPLE issuer)" = 1000/999000

expect_ok "transfer 300 broker-a -> broker-b (text output)" transfer "$APPLE" 300 --to broker-b --as broker-a
check "text output says committed and names the tx" grep -qE 'committed in block [0-9]+ \(tx [0-9a-f]{64}\)' <<<"$OUT"
after_step "transfer 2"
expect_ok "transfer 5000 issuer -> broker-b" transfer "$APPLE" 5000 --to broker-b --as issuer
after_step "transfer 3"
expect_ok "asset holders --json" asset holders "$APPLE" --json
check "holders issuer 994000, broker-b 5300, broker-a 700, in account order" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
got = [(h["name"], h["quantity"]) for h in d["holders"]]
accts = [h["account"] for h in d["holders"]]
ok = sorted(got) == sorted([("issuer", 994000), ("broker-b", 5300), ("broker-a", 700)])
sys.exit(0 if ok and accts == sorted(accts) else 1)' "$OUT"
expect_ok "asset holders (table)" asset holders "$APPLE"
check "table shows a TOTAL row and says conserved" \
  bash -c 'grep -q "^TOTAL .*1,000,000" <<<"$1" && grep -q "conserved" <<<"$1"' _ "$OUT"
expect_ok "transfer the whole of broker-a's 700 back to issuer" transfer "$APPLE" 700 --to issuer --as broker-a
after_step "transfer 4"
check "broker-a (now at 0) is no longer listed as a holder" test "$(holder_qty $APPLE broker-a)" = 0
expect_ok "transfer 1 to a 40-hex account (broker-a's)" \
  transfer "$APPLE" 1 --to "$(folio keys show broker-a --json | jget account)" --as issuer
after_step "transfer 5"

section "a second instrument"
expect_ok "issue 500 $MSFT to issuer, --risk R2, --class A" \
  asset issue equity --isin "$MSFT" --name Microsoft --shares 500 --to issuer --as issuer --risk R2 --class A
after_step "second issue"
expect_ok "transfer 200 $MSFT issuer -> broker-a" transfer "$MSFT" 200 --to broker-a --as issuer
after_step "transfer of $MSFT"
expect_ok "account balance broker-a --json" account balance broker-a --json
check "broker-a: 1 $APPLE and 200 $MSFT" test "$(balance broker-a $APPLE)/$(balance broker-a $MSFT)" = 1/200
check "issuer balances agree with holders" \
  test "$(balance issuer $APPLE)/$(balance issuer $MSFT)" = "$(holder_qty $APPLE issuer)/$(holder_qty $MSFT issuer)"
expect_ok "asset list --json" asset list --json
check "asset list has both instruments with their supply" python3 -c '
import json, sys
d = {a["id"]: a["supply"] for a in json.loads(sys.argv[1])["assets"]}
sys.exit(0 if d == {"US0378331005": 1000000, "US5949181045": 500} else 1)' "$OUT"

section "tx show, block show"
expect_ok "tx show $TX1 --json" tx show "$TX1" --json
check "tx show: committed asset.transfer of 1000, receipt OK, at height $TX1_H" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
ok = (d["status"] == "committed" and d["type_name"] == "asset.transfer" and d["receipt"]["name"] == "OK"
      and d["payload"][0] == "US0378331005" and d["payload"][1] == 1000 and d["height"] == int(sys.argv[2])
      and d["sender"]["name"] == "issuer" and len(d["sender"]["account"]) == 40
      and d["block_time"].endswith("Z") and isinstance(d["block_time_ms"], int))
sys.exit(0 if ok else 1)' "$OUT" "$TX1_H"
expect_ok "tx show (text)" tx show "$TX1"
expect_fail NOT_FOUND:1 "tx show of an unknown id" tx show "$(printf '0%.0s' $(seq 64))"
expect_ok "block show $TX1_H --json" block show "$TX1_H" --json
check "block $TX1_H holds $TX1" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if [t["id"] for t in d["txs"]] == [sys.argv[2]] and d["height"] == int(sys.argv[3]) else 1)' \
  "$OUT" "$TX1" "$TX1_H"
expect_ok "block show 3 (text)" block show 3
run block show 3 --json
B3_ROOT="$(printf '%s' "$OUT" | jget state_root)"
run block show 4 --json
check "block 4 links to block 3 (prev_state_root)" test "$(printf '%s' "$OUT" | jget prev_state_root)" = "$B3_ROOT"
HEIGHT="$(status_field height)"
run block show "$HEIGHT" --json
check "the tip block's state root is the status state root" \
  test "$(printf '%s' "$OUT" | jget state_root)" = "$(status_field state_root)"
expect_fail NOT_FOUND:1 "block show beyond the tip" block show $((HEIGHT + 100))

section "chain verify, errors"
check_chain_verify
expect_ok "chain verify (text)" chain verify
check "text says OK" grep -q '^OK' <<<"$OUT"
expect_ok "errors --json" errors --json
check "errors --json: unique codes and names, includes the ones the tests rely on" python3 -c '
import json, sys
d = json.loads(sys.argv[1])["errors"]
codes = [e["code"] for e in d]; names = [e["name"] for e in d]
need = {"OK", "UNAUTHORIZED", "UNKNOWN_SENDER", "UNKNOWN_ASSET", "BAD_ISIN", "INSUFFICIENT_BALANCE",
        "SELF_TRANSFER", "UNKNOWN_ACCOUNT", "NAME_TAKEN", "WRONG_CHAIN", "REPLAY"}
ok = len(set(codes)) == len(codes) and len(set(names)) == len(names) and need <= set(names) \
     and all(e["message"] for e in d)
sys.exit(0 if ok else 1)' "$OUT"

section "stop and start keep the state"
BEFORE_STATUS="$(status_field height) $(status_field state_root) $(status_field last_block_hash) $(status_field tx_total)"
BEFORE_STATE="$(business_state)"
PID="$(node_pid)"
expect_ok "node stop" node stop
check "the node process ($PID) is gone" bash -c '! pid_running "$1"' _ "$PID"
expect_fail UNAVAILABLE "node status on a stopped node" node status
check "node start again" node_start
AFTER_STATUS="$(status_field height) $(status_field state_root) $(status_field last_block_hash) $(status_field tx_total)"
check "height, state root, last block hash, tx total unchanged ($AFTER_STATUS)" test "$BEFORE_STATUS" = "$AFTER_STATUS"
check "participants, instruments and holders unchanged" test "$BEFORE_STATE" = "$(business_state)"
expect_ok "transfer after restart" transfer "$APPLE" 10 --to broker-a --as broker-b
check "height advanced by one" test "$(status_field height)" = $((${BEFORE_STATUS%% *} + 1))
after_step "transfer after restart"
check_chain_verify

section "--home vs FOLIO_HOME, global options anywhere"
H="$FOLIO_HOME"
quiet() { "$@" >/dev/null 2>&1; }
check "--home with FOLIO_HOME unset" quiet env -u FOLIO_HOME "$FOLIO" --home "$H" node status
check "--home=DIR form" quiet env -u FOLIO_HOME "$FOLIO" node status --home="$H"
check "--home wins over a bogus FOLIO_HOME" quiet env FOLIO_HOME="$E2E_TMP/nonexistent" "$FOLIO" node status --home "$H"
check "FOLIO_HOME alone" quiet env FOLIO_HOME="$H" "$FOLIO" node status
FOLIO_HOME="$E2E_TMP/nonexistent" expect_fail NO_HOME:2 "a FOLIO_HOME without config.ini" node status
H2="$E2E_TMP/other-home"
check "init --home creates that home, not FOLIO_HOME" bash -c \
  '"$1" init --home "$2" >/dev/null && test -f "$2/config.ini"' _ "$FOLIO" "$H2"
check "the other home has its own chain id" \
  bash -c '! grep -q "chain_id = $1\$" "$2/config.ini"' _ "$CHAIN_ID" "$H2"
check "--home H2 with FOLIO_HOME=H: H2's node is not running (exit 3)" \
  bash -c '"$1" --home "$2" node status >/dev/null 2>&1; test $? = 3' _ "$FOLIO" "$H2"
for form in "--json node status" "node --json status" "node status --json" \
  "--home $H node status --json" "node --home $H status --json" "--json --home=$H node status"; do
  # shellcheck disable=SC2086
  run $form
  check "global options anywhere: folio $form" bash -c '[ "$1" = 0 ] && [ "$(python3 -c "import json,sys; print(json.loads(sys.argv[1])[\"height\"])" "$2")" -ge 1 ]' _ "$RC" "$OUT"
done
expect_ok "--as before the noun" --as broker-b transfer "$APPLE" 1 --to broker-a
expect_ok "--as between noun and args" transfer --as broker-b "$APPLE" 1 --to broker-a
expect_ok "--as=KEY and --json before the noun" --json --as=broker-b transfer "$APPLE" 1 --to broker-a
check "... and that printed JSON with receipt OK" test "$(printf '%s' "$OUT" | jget receipt.name)" = OK
after_step "transfers with --as anywhere"
expect_fail NO_KEY:2 "--as with a key that does not exist in the home" transfer "$APPLE" 1 --to broker-a --as nosuchkey
run node status --home
check "--home without a value: exit 2, says it needs a value" \
  bash -c '[ "$1" = 2 ] && grep -q "needs a value" <<<"$2"' _ "$RC" "$ERR"

section "--help on every noun and verb"
expect_ok "folio --help" --help
NOUNS="$(printf '%s\n' "$OUT" | awk '/^  [a-z]+  /{print $1}')"
check "folio --help lists the nouns" test -n "$NOUNS"
for n in $NOUNS; do
  run "$n" --help
  if [ "$RC" -ne 0 ] && grep -q 'not built yet' <<<"$ERR"; then
    e2e_log "  skip  folio $n --help: $(head -n1 <<<"$ERR")"
    continue
  fi
  if [ "$RC" -eq 0 ] && [ -n "$OUT$ERR" ]; then pass "folio $n --help"; else fail "folio $n --help (exit $RC)"; fi
  for v in $(printf '%s\n%s\n' "$OUT" "$ERR" | grep -oE "folio $n [a-z][a-z-]*" | awk '{print $3}' | sort -u); do
    run "$n" "$v" --help
    if [ "$RC" -eq 0 ] && [ -n "$OUT$ERR" ]; then pass "folio $n $v --help"; else fail "folio $n $v --help (exit $RC)"; fi
  done
done
expect_fail USAGE "an unknown noun" frobnicate
expect_fail USAGE "an unknown verb" asset frobnicate

section "the node is still healthy"
check "node answers" node_alive
check_chain_verify
check_node_log_clean
expect_ok "node stop" node stop
finish
