#!/usr/bin/env bash
# Contracts end to end through the real binary and a node: Solidity compiled with solc
# 0.8.26 (evmVersion cancun; artifacts committed in tests/contracts/, regenerate with
# tests/contracts/compile.js) deployed and called through `folio contract`:
#  - an ERC-20-style token: deploy with constructor args, calls, read-only queries,
#    receipts (gas, return data), stored results with logs, reverts with their reason;
#  - a compliance contract (investor cap + lockup) attached to a native equity: native
#    transfers pass or are refused by canTransfer, the lockup ends with block time;
#  - a coupon-paying escrow holding native cash and paying bondholders through the
#    native-instrument precompile;
#  - the code gate (only code hashes the governance committee approved deploy), bad input (malformed files, unknown addresses, bad signatures,
#    out of gas, invalid opcodes), conservation after each step, chain verify.
. "$(dirname "$0")/lib.sh" "$@"

SRC="$(cd "$(dirname "$0")/../.." && pwd)"
ART="$SRC/tests/contracts"
EQ=US0378331005
BOND=DE0005140008
PRE=0x0000000000000000000000000000000000000100

# addr_of: the "contract: 0x..." line of the last $OUT.
addr_of() { printf '%s\n' "$OUT" | sed -n 's/^contract: \(0x[0-9a-f]\{40\}\)$/\1/p' | head -1; }
# q ADDRESS SIG ARGS...: the decoded first value of a read-only query.
q() {
  folio contract query "$@" --json | python3 -c '
import json, sys
d = json.load(sys.stdin); v = d.get("decoded", [d.get("output")])[0]
print(str(v).lower() if isinstance(v, bool) else v)' 2>/dev/null
}
native() { # native ISIN NAME: holding per asset holders
  folio asset holders "$1" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(next((h["quantity"] for h in d["holders"] if h["name"] == sys.argv[1] or h["account"] == sys.argv[1]), 0))' "$2" 2>/dev/null
}
acct() { folio participant show "$1" --json | jget account; }
node_start_dev() {
  if ! folio node start --detach --dev >/dev/null 2>"$E2E_TMP/.start.err"; then
    tail -n 25 "$FOLIO_HOME/node.log" 2>/dev/null | sed 's/^/        /'
    return 1
  fi
}

