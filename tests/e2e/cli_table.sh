#!/usr/bin/env bash
# The command table (cli/cli_cmds.c) is what the CLI accepts: walks every command that
# `folio commands --json` lists and checks that each refuses, with exit 2 and a precise
# message and before touching any node or file, an unknown option, one positional argument
# too many and --dry-run when it does not write; that each --help is generated from the
# table; and the "did you mean" hints for nouns, verbs and options.
# Usage: cli_table.sh /path/to/folio. Set FOLIO_CMDS_FROM=/other/folio to take the table
# from another binary (e.g. to run the walk against an older binary: it must fail).
. "$(dirname "$0")/lib.sh" "$@"

TABLE_BIN="${FOLIO_CMDS_FROM:-$FOLIO}"
CMDS="$E2E_TMP/cmds.json"
"$TABLE_BIN" commands --json >"$CMDS" || { echo "cli_table: 'commands --json' failed" >&2; exit 2; }
# No node runs and the home does not exist: a command that got past the table would fail
# with another code or message (exit 3 or 1), or create files.
export FOLIO_HOME="$E2E_TMP/no-home"

# One line per command: noun|verb|min_args|max_args (-1: any)|writes
LINES="$(python3 -c '
import json, sys
for c in json.load(open(sys.argv[1]))["commands"]:
    mx = -1 if c["max_args"] is None else c["max_args"]
    print("|".join([c["noun"], c["verb"], str(c["min_args"]), str(mx),
                     "1" if c["writes"] else "0"]))
' "$CMDS")"
N="$(printf '%s\n' "$LINES" | wc -l)"
[ "$N" -ge 60 ] || { echo "cli_table: only $N commands in the table" >&2; exit 2; }

section "every command refuses an unknown option, an extra argument, a misplaced --dry-run"
bad_opt=0 bad_extra=0 bad_help=0 bad_dry=0
while IFS='|' read -r noun verb min max writes; do
  read -r -a words <<<"$verb"
  args=()
  for ((i = 0; i < min; i++)); do args+=("X$i"); done
  name="$noun${verb:+ $verb}"

  run "$noun" "${words[@]}" "${args[@]}" --no-such-option
  if [ "$RC" -ne 2 ] || [[ "$ERR" != *"unknown option '--no-such-option' for 'folio $name'"* ]]; then
    bad_opt=$((bad_opt + 1))
    fail "folio $name --no-such-option: exit $RC"
    show_last
  fi

  if [ "$max" -ge 0 ]; then
    extra=()
    for ((i = 0; i <= max; i++)); do extra+=("X$i"); done
    run "$noun" "${words[@]}" "${extra[@]}"
    if [ "$RC" -ne 2 ] || [[ "$ERR" != *"unexpected argument 'X$max'"* ]]; then
      bad_extra=$((bad_extra + 1))
      fail "folio $name with $((max + 1)) arguments: exit $RC"
      show_last
    fi
  fi

  run "$noun" "${words[@]}" --help
  if [ "$RC" -ne 0 ] || [[ "$OUT" != "usage: folio $name"* ]]; then
    bad_help=$((bad_help + 1))
    fail "folio $name --help: exit $RC"
    show_last
  fi

  if [ "$writes" = 0 ]; then
    run "$noun" "${words[@]}" "${args[@]}" --dry-run
    if [ "$RC" -ne 2 ] || [[ "$ERR" != *"--dry-run is for commands that write"* ]]; then
      bad_dry=$((bad_dry + 1))
      fail "folio $name --dry-run: exit $RC"
      show_last
    fi
  fi
done <<<"$LINES"
[ "$bad_opt" -eq 0 ] && pass "all $N commands refuse an unknown option (exit 2)"
[ "$bad_extra" -eq 0 ] && pass "every command with a fixed arity refuses one argument too many"
[ "$bad_help" -eq 0 ] && pass "all $N commands print their generated --help"
[ "$bad_dry" -eq 0 ] && pass "every read-only command refuses --dry-run"
check "nothing was written to the home" test ! -e "$FOLIO_HOME"

section "the cases of the issue"
run asset holders US0378331005 --at-height 10
check "asset holders ISIN --at-height 10 is refused, not today's register" \
  test "$RC" -eq 2 -a -z "$OUT"
run errors 205 206
check "errors takes one code at most" test "$RC" -eq 2

