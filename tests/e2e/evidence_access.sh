#!/usr/bin/env bash
# Who may read a broker's evidence store (specs/evidence.md §2.4, rpc.md §1.2, http.md §5):
# the slice files (the plaintext of the logs) go to a request signed by a consortium member
# (a registered participant with a role other than investor), the same rule on the RPC
# socket (a `signed` envelope) and over HTTP (the signed headers). An anonymous caller, the
# old ["evidence", "slice", …] form, an investor, a forged, stale or unregistered signature:
# DENIED with a sentence and no byte of the slice. `evidence restore --from URL` signs as
# its member and gets the slice; as an investor it is refused.
. "$(dirname "$0")/lib.sh" "$@"

SRC="$(cd "$(dirname "$0")/../.." && pwd)"
TOOLS="$SRC/tests/e2e/tools"
PORT="$(e2e_port_base)" || { echo "e2e: no free block of ports" >&2; exit 2; }
URL="tcp://127.0.0.1:$PORT"
API="http://127.0.0.1:$((PORT + 1))"
cd "$E2E_TMP" || exit 2

# pycheck: python (spclient and the example's signer importable) printing "ok …"/"FAIL …".
pycheck() {
  local line out
  out="$(PYTHONPATH="$TOOLS:$SRC/examples" URL="$URL" API="$API" ROOT="$ROOT" KEYS="$FOLIO_HOME/keys" \
    timeout -k 5 120 python3 -c "$1" 2>&1)"
  [ -n "$out" ] || out="FAIL python printed nothing"
  while IFS= read -r line; do
    case "$line" in
      "ok "*) pass "${line#ok }" ;;
      "FAIL "*) fail "${line#FAIL }" ;;
      *) fail "python: $line" ;;
    esac
  done <<<"$out"
}

section "a dev node on tcp ($URL) and HTTP; a broker, a regulator, an investor"
home_init || { fail "init"; finish; }
sed -i "s|^# rpc = .*|rpc = $URL|" "$FOLIO_HOME/config.ini"
printf '[http]\nlisten = 127.0.0.1:%s\n' "$((PORT + 1))" >>"$FOLIO_HOME/config.ini"
run node start --detach --dev
check "node start --dev" test "$RC" -eq 0
for p in broker:broker keeper:regulator alice:investor; do
  folio keys new "${p%%:*}" >/dev/null
  expect_ok "register ${p%%:*} (${p#*:})" participant register "${p%%:*}" --role "${p#*:}" --key "${p%%:*}"
