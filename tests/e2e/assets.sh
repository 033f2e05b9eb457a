#!/usr/bin/env bash
# Programmable instruments through the real binary and a real --dev node (specs/assets.md):
# cash issue/redeem, bonds whose coupons and redemption the ledger pays by itself
# (funded and unfunded), dividends with record-date semantics, a 3:2 split with the
# fraction rule, suitability, transfer rules (and `transfer check` agreeing with a real
# transfer), and legal controls (freeze, maker-checker force transfer). Every step that
# moves value is followed by the conservation check of every instrument (holders total ==
# supply, conserved: true). Block time is moved with `folio dev time advance`.
. "$(dirname "$0")/lib.sh" "$@"

EQ_DIV=CNE000001R84 # dividend
EQ_SPL=US0378331005 # split 3:2
EQ_SUI=CNE100000296 # suitability (R3)
EQ_RUL=US5949181045 # rules and controls
BOND=AU0000XVGZA3   # funded bond, 2 semiannual periods
BOND2=US02079K3059  # issuer2's bond, unfunded first coupon
ORDER=$(printf 'court order 2026/17' | sha256sum | cut -c1-64)

# ---- helpers -------------------------------------------------------------------------

# now_ms: the node's clock (wall clock + the dev offset), ms since the epoch.
now_ms() {
  local off
  off="$(status_field time_offset_ms)"
  echo $(($(date -u +%s%3N) + ${off:-0}))
}
# day N: the date N days from the node's today (YYYY-MM-DD, UTC).
day() { python3 -c 'import sys,datetime;print((datetime.datetime(1970,1,1)+datetime.timedelta(milliseconds=int(sys.argv[1]))+datetime.timedelta(days=int(sys.argv[2]))).date())' "$(now_ms)" "$1"; }
# days_until DATE: whole days from the node's today to DATE.
days_until() { python3 -c 'import sys,datetime;t=(datetime.datetime(1970,1,1)+datetime.timedelta(milliseconds=int(sys.argv[1]))).date();print((datetime.date.fromisoformat(sys.argv[2])-t).days)' "$(now_ms)" "$1"; }

# qty ACCOUNT ID: what ACCOUNT (participant name) holds of ID (0 if nothing).
qty() {
  folio asset holders "$2" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(h["quantity"] for h in d["holders"] if h["name"] == sys.argv[1]))' "$1"
}
supply() { folio asset show "$1" --json | jget supply; }
holders_json() { folio asset holders "$1" --json; }
# afield ID FIELD: a field of action ID in `action list --json`.
afield() {
  folio action list --json | python3 -c '
import json, sys
for a in json.load(sys.stdin)["actions"]:
    if a["id"] == int(sys.argv[1]):
        v = a.get(sys.argv[2], "")
        v = v["minor"] if isinstance(v, dict) else v  # a money object (specs/money.md)
        print(v if not isinstance(v, bool) else str(v).lower()); break' "$1" "$2"
}
# wait_state ID STATE: poll until action ID is in STATE (up to ~20 s).
wait_state() {
  local s=""
  for _ in $(seq 1 80); do
    s="$(afield "$1" state)"
    [ "$s" = "$2" ] && return 0
    sleep 0.25
  done
  echo "        action $1 is '$s', waited for '$2'"
  return 1
}
# last_action_id: the highest action id.
last_action_id() { folio action list --json | python3 -c 'import json,sys;print(max([a["id"] for a in json.load(sys.stdin)["actions"]] or [0]))'; }
# action_of ISIN KIND N: the id of the N-th (0-based) action of that kind on ISIN.
action_of() {
  folio action list --isin "$1" --json | python3 -c '
import json, sys
a = [x["id"] for x in json.load(sys.stdin)["actions"] if x["kind"] == sys.argv[1]]
print(sorted(a)[int(sys.argv[2])] if len(a) > int(sys.argv[2]) else "")' "$2" "$3"
}
# advance DUR: dev time advance and wait until the node has made a block after it.
advance() {
  local h0
  h0="$(status_field height)"
  run dev time advance "$1"
  for _ in $(seq 1 40); do
    [ "$(status_field height)" -gt "$h0" ] && break
    sleep 0.25
  done
  if [ "$RC" -eq 0 ]; then pass "dev time advance $1: node date now $(day 0)"; else fail "dev time advance $1 (exit $RC)"; show_last; fi
}
# eq DESC GOT WANT
eq() {
  if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi
}