section "did you mean"
run asets list
check "noun: asets -> asset" test "$RC" -eq 2 -a "${ERR#*did you mean \'asset\'}" != "$ERR"
run asset holdrs US0378331005
check "verb: holdrs -> holders" test "$RC" -eq 2 -a "${ERR#*did you mean \'holders\'}" != "$ERR"
run asset issue equty --isin X
check "second verb word: equty -> equity" \
  test "$RC" -eq 2 -a "${ERR#*did you mean \'equity\'}" != "$ERR"
run trade list --stauts settled
check "option: --stauts -> --status" \
  test "$RC" -eq 2 -a "${ERR#*did you mean \'--status\'}" != "$ERR"
run transfer chek US0378331005 1 --from a --to b
check "a typo of a verb of a noun that also stands alone (transfer chek)" \
  test "$RC" -eq 2 -a "${ERR#*did you mean \'check\'}" != "$ERR"
run asset zzzzzz
check "no suggestion when nothing is close, but the list of verbs" \
  test "$RC" -eq 2 -a "${ERR#*did you mean}" = "$ERR" -a "${ERR#*holders}" != "$ERR"

section "values of options"
run trade list --status
check "an option without its value" test "$RC" -eq 2 -a "${ERR#*needs a value}" != "$ERR"
run node start --dev=yes
check "a flag with a value" test "$RC" -eq 2 -a "${ERR#*takes no value}" != "$ERR"
run trade list --limit 5 --limit 6
check "an option given twice" test "$RC" -eq 2 -a "${ERR#*given twice}" != "$ERR"
run asset list --json --no-such-option
check "--json: the refusal is a JSON error object with code USAGE" \
  test "$RC" -eq 2 -a "$(printf '%s' "$OUT" | jget error.code)" = USAGE

section "errors CODE|NAME"
run errors 205
check "errors 205 shows that code only" test "$RC" -eq 0 -a "$(printf '%s\n' "$OUT" | wc -l)" -eq 1 \
  -a "${OUT#205 INSUFFICIENT_BALANCE: }" != "$OUT"
run errors insufficient_balance --json
check "errors NAME in any case; --json is the one code" \
  test "$RC" -eq 0 -a "$(printf '%s' "$OUT" | jget code)" = 205
run errors 9999
check "an unregistered code is refused (exit 2)" test "$RC" -eq 2 -a -z "$OUT"
run errors INSUFICIENT_BALANCE
check "a mistyped name: did you mean" \
  test "$RC" -eq 2 -a "${ERR#*did you mean INSUFFICIENT_BALANCE}" != "$ERR"
run errors --json
check "errors --json is {errors: [...], next}" \
  test "$(printf '%s' "$OUT" | jget errors.0.name)" = OK -a "$(printf '%s' "$OUT" | jget next)" = None

section "version, completion, man page"
run --version
check "--version names the chain protocol" test "$RC" -eq 0 -a "${OUT#*transaction format 1}" != "$OUT"
run completion bash
check "completion bash exits 0" test "$RC" -eq 0
COMP="$E2E_TMP/folio.bash"
printf '%s\n' "$OUT" >"$COMP"
complete_words() {
  bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _folio
    printf "%s\n" "${COMPREPLY[*]}"' _ "$COMP" folio "$@"
}
check "completes the nouns" test "$(complete_words as)" = asset
check "completes the verbs" test "$(complete_words asset "")" = "issue redeem rules show list holders import export"
check "completes a second verb word" test "$(complete_words asset issue "")" = "equity bond cash"
check "completes a command's options" \
  test "$(complete_words --home /x asset holders X --l)" = --limit
check "completes an option's listed values" \
  test "$(complete_words trade list --status "")" = "submitted novated partly-settled settled cancelled closed"
# every command of the table appears in the completion script, so one table feeds both
missing=0
while IFS='|' read -r noun verb _; do
  grep -qF "\"$noun${verb:+ $verb} \"*)" "$COMP" || { missing=1; fail "not completed: $noun $verb"; }
done <<<"$LINES"
[ "$missing" -eq 0 ] && pass "every command of the table is in the completion script"
run man
check "man page: roff with a section per noun" test "$RC" -eq 0 -a "${OUT#*.SS asset}" != "$OUT"
if command -v man >/dev/null; then
  check "the man page renders" bash -c '"$1" man | man -l - >/dev/null 2>&1' _ "$FOLIO"
fi

finish
