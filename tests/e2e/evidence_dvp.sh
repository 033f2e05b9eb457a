#!/usr/bin/env bash
# The disclosure rule (specs/evidence.md §10) on a settlement leg, through the real binary
# and a --dev node: a DvP pair (settle instruct, both sides) that delivers an instrument set
# with --requires-disclosure to an ordinary investor fails with NO_DISCLOSURE and moves
# nothing, until the broker has anchored a disclosure naming the investor and the instrument
# and the investor's acknowledgement linked to it, and registered them (evidence disclose);
# then the same pair settles, securities one way and cash the other, totals conserved.
. "$(dirname "$0")/lib.sh" "$@"

EQ=CNE100000296
eq() { if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi; }
PYV="$(cd "$(dirname "$0")/tools" && pwd)/ev_verify.py"
bal() {
  folio account balance "$1" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(next((b["quantity"] for b in d["balances"] if b["id"] == sys.argv[1]), 0))' "$2" 2>/dev/null
}
cd "$E2E_TMP" || exit 2

section "setup: a --dev node, an issuer, a bank, a broker, an ordinary investor"
check "init" home_init
run node start --detach --dev
check "node start --dev" test "$RC" -eq 0
for p in issuer:issuer bank:settlement-bank broker:broker alice:investor; do
  folio keys new "${p%%:*}" >/dev/null
  run participant register "${p%%:*}" --role "${p#*:}" --key "${p%%:*}"
  [ "$RC" -eq 0 ] || { fail "register $p"; show_last; }
done
KYC="$(python3 -c 'import datetime; print(datetime.date.today() + datetime.timedelta(days=400))')"
expect_ok "alice: ordinary C5" investor register alice --category ordinary --risk-class C5 --kyc-expiry "$KYC" --as broker
expect_ok "issue $EQ to broker" asset issue equity --isin "$EQ" --name "Risky Co" --shares 1000 --to broker --as issuer
expect_ok "bank issues 5000.00 CNY to alice" asset issue cash --currency CNY --amount 5000.00 --to alice --as bank
expect_ok "asset rules set $EQ --requires-disclosure" asset rules set "$EQ" --requires-disclosure --as issuer
ALICE="$(folio participant show alice --json | jget account)"
BROKER="$(folio participant show broker --json | jget account)"
check_conserved

section "DvP to ordinary alice without a disclosure: NO_DISCLOSURE, nothing moves"
expect_ok "broker instructs delivery of 100 $EQ against 1200.00 CNY" settle instruct --deliver "$EQ:100" --pay CNY:1200.00 --counterparty alice --as broker
expect_fail NO_DISCLOSURE "alice's mirror instruction (the pair would settle at once)" settle instruct --receive "$EQ:100" --pay CNY:1200.00 --counterparty broker --as alice
check "   the sentence names alice and the way out" grep -q "$ALICE.*folio evidence disclose" <<<"$FAIL_SENTENCE"
expect_fail NO_DISCLOSURE "the same submitted with --no-check: the executor's receipt" settle instruct --receive "$EQ:100" --pay CNY:1200.00 --counterparty broker --as alice --no-check
check "   a receipt on chain" test -n "$FAIL_TXID"
eq "alice's $EQ" "$(bal alice "$EQ")" 0
eq "alice's CNY" "$(bal alice CNY)" 500000
eq "broker's $EQ" "$(bal broker "$EQ")" 1000
check_conserved

section "the broker anchors the disclosure and alice's acknowledgement, and registers them"
T=$(($(date -u +%s%3N) - 60000))
printf '%s\tdisclosure\t-\tinvestor=%s isin=%s risk=R4 text=v1\n%s\tack\t#1\tinvestor=%s read and accepted\n' \
  "$T" "$ALICE" "$EQ" "$((T + 1000))" "$ALICE" >day.log
expect_ok "evidence ingest day.log --as broker" evidence ingest day.log --as broker
ACK="$(python3 "$PYV" ids day.log "$BROKER" | sed -n 2p)"
check "the acknowledgement's id" test ${#ACK} -eq 64
expect_ok "evidence disclose ACK --investor alice --isin $EQ" evidence disclose "$ACK" --investor alice --isin "$EQ" --as broker

section "the same DvP now settles: securities to alice, cash to the broker"
expect_ok "alice's mirror instruction" settle instruct --receive "$EQ:100" --pay CNY:1200.00 --counterparty broker --as alice
check "   settled at once" grep -q "settled" <<<"$OUT"
eq "alice's $EQ" "$(bal alice "$EQ")" 100
eq "alice's CNY" "$(bal alice CNY)" 380000
eq "broker's $EQ" "$(bal broker "$EQ")" 900
eq "broker's CNY" "$(bal broker CNY)" 120000
check_conserved

check_node_log_clean
finish
