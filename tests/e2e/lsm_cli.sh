#!/usr/bin/env bash
# End-to-end: `folio lsm solve FILE.json [--json]` (the liquidity-saving solver, offline).
# Gridlock with zero balances settles entirely, nothing-settles leaves balances alone,
# value beats count, the --json shape, and malformed inputs exit 2 with a `folio:`
# sentence. Usage: lsm_cli.sh /path/to/folio. Ends with "N passed, M failed".
set -u
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 /path/to/folio" >&2
  exit 2
fi
FOLIO="$1"
command -v python3 >/dev/null || { echo "lsm_cli: python3 is required" >&2; exit 2; }
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/folio-e2e-lsm.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); printf '  ok    %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf '  FAIL  %s\n' "$*"; }
section() { printf '\n== %s\n' "$*"; }

# run FILE [ARGS...]: sets OUT, ERR, RC.
run() {
  OUT="$("$FOLIO" lsm solve "$@" 2>"$TMP/err")"
  RC=$?
  ERR="$(cat "$TMP/err")"
}

# pyjson DESC EXPR: evaluates a python3 boolean over the JSON in $OUT (as `d`).
pyjson() {
  local desc="$1" expr="$2"
  if printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($expr) else 1)" 2>/dev/null; then
    pass "$desc"
  else
    fail "$desc (output: $(printf '%s' "$OUT" | tr '\n' ' ' | cut -c1-300))"
  fi
}

pay() { printf '{"id":"%s","legs":[{"from":"%s","to":"%s","asset":"CNY","amount":%s}]}' "$@"; }

section "gridlock: zero balances, cycle A->B->C->A of equal amounts"
cat >"$TMP/gridlock.json" <<EOF
{"balances":{"A":{"CNY":0},"B":{"CNY":0},"C":{"CNY":0}},
 "instructions":[$(pay p1 A B 500),$(pay p2 B C 500),$(pay p3 C A 500)]}
EOF
run "$TMP/gridlock.json" --json
[ "$RC" -eq 0 ] && pass "exit 0" || fail "exit $RC: $ERR"
pyjson "all three settle" 'sorted(d["settled"]) == ["p1","p2","p3"]'
pyjson "settled value 1500" 'd["settled_value"] == 1500'
pyjson "balances unchanged (all zero)" 'all(v["CNY"] == 0 for v in d["final_balances"].values())'
pyjson "method ALL" 'd["method"] == "ALL"'

section "gridlock buried under an unaffordable payment"
cat >"$TMP/buried.json" <<EOF
{"balances":{"A":{"CNY":0},"B":{"CNY":0},"C":{"CNY":0},"D":{"CNY":0}},
 "instructions":[$(pay p1 A B 500),$(pay p2 B C 500),$(pay p3 C A 500),$(pay x A D 900)]}
EOF
run "$TMP/buried.json" --json
pyjson "the cycle settles, the unfunded payment waits" 'sorted(d["settled"]) == ["p1","p2","p3"] and d["settled_value"] == 1500'

section "nothing can settle"
cat >"$TMP/nothing.json" <<EOF
{"balances":{"A":{"CNY":3},"B":{"CNY":1}},
 "instructions":[$(pay n1 A B 10),$(pay n2 B A 4)]}
EOF
run "$TMP/nothing.json" --json
[ "$RC" -eq 0 ] && pass "exit 0" || fail "exit $RC: $ERR"
pyjson "nothing settles, value 0" 'd["settled"] == [] and d["settled_value"] == 0'
pyjson "balances unchanged" 'd["final_balances"] == {"A":{"CNY":3},"B":{"CNY":1}}'
run "$TMP/nothing.json"
[ "$RC" -eq 0 ] && printf '%s' "$OUT" | grep -q "settled 0 of 2 instructions" \
  && pass "table output says 0 of 2" || fail "table output: $OUT"

