#!/usr/bin/env bash
# Hostile clients against the node's replies (issue 12, items 1, 2, 6 and 11), through the
# real binary and a raw SP client (tests/e2e/tools/sp_client.py: python3 and Debian's
# python3-msgpack) that sends what the CLI never would:
#  1. text that is not UTF-8 (a surrogate, an overlong form, a code point above U+10FFFF)
#     as a method name and as the argument of participant, asset, holders, balance,
#     bond_schedule, rules, transfer_check: each gets a clean error reply, the node lives;
#  2. an equity whose name holds such text is refused at admission (BAD_TEXT), and
#     asset/holders/assets/balance keep working with every issued instrument visible;
#  6. a block of 64 KiB transactions of 65,000 empty arrays: `block H` stays small and
#     `folio block show H` works;
# 11. lists are paged: following "next" with a small limit visits every row once, and the
#     CLI says when there is more.
# Every check fails against the binary before issue 12 (it crashed, or had no paging).
. "$(dirname "$0")/lib.sh" "$@"

TOOLS="$(cd "$(dirname "$0")/tools" && pwd)"
FORGE="${TX_FORGE:-$(dirname "$FOLIO")/tests/tx_forge}"
PY=python3
/usr/bin/python3 -c 'import msgpack' 2>/dev/null && PY=/usr/bin/python3
if ! "$PY" -c 'import msgpack' 2>/dev/null; then
  echo "e2e: python3-msgpack is required (scripts/deps.sh installs it)" >&2
  exit 2
fi

cat >"$E2E_TMP/h.py" <<'PYEOF'
import json, sys
sys.path.insert(0, sys.argv[1])
import msgpack
from sp_client import call, NoReply

url = sys.argv[2]
BAD = {"surrogate": b"x\xed\xa0\x80", "overlong": b"\xe0\x80\x80",
       "above": b"\xf4\x90\x80\x80", "truncated": b"ab\xe2\x82"}

def rawstr(b):  # a msgpack str holding any bytes (msgpack.packb would encode UTF-8)
    assert len(b) < 32
    return bytes([0xa0 | len(b)]) + b

def request(items):
    out = bytes([0x90 | len(items)])
    for it in items:
        out += it if isinstance(it, bytes) else msgpack.packb(it)
    return out

def send(items):
    try:
        st, text, size = call(url, request(items))
    except NoReply as e:
        return {"noreply": str(e)}
    except Exception as e:
        return {"badreply": repr(e)}
    try:
        j = json.loads(text)
    except Exception:
        return {"status": st, "notjson": text[:200], "bytes": size}
    return {"status": st, "json": j, "bytes": size}

cmd = sys.argv[3]
if cmd == "bad":  # bad METHOD VARIANT [EXTRA_ARG_COUNT]
    method, variant = sys.argv[4], BAD[sys.argv[5]]
    if method == "-":
        items = [rawstr(variant)]
    elif method == "transfer_check":
        items = ["transfer_check", rawstr(variant), 1, "alice", "bob"]
    else:
        items = [method, rawstr(variant)]
    print(json.dumps(send(items)))
elif cmd == "call":  # call JSON_ARRAY
    print(json.dumps(send(json.loads(sys.argv[4]))))
elif cmd == "follow":  # follow JSON_ARRAY_PREFIX ROWS_FIELD KEY_FIELD LIMIT
    prefix, rows_f, key_f, limit = json.loads(sys.argv[4]), sys.argv[5], sys.argv[6], int(sys.argv[7])
    after, keys, pages = None, [], 0
    while pages < 1000:
        r = send(prefix + [after, limit])
        pages += 1
        if "json" not in r or r["status"] != 0:
            print(json.dumps({"error": r})); sys.exit(0)
        rows = r["json"][rows_f]
        if len(rows) > limit:
            print(json.dumps({"error": "page of %d rows over limit %d" % (len(rows), limit)})); sys.exit(0)
        keys += [row[key_f] if key_f != "-" else json.dumps(row, sort_keys=True) for row in rows]
        after = r["json"].get("next")
        if after is None:
            break
    print(json.dumps({"pages": pages, "keys": keys}))
PYEOF
h() { "$PY" "$E2E_TMP/h.py" "$TOOLS" "$RPC_URL" "$@"; }

# alive_or_restart: the node answers; if it died, say so and restart it so that the next
# check is judged on its own.
alive_or_restart() {
  if node_alive; then return 0; fi
  node_kill9 >/dev/null 2>&1
  node_start >/dev/null 2>&1
  return 1
}

# reply_is_error JSON_LINE: a reply came, with a non-zero status and a JSON error object
# whose message is a sentence.
reply_is_error() {
  printf '%s' "$1" | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
ok = r.get("status", 0) != 0 and isinstance(r.get("json"), dict) and "error" in r["json"] \
     and len(r["json"].get("message", "")) >= 10
sys.exit(0 if ok else 1)'
}

