#!/usr/bin/env bash
# Differential test of the contract VM on the ledger host against @ethereumjs/evm (Cancun):
# random programs and the Solidity contracts of tests/contracts (creation + calls) must
# give the same status, return data, gas, refund, logs and storage. See evm_diff/diff.js.
# Installs the pinned npm packages with `npm ci` (evm_diff/package-lock.json); without
# npm or node it skips (exit 0); a failing `npm ci` is a failure. FOLIO_TEST_SEED replays;
# EVM_DIFF_COUNT sets the number of random programs (default 300).
set -u
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 /path/to/folio" >&2
  exit 2
fi
FOLIO="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
DIR="$(cd "$(dirname "$0")/evm_diff" && pwd)"
skip() {
  echo "evm_diff: SKIP: $*"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
}
command -v node >/dev/null 2>&1 || skip "node is not installed"
command -v npm >/dev/null 2>&1 || skip "npm is not installed"
# npm ci when node_modules is missing or older than the lock file; evm_diff_precompiles.sh
# shares the folder, so both take this lock while installing
exec 9>"$DIR/.npm-ci.lock"
flock 9
if [ ! -d "$DIR/node_modules/@ethereumjs/evm" ] || [ ! -d "$DIR/node_modules/solc" ] ||
  [ "$DIR/package-lock.json" -nt "$DIR/node_modules/.package-lock.json" ]; then
  if ! (cd "$DIR" && timeout 600 npm ci --no-audit --no-fund >"$DIR/.npm-ci.log" 2>&1); then
    tail -n 5 "$DIR/.npm-ci.log" | sed 's/^/  npm: /'
    echo "evm_diff: npm ci failed (see $DIR/.npm-ci.log)"
    echo "0 passed, 1 failed"
    exit 1
  fi
fi
flock -u 9
cd "$DIR" && exec node diff.js "$FOLIO" "${EVM_DIFF_COUNT:-300}"
