#!/usr/bin/env bash
# The views of each role (specs/rpc.md §3.14) through the real binary and a real --dev node:
# a broker's day (issue, transfers, a settlement leg, a dividend, a split, a freeze and a
# forced transfer), then
#   - account history: every movement with block, time, reason, counterparty, transaction;
#     per instrument the movements add up (in - out) to the holding now, each row's balance
#     is the previous one plus the movement, pages joined are the whole list, --isin,
#     --from and --to filter;
#   - account statement --height/--at: equals the balances seen at that point, the
#     statements of every account at a height add up to the supply, --csv carries the same;
#   - control list: the freeze with quantity, order and who placed it, the force transfer
#     waiting for approval, gone once approved/unfrozen, filters;
#   - investor list: profiles and the three filters;
# and refusals of bad arguments (exit 2, or 1 for what does not exist).
. "$(dirname "$0")/lib.sh" "$@"

EQ=CNE000001R84
ORDER=$(printf 'court order 2026/77' | sha256sum | cut -c1-64)
ACCOUNTS="bank issuer bx by alice reg1 reg2"

eq() { if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi; }
now_ms() {
  local off
  off="$(status_field time_offset_ms)"
  echo $(($(date -u +%s%3N) + ${off:-0}))
}
# day N: the ledger's date N days from now.
day() { python3 -c 'import sys,datetime;print((datetime.datetime(1970,1,1)+datetime.timedelta(milliseconds=int(sys.argv[1]))+datetime.timedelta(days=int(sys.argv[2]))).date())' "$(now_ms)" "$1"; }
advance() {
  local h0
  h0="$(status_field height)"
  run dev time advance "$1"
  for _ in $(seq 1 40); do
    [ "$(status_field height)" -gt "$h0" ] && break
    sleep 0.25
  done
}
do_ok() {
  run "$@"
  [ "$RC" -eq 0 ] || { fail "$* (exit $RC)"; show_last; }
}
# balances ACCOUNT: {"ID": quantity} from account balance --json.
balances() {
  folio account balance "$1" --json | python3 -c '
import json, sys
print(json.dumps({b["id"]: b["quantity"] for b in json.load(sys.stdin)["balances"] if b["quantity"]}, sort_keys=True))'
}
# statement_map ACCOUNT OPTS...: {"ID": quantity} from account statement --json.
statement_map() {
  local who="$1"
  shift
  folio account statement "$who" "$@" --json | python3 -c '
import json, sys
print(json.dumps({h["id"]: h["quantity"] for h in json.load(sys.stdin)["holdings"]}, sort_keys=True))'
}

section "setup: a --dev node and a broker's day"
check "init" home_init
run node start --detach --dev
check "node start --dev" test "$RC" -eq 0
for k in bank issuer bx by alice reg1 reg2 inv1 inv2 inv3; do folio keys new "$k" >/dev/null; done
for p in bank:settlement-bank issuer:issuer bx:broker by:broker alice:investor reg1:regulator \
  reg2:regulator inv1:investor inv2:investor inv3:investor; do
  do_ok participant register "${p%%:*}" --role "${p#*:}" --key "${p%%:*}"
done
do_ok asset issue cash --currency CNY --amount 10000.00 --to issuer --as bank
do_ok asset issue equity --isin "$EQ" --name "View Co" --shares 10000 --to issuer --as issuer --risk R1
do_ok transfer CNY 1000.50 --to bx --as issuer
do_ok transfer CNY 500.25 --to by --as issuer
do_ok transfer "$EQ" 3000 --to bx --as issuer
# The payment of 150.25 CNY, as settle instruct takes it (currency units, or minor units
# before that command gains the money rule of specs/money.md).
PAY=CNY:150.25
run settle instruct --deliver "$EQ:100" --pay "$PAY" --counterparty by --as bx --dry-run
[ "$RC" -eq 2 ] && PAY=CNY:15025
do_ok settle instruct --deliver "$EQ:100" --pay "$PAY" --counterparty by --as bx
do_ok settle instruct --receive "$EQ:100" --pay "$PAY" --counterparty bx --as by
H1="$(status_field height)"
S1="$(balances bx)"
check "bx after the settlement holds 2900 $EQ and 1150.75 CNY ($S1)" \
  test "$S1" = "{\"CNE000001R84\": 2900, \"CNY\": 115075}"
