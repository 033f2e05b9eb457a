#!/usr/bin/env bash
# Validator-set changes on a chain's own consensus (specs/governance.md §6.9, consensus.md
# §2a, proofs.md §5, sync.md §2). Four validators over TLS and a spare validator home
# (testnet init --spares 1: a validator key and certificate, not in the genesis set). The
# spare starts EMPTY with --sync-from-checkpoint and follows as an observer; the committee
# (the four validators) proposes and votes adding it from a height H1, and the running spare
# becomes a validator by itself (no restart: its status says so from H1). The committee
# removes node3 from H2: node3, still running, stops voting and follows (its status says
# observer, the others never see a consensus message from it); then node2 stops and the
# chain still commits, which takes node4's votes (3 of {0,1,2,4}) while node3 follows;
# node0 restarts and the three go on. A proof bundle from after both changes
# verifies offline from genesis with `folio proof verify` and with the independent
# verify_proof.py; a bundle with a tampered change is refused by both (VALSET). Refusals of
# bad proposals; chain verify on the validators and on the state-synced node.
. "$(dirname "$0")/lib.sh" "$@"

NET="$E2E_TMP/net"
BASE="$(e2e_port_base)" || { echo "e2e: no free block of ports" >&2; exit 2; }
ISIN=CNE100000296
TOOLS="$(cd "$(dirname "$0")/tools" && pwd)"
PYV="$TOOLS/verify_proof.py"
home() { echo "$NET/node$1"; }
height_of() { folio node status --json --home "$(home "$1")" 2>/dev/null | jget height || echo 0; }
wait_height() {
  local i=$1 h=$2 t=$3 cur
  for _ in $(seq 1 $((t * 5))); do
    cur="$(height_of "$i")"
    [ -n "$cur" ] && [ "$cur" -ge "$h" ] 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}
# tick N [NODE]: N committed transfers through node NODE (default 0).
tick() {
  for _ in $(seq 1 "$1"); do
    "$FOLIO" transfer $ISIN 1 --to broker-b --as issuer --home "$(home "${2:-0}")" >/dev/null 2>&1
  done
}
# tick_until H [NODE]: transfers until node NODE's height is at least H (at most 120).
tick_until() {
  for _ in $(seq 1 120); do
    [ "$(height_of "${2:-0}")" -ge "$1" ] 2>/dev/null && return 0
    tick 1 "${2:-0}"
  done
  return 1
}
# role_of I, index_of I: the consensus role and the validator index in node I's status.
role_of() { folio node status --json --home "$(home "$1")" 2>/dev/null | jget consensus.role; }
index_of() { folio node status --json --home "$(home "$1")" 2>/dev/null | jget validator_index; }
# wait_role I ROLE INDEX: node I's status says ROLE with INDEX (within 30 s).
wait_role() {
  for _ in $(seq 1 150); do
    [ "$(role_of "$1")" = "$2" ] && [ "$(index_of "$1")" = "$3" ] && return 0
    sleep 0.2
  done
  return 1
}
key_of() { folio keys show validator --json --home "$(home "$1")" | jget pubkey; }
# vote3 ID: validators 0, 1 and 2 vote yes (3 of 4 weights: the thresholds are 2/3).
vote3() {
  local i
  for i in 0 1 2; do
    folio gov vote "$1" yes --home "$(home "$i")" --as validator >/dev/null || return 1
  done
}

section "four validators and a spare validator home (not in genesis)"
expect_ok "testnet init --validators 4 --spares 1" \
  testnet init --validators 4 --spares 1 --dir "$NET" --base-port "$BASE"
for i in 0 1 2 3; do
  check "node$i starts" node_start "$(home "$i")"