# both WANT DESC ISIN QTY FROM TO: `transfer check` and a real transfer give the same
# answer, WANT (OK or a result name); on a refusal the holders of ISIN are unchanged.
both() {
  local want="$1" desc="$2" id="$3" q="$4" from="$5" to="$6" cname rname h0=""
  run transfer check "$id" "$q" --from "$from" --to "$to" --json
  cname="$(printf '%s' "$OUT" | jget name 2>/dev/null)"
  local crc=$RC
  [ "$want" != OK ] && h0="$(holders_json "$id")"
  run transfer "$id" "$q" --to "$to" --as "$from" --json
  if [ "$RC" -eq 0 ]; then
    rname=OK
  else
    rname="$(printf '%s' "$OUT" | jget receipt.name 2>/dev/null || printf '%s' "$OUT" | jget error.code 2>/dev/null)"
  fi
  local crc_want=0
  [ "$want" = OK ] || crc_want=1
  if [ "$cname" = "$want" ] && [ "$rname" = "$want" ] && [ "$crc" -eq "$crc_want" ]; then
    pass "$desc: transfer check and transfer both $want"
  else
    fail "$desc: check '$cname' (exit $crc), transfer '$rname' (exit $RC), want $want"
    show_last
  fi
  if [ "$want" != OK ]; then
    if [ "$h0" = "$(holders_json "$id")" ]; then pass "   ... holders of $id unchanged"; else fail "   ... holders of $id changed"; fi
  fi
}

# ---- setup ---------------------------------------------------------------------------
T_START=$(date +%s)
section "setup: a --dev node"
check "init" home_init
run node start --detach --dev
check "node start --dev" test "$RC" -eq 0
check "node status says dev: true" test "$(status_field dev)" = true
for k in bank bank2 issuer issuer2 broker reg1 reg2 alice bob carol dave erin frank gina hank; do
  folio keys new "$k" >/dev/null
done
for p in bank:settlement-bank bank2:settlement-bank issuer:issuer issuer2:issuer broker:broker \
  reg1:regulator reg2:regulator alice:investor bob:investor carol:investor dave:investor \
  erin:investor frank:investor gina:investor hank:investor; do
  run participant register "${p%%:*}" --role "${p#*:}" --key "${p%%:*}"
  [ "$RC" -eq 0 ] || { fail "register $p"; show_last; }
done
check "15 participants registered" test "$(folio participant list --json | python3 -c 'import json,sys;print(len(json.load(sys.stdin)["participants"]))')" -ge 15

# ---- cash ----------------------------------------------------------------------------
section "cash: issue and redeem"
expect_ok "bank issues 1,000,000.00 CNY to issuer" asset issue cash --currency CNY --amount 1000000.00 --to issuer --as bank
eq "CNY supply (minor units)" "$(supply CNY)" 100000000
eq "CNY issuer is bank" "$(folio asset show CNY --json | jget issuer.name)" bank
eq "CNY scale" "$(folio asset show CNY --json | jget scale)" 2
expect_ok "bank issues 500.50 CNY more to broker" asset issue cash --currency CNY --amount 500.50 --to broker --as bank
eq "CNY supply grows" "$(supply CNY)" 100050050
eq "broker holds" "$(qty broker CNY)" 50050
check_conserved
expect_fail CASH_ISSUER "a second settlement bank issuing CNY" asset issue cash --currency CNY --amount 1.00 --to issuer --as bank2
eq "CNY supply unchanged after the refusal" "$(supply CNY)" 100050050
expect_ok "bank2 may issue another currency (USD)" asset issue cash --currency USD --amount 10.00 --to broker --as bank2
eq "USD issuer is bank2" "$(folio asset show USD --json | jget issuer.name)" bank2
expect_ok "broker redeems 200.25 CNY" asset redeem cash --currency CNY --amount 200.25 --as broker
eq "CNY supply shrinks by 20025" "$(supply CNY)" 100030025
eq "broker now holds" "$(qty broker CNY)" 30025
expect_fail INSUFFICIENT_BALANCE "broker redeeming more than it holds" asset redeem cash --currency CNY --amount 300.26 --as broker
eq "CNY supply unchanged" "$(supply CNY)" 100030025
expect_ok "broker redeems the rest (300.25)" asset redeem cash --currency CNY --amount 300.25 --as broker
eq "broker holds no CNY" "$(qty broker CNY)" 0
eq "CNY supply" "$(supply CNY)" 100000000
check_conserved