D0="$(day 0)"
do_ok action dividend "$EQ" --per-share 0.35 --currency CNY --record-date "$(day 1)" --pay-date "$(day 2)" --as issuer
advance 2d
advance 1h
for _ in $(seq 1 40); do
  [ "$(balances bx)" != "$S1" ] && break
  sleep 0.25
done
do_ok action split "$EQ" --ratio 3:2 --as issuer
for _ in $(seq 1 40); do
  [ "$(folio asset show "$EQ" --json | jget supply)" = 15000 ] && break
  sleep 0.25
done
eq "split 3:2: supply" "$(folio asset show "$EQ" --json | jget supply)" 15000
do_ok control freeze "$EQ" bx --quantity 50 --order "$ORDER" --as reg1
run control force-transfer "$EQ" 30 --from bx --to by --order "$ORDER" --as reg1 --json
PROP="$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(int(json.load(sys.stdin)["receipt"]["data"],16))' 2>/dev/null)"
check "reg1 proposes a force transfer (proposal '$PROP')" test "$RC" -eq 0 -a -n "$PROP"

section "control list: the freeze and the force transfer waiting"
OUT="$(folio control list --json)"
printf '%s' "$OUT" >"$E2E_TMP/controls.json"
python3 - "$E2E_TMP/controls.json" "$ORDER" "$PROP" <<'PY' >"$E2E_TMP/c.out" 2>&1
import json, sys
d = json.load(open(sys.argv[1])); order = sys.argv[2]; prop = int(sys.argv[3])
c = d["controls"]
assert "next" not in d, d
assert len(c) == 2, c
f, p = c
assert f["kind"] == "freeze" and f["isin"] == "CNE000001R84", f
assert f["account"]["name"] == "bx" and f["quantity"] == 50 and f["order"] == order, f
assert f["placed_by"]["name"] == "reg1" and f["placed_order"] == order, f
assert f["height"] > 0 and f["time"].endswith("Z"), f
assert p["kind"] == "force_transfer" and p["id"] == prop and p["quantity"] == 30, p
assert p["from"]["name"] == "bx" and p["to"]["name"] == "by", p
assert p["requested_by"]["name"] == "reg1" and p["order"] == order, p
print("freeze of 50 by reg1, force transfer %d of 30 bx -> by" % prop)
PY
PRC=$?
check "control list --json: $(tail -1 "$E2E_TMP/c.out")" test "$PRC" -eq 0
[ "$PRC" -eq 0 ] || sed 's/^/        /' "$E2E_TMP/c.out"
run control list
check "control list (text) shows the freeze placed by reg1" grep -q "freeze.*$EQ.*bx.*50.*${ORDER:0:16}.*reg1" <<<"$OUT"
check "   ... and the pending force transfer bx -> by" grep -q "force transfer $PROP (pending).*bx -> by.*30.*reg1" <<<"$OUT"
eq "control list --account by: the force transfer only" "$(folio control list --account by --json | jget controls.0.kind)" force_transfer
eq "   ... one row" "$(folio control list --account by --json | python3 -c 'import json,sys;print(len(json.load(sys.stdin)["controls"]))')" 1
eq "control list --isin CNY: none" "$(folio control list --isin cny --json | jget controls)" "[]"
run control list --isin CNY
check "   ... the table says so" grep -q "no freezes and no force transfers waiting" <<<"$OUT"
R1="$(folio control list --limit 1 --json)"
N1="$(printf '%s' "$R1" | jget next)"
check "control list --limit 1 gives a cursor ($N1)" test -n "$N1"
eq "   ... the next page is the force transfer" "$(folio control list --limit 1 --after "$N1" --json | jget controls.0.id)" "$PROP"
do_ok control approve "$PROP" --as reg2
do_ok control unfreeze "$EQ" bx --order "$ORDER" --as reg1
eq "after approve and unfreeze: control list is empty" "$(folio control list --json | jget controls)" "[]"