section "setup: a --dev node, an issuer, two investors"
check "init" home_init
run node start --detach --dev
check "node start --dev" test "$RC" -eq 0
RPC_URL="ipc://$FOLIO_HOME/node.sock"
CHAIN_ID="$(status_field chain_id)"
for k in issuer alice bob mallory; do folio keys new "$k" >/dev/null; done
for p in issuer:issuer alice:investor bob:investor mallory:investor; do
  run participant register "${p%%:*}" --role "${p#*:}" --key "${p%%:*}"
  [ "$RC" -eq 0 ] || { fail "register $p"; show_last; }
done
GOOD=US0378331005
expect_ok "issue equity $GOOD" asset issue equity --isin "$GOOD" --name "Good Co" --shares 1000 --to issuer --as issuer
expect_ok "transfer 10 $GOOD to alice" transfer "$GOOD" 10 --to alice --as issuer

# ---- item 1 --------------------------------------------------------------------------
section "item 1: text that is not UTF-8 in a request gets an error reply, the node lives"
for variant in surrogate overlong above; do
  for m in - participant asset holders balance bond_schedule rules transfer_check actions trades; do
    r="$(h bad "$m" "$variant")"
    label="$m"
    [ "$m" = - ] && label="method name"
    if reply_is_error "$r" && alive_or_restart; then
      pass "$variant in $label: error reply $(printf '%s' "$r" | "$PY" -c 'import json,sys; r=json.load(sys.stdin); print(r["json"]["error"], r["status"])')"
    else
      fail "$variant in $label: $(printf '%s' "$r" | head -c 200)"
      alive_or_restart || fail "   ... and the node died"
    fi
  done
done

# ---- item 2 --------------------------------------------------------------------------
section "item 2: an equity named with such text is refused at admission"
BADISIN=US5949181045
run asset issue equity --isin "$BADISIN" --name $'Bad\xed\xa0\x80Name' --shares 500 --to issuer --as issuer --json
code="$(printf '%s' "$OUT" | jget error.code 2>/dev/null || printf '%s' "$OUT" | jget receipt.name 2>/dev/null)"
if [ "$RC" -eq 1 ] && [ "$code" = BAD_TEXT ]; then
  pass "refused at admission: BAD_TEXT"
else
  fail "issue with a surrogate in the name: exit $RC, code '$code' (want exit 1, BAD_TEXT)"
fi
alive_or_restart || fail "the node died after the issue"
for name in $'Over\xe0\x80\x80long' $'Big\xf4\x90\x80\x80'; do
  run asset issue equity --isin "$BADISIN" --name "$name" --shares 500 --to issuer --as issuer --json
  code="$(printf '%s' "$OUT" | jget error.code 2>/dev/null || printf '%s' "$OUT" | jget receipt.name 2>/dev/null)"
  if [ "$RC" -eq 1 ] && [ "$code" = BAD_TEXT ]; then pass "refused: $(printf '%q' "$name")"; else fail "issue named $(printf '%q' "$name"): exit $RC, code '$code'"; fi
  alive_or_restart || fail "the node died after the issue"
done
run asset show "$BADISIN" --json
check "asset show $BADISIN: not found, and the node answers" test "$RC" -eq 1
alive_or_restart || fail "asset show killed the node"
expect_ok "asset show $GOOD" asset show "$GOOD"
expect_ok "asset holders $GOOD" asset holders "$GOOD"
expect_ok "asset list" asset list --json
ids="$(printf '%s' "$OUT" | "$PY" -c 'import json,sys; print(" ".join(sorted(a["id"] for a in json.load(sys.stdin)["assets"])))')"
# every instrument an issue committed with OK is listed: ask the chain which issues did
issued="$(for hgt in $(seq 1 "$(status_field height)"); do folio block show "$hgt" --json 2>/dev/null; done | "$PY" -c '
import json, sys
dec = json.JSONDecoder(); s = sys.stdin.read(); i = 0; out = set()
while i < len(s):
    while i < len(s) and s[i].isspace(): i += 1
    if i >= len(s): break
    b, i = dec.raw_decode(s, i)
    for t in b.get("txs", []):
        if t.get("type_name", "").startswith("asset.issue") and t["receipt"]["name"] == "OK":
            out.add(t["payload"][0] if t.get("payload") else "?")
print(" ".join(sorted(out)))')"
check "every committed issue is listed by asset list ('$issued' vs '$ids')" test "$issued" = "$ids"
run account balance issuer --json
check "account balance issuer lists $GOOD" test "$(printf '%s' "$OUT" | jget balances.0.id 2>/dev/null)" = "$GOOD"
alive_or_restart || fail "the node died"

# ---- item 6 --------------------------------------------------------------------------
section "item 6: a block of 64 KiB transactions of 65,000 empty arrays"
if [ ! -x "$FORGE" ]; then
  fail "the tx_forge test tool is built ($FORGE)"