done
E2E_HOMES+=("$(home 4)")
K3="$(key_of 3)"
K4="$(key_of 4)"
check "node4 has a validator key ($K4)" test "${#K4}" -eq 64
export FOLIO_HOME="$(home 0)"
for k in issuer broker-a broker-b; do folio keys new $k >/dev/null; done
expect_ok "register issuer" participant register issuer --role issuer --key issuer
expect_ok "register broker-a" participant register broker-a --role broker --key broker-a
expect_ok "register broker-b" participant register broker-b --role broker --key broker-b
expect_ok "issue equity" asset issue equity --isin $ISIN --name "Valset Co." --shares 1000000 --risk R3 --to issuer --as issuer
expect_ok "fund broker-a" transfer $ISIN 5000 --to broker-a --as issuer

section "node4 starts EMPTY from a checkpoint and follows as an observer"
check "node4 starts with --sync-from-checkpoint" \
  bash -c "'$FOLIO' node start --detach --sync-from-checkpoint --home '$(home 4)' >/dev/null"
check "its state sync completed" grep -q "state sync done" "$(home 4)/node.log"
check "node4 is an observer (role observer, index -1)" wait_role 4 observer -1
PID4="$(cat "$(home 4)/node.pid")"

section "bad proposals are refused, nothing changed"
H="$(height_of 0)"
expect_fail GOV_VALSET_REPEAT "add a validator already in the set" \
  gov propose validator-set add "$K3" --height $((H + 50)) --as validator
expect_fail GOV_VALSET_NOT_VALIDATOR "remove a key that is no validator" \
  gov propose validator-set remove "$K4" --height $((H + 50)) --as validator
expect_fail GOV_VALSET_HEIGHT "an effective height not far enough in the future" \
  gov propose validator-set add "$K4" --height $((H + 2)) --as validator
expect_fail GOV_VALSET_BAD_KEY "an invalid key" \
  gov propose validator-set add "$(printf 'f%.0s' $(seq 1 64))" --height $((H + 50)) --as validator
expect_fail GOV_VALSET_REPEAT "a key named twice" \
  gov propose validator-set add "$K4,$K4" --height $((H + 50)) --as validator
run gov list --json
check "no proposal was recorded" bash -c "! grep -q validator-set <<<'$OUT'"

section "add node4 from H1"
H="$(height_of 0)"
H1=$((H + 20))
run gov propose validator-set add "$K4" --height "$H1" --as validator --json
ID1="$(printf '%s' "$OUT" | gov_id)"
check "proposal $ID1 recorded (add node4 from $H1)" test -n "$ID1"
check "three committee members vote yes" vote3 "$ID1"
check "the proposal is activated (the change recorded)" gov_wait "$ID1" activated
run gov show "$ID1" --json
check "it shows the operation, key and height" bash -c "grep -q '\"op\": \"add\"' <<<'$OUT' && grep -q '$K4' <<<'$OUT'"
check "the chain reaches H1 + 3 = $((H1 + 3)) (the new set of five)" tick_until $((H1 + 3))
check "node3 follows" wait_height 3 $((H1 + 3)) 30
check "node4 became validator 4 while running (status)" wait_role 4 validator 4
check "node4 was not restarted (same pid $PID4)" test "$(cat "$(home 4)/node.pid")" = "$PID4"
check "its log says so" grep -q "a validator by a change of the set" "$(home 4)/node.log"
tick 2
check "node4 reaches the tip" wait_height 4 "$(height_of 0)" 60

section "remove node3 from H2; then node2 and node3 stop: node4's votes are needed"
H="$(height_of 0)"
H2=$((H + 20))
run gov propose validator-set remove "$K3" --height "$H2" --as validator --json
ID2="$(printf '%s' "$OUT" | gov_id)"
check "proposal $ID2 recorded (remove node3 from $H2)" test -n "$ID2"
check "three committee members vote yes" vote3 "$ID2"
check "the proposal is activated" gov_wait "$ID2" activated
check "the chain reaches H2 + 2 = $((H2 + 2))" tick_until $((H2 + 2))
check "node4 follows" wait_height 4 $((H2 + 2)) 30
check "node3, still running, is no validator any more (status)" wait_role 3 observer -1
check "its log says it follows from $H2" grep -q "not a validator from height $H2" "$(home 3)/node.log"
node_stop "$(home 2)"
HS="$(height_of 0)"
check "with node0, node1 and node4 up (node3 running, not a validator) the chain still commits (from $HS)" \
  tick_until $((HS + 3))