section "account history: every movement, adding up"
for who in $ACCOUNTS; do
  folio account history "$who" --json >"$E2E_TMP/h_$who.json"
  balances "$who" >"$E2E_TMP/b_$who.json"
done
python3 - "$E2E_TMP" <<'PY' >"$E2E_TMP/h.out" 2>&1
import json, sys, os
tmp = sys.argv[1]
rows_total = 0
for who in "bank issuer bx by alice reg1 reg2".split():
    h = json.load(open(os.path.join(tmp, "h_%s.json" % who)))
    now = json.load(open(os.path.join(tmp, "b_%s.json" % who)))
    assert "next" not in h, who
    assert h["account"]["name"] == who, h["account"]
    seen, last_pos = {}, (0, -1)
    for m in h["movements"]:
        pos = (m["height"], m["seq"])
        assert pos > last_pos, (who, pos, last_pos)
        last_pos = pos
        q = m["quantity"] if m["direction"] == "in" else -m["quantity"]
        prev = seen.get(m["id"], 0)
        assert prev + q == m["balance"], (who, m)
        seen[m["id"]] = m["balance"]
        assert m["time"].endswith("Z") and m["time_ms"] > 0, m
        if m["id"] == "CNY":
            assert m["quantity_money"]["currency"] == "CNY" and m["quantity_money"]["scale"] == 2, m
            assert m["quantity_money"]["minor"] == m["quantity"], m
        if m["reason"] in ("transfer", "settlement", "forced_transfer"):
            assert m["counterparty"] and m["counterparty"]["name"], m
            assert m["tx"] and len(m["tx"]["id"]) == 64, m
        rows_total += 1
    assert {k: v for k, v in seen.items() if v} == now, (who, seen, now)
bx = json.load(open(os.path.join(tmp, "h_bx.json")))["movements"]
reasons = sorted({m["reason"] for m in bx})
want = ["dividend", "forced_transfer", "settlement", "split", "transfer"]
assert reasons == want, reasons
t = [m for m in bx if m["reason"] == "transfer" and m["id"] == "CNY"][0]
assert t["counterparty"]["name"] == "issuer" and t["quantity_money"]["decimal"] == "1000.50", t
s = [m for m in bx if m["reason"] == "settlement"]
assert {(m["id"], m["direction"], m["quantity"]) for m in s} == {("CNE000001R84", "out", 100), ("CNY", "in", 15025)}, s
assert all(m["counterparty"]["name"] == "by" for m in s), s
d = [m for m in bx if m["reason"] == "dividend"][0]
assert d["id"] == "CNY" and d["quantity"] == 2900 * 35 and d["direction"] == "in", d
sp = [m for m in bx if m["reason"] == "split"][0]
assert sp["quantity"] == 1450 and sp["balance"] == 4350, sp
f = [m for m in bx if m["reason"] == "forced_transfer"][0]
assert f["quantity"] == 30 and f["direction"] == "out" and f["counterparty"]["name"] == "by", f
print("%d movements; in - out = the holding now for every account and instrument" % rows_total)
PY
PRC=$?
check "history --json: $(tail -1 "$E2E_TMP/h.out")" test "$PRC" -eq 0
[ "$PRC" -eq 0 ] || sed 's/^/        /' "$E2E_TMP/h.out"

# Pages joined are the whole list.
: >"$E2E_TMP/pages.json"
AFTER=()
for _ in $(seq 1 40); do
  P="$(folio account history bx --limit 2 "${AFTER[@]}" --json)"
  printf '%s' "$P" | python3 -c 'import json,sys;print(json.dumps(json.load(sys.stdin)))' >>"$E2E_TMP/pages.json"
  N="$(printf '%s' "$P" | jget next 2>/dev/null)" || break
  AFTER=(--after "$N")
