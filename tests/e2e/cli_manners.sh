#!/usr/bin/env bash
# The CLI's manners (issue 13 §6) through the real binary and a --dev node:
#  - ISINs, currency codes, enum values and roles are accepted in any case and normalised;
#    a wrong ISIN check digit says which digit it should be; "did you mean" for roles,
#    enum values, currencies and participant names;
#  - --json conventions (specs/rpc.md §2.2): a party is {"account","name"}, roles an array,
#    every list {"<plural>": [...], "next": cursor or null}, times as ISO 8601 UTC beside
#    the milliseconds, the ledger date in node status, a failed transaction in a block has
#    "status": "rejected" (not "committed");
#  - `trade show` shows everything its --json has;
#  - exit codes by failure class: a local file error exits 4, never "node unavailable";
#    `cycle report N --html -` writes the HTML to stdout.
. "$(dirname "$0")/lib.sh" "$@"

APPLE=US0378331005

# iso_ok JSON NAME: JSON's NAME is the ISO 8601 UTC text of NAME_ms.
iso_ok() {
  python3 -c '
import json, sys, datetime
d = json.loads(sys.argv[1]); k = sys.argv[2]
t = datetime.datetime.fromtimestamp(d[k + "_ms"] / 1000, datetime.timezone.utc)
want = t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d[k + "_ms"] % 1000)
sys.exit(0 if d[k] == want else 1)' "$1" "$2"
}
has() { [[ "$1" == *"$2"* ]]; }

section "setup"
check "init" home_init
run node start --detach --dev
check "node start --dev" test "$RC" -eq 0
for k in bank issuer alice bx by clr; do folio keys new "$k" >/dev/null; done

section "roles in any case, did you mean"
expect_ok "register issuer --role ISSUER (upper case)" participant register issuer --role ISSUER --key issuer
expect_fail BAD_ROLE:2 "register with --role brokr" participant register bx --role brokr --key bx
check "   ... did you mean 'broker'" has "$FAIL_SENTENCE" "did you mean 'broker'"
for p in bank:Settlement-Bank alice:investor bx:Broker by:broker clr:clearing; do
  run participant register "${p%%:*}" --role "${p#*:}" --key "${p%%:*}"
  [ "$RC" -eq 0 ] || { fail "register $p"; show_last; }
done
expect_ok "participant list --json" participant list --json
check "roles are arrays, next is null" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
ok = d["next"] is None and all(isinstance(p["roles"], list) for p in d["participants"])
ok = ok and [p["roles"] for p in d["participants"] if p["name"] == "bank"] == [["settlement-bank"]]
sys.exit(0 if ok else 1)' "$OUT"
run participant list
check "participant list (text) shows the roles" has "$OUT" "settlement-bank"

section "ISINs and currency codes in any case; the check digit"
expect_ok "issue equity --isin us0378331005 (lower case)" \
  asset issue equity --isin us0378331005 --name Apple --shares 1000 --to issuer --as issuer
check "   ... kept as US0378331005" test "$(folio asset show "$APPLE" --json | jget id)" = "$APPLE"
expect_ok "asset show us0378331005" asset show us0378331005
expect_fail BAD_ISIN:2 "asset show US0378331006 (wrong check digit)" asset show US0378331006
check "   ... says the digit should be 5" has "$FAIL_SENTENCE" "should be 5 (US0378331005)"
expect_fail BAD_ISIN:2 "transfer with a wrong check digit" transfer us0378331009 1 --to alice --as issuer
check "   ... says the digit should be 5" has "$FAIL_SENTENCE" "should be 5"
expect_ok "issue cash --currency cny (lower case)" \
  asset issue cash --currency cny --amount 1000 --to bank --as bank
check "   ... kept as CNY" test "$(folio asset show CNY --json | jget currency)" = CNY
expect_fail BAD_CURRENCY:2 "--currency cnx" asset issue cash --currency cnx --amount 1 --to bank --as bank
check "   ... did you mean CNY" has "$FAIL_SENTENCE" "did you mean CNY"
expect_ok "transfer cny 10 (a cash instrument id in lower case)" transfer cny 10 --to alice --as bank

section "did you mean a participant"
expect_fail UNKNOWN_ACCOUNT "transfer --to alcie" transfer "$APPLE" 1 --to alcie --as issuer
check "   ... did you mean 'alice'" has "$FAIL_SENTENCE" "did you mean 'alice'"
expect_fail UNKNOWN_ACCOUNT "participant show isuer" participant show isuer
check "   ... did you mean 'issuer'" has "$FAIL_SENTENCE" "did you mean 'issuer'"
expect_fail UNKNOWN_ACCOUNT "account balance bankk" account balance bankk
check "   ... did you mean 'bank'" has "$FAIL_SENTENCE" "did you mean 'bank'"
expect_ok "participant show by its key name" participant show alice --json
check "   ... roles an array" test "$(printf '%s' "$OUT" | jget roles)" = '["investor"]'

section "enum values in any case"
expect_ok "trade list --status SETTLED" trade list --status SETTLED
expect_fail USAGE "trade list --status setled" trade list --status setled
check "   ... did you mean 'settled'" has "$FAIL_SENTENCE" "did you mean 'settled'"

