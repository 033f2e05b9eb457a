# Shared helpers for the end-to-end tests. Sourced, not run:
#
#     . "$(dirname "$0")/lib.sh" "$@"      # $1 is the folio binary
#
# Gives: a private temp dir and node home (removed on exit, node stopped), counters and
# `check`/`pass`/`fail`, `run` (captures $OUT $ERR $RC), `expect_ok`, `expect_fail`,
# JSON extraction with python3 (`jget`), node start/stop/kill, conservation and state
# snapshots. Every script ends with `finish`, which prints "N passed, M failed".
# Set FOLIO_E2E_KEEP=1 to keep the temp dir for a post-mortem.

set -u

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 /path/to/folio" >&2
  exit 2
fi
FOLIO="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
command -v python3 >/dev/null || { echo "e2e: python3 is required" >&2; exit 2; }

E2E_NAME="$(basename "$0" .sh)"
E2E_TMP="$(mktemp -d "${TMPDIR:-/tmp}/folio-e2e-$E2E_NAME.XXXXXX")"
export FOLIO_HOME="$E2E_TMP/home"
# Any key or home in the caller's environment must not leak in.
unset FOLIO_AS 2>/dev/null || true
# Sanitizer builds: a report in the CLI fails the command (its exit code is checked);
# the node's reports land in HOME/node.log, which check_node_log_clean inspects.
# Upper bound on any single CLI call (the CLI's own RPC timeout is 30 s).
E2E_CMD_TIMEOUT="${E2E_CMD_TIMEOUT:-90}"

PASSED=0
FAILED=0
E2E_HOMES=()   # homes whose node must be stopped on exit
E2E_BG=()      # background pids (our own) to end on exit