done
eq "history bx in pages of 2 joined = the whole history" "$(python3 -c '
import json, sys
rows = [m for l in open(sys.argv[1]) for m in json.loads(l)["movements"]]
print(rows == json.load(open(sys.argv[2]))["movements"], len(rows))' "$E2E_TMP/pages.json" "$E2E_TMP/h_bx.json")" "True $(python3 -c 'import json,sys;print(len(json.load(open(sys.argv[1]))["movements"]))' "$E2E_TMP/h_bx.json")"
eq "history bx --isin cny: only CNY rows" "$(folio account history bx --isin cny --json | python3 -c 'import json,sys;print(sorted({m["id"] for m in json.load(sys.stdin)["movements"]}))')" "['CNY']"
eq "history bx --from $(day 1): no movement before the dividend" "$(folio account history bx --from "$(day -1)" --json | python3 -c 'import json,sys;print(sorted({m["reason"] for m in json.load(sys.stdin)["movements"]}))')" "['dividend', 'forced_transfer', 'split']"
eq "history bx --to $D0: the first day's movements" "$(folio account history bx --to "$D0" --json | python3 -c 'import json,sys;print(sorted({m["reason"] for m in json.load(sys.stdin)["movements"]}))')" "['settlement', 'transfer']"
eq "history bx --from $(day 5): none" "$(folio account history bx --from "$(day 5)" --json | jget movements)" "[]"
run account history bx
check "history (text): the settlement leg with by, 150.25 CNY" grep -q "settlement.*+150.25 CNY.*1,150.75 CNY.*by" <<<"$OUT"
check "   ... the dividend of 1,015.00 CNY" grep -q "dividend.*+1,015.00 CNY" <<<"$OUT"
check "   ... totals per instrument" grep -q "totals of the movements above" <<<"$OUT"
eq "   ... the CNY total nets to the holding now" "$(grep -E '^CNY ' <<<"$OUT" | tail -1 | awk '{print $(NF-1)}')" "+$(folio account balance bx --json | python3 -c 'import json,sys;print([b["quantity_money"]["decimal"] for b in json.load(sys.stdin)["balances"] if b["id"]=="CNY"][0])' | python3 -c 'import sys;v=sys.stdin.read().strip();i,f=v.split(".");print("{:,}".format(int(i))+"."+f)')"
run account history alice
check "history alice (text): no movements" grep -q "no movements" <<<"$OUT"

section "account statement: holdings as of a past point"
eq "statement bx --height $H1 = the balances seen then" "$(statement_map bx --height "$H1")" "$S1"
eq "statement bx --at $D0 (end of that day) = the same" "$(statement_map bx --at "$D0")" "$S1"
TIP="$(status_field height)"
eq "statement bx --height tip = balance now" "$(statement_map bx --height "$TIP")" "$(balances bx)"
eq "statement bx --height 0: nothing" "$(statement_map bx --height 0)" "{}"
# The statements of every account at H1 add up to each supply then.
SUMS="$(for who in $ACCOUNTS; do statement_map "$who" --height "$H1"; done | python3 -c '
import json, sys
t = {}
for l in sys.stdin:
    for k, v in json.loads(l).items():
        t[k] = t.get(k, 0) + v
