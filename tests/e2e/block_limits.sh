#!/usr/bin/env bash
# Governed block limits on a running four-validator testnet (specs/governance.md §5): the
# committee (the four validators) lowers block.max_txs from its ceiling to 100 with a
# param-set proposal; `gov committee` shows it pending with its activation height, then in
# force. A burst of ~1200 transactions (an imported register: holders registered and
# distributed, 1000 per submission) then goes through: every block after the activation
# carries at most 100 transactions and the busiest carry exactly 100 (the limit binds), the
# burst completes (nothing stalls), the supply is conserved, every node has the same tip
# and chain verify passes on every node. Refusals: a value below the floor or above the
# ceiling (GOV_PARAM_RANGE), an unknown parameter (GOV_UNKNOWN_PARAM).
. "$(dirname "$0")/lib.sh" "$@"

NET="$E2E_TMP/net"
BASE="$(e2e_port_base)" || { echo "e2e: no free block of ports" >&2; exit 2; }
GEN="$(dirname "$0")/tools/import_gen.py"
ISIN=CNE100000296
LIMIT=100
home() { echo "$NET/node$1"; }
height_of() { folio node status --json --home "$(home "$1")" 2>/dev/null | jget height || echo 0; }
param_json() { folio gov committee --json --home "$(home "${1:-0}")"; }
# param NAME [NODE]: the value in force.
param() {
  param_json "${2:-0}" | python3 -c '
import json, sys
print({p["name"]: p["value"] for p in json.load(sys.stdin)["params"]}[sys.argv[1]])' "$1"
}

section "a four-validator testnet; block.max_txs is at its ceiling"
expect_ok "testnet init --validators 4" testnet init --validators 4 --dir "$NET" --base-port "$BASE" --no-tls
for i in 0 1 2 3; do
  check "node$i starts" node_start "$(home "$i")"
done
check "block.max_txs is 8192 (the ceiling, by default)" test "$(param block.max_txs)" = 8192
check "block.max_bytes is 16777216" test "$(param block.max_bytes)" = 16777216

section "proposal validation"
expect_fail GOV_PARAM_RANGE "block.max_txs 63 (below the floor, 64)" \
  gov propose param-set block.max_txs 63 --home "$(home 0)" --as validator
check "... the sentence names the bounds" grep -q "64 to 8192" <<<"$FAIL_SENTENCE"
expect_fail GOV_PARAM_RANGE "block.max_txs 8193 (above the ceiling)" \
  gov propose param-set block.max_txs 8193 --home "$(home 0)" --as validator
expect_fail GOV_PARAM_RANGE "block.max_bytes 1000 (below two transactions of the largest size)" \
  gov propose param-set block.max_bytes 1000 --home "$(home 0)" --as validator
expect_fail GOV_UNKNOWN_PARAM "block.max_gas (no such parameter)" \
  gov propose param-set block.max_gas 1000000 --home "$(home 0)" --as validator

section "the committee lowers block.max_txs to $LIMIT"
run gov propose param-set block.max_txs $LIMIT --delay 1500 --json --home "$(home 0)" --as validator
ID="$(gov_id <<<"$OUT")"
check "proposed (id $ID)" test -n "$ID"
expect_ok "validator-0 votes yes" gov vote "$ID" yes --home "$(home 0)" --as validator
expect_ok "validator-1 votes yes" gov vote "$ID" yes --home "$(home 1)" --as validator
expect_ok "validator-2 votes yes: passes" gov vote "$ID" yes --home "$(home 2)" --as validator
AT="$(folio gov show "$ID" --json --home "$(home 0)" | jget activation_height)"
check "an activation height is set ($AT)" test -n "$AT" -a "$AT" != null
run gov committee --json --home "$(home 1)"
PEND="$(python3 -c '
import json, sys
p = {x["name"]: x for x in json.load(sys.stdin)["params"]}["block.max_txs"]
print(p["value"], " ".join("%d@%d" % (q["value"], q["activation_height"]) for q in p["pending"]))' <<<"$OUT")"
if [ "$(folio gov show "$ID" --json --home "$(home 1)" | jget status)" = passed ]; then
  check "gov committee --json shows it pending: 8192 now, $LIMIT at $AT ($PEND)" test "$PEND" = "8192 $LIMIT@$AT"
  expect_ok "gov committee (table)" gov committee --home "$(home 1)"
  check "... the table shows '$LIMIT at $AT'" grep -q "$LIMIT at $AT" <<<"$OUT"
else
  pass "the activation overtook the pending view (status $(folio gov show "$ID" --json --home "$(home 1)" | jget status))"
fi
# While an activation is pending every node makes blocks back to back (work due): 1500
# blocks leave time to read the pending view, and pass in well under two minutes.
activated() {
  for _ in $(seq 1 600); do
    [ "$(folio gov show "$ID" --json --home "$(home 3)" 2>/dev/null | jget status)" = activated ] && return 0
    sleep 0.2
  done
  return 1
}
check "activated on node3" activated
for i in 0 1 2 3; do
  check "node$i: block.max_txs is $LIMIT" test "$(param block.max_txs "$i")" = $LIMIT
done

section "a burst of transfers after the activation"
export FOLIO_HOME="$(home 0)"
folio keys new issuer >/dev/null
expect_ok "register issuer" participant register issuer --role issuer --key issuer
python3 "$GEN" register 600 blk >"$E2E_TMP/reg.csv"
FROM="$(height_of 0)"
START=$(date +%s)
run asset import "$E2E_TMP/reg.csv" --isin "$ISIN" --name "Burst Co." --as issuer --registrar operator --json
check "the import of 600 holders completes (exit $RC)" test "$RC" -eq 0
[ "$RC" -eq 0 ] || show_last
check "... within 300 s (nothing stalls: $(($(date +%s) - START)) s)" test $(($(date +%s) - START)) -le 300
TO="$(height_of 0)"
MAXN=0
FULL=0
TOTAL=0
OVER=""
for h in $(seq "$((AT + 1))" "$TO"); do
  n="$(folio block show "$h" --limit 1 --json | jget tx_count)"
  TOTAL=$((TOTAL + n))
  [ "$n" -gt "$MAXN" ] && MAXN=$n
  [ "$n" -eq $LIMIT ] && FULL=$((FULL + 1))
  [ "$n" -gt $LIMIT ] && OVER="$OVER $h:$n"
done
check "no block after $AT carries more than $LIMIT transactions (most: $MAXN)" test -z "$OVER"
[ -z "$OVER" ] || echo "    over the limit:$OVER"
check "the limit binds: $FULL blocks carry exactly $LIMIT (of $TOTAL txs in blocks $((AT + 1))..$TO)" test "$FULL" -ge 5
check "the burst's blocks were made after the activation ($FROM > $AT)" test "$FROM" -gt "$AT"
check_conserved "$(home 0)"

section "every node agrees; chain verify"
T="$(height_of 0)"
for i in 1 2 3; do
  for _ in $(seq 1 100); do [ "$(height_of "$i")" -ge "$T" ] && break; sleep 0.2; done
done
H0="$(folio block show "$T" --limit 1 --json --home "$(home 0)" | jget hash)"
for i in 1 2 3; do
  check "node$i has block $T with node0's hash" \
    test "$(folio block show "$T" --limit 1 --json --home "$(home "$i")" | jget hash)" = "$H0"
done
for i in 0 1 2 3; do
  folio node stop --home "$(home "$i")" >/dev/null 2>&1
  check_chain_verify "$(home "$i")"
done
for i in 0 1 2 3; do
  check_node_log_clean "$(home "$i")"
done
finish
