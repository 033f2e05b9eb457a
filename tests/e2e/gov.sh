#!/usr/bin/env bash
# The governance committee on a real four-validator testnet (folio testnet init: its
# committee is the four validators, weight 1 each; specs/governance.md): a proposal to
# approve a contract's code hash is voted by three members over three nodes, passes when
# the third vote brings participation to two thirds, is PASSED (not in force) until its
# activation height and ACTIVATED at it, the same on every node; deploying that contract is
# refused before and accepted after. A role grant takes effect at its height; a parameter
# change and then a removal that would break the quorum is refused; an unvoted proposal
# expires. Refusals: a non-member proposing or voting, a second vote (also committed with
# --no-check: the receipt says why and the tally is unchanged), an unknown proposal, bad
# kind parameters. Lists, --json, and chain verify on every node at the end.
. "$(dirname "$0")/lib.sh" "$@"

NET="$E2E_TMP/net"
BASE="$(e2e_port_base)" || { echo "e2e: no free block of ports" >&2; exit 2; }
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
TOKEN="$SRC/tests/contracts/Token.json"
home() { echo "$NET/node$1"; }
# g I ARGS...: folio as node I's validator (a committee member), through node I.
g() {
  local i=$1
  shift
  folio "$@" --home "$(home "$i")" --as validator
}
show() { folio gov show "$1" --json --home "$(home "${2:-0}")"; }
field() { show "$1" "${3:-0}" | jget "$2"; }
height_of() { folio node status --json --home "$(home "$1")" 2>/dev/null | jget height || echo 0; }
# tick: one committed transaction (a block) through node0.
TICKS=0
tick() {
  TICKS=$((TICKS + 1))
  folio keys new "t$TICKS" --home "$(home 0)" >/dev/null 2>&1
  folio participant register "t$TICKS" --role broker --key "t$TICKS" --home "$(home 0)" >/dev/null 2>&1
}

section "a four-validator testnet; its committee is the validators"
expect_ok "testnet init --validators 4" testnet init --validators 4 --dir "$NET" --base-port "$BASE" --no-tls
for i in 0 1 2 3; do
  check "node$i starts" node_start "$(home "$i")"
done
run gov committee --json --home "$(home 0)"
check "4 members, total weight 4" test "$(jget count <<<"$OUT"):$(jget total_weight <<<"$OUT")" = "4:4"
check "the members are validator-0..3" test "$(python3 -c 'import json,sys; print(",".join(sorted(m["name"] for m in json.load(sys.stdin)["members"])))' <<<"$OUT")" = "validator-0,validator-1,validator-2,validator-3"
check "gov.quorum_bps and gov.approval_bps are 6666" test "$(python3 -c '
import json, sys
p = {x["name"]: x["value"] for x in json.load(sys.stdin)["params"]}
print(p["gov.quorum_bps"], p["gov.approval_bps"])' <<<"$OUT")" = "6666 6666"
expect_ok "gov committee (table)" gov committee --home "$(home 1)"
check "... shows the members and parameters" grep -q "validator-3" <<<"$OUT"

section "code-hash approval gates deploy; staged activation"
expect_fail GOV_CODE_NOT_APPROVED "deploy Token before any approval" \
  contract deploy "$TOKEN" --args T T 1 --home "$(home 0)"
expect_fail GOV_NOT_MEMBER "the operator (no member) proposes" \
  gov propose code-approve --file "$TOKEN" --home "$(home 0)"
expect_ok "validator-0 proposes code-approve Token (delay 40)" \
  gov propose code-approve --file "$TOKEN" --delay 40 --home "$(home 0)" --as validator
check "proposal 1 is open" test "$(field 1 status)" = open
expect_ok "validator-0 votes yes (through node0)" gov vote 1 yes --home "$(home 0)" --as validator
expect_ok "validator-1 votes yes (through node1)" gov vote 1 yes --home "$(home 1)" --as validator
check "2 of 4 is below two thirds: still open" test "$(field 1 status)" = open
expect_fail GOV_ALREADY_VOTED "validator-1 votes again" gov vote 1 no --home "$(home 1)" --as validator
check "... the refusal names the first vote" grep -q "voted yes" <<<"$FAIL_SENTENCE"
expect_fail GOV_ALREADY_VOTED "... and again, committed with --no-check" \
  gov vote 1 no --no-check --home "$(home 1)" --as validator
check "... the tally did not change (yes 2, no 0)" test "$(field 1 yes):$(field 1 no)" = "2:0"
expect_fail GOV_NOT_MEMBER "the operator (a participant, no member) votes" gov vote 1 yes --home "$(home 0)"
expect_fail GOV_UNKNOWN_PROPOSAL "a vote on proposal 99" gov vote 99 yes --home "$(home 2)" --as validator
expect_ok "validator-2 votes yes (through node2): passes" gov vote 1 yes --home "$(home 2)" --as validator
ST="$(show 1 2)"
STATUS="$(jget status <<<"$ST")"
AT="$(jget activation_height <<<"$ST")"
check "passed with yes 3 of 4, activation height set ($AT)" test "$STATUS:$(jget yes <<<"$ST")" = "passed:3" -o "$STATUS:$(jget yes <<<"$ST")" = "activated:3"
check "activation height is at least 40 blocks after the proposal's" test "$AT" -ge "$(($(jget height <<<"$ST") + 40))"
if [ "$STATUS" = passed ]; then
  # While an activation is pending, blocks come by themselves and may come fast: the
  # activation can overtake this deploy. Either it is refused, or it was committed at or
  # after the activation height (never before it).
  run contract deploy "$TOKEN" --args T T 1 --home "$(home 0)" --json
  if [ "$RC" -ne 0 ]; then
    check "deploy while passed but not active -> GOV_CODE_NOT_APPROVED" \
      test "$(printf '%s' "$OUT" | jget error.code)" = GOV_CODE_NOT_APPROVED
  else
    TXH="$(folio tx show "$(printf '%s' "$OUT" | jget id)" --json --home "$(home 0)" | jget height)"
    check "a deploy that passed was committed at or after the activation ($TXH >= $AT)" \
      test "$TXH" -ge "$AT"
  fi