section "times, parties, statuses in --json"
expect_ok "node status --json" node status --json
ST="$OUT"
check "status: time is the ISO 8601 of time_ms" iso_ok "$ST" time
check "status: ledger_date is the day of the tip's time" python3 -c '
import json, sys
d = json.loads(sys.argv[1]); sys.exit(0 if d["ledger_date"] == d["time"][:10] else 1)' "$ST"
run node status
check "node status (text) shows the ledger date" has "$OUT" "ledger date      $(printf '%s' "$ST" | jget ledger_date)"
expect_ok "transfer 5 to alice --json" transfer "$APPLE" 5 --to alice --as issuer --json
TX="$(printf '%s' "$OUT" | jget id)"
expect_ok "tx show --json" tx show "$TX" --json
check "tx: sender is a party, block_time and expiry are ISO beside _ms" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
ok = d["sender"]["name"] == "issuer" and len(d["sender"]["account"]) == 40 and "sender_name" not in d
ok = ok and d["status"] == "committed" and d["block_time"].endswith("Z") and d["expiry"].endswith("Z")
sys.exit(0 if ok else 1)' "$OUT"
check "   ... block_time is the ISO of block_time_ms" iso_ok "$OUT" block_time
check "   ... expiry is the ISO of expiry_ms" iso_ok "$OUT" expiry
H="$(printf '%s' "$OUT" | jget height)"
expect_ok "block show --json" block show "$H" --json
check "block: time ISO, next null" python3 -c '
import json, sys
d = json.loads(sys.argv[1]); sys.exit(0 if d["next"] is None and d["time"].endswith("Z") else 1)' "$OUT"
expect_fail SELF_TRANSFER "a self transfer submitted past the check (--no-check)" \
  transfer "$APPLE" 1 --to issuer --as issuer --no-check
check "   ... --json says status rejected, not committed" test "$(printf '%s' "$OUT" | jget status)" = rejected
check "   ... tx show says rejected" test "$(folio tx show "$FAIL_TXID" --json | jget status)" = rejected
run tx show "$FAIL_TXID"
check "   ... tx show (text) says rejected" has "$OUT" "status    rejected"
expect_ok "asset holders --json" asset holders "$APPLE" --json
check "holders: rows carry account and name, next null" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
ok = d["next"] is None and all(set(h) >= {"account", "name"} for h in d["holders"])
sys.exit(0 if ok else 1)' "$OUT"
expect_ok "asset holders --limit 1 --json" asset holders "$APPLE" --limit 1 --json
check "   ... next is a cursor: the page's last account" test "$(printf '%s' "$OUT" | jget next)" = "$(printf '%s' "$OUT" | jget holders.0.account)"
expect_ok "account balance alice --json" account balance alice --json
check "balance: next null" test "$(printf '%s' "$OUT" | jget next)" = None

section "trade show shows everything its --json has"
expect_ok "issue to bx" transfer "$APPLE" 100 --to bx --as issuer
expect_ok "bx sells to by" trade submit --isin "$APPLE" --side SELL --quantity 10 --price 1 \
  --currency cny --counterparty by --as bx --json
T="$(printf '%s' "$OUT" | jget trade_id)"
expect_ok "trade show $T --json" trade show "$T" --json
TJ="$OUT"
expect_ok "trade show $T" trade show "$T"
check "every field of --json is in the text" python3 -c '
import json, sys
d = json.loads(sys.argv[1]); text = sys.argv[2].replace(",", "")
missing = []
for k, v in d.items():
    if isinstance(v, dict) and "account" in v:
        ok = v["account"] in text
    elif isinstance(v, dict) and "decimal" in v:
        ok = v["decimal"] in text and v["currency"] in text
    elif isinstance(v, str):
        ok = v == "" or v in text
    elif isinstance(v, int):
        ok = str(v) in text or (k == "affirm_height" and v == 0 and "not yet" in text)
    else:
        ok = True
    if not ok:
        missing.append(k)
if missing:
    print("missing:", missing)
sys.exit(0 if not missing else 1)' "$TJ" "$OUT"
check "   ... parties read name (account)" has "$OUT" "bx ($(folio participant show bx --json | jget account))"

section "exit codes: local files are not the node"
run lsm solve "$E2E_TMP/no-such-file.json"
check "lsm solve of a missing file: exit 4" test "$RC" -eq 4
run keys import x "$E2E_TMP/no-such-key"
check "keys import of a missing file: exit 4" test "$RC" -eq 4
expect_ok "cycle run (clearing)" cycle run --as clr --json
N="$(printf '%s' "$OUT" | jget cycle)"
run cycle report "$N" --html "$E2E_TMP/no-such-dir/r.html"
check "cycle report --html into a missing directory: exit 4, an IO error" \
  test "$RC" -eq 4 -a "${ERR#*node}" = "$ERR"
run cycle report "$N" --html -
check "cycle report --html - writes the HTML to stdout" \
  test "$RC" -eq 0 -a "${OUT:0:15}" = "<!DOCTYPE html>" -a "${OUT#*wrote}" = "$OUT"
run cycle show 999
check "cycle show of a cycle that does not exist: exit 1" test "$RC" -eq 1

section "the node is still healthy"
check "node answers" node_alive
check_node_log_clean
finish
