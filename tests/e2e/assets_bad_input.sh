#!/usr/bin/env bash
# Bad input to the assets commands (cash, bonds, investors, rules, controls, corporate
# actions, dev time): every one gets its stable code, a clear sentence and the right exit
# code (2 usage / refused by the CLI, 1 rejected by the ledger), and changes NOTHING: the
# participants, every instrument with its holders, `action list`, the rules and the
# investor profile are byte-identical (`--json`) before and after. The height may grow by
# one for a rejection recorded in a block; the tx is then findable with its code.
# Also: a node not started with --dev refuses `dev time advance` with a sentence.
. "$(dirname "$0")/lib.sh" "$@"

EQ=US0378331005    # issuer's equity
BOND=AU0000XVGZA3  # issuer's bond
MSFT=US5949181045  # valid, never issued
NEWB=CNE100000296  # valid, for bond issues that must fail
ORDER=$(printf 'order 1' | sha256sum | cut -c1-64)

now_ms() { echo $(($(date -u +%s%3N) + $(status_field time_offset_ms))); }
day() { python3 -c 'import sys,datetime;print((datetime.datetime(1970,1,1)+datetime.timedelta(milliseconds=int(sys.argv[1]))+datetime.timedelta(days=int(sys.argv[2]))).date())' "$(now_ms)" "$1"; }

# snap: everything a failed assets command must not change.
snap() {
  business_state
  folio action list --json 2>&1
  folio asset rules show "$EQ" --json 2>&1
  folio investor show erin --json 2>&1
  folio account balance alice --json 2>&1
}

# bad KIND NAME[:EXIT] DESC ARGS...: expect_fail, then
#   cli       height and state root unchanged (nothing was sent)
#   receipt   the tx is in the next block with NAME
# and in both cases snap() is identical before and after.
bad() {
  local kind="$1" spec="$2" desc="$3"
  shift 3
  local name="${spec%%:*}" t0 t1 s0
  t0="$(tip)"
  s0="$(snap)"
  # A receipt is the ledger's own refusal: --no-check submits past the CLI's check
  # (which refuses the same mistakes before submission: submit_check.sh).
  [ "$kind" = cli ] || [ "$kind" = refused ] || set -- "$@" --no-check
  expect_fail "$spec" "$desc" "$@"
  t1="$(tip)"
  if [ "$kind" = cli ]; then
    if [ "$t0" = "$t1" ] && [ "${t1%% *}" != "?" ]; then
      pass "   ... nothing sent: height ${t1%% *} and state root unchanged"
    else
      fail "   ... height/state root changed: $t0 -> $t1"
    fi
  else
    run tx show "${FAIL_TXID:-none}" --json
    local got
    got="$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin); print(d["status"], d["receipt"]["name"], d["height"])' 2>/dev/null)"
    if [ "$got" = "rejected $name ${t1%% *}" ]; then
      pass "   ... tx ${FAIL_TXID:0:12}.. recorded in block ${t1%% *} with $name"
    else
      fail "   ... tx '$FAIL_TXID' not recorded with $name (tx show: '$got'; height ${t0%% *} -> ${t1%% *})"
    fi
  fi
  local s1
  s1="$(snap)"
  if [ "$s0" = "$s1" ]; then
    pass "   ... holders, participants, actions, rules, profile unchanged"
  else
    fail "   ... the state changed:"
    diff <(printf '%s\n' "$s0") <(printf '%s\n' "$s1") | head -n 8 | sed 's/^/        /'
  fi
}

T_START=$(date +%s)
section "setup: a --dev node"
check "init" home_init
run node start --detach --dev
check "node start --dev" test "$RC" -eq 0
for k in bank bank2 bank3 issuer issuer2 broker reg1 reg2 alice erin; do folio keys new "$k" >/dev/null; done
for p in bank:settlement-bank bank2:settlement-bank bank3:settlement-bank,issuer issuer:issuer issuer2:issuer broker:broker \
  reg1:regulator reg2:regulator alice:investor erin:investor; do
  run participant register "${p%%:*}" --role "${p#*:}" --key "${p%%:*}"
  [ "$RC" -eq 0 ] || { fail "register $p"; show_last; }