e2e_log() { printf '%s\n' "$*"; }
pass() { PASSED=$((PASSED + 1)); printf '  ok    %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf '  FAIL  %s\n' "$*"; }
section() { printf '\n== %s\n' "$*"; }

# check DESC CMD...: passes when CMD exits 0.
check() {
  local desc="$1"
  shift
  if "$@"; then pass "$desc"; else fail "$desc"; fi
}

# Dump what the last `run` saw (on failure). The first time a command finds the node
# gone (exit 3 and no live pid), also show the tail of the node log: that is the why.
E2E_DEATH_SHOWN=""
show_last() {
  [ -n "${OUT:-}" ] && printf '        stdout: %s\n' "$(printf '%s' "$OUT" | head -c 600 | tr '\n' ' ')"
  [ -n "${ERR:-}" ] && printf '        stderr: %s\n' "$(printf '%s' "$ERR" | head -c 600 | tr '\n' ' ')"
  if [ "${RC:-0}" -eq 3 ] && [ -z "$E2E_DEATH_SHOWN" ] && [ -f "$FOLIO_HOME/node.log" ] &&
    ! node_pid >/dev/null; then
    E2E_DEATH_SHOWN=1
    echo "        the node is not running; tail of $FOLIO_HOME/node.log:"
    tail -n 12 "$FOLIO_HOME/node.log" | sed 's/^/        | /'
  fi
  return 0
}

# run ARGS...: runs folio, leaving stdout in $OUT, stderr in $ERR and the exit code in $RC.
run() {
  local o="$E2E_TMP/.out.$BASHPID" e="$E2E_TMP/.err.$BASHPID"
  timeout -k 5 "$E2E_CMD_TIMEOUT" "$FOLIO" "$@" >"$o" 2>"$e"
  RC=$?
  OUT="$(cat "$o")"
  ERR="$(cat "$e")"
  rm -f "$o" "$e"
  return 0
}

# folio ARGS...: plain call, output passed through.
folio() { timeout -k 5 "$E2E_CMD_TIMEOUT" "$FOLIO" "$@"; }

# jget PATH [FILE]: print a field of the JSON on stdin (or FILE). PATH is dotted:
# "receipt.name", "holders.0.quantity"; "" is the whole document. Booleans print as
# true/false, objects and arrays as compact JSON. Exit 1 if the path is missing or the
# input is not JSON.
jget() {
  python3 -c '
import json, sys
try:
    d = json.load(open(sys.argv[2]) if len(sys.argv) > 2 else sys.stdin)
    for p in [p for p in sys.argv[1].split(".") if p != ""]:
        d = d[int(p)] if isinstance(d, list) else d[p]
except Exception:
    sys.exit(1)
if isinstance(d, bool):
    print("true" if d else "false")
elif isinstance(d, (dict, list)):
    print(json.dumps(d, sort_keys=True, separators=(",", ":")))
else:
    print(d)
' "$@"
}

# is_json: stdin parses as JSON.
is_json() { python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null; }

# expect_ok DESC ARGS...: folio ARGS exits 0. Leaves $OUT/$ERR/$RC.
expect_ok() {
  local desc="$1"
  shift
  run "$@"
  if [ "$RC" -eq 0 ]; then
    pass "$desc"
  else
    fail "$desc (exit $RC, expected 0)"
    show_last
  fi
}

# is_result_name NAME: NAME is one of the ledger's result codes (`folio errors --json`).
E2E_RESULT_NAMES=""
is_result_name() {
  if [ -z "$E2E_RESULT_NAMES" ]; then
    E2E_RESULT_NAMES=" $("$FOLIO" errors --json 2>/dev/null | python3 -c '
import json, sys
print(" ".join(e["name"] for e in json.load(sys.stdin)["errors"]))') "
  fi
  case "$E2E_RESULT_NAMES" in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

# expect_fail NAME[:EXIT] DESC ARGS...: runs `folio ARGS --json` once and checks
#  - the exit code: EXIT if given, else 2 for USAGE, 3 for UNAVAILABLE/TIMEOUT/
#    NODE_FAILED, 1 for everything else (a ledger rejection);
#  - the JSON on stdout names the code: error.code == NAME (refused by the CLI or at
#    admission), or receipt.name == NAME (committed with a failing receipt);
#  - there is a sentence: for an error object, a "folio: ..." line on stderr that is the
#    JSON's error message; for a receipt, the receipt's message (and detail).
# Leaves $OUT/$ERR/$RC, $FAIL_CODE, $FAIL_TXID (receipts) and $FAIL_SENTENCE.
expect_fail() {
  local spec="$1" desc="$2"
  shift 2
  local name="${spec%%:*}" want
  if [ "$spec" != "$name" ]; then
    want="${spec#*:}"
  else
    case "$name" in
      USAGE) want=2 ;;
      UNAVAILABLE | TIMEOUT | NODE_FAILED) want=3 ;;
      *) want=1 ;;
    esac
  fi
  run "$@" --json
  local parsed kind
  parsed="$(printf '%s' "$OUT" | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    print("none\n?\n\n"); sys.exit(0)
if isinstance(d, dict) and "error" in d:
    print("error"); print(d["error"].get("code", "?")); print(""); print(d["error"].get("message", ""))
elif isinstance(d, dict) and "receipt" in d:
    r = d["receipt"]
    print("receipt"); print(r.get("name", "?")); print(d.get("id", ""))
    print(r.get("message", "") + (" -- " + r["detail"] if r.get("detail") else ""))
else:
    print("other\n?\n\n")
