#!/usr/bin/env bash
# Assets demo: a cash dividend and a bond coupon paid by the ledger itself, with block
# time moved forward on a --dev node.
#   usage: FOLIO_HOME=/path/to/dev-node-home scripts/demo_assets.sh /path/to/folio
# The node must be running in --dev mode. Creates keys and participants with a "demo-"
# prefix (re-running needs a fresh home).
set -euo pipefail
F="${1:?usage: $0 /path/to/folio}"
: "${FOLIO_HOME:?set FOLIO_HOME to the home of a running dev-mode node}"
say() { printf '\n### %s\n' "$*"; }
run() { printf '$ folio %s\n' "$*"; "$F" "$@"; }
NOW_S="$(date -u +%s)"
day() {
  local t=$((NOW_S + $1 * 86400))
  date -u -d "@$t" +%F
}

for k in demo-bank demo-issuer demo-broker demo-alice demo-bob; do "$F" keys new "$k" >/dev/null; done
"$F" participant register demo-bank --role settlement-bank --key demo-bank >/dev/null
"$F" participant register demo-issuer --role issuer --key demo-issuer >/dev/null
"$F" participant register demo-broker --role broker --key demo-broker >/dev/null
"$F" participant register demo-alice --role investor --key demo-alice >/dev/null
"$F" participant register demo-bob --role investor --key demo-bob >/dev/null

say "cash: the settlement bank issues HKD to the issuer"
run asset issue cash --currency HKD --amount 100000.00 --to demo-issuer --as demo-bank
say "money is typed and shown in currency units: 1,250.50 HKD, not 125050"
run transfer HKD 1250.50 --to demo-broker --as demo-issuer
run account balance demo-broker

say "equity and a dividend: record date in 2 days, pay date in 5 days"
run asset issue equity --isin CNE000001R84 --name "Demo Holdings" --shares 1000 --to demo-alice --risk R3 --as demo-issuer
run transfer CNE000001R84 250 --to demo-bob --as demo-alice
run action dividend CNE000001R84 --per-share 0.37 --currency HKD --record-date "$(day 2)" --pay-date "$(day 5)" --as demo-issuer

say "a bond paying 3.50% quarterly (ACT/365F), first coupon in about 3 months"
run asset issue bond --isin CNE10000D0B9 --name "Demo 3.5% 2y" --currency HKD --face-value 100.00 \
  --units 500 --coupon-bps 350 --frequency quarterly --day-count ACT/365F \
  --issue-date "$(day 0)" --maturity-date "$(day 730)" --to demo-bob --risk R2 --as demo-issuer
run asset show CNE10000D0B9

say "move block time 6 days: the dividend is paid (750 x 0.37 to alice, 250 x 0.37 to bob)"
run dev time advance 6d
sleep 1
run action list
run account balance demo-alice
run account balance demo-bob

say "move block time 100 days: the first coupon is paid to bob"
run dev time advance 100d
sleep 1
run action list --isin CNE10000D0B9
run account balance demo-bob
run asset holders HKD