done
expect_ok "bank issues 10,000.00 CNY to issuer" asset issue cash --currency CNY --amount 10000.00 --to issuer --as bank
expect_ok "bank3 issues 100.00 USD to itself" asset issue cash --currency USD --amount 100.00 --to bank3 --as bank3
expect_ok "issue $EQ (1000) to issuer" asset issue equity --isin "$EQ" --name "Eq Co" --shares 1000 --to issuer --as issuer
expect_ok "issuer -> alice 100 $EQ" transfer "$EQ" 100 --to alice --as issuer
expect_ok "issue bond $BOND" asset issue bond --isin "$BOND" --name "Bond" --currency CNY --face-value 100.00 \
  --units 100 --coupon-bps 400 --frequency annual --day-count ACT/365F --issue-date "$(day 0)" \
  --maturity-date "$(day 1000)" --to issuer --as issuer
expect_ok "erin's investor profile" investor register erin --category ordinary --risk-class C3 --kyc-expiry "$(day 300)" --as broker
expect_ok "rules of $EQ: max holders 10" asset rules set "$EQ" --max-holders 10 --as issuer
expect_ok "a dividend on $EQ (action 1)" action dividend "$EQ" --per-share 0.10 --currency CNY \
  --record-date "$(day 5)" --pay-date "$(day 10)" --as issuer
expect_ok "reg1 freezes 10 of alice's $EQ" control freeze "$EQ" alice --quantity 10 --order "$ORDER" --as reg1
run control force-transfer "$EQ" 5 --from alice --to issuer --order "$ORDER" --as reg1 --json
PROP="$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(int(json.load(sys.stdin)["receipt"]["data"],16))' 2>/dev/null)"
check "reg1 proposes a force transfer (proposal '$PROP', pending)" test "$RC" -eq 0 -a -n "$PROP"
check_conserved
ACTIONS0="$(folio action list --json)"

section "unknown instrument"
bad receipt UNKNOWN_ASSET "transfer of an ISIN never issued" transfer "$MSFT" 1 --to issuer --as alice
bad receipt UNKNOWN_ASSET "dividend on an ISIN never issued" action dividend "$MSFT" --per-share 0.10 \
  --currency CNY --record-date "$(day 5)" --pay-date "$(day 10)" --as issuer
bad receipt UNKNOWN_ASSET "split of an ISIN never issued" action split "$MSFT" --ratio 2:1 --as issuer
bad receipt UNKNOWN_ASSET "rules of an ISIN never issued" asset rules set "$MSFT" --max-holders 5 --as issuer
bad receipt UNKNOWN_ASSET "freeze of an ISIN never issued" control freeze "$MSFT" alice --quantity 1 --order "$ORDER" --as reg1
bad receipt UNKNOWN_ASSET "force transfer of an ISIN never issued" \
  control force-transfer "$MSFT" 1 --from alice --to issuer --order "$ORDER" --as reg1
bad receipt UNKNOWN_ASSET "redeem of a currency never issued (EUR)" asset redeem cash --currency EUR --amount 1.00 --as alice
bad cli NOT_FOUND "asset show of an ISIN never issued" asset show "$MSFT"
bad cli NOT_FOUND "asset holders of an ISIN never issued" asset holders "$MSFT"
run transfer check "$MSFT" 1 --from alice --to issuer --json
check "transfer check of an ISIN never issued: allowed false, UNKNOWN_ASSET, exit 1" \
  test "$RC" -eq 1 -a "$(printf '%s' "$OUT" | jget name)" = UNKNOWN_ASSET -a "$(printf '%s' "$OUT" | jget allowed)" = false
bad cli BAD_CURRENCY:2 "cash in an unknown currency (XYZ)" asset issue cash --currency XYZ --amount 1.00 --to issuer --as bank
bad cli BAD_CURRENCY:2 "dividend paid in cnx (lower case is accepted, but no such currency)" \
  action dividend "$EQ" --per-share 0.10 --currency cnx --record-date "$(day 5)" --pay-date "$(day 10)" --as issuer
check "   ... did you mean CNY" grep -q "did you mean CNY" <<<"$FAIL_SENTENCE"