# ---- suitability ---------------------------------------------------------------------
section "suitability"
expect_ok "issue $EQ_SUI (R3 by default) to issuer" asset issue equity --isin "$EQ_SUI" --name "Suit Co" --shares 1000 --to issuer --as issuer
eq "its risk" "$(folio asset show "$EQ_SUI" --json | jget risk)" R3
expect_ok "erin: ordinary C2" investor register erin --category ordinary --risk-class C2 --kyc-expiry "$(day 400)" --as broker
expect_ok "frank: ordinary C5, KYC expired yesterday" investor register frank --category ordinary --risk-class C5 --kyc-expiry "$(day -1)" --as broker
expect_ok "gina: professional C1" investor register gina --category professional --risk-class C1 --kyc-expiry "$(day 400)" --as broker
expect_ok "hank: ordinary C3, KYC expires today (still valid)" investor register hank --category ordinary --risk-class C3 --kyc-expiry "$(day 0)" --as broker
eq "investor show erin: category" "$(folio investor show erin --json | jget category)" ordinary
both UNSUITABLE "R3 to an ordinary C2 investor" "$EQ_SUI" 10 issuer erin
both KYC_EXPIRED "to an investor whose KYC expired" "$EQ_SUI" 10 issuer frank
both OK "R3 to a professional C1 investor" "$EQ_SUI" 10 issuer gina
both OK "R3 to an ordinary C3 on the KYC expiry date itself" "$EQ_SUI" 10 issuer hank
both OK "to an account without a profile (not checked)" "$EQ_SUI" 10 issuer alice
expect_ok "erin re-registered as C3" investor register erin --category ordinary --risk-class C3 --kyc-expiry "$(day 400)" --as broker
both OK "R3 to erin now C3" "$EQ_SUI" 10 issuer erin
eq "erin holds" "$(qty erin "$EQ_SUI")" 10
both OK "cash to the expired-KYC investor (suitability is for securities, not cash)" CNY 100 issuer frank
run transfer check "$EQ_SUI" 1 --from gina --to frank
check "transfer check (text) says blocked: KYC_EXPIRED, exit 1" \
  test "$RC" -eq 1 -a -n "$(grep 'blocked: KYC_EXPIRED (code 216)' <<<"$OUT")"
check_conserved

# ---- rules ---------------------------------------------------------------------------
section "transfer rules"
expect_ok "issue $EQ_RUL to issuer" asset issue equity --isin "$EQ_RUL" --name "Rules Co" --shares 1000 --to issuer --as issuer
both OK "issuer -> alice 100" "$EQ_RUL" 100 issuer alice
expect_ok "max holders 2 (issuer, alice)" asset rules set "$EQ_RUL" --max-holders 2 --as issuer
eq "rules show max_holders" "$(folio asset rules show "$EQ_RUL" --json | jget max_holders)" 2
both MAX_HOLDERS "a third holder (bob)" "$EQ_RUL" 10 issuer bob
both OK "more to an existing holder (alice)" "$EQ_RUL" 10 issuer alice
both OK "alice -> issuer (no new holder)" "$EQ_RUL" 10 alice issuer
expect_ok "max holders 0 (no limit)" asset rules set "$EQ_RUL" --max-holders 0 --as issuer
both OK "bob becomes the third holder" "$EQ_RUL" 100 issuer bob

expect_ok "transferable no" asset rules set "$EQ_RUL" --transferable no --as issuer
both NOT_TRANSFERABLE "issuer -> carol" "$EQ_RUL" 10 issuer carol
both NOT_TRANSFERABLE "alice -> bob" "$EQ_RUL" 10 alice bob
both OK "cash still moves (rules are per instrument)" CNY 100 issuer alice
expect_ok "transferable yes" asset rules set "$EQ_RUL" --transferable yes --as issuer
both OK "alice -> bob" "$EQ_RUL" 10 alice bob

