# End to end: a broker's workstation (specs/home.md §5). A client home made with
# `folio client init --node URL` (and `folio init --join URL`) holds no validator key and
# runs no node; it signs and reads against the exchange's node, with a default signer
# ([client] as, FOLIO_AS, --as wins), refuses a node of another chain; keys are
# imported, exported and deleted, optionally sealed under a passphrase; hints never
# suggest a key named after a typo or a home in the wrong folder. The node log carries
# a time and a level on every line.
. "$(dirname "$0")/lib.sh" "$@"

APPLE=US0378331005
C="$E2E_TMP/broker-a-desk"
URL="ipc://$FOLIO_HOME/node.sock"
SEC="$E2E_TMP/secrets"
mkdir -m 700 "$SEC"

qty() {
  folio account balance "$1" --json --home "${3:-$FOLIO_HOME}" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(next((b["quantity"] for b in d["balances"] if b["id"] == sys.argv[1]), 0))' "$2" 2>/dev/null
}

section "the exchange's node"
check "init" home_init
check "node start" node_start
folio keys new issuer >/dev/null
expect_ok "register issuer" participant register issuer --role issuer --key issuer
expect_ok "issue $APPLE" asset issue equity --isin "$APPLE" --name Apple --shares 1000 --to issuer --as issuer --risk R3

section "client init"
expect_ok "client init --node URL --as broker-a" client init --node "$URL" --as broker-a --home "$C" --json
check "   ... the chain id is the node's" test "$(printf '%s' "$OUT" | jget chain_id)" = "$(status_field chain_id)"
check "   ... the genesis hash is the node's" test "$(printf '%s' "$OUT" | jget genesis_hash)" = "$(status_field genesis_hash)"
check "   ... config.ini records node, genesis hash and default signer" \
  grep -qx "rpc = $URL" "$C/config.ini" -a -n "$(grep -x 'as = broker-a' "$C/config.ini")" -a \
  -n "$(grep -x "genesis_hash = $(status_field genesis_hash)" "$C/config.ini")"
check "   ... no key, no genesis, no data" test -z "$(ls "$C/keys")" -a ! -e "$C/genesis.bin" -a ! -e "$C/data"
expect_fail INIT_FAILED "client init again on the same home" client init --node "$URL" --home "$C"
expect_fail USAGE "client init --node with a bad URL" client init --node "http://x" --home "$E2E_TMP/c2"
expect_fail UNAVAILABLE "client init against no node" client init --node "ipc://$E2E_TMP/none.sock" --home "$E2E_TMP/c3"
check "   ... and leaves no home behind" test ! -e "$E2E_TMP/c3/config.ini"
expect_ok "init --join URL makes the same kind of home" init --join "$URL" --home "$E2E_TMP/c4"
check "   ... with the node's genesis hash" grep -qx "genesis_hash = $(status_field genesis_hash)" "$E2E_TMP/c4/config.ini"
run node start --detach --home "$C"
check "node start in a client home is refused (exit $RC)" \
  test "$RC" -ne 0 -a -n "$(grep 'client home' <<<"$ERR$(cat "$C/node.log" 2>/dev/null)")"
check "   ... and no node runs there" test ! -S "$C/node.sock"

section "the broker's key, registered by the exchange"
expect_ok "keys new broker-a in the client home" keys new broker-a --home "$C" --json
PUB="$(printf '%s' "$OUT" | jget pubkey)"
expect_ok "the registrar registers broker-a by its public key" participant register broker-a --role broker --key "$PUB"
expect_ok "issuer transfers 100 $APPLE to broker-a" transfer "$APPLE" 100 --to broker-a --as issuer
check_conserved

section "the client home submits and reads against the node"
h0="$(status_field height)"
expect_ok "transfer 30 from the client home, no --as ([client] as = broker-a)" \
  transfer "$APPLE" 30 --to issuer --home "$C"
check "   ... committed in the next block" test "$(status_field height)" = $((h0 + 1))
check "broker-a holds 70 (read from the client home)" test "$(qty broker-a "$APPLE" "$C")" = 70
check "issuer holds 930 (read from the node home)" test "$(qty issuer "$APPLE")" = 930
check_conserved
run transfer "$APPLE" 1 --to issuer --home "$C" --as nobody
check "--as wins over [client] as: NO_KEY for 'nobody' (exit 2)" test "$RC" -eq 2 -a -n "$(grep "no key named 'nobody' (--as)" <<<"$ERR")"
FOLIO_AS=ghost run transfer "$APPLE" 1 --to issuer --home "$C"
check "FOLIO_AS wins over [client] as: NO_KEY for 'ghost' (FOLIO_AS)" grep -q "no key named 'ghost' (FOLIO_AS)" <<<"$ERR"
check "   ... lists the keys there and suggests no key named after it" \
  test -n "$(grep 'keys here: broker-a' <<<"$ERR")" -a -z "$(grep 'keys new' <<<"$ERR")"