fi
check "activated (blocks come by themselves while an activation is pending)" gov_wait 1 activated "$(home 3)"
check "activated no earlier than its height: the chain reached $AT" test "$(height_of 3)" -ge "$AT"
for i in 0 1 2 3; do
  check "node$i: proposal 1 activated at $AT, yes 3" \
    test "$(field 1 status "$i"):$(field 1 activation_height "$i"):$(field 1 yes "$i")" = "activated:$AT:3"
done
expect_ok "deploy Token now (the operator: no deployer role needed)" \
  contract deploy "$TOKEN" --args T T 1 --home "$(home 0)"
check "... a contract address" grep -q "^contract: 0x" <<<"$OUT"
expect_fail GOV_PROPOSAL_CLOSED "validator-3 votes on the activated proposal" \
  gov vote 1 yes --home "$(home 3)" --as validator

section "role grant, parameter change, quorum-breaking removal"
expect_ok "propose role-grant issuer to operator" \
  gov propose role-grant operator --role issuer --home "$(home 0)" --as validator
for i in 0 1 3; do g "$i" gov vote 2 yes >/dev/null; done
check "role grant activated" gov_wait 2 activated "$(home 0)"
check "operator now holds issuer" grep -q issuer <<<"$(folio participant show operator --json --home "$(home 2)")"
expect_fail GOV_PARAM_RANGE "param-set gov.approval_bps 5000 (a tie would pass)" \
  gov propose param-set gov.approval_bps 5000 --home "$(home 0)" --as validator
expect_fail GOV_UNKNOWN_PARAM "param-set of an unknown parameter" \
  gov propose param-set gov.nothing 1 --home "$(home 0)" --as validator
expect_ok "propose param-set gov.members_min 4" \
  gov propose param-set gov.members_min 4 --home "$(home 1)" --as validator
for i in 1 2 3; do g "$i" gov vote 3 yes >/dev/null; done
check "members_min 4 activated" gov_wait 3 activated "$(home 1)"
expect_fail GOV_QUORUM_BREAK "member-remove validator-3 would leave 3 < gov.members_min 4" \
  gov propose member-remove validator-3 --home "$(home 0)" --as validator
expect_fail GOV_ALREADY_MEMBER "member-admit of a member" \
  gov propose member-admit validator-2 --weight 2 --home "$(home 0)" --as validator
expect_fail USAGE "a vote that is not yes, no or abstain" gov vote 1 maybe --home "$(home 0)" --as validator
expect_fail USAGE "an unknown kind" gov propose member-crown validator-2 --home "$(home 0)" --as validator

section "expiry"
expect_ok "propose code-approve by hash, expiring in 3 blocks" \
  gov propose code-approve --hash "$(printf 'ab%.0s' $(seq 1 32))" --expires-in 3 --home "$(home 0)" --as validator
expect_ok "validator-3 abstains" gov vote 4 abstain --home "$(home 3)" --as validator
for _ in 1 2 3 4; do tick; done
check "proposal 4 expired" gov_wait 4 expired "$(home 2)"
expect_fail GOV_PROPOSAL_CLOSED "a vote after expiry" gov vote 4 yes --home "$(home 0)" --as validator

section "lists"
expect_ok "gov list" gov list --home "$(home 0)"
check "... 4 proposals" test "$(grep -cE '^ *[0-9]+ ' <<<"$OUT")" -eq 4
check "... no 'more' line on the last page" bash -c "! grep -q '^more:' <<<\"\$0\"" "$OUT"
run gov list --status activated --json --home "$(home 3)"
check "gov list --status activated --json: proposals 1, 2, 3" \
  test "$(python3 -c 'import json,sys; print(",".join(str(p["id"]) for p in json.load(sys.stdin)["proposals"]))' <<<"$OUT")" = "1,2,3"
run gov list --limit 2 --home "$(home 0)"
check "gov list --limit 2 says where more is" grep -q "^more: folio gov list --after '2' --limit 2" <<<"$OUT"
expect_ok "gov show 1 (text)" gov show 1 --home "$(home 0)"
check "... names the votes" grep -q "validator-2 *yes" <<<"$OUT"

section "every node agrees; chain verify"
for i in 0 1 2 3; do
  run gov list --json --home "$(home "$i")"
  printf '%s' "$OUT" >"$E2E_TMP/list$i"
done
check "the four nodes list the same proposals" \
  test "$(md5sum "$E2E_TMP"/list* | awk '{print $1}' | sort -u | wc -l)" -eq 1
for i in 0 1 2 3; do node_stop "$(home "$i")"; done
for i in 0 3; do check_chain_verify "$(home "$i")"; done
finish
