#!/usr/bin/env bash
# A one-validator chain changes its set (specs/consensus.md §1a). node0 is a `folio init`
# home (the `make demo` default: one validator, no [p2p]); node1 has the same genesis, a
# key of its own outside it and a [p2p] address: it follows as an observer. The committee
# (node0's operator) adds node1 from height F. While node0's config.ini has no [p2p],
# node0 says so and goes on alone, but only up to the change; once [p2p] is added (no
# restart) the multi-validator driver takes over, node1 becomes a validator by itself, and
# the chain passes F with the set of two: with node1 stopped it does not commit (node0
# alone is no quorum of two), with node1 back it does. The same with [p2p] never added:
# node0 stops at F with a precise error, having committed nothing at F.
. "$(dirname "$0")/lib.sh" "$@"

BASE="$(e2e_port_base)" || { echo "e2e: no free block of ports" >&2; exit 2; }
H0="$E2E_TMP/node0"
H1="$E2E_TMP/node1"
height_of() { folio node status --json --home "$1" 2>/dev/null | jget height || echo 0; }
role_of() { folio node status --json --home "$1" 2>/dev/null | jget consensus.role; }
# tick HOME N: N registrations through HOME's node (a block each).
TICKS=0
tick() {
  for _ in $(seq 1 "$2"); do
    TICKS=$((TICKS + 1))
    folio keys new "k$TICKS" --home "$1" >/dev/null 2>&1
    folio participant register "k$TICKS" --role broker --key "k$TICKS" --home "$1" >/dev/null 2>&1
  done
}
# tick_until HOME H: registrations until HOME's height is at least H (at most 120).
tick_until() {
  for _ in $(seq 1 120); do
    [ "$(height_of "$1")" -ge "$2" ] 2>/dev/null && return 0
    tick "$1" 1
  done
  return 1
}
wait_for() { # wait_for SECONDS CMD...
  local t=$1
  shift
  for _ in $(seq 1 $((t * 5))); do "$@" && return 0; sleep 0.2; done
  return 1
}
p2p() { # p2p HOME LISTEN PEER: appends a [p2p] section without TLS
  printf '\n[p2p]\nlisten = 127.0.0.1:%s\npeers = 127.0.0.1:%s\ntls = off\n' "$2" "$3" >>"$1/config.ini"
}
# setup A B: a folio init home A and a home B on A's genesis with a key of its own.
setup() {
  folio init --home "$1" >/dev/null || return 1
  local cid
  cid="$(sed -n 's/^chain_id = //p' "$1/config.ini")"
  folio init --home "$2" --chain-id "$cid" >/dev/null || return 1
  cp "$1/genesis.bin" "$2/genesis.bin"
}
propose_add() { # propose_add HOME KEY F: proposes and votes; the change is recorded
  local id
  id="$(folio gov propose validator-set add "$2" --height "$3" --home "$1" --json | gov_id)"
  [ -n "$id" ] && folio gov vote "$id" yes --home "$1" >/dev/null && gov_wait "$id" activated "$1"
}

section "a one-validator chain (no [p2p]) and a follower with a key outside its set"
check "two homes on one genesis" setup "$H0" "$H1"
p2p "$H1" $((BASE + 10)) "$BASE"
check "node0 starts (one validator)" node_start "$H0"
check "node1 starts" node_start "$H1"
check "node1 is an observer" test "$(role_of "$H1")" = observer
K1="$(folio keys show operator --json --home "$H1" | jget pubkey)"
tick "$H0" 2

section "node0's committee adds node1 from F"
F=$(($(height_of "$H0") + 25))
check "validator-set add node1 from $F: recorded" propose_add "$H0" "$K1" "$F"
check "node0 says it goes on alone only up to the change" \
  wait_for 10 grep -q "commits alone only up to the change" "$H0/node.log"
tick "$H0" 2
check "node0 still commits below F ($(height_of "$H0"))" test "$(height_of "$H0")" -lt "$F"

section "[p2p] added to node0's config.ini while it runs: the two take over at F"
p2p "$H0" "$BASE" $((BASE + 10))
check "node0 hands over to the multi-validator driver (no restart)" \
  wait_for 10 grep -q "the multi-validator driver takes over" "$H0/node.log"
check "the chain passes F = $F" tick_until "$H0" $((F + 2))
check "node1 became a validator by the change" \
  wait_for 30 bash -c "[ \"\$('$FOLIO' node status --json --home '$H1' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"consensus\"][\"role\"])')\" = validator ]"
check "node1 has the blocks past F" wait_for 30 bash -c "[ \$('$FOLIO' node status --json --home '$H1' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"height\"])') -ge $((F + 2)) ]"
node_stop "$H1"
HS="$(height_of "$H0")"
folio keys new lone --home "$H0" >/dev/null 2>&1
timeout 10 "$FOLIO" participant register lone --role broker --key lone --home "$H0" >/dev/null 2>&1 &
E2E_BG+=($!)
sleep 6
check "with node1 stopped node0 commits nothing alone (height stays $HS)" \
  test "$(height_of "$H0")" -eq "$HS"
check "node1 restarts" node_start "$H1"
check "the two commit again" wait_for 60 bash -c "[ \$('$FOLIO' node status --json --home '$H0' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"height\"])') -gt $HS ]"
check_chain_verify "$H1"
node_stop "$H0"
node_stop "$H1"

section "a one-validator chain whose config.ini never gets [p2p]: it stops at F"
H2="$E2E_TMP/node2"
H3="$E2E_TMP/node3"
check "two homes on one genesis" setup "$H2" "$H3"
check "node2 starts" node_start "$H2"
K3="$(folio keys show operator --json --home "$H3" | jget pubkey)"
F=$(($(height_of "$H2") + 12))
check "validator-set add node3 from $F: recorded" propose_add "$H2" "$K3" "$F"
for _ in $(seq 1 60); do # blocks until node2 stops (at F - 1)
  grep -q "not this validator alone" "$H2/node.log" && break
  tick "$H2" 1
done
check "node2 stopped at F - 1 = $((F - 1))" \
  wait_for 20 grep -q "from height $F the validator set is not this validator alone" "$H2/node.log"
wait_for 20 bash -c "! '$FOLIO' node status --home '$H2' >/dev/null 2>&1"
run chain verify --home "$H2" --json
check "it committed nothing at F (chain verify: $(printf '%s' "$OUT" | jget blocks) blocks)" \
  test "$(printf '%s' "$OUT" | jget blocks)" = "$F" # 0..F-1
for h in "$H0" "$H1" "$H2"; do check_node_log_clean "$h"; done
finish
