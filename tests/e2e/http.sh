#!/usr/bin/env bash
# The HTTP/JSON API against a real node (specs/http.md), with real clients: curl on every
# route and on bad input, hostile raw-socket clients (slow, flooding, oversized, pipelined),
# /metrics parsed by the Prometheus text-format rules, the event stream, the two client
# examples (examples/http_transfer.py and .mjs) signing and submitting transfers, public
# reads switched off with participant credentials, and TLS.
. "$(dirname "$0")/lib.sh" "$@"

SRC="$(cd "$(dirname "$0")/../.." && pwd)"
PORT="$(e2e_port_base)" || { echo "e2e: no free block of ports" >&2; exit 2; }
API="http://127.0.0.1:$PORT"
ISIN=CNE100000296
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# get PATH [CURL ARGS...]: $CODE is the HTTP status, $BODY the body.
get() {
  local p="$1"
  shift
  BODY="$(curl -s -o - -w '\n%{http_code}' --max-time 30 "$@" "$API$p")"
  CODE="${BODY##*$'\n'}"
  BODY="${BODY%$'\n'*}"
}
post() {
  local p="$1" data="$2"
  shift 2
  get "$p" -X POST -H 'Content-Type: application/json' --data-binary "$data" "$@"
}
# is_error NAME: $BODY is {code, name: NAME, message} with a sentence.
is_error() {
  python3 -c '
import json, sys
d = json.loads(sys.argv[1])
ok = set(d) == {"code", "name", "message"} and isinstance(d["code"], int) and d["name"] == sys.argv[2] and len(d["message"]) > 5
sys.exit(0 if ok else 1)' "$BODY" "$1" 2>/dev/null
}
# expect_status DESC CODE [ERROR_NAME] -- the last get/post.
expect_status() {
  local desc="$1" want="$2" name="${3:-}"
  if [ "$CODE" = "$want" ] && { [ -z "$name" ] || is_error "$name"; }; then
    pass "$desc ($want${name:+ $name})"
  else
    fail "$desc: want $want${name:+ $name}, got $CODE: ${BODY:0:300}"
  fi
}

section "a node serving HTTP"
home_init
printf '[http]\nlisten = 127.0.0.1:%s\n' "$PORT" >>"$FOLIO_HOME/config.ini"
check "node start with [http] listen" node_start
for k in issuer broker; do folio keys new "$k" >/dev/null; done
folio participant register issuer --role issuer --key issuer >/dev/null
folio participant register broker --role broker --key broker >/dev/null
folio asset issue equity --isin "$ISIN" --name "示例公司" --shares 1000000 --to issuer --as issuer --risk R2 >/dev/null 2>&1
BROKER="$(folio participant show broker --json | jget account)"
ISSUER="$(folio participant show issuer --json | jget account)"
folio transfer "$ISIN" 1000 --to broker --as issuer >/dev/null

section "every route"
get /v1/status
expect_status "GET /v1/status" 200
HEIGHT="$(printf '%s' "$BODY" | jget height)"
TX="$(folio account history broker --json | jget movements.0.tx.id)"
# Each row: path, expected status. Every route of the method table appears (the unit suite
# checks the table; here each is reached through a real listener).
while read -r path want; do
  [ -n "$path" ] || continue
  get "$path"
  if [ "$CODE" = "$want" ] && printf '%s' "$BODY" | is_json; then
    pass "GET $path ($want, JSON)"
  else
    fail "GET $path: want $want, got $CODE: ${BODY:0:200}"
  fi
