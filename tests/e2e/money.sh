#!/usr/bin/env bash
# One notation for money (specs/money.md) through the real binary and a real --dev node:
# every amount typed in the assets commands is a decimal in the currency's units and
# arrives exactly to the fen (cash issue, transfer, redeem, freeze, dividend per share, bond
# face value and coupon), checked through --json minor units and by conserving every total;
# an amount with more decimals than the currency has is refused (exit 2, BAD_AMOUNT) and
# makes no transaction; and no table or receipt of the session shows a minor-unit figure
# labelled as currency.
. "$(dirname "$0")/lib.sh" "$@"

EQ=CNE000001R84    # equity paying the dividend
BOND=AU0000XVGZA3  # one-period bond: coupon + face at maturity
ORDER=$(printf 'court order 2026/21' | sha256sum | cut -c1-64)
SCAN="$E2E_TMP/scan.txt" # every text output a person would read in this session
: >"$SCAN"

now_ms() {
  local off
  off="$(status_field time_offset_ms)"
  echo $(($(date -u +%s%3N) + ${off:-0}))
}
day() { python3 -c 'import sys,datetime;print((datetime.datetime(1970,1,1)+datetime.timedelta(milliseconds=int(sys.argv[1]))+datetime.timedelta(days=int(sys.argv[2]))).date())' "$(now_ms)" "$1"; }
eq() { if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi; }
# minor ACCOUNT ID: ACCOUNT's holding of ID in minor units (from balance --json; 0 if none).
minor() {
  folio account balance "$1" --json | python3 -c '
import json, sys
print(sum(b["quantity"] for b in json.load(sys.stdin)["balances"] if b["id"] == sys.argv[1]))' "$2"
}
supply() { folio asset show "$1" --json | jget supply; }
txs() { status_field tx_total; }
# text CMD...: runs a read or write command in text mode and keeps its output for the scan.
text() {
  run "$@"
  printf '%s\n%s\n' "$OUT" "$ERR" >>"$SCAN"
  [ "$RC" -eq 0 ] || { fail "$* (exit $RC)"; show_last; }
}
# conserved ID: holders total == supply, conserved: true.
conserved() {
  local s
  s="$(holders_ok "$1")" && pass "conserved: $s" || fail "not conserved: $s"
}
# refused DESC CMD...: exit 2 with BAD_AMOUNT, and no transaction reached the node.
refused() {
  local desc="$1" t0
  shift
  t0="$(txs)"
  expect_fail BAD_AMOUNT:2 "$desc" "$@"
  printf '%s\n' "$ERR" >>"$SCAN"
  sleep 0.3
  eq "   ... no transaction was made" "$(txs)" "$t0"
}
advance() {
  local h0
  h0="$(status_field height)"
  run dev time advance "$1"
  for _ in $(seq 1 40); do
    [ "$(status_field height)" -gt "$h0" ] && break
    sleep 0.25
  done
}
afield() {
  folio action list --json | python3 -c '
import json, sys
for a in json.load(sys.stdin)["actions"]:
    if a["id"] == int(sys.argv[1]):
        v = a[sys.argv[2]]
        print(v["minor"] if isinstance(v, dict) else v); break' "$1" "$2"
}

section "setup: a --dev node"
check "init" home_init
run node start --detach --dev
check "node start --dev" test "$RC" -eq 0
for k in bank issuer alice bob reg1; do folio keys new "$k" >/dev/null; done
for p in bank:settlement-bank issuer:issuer alice:investor bob:investor reg1:regulator; do
  run participant register "${p%%:*}" --role "${p#*:}" --key "${p%%:*}"
  [ "$RC" -eq 0 ] || { fail "register $p"; show_last; }
done

