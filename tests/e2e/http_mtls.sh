#!/usr/bin/env bash
# The HTTP API's client-certificate credential (specs/http.md §5) with curl --cert against a
# real node over TLS with public reads off: a participant's certificate (OU participant, CN
# its account, issued by the [tls] ca) unlocks its own views as a signed request does;
# another participant's view is 403; a certificate from another CA, of another role, or for
# an account that is no participant, or revoked is 401; no certificate is 401 on reads and the
# operations endpoints stay open.
. "$(dirname "$0")/lib.sh" "$@"

PORT="$(e2e_port_base)" || { echo "e2e: no free block of ports" >&2; exit 2; }
API="https://127.0.0.1:$PORT"
CA="$E2E_TMP/ca"

# get PATH [CURL ARGS...]: $CODE is the HTTP status, $BODY the body.
get() {
  local p="$1"
  shift
  BODY="$(curl -s -o - -w '\n%{http_code}' --max-time 30 --cacert "$CA/ca.crt" "$@" "$API$p")"
  CODE="${BODY##*$'\n'}"
  BODY="${BODY%$'\n'*}"
}
# as WHO: curl arguments presenting the certificate issued into $E2E_TMP/WHO.
as() { printf -- '--cert\n%s\n--key\n%s\n' "$E2E_TMP/$1/node.crt" "$E2E_TMP/$1/node.key"; }
# expect_status DESC CODE [ERROR_NAME]: the last get; an error body is {code, name, message}.
expect_status() {
  local desc="$1" want="$2" name="${3:-}"
  if [ "$CODE" = "$want" ] && { [ -z "$name" ] || python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if set(d) == {"code", "name", "message"} and d["name"] == sys.argv[2] and len(d["message"]) > 5 else 1)' "$BODY" "$name" 2>/dev/null; }; then
    pass "$desc ($want${name:+ $name})"
  else
    fail "$desc: want $want${name:+ $name}, got $CODE: ${BODY:0:300}"
  fi
}

section "a node serving HTTPS with public reads off and [tls] ca"
home_init
folio tls ca --dir "$CA" >/dev/null
folio tls ca --dir "$E2E_TMP/rogue-ca" >/dev/null
folio tls issue --ca-dir "$CA" --role observer --name api --out "$E2E_TMP/api" --host 127.0.0.1 >/dev/null
printf '[http]\nlisten = 127.0.0.1:%s\ntls = on\npublic_reads = off\n[tls]\nca = %s\ncert = %s\nkey = %s\n' \
  "$PORT" "$CA/ca.crt" "$E2E_TMP/api/node.crt" "$E2E_TMP/api/node.key" >>"$FOLIO_HOME/config.ini"
check "node start" node_start
for k in issuer broker; do folio keys new "$k" >/dev/null; done
folio participant register issuer --role issuer --key issuer >/dev/null
folio participant register broker --role broker --key broker >/dev/null
BROKER="$(folio participant show broker --json | jget account)"
ISSUER="$(folio participant show issuer --json | jget account)"
check "participants registered" test -n "$BROKER" -a -n "$ISSUER"

section "issuing participant certificates"
check "folio tls issue --role participant --name ACCOUNT" eval \
  "folio tls issue --ca-dir '$CA' --role participant --name '$BROKER' --out '$E2E_TMP/broker' >/dev/null"
folio tls issue --ca-dir "$CA" --role participant --name "$ISSUER" --out "$E2E_TMP/issuer" >/dev/null
folio tls issue --ca-dir "$E2E_TMP/rogue-ca" --role participant --name "$BROKER" --out "$E2E_TMP/rogue" >/dev/null
folio tls issue --ca-dir "$CA" --role participant --name 0123456789abcdef0123456789abcdef01234567 \
  --out "$E2E_TMP/ghost" >/dev/null
check "a participant's name is its account (40 hex): a name is refused" eval \
  "! folio tls issue --ca-dir '$CA' --role participant --name broker --out '$E2E_TMP/bad' 2>/dev/null"

section "the credential"
get "/v1/accounts/$BROKER/balances"
expect_status "no certificate, public reads off" 401 DENIED
get /healthz
expect_status "/healthz stays open without a certificate" 200
mapfile -t BR < <(as broker)
get "/v1/accounts/$BROKER/balances" "${BR[@]}"
expect_status "the broker's certificate: its own balances" 200
get /v1/accounts/broker/history "${BR[@]}"
expect_status "the broker's certificate: its own history, by name" 200
get /v1/status "${BR[@]}"
expect_status "the broker's certificate: the status" 200
get "/v1/accounts/$ISSUER/balances" "${BR[@]}"
expect_status "the broker's certificate: the issuer's balances" 403 DENIED
mapfile -t IS < <(as issuer)
get "/v1/accounts/$ISSUER/balances" "${IS[@]}"
expect_status "the issuer's certificate: its own balances" 200
mapfile -t RG < <(as rogue)
get "/v1/accounts/$BROKER/balances" "${RG[@]}"
expect_status "a certificate naming the broker from another CA" 401 DENIED
mapfile -t OB < <(as api)
get /v1/status "${OB[@]}"
expect_status "an observer's certificate (not a participant's)" 401 DENIED
mapfile -t GH < <(as ghost)
get /v1/status "${GH[@]}"
expect_status "a participant certificate for an account that is no participant" 401 DENIED
# Keep-alive: the certificate is read once per connection and holds for its requests.
TWO="$(curl -s -o /dev/null -o /dev/null -w "%{http_code} " --cacert "$CA/ca.crt" "${BR[@]}" "$API/v1/accounts/$BROKER/balances" "$API/v1/accounts/$BROKER/balances")"
check "two requests on one connection, both with the broker's credential ($TWO)" test "$TWO" = "200 200 "
folio tls revoke "$E2E_TMP/broker/node.crt" --home "$FOLIO_HOME" >/dev/null
get "/v1/accounts/$BROKER/balances" "${BR[@]}"
expect_status "the broker's certificate once revoked (HOME/tls/revoked)" 401 DENIED
get "/v1/accounts/$ISSUER/balances" "${IS[@]}"
expect_status "the issuer's certificate still" 200
check "the node is alive" node_alive

node_stop
check_node_log_clean
finish
