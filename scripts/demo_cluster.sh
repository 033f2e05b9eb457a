#!/usr/bin/env bash
# The folio cluster demo: four validators of a consortium on this machine (TLS with a
# consortium CA), the demo scenario sent to one node and read from another, a validator
# killed while the chain goes on, restarted and catching up, then everything stopped.
set -euo pipefail
folio=$(realpath "${1:-build/folio}")
dir=$(mktemp -d "${TMPDIR:-/tmp}/folio-cluster.XXXXXX")
net=$dir/net
# Below Linux's ephemeral range (32768 on): a restarted node must find its ports free.
base=$((21000 + ($$ % 110) * 100))

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ folio'; printf ' %q' "$@"; printf '\n'; "$folio" "$@"; }
cleanup() {
  for i in 0 1 2 3; do "$folio" node stop --home "$net/node$i" >/dev/null 2>&1 || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
height() { "$folio" node status --json --home "$net/node$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["height"])'; }
short_status() {
  for i in 0 1 2 3; do
    if "$folio" node status --json --home "$net/node$i" >"$dir/st.json" 2>/dev/null; then
      python3 - "$i" "$dir/st.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[2])); c = d.get("consensus", {})
print("  node%s  height %-5d round %-2d seen %d/%d  last proposer %-2s commit %4d ms  root %s...  behind %s" % (
    sys.argv[1], d["height"], c.get("round", 0), c.get("validators_seen", 0), d["validators"],
    c.get("last_proposer", "-"), d["last_commit_ms"], d["state_root"][:16],
    "YES" if c.get("behind") else "no"))
PY
    else
      echo "  node$i  (down)"
    fi
  done
}

step "1. A testnet of four validators: consortium CA, TLS certificates, validator keys, one genesis"
run testnet init --validators 4 --dir "$net" --base-port "$base"

step "2. Start the four nodes"
for i in 0 1 2 3; do run node start --detach --home "$net/node$i"; done
sleep 2
short_status

export FOLIO_HOME=$net/node0
step "3. The registrar (node0's operator) registers an issuer and two brokers, through node0"
run keys new issuer
run keys new broker-a
run keys new broker-b
run participant register issuer --role issuer --key issuer
run participant register broker-a --role broker --key broker-a
run participant register broker-b --role broker --key broker-b

step "4. The issuer issues 1,000,000 shares; shares move issuer -> broker-a -> broker-b"
run asset issue equity --isin CNE100000296 --name "Shanghai Demo Co. A" --shares 1000000 --risk R3 --to issuer --as issuer
run transfer CNE100000296 250000 --to broker-a --as issuer
run transfer CNE100000296 100000 --to broker-b --as issuer
run transfer CNE100000296 40000 --to broker-b --as broker-a

step "5. Read the register from another node (node2): the same ledger"
run asset holders CNE100000296 --home "$net/node2"
run node status --home "$net/node2"

step "6. Kill validator node3 (SIGKILL): three of four still make a quorum"
kill -9 "$(cat "$net/node3/node.pid")"
h=$(height 0)
run transfer CNE100000296 1000 --to broker-a --as broker-b
run transfer CNE100000296 2000 --to broker-b --as broker-a
sleep 1
echo "height was $h when node3 died; now $(height 0)"
short_status

step "7. Restart node3: it restores its signing state, syncs the blocks it missed, votes again"
run node start --detach --home "$net/node3"
for _ in $(seq 1 100); do
  [ "$(height 3)" -ge "$(height 0)" ] && break
  sleep 0.2
done
sleep 1
short_status
grep -E "restored signing state|block sync" "$net/node3/node.log" | tail -2 | sed 's/^/  node3.log: /'
run account balance broker-b --home "$net/node3"

step "8. Re-verify node3's chain from genesis (certificates, signatures, state roots)"
run chain verify --home "$net/node3"

step "9. Stop all nodes"
for i in 0 1 2 3; do run node stop --home "$net/node$i"; done