done <<EOF
/v1/actions 200
/v1/actions/1 404
/v1/assets 200
/v1/assets/$ISIN 200
/v1/accounts/broker/balances 200
/v1/accounts/$BROKER/balances?height=1 200
/v1/blocks/1 200
/v1/blocks/1?limit=1 200
/v1/assets/$ISIN/bond_schedule 404
/v1/contracts/0000000000000000000000000000000000000000 404
/v1/transactions/$TX/contract_result 404
/v1/controls 200
/v1/cycles/1 404
/v1/cycle_preview 200
/v1/cycles 200
/v1/evidence/head/broker 200
/v1/evidence/anchors/0000000000000000000000000000000000000000000000000000000000000000 404
/v1/accounts/broker/history 200
/v1/assets/$ISIN/holders 200
/v1/instructions 200
/v1/investors/broker 404
/v1/investors 200
/v1/participants/broker 200
/v1/participants 200
/v1/proofs/2/$(printf '62%s%s' "$(printf '%s' "$ISIN" | od -An -tx1 | tr -d ' \n')" "$BROKER") 200
/v1/queue 200
/v1/assets/$ISIN/rules 200
/v1/accounts/broker/statement?height=$HEIGHT 200
/v1/trades/1 404
/v1/trades 200
/v1/assets/$ISIN/transfer_check?quantity=1&from=broker&to=issuer 200
/v1/transactions/$TX 200
EOF
get /v1/assets/$ISIN
check "Chinese instrument name comes back as UTF-8" test "$(printf '%s' "$BODY" | jget name)" = "示例公司"
get "/v1/accounts/broker/balances"
check "balances carry the holding (1000)" test "$(printf '%s' "$BODY" | jget balances.0.quantity)" = 1000
post /v1/transactions/check '{"tx":"00"}'
expect_status "POST /v1/transactions/check with bad bytes" 200
post /v1/contracts/0000000000000000000000000000000000000000/query '{"from":"0000000000000000000000000000000000000000","input":"","gas":100000}'
check "POST contract query answers JSON ($CODE)" eval 'printf "%s" "$BODY" | is_json'
post /v1/node/stop '{}'
expect_status "POST /v1/node/stop (operator method)" 403 DENIED
post /v1/node/dev_time_advance '{"ms":1}'
expect_status "POST /v1/node/dev_time_advance (operator method)" 403 DENIED
check "the node still runs after the operator routes" node_alive

section "paging"
get "/v1/participants?limit=1"
N1="$(printf '%s' "$BODY" | jget next)"
check "a page of 1 participant has a next cursor" test -n "$N1" -a "$N1" != null
get "/v1/participants?limit=1&after=$N1"
check "the next page starts after the cursor" test "$(printf '%s' "$BODY" | jget participants.0.name)" != "$N1"
get "/v1/participants?after=zzzzzzzz"
expect_status "a cursor beyond the end: an empty page" 200
check "  ...with next null and no rows" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if d["next"] is None and d["participants"] == [] else 1)' "$BODY"
get "/v1/participants?limit=1001"
expect_status "limit above 1000" 400 INVALID
get "/v1/blocks/999999"
expect_status "a block beyond the tip" 404 NOT_FOUND

section "bad input"
get /v1/nope
expect_status "unknown path" 404 NOT_FOUND
get "/v1/assets?colour=red"
expect_status "unknown query parameter" 400 INVALID
get /v1/status -X DELETE
expect_status "DELETE on a GET route" 405 PROTOCOL
post /v1/transactions '{"txs": [' 
expect_status "malformed JSON" 400 DECODE
post /v1/transactions '{"txs": []}' -H 'Content-Type: text/plain'
expect_status "wrong content type" 415 INVALID
get /v1/transactions -X POST --data-binary '{"txs":[]}' -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked'
expect_status "chunked body" 501 PROTOCOL
get /v1/transactions -X POST -H 'Content-Type: application/json' -H 'Content-Length: 100000000' --data-binary ''
expect_status "a declared 100 MB body (refused before it is sent)" 413 TOO_LARGE
get /v1/assets/$ISIN/holders -X POST -H 'Content-Type: application/json' --data-binary '{}'
expect_status "POST on a GET route" 405 PROTOCOL
get "/v1/participants/a%00b"
expect_status "%00 in a path" 400 PROTOCOL
get /v1/status -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)"
expect_status "a head over 8 KiB" 431 TOO_LARGE
# The example transaction of specs/encoding.md §4.5 is signed for chain folio-test.
SPEC_TX="$(sed -n '/TL_SPEC_WIRE_HEX\[\] =/,/;/p' "$SRC/tests/testlib.h" | grep -o '"[0-9a-f]*"' | tr -d '"\n')"
post /v1/transactions "{\"txs\":[\"$SPEC_TX\"]}"
check "a transaction for another chain: 422 WRONG_CHAIN" test "$CODE/$(printf '%s' "$BODY" | jget name)" = 422/WRONG_CHAIN
get /v1/status
expect_status "the node answers after all of that" 200

