#!/usr/bin/env bash
# The disclosure rule (specs/evidence.md §10) through the real binary and a --dev node: an
# instrument set with `asset rules set ISIN --requires-disclosure` cannot be delivered to an
# ordinary investor (transfer check and transfer both NO_DISCLOSURE) until the broker has
# anchored a disclosure naming the investor and the instrument and the investor's
# acknowledgement linked to it, and registered both with `evidence disclose` (their
# inclusion proved on chain against the anchored slice root). A professional investor is
# not concerned; records that name another investor, another broker's records, or an
# acknowledgement that does not follow from the disclosure are refused with precise codes.
. "$(dirname "$0")/lib.sh" "$@"

EQ=CNE100000296
eq() { if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi; }
PYV="$(cd "$(dirname "$0")/tools" && pwd)/ev_verify.py"
cd "$E2E_TMP" || exit 2
# both WANT DESC QTY TO: `transfer check` and a real transfer from issuer (submitted with
# --no-check, so that the executor's own check answers) both say WANT.
both() {
  local want="$1" desc="$2" q="$3" to="$4" cname rname
  run transfer check "$EQ" "$q" --from issuer --to "$to" --json
  cname="$(printf '%s' "$OUT" | jget name 2>/dev/null)"
  run transfer "$EQ" "$q" --to "$to" --as issuer --json --no-check
  if [ "$RC" -eq 0 ]; then rname=OK; else rname="$(printf '%s' "$OUT" | jget receipt.name 2>/dev/null)"; fi
  if [ "$cname" = "$want" ] && [ "$rname" = "$want" ]; then
    pass "$desc: transfer check and transfer both $want"
  else
    fail "$desc: check '$cname', transfer '$rname', want $want"
    show_last
  fi
}

section "setup: a --dev node, an issuer, two brokers, three investors"
check "init" home_init
run node start --detach --dev
check "node start --dev" test "$RC" -eq 0
for p in issuer:issuer broker:broker broker2:broker alice:investor bob:investor gina:investor; do
  folio keys new "${p%%:*}" >/dev/null
  run participant register "${p%%:*}" --role "${p#*:}" --key "${p%%:*}"
  [ "$RC" -eq 0 ] || { fail "register $p"; show_last; }
done
KYC="$(python3 -c 'import datetime; print(datetime.date.today() + datetime.timedelta(days=400))')"
expect_ok "alice: ordinary C5" investor register alice --category ordinary --risk-class C5 --kyc-expiry "$KYC" --as broker
expect_ok "bob: ordinary C5" investor register bob --category ordinary --risk-class C5 --kyc-expiry "$KYC" --as broker
expect_ok "gina: professional C5" investor register gina --category professional --risk-class C5 --kyc-expiry "$KYC" --as broker
expect_ok "issue $EQ to issuer" asset issue equity --isin "$EQ" --name "Risky Co" --shares 1000 --to issuer --as issuer
ALICE="$(folio participant show alice --json | jget account)"
BOB="$(folio participant show bob --json | jget account)"
BROKER="$(folio participant show broker --json | jget account)"

section "the rule"
both OK "before the rule, to alice" 1 alice
expect_ok "asset rules set $EQ --requires-disclosure" asset rules set "$EQ" --requires-disclosure --as issuer
eq "   rules show --json" "$(folio asset rules show "$EQ" --json | jget requires_disclosure)" true
run asset rules show "$EQ"
check "   rules show says so" grep -q "disclosure    required for ordinary investors" <<<"$OUT"
both NO_DISCLOSURE "ordinary alice without a disclosure" 10 alice
run transfer check "$EQ" 10 --from issuer --to alice
check "   transfer check names the investor and the way out" grep -q "$ALICE.*folio evidence disclose" <<<"$OUT"
both OK "professional gina (not concerned)" 10 gina

section "the broker's evidence: disclosure, acknowledgement"
T=$(($(date -u +%s%3N) - 60000))
printf '%s\tdisclosure\t-\tinvestor=%s isin=%s risk=R3 text=v4\n%s\tack\t#1\tinvestor=%s read and accepted\n%s\tdisclosure\t-\tinvestor=%s isin=%s\n%s\tlogin\t#3\tinvestor=%s\n' \
  "$T" "$ALICE" "$EQ" "$((T + 1000))" "$ALICE" "$((T + 2000))" "$BOB" "$EQ" "$((T + 3000))" "$BOB" >day.log
expect_ok "evidence ingest day.log --as broker" evidence ingest day.log --as broker
IDS="$(python3 "$PYV" ids day.log "$BROKER")"
ACK="$(sed -n 2p <<<"$IDS")"
DIS="$(sed -n 1p <<<"$IDS")"
LOGIN="$(sed -n 4p <<<"$IDS")"

section "hostile registrations: precise codes, nothing registered"
expect_fail EV_NOT_DISCLOSURE "alice's records registered for bob" evidence disclose "$ACK" --investor bob --isin "$EQ" --as broker
check "   says the line does not name the investor" grep -q "does not name investor=ACCOUNT" <<<"$FAIL_SENTENCE"
expect_fail EV_NOT_DISCLOSURE "alice's records for another instrument" evidence disclose "$ACK" --investor alice --isin US5949181045 --as broker
expect_fail EV_NOT_DISCLOSURE "bob's login as if it were an acknowledgement" evidence disclose "$LOGIN" --investor bob --isin "$EQ" --as broker
check "   says the type is not ack" grep -q "type is not ack" <<<"$FAIL_SENTENCE"
expect_fail NOT_FOUND "a disclosure has no disclosure to follow from" evidence disclose "$DIS" --investor alice --isin "$EQ" --as broker
expect_fail EV_NOT_ANCHORED "another broker registering broker's records" evidence disclose "$ACK" --investor alice --isin "$EQ" --as broker2 --store "$FOLIO_HOME/evidence"
expect_fail UNAUTHORIZED "an investor cannot register" evidence disclose "$ACK" --investor alice --isin "$EQ" --as alice --store "$FOLIO_HOME/evidence"
both NO_DISCLOSURE "still nothing for alice" 10 alice

section "registered: the transfer goes through"
expect_ok "evidence disclose ACK --investor alice --isin $EQ" evidence disclose "$ACK" --investor alice --isin "$EQ" --as broker
both OK "ordinary alice, disclosure acknowledged" 10 alice
both NO_DISCLOSURE "ordinary bob (disclosed, never acknowledged)" 10 bob
expect_ok "asset rules set $EQ --disclosure-not-required" asset rules set "$EQ" --disclosure-not-required --as issuer
both OK "bob once the rule is dropped" 10 bob

check_node_log_clean
finish