print(json.dumps(t, sort_keys=True))')"
eq "every account'\''s statement at $H1 adds up to the supply then" "$SUMS" '{"CNE000001R84": 10000, "CNY": 1000000}'
run account statement bx --height "$H1"
check "statement (text): 1,150.75 CNY and 2,900 shares" grep -q "1,150.75 CNY" <<<"$OUT"
check "   ... the equity row" grep -qE "$EQ +equity +View Co +2,900" <<<"$OUT"
run account statement bx --height "$H1" --csv
printf '%s\n' "$OUT" >"$E2E_TMP/st.csv"
eq "statement --csv: header and two rows" "$(wc -l <"$E2E_TMP/st.csv")" 3
check "   ... CNY row: 1150.75,CNY,115075" grep -q "^[0-9a-f]\{40\},$H1,.*,CNY,cash,.*,1150.75,CNY,115075$" "$E2E_TMP/st.csv"
check "   ... equity row: 2900,units,2900" grep -q ",$EQ,equity,View Co,2900,units,2900$" "$E2E_TMP/st.csv"
P1="$(folio account statement bx --height "$TIP" --limit 1 --json)"
eq "statement --limit 1: first page is $EQ" "$(printf '%s' "$P1" | jget holdings.0.id)" "$EQ"
eq "   ... the next page is CNY" "$(folio account statement bx --height "$TIP" --limit 1 --after "$(printf '%s' "$P1" | jget next)" --json | jget holdings.0.id)" CNY

section "investor list"
do_ok investor register inv1 --category professional --risk-class C5 --kyc-expiry "$(day 30)" --as bx
do_ok investor register inv2 --category ordinary --risk-class C2 --kyc-expiry "$(day 400)" --as bx
do_ok investor register inv3 --category ordinary --risk-class C3 --kyc-expiry "$(day 10)" --as bx
names() { python3 -c 'import json,sys;print(",".join(sorted(i["name"] for i in json.load(sys.stdin)["investors"])))'; }
eq "investor list" "$(folio investor list --json | names)" inv1,inv2,inv3
eq "--kyc-expiring-before $(day 60)" "$(folio investor list --kyc-expiring-before "$(day 60)" --json | names)" inv1,inv3
eq "--category ordinary" "$(folio investor list --category Ordinary --json | names)" inv2,inv3
eq "--risk-class c2" "$(folio investor list --risk-class c2 --json | names)" inv2
eq "--category ordinary --kyc-expiring-before $(day 60)" "$(folio investor list --category ordinary --kyc-expiring-before "$(day 60)" --json | names)" inv3
eq "--limit 2 then --after: the third" "$(folio investor list --limit 2 --after "$(folio investor list --limit 2 --json | jget next)" --json | python3 -c 'import json,sys;print(len(json.load(sys.stdin)["investors"]))')" 1
run investor list --risk-class C4
check "no match: the table says so" grep -q "no investors match" <<<"$OUT"
run investor list
check "investor list (text)" grep -qE "inv2 +[0-9a-f]{40} +ordinary +C2 +$(day 400)" <<<"$OUT"

section "bad arguments"
expect_fail USAGE:2 "statement without --at or --height" account statement bx
expect_fail USAGE:2 "statement with both" account statement bx --at "$D0" --height 1
expect_fail BAD_DATES:2 "history --from 2026-02-30" account history bx --from 2026-02-30
expect_fail BAD_DATES:2 "history --to before --from" account history bx --from "$(day 1)" --to "$(day 0)"
expect_fail USAGE:2 "history --isin with a dash" account history bx --isin CN-1
expect_fail BAD_INVESTOR:2 "investor list --risk-class C9" investor list --risk-class C9
expect_fail BAD_INVESTOR:2 "investor list --category retail" investor list --category retail
expect_fail NOT_FOUND:1 "statement --height above the tip" account statement bx --height 99999999
expect_fail NOT_FOUND:1 "statement --at before the first block" account statement bx --at 1999-01-01
expect_fail INVALID "history with a bad cursor" account history bx --after 'x:y'
expect_fail INVALID "control list with a bad cursor" control list --after 'Q:1'
expect_fail USAGE:2 "an unknown option" account history bx --isn CNY