expect_ok "allow list alice,bob" asset rules set "$EQ_RUL" --allow-list alice,bob --as issuer
both NOT_ALLOWED "issuer -> carol (not on the list)" "$EQ_RUL" 10 issuer carol
both OK "issuer -> bob (on the list)" "$EQ_RUL" 10 issuer bob
expect_ok "allow list none" asset rules set "$EQ_RUL" --allow-list none --as issuer
both OK "issuer -> carol" "$EQ_RUL" 10 issuer carol
check_conserved

# ---- controls ------------------------------------------------------------------------
section "legal controls"
A0="$(qty alice "$EQ_RUL")"
expect_ok "reg1 freezes 50 of alice's $A0" control freeze "$EQ_RUL" alice --quantity 50 --order "$ORDER" --as reg1
both FROZEN "alice moves $((A0 - 49)) (would touch the frozen 50)" "$EQ_RUL" $((A0 - 49)) alice bob
both OK "alice moves $((A0 - 50)) (exactly the free part)" "$EQ_RUL" $((A0 - 50)) alice bob
both FROZEN "alice moves 1 more" "$EQ_RUL" 1 alice bob
expect_ok "reg1 unfreezes all" control unfreeze "$EQ_RUL" alice --order "$ORDER" --as reg1
both OK "alice moves 50" "$EQ_RUL" 50 alice bob
eq "alice holds" "$(qty alice "$EQ_RUL")" 0
check_conserved

B0="$(qty bob "$EQ_RUL")"
C0="$(qty carol "$EQ_RUL")"
run control force-transfer "$EQ_RUL" 25 --from bob --to carol --order "$ORDER" --as reg1 --json
PROP="$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(int(json.load(sys.stdin)["receipt"]["data"],16))' 2>/dev/null)"
check "reg1 proposes moving 25 bob -> carol (proposal '$PROP')" test "$RC" -eq 0 -a -n "$PROP"
eq "after the proposal alone, bob" "$(qty bob "$EQ_RUL")" "$B0"
eq "after the proposal alone, carol" "$(qty carol "$EQ_RUL")" "$C0"
expect_fail SAME_REGULATOR "reg1 approving its own proposal" control approve "$PROP" --as reg1
eq "after the refused approval, bob" "$(qty bob "$EQ_RUL")" "$B0"
expect_ok "freeze all of bob's free $EQ_RUL before the approval" control freeze "$EQ_RUL" bob --quantity "$B0" --order "$ORDER" --as reg1
expect_ok "reg2 approves: the transfer runs (a legal order overrides the freeze)" control approve "$PROP" --as reg2
eq "bob" "$(qty bob "$EQ_RUL")" $((B0 - 25))
eq "carol" "$(qty carol "$EQ_RUL")" $((C0 + 25))
both FROZEN "bob's remaining holding is still frozen (capped at what is left)" "$EQ_RUL" 1 bob carol
expect_fail PROPOSAL_CLOSED "approving it again" control approve "$PROP" --as reg2
expect_ok "unfreeze bob" control unfreeze "$EQ_RUL" bob --order "$ORDER" --as reg1
both OK "bob moves 1" "$EQ_RUL" 1 bob carol
check_conserved

section "lock-up (the first dev time advance)"
LOCK="$(day 10)"
expect_ok "lock-up until $LOCK" asset rules set "$EQ_RUL" --lockup-until "$LOCK" --as issuer
eq "rules show lockup_until" "$(folio asset rules show "$EQ_RUL" --json | jget lockup_until)" "$LOCK"
both LOCKED_UP "carol -> dave during the lock-up" "$EQ_RUL" 10 carol dave
both OK "another instrument is not locked" "$EQ_SUI" 1 alice bob
advance 9d
# The CLI signs a transaction's expiry; once block time runs ahead of the wall clock it
# must still be admitted (not EXPIRED) or nothing can be done on a dev node after an advance.
run transfer "$EQ_SUI" 1 --to bob --as alice --json
if [ "$RC" -eq 0 ]; then
  pass "a transaction submitted after dev time advance is committed"
