#!/usr/bin/env bash
# Every bad input gets a stable code, a clear sentence, and changes nothing: the business
# state (participants, instruments, holders) is identical before and after, the node
# keeps serving, and at the end the chain verifies and every instrument is conserved.
#
# Three kinds of refusal:
#   cli      refused by the CLI before anything is sent: height and state root unchanged
#   refused  refused by the node at admission: height and state root unchanged
#   receipt  included in a block with a failing receipt: the block is new (the state root
#            chains every height, specs/state.md §5), the tx is findable with that code,
#            and nothing else changed
. "$(dirname "$0")/lib.sh" "$@"

APPLE=US0378331005
MSFT=US5949181045 # valid, never issued

# bad KIND NAME[:EXIT] DESC ARGS...: expect_fail plus the "changed nothing" checks.
# For cli/refused an unchanged height and state root prove nothing was written (the
# root chains every block's writes); for receipt the tx must be in the next block with
# that code, and participants, instruments and holders must be byte-identical.
bad() {
  local kind="$1" spec="$2" desc="$3"
  shift 3
  local name="${spec%%:*}" t0 t1 s0=""
  t0="$(tip)"
  [ "$kind" = receipt ] && s0="$(business_state)"
  # A receipt is the ledger's own refusal: --no-check submits past the CLI's check
  # (which refuses the same mistakes before submission: submit_check.sh).
  [ "$kind" = cli ] || [ "$kind" = refused ] || set -- "$@" --no-check
  expect_fail "$spec" "$desc" "$@"
  t1="$(tip)"
  case "$kind" in
    cli | refused)
      if [ "$t0" = "$t1" ] && [ "${t1%% *}" != "?" ]; then
        pass "   ... height ${t1%% *} and state root unchanged"
      else
        fail "   ... height/state root changed: $t0 -> $t1"
      fi
      if [ "$kind" = refused ]; then
        check "   ... the sentence names $name and its code" grep -q "$name (code [0-9]*)" <<<"$FAIL_SENTENCE"
      fi
      ;;
    receipt)
      run tx show "${FAIL_TXID:-none}" --json
      local got
      got="$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin); print(d["status"], d["receipt"]["name"], d["height"])' 2>/dev/null)"
      if [ "$got" = "rejected $name ${t1%% *}" ] && [ "${t1%% *}" = $((${t0%% *} + 1)) ]; then
        pass "   ... tx ${FAIL_TXID:0:12}.. recorded in block ${t1%% *} with $name"
      else
        fail "   ... tx '$FAIL_TXID' not recorded with $name in the next block (tx show: '$got'; height ${t0%% *} -> ${t1%% *})"
      fi
      if [ "$s0" = "$(business_state)" ]; then
        pass "   ... participants, instruments and holders unchanged"
      else
        fail "   ... the business state changed"
        diff <(printf '%s\n' "$s0") <(business_state) | head -n 6 | sed 's/^/        /'
      fi
      ;;
  esac
}

# text_fail NAME DESC ARGS...: the same without --json: exit 1, and stderr gives
# "rejected: NAME (code N): sentence" and says the transaction changed nothing.
text_fail() {
  local name="$1" desc="$2"
  shift 2
  run "$@" --no-check
  if [ "$RC" -eq 1 ] && grep -q "rejected: $name (code [0-9]*): " <<<"$ERR" && grep -q "changed nothing" <<<"$ERR"; then
    pass "$desc (text): $(head -n1 <<<"$ERR")"
  else
    fail "$desc (text): exit $RC"
    show_last
  fi
}

section "setup"
check "init" home_init
check "node start" node_start
for k in issuer broker-a broker-b ghost spare; do folio keys new "$k" >/dev/null; done
expect_ok "register issuer" participant register issuer --role issuer --key issuer
expect_ok "register broker-a" participant register broker-a --role broker --key broker-a
expect_ok "register broker-b" participant register broker-b --role broker --key broker-b
expect_ok "issue 1,000,000 $APPLE" asset issue equity --isin "$APPLE" --name Apple --shares 1000000 --to issuer --as issuer
expect_ok "transfer 1000 to broker-a" transfer "$APPLE" 1000 --to broker-a --as issuer
check_conserved

section "roles and senders"
bad receipt UNAUTHORIZED "broker issuing equity" \
  asset issue equity --isin "$MSFT" --name Microsoft --shares 100 --to broker-a --as broker-a
check "   ... the detail names the missing role" grep -q "needs the role issuer" <<<"$FAIL_SENTENCE"
text_fail UNAUTHORIZED "broker issuing equity" \
  asset issue equity --isin "$MSFT" --name Microsoft --shares 100 --to broker-a --as broker-a
