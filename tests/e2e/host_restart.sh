#!/usr/bin/env bash
# One process hosting two chains (specs/home.md §7): HOME's chain and HOME/chains/sub
# ([host] chains = sub). The hosted chain stopped alone is started again by the running
# host process (`folio node start --home HOME/chains/sub`), with the same pid, and commits;
# refusals: the chain already running (RUNNING), a home under HOME/chains that [host]
# chains does not list (NOT_HOSTED), the host process not running (NOT_RUNNING), a chain the
# host cannot open (NODE_FAILED, with the host's sentence; the host goes on). Every line of
# the process's log carries its chain's tag, or "host" (specs/home.md §6).
. "$(dirname "$0")/lib.sh" "$@"

P="$E2E_TMP/host"
S="$P/chains/sub"
O="$P/chains/other"
status_ok() { folio node status --home "$1" >/dev/null 2>&1; }
lock_pid() { folio node status --json --home "$1" >/dev/null 2>&1 && cat "$1/node.pid"; }

section "a host home with one hosted chain"
expect_ok "init the host home" init --home "$P"
mkdir -m 700 "$P/chains"
expect_ok "init the hosted chain's home" init --home "$S"
expect_ok "init a home under chains/ that is not hosted" init --home "$O"
printf '\n[host]\nchains = sub\n' >>"$P/config.ini"
check "the host starts with both chains" node_start "$P"
E2E_HOMES+=("$S" "$O")
HPID="$(cat "$P/node.pid")"
check "the hosted chain serves" status_ok "$S"
expect_fail RUNNING "start of the running hosted chain" node start --home "$S"

section "stopped alone, started again by the host process"
expect_ok "node stop --home chains/sub" node stop --home "$S"
check "the hosted chain is stopped" bash -c "! '$FOLIO' node status --home '$S' >/dev/null 2>&1"
check "the host chain goes on" status_ok "$P"
expect_fail USAGE "a hosted start with --observer" node start --observer --home "$S"
expect_ok "node start --home chains/sub" node start --home "$S" --json
check "it answers: $(printf '%s' "$OUT" | head -c 80)" bash -c "[ '$(printf '%s' "$OUT" | jget hosted)' = true ]"
check "the hosted chain serves again" status_ok "$S"
check "in the host process (pid $HPID)" test "$(cat "$S/node.pid")" = "$HPID"
check "the host process logged it" grep -q "started again in this process" "$P/node.log"
folio keys new alice --home "$S" >/dev/null
expect_ok "a transaction commits on the restarted chain" \
  participant register alice --role broker --key alice --home "$S"
expect_ok "stopped alone a second time" node stop --home "$S"
mv "$S/genesis.bin" "$S/genesis.away"
expect_fail NODE_FAILED "started again without its genesis: the host's error" node start --home "$S"
check "the error names the file" bash -c "grep -q 'genesis.bin is missing' <<<'$OUT'"
check "the host process goes on" status_ok "$P"
mv "$S/genesis.away" "$S/genesis.bin"
expect_ok "and started again" node start --home "$S"
check "it serves" status_ok "$S"

section "refusals"
expect_fail NOT_HOSTED "a home under chains/ that [host] chains does not list" \
  node start --home "$O"
check "nothing started there" bash -c "! '$FOLIO' node status --home '$O' >/dev/null 2>&1"
node_stop "$P"
check "the host process is gone" bash -c "! '$FOLIO' node status --home '$P' >/dev/null 2>&1"
expect_fail NOT_RUNNING "the hosted chain while its host is not running" node start --home "$S"
check "nothing started there" bash -c "! '$FOLIO' node status --home '$S' >/dev/null 2>&1"

section "every log line of the process names its chain, or host"
CP="$(sed -n 's/^chain_id = //p' "$P/config.ini")"
CS="$(sed -n 's/^chain_id = //p' "$S/config.ini")"
tagged() { # tagged LOG TAG...: every line is "TIME LEVEL [TAG] ..." with one of the TAGs
  python3 - "$@" <<'PY'
import re, sys
tags = set(sys.argv[2:])
lines = open(sys.argv[1]).read().splitlines()
bad = [l for l in lines
       if not (m := re.match(r"^\d{4}-\d\d-\d\dT[\d:.]+Z (INFO |WARN |ERROR) \[([^\]]+)\] ", l))
       or m.group(2) not in tags]
for l in bad[:3]:
    print("        untagged: " + l[:160])
sys.exit(1 if bad or not lines else 0)
PY
}
check "every line of node.log ($(wc -l <"$P/node.log") lines) is tagged $CP, $CS or host" \
  tagged "$P/node.log" "$CP" "$CS" host
check "the hosted chain's lines carry its tag" grep -q "\[$CS\] node serving $CS" "$P/node.log"
check "the host's lines carry host" grep -q "\[host\] hosting 2 chains" "$P/node.log"
check "a chain's store opening carries its tag" grep -q "\[$CP\] chain store opened" "$P/node.log"
check_node_log_clean "$P"
finish