FOLIO_AS=broker-a run transfer "$APPLE" 1 --to issuer --home "$E2E_TMP/c4"
check "FOLIO_AS names the signer of a home without [client] as (no such key there: NO_KEY)" \
  grep -q "no key named 'broker-a' (FOLIO_AS)" <<<"$ERR"

section "a client home refuses a node of another chain"
cp -r "$C" "$E2E_TMP/other"
sed -i "s/^genesis_hash = .*/genesis_hash = $(printf '%064d' 7)/" "$E2E_TMP/other/config.ini"
h0="$(status_field height)"
expect_fail WRONG_CHAIN "a client home made for another genesis" transfer "$APPLE" 1 --to issuer --home "$E2E_TMP/other"
check "   ... nothing was submitted" test "$(status_field height)" = "$h0"

section "keys: export, delete, import"
expect_ok "export broker-a to a file" keys export broker-a --out "$SEC/broker-a.key" --home "$C"
check "   ... mode 0600" test "$(stat -c %a "$SEC/broker-a.key")" = 600
expect_fail EXISTS "export never overwrites a file" keys export broker-a --out "$SEC/broker-a.key" --home "$C"
expect_fail USAGE "delete without --yes" keys delete broker-a --home "$C"
expect_ok "delete --yes" keys delete broker-a --yes --home "$C"
run keys list --json --home "$C"
check "   ... gone from keys list" test "$(printf '%s' "$OUT" | jget keys)" = "[]"
expect_fail NO_KEY:2 "signing with the deleted key" transfer "$APPLE" 1 --to issuer --home "$C"
expect_ok "import it back" keys import broker-a "$SEC/broker-a.key" --home "$C" --json
check "   ... the same public key" test "$(printf '%s' "$OUT" | jget pubkey)" = "$PUB"
expect_ok "and it signs again" transfer "$APPLE" 10 --to issuer --home "$C"
check "broker-a holds 60" test "$(qty broker-a "$APPLE")" = 60
check_conserved
expect_fail IN_USE "the node's validator key is not deleted" keys delete operator --yes
printf 'not a key\n' >"$SEC/junk"
expect_fail BAD_KEY:2 "import of a file that is no key" keys import junk "$SEC/junk" --home "$C"
expect_fail EXISTS "import over an existing key" keys import broker-a "$SEC/broker-a.key" --home "$C"

section "keys sealed under a passphrase"
export FOLIO_PASSPHRASE='correct horse'
expect_ok "keys new --encrypt" keys new vault --encrypt --home "$C" --json
VPUB="$(printf '%s' "$OUT" | jget pubkey)"
check "   ... the file is sealed (folio-key-v1, no hex secret in the clear)" \
  grep -q '^folio-key-v1:scrypt:15:8:1:' "$C/keys/vault.key"
check "   ... keys list says encrypted" test "$(folio keys list --json --home "$C" | python3 -c '
import json, sys
print([k["encrypted"] for k in json.load(sys.stdin)["keys"] if k["name"] == "vault"][0])')" = True
expect_ok "the registrar registers vault" participant register vault --role broker --key "$VPUB"
expect_ok "issuer transfers 50 to vault" transfer "$APPLE" 50 --to vault --as issuer
h0="$(status_field height)"
FOLIO_PASSPHRASE=wrong run transfer "$APPLE" 5 --to issuer --as vault --home "$C"
check "a wrong passphrase is refused: BAD_PASSPHRASE, exit 2" \
  test "$RC" -eq 2 -a -n "$(grep 'wrong passphrase' <<<"$ERR")"
check "   ... nothing was submitted" test "$(status_field height)" = "$h0"
env -u FOLIO_PASSPHRASE setsid -w "$FOLIO" transfer "$APPLE" 5 --to issuer --as vault --home "$C" \
  >/dev/null 2>"$E2E_TMP/.nopass" </dev/null