' 2>/dev/null)"
  { read -r kind; read -r FAIL_CODE; read -r FAIL_TXID; read -r FAIL_SENTENCE; } <<<"$parsed"
  local why=""
  [ "$RC" -eq "$want" ] || why="$why exit $RC (want $want);"
  [ "$FAIL_CODE" = "$name" ] || why="$why json code '$FAIL_CODE' (want $name);"
  if [ "$kind" = receipt ]; then
    [ "${#FAIL_SENTENCE}" -ge 10 ] || why="$why the receipt has no message;"
  else
    local msg="$FAIL_SENTENCE"
    FAIL_SENTENCE="$(printf '%s\n' "$ERR" | grep -m1 '^folio: ' || true)"
    FAIL_SENTENCE="${FAIL_SENTENCE#folio: }"
    [ "${#FAIL_SENTENCE}" -ge 10 ] || why="$why no 'folio: ' sentence on stderr;"
    [ "$FAIL_SENTENCE" = "$msg" ] || why="$why stderr and the JSON message differ;"
  fi
  if [ -z "$why" ]; then
    pass "$desc -> $name (exit $RC): $FAIL_SENTENCE"
  else
    fail "$desc:$why"
    show_last
  fi
}

# ---- the node ------------------------------------------------------------------------

# node_pid [HOME]: pid from HOME/node.pid if that process is alive, else nothing.
node_pid() {
  local h="${1:-$FOLIO_HOME}" p
  [ -f "$h/node.pid" ] || return 1
  p="$(cat "$h/node.pid" 2>/dev/null)"
  [ -n "$p" ] && pid_running "$p" && echo "$p"
}

# pid_running PID: the process exists and has not exited. A detached node that exited is
# a zombie until its parent reaps it, and where pid 1 reaps nothing (a container without
# an init) it stays one: kill -0 still succeeds on it, so read its state instead.
pid_running() {
  local st
  st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
export -f pid_running

# home_init [HOME]: folio init, remembered for cleanup.
home_init() {
  local h="${1:-$FOLIO_HOME}"
  folio init --home "$h" >/dev/null || return 1
  E2E_HOMES+=("$h")
}

# node_start [HOME]: start detached; returns non-zero (and shows the log tail) on failure.
node_start() {
  local h="${1:-$FOLIO_HOME}"
  # Remembered before the start, so that a test killed while the node starts still stops it.
  [[ " ${E2E_HOMES[*]} " == *" $h "* ]] || E2E_HOMES+=("$h")
  if ! folio node start --detach --home "$h" >/dev/null 2>"$E2E_TMP/.start.err"; then
    echo "        node start failed: $(tr '\n' ' ' <"$E2E_TMP/.start.err")"
    echo "        --- tail of $h/node.log"
    tail -n 25 "$h/node.log" 2>/dev/null | sed 's/^/        /'
    return 1
  fi
}

# node_stop [HOME]: clean stop.
node_stop() {
  local h="${1:-$FOLIO_HOME}"
  folio node stop --home "$h" >/dev/null 2>&1
}

# node_kill9 [HOME]: SIGKILL the node and wait until it is gone.
node_kill9() {
  local h="${1:-$FOLIO_HOME}" p
  p="$(node_pid "$h")" || return 0
  kill -9 "$p" 2>/dev/null
  for _ in $(seq 1 100); do
    pid_running "$p" || return 0
    sleep 0.05
  done
  return 1
}

# node_alive [HOME]: the node answers `node status`.
node_alive() { folio node status --home "${1:-$FOLIO_HOME}" >/dev/null 2>&1; }

# Sanitizer reports in a node log are failures even if the node kept going.
check_node_log_clean() {
  local h="${1:-$FOLIO_HOME}"
  if grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$h/node.log" 2>/dev/null; then
    fail "node log $h/node.log has a sanitizer report:"
    grep -m3 -E 'ERROR: AddressSanitizer|runtime error:' "$h/node.log" | sed 's/^/        /'
  else
    pass "node log has no sanitizer report"
  fi
}

# ---- state ---------------------------------------------------------------------------

# tip [HOME]: "HEIGHT STATE_ROOT" from `node status --json` ("? ?" if it does not answer).
tip() {
  folio node status --json --home "${1:-$FOLIO_HOME}" 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin); print(d["height"], d["state_root"])
except Exception:
    print("? ?")'
}

# status_field FIELD [HOME]: a field of `node status --json`.
status_field() {
  folio node status --json --home "${2:-$FOLIO_HOME}" 2>/dev/null | jget "$1"
}

