#!/usr/bin/env bash
# One process per consortium member hosting every chain it is a member of (specs/chains.md
# §9): `folio testnet init --main 4 --sub securities:4 --sub evidence:4` writes four member
# homes, each hosting the main chain and both sub-chains; one `folio node start` per member
# runs its three chains (12 chain instances, 4 processes). The committee registers the
# sub-chains by proposals; business runs on both; the members' processes relay the
# checkpoints to the main chain by themselves; a sub-chain whose validators stop turns
# STALE; ONE securities validator running the dev-only fault switch votes for two different
# blocks at one height, the honest validators' consensus sees the conflicting votes, their
# processes relay that duplicate-vote evidence and the main chain freezes the sub-chain with
# it; the committee unfreezes it; a holding on the securities sub-chain is verified with the
# main chain's genesis alone.
# Also `make demo-chains` (FOLIO_DEMO=1: says what it shows as it goes).
. "$(dirname "$0")/lib.sh" "$@"

TOOLS="$(cd "$(dirname "$0")/tools" && pwd)"
# 12 chains x 10 ports, below Linux's ephemeral range (32768 on)
BASE="$(e2e_port_base)" || { echo "e2e: no free block of ports" >&2; exit 2; }
NET="$E2E_TMP/net"
PERIOD=3000
ISIN=CNE100000296
EVID=CNE000000CK1
say() { [ -n "${FOLIO_DEMO:-}" ] && printf '   > %s\n' "$*"; return 0; }
eq() { if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi; }
has() { [[ "$1" == *"$2"* ]]; }
M() { printf '%s/node%s' "$NET" "$1"; }              # member I's home (its main chain)
S() { printf '%s/node%s/chains/%s' "$NET" "$1" "$2"; } # member I's sub-chain NAME
show() { folio chains show "$1" --home "$(M "${3:-0}")" --json | jget "$2"; }
height() { folio node status --home "$1" --json | jget height; }
# until SECONDS CMD...: retries CMD every 0.3 s for at most SECONDS
until_ok() {
  local t=$(($1 * 10 / 3)) i
  shift
  for i in $(seq 1 "$t"); do "$@" && return 0; sleep 0.3; done
  return 1
}
anchored_past() { [ "$(show "$1" last.height)" -gt "$2" ] 2>/dev/null; }
status_is() { [ "$(show "$1" status "${3:-0}")" = "$2" ]; }
# propose_action TYPE HEX: the committee (validators 0, 1, 2 of 4: over the 2/3 thresholds)
# proposes and passes a committee action; waits for its activation.
propose_action() {
  local id i
  id="$(folio gov propose action "$1" --payload "$2" --as validator --home "$(M 0)" --json | gov_id)" || return 1
  [ -n "$id" ] || return 1
  for i in 0 1 2; do folio gov vote "$id" yes --as validator --home "$(M "$i")" >/dev/null || return 1; done
  gov_wait "$id" activated "$(M 0)"
}
payload_of() { python3 - "$NET/consortium.ini" "$1" <<'EOF'
import configparser, sys
c = configparser.ConfigParser(); c.read(sys.argv[1]); print(c["sub " + sys.argv[2]]["create_payload"])
EOF
}
id_payload() { python3 -c 'import sys; b=sys.argv[1].encode(); print((bytes([0x91, 0xa0 | len(b)]) + b).hex())' "$1"; }

section "testnet init: a consortium of 4 members, each hosting main + securities + evidence"
expect_ok "testnet init --main 4 --sub securities:4 --sub evidence:4" \
  testnet init --main 4 --sub securities:4 --sub evidence:4 --dir "$NET" --base-port "$BASE" --period "$PERIOD"
for i in 0 1 2 3; do E2E_HOMES+=("$(M "$i")"); done
check "each member home hosts both sub-chains ([host] chains)" \
  bash -c "grep -q 'chains = securities,evidence' '$(M 3)/config.ini' && test -f '$(S 3 securities)/genesis.bin' && test -f '$(S 3 evidence)/config.ini'"