check "   ... the text names the missing role" grep -q "needs the role issuer" <<<"$ERR"
bad receipt UNAUTHORIZED "non-registrar registering a participant" \
  participant register spare --role broker --key spare --as broker-a
bad receipt UNAUTHORIZED "issuer registering a participant" \
  participant register spare --role issuer --key spare --as issuer
bad refused UNKNOWN_SENDER "transfer signed by a key never registered" transfer "$APPLE" 1 --to broker-a --as ghost
bad refused UNKNOWN_SENDER "issue signed by a key never registered" \
  asset issue equity --isin "$MSFT" --name Microsoft --shares 100 --to ghost --as ghost

section "instruments"
bad receipt UNKNOWN_ASSET "transfer of an ISIN never issued" transfer "$MSFT" 1 --to broker-b --as broker-a
bad cli BAD_ISIN:2 "transfer of an ISIN with a wrong check digit" \
  transfer US0378331006 1 --to broker-b --as broker-a
check "   ... it says the digit should be 5" grep -q "should be 5 (US0378331005)" <<<"$FAIL_SENTENCE"
for isin in US0378331006 US037833100 US03783310055 1S0378331005 'US03783310 5' ''; do
  bad cli BAD_ISIN:2 "issue with ISIN '$isin'" \
    asset issue equity --isin "$isin" --name Bad --shares 100 --to issuer --as issuer
done
bad receipt ASSET_EXISTS "issuing an ISIN again" \
  asset issue equity --isin "$APPLE" --name Again --shares 5 --to issuer --as issuer
bad receipt BAD_NAME "issue with an empty name" \
  asset issue equity --isin "$MSFT" --name '' --shares 5 --to issuer --as issuer
bad receipt BAD_NAME "issue with a 300-character name" \
  asset issue equity --isin "$MSFT" --name "$(printf 'x%.0s' $(seq 300))" --shares 5 --to issuer --as issuer
bad cli BAD_RISK:2 "issue with --risk R9" \
  asset issue equity --isin "$MSFT" --name Microsoft --shares 5 --to issuer --as issuer --risk R9
bad receipt UNKNOWN_ACCOUNT "issue to an unregistered account" \
  asset issue equity --isin "$MSFT" --name Microsoft --shares 5 --to ghost --as issuer

section "quantities"
for q in 0 -1 -1000 abc 1.5 1e3 0x10 +5 ' 5' '' 4611686018427387905 9223372036854775808 \
  18446744073709551615 18446744073709551616 99999999999999999999999999; do
  bad cli BAD_QUANTITY:2 "transfer quantity '$q'" transfer "$APPLE" "$q" --to broker-b --as broker-a
done
bad cli BAD_QUANTITY:2 "issue --shares 0" asset issue equity --isin "$MSFT" --name M --shares 0 --to issuer --as issuer
bad cli BAD_QUANTITY:2 "issue --shares 2^64" \
  asset issue equity --isin "$MSFT" --name M --shares 18446744073709551616 --to issuer --as issuer
bad cli BAD_QUANTITY:2 "issue --shares -5" asset issue equity --isin "$MSFT" --name M --shares -5 --to issuer --as issuer
bad receipt INSUFFICIENT_BALANCE "transfer of 1001 when holding 1000" transfer "$APPLE" 1001 --to broker-b --as broker-a
check "   ... the detail says what is held and needed" grep -q "holds 1,000 $APPLE, needs 1,001 $APPLE" <<<"$FAIL_SENTENCE"
text_fail INSUFFICIENT_BALANCE "transfer of 1001 when holding 1000" transfer "$APPLE" 1001 --to broker-b --as broker-a
check "   ... the text says what is held and needed" grep -q "holds 1,000 $APPLE, needs 1,001 $APPLE" <<<"$ERR"
run transfer "$APPLE" 1001 --to broker-b --as broker-a --json
check "   ... with --json too, the sentence goes to stderr (errors.md §4: 'the message always goes to stderr')" \
  grep -q '^folio: .*INSUFFICIENT_BALANCE' <<<"$ERR"
bad receipt INSUFFICIENT_BALANCE "transfer by a participant holding nothing" transfer "$APPLE" 1 --to broker-a --as broker-b
bad receipt INSUFFICIENT_BALANCE "transfer of the maximum quantity 2^62" \
  transfer "$APPLE" 4611686018427387904 --to broker-b --as broker-a

