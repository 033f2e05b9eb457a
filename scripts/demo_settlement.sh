#!/usr/bin/env bash
# The settlement demo: brokers trade peer to peer, the CCP novates, clearing runs a netting
# cycle whose trades are in gridlock (nothing can settle one by one) and the
# liquidity-saving mechanism settles them together, a seller short of shares is carried
# into the next cycle, a bilateral instruction settles outside the CCP, and the cycle
# report is written as a self-contained HTML page.
#
#   scripts/demo_settlement.sh /path/to/folio        (FOLIO_HOME: a running node whose
#                                                     operator key is a registrar)
# Writes the report to $FOLIO_DEMO_OUT (default: $FOLIO_HOME/cycle-1.html).
set -euo pipefail
folio=$(realpath "${1:-build/folio}")
: "${FOLIO_HOME:?set FOLIO_HOME to the home of a running node}"
export FOLIO_HOME
out=${FOLIO_DEMO_OUT:-$FOLIO_HOME/cycle-1.html}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ folio'; printf ' %q' "$@"; printf '\n'; "$folio" "$@"; }
quiet() { "$folio" "$@" >/dev/null; }
# trade SELLER BUYER ISIN QTY PRICE: the seller submits, the buyer affirms.
trade() {
  local id
  printf '$ folio trade submit --isin %s --side sell --quantity %s --price %s --currency CNY --counterparty %s --as %s\n' \
    "$3" "$4" "$5" "$2" "$1"
  id=$("$folio" trade submit --isin "$3" --side sell --quantity "$4" --price "$5" --currency CNY \
    --counterparty "$2" --as "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["trade_id"])')
  echo "trade id $id"
  run trade affirm "$id" --as "$2"
}

# Instruments (ISINs with valid check digits) and participants of this demo.
HARBOUR=CNE10000ST02 # Harbour Logistics A
RIVER=CNE10000ST10   # River Power A

step "1. Keys and participants: a CCP, clearing staff, a settlement bank, an issuer, three brokers"
for p in ccp:ccp clearing:clearing settle-bank:settlement-bank stl-issuer:issuer \
  broker-x:broker broker-y:broker broker-z:broker; do
  name=${p%%:*} role=${p#*:}
  "$folio" keys show "$name" >/dev/null 2>&1 || quiet keys new "$name"
  if ! "$folio" participant show "$name" >/dev/null 2>&1; then
    run participant register "$name" --role "$role" --key "$name"
  fi
done

step "2. The issuer issues two equities straight to the selling brokers"
"$folio" asset show "$HARBOUR" >/dev/null 2>&1 ||
  run asset issue equity --isin "$HARBOUR" --name "Harbour Logistics A" --shares 10000 --risk R3 --to broker-x --as stl-issuer
"$folio" asset show "$RIVER" >/dev/null 2>&1 ||
  run asset issue equity --isin "$RIVER" --name "River Power A" --shares 4000 --risk R3 --to broker-y --as stl-issuer

step "3. The settlement bank issues cash: 20,000.00 CNY to broker-x, 50,000.00 to broker-z, none to broker-y"
run asset issue cash --currency CNY --amount 20000.00 --to broker-x --as settle-bank
run asset issue cash --currency CNY --amount 50000.00 --to broker-z --as settle-bank

step "4. Trades, each affirmed by its counterparty; the CCP novates each into two obligations"
# Gridlock: x sells Harbour to y, y sells River to x, 80,000.00 CNY each way; y holds no
# cash and x only 20,000.00, so neither trade can settle on its own.
trade broker-x broker-y "$HARBOUR" 4000 20.00
trade broker-y broker-x "$RIVER" 1000 80.00
# z buys Harbour from x with its own cash.
trade broker-x broker-z "$HARBOUR" 500 21.00
# z sells River it does not hold: this one will fail and be carried.
trade broker-z broker-x "$RIVER" 200 81.00
run trade list

step "5. A trade cancelled before affirmation"
id=$("$folio" trade submit --isin "$HARBOUR" --side buy --quantity 10 --price 19.90 --currency CNY \
  --counterparty broker-x --as broker-z --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["trade_id"])')
echo "trade id $id"
run trade cancel "$id" --as broker-z

step "6. Clearing runs the netting cycle: multilateral netting, DvP through the CCP, the LSM picks what settles"
cycle=$("$folio" cycle run --as clearing --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["cycle"])')
run cycle show "$cycle"

step "7. Balances after the cycle: the gridlock settled; broker-z's River sale is carried"
for p in broker-x broker-y broker-z; do run account balance "$p"; done

step "8. The cycle report as a self-contained HTML page (figures and a gross-vs-net chart)"
run cycle report "$cycle" --html "$out"

step "9. Bilateral settlement outside the CCP: x delivers Harbour to z against payment"
run settle instruct --deliver "$HARBOUR:100" --pay CNY:2000.00 --counterparty broker-z --as broker-x
run settle instruct --receive "$HARBOUR:100" --pay CNY:2000.00 --counterparty broker-x --as broker-z
run settle queue

step "10. broker-z gets the River shares it sold; the next cycle settles the carried trade"
run transfer "$RIVER" 200 --to broker-z --as broker-x
run cycle run --as clearing
run cycle list
run trade list --status settled
echo
echo "report: $out"
