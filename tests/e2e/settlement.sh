# End to end: trades, novation, a netting cycle with a gridlock and a carried fail,
# bilateral instructions, the HTML report, --help/--json and precise errors, against the
# real binary and node. Conservation is checked after every step that moves value.
. "$(dirname "$0")/lib.sh" "$@"

HARBOUR=CNE10000ST02
RIVER=CNE10000ST10

jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
bal() {
  folio account balance "$1" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(next((b["quantity"] for b in d["balances"] if b["id"] == sys.argv[1]), 0))' "$2" 2>/dev/null
}

section "node and participants"
check "init" home_init
check "node start" node_start
for p in ccp:ccp clearing:clearing bank:settlement-bank issuer:issuer bx:broker by:broker bz:broker inv:investor; do
  n=${p%%:*} r=${p#*:}
  folio keys new "$n" >/dev/null 2>&1
  expect_ok "register $n ($r)" participant register "$n" --role "$r" --key "$n"
done
expect_ok "issue $HARBOUR to bx" asset issue equity --isin "$HARBOUR" --name "Harbour A" --shares 10000 --to bx --as issuer
expect_ok "issue $RIVER to by" asset issue equity --isin "$RIVER" --name "River A" --shares 4000 --to by --as issuer
expect_ok "bank issues 20000.00 CNY to bx" asset issue cash --currency CNY --amount 20000.00 --to bx --as bank
expect_ok "bank issues 50000.00 CNY to bz" asset issue cash --currency CNY --amount 50000.00 --to bz --as bank
check_conserved

section "help"
for n in trade cycle settle; do
  expect_ok "$n --help" "$n" --help
  check "$n --help prints usage" grep -q "usage: folio $n" <<<"$OUT"
done

section "trades"
expect_ok "bx sells $HARBOUR to by" trade submit --isin "$HARBOUR" --side sell --quantity 4000 --price 20.00 --currency CNY --counterparty by --as bx --json
T1=$(printf '%s' "$OUT" | jget trade_id)
check "trade submit --json gives trade_id" test -n "$T1"
expect_ok "by sells $RIVER to bx" trade submit --isin "$RIVER" --side sell --quantity 1000 --price 80.00 --currency CNY --counterparty bx --as by
T2=$(printf '%s' "$OUT" | sed -n 's/^trade id //p')
check "trade submit prints the trade id" test -n "$T2"
expect_ok "bz buys $HARBOUR from bx" trade submit --isin "$HARBOUR" --side buy --quantity 500 --price 21.00 --currency CNY --counterparty bx --as bz --json
T3=$(printf '%s' "$OUT" | jget trade_id)
expect_ok "bz sells $RIVER it does not hold to bx" trade submit --isin "$RIVER" --side sell --quantity 200 --price 81.00 --currency CNY --counterparty bx --as bz --json
T4=$(printf '%s' "$OUT" | jget trade_id)
expect_ok "trade list --status submitted --json" trade list --status submitted --json
check "four submitted trades" test "$(printf '%s' "$OUT" | jq_py 'len(d["trades"])')" = 4

section "bad input"
expect_fail UNKNOWN_ASSET "unknown ISIN" trade submit --isin US5949181045 --side sell --quantity 1 --price 0.01 --currency CNY --counterparty by --as bx
expect_fail SELF_TRADE "self trade" trade submit --isin "$HARBOUR" --side sell --quantity 1 --price 0.01 --currency CNY --counterparty bx --as bx
expect_fail BAD_QUANTITY:2 "zero quantity" trade submit --isin "$HARBOUR" --side sell --quantity 0 --price 0.01 --currency CNY --counterparty by --as bx
expect_fail BAD_QUANTITY:2 "quantity over 2^62" trade submit --isin "$HARBOUR" --side sell --quantity 9999999999999999999 --price 0.01 --currency CNY --counterparty by --as bx
expect_fail VALUE_OVERFLOW "quantity x price over 2^62" trade submit --isin "$HARBOUR" --side sell --quantity 4294967296 --price 42949672.96 --currency CNY --counterparty by --as bx
expect_fail BAD_SIDE:2 "bad side" trade submit --isin "$HARBOUR" --side hold --quantity 1 --price 0.01 --currency CNY --counterparty by --as bx
expect_fail COUNTERPARTY_NOT_BROKER "counterparty not a broker" trade submit --isin "$HARBOUR" --side sell --quantity 1 --price 0.01 --currency CNY --counterparty inv --as bx
expect_fail UNAUTHORIZED "an investor cannot trade" trade submit --isin "$HARBOUR" --side sell --quantity 1 --price 0.01 --currency CNY --counterparty bx --as inv
expect_fail NOT_COUNTERPARTY "affirmation by the wrong broker" trade affirm "$T1" --as bz
expect_fail UNKNOWN_TRADE "affirm an unknown trade" trade affirm 999 --as by
expect_fail USAGE "trade affirm without an id" trade affirm --as by
expect_fail USAGE "unknown --status" trade list --status pending
before="$(business_state)"

section "affirmation and novation"
expect_ok "by affirms $T1" trade affirm "$T1" --as by
check "affirm names the two obligations" grep -q "obligations $((2 * T1)) (seller -> CCP) and $((2 * T1 + 1))" <<<"$OUT"
expect_fail ALREADY_AFFIRMED "double affirmation" trade affirm "$T1" --as by
expect_fail NOT_CANCELLABLE "cancel after affirmation" trade cancel "$T1" --as bx
expect_ok "bx affirms $T2" trade affirm "$T2" --as bx
expect_ok "bx affirms $T3" trade affirm "$T3" --as bx
expect_ok "bx affirms $T4" trade affirm "$T4" --as bx
expect_ok "a trade to cancel" trade submit --isin "$HARBOUR" --side sell --quantity 1 --price 0.01 --currency CNY --counterparty by --as bx --json
T5=$(printf '%s' "$OUT" | jget trade_id)
expect_fail NOT_SUBMITTER "cancel by the counterparty" trade cancel "$T5" --as by
expect_ok "cancel by the submitter" trade cancel "$T5" --as bx
expect_fail TRADE_CANCELLED "affirm a cancelled trade" trade affirm "$T5" --as by
expect_ok "trade show --json" trade show "$T1" --json
check "trade $T1 is novated" test "$(printf '%s' "$OUT" | jget status)" = novated
check "novation moved nothing" test "$before" = "$(business_state)"

section "cycle 1: gridlock resolved, a fail carried"
expect_fail UNAUTHORIZED "cycle run by a broker" cycle run --as bx
expect_ok "cycle run --json (clearing)" cycle run --as clearing --json
C1=$(printf '%s' "$OUT" | jget cycle)
check "cycle 1" test "$C1" = 1
check "8 obligations in, 6 settled, 2 carried" test "$(printf '%s' "$OUT" | jq_py '"%d/%d/%d" % (d["obligations"], d["settled_count"], d["carried_count"])')" = 8/6/2
check "carried: trade $T4, seller short, age 1" test "$(printf '%s' "$OUT" | jq_py '";".join("%d:%d:%s" % (f["trade"], f["age_cycles"], f["reason"]) for f in d["failures"])')" = "$T4:1:seller short of securities;$T4:1:CCP did not receive the securities (a seller failed to deliver)"
check "netting efficiency above 90%" test "$(printf '%s' "$OUT" | jq_py 'd["currencies"][0]["netting_efficiency_bp"]')" -gt 9000
check "bx received $RIVER (gridlock settled)" test "$(bal bx "$RIVER")" = 1000
check "by received $HARBOUR" test "$(bal by "$HARBOUR")" = 4000
check "bz paid and received" test "$(bal bz "$HARBOUR")/$(bal bz CNY)" = 500/3950000
check "the CCP holds nothing" test -z "$(folio account balance ccp --json | jq_py '"".join(b["id"] for b in d["balances"])')"
check_conserved
expect_ok "cycle show 1" cycle show 1
check "cycle show has the positions table" grep -q "net positions" <<<"$OUT"
expect_ok "cycle list" cycle list
expect_fail NOT_FOUND:1 "cycle show 99" cycle show 99
expect_ok "cycle report 1 --html" cycle report 1 --html "$E2E_TMP/c1.html"
check "report is self-contained HTML with an SVG chart" grep -q "<svg" "$E2E_TMP/c1.html"
check "report has no external resource" bash -c "! grep -qiE 'src=|href=|<script' '$E2E_TMP/c1.html'"
expect_fail USAGE "cycle report without --html" cycle report 1

section "cycle 2: funded, the fail settles"
expect_ok "bz gets $RIVER" transfer "$RIVER" 200 --to bz --as bx
expect_ok "cycle run" cycle run --as clearing --json
check "2 in, 2 settled, 0 carried" test "$(printf '%s' "$OUT" | jq_py '"%d/%d/%d" % (d["obligations"], d["settled_count"], d["carried_count"])')" = 2/2/0
expect_ok "trade list --status settled --json" trade list --status settled --json
check "four trades settled" test "$(printf '%s' "$OUT" | jq_py 'len(d["trades"])')" = 4
check "the CCP is flat" test -z "$(folio account balance ccp --json | jq_py '"".join(b["id"] for b in d["balances"])')"
check_conserved

section "bilateral instructions"
expect_ok "bx instructs delivery" settle instruct --deliver "$HARBOUR:100" --pay CNY:2000.00 --counterparty bz --as bx
expect_ok "bz mirrors: settles at once" settle instruct --receive "$HARBOUR:100" --pay CNY:2000.00 --counterparty bx --as bz
check "settled at once" grep -q "settled" <<<"$OUT"
check "bz holds 600 $HARBOUR" test "$(bal bz "$HARBOUR")" = 600
expect_ok "by delivers River to bz for more cash than bz has" settle instruct --deliver "$RIVER:10" --pay CNY:999999.99 --counterparty bz --as by
expect_ok "bz mirrors: queued" settle instruct --receive "$RIVER:10" --pay CNY:999999.99 --counterparty by --as bz --json
check "queued" grep -q "queued" <<<"$(printf '%s' "$OUT" | jget receipt.detail)"
expect_ok "settle queue --json" settle queue --json
check "one instruction waits" test "$(printf '%s' "$OUT" | jq_py 'len(d["queue"])')" = 1
expect_fail UNAUTHORIZED "settle resolve by a broker" settle resolve --as bz
expect_ok "settle resolve" settle resolve --as clearing
check "still waiting" grep -q "0 settled, 1 waiting" <<<"$OUT"
expect_fail USAGE "instruct with both --deliver and --receive" settle instruct --deliver "$RIVER:1" --receive "$RIVER:1" --pay CNY:0.01 --counterparty by --as bz
expect_fail USAGE "instruct with a bad pair" settle instruct --deliver "$RIVER" --pay CNY:0.01 --counterparty by --as bz
check_conserved
check_node_log_clean
check_chain_verify
finish