section "cash: typed in CNY, kept in fen"
text asset issue cash --currency CNY --amount 500000.5 --to issuer --as bank
eq "issue 500000.5 CNY: issuer holds (fen)" "$(minor issuer CNY)" 50000050
eq "   supply (fen)" "$(supply CNY)" 50000050
OUT="$(folio asset show CNY --json)"
eq "   supply_money.decimal" "$(printf '%s' "$OUT" | jget supply_money.decimal)" 500000.50
eq "   supply_money.scale" "$(printf '%s' "$OUT" | jget supply_money.scale)" 2
eq "   supply_money.currency" "$(printf '%s' "$OUT" | jget supply_money.currency)" CNY
text transfer CNY 100 --to alice --as issuer
eq "transfer CNY 100 moves 100.00 CNY (10000 fen), not 1.00" "$(minor alice CNY)" 10000
text transfer CNY 100.50 --to alice --as issuer
eq "transfer CNY 100.50: alice holds 200.50 CNY" "$(minor alice CNY)" 20050
text transfer CNY 0.01 --to bob --as alice
eq "transfer CNY 0.01: bob holds 1 fen" "$(minor bob CNY)" 1
text transfer CNY "1,000.25" --to bob --as issuer
eq "transfer CNY 1,000.25 (separators)" "$(minor bob CNY)" 100026
eq "issuer keeps 500000.50 - 100 - 100.50 - 1000.25" "$(minor issuer CNY)" $((50000050 - 10000 - 10050 - 100025))
run transfer check CNY 200.49 --from alice --to bob
printf '%s\n' "$OUT" >>"$SCAN"
check "transfer check CNY 200.49 (alice holds 200.49): allowed, says 200.49 CNY" grep -q "allowed: 200.49 CNY" <<<"$OUT"
run transfer check CNY 200.50 --from alice --to bob
printf '%s\n' "$OUT" >>"$SCAN"
check "transfer check CNY 200.50: blocked, 'holds 200.49 CNY, needs 200.50 CNY'" \
  grep -q "holds 200.49 CNY, needs 200.50 CNY" <<<"$OUT"
text asset redeem cash --currency CNY --amount 0.49 --as alice
eq "redeem 0.49: alice holds 200.00 CNY" "$(minor alice CNY)" 20000
eq "   supply shrinks by 49 fen" "$(supply CNY)" $((50000050 - 49))
expect_fail INSUFFICIENT_BALANCE "redeem 200.01 CNY when holding 200.00" asset redeem cash --currency CNY --amount 200.01 --as alice
printf '%s\n' "$FAIL_SENTENCE" >>"$SCAN"
check "   ... the ledger says 'holds 200.00 CNY, needs 200.01 CNY'" grep -q "holds 200.00 CNY, needs 200.01 CNY" <<<"$FAIL_SENTENCE"
conserved CNY

section "freeze of cash, shown in balance and holders"
text control freeze CNY alice --quantity 50.25 --order "$ORDER" --as reg1
OUT="$(folio account balance alice --json)"
eq "balance --json: frozen (fen)" "$(printf '%s' "$OUT" | jget balances.0.frozen)" 5025
eq "balance --json: frozen_money.decimal" "$(printf '%s' "$OUT" | jget balances.0.frozen_money.decimal)" 50.25
text account balance alice
check "balance (text) shows 200.00 CNY held, 50.25 CNY frozen" grep -q "200.00 CNY.*50.25 CNY" <<<"$OUT"
text asset holders CNY
check "holders (text) shows alice's 50.25 CNY frozen" grep -q "alice.*200.00 CNY.*50.25 CNY" <<<"$OUT"
expect_fail FROZEN "alice moving 150.00 CNY (only 149.75 free)" transfer CNY 150 --to bob --as alice
printf '%s\n' "$FAIL_SENTENCE" >>"$SCAN"
check "   ... 'frozen' detail in CNY" grep -q "50.25 CNY frozen, 149.75 CNY free" <<<"$FAIL_SENTENCE"
text control unfreeze CNY alice --order "$ORDER" --as reg1