section "dates"
bad receipt BAD_DATES "dividend with the record date after the pay date" action dividend "$EQ" --per-share 0.10 \
  --currency CNY --record-date "$(day 10)" --pay-date "$(day 5)" --as issuer
bad receipt BAD_DATES "dividend with the record date equal to the pay date" action dividend "$EQ" --per-share 0.10 \
  --currency CNY --record-date "$(day 5)" --pay-date "$(day 5)" --as issuer
bad receipt BAD_DATES "dividend whose record date is already over (yesterday)" action dividend "$EQ" --per-share 0.10 \
  --currency CNY --record-date "$(day -1)" --pay-date "$(day 5)" --as issuer
bad cli BAD_DATES:2 "dividend with a record date that does not exist (2027-02-29)" action dividend "$EQ" \
  --per-share 0.10 --currency CNY --record-date 2027-02-29 --pay-date "$(day 5)" --as issuer
bad receipt BAD_DATES "bond maturing before its issue" asset issue bond --isin "$NEWB" --name B --currency CNY \
  --face-value 100.00 --units 10 --coupon-bps 400 --frequency annual --day-count ACT/365F \
  --issue-date "$(day 10)" --maturity-date "$(day 0)" --to issuer --as issuer
bad receipt BAD_DATES "bond maturing on its issue date" asset issue bond --isin "$NEWB" --name B --currency CNY \
  --face-value 100.00 --units 10 --coupon-bps 400 --frequency annual --day-count ACT/365F \
  --issue-date "$(day 10)" --maturity-date "$(day 10)" --to issuer --as issuer
bad cli BAD_DATES:2 "bond issue date 2026-13-01" asset issue bond --isin "$NEWB" --name B --currency CNY \
  --face-value 100.00 --units 10 --coupon-bps 400 --frequency annual --day-count ACT/365F \
  --issue-date 2026-13-01 --maturity-date "$(day 10)" --to issuer --as issuer
bad cli BAD_DATES:2 "lock-up date 'tomorrow'" asset rules set "$EQ" --lockup-until tomorrow --as issuer
bad cli BAD_DATES:2 "KYC expiry 31/12/2027" investor register erin --category ordinary --risk-class C3 \
  --kyc-expiry 31/12/2027 --as broker

section "bond terms, and coupons on an equity"
bad cli USAGE "equity with a coupon (--coupon-bps is a bond option)" asset issue equity --isin "$MSFT" \
  --name M --shares 10 --to issuer --coupon-bps 500 --as issuer
bad cli USAGE "equity with a maturity date" asset issue equity --isin "$MSFT" --name M --shares 10 --to issuer \
  --maturity-date "$(day 100)" --as issuer
bad receipt WRONG_KIND "a dividend on a bond (bonds pay coupons by their schedule)" action dividend "$BOND" \
  --per-share 0.10 --currency CNY --record-date "$(day 5)" --pay-date "$(day 10)" --as issuer
bad receipt WRONG_KIND "a split of a bond" action split "$BOND" --ratio 2:1 --as issuer
bad receipt WRONG_KIND "a dividend on cash (USD, by its bank that is also an issuer)" action dividend USD \
  --per-share 0.10 --currency CNY --record-date "$(day 5)" --pay-date "$(day 10)" --as bank3
check "   ... the detail says it is not an equity" grep -q "not an equity" <<<"$FAIL_SENTENCE"
bad receipt WRONG_KIND "a split of cash (USD)" action split USD --ratio 2:1 --as bank3
check "   ... the detail says it is not an equity" grep -q "not an equity" <<<"$FAIL_SENTENCE"
bad cli BAD_TERMS:2 "bond coupon 100001 bp" asset issue bond --isin "$NEWB" --name B --currency CNY \
  --face-value 100.00 --units 10 --coupon-bps 100001 --frequency annual --day-count ACT/365F \
  --issue-date "$(day 0)" --maturity-date "$(day 100)" --to issuer --as issuer
bad cli BAD_TERMS:2 "bond frequency monthly" asset issue bond --isin "$NEWB" --name B --currency CNY \
  --face-value 100.00 --units 10 --coupon-bps 400 --frequency monthly --day-count ACT/365F \
  --issue-date "$(day 0)" --maturity-date "$(day 100)" --to issuer --as issuer