else
  fail "a transaction submitted after dev time advance: $(printf '%s' "$OUT" | jget error.code 2>/dev/null) (exit $RC) -- the CLI signs expiry_ms = wall clock + CLI_TX_TTL_MS (cli/cli_util.c cli_submit) but the dev node compares it with wall clock + time offset"
  echo "  everything below needs transactions after an advance: stopping here"
  check_conserved
  check_node_log_clean
  finish
fi
both LOCKED_UP "the day before the lock-up date" "$EQ_RUL" 10 carol dave
advance 1d
eq "node date is the lock-up date" "$(day 0)" "$LOCK"
both OK "on the lock-up date (not before it): allowed" "$EQ_RUL" 10 carol dave

check_conserved

# ---- dividend ------------------------------------------------------------------------
section "dividend: record date, exact amounts"
expect_ok "issue $EQ_DIV: 10,000 to issuer" asset issue equity --isin "$EQ_DIV" --name "Div Co" --shares 10000 --to issuer --as issuer
both OK "issuer -> alice 333" "$EQ_DIV" 333 issuer alice
both OK "issuer -> bob 667" "$EQ_DIV" 667 issuer bob
REC="$(day 2)"
PAY="$(day 4)"
run action dividend "$EQ_DIV" --per-share 0.37 --currency CNY --record-date "$REC" --pay-date "$PAY" --as issuer --json
DIV="$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(int(json.load(sys.stdin)["receipt"]["data"],16))' 2>/dev/null)"
check "dividend 0.37 CNY, record $REC, pay $PAY (action '$DIV')" test "$RC" -eq 0 -a -n "$DIV"
eq "its state" "$(afield "$DIV" state)" scheduled
advance 2d
eq "node date is the record date" "$(day 0)" "$REC"
both OK "bob -> carol 100 ON the record date (counts)" "$EQ_DIV" 100 bob carol
advance 1d
eq "state after the record date" "$(wait_state "$DIV" recorded && echo recorded)" recorded
eq "record_units" "$(afield "$DIV" record_units)" 10000
both OK "alice -> dave 200 AFTER the record date (does not count)" "$EQ_DIV" 200 alice dave
declare -A CASH0
for p in issuer alice bob carol dave; do CASH0[$p]="$(qty "$p" CNY)"; done
advance 1d
check "dividend done" wait_state "$DIV" done
eq "record_holders" "$(afield "$DIV" record_holders)" 4
eq "total = 10000 x 37" "$(afield "$DIV" total)" 370000
eq "paid = total" "$(afield "$DIV" paid)" 370000
eq "alice paid 333 x 37 (her record-date holding)" $(($(qty alice CNY) - CASH0[alice])) $((333 * 37))
eq "bob paid 567 x 37" $(($(qty bob CNY) - CASH0[bob])) $((567 * 37))
eq "carol paid 100 x 37" $(($(qty carol CNY) - CASH0[carol])) $((100 * 37))
eq "dave paid nothing (bought after the record date)" $(($(qty dave CNY) - CASH0[dave])) 0
eq "issuer pays the others, keeps its own 9000 x 37" $((CASH0[issuer] - $(qty issuer CNY))) $(((333 + 567 + 100) * 37))
eq "sum of holder amounts (alice, bob, carol, issuer's own 9000) = total" $(((333 + 567 + 100 + 9000) * 37)) "$(afield "$DIV" total)"
eq "paid_holders" "$(afield "$DIV" paid_holders)" 4
eq "no unregistered account (the escrow) holds CNY after the payout" "$(qty '' CNY)" 0
check_conserved