RC=$?
ERR="$(cat "$E2E_TMP/.nopass")"
check "no passphrase and no terminal: NO_PASSPHRASE, exit 2" \
  test "$RC" -eq 2 -a -n "$(grep 'set FOLIO_PASSPHRASE' <<<"$ERR")"
expect_ok "the right passphrase signs" transfer "$APPLE" 5 --to issuer --as vault --home "$C"
check "vault holds 45" test "$(qty vault "$APPLE")" = 45
check_conserved
expect_ok "export the sealed key (stays sealed)" keys export vault --out "$SEC/vault.key" --home "$C"
check "   ... sealed" grep -q '^folio-key-v1:' "$SEC/vault.key"
FOLIO_PASSPHRASE=wrong run keys import vault2 "$SEC/vault.key" --home "$C"
check "import with a wrong passphrase: BAD_PASSPHRASE, exit 2, no key made" \
  test "$RC" -eq 2 -a ! -e "$C/keys/vault2.key"
expect_ok "import with the right one" keys import vault2 "$SEC/vault.key" --home "$C" --json
check "   ... the same public key, still sealed" \
  test "$(printf '%s' "$OUT" | jget pubkey)/$(printf '%s' "$OUT" | jget encrypted)" = "$VPUB/true"
FOLIO_PASSPHRASE=wrong run keys show vault2 --secret --home "$C"
check "show --secret with a wrong passphrase: refused, no secret printed" \
  test "$RC" -eq 2 -a -z "$(grep secret <<<"$OUT")"
expect_ok "export a clear key sealed (--encrypt)" keys export broker-a --encrypt --out "$SEC/a-sealed.key" --home "$C"
check "   ... sealed" grep -q '^folio-key-v1:' "$SEC/a-sealed.key"
python3 -c '
import sys
t = open(sys.argv[1]).read().rstrip("\n")
last = "0" if t[-1] != "0" else "1"
open(sys.argv[2], "w").write(t[:-1] + last + "\n")' "$SEC/vault.key" "$SEC/tampered.key"
run keys import tampered "$SEC/tampered.key" --home "$C"
check "an altered sealed key (one digit of its tag) is refused (exit 2)" \
  test "$RC" -eq 2 -a ! -e "$C/keys/tampered.key" -a "$(cmp -s "$SEC/vault.key" "$SEC/tampered.key"; echo $?)" = 1
unset FOLIO_PASSPHRASE

section "hints: never a home in the wrong folder, nor a key named after a typo"
run transfer "$APPLE" 1 --to issuer --as issuer --home "$E2E_TMP/typo-home"
check "--home of no home: NO_HOME, exit 2, no 'folio init' there" \
  test "$RC" -eq 2 -a -n "$(grep 'is not a folio home' <<<"$ERR")" -a -z "$(grep 'folio init' <<<"$ERR")"
check "   ... says to check --home" grep -q "check the --home you gave" <<<"$ERR"
FOLIO_HOME="$E2E_TMP/typo-env" run account balance issuer
check "FOLIO_HOME of no home: asks 'is FOLIO_HOME set ...?'" grep -q "is FOLIO_HOME set" <<<"$ERR"
(unset FOLIO_HOME; HOME="$E2E_TMP/nohome" run account balance issuer; echo "$ERR" >"$E2E_TMP/.hint")
check "no --home, no FOLIO_HOME: the default home, 'is FOLIO_HOME set?'" \
  grep -q "it is the default home.*is FOLIO_HOME set?" "$E2E_TMP/.hint"
run transfer "$APPLE" 1 --to issuer --as isuer
check "--as with a typo: the keys here, and no 'keys new isuer'" \
  test "$RC" -eq 2 -a -n "$(grep "no key named 'isuer' (--as)" <<<"$ERR")" -a -n "$(grep 'keys here: issuer, operator' <<<"$ERR")" -a -z "$(grep 'keys new' <<<"$ERR")"

section "the node log"
check "every line the node wrote has an ISO 8601 UTC time and a level" python3 -c '
import re, sys
lines = [l for l in open(sys.argv[1]).read().splitlines() if l]
pat = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO |WARN |ERROR) \S")
bad = [l for l in lines if not pat.match(l)]
if not lines or bad:
    print("bad lines:", bad[:3]); sys.exit(1)' "$FOLIO_HOME/node.log"
check "   ... e.g. the start: INFO node serving" grep -qE "Z INFO  node serving " "$FOLIO_HOME/node.log"
check_node_log_clean

finish
