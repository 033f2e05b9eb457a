# Hostile files (issue 12, items 7, 8, 9, 13, 14, 17), through the real binary:
#   - a damaged write-ahead log (one flipped byte; a log cut short) makes the node refuse
#     to start with the last good height, and `chain verify` fail, instead of silently
#     rolling back committed blocks; a restored backup starts at the full height;
#   - a store that is corrupt, or locked by another process, is reported as such;
#   - secrets are never written through a planted symlink; `init` refuses a non-empty or
#     world-writable home;
#   - config lines longer than 199 characters are read whole; unknown sections and keys
#     are refused with the line number;
#   - `node stop` never signals a process named by a stale node.pid; a node SIGKILLed a
#     moment ago (a zombie nobody reaped) can be restarted at once;
#   - `cycle report --html` replaces a symlink instead of writing through it.
# Every check here fails against a binary without these fixes.
. "$(dirname "$0")/lib.sh" "$@"

T="$E2E_TMP"
PY_LOCK_HOLD="$T/hold_lock.py"
cat >"$PY_LOCK_HOLD" <<'EOF'
# hold_lock.py FILE READY: holds a POSIX write lock on FILE (as RocksDB does on its LOCK)
# until killed; touches READY once it holds it.
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
open(sys.argv[2], "w").close()
while True:
    time.sleep(1)
EOF