section "recipients"
bad receipt SELF_TRANSFER "transfer to oneself" transfer "$APPLE" 1 --to broker-a --as broker-a
bad receipt SELF_TRANSFER "transfer to oneself by 40-hex account" \
  transfer "$APPLE" 1 --to "$(folio keys show broker-a --json | jget account)" --as broker-a
bad receipt UNKNOWN_ACCOUNT "transfer to a key that was never registered" transfer "$APPLE" 1 --to ghost --as broker-a
bad receipt UNKNOWN_ACCOUNT "transfer to a 40-hex account nobody holds" \
  transfer "$APPLE" 1 --to 0123456789abcdef0123456789abcdef01234567 --as broker-a
bad cli UNKNOWN_ACCOUNT:1 "transfer to a name that is nothing" transfer "$APPLE" 1 --to nobody --as broker-a

section "participants"
bad receipt NAME_TAKEN "registering a taken name" participant register broker-a --role broker --key spare
check "   ... the detail names the name" grep -q "'broker-a' is taken" <<<"$FAIL_SENTENCE"
bad receipt ALREADY_REGISTERED "registering a key that is already registered" \
  participant register broker-c --role broker --key broker-a
bad cli BAD_ROLE:2 "unknown role" participant register spare --role king --key spare
bad cli BAD_ROLE:2 "a known and an unknown role" participant register spare --role broker,king --key spare
bad receipt BAD_KEY "a public key that is not on the curve (all zero)" \
  participant register spare --role broker --key "$(printf '0%.0s' $(seq 64))"
bad cli NO_KEY:2 "a key that is neither a key name nor 64 hex" participant register spare --role broker --key abc
bad receipt BAD_PAYLOAD "an empty participant name" participant register '' --role broker --key spare

section "command lines"
bad cli USAGE "transfer without --to" transfer "$APPLE" 1 --as broker-a
bad cli USAGE "transfer with an unknown option" transfer "$APPLE" 1 --to broker-b --as broker-a --frob
# (sent by broker-b, who holds nothing: if the CLI wrongly submits "1", it is rejected)
bad cli USAGE "transfer with a stray extra argument ('1 000' typed with a space)" \
  transfer "$APPLE" 1 000 --to broker-a --as broker-b
bad cli USAGE "tx show with a short id" tx show abc
bad cli NO_KEY:2 "--as a key missing from the home" transfer "$APPLE" 1 --to broker-b --as nosuchkey

section "wrong chain id (a second home, different chain, pointed at this node)"
H2="$E2E_TMP/home2"
check "init a second home" home_init "$H2"
check "it has a different chain id" \
  test "$(grep '^chain_id' "$H2/config.ini")" != "$(grep '^chain_id' "$FOLIO_HOME/config.ini")"
python3 - "$H2/config.ini" "ipc://$FOLIO_HOME/node.sock" <<'EOF'
import sys
path, url = sys.argv[1], sys.argv[2]
out = []
for line in open(path):
    if line.strip().startswith("rpc ") or line.strip().startswith("rpc="):
        continue
    out.append(line)
    if line.strip() == "[node]":
        out.append("rpc = %s\n" % url)
open(path, "w").writelines(out)
EOF
cp "$FOLIO_HOME/keys/broker-a.key" "$FOLIO_HOME/keys/broker-a.pub" "$H2/keys/"
check "home2 reaches this node (its status shows this chain)" \
  test "$(status_field chain_id "$H2")" = "$(status_field chain_id)"
bad cli WRONG_CHAIN "transfer signed by a registered key for another chain (the CLI compares genesis hashes first; e2e/chains.sh sends one past it)" \
  transfer "$APPLE" 1 --to broker-b --as broker-a --home "$H2"
bad cli WRONG_CHAIN "register signed by home2's operator" \
  participant register spare --role broker --key "$(folio keys show spare --json | jget pubkey)" --home "$H2"
# A home path longer than NET_PATH_MAX is refused, not cut to another directory's name.
long_home="$E2E_TMP/$(head -c 4200 /dev/zero | tr '\0' h)"
bad cli USAGE "--home of 4200+ bytes" account balance broker-a --home "$long_home"
check "   ... the sentence says the path is too long" grep -q "longer than 4095 bytes" <<<"$FAIL_SENTENCE"

section "after all of that"
check "the node answers node status" node_alive
check_chain_verify
check_conserved
check "broker-a still holds exactly 1000" test "$(folio account balance broker-a --json | jget balances.0.quantity)" = 1000
expect_ok "a good transfer still works" transfer "$APPLE" 10 --to broker-b --as broker-a
check_conserved
check_node_log_clean
finish