else
  now_ms="$(status_field time_ms)"
  # 100 of them in one request, so they land in one block (6.5 MB): the reply before issue 12
  # was ~20 MB of JSON (over the client's 16 MiB limit) and ~850 MB of JSON objects.
  out="$("$FORGE" "$FOLIO_HOME" mallory "$CHAIN_ID" 999 65000 $((now_ms + 300000)) 100 "$E2E_TMP/big.req")" || fail "tx_forge"
  first="$(printf '%s\n' "$out" | sed -n '1s/^id //p')"
  r="$("$PY" "$TOOLS/sp_client.py" "$RPC_URL" < <(od -An -tx1 -v "$E2E_TMP/big.req" | tr -d ' \n'))"
  acc="$(printf '%s' "$r" | "$PY" -c 'import json,sys; r=json.load(sys.stdin); j=json.loads(r["json"]); print(j["accepted"], (j["rejected"] or [{}])[0].get("name",""))' 2>/dev/null)"
  e2e_log "        submitted 100 transactions of $(printf '%s\n' "$out" | sed -n 's/^bytes //p') bytes: accepted, first refusal: $acc"
  height=""
  for _ in $(seq 1 150); do
    t="$(folio tx show "$first" --json 2>/dev/null)"
    height="$(printf '%s' "$t" | jget height 2>/dev/null)" && break
    sleep 0.2
  done
  if [ -z "$height" ]; then
    pass "admission refused the transactions (nothing to show; the reply side is checked by the unit tests)"
  else
    t0=$(date +%s%N)
    r="$(h call "[\"block\", $height]")"
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    verdict="$(printf '%s' "$r" | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
if r.get("status") != 0: print("no block reply: %s" % str(r)[:200]); sys.exit(1)
n = len(r["json"]["txs"]); b = r["bytes"]
print("%d bytes for %d of %d transactions" % (b, n, r["json"]["tx_count"]))
sys.exit(0 if b <= 4096 + 16384 * n else 1)')"
    if [ $? -eq 0 ]; then
      pass "block $height reply: $verdict in $ms ms (payloads over the budget are not rendered)"
    else
      fail "block $height reply: $verdict in $ms ms (want at most 16 KiB a transaction)"
    fi
    expect_ok "folio block show $height" block show "$height"
    expect_ok "folio tx show $first" tx show "$first"
    check "tx show says the payload is not shown" grep -q "not shown" <<<"$OUT"
  fi
  alive_or_restart || fail "the node died"
fi

# ---- item 11 -------------------------------------------------------------------------
section "item 11: lists are paged with a cursor"
for k in p01 p02 p03 p04 p05 p06 p07; do
  folio keys new "$k" >/dev/null
  run participant register "$k" --role investor --key "$k"
done
for i in 1 2 3 4 5; do
  run transfer "$GOOD" "$i" --to "p0$i" --as issuer
done
run participant list --json
all="$(printf '%s' "$OUT" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["participants"]))' 2>/dev/null)"
# follow_check DESC PREFIX_JSON ROWS KEY LIMIT WANT_COUNT
follow_check() {
  local r
  r="$(h follow "$2" "$3" "$4" "$5")"
  if printf '%s' "$r" | "$PY" -c '
import json, sys
r = json.load(sys.stdin); want = int(sys.argv[1]); limit = int(sys.argv[2])
if "error" in r: print(r["error"]); sys.exit(1)
k = r["keys"]
ok = len(k) == want and len(set(k)) == want and r["pages"] >= (want + limit - 1) // limit and r["pages"] > 1
print("%d rows in %d pages, %d distinct" % (len(k), r["pages"], len(set(k))))
sys.exit(0 if ok else 1)' "$6" "$5" >"$E2E_TMP/.follow"; then
    pass "$1: $(cat "$E2E_TMP/.follow")"
  else
    fail "$1: $(cat "$E2E_TMP/.follow") (want $6 rows, each once, over several pages)"
  fi
}
follow_check "participants by 3" '["participants"]' participants name 3 "${all:-12}"
follow_check "holders of $GOOD by 2" "[\"holders\", \"$GOOD\"]" holders account 2 7
run participant list --limit 3
check "participant list --limit 3 says there is more" grep -q "^more: folio participant list --after" <<<"$OUT"
run participant list --limit 3 --json
check "participant list --limit 3 --json carries next" test -n "$(printf '%s' "$OUT" | jget next 2>/dev/null)"
nxt="$(printf '%s' "$OUT" | jget next 2>/dev/null)"
run participant list --limit 3 --after "$nxt" --json
first_after="$(printf '%s' "$OUT" | jget participants.0.name 2>/dev/null)"
check "--after the cursor gives the next rows ('$first_after' after '$nxt')" test -n "$nxt" -a -n "$first_after" -a "$first_after" '>' "$nxt"
run asset holders "$GOOD" --limit 2
check "asset holders --limit 2 says there is more" grep -q "^more: folio asset holders $GOOD --after" <<<"$OUT"
r="$(h call '["participants", null, 1001]')"
check "a limit over LDG_QUERY_PAGE_MAX is refused" reply_is_error "$r"

check_node_log_clean
finish