# holders_ok ISIN [HOME]: holders --json is in account order (one page: registers here are
# small), the
# quantities sum to total == supply, holder_count matches and conserved is true.
# Prints a one-line summary, or the reason on failure.
holders_ok() {
  local j
  j="$(folio asset holders "$1" --json --home "${2:-$FOLIO_HOME}" 2>&1)" || {
    echo "asset holders $1 failed: $j"
    return 1
  }
  printf '%s' "$j" | python3 -c '
import json, sys
d = json.load(sys.stdin)
h = d["holders"]
q = [x["quantity"] for x in h]
s = sum(q)
bad = []
a = [x["account"] for x in h]
if a != sorted(a): bad.append("not in account order")
if any(x <= 0 for x in q): bad.append("a zero holding is listed")
if s != d["total"]: bad.append("sum %d != total %d" % (s, d["total"]))
if d["total"] != d["supply"]: bad.append("total %d != supply %d" % (d["total"], d["supply"]))
if d["holder_count"] != len(h): bad.append("holder_count %d != %d rows" % (d["holder_count"], len(h)))
if d["conserved"] is not True: bad.append("conserved is not true")
if len(set(x["account"] for x in h)) != len(h): bad.append("an account is listed twice")
if bad:
    print("%s: %s" % (d["id"], "; ".join(bad))); sys.exit(1)
print("%s: %d holders, total %d == supply %d" % (d["id"], len(h), s, d["supply"]))
'
}

# asset_ids [HOME]: every instrument id, one a line.
asset_ids() {
  folio asset list --json --home "${1:-$FOLIO_HOME}" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
rows = d if isinstance(d, list) else (d.get("assets") or d.get("instruments") or [])
for a in rows:
    print(a["id"])
'
}

# check_conserved [HOME]: holders_ok for every instrument, one check each.
check_conserved() {
  local h="${1:-$FOLIO_HOME}" id msg n=0
  for id in $(asset_ids "$h"); do
    n=$((n + 1))
    if msg="$(holders_ok "$id" "$h")"; then pass "conserved: $msg"; else fail "conservation: $msg"; fi
  done
  [ "$n" -gt 0 ] || fail "conservation: asset list shows no instrument"
}

# check_chain_verify [HOME]: folio chain verify --json says ok.
check_chain_verify() {
  local h="${1:-$FOLIO_HOME}"
  run chain verify --json --home "$h"
  if [ "$RC" -eq 0 ] && [ "$(printf '%s' "$OUT" | jget ok)" = true ]; then
    pass "chain verify: $(printf '%s' "$OUT" | jget blocks) blocks, $(printf '%s' "$OUT" | jget transactions) txs OK"
  else
    fail "chain verify (exit $RC)"
    show_last
  fi
}

# business_state [HOME]: the raw --json text of everything a transaction could change
# that a failed one must not: participants, instruments (with supply and holder counts)
# and every instrument's holders. Compare two of these with `=`.
business_state() {
  local h="${1:-$FOLIO_HOME}" al id
  folio participant list --json --home "$h" 2>&1
  al="$(folio asset list --json --home "$h" 2>&1)"
  printf '%s\n' "$al"
  for id in $(printf '%s\n' "$al" | sed -n 's/^ *"id": "\([^"]*\)",*$/\1/p'); do
    folio asset holders "$id" --json --home "$h" 2>&1
  done
}

# finish: print the tally and exit with the verdict.
finish() {
  echo
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
  exit $?
}