# flip_byte FILE: xor one byte in the middle of FILE.
flip_byte() {
  python3 - "$1" <<'EOF'
import os, sys
p = sys.argv[1]
with open(p, "r+b") as f:
    n = os.path.getsize(p)
    f.seek(n // 2)
    b = f.read(1)
    f.seek(n // 2)
    f.write(bytes([b[0] ^ 0x40]))
EOF
}
newest_wal() { ls "$1"/data/*.log 2>/dev/null | sort | tail -n1; }
# start_fg HOME: a foreground start that is expected to fail at once ($ERR, $RC).
# A node that does start (a binary without the fix) is ended after 15 s: exit 124.
start_fg() { E2E_CMD_TIMEOUT=15 run node start --home "$1"; }
refused() { test "$RC" -ge 1 -a "$RC" -le 3; }
height_of() { folio node status --json --home "$1" 2>/dev/null | jget height; }

section "item 8: secrets and the home"
P="$T/planted"
mkdir -p "$P/keys"
ln -s "$T/stolen-init" "$P/keys/operator.key.tmp"
run init --home "$P"
check "init into a home holding a planted keys/operator.key.tmp symlink is refused (exit $RC)" test "$RC" -ne 0
check "the symlink's target did not receive the operator's secret" test ! -e "$T/stolen-init"
check "the refusal says the home is not empty" grep -q "not empty" <<<"$ERR"
W="$T/world-writable"
mkdir -m 0777 "$W"
chmod 0777 "$W"
run init --home "$W"
check "init into a world-writable home is refused (exit $RC)" test "$RC" -ne 0
check "the refusal says others can write it" grep -q "can be written by other users" <<<"$ERR"
check "no key was written there" test ! -e "$W/keys"
E="$T/empty-private"
mkdir -m 0700 "$E"
run init --home "$E"
check "init into an existing empty private directory works (exit $RC)" test "$RC" -eq 0
E2E_HOMES+=("$E")

check "init (the home for the rest)" home_init
ln -s "$T/stolen-key" "$FOLIO_HOME/keys/k1.key.tmp"
run keys new k1
check "keys new beside a planted k1.key.tmp symlink works (exit $RC)" test "$RC" -eq 0
check "the planted symlink's target did not receive k1's secret" test ! -e "$T/stolen-key"
check "keys/k1.key is a regular file of mode 0600" \
  bash -c 'test -f "$1" -a ! -L "$1" && test "$(stat -c %a "$1")" = 600' _ "$FOLIO_HOME/keys/k1.key"

TN="$T/testnet"
mkdir -p "$TN/node0/keys"
ln -s "$T/stolen-testnet" "$TN/node0/keys/operator.key.tmp"
run testnet init --validators 2 --dir "$TN" --no-tls --base-port 27100
check "testnet init beside a planted operator.key.tmp symlink (exit $RC)" test "$RC" -eq 0
check "the testnet's planted symlink target did not receive a secret" test ! -e "$T/stolen-testnet"

TT="$T/testnet-tls"
mkdir -p "$TT/node0/tls"
ln -s "$T/stolen-tls" "$TT/node0/tls/node.key"
run testnet init --validators 2 --dir "$TT" --base-port 27200
check "testnet init with TLS: a planted tls/node.key symlink does not receive the TLS key" \
  test ! -e "$T/stolen-tls"

section "item 9: config lines of any length, unknown sections and keys refused"
TN20="$T/testnet20"
run testnet init --validators 20 --dir "$TN20" --no-tls --base-port 28000
check "testnet init --validators 20 (exit $RC)" test "$RC" -eq 0
check "node0's peers line is over 199 characters" \
  bash -c 'test "$(grep "^peers" "$1" | wc -c)" -gt 200' _ "$TN20/node0/config.ini"
L="$T/longline"
run init --home "$L"
E2E_HOMES+=("$L")
port="$(e2e_port_base)" || { echo "e2e: no free block of ports" >&2; exit 2; }
# 176 blanks: inih's 199-character buffer ends one digit into the port.
pad="$(printf '%*s' 176 '')"
python3 - "$L/config.ini" "$pad" "$port" <<'EOF'
import sys
p, pad, port = sys.argv[1], sys.argv[2], sys.argv[3]
s = open(p).read().replace("validator_key = operator", "rpc = %stcp://127.0.0.1:%s\nvalidator_key = operator" % (pad, port))
open(p, "w").write(s)
EOF
check "the config's rpc line is over 199 characters" bash -c 'test "$(grep "^rpc" "$1" | wc -c)" -gt 200' _ "$L/config.ini"
check "a node with that config starts" node_start "$L"
check "and serves on the tcp port the long line names" \
  python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)' "$port"
node_stop "$L"
cp "$FOLIO_HOME/config.ini" "$T/config.orig"
printf 'bogus_key = 1\n' >>"$FOLIO_HOME/config.ini"
line=$(wc -l <"$FOLIO_HOME/config.ini")
run node status
check "an unknown key is refused with its line number: $(head -c 200 <<<"$ERR")" \
  grep -q "line $line: unknown key bogus_key" <<<"$ERR"
cp "$T/config.orig" "$FOLIO_HOME/config.ini"
printf '[nodes]\n' >>"$FOLIO_HOME/config.ini"
line=$(wc -l <"$FOLIO_HOME/config.ini")
run node status
check "an unknown section is refused with its line number: $(head -c 200 <<<"$ERR")" \
  grep -q "line $line: unknown section \[nodes\]" <<<"$ERR"
cp "$T/config.orig" "$FOLIO_HOME/config.ini"

section "item 13: liveness is a kernel lock"
sleep 300 &
BYSTANDER=$!
E2E_BG+=("$BYSTANDER")
echo "$BYSTANDER" >"$FOLIO_HOME/node.pid"
run node stop
check "node stop with a stale node.pid and no node: NOT_RUNNING (exit $RC)" test "$RC" -eq 1
sleep 0.3
check "the unrelated process named by node.pid was not signalled" kill -0 "$BYSTANDER"
rm -f "$FOLIO_HOME/node.pid"
ZOMBIE_OUT="$(python3 - "$FOLIO" "$FOLIO_HOME" <<'EOF'
# Runs a node as our child, SIGKILLs it and does not reap it (a zombie, as under a
# container without an init), then starts a new node on the same home at once.
import os, signal, subprocess, sys, time
folio, home = sys.argv[1], sys.argv[2]
log = open(os.path.join(home, "fg.log"), "w")
child = subprocess.Popen([folio, "node", "start", "--home", home], stdout=log, stderr=log)
for _ in range(300):
    if subprocess.run([folio, "node", "status", "--home", home], capture_output=True).returncode == 0:
        break
    time.sleep(0.1)
os.kill(child.pid, signal.SIGKILL)
time.sleep(0.3)  # dead, never waited for: a zombie
state = open("/proc/%d/stat" % child.pid).read().split(")")[1].split()[0]
r = subprocess.run([folio, "node", "start", "--detach", "--home", home], capture_output=True, text=True)
print("state=%s rc=%d %s" % (state, r.returncode, r.stderr.strip()[:200]))
child.wait()
EOF
)"
echo "        $ZOMBIE_OUT"
check "the killed node was a zombie when the new one started" grep -q "state=Z" <<<"$ZOMBIE_OUT"
check "a node SIGKILLed a moment ago (zombie) is restarted at once" grep -q "rc=0" <<<"$ZOMBIE_OUT"
check "it serves" node_alive
run node start --detach
check "a second start while it runs is refused: RUNNING (exit $RC)" \
  bash -c 'test "$1" -eq 1 && grep -q "already running" <<<"$2"' _ "$RC" "$ERR"

section "item 14: reports never written through a symlink"
for p in ccp:ccp clearing:clearing; do
  folio keys new "${p%%:*}" >/dev/null 2>&1
  folio participant register "${p%%:*}" --role "${p#*:}" --key "${p%%:*}" >/dev/null 2>&1
done
run cycle run --as clearing
check "a netting cycle (exit $RC)" test "$RC" -eq 0
echo "precious" >"$T/victim"
ln -s "$T/victim" "$T/report.html"
run cycle report 1 --html "$T/report.html"
check "cycle report --html onto a symlink (exit $RC)" test "$RC" -eq 0
check "the symlink's target is untouched" grep -qx precious "$T/victim"
check "the report replaced the symlink with a regular file" \
  bash -c 'test -f "$1" -a ! -L "$1" && grep -q "<html" "$1"' _ "$T/report.html"

section "item 7: no silent rollback"
for i in $(seq 1 20); do
  folio keys new "w$i" >/dev/null 2>&1
  folio participant register "w$i" --role broker --key "w$i" >/dev/null 2>&1
done
H_FULL="$(height_of "$FOLIO_HOME")"
check "the chain has grown (height $H_FULL)" test "${H_FULL:-0}" -ge 20
check "clean stop" node_stop
cp -a "$FOLIO_HOME" "$T/backup"
for k in flip cut; do
  cp -a "$T/backup" "$T/$k"
  rm -f "$T/$k/node.pid"
done
flip_byte "$(newest_wal "$T/flip")"
start_fg "$T/flip"
check "one flipped byte mid-log: the node refuses to start (exit $RC)" refused
check "and names the last good height: $(head -c 300 <<<"$ERR")" grep -q "last good block is height [0-9]" <<<"$ERR"
run chain verify --home "$T/flip"
check "chain verify does not say OK on it (exit $RC)" test "$RC" -ne 0
w="$(newest_wal "$T/cut")"
truncate -s $(($(stat -c %s "$w") / 2)) "$w"
start_fg "$T/cut"
check "a log cut short (RocksDB sees a torn tail): the node refuses to start (exit $RC)" refused
check "and says committed blocks were lost: $(head -c 300 <<<"$ERR")" \
  grep -q "lost committed blocks: it recovers only up to height [0-9]*, but this node had made height $H_FULL durable" <<<"$ERR"
run chain verify --home "$T/cut"
check "chain verify does not say OK on it (exit $RC)" test "$RC" -ne 0
rm -rf "$T/cut/data"
cp -a "$T/backup/data" "$T/cut/data"
E2E_HOMES+=("$T/cut")
check "restoring data/ from a backup (specs/state.md 6.3): the node starts" node_start "$T/cut"
check "at the full height $H_FULL" test "$(height_of "$T/cut")" = "$H_FULL"
node_stop "$T/cut"

section "item 17: corrupt, locked and running are told apart"
cp -a "$T/backup" "$T/manifest"
rm -f "$T/manifest/node.pid"
for m in "$T/manifest"/data/MANIFEST-*; do flip_byte "$m"; done
start_fg "$T/manifest"
check "a corrupt MANIFEST: refused (exit $RC)" refused
check "reported as corrupt, not as another node: $(head -c 300 <<<"$ERR")" \
  bash -c 'grep -q "is corrupt" <<<"$1" && ! grep -q "another node" <<<"$1"' _ "$ERR"
cp -a "$T/backup" "$T/locked"
rm -f "$T/locked/node.pid"
python3 "$PY_LOCK_HOLD" "$T/locked/data/LOCK" "$T/locked.ready" &
HOLDER=$!
E2E_BG+=("$HOLDER")
for _ in $(seq 1 50); do [ -e "$T/locked.ready" ] && break; sleep 0.1; done
start_fg "$T/locked"
check "a store locked by another process: refused (exit $RC)" refused
check "reported as locked by another process: $(head -c 300 <<<"$ERR")" \
  grep -q "locked by another process" <<<"$ERR"
kill "$HOLDER" 2>/dev/null

finish