# ---- split ---------------------------------------------------------------------------
section "split 3:2"
expect_ok "issue $EQ_SPL: 19 to issuer" asset issue equity --isin "$EQ_SPL" --name "Split Co" --shares 19 --to issuer --as issuer
both OK "-> alice 1" "$EQ_SPL" 1 issuer alice
both OK "-> bob 3" "$EQ_SPL" 3 issuer bob
both OK "-> carol 5" "$EQ_SPL" 5 issuer carol
both OK "-> dave 10" "$EQ_SPL" 10 issuer dave
run action split "$EQ_SPL" --ratio 3:2 --as issuer --json
SPL="$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(int(json.load(sys.stdin)["receipt"]["data"],16))' 2>/dev/null)"
check "split 3:2 submitted (action '$SPL')" test "$RC" -eq 0 -a -n "$SPL"
advance 1s
check "split done" wait_state "$SPL" done
eq "alice 1 -> 1" "$(qty alice "$EQ_SPL")" 1
eq "bob 3 -> 4" "$(qty bob "$EQ_SPL")" 4
eq "carol 5 -> 7" "$(qty carol "$EQ_SPL")" 7
eq "dave 10 -> 15" "$(qty dave "$EQ_SPL")" 15
eq "issuer gets the aggregated fractions (3 x 1/2 -> 1)" "$(qty issuer "$EQ_SPL")" 1
eq "supply floor(19 x 3 / 2)" "$(supply "$EQ_SPL")" 28
both OK "the instrument moves again after the split" "$EQ_SPL" 1 dave alice
check_conserved

# ---- bonds ---------------------------------------------------------------------------
section "bonds: coupons paid by the ledger, redemption, unfunded coupon"
ISS="$(day 0)"
MAT="$(day 365)"
expect_ok "issue $BOND: 500 x 100.00 CNY, 500 bp semiannual 30/360, $ISS -> $MAT" \
  asset issue bond --isin "$BOND" --name "Bond 5% 1y" --currency CNY --face-value 100.00 --units 500 \
  --coupon-bps 500 --frequency semiannual --day-count 30/360 --issue-date "$ISS" --maturity-date "$MAT" \
  --to broker --risk R2 --as issuer
expect_ok "issue $BOND2 by issuer2 (who has no cash): 100 x 50.00 CNY, 1000 bp annual ACT/360" \
  asset issue bond --isin "$BOND2" --name "Bond2 10%" --currency CNY --face-value 50.00 --units 100 \
  --coupon-bps 1000 --frequency annual --day-count ACT/360 --issue-date "$ISS" --maturity-date "$(day 1200)" \
  --to carol --risk R2 --as issuer2
CAR_PRE="$(qty carol CNY)"
run asset show "$BOND" --json
SCHED="$(printf '%s' "$OUT" | jget bond.schedule)"
NP="$(printf '%s' "$SCHED" | python3 -c 'import json,sys;print(len(json.load(sys.stdin)))')"
check "asset show --json lists the schedule ($NP periods)" test "${NP:-0}" -ge 2
eq "face value" "$(printf '%s' "$OUT" | jget bond.face_value.minor)" 10000
eq "last period is the redemption" "$(printf '%s' "$SCHED" | jget "$((NP - 1)).redemption")" true
eq "last pay date is the maturity" "$(printf '%s' "$SCHED" | jget "$((NP - 1)).pay_date")" "$MAT"
run asset show "$BOND"
check "asset show (text) prints the schedule table, the last row redeeming 100.00 CNY" grep -Eq ' CNY +100\.00 CNY$' <<<"$OUT"
# per-unit amounts as shown, and the formula floor(face x bps x num / (10000 x den))
while read -r i c n d; do
  eq "period $i per-unit coupon = floor(10000 x 500 x $n / (10000 x $d))" "$c" $((10000 * 500 * n / (10000 * d)))