section "hostile clients"
out="$(API_PORT=$PORT NODE_PID="$(node_pid)" timeout -k 5 120 python3 - <<'PY'
import os, socket, time
port = int(os.environ["API_PORT"])
def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    return s
def status_of(data):
    return data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/1.1 ") else "none"
def read_all(s):
    buf = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
    except OSError:
        pass
    return buf
# Pipelined: two requests in one write, two replies in order.
s = conn()
s.sendall(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")
d = read_all(s)
print("ok pipelined requests get two replies" if d.count(b"HTTP/1.1 200") == 2 else "FAIL pipelined: %r" % d[:200])
# Garbage instead of HTTP.
s = conn(); s.sendall(b"\x16\x03\x01\x00\xa5garbage\r\n\r\n")
d = read_all(s)
print("ok a TLS hello on the plain listener gets 400 and a close" if status_of(d) in ("400", "501") else "FAIL garbage: %r" % d[:100])
# A flood of idle connections: the cap evicts the idlest, the API still answers.
idle = []
for _ in range(400):
    try:
        idle.append(conn())
    except OSError:
        break
time.sleep(0.5)
s = conn(); s.sendall(b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")
d = read_all(s)
print("ok 400 idle connections: a new client is still served" if status_of(d) == "200" else "FAIL flood: %r" % d[:100])
closed = 0
for c in idle:
    c.setblocking(False)
    try:
        if c.recv(1) == b"":
            closed += 1
    except BlockingIOError:
        pass
    except OSError:
        closed += 1
print("ok the connection cap closed %d of 400 idle connections (at least 144)" % closed if closed >= 144 else "FAIL only %d idle connections were closed" % closed)
for c in idle:
    c.close()
# Stallers: 200 connections each declare a 30 MB submission, send 1 KiB of it and stall.
def rss_kib():
    for line in open("/proc/%s/status" % os.environ["NODE_PID"]):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
before = rss_kib()
stall = []
for _ in range(200):
    s = conn()
    s.sendall(b"POST /v1/transactions HTTP/1.1\r\nContent-Type: application/json\r\n"
              b"Content-Length: 30000000\r\n\r\n" + b"{" * 1024)
    stall.append(s)
time.sleep(1)
grown = (rss_kib() - before) // 1024
print("ok 200 stalled 30 MB bodies grow the node by %d MiB (at most 32)" % grown if grown <= 32 else "FAIL 200 stalled bodies grew the node by %d MiB" % grown)
s = conn(); s.sendall(b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")
d = read_all(s)
print("ok the API answers beside the stallers" if status_of(d) == "200" else "FAIL with stallers: %r" % d[:100])
for c in stall:
    c.close()
# Event streams: LDG_HTTP_SSE_MAX (64) at once, the next one 503.
subs = []
for _ in range(64):
    s = conn(); s.sendall(b"GET /v1/events HTTP/1.1\r\n\r\n")
    subs.append(s)
time.sleep(0.5)
s = conn(); s.sendall(b"GET /v1/events HTTP/1.1\r\n\r\n")
d = read_all(s)
print("ok the 65th event stream gets 503" if status_of(d) == "503" else "FAIL 65th stream: %r" % d[:100])
for c in subs:
    c.close()
# A slow client: half a head, then silence: 408 within the request timeout (20 s) + 3 s.
s = conn(); s.settimeout(30)
t0 = time.time()
s.sendall(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n")
d = read_all(s)
dt = time.time() - t0
print("ok a slow client gets 408 and is closed after %.1f s" % dt if status_of(d) == "408" and dt < 23 else "FAIL slow client: %r after %.1f s" % (d[:100], dt))
PY
)"
while IFS= read -r line; do
  case "$line" in
    ok\ *) pass "${line#ok }" ;;
    *) fail "$line" ;;
  esac
done <<<"$out"

section "operations"
get /healthz
expect_status "/healthz" 200
check "/healthz says ok" test "$(printf '%s' "$BODY" | jget status)" = ok
get /version
check "/version names the chain" test "$CODE/$(printf '%s' "$BODY" | jget chain_id)" = "200/$(status_field chain_id)"
get /v1/openapi.json
check "/v1/openapi.json is OpenAPI 3 with every route" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
paths = d["paths"]
ops = sum(len(v) for v in paths.values())
sys.exit(0 if d["openapi"].startswith("3.") and ops >= 36 and "/v1/accounts/{who}/balances" in paths else 1)' "$BODY"
# Two sub-chains registered by the committee (the operator): 'quick' with the shortest period
# (1 s), which the next block more than 1 s later marks STALE, and 'slow' (30 days), ACTIVE.
CHN_TOOL="$(dirname "$FOLIO")/tests/chn_tool"
for c in quick:1000 slow:2592000000; do
  folio init --home "$E2E_TMP/sub-${c%%:*}" --chain-id "sub-${c%%:*}" >/dev/null
  out="$("$CHN_TOOL" create "$FOLIO_HOME" "${c%%:*}" "$E2E_TMP/sub-${c%%:*}" "${c#*:}" 2>&1)"
  rc=$?
  check "sub-chain ${c%%:*} registered (period ${c#*:} ms): $(echo "$out" | tail -1)" test "$rc" -eq 0
done
sleep 1.5
folio transfer "$ISIN" 1 --to broker --as issuer >/dev/null
get /metrics
printf '%s\n' "$BODY" >"$E2E_TMP/metrics.txt"
check "/metrics parses as Prometheus text and has the node's figures" python3 - "$E2E_TMP/metrics.txt" "$(status_field height)" "$SRC/specs/http/grafana-dashboard.json" <<'PY'
import re, sys
# The text format (0.0.4): comments "# HELP name text" / "# TYPE name kind", samples
# "name{label="value",...} value"; a family's TYPE before its samples; histograms with
# cumulative _bucket{le=...} ending at +Inf equal to _count.
text = open(sys.argv[1]).read()
name_re = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
label_re = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
sample_re = re.compile(r"^(%s)(\{%s(?:,%s)*\})? (-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$" % (name_re, label_re, label_re))
types, samples = {}, {}
for line in text.splitlines():
    if not line:
        continue
    if line.startswith("# "):
        parts = line.split(" ", 3)
        assert parts[1] in ("HELP", "TYPE"), line
        if parts[1] == "TYPE":
            assert parts[3] in ("counter", "gauge", "histogram", "summary", "untyped"), line
            assert parts[2] not in types, "TYPE twice: " + line
            types[parts[2]] = parts[3]
        continue
    m = sample_re.match(line)
    assert m, "bad sample line: " + line
    name = m.group(1)
    family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
    assert family in types, "sample before its TYPE: " + line
    samples.setdefault(name, []).append((m.group(2) or "", float(m.group(3))))
def one(n):
    return samples[n][0][1]
assert one("folio_height") == float(sys.argv[2]), "height"
for n in ("folio_round", "folio_mempool_transactions", "folio_peers", "folio_validators_seen",
          "folio_signature_verifications_total"):
    assert n in samples, n
assert one("folio_signature_verifications_total") > 0
b = samples["folio_commit_latency_seconds_bucket"]
vals = [v for _, v in b]
assert vals == sorted(vals) and b[-1][0] == '{le="+Inf"}' and vals[-1] == one("folio_commit_latency_seconds_count")
assert one("folio_commit_latency_seconds_count") >= 1
assert any('name="WRONG_CHAIN"' in l for l, _ in samples["folio_admission_refusals_total"])
assert any('cf="state"' in l for l, _ in samples["folio_store_bytes"])
assert samples["folio_validator_missed_precommits_total"] == [('{validator="0"}', 0.0)]
assert any('status="404"' in l for l, _ in samples["folio_http_responses_total"])
# Per sub-chain: anchor age (main-chain block time since creation, none anchored yet), the
# last anchored height, and the status as a state set (one 1 per chain).
age = dict((l, v) for l, v in samples["folio_subchain_anchor_age_seconds"])
assert set(age) == {'{chain="quick"}', '{chain="slow"}'}, age
assert age['{chain="quick"}'] >= 1.0 and age['{chain="slow"}'] >= 1.0, age
assert dict(samples["folio_subchain_anchored_height"]) == {'{chain="quick"}': 0.0, '{chain="slow"}': 0.0}
st = dict(samples["folio_subchain_status"])
assert st['{chain="quick",status="STALE"}'] == 1 and st['{chain="quick",status="ACTIVE"}'] == 0, st
assert st['{chain="slow",status="ACTIVE"}'] == 1 and st['{chain="slow",status="STALE"}'] == 0, st
assert sum(st.values()) == 2, st
assert one("folio_subchains_unreadable") == 0
assert types["folio_subchain_status"] == "gauge" and types["folio_subchain_anchor_age_seconds"] == "gauge"
# Every series the sample Grafana dashboard queries is served.
import json
dash = json.load(open(sys.argv[3]))
for p in dash["panels"]:
    for t in p["targets"]:
        for m in re.findall(r"folio_[a-z_]+", t["expr"]):
            assert re.sub(r"_(bucket|sum|count)$", "", m) in types, "dashboard queries " + m
PY

section "events"
curl -sN --max-time 30 "$API/v1/events?account=$BROKER" >"$E2E_TMP/events.txt" 2>/dev/null &
E2E_BG+=("$!")
sleep 0.5
folio transfer "$ISIN" 5 --to broker --as issuer >/dev/null
T5="$(folio account history broker --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["movements"][-1]["tx"]["id"])')"
for _ in $(seq 1 50); do grep -q "$T5" "$E2E_TMP/events.txt" && break; sleep 0.1; done
check "the stream sends a receipt event for the broker's transfer" grep -q "\"id\":\"$T5\"" "$E2E_TMP/events.txt"
check "  ...and the block event with its height as id" grep -q '^event: block' "$E2E_TMP/events.txt"
curl -sN --max-time 2 -H 'Last-Event-ID: 1' "$API/v1/events" >"$E2E_TMP/replay.txt" 2>/dev/null
check "Last-Event-ID 1 replays from block 2" grep -q '^id: 2$' "$E2E_TMP/replay.txt"
get "/v1/events?account=xyz"
expect_status "a bad account filter" 400 INVALID

section "client examples"
run_example() {
  local out
  out="$("$@" --url "$API" --key "$FOLIO_HOME/keys/issuer.key" --isin "$ISIN" --quantity 3 --to broker 2>&1)"
  printf '%s' "$out" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read().strip().splitlines()[-1])
sys.exit(0 if d["status"] == "committed" and d["receipt"] == "OK" and d["balances_http"] == 200 else 1)' || {
    echo "        $out"
    return 1
  }
}
# broker_qty: the broker's holding, read over HTTP.
broker_qty() {
  get /v1/accounts/broker/balances
  printf '%s' "$BODY" | jget balances.0.quantity
}
B0="$(broker_qty)"
check "python example: committed, receipt OK, signed balance read 200" run_example python3 "$SRC/examples/http_transfer.py"
if command -v node >/dev/null && command -v npm >/dev/null; then
  if [ ! -d "$SRC/examples/node_modules/@noble/curves" ]; then
    (cd "$SRC/examples" && timeout 300 npm ci --no-audit --no-fund >"$E2E_TMP/npm.log" 2>&1) || tail -5 "$E2E_TMP/npm.log"
  fi
  check "node example: committed, receipt OK, signed balance read 200" run_example node "$SRC/examples/http_transfer.mjs"
  WANT=$((B0 + 6))
