# End to end: every writing command asks the node's check method first (specs/rpc.md
# "check"), so the six mistakes of issue 13 §4 are refused locally, with the ledger's
# code and sentence and what to do, and leave no block; --dry-run changes nothing;
# --no-check submits anyway and the ledger records the same refusal; notices come after
# success only, on stderr. Conservation is checked after every step that moves value.
. "$(dirname "$0")/lib.sh" "$@"

APPLE=US0378331005
MSFT=US5949181045
BOND=CNE1000007Q1

# mistake NAME DESC ARGS...: refused locally with NAME (exit 1, JSON error code, a
# "folio: ... NAME (code N)" sentence and "nothing was submitted"), height and state root
# unchanged, and the holders of every instrument byte-identical.
mistake() {
  local name="$1" desc="$2" t0 s0
  shift 2
  t0="$(tip)"
  s0="$(business_state)"
  expect_fail "$name" "$desc" "$@"
  check "   ... the sentence names $name and its code" grep -q "refused before submission: $name (code [0-9]*)" <<<"$ERR"
  check "   ... it says nothing was submitted" grep -q "^folio: nothing was submitted" <<<"$ERR"
  if [ "$t0" = "$(tip)" ] && [ "${t0%% *}" != "?" ]; then
    pass "   ... no new block: height ${t0%% *} and state root unchanged"
  else
    fail "   ... the chain moved: $t0 -> $(tip)"
  fi
  check "   ... participants, instruments and holders unchanged" test "$s0" = "$(business_state)"
}

section "setup"
check "init" home_init
check "node start" node_start
for p in issuer:issuer bank:settlement-bank ccp:ccp broker-a:broker broker-b:broker broker-c:broker; do
  folio keys new "${p%%:*}" >/dev/null
  expect_ok "register ${p%%:*}" participant register "${p%%:*}" --role "${p#*:}" --key "${p%%:*}"
done
expect_ok "issue $APPLE to broker-a" asset issue equity --isin "$APPLE" --name Apple --shares 1000 --to broker-a --as issuer --risk R3
expect_ok "bank issues CNY to broker-b" asset issue cash --currency CNY --amount 5000 --to broker-b --as bank
check_conserved

section "the six mistakes, refused before submission"
mistake UNAUTHORIZED "a forgotten --as (the operator signs an issue)" \
  asset issue equity --isin "$MSFT" --name Microsoft --shares 100 --to issuer
check "   ... says who signed and which key to use" \
  grep -q "'operator' signed it; sign with a key that holds issuer: --as issuer; keys here with that role: issuer" <<<"$ERR"
mistake UNKNOWN_TRADE "an unknown trade id" trade affirm 999 --as broker-b
expect_ok "broker-a sells 10 $APPLE to broker-b" trade submit --isin "$APPLE" --side sell --quantity 10 \
  --price 100 --currency CNY --counterparty broker-b --as broker-a --json
T1="$(printf '%s' "$OUT" | jget trade_id)"
check "trade id $T1" test -n "$T1"
mistake NOT_COUNTERPARTY "affirmation by the wrong broker" trade affirm "$T1" --as broker-c
mistake SELF_TRANSFER "a transfer to oneself" transfer "$APPLE" 10 --to broker-a --as broker-a
mistake BAD_DATES "maturity before issue" \
  asset issue bond --isin "$BOND" --name Bond --currency CNY --face-value 100 --units 10 --coupon-bps 300 \
  --frequency annual --day-count ACT/365F --issue-date 2027-01-01 --maturity-date 2026-01-01 --to issuer --as issuer
check "   ... the detail says which" grep -q "maturity must be after the issue date" <<<"$ERR"
mistake BAD_DATES "record date after pay date" \
  action dividend "$APPLE" --per-share 1 --currency CNY --record-date 2027-02-01 --pay-date 2027-01-01 --as issuer
check "   ... the detail says which" grep -q "record date must be before the pay date" <<<"$ERR"
run transfer "$APPLE" 10 --to broker-a --as broker-a
check "without --json: exit 1, the sentence on stderr, nothing on stdout" \
  test "$RC" -eq 1 -a -z "$OUT" -a -n "$(grep 'refused before submission: SELF_TRANSFER' <<<"$ERR")"
check_conserved

section "--dry-run changes nothing"
t0="$(tip)"
s0="$(business_state)"
expect_ok "transfer 5 --dry-run" transfer "$APPLE" 5 --to broker-b --as broker-a --dry-run
check "   ... says what would happen and that nothing was submitted" \
  grep -q "^dry run: transfer 5 $APPLE to broker-b signed by 'broker-a' would be committed in block $((${t0%% *} + 1)); nothing was submitted" <<<"$OUT"
expect_ok "transfer 5 --dry-run --json" transfer "$APPLE" 5 --to broker-b --as broker-a --dry-run --json
check "   ... JSON: dry_run true, allowed true, code 0" \
  test "$(printf '%s' "$OUT" | jget dry_run)/$(printf '%s' "$OUT" | jget allowed)/$(printf '%s' "$OUT" | jget code)" = true/true/0
