#!/usr/bin/env bash
# Differential test of the contract VM on the ledger host against @ethereumjs/evm (Cancun):
# random programs and the Solidity contracts of tests/contracts (creation + calls) must
# give the same status, return data, gas, refund, logs and storage. See evm_diff/diff.js.
# Installs the pinned npm packages with `npm ci` (evm_diff/package-lock.json); without
# npm or node it skips (exit 0); a failing `npm ci` is a failure. FOLIO_TEST_SEED replays;
# EVM_DIFF_COUNT sets the number of random programs (default 300).
. "$(dirname "$0")/evm_diff/npm.sh" evm_diff "$@" @ethereumjs/evm solc
cd "$DIR" && exec node diff.js "$FOLIO" "${EVM_DIFF_COUNT:-300}"
