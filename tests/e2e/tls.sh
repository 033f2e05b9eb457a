#!/usr/bin/env bash
# Peers are who their certificates say (issue 12, item 16), on a testnet of four validators
# and one observer over TLS: each certificate names its node (a validator by its key); an
# observer's certificate can neither vote nor inject a batch; a validator's certificate
# cannot speak for another validator; a revoked certificate is refused; only AEAD cipher
# suites are accepted; certificates live 90 days. A hostile member is played by
# tests/p2p_peer with a real member certificate.
. "$(dirname "$0")/lib.sh" "$@"

NET="$E2E_TMP/net"
BASE="$(e2e_port_base)" || { echo "e2e: no free block of ports" >&2; exit 2; }
home() { echo "$NET/node$1"; }
PEER="$(dirname "$FOLIO")/tests/p2p_peer"
[ -x "$PEER" ] || { echo "e2e/tls: the p2p_peer tool is not built ($PEER)" >&2; exit 2; }

height_of() { folio node status --json --home "$(home "$1")" 2>/dev/null | jget height || echo 0; }
wait_height() {
  local cur
  for _ in $(seq 1 $(($3 * 5))); do
    cur="$(height_of "$1")"
    [ -n "$cur" ] && [ "$cur" -ge "$2" ] 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}
# peer I MODE PORT_OFFSET [HOME]: p2p_peer with node I's certificate against node0.
peer() {
  local i=$1 mode=$2 off=$3
  shift 3
  "$PEER" "$NET/ca/ca.crt" "$(home "$i")/tls/node.crt" "$(home "$i")/tls/node.key" \
    "127.0.0.1:$((BASE + off))" "$mode" "$@"
}
# not_committed FILE SECS: none of the "id HEX" lines in FILE is committed on node0.
not_committed() {
  sleep "$2"
  local id
  for id in $(awk '/^id /{print $2}' "$1"); do
    folio tx show "$id" --json --home "$(home 0)" 2>/dev/null | grep -q '"committed"' && return 1
  done
  [ -s "$1" ]
}

section "testnet init: certificates that name their nodes"
folio testnet init --validators 4 --observers 1 --dir "$NET" --base-port "$BASE" >/dev/null
subject() { openssl x509 -noout -subject -nameopt sep_multiline,sname -in "$1"; }
has_subject() { subject "$1" | grep -q "^ *$2\$"; }
check "node0's certificate: OU validator" has_subject "$(home 0)/tls/node.crt" "OU=validator"
check "node0's certificate: CN its validator key" \
  has_subject "$(home 0)/tls/node.crt" "CN=$(cat "$(home 0)/keys/validator.pub")"
check "node4's certificate: OU observer" has_subject "$(home 4)/tls/node.crt" "OU=observer"
check "node4's certificate: CN node4" has_subject "$(home 4)/tls/node.crt" "CN=node4"
check "node certificates expire within 91 days" \
  bash -c "! openssl x509 -noout -checkend $((91 * 86400)) -in '$(home 2)/tls/node.crt' >/dev/null"

section "start four validators and an observer"
for i in 0 1 2 3; do
  check "node$i starts" node_start "$(home "$i")"
  E2E_HOMES+=("$(home "$i")")
done
check "observer node4 starts" bash -c "'$FOLIO' node start --detach --observer --home '$(home 4)' >/dev/null"
E2E_HOMES+=("$(home 4)")
cp "$(home 0)/keys/operator.key" "$(home 4)/keys/registrar.key"
cp "$(home 0)/keys/operator.pub" "$(home 4)/keys/registrar.pub"
folio keys new carol --home "$(home 4)" >/dev/null
# An idle chain makes no blocks (consensus.md 16): this commit shows the network works.
expect_ok "a registration submitted to the observer is forwarded and committed" \
  participant register carol --role investor --key carol --as registrar --home "$(home 4)"

# A node from before transactions bound the genesis (the old release, to show that these
# checks fail there) takes signatures over the bare id: p2p_peer signs so for it.
folio node status --json --home "$(home 0)" | jget genesis_hash >/dev/null || export P2P_PEER_SIGN_ID=1

section "only AEAD cipher suites"
tls_try() { # tls_try CIPHER: a TLS 1.2 session with node0's consensus port offering only CIPHER
  (sleep 1; echo x) | timeout 5 openssl s_client -brief -tls1_2 -cipher "$1" -connect "127.0.0.1:$BASE" \
    -CAfile "$NET/ca/ca.crt" -cert "$(home 1)/tls/node.crt" -key "$(home 1)/tls/node.key" 2>&1 |
    grep -q 'CONNECTION ESTABLISHED'
}
tls_refused() { ! tls_try "$1"; }
check "an AES-GCM suite is accepted" tls_try ECDHE-ECDSA-AES128-GCM-SHA256
check "a ChaCha20-Poly1305 suite is accepted" tls_try ECDHE-ECDSA-CHACHA20-POLY1305
check "a CBC-SHA1 suite is refused" tls_refused ECDHE-ECDSA-AES128-SHA
check "a CBC-SHA256 suite is refused" tls_refused ECDHE-ECDSA-AES128-SHA256
check "a CCM8 suite is refused" tls_refused ECDHE-ECDSA-AES128-CCM8

section "an observer's certificate"
check "cannot connect to a validator's consensus socket (to vote)" peer 4 vote 0
peer 4 batch 1 "$(home 0)" >"$E2E_TMP/obs-batch.out"
check "cannot inject a batch: its transactions face client admission (unregistered sender: never committed)" \
  not_committed "$E2E_TMP/obs-batch.out" 8

section "a validator's certificate"
check "cannot propose in the name of another validator (disconnected)" peer 1 propose2 0
check "cannot send a batch in the name of another node (disconnected)" peer 1 batch2 1 "$(home 0)"
P2P_PEER_WAIT_S=2 peer 1 vote 0 >/dev/null
check "may send its own (stale) vote and stay connected" test $? -eq 1

section "revocation"
folio tls issue --ca-dir "$NET/ca" --role validator --name "$(cat "$(home 1)/keys/validator.pub")" \
  --out "$E2E_TMP/spare" >/dev/null
spare() { "$PEER" "$NET/ca/ca.crt" "$E2E_TMP/spare/node.crt" "$E2E_TMP/spare/node.key" "127.0.0.1:$((BASE + $2))" "$1"; }
P2P_PEER_WAIT_S=2 spare vote 0 >/dev/null
check "a second certificate issued for validator 1 is accepted" test $? -eq 1
expect_ok "folio tls revoke adds it to node0's revocation list" \
  tls revoke "$E2E_TMP/spare/node.crt" --home "$(home 0)"
# A loaded sanitizer run can take a few seconds over the handshake: wait up to 15 s.
spare_patient() { P2P_PEER_WAIT_S=15 spare "$@"; }
check "the revoked certificate is refused on the consensus socket" spare_patient vote 0
check "... and on the sync socket" spare connect 2
P2P_PEER_WAIT_S=2 peer 1 vote 0 >/dev/null
check "validator 1's own certificate is still accepted" test $? -eq 1

section "the chain went on"
folio keys new dave --home "$(home 4)" >/dev/null
h0="$(height_of 0)"
expect_ok "another registration commits" \
  participant register dave --role investor --key dave --as registrar --home "$(home 4)"
check "node0 committed it (height > $h0)" wait_height 0 $((h0 + 1)) 30
for i in 0 1 2 3 4; do
  check_node_log_clean "$(home "$i")"
done

finish