bad cli BAD_TERMS:2 "bond day count ACT/ACT" asset issue bond --isin "$NEWB" --name B --currency CNY \
  --face-value 100.00 --units 10 --coupon-bps 400 --frequency annual --day-count ACT/ACT \
  --issue-date "$(day 0)" --maturity-date "$(day 100)" --to issuer --as issuer
bad cli BAD_AMOUNT:2 "bond face value 0" asset issue bond --isin "$NEWB" --name B --currency CNY \
  --face-value 0 --units 10 --coupon-bps 400 --frequency annual --day-count ACT/365F \
  --issue-date "$(day 0)" --maturity-date "$(day 100)" --to issuer --as issuer
bad cli BAD_AMOUNT:2 "dividend 0.375 CNY per share (CNY has 2 decimals)" action dividend "$EQ" \
  --per-share 0.375 --currency CNY --record-date "$(day 5)" --pay-date "$(day 10)" --as issuer
bad cli BAD_AMOUNT:2 "cash amount 1.001 CNY" asset issue cash --currency CNY --amount 1.001 --to issuer --as bank

section "split ratios"
bad receipt BAD_RATIO "ratio 0:1" action split "$EQ" --ratio 0:1 --as issuer
bad receipt BAD_RATIO "ratio 1:0" action split "$EQ" --ratio 1:0 --as issuer
bad receipt BAD_RATIO "ratio 2:2 (N must differ from M)" action split "$EQ" --ratio 2:2 --as issuer
check "   ... the detail says N must differ from M" grep -q "N different from M" <<<"$FAIL_SENTENCE"
bad receipt BAD_RATIO "ratio 1000001:1 (above 10^6)" action split "$EQ" --ratio 1000001:1 --as issuer
check "   ... the detail gives the range" grep -q "each side 1 to 1000000" <<<"$FAIL_SENTENCE"
for r in 3 a:b -1:2 3:2:1 1.5:1 ' 2:1' ''; do
  bad cli BAD_RATIO:2 "ratio '$r'" action split "$EQ" --ratio "$r" --as issuer
done

section "controls"
bad receipt SAME_REGULATOR "approval of proposal $PROP by its proposer" control approve "$PROP" --as reg1
bad receipt UNKNOWN_PROPOSAL "approval of proposal 999" control approve 999 --as reg2
bad receipt NOT_FROZEN "unfreeze 11 of alice's frozen 10" control unfreeze "$EQ" alice --quantity 11 --order "$ORDER" --as reg1
bad cli USAGE "freeze without --order" control freeze "$EQ" alice --quantity 1 --as reg1
bad cli USAGE "freeze with a short order hash" control freeze "$EQ" alice --quantity 1 --order abc --as reg1
bad cli BAD_QUANTITY:2 "freeze quantity 0" control freeze "$EQ" alice --quantity 0 --order "$ORDER" --as reg1
bad receipt FROZEN "alice moving her frozen shares" transfer "$EQ" 91 --to issuer --as alice
bad receipt UNKNOWN_ACTION "cancel of action 999" action cancel 999 --as issuer

section "roles: each command by someone who may not"
bad receipt UNAUTHORIZED "cash issued by an issuer (not a settlement bank)" asset issue cash --currency CNY \
  --amount 1.00 --to issuer --as issuer
bad receipt CASH_ISSUER "CNY issued by a second settlement bank" asset issue cash --currency CNY --amount 1.00 \
  --to issuer --as bank2
bad receipt INSUFFICIENT_BALANCE "cash redeemed by a holder of none (broker)" asset redeem cash --currency CNY \
  --amount 1.00 --as broker
bad receipt UNAUTHORIZED "equity issued by a broker" asset issue equity --isin "$MSFT" --name M --shares 10 \
  --to broker --as broker
bad receipt UNAUTHORIZED "bond issued by a broker" asset issue bond --isin "$NEWB" --name B --currency CNY \
  --face-value 100.00 --units 10 --coupon-bps 400 --frequency annual --day-count ACT/365F \
  --issue-date "$(day 0)" --maturity-date "$(day 100)" --to broker --as broker
