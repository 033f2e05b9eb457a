#!/usr/bin/env bash
# Differential test of the precompiles 0x05..0x09 against independent implementations
# (BigInt modexp, @noble/curves bn254, @noble/hashes BLAKE2b) on random inputs, through
# `folio evm run`. See evm_diff/precompiles.js. Installs the pinned npm packages with
# `npm ci` (evm_diff/package-lock.json) like evm_diff.sh; without node or npm it skips
# (exit 0); a failing `npm ci` is a failure. FOLIO_TEST_SEED replays; EVM_DIFF_PRECOMPILE_COUNT
# sets the number of random inputs per precompile (default 40).
. "$(dirname "$0")/evm_diff/npm.sh" evm_diff_precompiles "$@" @noble/curves @noble/hashes
cd "$DIR" && exec node precompiles.js "$FOLIO" "${EVM_DIFF_PRECOMPILE_COUNT:-40}"
