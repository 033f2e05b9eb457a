#!/usr/bin/env bash
# The folio demo: a throwaway single-validator node, an issuer and two brokers, an equity
# born on the ledger, shares moving between holders, the register of holders, the chain's
# height and state root, and a full verification from genesis.
# FOLIO_DEMO_HTTP=127.0.0.1:8080 also serves the HTTP/JSON API there (specs/http.md) and
# shows a few of its routes with curl.
set -euo pipefail
folio=$(realpath "${1:-build/folio}")
home=$(mktemp -d "${TMPDIR:-/tmp}/folio-demo.XXXXXX")/node
export FOLIO_HOME=$home

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ folio'; printf ' %q' "$@"; printf '\n'; "$folio" "$@"; }
cleanup() { "$folio" node stop >/dev/null 2>&1 || true; rm -rf "$(dirname "$home")"; }
trap cleanup EXIT

step "1. Create a node home: config, operator key, genesis (operator = validator + registrar)"
run init
step "2. Start the single-validator node (development mode: the demo moves block time later)"
http=${FOLIO_DEMO_HTTP:-}
run node start --detach --dev ${http:+--http "$http"}

step "3. Create keys for an issuer and two brokers"
run keys new issuer
run keys new broker-a
run keys new broker-b

step "4. The operator (registrar) registers them on the ledger with their roles"
run participant register issuer --role issuer --key issuer
run participant register broker-a --role broker --key broker-a
run participant register broker-b --role broker --key broker-b
run participant list

step "5. The issuer issues an equity: 1,000,000 shares born on the ledger"
run asset issue equity --isin CNE100000296 --name "Shanghai Demo Co. A" --shares 1000000 --risk R3 --to issuer --as issuer
run asset show CNE100000296

step "6. Shares move: issuer -> broker-a -> broker-b"
run transfer CNE100000296 250000 --to broker-a --as issuer
run transfer CNE100000296 100000 --to broker-b --as issuer
run transfer CNE100000296 40000 --to broker-b --as broker-a

step "7. A transfer the ledger refuses (broker-b holds 140,000): nothing changes"
run transfer CNE100000296 500000 --to broker-a --as broker-b || true

step "8. The register of holders (the ledger is the register)"
run asset holders CNE100000296
run account balance broker-b

step "9. Chain height, last block hash and state root"
run node status

if [ -n "$http" ] && command -v curl >/dev/null; then
  step "HTTP/JSON API on http://$http (specs/http.md)"
  for path in /healthz /v1/status /v1/accounts/broker-a/balances; do
    printf '$ curl http://%s%s\n' "$http" "$path"
    curl -s "http://$http$path"
    echo
  done
  printf '$ curl http://%s/metrics | grep ^folio_height\n' "$http"
  curl -s "http://$http/metrics" | grep '^folio_height'
fi

step "10. Re-verify every block from genesis: hashes, signatures, state roots"
run chain verify

here=$(dirname "$(realpath "$0")")
for extra in settlement assets; do
  if [ -f "$here/demo_$extra.sh" ]; then
    step "More: $extra"
    bash "$here/demo_$extra.sh" "$folio"
  fi
done

step "Finally: verify the whole chain again and stop the node"
run chain verify
run node stop