else
  echo "  skip  node example (node or npm is not installed)"
  WANT=$((B0 + 3))
fi
B1="$(broker_qty)"
check "the broker received what the examples sent ($B0 -> $WANT)" test "$B1" = "$WANT"

section "public reads off"
node_stop
printf 'public_reads = off\n' >>"$FOLIO_HOME/config.ini"
check "node start with public_reads = off" node_start
get /v1/status
expect_status "an unsigned read" 401 DENIED
get /v1/events
expect_status "an unsigned event stream" 401 DENIED
check "the python example still works (its requests are signed)" run_example python3 "$SRC/examples/http_transfer.py"
get /v1/status -H "X-Folio-Account: $ISSUER" -H "X-Folio-Time: 1" -H "X-Folio-Signature: $(printf '%0128d' 0)"
expect_status "a stale credential" 401 DENIED
get /healthz
expect_status "/healthz stays open" 200
# Role views: a regulator's credential reads every account's views and follows any stream;
# a broker's only its own (specs/http.md §5).
folio keys new reg >/dev/null
folio participant register reg --role regulator --key reg >/dev/null
check "roles: a regulator reads the broker's and the issuer's views, a broker only its own" \
  python3 - "$SRC/examples" "$API" "$FOLIO_HOME/keys" "$BROKER" "$ISSUER" "$ISIN" <<'PY'