section "hostile requests to the four methods (raw msgpack over the node's socket)"
TOOLS="$(cd "$(dirname "$0")/tools" && pwd)"
OUT="$(PYTHONPATH="$TOOLS" URL="ipc://$FOLIO_HOME/node.sock" timeout -k 5 60 python3 - <<'PY' 2>&1
import json, os, spclient
NIL = object()
def pk(o):
    if o is NIL:
        return b"\xc0"
    if isinstance(o, list):
        return bytes([0x90 + len(o)]) + b"".join(pk(x) for x in o)
    if isinstance(o, int) and o < 0:
        return b"\xd2" + o.to_bytes(4, "big", signed=True)  # canonical for -2^31..-32769
    return spclient.pack(o)
c = spclient.Conn(os.environ["URL"])
H = "18446744073709551615"
cases = [  # (request, the error code wanted, or None for a good reply)
    (["history"], "INVALID"), (["history", "bx", "", 0], "INVALID"),
    (["history", 7, "", 0, 0], "INVALID"), (["history", "bx", "X" * 13, 0, 0], "INVALID"),
    (["history", "nobody", "", 0, 0], "INVALID"), (["history", "bx", "", "0", 0], "INVALID"),
    (["history", "bx", "", 0, 0, "1:2:3"], "INVALID"), (["history", "bx", "", 0, 0, " 1:2"], "INVALID"),
    (["history", "bx", "", 0, 0, "-1:2"], "INVALID"), (["history", "bx", "", 0, 0, H + "0:1"], "INVALID"),
    (["history", "bx", "", 0, 0, H + ":4294967295"], "INVALID"),
    (["history", "bx", "", 0, 0, H + ":4294967294"], None),
    (["history", "bx", "", 0, 0, NIL, 1001], "INVALID"), (["history", "bx", "", 0, 0, NIL, 1, 9], "INVALID"),
    (["history", "bx", "", 2**64 - 1, 2**64 - 1], None), (["history", "bx", "", 5, 4], None),
    (["statement", "bx"], "INVALID"), (["statement", "bx", NIL, NIL], "INVALID"),
    (["statement", "bx", 1, 1], "INVALID"), (["statement", "bx", "1", NIL], "INVALID"),
    (["statement", "bx", 2**64 - 1, NIL], "NOT_FOUND"), (["statement", "bx", NIL, 2**64 - 1], None),
    (["statement", "bx", NIL, 0], "NOT_FOUND"), (["statement", "bx", 1, NIL, "X" * 13], "INVALID"),
    (["statement", "bx", 1, NIL, ""], "INVALID"), (["statement", "bx", 1, NIL, "\xff\xfe"], None),
    (["controls"], "INVALID"), (["controls", "X" * 13, ""], "INVALID"),
    (["controls", "", "nobody"], "NOT_FOUND"), (["controls", "", "", "F:ABC:zz"], "INVALID"),
    (["controls", "", "", "P:-1"], "INVALID"), (["controls", "", "", "P:" + H], None),
    (["controls", "", "", "F:abc:" + "0" * 40], "INVALID"), (["controls", "", "", "F:ABC:" + "0" * 40], None),
    (["investors", NIL, "", 6], "INVALID"), (["investors", NIL, "retail", 0], "INVALID"),
    (["investors", "2026-01-01", "", 0], "INVALID"), (["investors", NIL, "", 0, "zz"], "INVALID"),
    (["investors", -800000, "", 0], None), (["investors", NIL, "", 0, "f" * 40], None),
]
bad = 0
for req, want in cases:
    status, text = c.call_raw(pk(req))
    d = json.loads(text)
    got = d.get("error") if status else None
    if isinstance(got, dict):
        got = got.get("code")
    if got != want:
        bad += 1
        print("FAIL %r -> status %d %s (want %s)" % (req, status, text[:200], want))
print("ok %d hostile requests answered with the code wanted, %d not" % (len(cases), bad))
PY
)"
while IFS= read -r line; do
  case "$line" in
    "ok "*) pass "${line#ok }" ;;
    *) fail "$line" ;;
  esac
done <<<"$OUT"
check "the node still answers" node_alive

check_node_log_clean
finish