section "value over count"
cat >"$TMP/value.json" <<EOF
{"balances":{"A":{"CNY":100},"B":{"CNY":0},"C":{"CNY":0}},
 "instructions":[$(pay big A B 100),$(pay s1 A C 40),$(pay s2 A C 40),$(pay s3 A C 15)]}
EOF
run "$TMP/value.json" --json
pyjson "the single large payment settles (100 > 95)" 'd["settled"] == ["big"] and d["settled_value"] == 100'
pyjson "final balances A 0, B 100, C 0" 'd["final_balances"] == {"A":{"CNY":0},"B":{"CNY":100},"C":{"CNY":0}}'

section "--json output shape"
run "$TMP/value.json" --json
pyjson "keys settled, settled_value, final_balances, method" 'set(d) == {"settled","settled_value","final_balances","method"}'
pyjson "types" 'isinstance(d["settled"], list) and all(isinstance(x, str) for x in d["settled"]) and isinstance(d["settled_value"], int) and isinstance(d["final_balances"], dict) and d["method"] in ("ALL","EXACT","HEURISTIC")'
pyjson "final_balances keyed by participant then asset, integer amounts" 'all(isinstance(a, dict) and all(isinstance(v, int) for v in a.values()) for a in d["final_balances"].values())'
pyjson "conservation: total of final balances equals total of balances" 'sum(v for a in d["final_balances"].values() for v in a.values()) == 100'

section "malformed inputs: exit 2 with a folio: sentence"
bad() { # DESC CONTENT
  printf '%s' "$2" >"$TMP/bad.json"
  run "$TMP/bad.json"
  if [ "$RC" -eq 2 ] && printf '%s' "$ERR" | grep -q '^folio: ' && [ -z "$OUT" ]; then
    pass "$1"
  else
    fail "$1 (exit $RC, stderr: $ERR, stdout: $OUT)"
  fi
}
bad "not JSON" '{"balances":{"A":{"CNY":0}},"instructions":['
bad "empty file" ''
bad "fractional amount" "{\"balances\":{\"A\":{\"CNY\":1},\"B\":{}},\"instructions\":[{\"id\":\"x\",\"legs\":[{\"from\":\"A\",\"to\":\"B\",\"asset\":\"CNY\",\"amount\":1.5}]}]}"
bad "negative balance" '{"balances":{"A":{"CNY":-1}},"instructions":[]}'
bad "unknown participant" "{\"balances\":{\"A\":{\"CNY\":1}},\"instructions\":[$(pay x A Z 1)]}"
bad "payment to self" "{\"balances\":{\"A\":{\"CNY\":1}},\"instructions\":[$(pay x A A 1)]}"
bad "duplicate instruction id" "{\"balances\":{\"A\":{\"CNY\":1},\"B\":{}},\"instructions\":[$(pay x A B 1),$(pay x A B 1)]}"
bad "missing instructions" '{"balances":{}}'
bad "unknown field" '{"balances":{},"instructions":[],"extra":1}'
bad "amounts overflow" "{\"balances\":{\"A\":{\"CNY\":4611686018427387904},\"B\":{}},\"instructions\":[$(pay x A B 4611686018427387904),$(pay y A B 4611686018427387904)]}"
OUT="$("$FOLIO" lsm solve "$TMP/does-not-exist.json" 2>"$TMP/err")"; RC=$?; ERR="$(cat "$TMP/err")"
[ "$RC" -eq 4 ] && printf '%s' "$ERR" | grep -q '^folio: ' && pass "missing file" || fail "missing file (exit $RC: $ERR)"
OUT="$("$FOLIO" lsm solve 2>"$TMP/err")"; RC=$?; ERR="$(cat "$TMP/err")"
[ "$RC" -eq 2 ] && printf '%s' "$ERR" | grep -q '^folio: ' && pass "no FILE argument" || fail "no FILE argument (exit $RC: $ERR)"

printf '\n%d passed, %d failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