import sys, urllib.request
sys.path.insert(0, sys.argv[1])
from http_transfer import Signer, call
api, keys, broker, issuer, isin = sys.argv[2:7]
genesis = call(api, "/version")[1]["genesis_hash"]
def signer(name):
    return Signer(int(open("%s/%s.key" % (keys, name)).read().strip(), 16), genesis)
reg, brk = signer("reg"), signer("broker")
def status(path, who):
    return call(api, path, signer=who)[0]
def stream(path, who):
    req = urllib.request.Request(api + path, headers=who.headers("GET", path, b""))
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.readline()
    except urllib.error.HTTPError as e:
        return e.code, b""
got = {
    "reg broker balances": status("/v1/accounts/%s/balances" % broker, reg),
    "reg issuer history": status("/v1/accounts/%s/history" % issuer, reg),
    "reg issuer statement": status("/v1/accounts/issuer/statement?height=2", reg),
    "broker own balances": status("/v1/accounts/%s/balances" % broker, brk),
    "broker issuer balances": status("/v1/accounts/%s/balances" % issuer, brk),
    "broker issuer history": status("/v1/accounts/issuer/history", brk),
    "reg events instrument": stream("/v1/events?instrument=" + isin, reg)[0],
    "broker events instrument": stream("/v1/events?instrument=" + isin, brk)[0],
}
want = {"reg broker balances": 200, "reg issuer history": 200, "reg issuer statement": 200,
        "broker own balances": 200, "broker issuer balances": 403, "broker issuer history": 403,
        "reg events instrument": 200, "broker events instrument": 403}
print("        " + ", ".join("%s %s" % kv for kv in got.items()))
sys.exit(0 if got == want else 1)
PY

section "TLS"
node_stop
folio tls ca --dir "$E2E_TMP/ca" >/dev/null
folio tls issue --ca-dir "$E2E_TMP/ca" --role observer --name api --out "$E2E_TMP/cert" --host 127.0.0.1 >/dev/null
sed -i '/^public_reads/d' "$FOLIO_HOME/config.ini"
printf 'tls = on\n[tls]\ncert = %s\nkey = %s\n' "$E2E_TMP/cert/node.crt" "$E2E_TMP/cert/node.key" >>"$FOLIO_HOME/config.ini"
check "node start with [http] tls = on" node_start
check "https: /v1/status answers over TLS (CA-verified)" eval "curl -s --max-time 10 --cacert '$E2E_TMP/ca/ca.crt' https://127.0.0.1:$PORT/v1/status | is_json"
check "plain http on the TLS listener gets no reply" eval "! curl -s --max-time 3 http://127.0.0.1:$PORT/v1/status | is_json"
node_stop
check_node_log_clean
finish