CIDS="$(for h in "$(M 0)" "$(S 0 securities)" "$(S 0 evidence)"; do grep '^chain_id' "$h/config.ini"; done | sort -u | wc -l)"
eq "three distinct chain ids" "$CIDS" 3
check "each chain its own genesis" bash -c "! cmp -s '$(M 0)/genesis.bin' '$(S 0 securities)/genesis.bin'"
expect_fail USAGE "--sub without --main" testnet init --sub a:4 --dir "$E2E_TMP/x"
expect_fail USAGE "--sub NAME without :N" testnet init --main 4 --sub a --dir "$E2E_TMP/x"
expect_fail INIT_FAILED "a sub-chain with more validators than members" testnet init --main 2 --sub a:3 --dir "$E2E_TMP/x"
# the fault switch (on validator 1 of securities only, at a height never reached until the
# equivocation section sets it) is refused without --dev
FAULT_CFG="$(S 1 securities)/config.ini"
printf '\n[test]\nfault_equivocate_at = 1000000000\n' >>"$FAULT_CFG"
run node start --detach --home "$(M 1)"
check "the fault switch is refused outside --dev (exit $RC)" test "$RC" -ne 0
check "  the log says why" grep -q "fault_equivocate_at is a fault injection" "$(M 1)/node.log"

section "start: one process per member, 12 chain instances"
for i in 0 1 2 3; do
  expect_ok "member $i starts (main + 2 sub-chains)" node start --detach --dev --home "$(M "$i")"
done
P0="$(node_pid "$(M 0)")"
eq "securities of member 0 runs in member 0's process" "$(node_pid "$(S 0 securities)")" "$P0"
eq "evidence of member 0 runs in member 0's process" "$(node_pid "$(S 0 evidence)")" "$P0"
PIDS="$(for i in 0 1 2 3; do for h in "$(M "$i")" "$(S "$i" securities)" "$(S "$i" evidence)"; do node_pid "$h"; done; done | sort -u | wc -l)"
eq "processes for the 12 chain instances" "$PIDS" 4
say "each chain answers on its own RPC port, with its own chain id"
eq "securities chain id over its own RPC" "$(folio node status --home "$(S 2 securities)" --json | jget chain_id)" \
  "$(grep '^chain_id' "$(S 2 securities)/config.ini" | cut -d' ' -f3)"

section "the committee registers the sub-chains on the main chain (proposals + votes)"
check "proposal chain.create securities passes" propose_action 140 "$(payload_of securities)"
check "proposal chain.create evidence passes" propose_action 140 "$(payload_of evidence)"
check "securities registered, ACTIVE (anchored before its period ends, though idle)" until_ok 10 status_is securities ACTIVE
eq "evidence registered, 4 validators" "$(show evidence validators.count)" 4

section "business on both sub-chains"
for c in securities evidence; do
  H="$(S 0 "$c")"
  isin=$ISIN
  [ "$c" = evidence ] && isin=$EVID
  for k in issuer alice; do folio keys new "$k" --home "$H" >/dev/null; done
  expect_ok "$c: register issuer" participant register issuer --role issuer --key issuer --home "$H"
  expect_ok "$c: register alice" participant register alice --role investor --key alice --home "$H"
  expect_ok "$c: issue $isin" asset issue equity --isin "$isin" --name "Sub Co" --shares 1000000 --to issuer --as issuer --home "$H"
  expect_ok "$c: issuer -> alice 12,000" transfer "$isin" 12000 --to alice --as issuer --home "$H"
done
expect_ok "securities: the transfer is seen on member 3's replica" asset holders "$ISIN" --home "$(S 3 securities)"
check "  alice holds 12,000 there" has "$OUT" "12,000"

section "anchors arrive on the main chain: relayed by the members' processes"
SH="$(height "$(S 0 securities)")"
EH="$(height "$(S 0 evidence)")"
say "no 'folio chains anchor' is run: each member's process relays its sub-chains' checkpoints"
check "securities anchored past height $SH (the transfer)" until_ok 30 anchored_past securities "$SH"
check "evidence anchored past height $EH" until_ok 30 anchored_past evidence "$EH"
SIG="$(show securities last.signers)"
check "the last anchor is signed by a quorum of securities' validators ($SIG)" \
  python3 -c "import json,sys; sys.exit(0 if len(json.loads('$SIG')) >= 3 else 1)"