check "node4 has the new blocks" wait_height 4 $((HS + 3)) 30
check "node3 keeps following" wait_height 3 $((HS + 3)) 30
for i in 0 1 4; do
  check "node$i never took a consensus message from node3 after its removal" \
    bash -c "! grep -q 'not a current validator' '$(home "$i")/node.log'"
done
node_stop "$(home 0)"
check "node0 restarts (it reads the set of each height from its store)" node_start "$(home 0)"
HS="$(height_of 0)"
check "the three commit again after the restart (from $HS)" tick_until $((HS + 2))
check "node3 still follows" wait_height 3 $((HS + 2)) 30

section "a proof bundle from after the changes, verified offline from genesis"
B="$E2E_TMP/b"
mkdir -p "$B"
GEN="$(home 0)/genesis.bin"
expect_ok "proof holding broker-a" proof holding $ISIN broker-a -o "$B/after.bundle"
check "the bundle is version 2 with two trust steps" python3 - "$B/after.bundle" "$TOOLS" <<'EOF'
import sys
sys.path.insert(0, sys.argv[2])
import verify_proof
b = verify_proof.decode(open(sys.argv[1], "rb").read())
sys.exit(0 if b[1] == 2 and len(b[7]) == 2 else 1)
EOF
run proof verify "$B/after.bundle" --genesis "$GEN"
check "folio proof verify: $(head -c 120 <<<"$OUT")" bash -c "[ $RC -eq 0 ] && grep -q 'held 5,000' <<<'$OUT'"
py="$(python3 "$PYV" "$B/after.bundle" --genesis "$GEN")"
check "verify_proof.py: ${py:0:100}" bash -c "[[ '$py' == VALID* ]]"
# node4's key in the second change's proved set (its last occurrence: the trust list is
# the bundle's last field), one bit flipped
python3 - "$B/after.bundle" "$B/tampered.bundle" "$K4" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
k = bytes.fromhex(sys.argv[3])
i = b.rfind(k)
assert i > 0
b[i + 31] ^= 1
open(sys.argv[2], "wb").write(b)
EOF
run proof verify "$B/tampered.bundle" --genesis "$GEN" --json
code="$(printf '%s' "$OUT" | jget error.code 2>/dev/null)"
check "folio refuses the tampered change: $code ($(printf '%s' "$ERR" | head -c 140))" \
  test "$RC:$code" = "1:VALSET"
py="$(python3 "$PYV" "$B/tampered.bundle" --genesis "$GEN" --json)"
prc=$?
code="$(printf '%s' "$py" | jget code 2>/dev/null)"
check "verify_proof.py refuses it: $code" test "$prc:$code" = "1:VALSET"
# version 1 with changes
python3 - "$B/after.bundle" "$B/v1.bundle" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[13] = 1
open(sys.argv[2], "wb").write(b)
EOF
run proof verify "$B/v1.bundle" --genesis "$GEN" --json
check "a version-1 bundle that lists changes is refused (VALSET)" \
  bash -c "[ $RC -eq 1 ] && grep -q VALSET <<<'$OUT'"
py="$(python3 "$PYV" "$B/v1.bundle" --genesis "$GEN" --json)"
check "verify_proof.py refuses it too" bash -c "grep -q VALSET <<<'$py'"

section "chain verify"
check_chain_verify "$(home 0)"
check_chain_verify "$(home 4)"
for i in 0 1 2 3 4; do check_node_log_clean "$(home "$i")"; done
finish
