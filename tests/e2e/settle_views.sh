# End to end (issue 13): money in trades and settlement typed as decimals and arriving to
# the fen; a two-currency cycle reported per currency (never added) and conserving both;
# cycle preview committing nothing; a fail closed by cash compensation conserving every
# instrument; settle list with unmatched instructions and a near-match hint; cancel before
# matching and the bilateral cancel of a queued pair. Real binary, real node.
. "$(dirname "$0")/lib.sh" "$@"

HARBOUR=CNE10000ST02
RIVER=CNE10000ST10

jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# bal ACCOUNT ID: the exact holding (minor units for cash), whatever the balance JSON's shape.
bal() {
  folio account balance "$1" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
q = next((b["quantity"] for b in d["balances"] if b["id"] == sys.argv[1]), 0)
if isinstance(q, dict): q = q["minor"]
print(q)' "$2" 2>/dev/null
}
height() { tip | cut -d" " -f1; }

section "node, participants, two currencies"
check "init" home_init
check "node start" node_start
for p in ccp:ccp clearing:clearing bank:settlement-bank issuer:issuer bx:broker by:broker bz:broker; do
  n=${p%%:*} r=${p#*:}
  folio keys new "$n" >/dev/null 2>&1
  expect_ok "register $n ($r)" participant register "$n" --role "$r" --key "$n"
done
expect_ok "issue $HARBOUR to bx" asset issue equity --isin "$HARBOUR" --name "Harbour A" --shares 10000 --to bx --as issuer
expect_ok "issue $RIVER to by" asset issue equity --isin "$RIVER" --name "River A" --shares 4000 --to by --as issuer
expect_ok "bank issues 20,000.00 CNY to by" asset issue cash --currency CNY --amount 20000.00 --to by --as bank
expect_ok "bank issues 5,000.00 USD to bx" asset issue cash --currency USD --amount 5000.00 --to bx --as bank
expect_ok "bank issues 100.00 CNY to bz" asset issue cash --currency CNY --amount 100.00 --to bz --as bank
check_conserved

section "decimal prices, exact to the fen"
expect_fail BAD_AMOUNT:2 "--price 12.505 has more decimals than CNY allows" trade submit --isin "$HARBOUR" --side sell --quantity 3 --price 12.505 --currency CNY --counterparty by --as bx
check "the refusal names the currency's scale" grep -q "more decimals than CNY allows (2)" <<<"$OUT"
expect_fail BAD_AMOUNT:2 "a negative price" trade submit --isin "$HARBOUR" --side sell --quantity 3 --price -1 --currency CNY --counterparty by --as bx
expect_ok "bx sells 3 $HARBOUR to by at 12.37 CNY" trade submit --isin "$HARBOUR" --side sell --quantity 3 --price 12.37 --currency CNY --counterparty by --as bx --json
T1=$(printf '%s' "$OUT" | jget trade_id)
expect_ok "by sells 10 $RIVER to bx at 7.25 USD" trade submit --isin "$RIVER" --side sell --quantity 10 --price 7.25 --currency USD --counterparty bx --as by --json
T2=$(printf '%s' "$OUT" | jget trade_id)
expect_ok "trade show $T1 --json" trade show "$T1" --json
check "price is 1237 minor units of CNY at scale 2" test "$(printf '%s' "$OUT" | jq_py '"%d %s %d %s" % (d["price"]["minor"], d["price"]["currency"], d["price"]["scale"], d["price"]["decimal"])')" = "1237 CNY 2 12.37"
check "value is exactly 37.11 CNY" test "$(printf '%s' "$OUT" | jq_py 'd["value"]["minor"]')" = 3711
expect_ok "trade show $T1" trade show "$T1"
check "trade show gives the price per unit in CNY" grep -q "price *12.37 CNY per unit" <<<"$OUT"
check "trade show gives the value" grep -q "value *37.11 CNY" <<<"$OUT"
check "trade show names the submitter and the counterparty" bash -c 'grep -q "submitted by *bx" <<<"$1" && grep -q "counterparty *by" <<<"$1"' _ "$OUT"
expect_ok "trade list" trade list
check "trade list shows 72.50 USD" grep -q "72.50 USD" <<<"$OUT"
check "no minor-unit figure in trade list" bash -c '! grep -qE "\b(3711|7250|1237|725)\b" <<<"$1"' _ "$OUT"
expect_ok "by affirms $T1" trade affirm "$T1" --as by
expect_ok "bx affirms $T2" trade affirm "$T2" --as bx

section "cycle preview commits nothing"
h0=$(height); s0="$(business_state)"
expect_ok "cycle preview --json" cycle preview --json
check "preview: cycle 1, 4 obligations, all would settle" test "$(printf '%s' "$OUT" | jq_py '"%s %d %d %d" % (d["preview"], d["cycle"], d["obligations"], d["settled_count"])')" = "True 1 4 4"
check "preview reports CNY and USD separately" test "$(printf '%s' "$OUT" | jq_py '",".join(c["currency"] for c in d["currencies"])')" = "CNY,USD"
expect_ok "cycle preview" cycle preview
check "preview says nothing is committed" grep -q "nothing committed" <<<"$OUT"
check "height unchanged by the preview" test "$(height)" = "$h0"
check "balances unchanged by the preview" test "$s0" = "$(business_state)"
expect_ok "cycle list is still empty" cycle list --json
check "no cycle stored" test "$(printf '%s' "$OUT" | jq_py 'len(d["cycles"])')" = 0

section "a two-currency cycle, each currency on its own"
expect_ok "cycle run --json" cycle run --as clearing --json
check "CNY gross 74.22, net 74.22 (each trade on both sides of the CCP)" test "$(printf '%s' "$OUT" | jq_py '[(c["gross_value"]["minor"], c["net_value"]["minor"], c["settled_value"]["minor"], c["carried_value"]["minor"]) for c in d["currencies"] if c["currency"] == "CNY"]')" = "[(7422, 7422, 7422, 0)]"
check "USD gross 145.00" test "$(printf '%s' "$OUT" | jq_py '[(c["gross_value"]["minor"], c["settled_value"]["minor"]) for c in d["currencies"] if c["currency"] == "USD"]')" = "[(14500, 14500)]"
check "no figure adds CNY and USD (no 21922 anywhere)" bash -c '! grep -q "21922" <<<"$1"' _ "$OUT"
check "per-participant rows are per currency" test "$(printf '%s' "$OUT" | jq_py 'sorted((p["participant"]["name"], p["currency"], p["gross"]["minor"]) for p in d["participants"])')" = "[('bx', 'CNY', 3711), ('bx', 'USD', 7250), ('by', 'CNY', 3711), ('by', 'USD', 7250)]"
check "by paid exactly 37.11 CNY" test "$(bal by CNY)" = 1996289
check "bx paid exactly 72.50 USD" test "$(bal bx USD)" = 492750
check "bx received 37.11 CNY, by 72.50 USD" test "$(bal bx CNY)/$(bal by USD)" = 3711/7250
check "the CCP is flat" test -z "$(folio account balance ccp --json | jq_py '"".join(b["id"] for b in d["balances"])')"
check_conserved
expect_ok "cycle show 1" cycle show 1
check "cycle show: a CNY row with 74.22 CNY" grep -qE "^CNY +74\.22 CNY +74\.22 CNY" <<<"$OUT"
check "cycle show: a USD row with 145.00 USD" grep -qE "^USD +145\.00 USD" <<<"$OUT"
check "cycle show gives the cycle's time" grep -qE "cycle 1 \(block [0-9]+, 20[0-9-]+T" <<<"$OUT"
expect_ok "cycle list" cycle list
check "cycle list: one row per currency" test "$(grep -cE ' (CNY|USD) ' <<<"$OUT")" = 2
expect_ok "cycle report 1 --html -" cycle report 1 --html -
check "the HTML goes to stdout" grep -q "<svg" <<<"$OUT"
check "the report names the chain" grep -q "Chain $(folio node status --json | jget chain_id)" <<<"$OUT"
check "the report has a chart per currency" bash -c 'grep -q "per participant, CNY" <<<"$1" && grep -q "per participant, USD" <<<"$1"' _ "$OUT"
check "the report lists its currencies" grep -q "currencies CNY, USD" <<<"$OUT"

section "a fail that never settles, closed by cash compensation"
expect_ok "bz sells 50 $HARBOUR it does not hold to by at 10.00" trade submit --isin "$HARBOUR" --side sell --quantity 50 --price 10.00 --currency CNY --counterparty by --as bz --json
T3=$(printf '%s' "$OUT" | jget trade_id)
expect_ok "by affirms $T3" trade affirm "$T3" --as by
expect_ok "cycle preview --json after new blocks" cycle preview --json
check "the preview is of the new tip (cycle 2, trade $T3's 2 obligations), not a cached older one" test "$(printf '%s' "$OUT" | jq_py '"%d %d %d" % (d["cycle"], d["obligations"], d["carried_count"])')" = "2 2 2"
for c in 2 3; do
  expect_ok "cycle $c: the fail is carried" cycle run --as clearing --json
done
check "the report says who failed: bz, seller short" test "$(printf '%s' "$OUT" | jq_py '[(f["deliverer"]["name"], f["reason_code"], f["age_cycles"]) for f in d["failures"] if f["obligation"] == 2 * '"$T3"']')" = "[('bz', 1, 2)]"
expect_ok "cycle report 3 --html -" cycle report 3 --html -
check "the HTML report says who failed: bz" grep -q "<td>2</td><td class='l'>bz</td>" <<<"$OUT"
expect_ok "cycle show 3" cycle show 3
check "cycle show names the failing seller bz and the cash in CNY" grep -qE "bz +ccp +50 $HARBOUR +500\.00 CNY +seller short" <<<"$OUT"
expect_fail FAIL_TOO_RECENT "close after 2 cycles" cycle close "$T3" --price 10.40 --as clearing
expect_ok "cycle 4: carried a third time" cycle run --as clearing
expect_fail UNAUTHORIZED "close by a broker" cycle close "$T3" --price 10.40 --as by
expect_fail NOT_CLOSABLE "close a settled trade" cycle close "$T1" --price 10.40 --as clearing
expect_fail BAD_AMOUNT:2 "reference price with a tenth of a fen" cycle close "$T3" --price 10.401 --as clearing
s0="$(business_state)"
expect_ok "close $T3 at reference price 10.40" cycle close "$T3" --price 10.40 --as clearing
check "the receipt says the seller failed and what it pays" grep -q "the seller failed; cash compensation 20.00 CNY at reference price 10.40 CNY" <<<"$OUT"
check "bz paid 20.00 CNY (50 x 0.40)" test "$(bal bz CNY)" = 8000
check "by received 20.00 CNY" test "$(bal by CNY)" = 1998289
check "no security moved" test "$(bal by "$HARBOUR")/$(bal bz "$HARBOUR")" = 3/0
check "the CCP is flat" test -z "$(folio account balance ccp --json | jq_py '"".join(b["id"] for b in d["balances"])')"
check_conserved
expect_ok "trade show $T3 --json" trade show "$T3" --json
check "trade $T3 is closed with its closeout" test "$(printf '%s' "$OUT" | jq_py '"%s %s %d" % (d["status"], d["closeout"]["failing"], d["closeout"]["compensation"]["minor"])')" = "closed seller 2000"
expect_ok "trade show $T3" trade show "$T3"
check "trade show has the closeout" grep -q "compensation *20.00 CNY, paid by bz to by" <<<"$OUT"
expect_fail NOT_CLOSABLE "close it twice" cycle close "$T3" --price 10.40 --as clearing
expect_ok "cycle 5 has nothing left" cycle run --as clearing --json
check "no obligation is open" test "$(printf '%s' "$OUT" | jget obligations)" = 0
expect_fail UNAUTHORIZED "a broker cannot set the fail-close period" cycle close-after 2 --as by
expect_fail USAGE "a period of 0 cycles" cycle close-after 0 --as clearing
expect_ok "clearing sets the fail-close period to 2 cycles" cycle close-after 2 --as clearing
check "the receipt says what it was" grep -q "a fail may be closed after 2 cycles (was 3)" <<<"$OUT"
expect_ok "cycle show 5 --json" cycle show 5 --json
check "the cycle reply gives the period" test "$(printf '%s' "$OUT" | jget fail_close_cycles)" = 2

section "settle list: unmatched instructions and the near-match hint"
expect_ok "bx: deliver 5 $HARBOUR to by for 50.00 CNY" settle instruct --deliver "$HARBOUR:5" --pay CNY:50.00 --counterparty by --as bx --json
I1=$(printf '%s' "$OUT" | jget instruction_id)
expect_ok "by: receive for 50.01 CNY (a typo)" settle instruct --receive "$HARBOUR:5" --pay CNY:50.01 --counterparty bx --as by --json
I2=$(printf '%s' "$OUT" | jget instruction_id)
expect_ok "settle list --status unmatched --json" settle list --status unmatched --json
check "both wait unmatched" test "$(printf '%s' "$OUT" | jq_py '[i["id"] for i in d["instructions"]]')" = "[$I1, $I2]"
check "the hint says by how much" test "$(printf '%s' "$OUT" | jq_py '[i["near_match"]["hint"] for i in d["instructions"] if i["id"] == '"$I2"'][0]')" = "amount differs by 0.01 CNY from instruction $I1"
check "the amount arrives exactly: 50.01 CNY = 5001 fen" test "$(printf '%s' "$OUT" | jq_py '[i["amount"]["minor"] for i in d["instructions"] if i["id"] == '"$I2"'][0]')" = 5001
expect_ok "settle list" settle list
check "the table shows the hint" grep -q "instruction $I1: amount differs by 0.01 CNY from instruction $I2" <<<"$OUT"
check "the table shows 50.01 CNY" grep -q "50.01 CNY" <<<"$OUT"
expect_fail USAGE "an unknown status" settle list --status pending

section "cancel before matching"
expect_fail NOT_INSTRUCTION_PARTY "bx cannot cancel by's unmatched instruction" settle cancel "$I2" --as bx
expect_ok "by cancels its own" settle cancel "$I2" --as by
expect_fail INSTRUCTION_FINAL "cancel it twice" settle cancel "$I2" --as by
expect_fail UNKNOWN_INSTRUCTION "cancel an unknown instruction" settle cancel 999 --as by
s0="$(business_state)"
expect_ok "settle list --status cancelled --json" settle list --status cancelled --json
check "one cancelled" test "$(printf '%s' "$OUT" | jq_py '[i["id"] for i in d["instructions"]]')" = "[$I2]"
expect_ok "by sends the right mirror: settles at once" settle instruct --receive "$HARBOUR:5" --pay CNY:50.00 --counterparty bx --as by
check "settled at once" grep -q "settled" <<<"$OUT"
check "bx received exactly 50.00 CNY" test "$(bal bx CNY)" = 8711
check_conserved

section "bilateral cancel of a queued pair"
expect_ok "by: deliver 5 $RIVER to bz for 1,000.00 USD" settle instruct --deliver "$RIVER:5" --pay USD:1,000.00 --counterparty bz --as by --json
Q1=$(printf '%s' "$OUT" | jget instruction_id)
expect_ok "bz mirrors (it holds no USD): queued" settle instruct --receive "$RIVER:5" --pay USD:1000 --counterparty by --as bz --json
Q2=$(printf '%s' "$OUT" | jget instruction_id)
check "queued" grep -q "queued" <<<"$(printf '%s' "$OUT" | jget receipt.detail)"
expect_ok "settle list --status queued --json" settle list --status queued --json
check "both are queued" test "$(printf '%s' "$OUT" | jq_py '[i["id"] for i in d["instructions"]]')" = "[$Q1, $Q2]"
s0="$(business_state)"
expect_ok "bz asks to cancel" settle cancel "$Q2" --as bz
check "it stays queued until by asks" grep -q "stays queued" <<<"$OUT"
expect_fail CANCEL_REQUESTED "bz asks twice" settle cancel "$Q1" --as bz
expect_fail NOT_INSTRUCTION_PARTY "bx is no party" settle cancel "$Q1" --as bx
expect_ok "settle queue still has it" settle queue --json
check "one pair waits" test "$(printf '%s' "$OUT" | jq_py 'len(d["queue"])')" = 1
expect_ok "by asks too: cancelled" settle cancel "$Q1" --as by
expect_ok "settle queue --json" settle queue --json
check "the queue is empty" test "$(printf '%s' "$OUT" | jq_py 'len(d["queue"])')" = 0
check "nothing moved" test "$s0" = "$(business_state)"
expect_ok "settle list --status cancelled --json" settle list --status cancelled --json
check "three cancelled" test "$(printf '%s' "$OUT" | jq_py '[i["id"] for i in d["instructions"]]')" = "[$I2, $Q1, $Q2]"
expect_ok "settle list --limit 2 --json" settle list --limit 2 --json
check "a next cursor after 2 rows" test "$(printf '%s' "$OUT" | jq_py '"%d %s" % (len(d["instructions"]), d.get("next"))')" = "2 $(( I1 + 1 ))"
expect_ok "cycle run after the cancel" cycle run --as clearing --json
check "the queue stays empty" test "$(printf '%s' "$OUT" | jq_py '"%d/%d" % (d["queue_settled"], d["queue_waiting"])')" = 0/0
check_conserved
check_node_log_clean
check_chain_verify
finish