check "the relays are logged by the hosting processes" bash -c "cat '$NET'/node*/node.log | grep -q 'relay: submitted block'"
expect_ok "chains list" chains list --home "$(M 0)"
check "  both ACTIVE" bash -c "[[ \"$OUT\" == *evidence*ACTIVE*securities*ACTIVE* ]]"
[ -n "${FOLIO_DEMO:-}" ] && printf '%s\n' "$OUT"
L1="$(show securities last.height)"
check "an idle sub-chain keeps being anchored (a block when due, relayed)" until_ok 20 anchored_past securities "$L1"
eq "member 3's main-chain replica agrees" "$(show securities status 3)" ACTIVE

section "a holding on the securities sub-chain, verified with the main chain's genesis only"
expect_ok "proof holding --via-main" proof holding "$ISIN" alice --home "$(S 1 securities)" --via-main "$(M 1)" -o "$E2E_TMP/x.bundle"
run proof verify "$E2E_TMP/x.bundle" --genesis "$(M 0)/genesis.bin"
if [ "$RC" -eq 0 ] && has "$OUT" "on sub-chain 'securities'" && has "$OUT" "held 12,000 of $ISIN"; then
  pass "folio proof verify with the main genesis: $(printf '%s' "$OUT" | head -c 160 | tr '\n' ' ')"
else
  fail "folio proof verify (exit $RC)"
  show_last
fi
py="$(python3 "$TOOLS/verify_proof.py" "$E2E_TMP/x.bundle" --genesis "$(M 0)/genesis.bin")"
check "the independent verifier agrees: ${py:0:100}" has "$py" "held 12,000 of $ISIN"
run proof verify "$E2E_TMP/x.bundle" --genesis "$(S 0 securities)/genesis.bin" --json
eq "with the sub-chain's own genesis instead: refused" "$RC:$(printf '%s' "$OUT" | jget error.code)" "1:WRONG_CHAIN"

section "STALE: evidence's validators 2 and 3 stop (their processes go on)"
expect_ok "stop evidence on member 2" node stop --home "$(S 2 evidence)"
expect_ok "stop evidence on member 3" node stop --home "$(S 3 evidence)"
eq "member 2's process still runs its main chain" "$(node_pid "$(M 2)")" "$(node_pid "$(S 2 securities)")"
check "member 2's securities still answers" bash -c "'$FOLIO' node status --home '$(S 2 securities)' >/dev/null"
run node status --home "$(S 2 evidence)"
check "member 2's evidence chain is gone (exit $RC)" test "$RC" -ne 0
say "evidence has 2 of 4 validators left: no quorum, no block, no checkpoint"
check "the main chain flags evidence STALE by its own block time" until_ok 20 status_is evidence STALE
[ -n "${FOLIO_DEMO:-}" ] && folio chains list --home "$(M 0)"
eq "member 2's main replica says the same" "$(show evidence status 2)" STALE
eq "securities stays ACTIVE" "$(show securities status)" ACTIVE