section "too many decimals: refused, nothing submitted"
refused "transfer CNY 100.505" transfer CNY 100.505 --to bob --as issuer
refused "transfer check CNY 1.001" transfer check CNY 1.001 --from issuer --to bob
refused "issue cash 500000.505" asset issue cash --currency CNY --amount 500000.505 --to issuer --as bank
refused "redeem cash 0.001" asset redeem cash --currency CNY --amount 0.001 --as alice
refused "freeze CNY 0.001" control freeze CNY alice --quantity 0.001 --order "$ORDER" --as reg1
refused "dividend --per-share 0.355" action dividend "$EQ" --per-share 0.355 --currency CNY \
  --record-date "$(day 2)" --pay-date "$(day 4)" --as issuer
refused "bond --face-value 100.255" asset issue bond --isin "$BOND" --name B --currency CNY \
  --face-value 100.255 --units 10 --coupon-bps 1000 --frequency annual --day-count ACT/360 \
  --issue-date "$(day 0)" --maturity-date "$(day 90)" --to issuer --risk R2 --as issuer
check "   ... the sentence names the amount, the currency and its scale" \
  grep -q "100.255 has more decimals than CNY allows (2)" <<<"$ERR"
expect_fail BAD_QUANTITY:2 "a share quantity with decimals (transfer $EQ 1.5)" transfer "$EQ" 1.5 --to bob --as issuer

section "dividend of 0.35 CNY per share"
text asset issue equity --isin "$EQ" --name "Div Co" --shares 10000 --to issuer --as issuer --risk R1
text transfer "$EQ" 1000 --to alice --as issuer
text transfer "$EQ" 2000 --to bob --as issuer
A0="$(minor alice CNY)" B0="$(minor bob CNY)" I0="$(minor issuer CNY)" S0="$(supply CNY)"
run action dividend "$EQ" --per-share 0.35 --currency CNY --record-date "$(day 1)" --pay-date "$(day 2)" --as issuer --json
DIV="$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(int(json.load(sys.stdin)["receipt"]["data"],16))' 2>/dev/null)"
check "dividend declared (action '$DIV')" test "$RC" -eq 0 -a -n "$DIV"
eq "   per_unit (fen)" "$(afield "$DIV" per_unit)" 35
advance 2d
advance 1h
for _ in $(seq 1 40); do [ "$(afield "$DIV" state)" = done ] && break; sleep 0.25; done
eq "dividend state" "$(afield "$DIV" state)" done
eq "   total = 10000 x 35 fen" "$(afield "$DIV" total)" 350000
eq "   paid = total" "$(afield "$DIV" paid)" 350000
eq "   alice +1000 x 0.35 = 350.00 CNY" $(($(minor alice CNY) - A0)) 35000
eq "   bob +2000 x 0.35 = 700.00 CNY" $(($(minor bob CNY) - B0)) 70000
eq "   issuer -3000 x 0.35 (keeps its own 7000 x 0.35)" $((I0 - $(minor issuer CNY))) 105000
eq "   CNY supply unchanged" "$(supply CNY)" "$S0"
OUT="$(folio action list --json)"
eq "action list --json: per_unit.decimal" "$(printf '%s' "$OUT" | jget actions.0.per_unit.decimal)" 0.35
text action list
check "action list (text): per unit 0.35 CNY, paid 3,500.00 CNY, total 3,500.00 CNY, 3 of 3 holders" \
  grep -Eq "0\.35 CNY +3,500\.00 CNY +3,500\.00 CNY +3 of 3" <<<"$OUT"
conserved CNY
conserved "$EQ"

section "bond: face value 100.25 CNY, one coupon, paid at maturity"
text asset issue bond --isin "$BOND" --name "Bond 10% 90d" --currency CNY --face-value 100.25 \
  --units 10 --coupon-bps 1000 --frequency annual --day-count ACT/360 --issue-date "$(day 0)" \
  --maturity-date "$(day 90)" --to bob --risk R2 --as issuer