done < <(printf '%s' "$SCHED" | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    print(p["period"], p["coupon_per_unit"]["minor"], p["days_num"], p["days_den"])')
both OK "broker -> alice 300 bonds" "$BOND" 300 broker alice
both OK "broker -> bob 200 bonds" "$BOND" 200 broker bob
check_conserved

C0AL="$(qty alice CNY)"; C0BO="$(qty bob CNY)"; C0IS="$(qty issuer CNY)"
# Every period but the last, in order.
for ((k = 0; k < NP - 1; k++)); do
  PD="$(printf '%s' "$SCHED" | jget "$k.pay_date")"
  CPU="$(printf '%s' "$SCHED" | jget "$k.coupon_per_unit.minor")"
  AID="$(action_of "$BOND" coupon "$k")"
  check "coupon $((k + 1)) is action '$AID', scheduled for $PD" test -n "$AID"
  advance "$(days_until "$PD")d"
  check "coupon $((k + 1)) done" wait_state "$AID" done
  B2ID="$(action_of "$BOND2" coupon 0)"
  eq "coupon $((k + 1)) total = 500 x $CPU" "$(afield "$AID" total)" $((500 * CPU))
  eq "   alice +300 x $CPU" $(($(qty alice CNY) - C0AL)) $((300 * CPU))
  eq "   bob +200 x $CPU" $(($(qty bob CNY) - C0BO)) $((200 * CPU))
  eq "   issuer -500 x $CPU" $((C0IS - $(qty issuer CNY))) $((500 * CPU))
  C0AL="$(qty alice CNY)"; C0BO="$(qty bob CNY)"; C0IS="$(qty issuer CNY)"
  check_conserved
done

section "unfunded coupon of $BOND2"
B2ID="$(action_of "$BOND2" coupon 0)"
B2PD="$(folio asset show "$BOND2" --json | jget bond.schedule.0.pay_date)"
B2C="$(folio asset show "$BOND2" --json | jget bond.schedule.0.coupon_per_unit.minor)"
B2N="$(folio asset show "$BOND2" --json | jget bond.schedule.0.days_num)"
eq "$BOND2 first (stub) coupon per unit = floor(5000 x 1000 x $B2N / (10000 x 360))" "$B2C" $((5000 * 1000 * B2N / (10000 * 360)))
if [ "$(days_until "$B2PD")" -gt 0 ]; then advance "$(days_until "$B2PD")d"; fi
check "$BOND2 coupon 1 ($B2PD) is unfunded: issuer2 has no CNY" wait_state "$B2ID" unfunded
run action list
check "action list (text) shows it unfunded" grep -Eq "^ *$B2ID .*unfunded" <<<"$OUT"
eq "   paid" "$(afield "$B2ID" paid)" 0
eq "   paid_holders" "$(afield "$B2ID" paid_holders)" 0
eq "   issuer2 holds no CNY" "$(qty issuer2 CNY)" 0
eq "   carol (holds all of $BOND2) got nothing since before the coupon date" "$(qty carol CNY)" "$CAR_PRE"
CA0="$(qty carol CNY)"
advance 1h
eq "   still unfunded a block later" "$(afield "$B2ID" state)" unfunded
eq "   carol paid nothing" "$(qty carol CNY)" "$CA0"
check_conserved
NEED=$((100 * B2C))
expect_ok "bank funds issuer2 with exactly the coupon total ($NEED minor units)" \
  asset issue cash --currency CNY --amount "$((NEED / 100)).$(printf '%02d' $((NEED % 100)))" --to issuer2 --as bank
advance 1s
check "$BOND2 coupon 1 done once funded" wait_state "$B2ID" done
eq "   carol +100 x $B2C" $(($(qty carol CNY) - CA0)) "$NEED"
eq "   issuer2 spent it all" "$(qty issuer2 CNY)" 0
check_conserved

section "maturity of $BOND"
LAST=$((NP - 1))
PD="$(printf '%s' "$SCHED" | jget "$LAST.pay_date")"
CPU="$(printf '%s' "$SCHED" | jget "$LAST.coupon_per_unit.minor")"
AID="$(folio action list --isin "$BOND" --json | python3 -c '
import json, sys
print(max(a["id"] for a in json.load(sys.stdin)["actions"]))')"
eq "the last action of $BOND is a redemption" "$(afield "$AID" kind)" redemption
advance "$(days_until "$PD")d"
check "redemption done" wait_state "$AID" done
eq "   alice +300 x ($CPU + 10000)" $(($(qty alice CNY) - C0AL)) $((300 * (CPU + 10000)))
eq "   bob +200 x ($CPU + 10000)" $(($(qty bob CNY) - C0BO)) $((200 * (CPU + 10000)))
eq "   issuer -500 x ($CPU + 10000)" $((C0IS - $(qty issuer CNY))) $((500 * (CPU + 10000)))
eq "   $BOND supply" "$(supply "$BOND")" 0
eq "   $BOND holders" "$(folio asset holders "$BOND" --json | jget holder_count)" 0
both INSUFFICIENT_BALANCE "a retired bond cannot move" "$BOND" 1 alice bob
check_conserved

section "after all of that"
check_chain_verify
check_node_log_clean
echo "  (ran $(($(date +%s) - T_START)) s)"
finish