section "equivocation: ONE securities validator votes for two blocks at one height"
say "member 1 restarts with [test] fault_equivocate_at = a securities height 20 blocks ahead: at it, validator 1 (alone) votes for two different blocks"
expect_ok "member 1 stops (all its chains)" node stop --home "$(M 1)"
# far enough ahead that the restart and catching up (idle blocks keep coming) stay below it
FAULT_H=$(($(height "$(S 0 securities)") + 20))
sed -i "s/^fault_equivocate_at = .*/fault_equivocate_at = $FAULT_H/" "$FAULT_CFG"
expect_ok "member 1 starts again, validator 1 of securities faulty at height $FAULT_H" node start --detach --dev --home "$(M 1)"
caught_up() { [ "$(height "$(S 1 securities)")" -ge "$(height "$(S 0 securities)")" ] 2>/dev/null; }
check "member 1's securities replica catches up" until_ok 30 caught_up
check "  before height $FAULT_H" test "$(height "$(S 1 securities)")" -lt "$FAULT_H"
# With member 3's securities validator stopped, every commit needs validator 1's votes, so the
# honest validators are still at the faulty height when both of its votes arrive (on a loaded
# machine a late voter's messages would otherwise come after the height was decided).
say "member 3's securities validator stops: from now on a quorum needs validator 1's votes"
expect_ok "stop securities on member 3" node stop --home "$(S 3 securities)"
# business makes the blocks up to the faulty height and past it
frozen_or_transfer() {
  status_is securities FROZEN && return 0
  folio transfer "$ISIN" 1 --to alice --as issuer --home "$(S 0 securities)" >/dev/null 2>&1
  return 1
}
check "the main chain freezes securities (transfers drive it past height $FAULT_H)" until_ok 120 frozen_or_transfer
check "the faulty validator says so loudly in its log" grep -q "FAULT INJECTION: validator 1 of .* at height $FAULT_H" "$(M 1)/node.log"
check "the honest validators' consensus saw validator 1's conflicting votes" \
  bash -c "cat '$(M 0)/node.log' '$(M 2)/node.log' | grep -q 'EVIDENCE validator 1 signed conflicting messages at height $FAULT_H'"
check "  and their processes relayed the evidence to the main chain" \
  bash -c "cat '$(M 0)/node.log' '$(M 2)/node.log' | grep -q 'relay: submitted evidence that validator 1'"
say "members 0 and 2 saw its conflicting votes in consensus; their processes submitted chain.evidence; the main chain verified both signatures against the registered set and froze securities"
eq "securities status" "$(show securities status)" FROZEN
[ -n "${FOLIO_DEMO:-}" ] && folio chains show securities --home "$(M 0)"
eq "evidence records" "$(show securities evidence_count)" 1
eq "the evidence: one validator signed two blocks" "$(show securities evidence.0.kind)" "one validator signed two blocks"
eq "  at the faulty height" "$(show securities evidence.0.height_a)" "$FAULT_H"
eq "  by validator 1" "$(show securities evidence.0.validator)" 1
eq "  whose key is validator 1's registered key" "$(show securities evidence.0.validator_key)" "$(show securities validators.keys.1)"
check "  two different blocks" test "$(show securities evidence.0.hash_a)" != "$(show securities evidence.0.hash_b)"
expect_ok "chains show securities (text)" chains show securities --home "$(M 2)"
check "  names the offending validator and its key" has "$OUT" "validator 1 (key $(show securities validators.keys.1)) signed both"
eq "member 3's main replica froze it too" "$(show securities status 3)" FROZEN
FH="$(show securities last.height)"
expect_ok "securities: business goes on on the sub-chain" transfer "$ISIN" 1 --to alice --as issuer --home "$(S 0 securities)"
sleep 2
eq "no checkpoint of a frozen sub-chain is taken (last anchored stays)" "$(show securities last.height)" "$FH"

section "the committee unfreezes it (proposal + votes); anchoring resumes by itself"
check "proposal chain.unfreeze securities passes" propose_action 144 "$(id_payload securities)"
eq "securities status" "$(show securities status)" ACTIVE
check "the members' relays anchor it again" until_ok 30 anchored_past securities "$FH"
eq "the evidence stays on record" "$(show securities evidence_count)" 1
[ -n "${FOLIO_DEMO:-}" ] && folio chains list --home "$(M 0)"

section "stop: one command per member stops all its chains"
for i in 0 1 2 3; do expect_ok "member $i stops" node stop --home "$(M "$i")"; done
LEFT="$(for i in 0 1 2 3; do for h in "$(M "$i")" "$(S "$i" securities)" "$(S "$i" evidence)"; do node_pid "$h"; done; done | wc -l)"
eq "chain instances left running" "$LEFT" 0
for i in 0 1 2 3; do check_node_log_clean "$(M "$i")"; done

finish