section "node and participants"
check "init" home_init
check "node start --dev" node_start_dev
for p in issuer:issuer,deployer dep:deployer,broker bx:broker by:broker bz:broker bank:settlement-bank plain:broker; do
  n=${p%%:*} r=${p#*:}
  folio keys new "$n" >/dev/null 2>&1
  expect_ok "register $n ($r)" participant register "$n" --role "$r" --key "$n"
done
BX="0x$(acct bx)"
BY="0x$(acct by)"

section "ERC-20 token"
expect_fail GOV_CODE_NOT_APPROVED "deploy code the committee has not approved" \
  contract deploy "$ART/Token.json" --as dep --args X X 1
for c in Token Compliance CouponEscrow; do
  check "the committee approves $c's code hash" gov_approve_code "$ART/$c.json"
done
expect_ok "deploy Token.json with constructor args" \
  contract deploy "$ART/Token.json" --gas 3000000 --as dep --args "Folio Token" FTK 1000000
TOKEN="$(addr_of)"
check "deploy printed the contract address ($TOKEN)" test -n "$TOKEN"
check "deploy receipt names gas used" grep -q "gas used" <<<"$OUT"
expect_ok "contract info" contract info "$TOKEN" --json
check "contract info: nonce 1, code present" python3 -c '
import json, sys; d = json.loads(sys.argv[1]); sys.exit(0 if d["nonce"] == 1 and d["code_size"] > 1000 else 1)' "$OUT"
check "name() is the constructor's string" test "$(q "$TOKEN" 'name()(string)')" = "Folio Token"
check "symbol()" test "$(q "$TOKEN" 'symbol()(string)')" = FTK
check "totalSupply() = 1000000" test "$(q "$TOKEN" 'totalSupply()(uint256)')" = 1000000
check "balanceOf(dep) = 1000000 (participant account = EVM address)" \
  test "$(q "$TOKEN" 'balanceOf(address)(uint256)' dep)" = 1000000
expect_ok "call transfer(bx, 2500) --json" contract call "$TOKEN" 'transfer(address,uint256)' bx 2500 --as dep --json
TX="$(printf '%s' "$OUT" | jget id)"
check "receipt OK with gas used and return data true" python3 -c '
import json, sys
r = json.loads(sys.argv[1])["receipt"]
sys.exit(0 if r["name"] == "OK" and "gas used" in r["detail"] and r["detail"].endswith("01") else 1)' "$OUT"
check "balanceOf(bx) = 2500" test "$(q "$TOKEN" 'balanceOf(address)(uint256)' "$BX")" = 2500
expect_ok "contract result TXID --json" contract result "$TX" --json
check "result: SUCCESS, one Transfer log with from/to topics, output true" python3 -c '
import json, sys
d = json.loads(sys.argv[1]); l = d["logs"]
ok = d["status"] == "SUCCESS" and len(l) == 1 and len(l[0]["topics"]) == 3 \
  and l[0]["topics"][0] == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef" \
  and l[0]["topics"][2].endswith(sys.argv[2][2:]) and int(l[0]["data"], 16) == 2500 \
  and int(d["output"], 16) == 1 and 21000 < d["gas_used"] < 100000
sys.exit(0 if ok else 1)' "$OUT" "$BX"
expect_ok "tx show of the call" tx show "$TX" --json
check "tx show: type contract.call with the receipt detail" python3 -c '
import json, sys
d = json.loads(sys.argv[1]); sys.exit(0 if d["type_name"] == "contract.call" and "gas used" in d["receipt"]["detail"] else 1)' "$OUT"
expect_ok "contract result (text)" contract result "$TX"
check "text result lists the log" grep -q "^log 0: $TOKEN" <<<"$OUT"
expect_fail VM_REVERTED "transfer more than held reverts" \
  contract call "$TOKEN" 'transfer(address,uint256)' by 999999 --as bx --no-check
check "the receipt decodes the revert reason" grep -q "insufficient balance" <<<"$FAIL_SENTENCE"
REV_TX="$FAIL_TXID"
check "a reverted call changed nothing: bx still 2500, by 0" \
  test "$(q "$TOKEN" 'balanceOf(address)(uint256)' "$BX")/$(q "$TOKEN" 'balanceOf(address)(uint256)' "$BY")" = 2500/0
expect_fail NOT_FOUND:1 "contract result of the reverted tx: nothing stored" contract result "$REV_TX"
expect_fail VM_REVERTED "transferFrom without allowance" \
  contract call "$TOKEN" 'transferFrom(address,address,uint256)' dep by 1 --as bx
check "reason: allowance exceeded" grep -q "allowance exceeded" <<<"$FAIL_SENTENCE"
expect_ok "approve(bx, 100)" contract call "$TOKEN" 'approve(address,uint256)' bx 100 --as dep
expect_ok "transferFrom(dep, by, 60) by bx" contract call "$TOKEN" 'transferFrom(address,address,uint256)' dep by 60 --as bx
check "allowance left 40" test "$(q "$TOKEN" 'allowance(address,address)(uint256)' dep bx)" = 40
expect_ok "query is read-only (a transfer run as a query)" \
  contract query "$TOKEN" 'transfer(address,uint256)(bool)' by 1000 --from dep
check "... and nothing moved" test "$(q "$TOKEN" 'balanceOf(address)(uint256)' "$BY")" = 60
expect_fail VM_REVERTED:1 "a query that reverts shows the reason" \
  contract query "$TOKEN" 'transfer(address,uint256)(bool)' by 1 --from plain
check "query reason: insufficient balance" grep -q "insufficient balance" <<<"$FAIL_SENTENCE"
expect_ok "deploy approved code without the deployer role (the role gates nothing now)" \
  contract deploy "$ART/Token.json" --as plain --args X X 1

section "compliance contract on a native instrument"
expect_ok "issue $EQ to issuer" asset issue equity --isin "$EQ" --name "Harbour Co" --shares 10000 --to issuer --as issuer
NOW_S=$(($(folio node status --json | jget time_ms) / 1000))
LOCK=$((NOW_S + 60))
expect_ok "deploy Compliance($EQ, maxHolders 3, lockup +60 s)" \
  contract deploy "$ART/Compliance.json" --as issuer --args "$EQ" 3 "$LOCK"
COMP="$(addr_of)"
check "compliance address ($COMP)" test -n "$COMP"
expect_fail UNAUTHORIZED "attach by a broker (no issuer role)" contract attach "$EQ" "$COMP" --as bx
expect_fail VM_NO_CONTRACT "attach an address without code" contract attach "$EQ" "$BX" --as issuer
expect_ok "issuer attaches the compliance contract" contract attach "$EQ" "$COMP" --as issuer
check "complianceOf($EQ) through the precompile" test "$(q $PRE 'complianceOf(string)(address)' "$EQ")" = "$COMP"
expect_ok "issuer -> bx 100 (owner exempt from lockup; 2 holders)" transfer "$EQ" 100 --to bx --as issuer
expect_ok "issuer -> by 100 (3 holders)" transfer "$EQ" 100 --to by --as issuer
expect_fail VM_COMPLIANCE_REFUSED "issuer -> bz: a fourth holder is refused" transfer "$EQ" 100 --to bz --as issuer
check "the refusal names the contract" grep -q "compliance contract $COMP refused" <<<"$FAIL_SENTENCE"
expect_fail VM_COMPLIANCE_REFUSED "bx -> by during the lockup" transfer "$EQ" 10 --to by --as bx
check "check() says locked up" test "$(q "$COMP" 'check(address,address,uint256)(string)' bx by 10)" = "locked up"
check "bz holds nothing" test "$(native $EQ bz)" = 0
check_conserved
expect_ok "dev time advance 2m (the CLI signs with a 10-minute expiry)" dev time advance 2m
expect_ok "after the lockup: bx -> by 10" transfer "$EQ" 10 --to by --as bx
check "by holds 110" test "$(native $EQ by)" = 110
expect_ok "bx leaves entirely to bz (a place frees up)" transfer "$EQ" 90 --to bz --as bx
expect_fail VM_REVERTED "setRules by someone else" contract call "$COMP" 'setRules(uint256,uint256)' 10 0 --as bx
expect_ok "the owner raises the cap" contract call "$COMP" 'setRules(uint256,uint256)' 10 0 --as issuer
expect_ok "issuer -> bx 5 (now 4 holders)" transfer "$EQ" 5 --to bx --as issuer
expect_ok "issuer detaches (0x0)" contract attach "$EQ" 0x0 --as issuer
check_conserved

section "coupon-paying escrow"
expect_ok "bank issues 10000.00 CNY to issuer" asset issue cash --currency CNY --amount 10000.00 --to issuer --as bank
expect_ok "issue $BOND (bond stand-in: units) to issuer" \
  asset issue equity --isin "$BOND" --name "Harbour 5% 2030" --shares 1000 --to issuer --as issuer
expect_ok "issuer -> bx 300 $BOND" transfer "$BOND" 300 --to bx --as issuer
expect_ok "issuer -> by 200 $BOND" transfer "$BOND" 200 --to by --as issuer
expect_ok "deploy CouponEscrow($BOND, CNY, 250 fen per unit)" \
  contract deploy "$ART/CouponEscrow.json" --as issuer --args "$BOND" CNY 250
ESC="$(addr_of)"
expect_ok "register bx" contract call "$ESC" 'register(address)' bx --as issuer
expect_ok "register by" contract call "$ESC" 'register(address)' by --as issuer
check "due() = (300+200) x 250 = 125000" test "$(q "$ESC" 'due()(uint256)')" = 125000
expect_fail VM_REVERTED "payCoupon before funding" contract call "$ESC" 'payCoupon(uint256)' 1 --as issuer
check "reason: escrow underfunded" grep -q "escrow underfunded" <<<"$FAIL_SENTENCE"
expect_ok "issuer funds the escrow with 2000.00 CNY through the precompile" \
  contract call $PRE 'transfer(string,address,uint256)' CNY "$ESC" 200000 --as issuer
check "funds() = 200000" test "$(q "$ESC" 'funds()(uint256)')" = 200000
check "asset holders shows the escrow's cash" test "$(native CNY "${ESC#0x}")" = 200000
expect_ok "payCoupon(1) --json" contract call "$ESC" 'payCoupon(uint256)' 1 --as issuer --json
PAY_TX="$(printf '%s' "$OUT" | jget id)"
check "bx received 75000 fen, by 50000" test "$(native CNY bx)/$(native CNY by)" = 75000/50000
check "escrow keeps 75000" test "$(native CNY "${ESC#0x}")" = 75000
expect_ok "result of payCoupon" contract result "$PAY_TX" --json
check "two CouponPaid logs, return value 125000" python3 -c '
import json, sys
d = json.loads(sys.argv[1]); sys.exit(0 if len(d["logs"]) == 2 and int(d["output"], 16) == 125000 else 1)' "$OUT"
expect_fail VM_REVERTED "payCoupon(1) twice" contract call "$ESC" 'payCoupon(uint256)' 1 --as issuer
check "reason: coupon already paid" grep -q "coupon already paid" <<<"$FAIL_SENTENCE"
expect_fail INSUFFICIENT_BALANCE "a precompile transfer of more than held" \
  contract call $PRE 'transfer(string,address,uint256)' CNY bx 99999999 --as by
check_conserved

section "bad input"
printf 'zz11' >"$E2E_TMP/bad.bin"
printf '{"contracts": {}}' >"$E2E_TMP/empty.json"
printf '{"contracts": ' >"$E2E_TMP/broken.json"
printf 'fe' >"$E2E_TMP/invalid.bin"
printf '60016000' >"$E2E_TMP/nothing.bin"
check "the committee approves invalid.bin" gov_approve_code "$E2E_TMP/invalid.bin"
check "the committee approves nothing.bin" gov_approve_code "$E2E_TMP/nothing.bin"
expect_fail MALFORMED:2 "deploy a file that is not hex" contract deploy "$E2E_TMP/bad.bin" --as dep
expect_fail MALFORMED:2 "deploy JSON without contracts" contract deploy "$E2E_TMP/empty.json" --as dep
expect_fail MALFORMED:2 "deploy broken JSON" contract deploy "$E2E_TMP/broken.json" --as dep
expect_fail IO:4 "deploy a missing file (a local file: exit 4)" contract deploy "$E2E_TMP/nope.bin" --as dep
expect_fail USAGE "constructor args of the wrong type" contract deploy "$ART/Token.json" --as dep --args a b notanumber
expect_fail USAGE "too few constructor args" contract deploy "$ART/Token.json" --as dep --args a b
expect_fail VM_EXCEPTION "init code 0xfe (INVALID)" contract deploy "$E2E_TMP/invalid.bin" --as dep
check "detail names the halt" grep -q "INVALID_INSTRUCTION" <<<"$FAIL_SENTENCE"
expect_ok "init code that returns nothing deploys an empty contract" contract deploy "$E2E_TMP/nothing.bin" --as dep
EMPTY="$(addr_of)"
expect_fail VM_NO_CONTRACT "call an address without code" contract call "$EMPTY" 'f()' --as dep
expect_fail VM_NO_CONTRACT "call a participant's address" contract call bx 'f()' --as dep
expect_fail NOT_FOUND:1 "query an unknown address" contract query 0x00000000000000000000000000000000000000ee 'f()'
expect_fail USAGE "a bad signature" contract call "$TOKEN" 'transfer(address' bx 1 --as dep
expect_fail USAGE "a uint8 out of range" contract call "$TOKEN" 'f(uint8)' 256 --as dep
expect_fail USAGE "gas over the maximum" contract call "$TOKEN" 'f()' --gas 30000001 --as dep
expect_fail VM_INTRINSIC_GAS "gas below the intrinsic cost" contract call "$TOKEN" 'totalSupply()' --gas 20000 --as dep
expect_fail VM_OUT_OF_GAS "out of gas" contract call "$TOKEN" 'transfer(address,uint256)' bx 1 --gas 23000 --as dep
expect_fail VM_REVERTED "unknown function selector" contract call "$TOKEN" 'nosuch()' --as dep
expect_fail USAGE "unknown contract subcommand" contract frobnicate
expect_ok "contract --help" contract --help

section "chain"
check_chain_verify
check_node_log_clean
finish