# gov_id: the proposal id in the receipt of `folio gov propose ... --json` on stdin.
gov_id() { python3 -c 'import json,sys; print(int(json.load(sys.stdin)["receipt"]["data"], 16))' 2>/dev/null; }
# gov_wait ID STATUS [HOME]: waits (30 s at most) until proposal ID has STATUS.
gov_wait() {
  local i s
  for i in $(seq 1 150); do
    s="$(folio gov show "$1" --json ${3:+--home "$3"} 2>/dev/null | jget status)"
    [ "$s" = "$2" ] && return 0
    sleep 0.2
  done
  return 1
}
# gov_approve_code FILE [--contract NAME]: the committee of a `folio init` home (its
# operator, weight 1) approves the contract's code hash (specs/governance.md); returns once
# the approval is in force, so that deploying it passes the code gate.
gov_approve_code() {
  local id
  id="$(folio gov propose code-approve --file "$@" --json | gov_id)" || return 1
  [ -n "$id" ] && folio gov vote "$id" yes >/dev/null && gov_wait "$id" activated
}

# e2e_port_base: the first of E2E_PORT_SPAN (200) consecutive TCP ports on 127.0.0.1 that
# no other e2e test on this machine holds, for a test's nodes (a testnet takes base + 10*i
# + 0..9 per node). Tests run side by side (ctest -j), so ports chosen from the pid alone
# could overlap and one test's node would take another's connections. A block is claimed
# under a lock by a directory holding the claimer's pid, released by e2e_cleanup (a block
# whose claimer is gone is reclaimed), and used only when every port in it binds now. The
# blocks lie in 20000..31999, below Linux's ephemeral range (32768..), so no outgoing
# connection's port takes one.
E2E_PORT_SPAN=200
E2E_PORT_DIR="${TMPDIR:-/tmp}/folio-e2e-ports"
e2e_port_base() {
  local n=$((12000 / E2E_PORT_SPAN)) first=$(($$ % (12000 / E2E_PORT_SPAN))) i k d owner
  mkdir -p "$E2E_PORT_DIR" || return 1
  (
    flock -w 60 9 || exit 1
    for ((i = 0; i < n; i++)); do
      k=$(((first + i) % n))
      d="$E2E_PORT_DIR/block-$k"
      owner="$(cat "$d/owner" 2>/dev/null)"
      if [ -d "$d" ] && [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null; then continue; fi
      rm -rf "$d"
      e2e_ports_free $((20000 + k * E2E_PORT_SPAN)) "$E2E_PORT_SPAN" || continue
      mkdir "$d" && echo "$$" >"$d/owner" || continue
      echo $((20000 + k * E2E_PORT_SPAN))
      exit 0
    done
    exit 1
  ) 9>"$E2E_PORT_DIR/.lock"
}

# e2e_ports_free FIRST COUNT: every port in FIRST..FIRST+COUNT-1 binds on 127.0.0.1 now.
e2e_ports_free() {
  python3 - "$1" "$2" <<'PY'
import socket, sys
first, count = int(sys.argv[1]), int(sys.argv[2])
for p in range(first, first + count):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        sys.exit(1)
    finally:
        s.close()
PY
}

# Release this test's port blocks (called on exit).
e2e_ports_release() {
  local d
  for d in "$E2E_PORT_DIR"/block-*; do
    [ "$(cat "$d/owner" 2>/dev/null)" = "$$" ] && rm -rf "$d"
  done
  return 0
}

e2e_cleanup() {
  local rc=$? p h
  trap - EXIT INT TERM
  for p in "${E2E_BG[@]}"; do
    kill "$p" 2>/dev/null
  done
  for p in "${E2E_BG[@]}"; do
    wait "$p" 2>/dev/null
  done
  for h in "${E2E_HOMES[@]}"; do
    if node_pid "$h" >/dev/null; then
      timeout -k 2 20 "$FOLIO" node stop --home "$h" >/dev/null 2>&1
      p="$(node_pid "$h")" && kill -9 "$p" 2>/dev/null
    fi
  done
  e2e_ports_release
  if [ -n "${FOLIO_E2E_KEEP:-}" ]; then
    echo "kept $E2E_TMP"
  else
    rm -rf "$E2E_TMP"
  fi
  exit "$rc"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

echo "e2e/$E2E_NAME: folio at $FOLIO, temp dir $E2E_TMP"