expect_ok "issue equity --dry-run" asset issue equity --isin "$MSFT" --name Microsoft --shares 100 --to issuer --as issuer --dry-run
expect_ok "trade submit --dry-run" trade submit --isin "$APPLE" --side sell --quantity 1 --price 100 \
  --currency CNY --counterparty broker-b --as broker-a --dry-run
expect_ok "trade affirm --dry-run" trade affirm "$T1" --as broker-b --dry-run
expect_fail SELF_TRANSFER "a mistake with --dry-run is still refused" transfer "$APPLE" 1 --to broker-a --as broker-a --dry-run
check "height and state root unchanged by every --dry-run" test "$t0" = "$(tip)"
check "participants, instruments and holders unchanged" test "$s0" = "$(business_state)"
run trade show "$T1" --json
check "trade $T1 still submitted (the affirmation was a dry run)" test "$(printf '%s' "$OUT" | jget status)" = submitted
check_conserved

section "transfer check: the transfer itself, checked by the node"
expect_ok "transfer check from a key here: allowed" transfer check "$APPLE" 10 --from broker-a --to broker-b --json
check "   ... allowed true" test "$(printf '%s' "$OUT" | jget allowed)" = true
run transfer check "$APPLE" 10 --from broker-a --to broker-a
check "transfer check to oneself: blocked SELF_TRANSFER, exit 1" \
  test "$RC" -eq 1 -a -n "$(grep 'blocked: SELF_TRANSFER (code 206)' <<<"$OUT")"
run transfer check "$APPLE" 1001 --to broker-b --as broker-a --json
check "transfer check without --from (the signer): INSUFFICIENT_BALANCE" \
  test "$RC/$(printf '%s' "$OUT" | jget name)" = 1/INSUFFICIENT_BALANCE

section "--no-check: the ledger refuses the same way, in a block"
t0="$(tip)"
run transfer "$APPLE" 10 --to broker-a --as broker-a --no-check --json
check "recorded in the next block with SELF_TRANSFER, exit 1" \
  test "$RC/$(printf '%s' "$OUT" | jget receipt.name)/$(printf '%s' "$OUT" | jget height)" = "1/SELF_TRANSFER/$((${t0%% *} + 1))"
check_conserved

section "the check method against hostile requests"
PY=python3
/usr/bin/python3 -c 'import msgpack' 2>/dev/null && PY=/usr/bin/python3
if "$PY" -c 'import msgpack' 2>/dev/null; then
  t0="$(tip)"
  hostile="$("$PY" - "$(cd "$(dirname "$0")/tools" && pwd)" "ipc://$FOLIO_HOME/node.sock" <<'PYEOF'
import json, sys
sys.path.insert(0, sys.argv[1])
import msgpack
from spclient import call
url = sys.argv[2]
def ask(items):
    body = bytes([0x90 | len(items)]) + b"".join(msgpack.packb(i, use_bin_type=True) for i in items)
    st, text, _ = call(url, body)
    return st, json.loads(text)
out = []
for label, items in [("no argument", ["check"]), ("a text", ["check", "abc"]),
                     ("two binaries", ["check", b"a", b"b"])]:
    st, j = ask(items)
    out.append("%s:%s" % (label, j.get("error") if st else "accepted"))
st, j = ask(["check", b"\x00garbage"])
out.append("garbage:%s/%s/%s" % (st, j.get("name"), j.get("stage")))
st, j = ask(["check", b"x" * 70000])
out.append("70000 bytes:%s" % j.get("error"))
print(" ".join(out))
PYEOF
)"
  check "no argument, a text, two binaries: INVALID; garbage: MALFORMED at admission; 70,000 bytes: TOO_LARGE ($hostile)" \
    test "$hostile" = "no argument:INVALID a text:INVALID two binaries:INVALID garbage:0/MALFORMED/admission 70000 bytes:TOO_LARGE"
  check "   ... the node answers and the chain did not move" test "$(tip)" = "$t0"
else
  fail "python3-msgpack is installed (scripts/deps.sh)"
fi

section "what succeeds still commits; notices after success only, on stderr"
run asset issue equity --isin "$MSFT" --name Microsoft --shares 100 --to issuer --as issuer
check "an issue without --risk commits" test "$RC" -eq 0
check "   ... the notice is on stderr" grep -q "no --risk given" <<<"$ERR"
check "   ... and not on stdout" bash -c "! grep -q 'no --risk' <<<\"\$1\"" _ "$OUT"
run asset issue equity --isin "$MSFT" --name Again --shares 100 --to issuer
check "a refused issue without --risk gives no notice" \
  test "$RC" -eq 1 -a -z "$(grep 'no --risk' <<<"$ERR")"
expect_ok "broker-b affirms $T1" trade affirm "$T1" --as broker-b
expect_ok "broker-a transfers 5 $APPLE to broker-c" transfer "$APPLE" 5 --to broker-c --as broker-a
run account balance broker-c --json
check "broker-c holds 5 $APPLE" test "$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(next((b["quantity"] for b in d["balances"] if b["id"] == sys.argv[1]), 0))' "$APPLE")" = 5
check_conserved
check_node_log_clean

finish