OUT="$(folio asset show "$BOND" --json)"
eq "face_value (fen)" "$(printf '%s' "$OUT" | jget bond.face_value.minor)" 10025
eq "face_value.decimal" "$(printf '%s' "$OUT" | jget bond.face_value.decimal)" 100.25
CPU="$(printf '%s' "$OUT" | jget bond.schedule.0.coupon_per_unit.minor)"
eq "coupon per unit = floor(10025 x 1000 x 90 / (10000 x 360)) fen" "$CPU" $((10025 * 1000 * 90 / (10000 * 360)))
text asset show "$BOND"
check "asset show (text): face 100.25 CNY per unit" \
  grep -q "100.25 CNY per unit" <<<"$OUT"
check "   ... schedule row: coupon 2.50 CNY, redemption 100.25 CNY" grep -Eq " 2\.50 CNY +100\.25 CNY$" <<<"$OUT"
B0="$(minor bob CNY)" I0="$(minor issuer CNY)" S0="$(supply CNY)"
advance 91d
for _ in $(seq 1 40); do [ "$(supply "$BOND")" = 0 ] && break; sleep 0.25; done
eq "bond redeemed: supply" "$(supply "$BOND")" 0
eq "   bob +10 x (2.50 + 100.25) CNY" $(($(minor bob CNY) - B0)) $((10 * (CPU + 10025)))
eq "   issuer -10 x (2.50 + 100.25) CNY" $((I0 - $(minor issuer CNY))) $((10 * (CPU + 10025)))
eq "   CNY supply unchanged" "$(supply CNY)" "$S0"
conserved CNY

section "the rule in --help and the man page"
RULE="decimal in the currency's units"
help_ok() {
  run "$@" --help
  if [ "$RC" -ne 0 ]; then
    fail "folio${*:+ $*} --help (exit $RC)"
  elif ! grep -q "$RULE" <<<"$OUT"; then
    fail "folio${*:+ $*} --help does not state the money rule"
  elif grep -v "exact minor units" <<<"$OUT" | grep -qi "minor unit"; then
    fail "folio${*:+ $*} --help speaks of minor units: $(grep -i 'minor unit' <<<"$OUT" | head -1)"
  else
    pass "folio${*:+ $*} --help states the rule"
  fi
}
help_ok
for c in "asset" "asset issue cash" "asset redeem cash" "asset issue bond" "action" \
  "action dividend" "transfer" "transfer check" "control freeze" "control unfreeze" \
  "control force-transfer"; do
  # shellcheck disable=SC2086
  help_ok $c
done
run man
check "the man page has MONEY AND QUANTITIES with the rule" \
  grep -q "$RULE" <<<"$(sed -n '/^\.SH MONEY AND QUANTITIES/,/^\.SH ENV/p' <<<"$OUT")"

section "every read command's table output"
for who in bank issuer alice bob reg1; do text account balance "$who"; done
text asset list
for id in CNY "$EQ" "$BOND"; do
  text asset show "$id"
  text asset holders "$id"
done
text action list
text action list --isin "$EQ"
# Labelled figures at the currency's scale, table money alone in its cell and right-aligned;
# no minor-unit figure of this session shown.
python3 "$(dirname "$0")/tools/money_scan.py" "$SCAN" 50000050 "minor units" >"$E2E_TMP/scan.out" 2>&1
SRC=$?
check "no minor-unit figure labelled as currency; table money right-aligned, alone in its cell ($(head -1 "$E2E_TMP/scan.out"))" test "$SRC" -eq 0
[ "$SRC" -eq 0 ] || sed 's/^/        /' "$E2E_TMP/scan.out"
check "the scan sees 500,000.50 CNY where 50000050 was" grep -q "500,000.50 CNY" "$SCAN"
check "the scan sees 0.35 CNY where '35 CNY' was" grep -q "0.35 CNY" "$SCAN"

check_node_log_clean
finish