bad receipt UNAUTHORIZED "investor registered by an issuer" investor register erin --category professional \
  --risk-class C5 --kyc-expiry "$(day 300)" --as issuer
bad receipt UNAUTHORIZED "investor registered by the investor herself" investor register erin --category professional \
  --risk-class C5 --kyc-expiry "$(day 300)" --as erin
bad receipt NOT_ISSUER "rules set by another issuer" asset rules set "$EQ" --transferable no --as issuer2
bad receipt UNAUTHORIZED "rules set by a broker" asset rules set "$EQ" --transferable no --as broker
bad receipt UNAUTHORIZED "freeze by an issuer" control freeze "$EQ" alice --quantity 1 --order "$ORDER" --as issuer
bad receipt UNAUTHORIZED "unfreeze by a broker" control unfreeze "$EQ" alice --order "$ORDER" --as broker
bad receipt UNAUTHORIZED "force transfer proposed by an issuer" control force-transfer "$EQ" 1 --from alice \
  --to issuer --order "$ORDER" --as issuer
bad receipt UNAUTHORIZED "approval by a broker" control approve "$PROP" --as broker
bad receipt NOT_ISSUER "dividend declared by another issuer" action dividend "$EQ" --per-share 0.10 \
  --currency CNY --record-date "$(day 5)" --pay-date "$(day 10)" --as issuer2
bad receipt UNAUTHORIZED "dividend declared by a broker" action dividend "$EQ" --per-share 0.10 \
  --currency CNY --record-date "$(day 5)" --pay-date "$(day 10)" --as broker
bad receipt NOT_ISSUER "split by another issuer" action split "$EQ" --ratio 2:1 --as issuer2
bad receipt UNAUTHORIZED "split by a broker" action split "$EQ" --ratio 2:1 --as broker
bad receipt NOT_ISSUER "cancel by another issuer" action cancel 1 --as issuer2
bad receipt UNAUTHORIZED "cancel by a broker" action cancel 1 --as broker

section "investors"
bad cli BAD_INVESTOR:2 "category retail" investor register erin --category retail --risk-class C3 \
  --kyc-expiry "$(day 300)" --as broker
bad cli BAD_INVESTOR:2 "risk class C6" investor register erin --category ordinary --risk-class C6 \
  --kyc-expiry "$(day 300)" --as broker
bad cli BAD_INVESTOR:2 "risk class 3" investor register erin --category ordinary --risk-class 3 \
  --kyc-expiry "$(day 300)" --as broker
bad cli NOT_FOUND "investor show of an account without a profile" investor show alice

section "dev time advance: bad durations"
for d in 5 1D 1ms -1d 1.5d 01d '' 99999999999999999999d; do
  bad cli USAGE "dev time advance '$d'" dev time advance "$d"
done

section "a node not started with --dev"
H2="$E2E_TMP/home2"
check "init a second home" home_init "$H2"
check "start it without --dev" node_start "$H2"
check "its status says dev: false" test "$(status_field dev "$H2")" = false
T2="$(tip "$H2")"
expect_fail INVALID "dev time advance on a node not in --dev mode" dev time advance 1d --home "$H2"
check "   ... the sentence says --dev" grep -q -- '--dev' <<<"$FAIL_SENTENCE"
check "   ... its height and state root are unchanged" test "$(tip "$H2")" = "$T2"
check "   ... its time offset is still 0" test "$(status_field time_offset_ms "$H2")" = 0
run dev time advance 1d --home "$H2"
check "   ... without --json: exit $RC, a 'folio: ' sentence on stderr" \
  test "$RC" -ne 0 -a -n "$(grep '^folio: ' <<<"$ERR")"

section "after all of that"
check "the node answers node status" node_alive
check_chain_verify
check_conserved
check "action list --json is byte-identical to after the setup" test "$(folio action list --json)" = "$ACTIONS0"
expect_ok "reg2 approves proposal $PROP: it still works" control approve "$PROP" --as reg2
check "alice now holds 95 of $EQ" test "$(folio account balance alice --json | jget balances.0.quantity)" = 95
check_conserved
check_node_log_clean
echo "  (ran $(($(date +%s) - T_START)) s)"
finish
