#!/usr/bin/env bash
# Model-checks one height of the consensus protocol with spin (specs/consensus.pml):
# agreement must verify exhaustively, and the mutant without the lock rule
# (specs/consensus_nolock.pml) must be rejected with an assertion violation.
# $1 (the folio binary) is not used.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
specs="${FOLIO_SRC:-$here/../..}/specs"

if ! command -v spin >/dev/null 2>&1; then
    echo "spin_consensus: spin (Promela model checker) is not installed:" >&2
    echo "    sudo apt-get install -y spin" >&2
    exit 1
fi
cc="${CC:-gcc}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$specs/consensus.pml" "$specs/consensus_nolock.pml" "$work/"

# check <model> -> runs spin -a, compiles pan -DSAFETY, prints pan's output
check() {
    local model="$1" dir="$work/${1%.pml}"
    mkdir -p "$dir"
    cp "$work/consensus.pml" "$work/consensus_nolock.pml" "$dir/"
    (cd "$dir" && spin -a "$model" >/dev/null && "$cc" -O2 -DSAFETY -o pan pan.c &&
        ./pan -m100000)
}

out="$(check consensus.pml)"
if ! grep -q 'errors: 0' <<<"$out" || grep -q 'assertion violated' <<<"$out"; then
    echo "$out" >&2
    echo "spin_consensus: FAIL: specs/consensus.pml does not verify" >&2
    exit 1
fi
states="$(grep -m1 'states, stored' <<<"$out" | awk '{print $1}')"
echo "spin_consensus: consensus.pml verified: agreement holds ($states states, exhaustive)"

out="$(check consensus_nolock.pml)"
if ! grep -q 'assertion violated' <<<"$out"; then
    echo "$out" >&2
    echo "spin_consensus: FAIL: the no-lock mutant was not rejected (the model is vacuous?)" >&2
    exit 1
fi
echo "spin_consensus: consensus_nolock.pml rejected: $(grep -m1 'assertion violated' <<<"$out")"