done
T=$(($(date -u +%s%3N) - 60000))
printf '%s\tdisclosure\t-\tinvestor=alice isin=CNE100000296 SECRET-PLAINTEXT\n' "$T" >day.log
expect_ok "evidence ingest day.log --as broker" evidence ingest day.log --as broker
ROOT="$(basename "$(ls "$FOLIO_HOME"/evidence/*.slice)" .slice)"
check "one slice, anchored" test -f "$FOLIO_HOME/evidence/$ROOT.anchor"

section "the RPC socket: anonymous and non-member requests are DENIED, no byte of the slice"
pycheck '
import os, time, hashlib, spclient
from http_transfer import bip340_sign, tagged_hash, xonly
root = bytes.fromhex(os.environ["ROOT"])
c = spclient.connect(os.environ["URL"])
genesis = c.call("status")[1]["genesis_hash"]
def key(name):
    return int(open("%s/%s.key" % (os.environ["KEYS"], name)).read().strip(), 16)
def signed(secret, req, t=None, account=None, gen=genesis):
    t = int(time.time() * 1000) if t is None else t
    text = "folio-rpc-v1\n%s\n%d\n%s" % (gen, t, hashlib.sha256(req).hexdigest())
    sig = bip340_sign(secret, hashlib.sha256(text.encode()).digest())
    acc = account or tagged_hash("folio/account", xonly(secret))[:20]
    return spclient.pack(["signed", acc, t, sig, req])
def reply(body):
    st, text, _ = spclient.call(os.environ["URL"], body)
    return st, text
new = spclient.pack(["evidence_slice", root, 0])
old = spclient.pack(["evidence", "slice", root, 0])
lst = spclient.pack(["evidence_slices", 0])
plain = b"SECRET-PLAINTEXT".hex()
def refused(desc, body):
    st, text = reply(body)
    ok = "\"DENIED\"" in text and "\"message\"" in text and plain not in text and st != 0
    print(("ok " if ok else "FAIL ") + "%s: DENIED (%s)" % (desc, text[:150]))
refused("anonymous [\"evidence\", \"slice\", ROOT, 0] (the old form)", old)
refused("anonymous [\"evidence_slice\", ROOT, 0]", new)
refused("anonymous [\"evidence_slices\", AFTER]", lst)
refused("the old form signed by the regulator", signed(key("keeper"), old))
refused("signed by the investor", signed(key("alice"), new))
refused("the investor listing the store", signed(key("alice"), lst))
refused("signed by a key no participant has", signed(12345, new))
refused("the broker named, the investor signing", signed(key("alice"), new, account=tagged_hash("folio/account", xonly(key("broker")))[:20]))
refused("a credential 5 minutes old", signed(key("keeper"), new, t=int(time.time() * 1000) - 300000))
refused("signed for another chain", signed(key("keeper"), new, gen="00" * 32))
st, text = reply(signed(key("keeper"), new))
print(("ok " if st == 0 and "\"data\"" in text else "FAIL ") + "signed by the regulator (a member): the slice (%s)" % text[:80])
st, text = reply(signed(key("broker"), lst))
print(("ok " if st == 0 and os.environ["ROOT"] in text else "FAIL ") + "the broker lists the store: its slice (%s)" % text[:80])
'

section "the listing reads the store's index, not its folder"
# A sidecar put in the folder by hand (not through an anchor, a mirror or a restore) is not
# in the index: a listing that scanned the folder would offer it.
printf '%064d\n' 0 >"$FOLIO_HOME/evidence/$(printf 'ab%.0s' $(seq 32)).anchor"
pycheck '
import os, time, hashlib, spclient
from http_transfer import bip340_sign, tagged_hash, xonly
c = spclient.connect(os.environ["URL"])
genesis = c.call("status")[1]["genesis_hash"]
secret = int(open("%s/keeper.key" % os.environ["KEYS"]).read().strip(), 16)
req = spclient.pack(["evidence_slices", 0])
t = int(time.time() * 1000)
text = "folio-rpc-v1\n%s\n%d\n%s" % (genesis, t, hashlib.sha256(req).hexdigest())
sig = bip340_sign(secret, hashlib.sha256(text.encode()).digest())
body = spclient.pack(["signed", tagged_hash("folio/account", xonly(secret))[:20], t, sig, req])
st, text, _ = spclient.call(os.environ["URL"], body)
import json
j = json.loads(text) if st == 0 else {}
ok = j.get("slices") == [os.environ["ROOT"]] and j.get("next") == 1 and j.get("more") is False
print(("ok " if ok else "FAIL ") + "evidence_slices from 0: the one anchored slice, next 1, no more (%s)" % text[:120])
'

section "HTTP: the same rule, by the signed headers"
pycheck '
import os
from http_transfer import Signer, call
api, root = os.environ["API"], os.environ["ROOT"]
genesis = call(api, "/version")[1]["genesis_hash"]
def signer(name):
    return Signer(int(open("%s/%s.key" % (os.environ["KEYS"], name)).read().strip(), 16), genesis)
path = "/v1/evidence/slices/%s?offset=0" % root
for desc, who, want in (("anonymous", None, 403), ("the investor", signer("alice"), 403),
                        ("the regulator", signer("keeper"), 200), ("the broker", signer("broker"), 200)):
    st, body = call(api, path, signer=who)
    ok = st == want and (want == 200) == ("data" in (body or {}))
    print(("ok " if ok else "FAIL ") + "GET %s... as %s: %d" % (path[:30], desc, st))
st, body = call(api, "/v1/evidence/slices", signer=signer("keeper"))
print(("ok " if st == 200 and root in body.get("slices", []) else "FAIL ") + "GET /v1/evidence/slices as the regulator: %d" % st)
'

section "evidence restore --from the node signs as its member"
mkdir -p mirror-a mirror-b
expect_ok "restore as the regulator (a member)" evidence restore --slice "$ROOT" --from "$URL" --as keeper --store mirror-a
check "   the slice is in the other store" cmp -s "$FOLIO_HOME/evidence/$ROOT.slice" "mirror-a/$ROOT.slice"
expect_fail UNAVAILABLE "restore as the investor" evidence restore --slice "$ROOT" --from "$URL" --as alice --store mirror-b
check "   says DENIED: members only" grep -q "DENIED" <<<"$FAIL_SENTENCE"
check "   nothing installed" test ! -e "mirror-b/$ROOT.slice"

check_node_log_clean
finish
