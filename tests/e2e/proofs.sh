#!/usr/bin/env bash
# Proof bundles through the real binary and a real --dev node (specs/proofs.md): a holding,
# an absence, an instrument, a participant, an investor profile and a raw key are proved at
# past heights and by record date, and each bundle is verified offline by `folio proof
# verify` AND by tests/e2e/tools/verify_proof.py (written from specs/ alone, stdlib only).
# Then every kind of tampering -- truncated, extended, reordered, bit-flipped, a changed
# value or key, a bundle of another chain, a certificate of another validator set, an
# anchor of another height, validator-set changes, a signature short -- must be refused by
# BOTH verifiers with the same precise code.
. "$(dirname "$0")/lib.sh" "$@"

TOOLS="$(cd "$(dirname "$0")/tools" && pwd)"
PYV="$TOOLS/verify_proof.py"
TAMPER="$TOOLS/proof_tamper.py"
ISIN=CNE100000296
B="$E2E_TMP/bundles"
mkdir -p "$B"
GEN="$FOLIO_HOME/genesis.bin"

eq() { if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi; }
height() { status_field height; }
# next_block: force a block (dev time) and wait until the tip moves.
next_block() {
  local h0
  h0="$(height)"
  folio dev time advance "${1:-1s}" >/dev/null
  for _ in $(seq 1 80); do
    [ "$(height)" -gt "$h0" ] && return 0
    sleep 0.1
  done
  fail "no block after dev time advance"
}
# both_valid FILE WORDS: both verifiers accept FILE and `folio proof verify` says WORDS.
both_valid() {
  run proof verify "$1" --genesis "$GEN"
  if [ "$RC" -eq 0 ] && [[ "$OUT" == *"$2"* ]]; then
    pass "folio proof verify $(basename "$1"): $2"
  else
    fail "folio proof verify $(basename "$1") (exit $RC), want '$2'"
    show_last
  fi
  local py
  py="$(python3 "$PYV" "$1" --genesis "$GEN")"
  if [ $? -eq 0 ] && [[ "$py" == VALID* ]]; then pass "verify_proof.py $(basename "$1"): ${py:0:100}"; else fail "verify_proof.py $(basename "$1"): $py"; fi
}
# both_refuse CODE FILE [GENESIS]: both verifiers refuse FILE with CODE, exit 1.
both_refuse() {
  local code="$1" f="$2" g="${3:-$GEN}" py
  run proof verify "$f" --genesis "$g" --json
  local got
  got="$(printf '%s' "$OUT" | jget error.code 2>/dev/null)"
  if [ "$RC" -eq 1 ] && [ "$got" = "$code" ]; then
    pass "folio refuses $(basename "$f"): $code ($(printf '%s' "$ERR" | head -c 160))"
  else
    fail "folio on $(basename "$f"): exit $RC code '$got', want 1 $code"
    show_last
  fi
  py="$(python3 "$PYV" "$f" --genesis "$g" --json)"
  local prc=$?
  got="$(printf '%s' "$py" | jget code 2>/dev/null)"
  if [ "$prc" -eq 1 ] && [ "$got" = "$code" ]; then pass "verify_proof.py refuses $(basename "$f"): $code"; else fail "verify_proof.py on $(basename "$f"): exit $prc '$py', want $code"; fi
}
tamper() { python3 "$TAMPER" "$@" || fail "proof_tamper.py $*"; }
# (tamper KIND IN OUT [ARG])

# ---- setup ---------------------------------------------------------------------------
section "setup: a --dev node, an issuer, two investors"
folio init --chain-id proofs-e2e >/dev/null && E2E_HOMES+=("$FOLIO_HOME")
check "init (chain id proofs-e2e)" test -f "$GEN"
# 16 blocks of tree history (the least), so that a proof below the window can be asked for
python3 - "$FOLIO_HOME/config.ini" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read().replace("[node]\n", "[node]\nretain_blocks = 16\n", 1)
open(p, "w").write(s)
EOF
run node start --detach --dev
check "node start --dev" test "$RC" -eq 0
for k in issuer alice bob bank; do folio keys new "$k" >/dev/null; done
expect_ok "register issuer" participant register issuer --role issuer --key issuer
expect_ok "register bank" participant register bank --role settlement-bank --key bank
expect_ok "register alice" participant register alice --role investor --key alice
expect_ok "register bob" participant register bob --role investor --key bob
ALICE="$(folio participant show alice --json | jget account)"
BOB="$(folio participant show bob --json | jget account)"
expect_ok "issue $ISIN: 1,000,000 shares" asset issue equity --isin "$ISIN" --name "Proof Co" --shares 1000000 --to issuer --as issuer
expect_ok "issuer -> alice 12,000" transfer "$ISIN" 12000 --to alice --as issuer
expect_ok "alice gets an investor profile" investor register alice --category ordinary --risk-class C4 --kyc-expiry 2031-06-30
H1="$(height)"
DAY1="$(date -u +%F)"
next_block
expect_ok "issuer -> alice 500 more" transfer "$ISIN" 500 --to alice --as issuer
H2="$(height)"
next_block

# ---- building and verifying ------------------------------------------------------------
section "bundles, verified by folio and by the independent verifier"
expect_ok "proof holding at H1=$H1" proof holding "$ISIN" alice --height "$H1" -o "$B/h1.bundle"
both_valid "$B/h1.bundle" "held 12,000 of $ISIN; the register then totalled 1,000,000 = the issued supply"
run proof verify "$B/h1.bundle" --genesis "$GEN"
check "the words name height $H1 and a UTC time" bash -c "[[ \"$OUT\" == *'at height $H1 ('*' UTC) account $ALICE'* ]]"
expect_ok "proof holding at H2=$H2" proof holding "$ISIN" alice --height "$H2" -o "$B/h2.bundle"
both_valid "$B/h2.bundle" "held 12,500 of $ISIN"
expect_ok "proof holding, newest certified state" proof holding "$ISIN" alice -o "$B/new.bundle"
both_valid "$B/new.bundle" "held 12,500 of $ISIN"
expect_ok "proof of an absence: bob holds none" proof holding "$ISIN" bob --height "$H2" -o "$B/none.bundle"
both_valid "$B/none.bundle" "account $BOB held none of $ISIN; the register then totalled 1,000,000"
expect_ok "proof instrument" proof instrument "$ISIN" --height "$H2" -o "$B/inst.bundle"
both_valid "$B/inst.bundle" "instrument $ISIN (Proof Co) existed with an issued supply of 1,000,000"
expect_ok "proof participant" proof participant alice -o "$B/part.bundle"
both_valid "$B/part.bundle" "was participant 'alice' with roles investor"
expect_ok "proof investor" proof investor alice -o "$B/inv.bundle"
both_valid "$B/inv.bundle" "had an investor profile: ordinary, risk class C4"
expect_ok "bank issues 1,250.50 CNY to alice" asset issue cash --currency CNY --amount 1250.50 --to alice --as bank
next_block
expect_ok "proof of a cash holding" proof holding CNY alice -o "$B/cash.bundle"
both_valid "$B/cash.bundle" "held 1,250.50 CNY; the CNY in issue then totalled 1,250.50 CNY = the issued supply"
expect_ok "proof key 56 (the validator count)" proof key 56 -o "$B/key.bundle"
both_valid "$B/key.bundle" "key 56 held the 1-byte value 01"
expect_ok "proof key of an absent key" proof key 7a7a7a -o "$B/nokey.bundle"
both_valid "$B/nokey.bundle" "key 7a7a7a was absent"
next_block 3d
expect_ok "proof holding --record-date $DAY1 (three days back)" proof holding "$ISIN" alice --record-date "$DAY1" -o "$B/rd.bundle"
both_valid "$B/rd.bundle" "held 12,500 of $ISIN"
expect_fail NOT_FOUND "the tip's own state is not certified yet" proof holding "$ISIN" alice --height "$(height)" -o "$B/x.bundle"
expect_fail NOT_FOUND "a record date before the chain" proof holding "$ISIN" alice --record-date 2001-01-01 -o "$B/x.bundle"
expect_fail USAGE "--height and --record-date together" proof holding "$ISIN" alice --height 1 --record-date "$DAY1" -o "$B/x.bundle"
expect_fail USAGE "no -o" proof holding "$ISIN" alice
for _ in $(seq 1 17); do next_block; done
expect_fail PRUNED "a height below the retention window (16 blocks)" proof holding "$ISIN" alice --height "$H1" -o "$B/x.bundle"
check "the refusal says from which block the tree is kept" grep -q "keeps the tree from block" <<<"$FAIL_SENTENCE"
run node stop
check "node stopped: verification needs no node" test "$RC" -eq 0
both_valid "$B/h1.bundle" "held 12,000 of $ISIN"

# ---- tampering ----------------------------------------------------------------------------
section "tampered bundles: refused by both verifiers with the same code"
tamper truncate "$B/h1.bundle" "$B/t_trunc"
both_refuse MALFORMED "$B/t_trunc"
tamper extend "$B/h1.bundle" "$B/t_ext"
both_refuse MALFORMED "$B/t_ext"
tamper swap-facts "$B/h1.bundle" "$B/t_swap"
both_refuse KEY "$B/t_swap"
tamper value "$B/h1.bundle" "$B/t_value"
both_refuse ROOT "$B/t_value"
tamper key-account "$B/h1.bundle" "$B/t_acct" "$BOB"
both_refuse ROOT "$B/t_acct"
tamper key-isin "$B/h1.bundle" "$B/t_isin" US0378331005
both_refuse KEY "$B/t_isin"
tamper anchor-of "$B/h1.bundle" "$B/t_anchor" "$B/h2.bundle"
both_refuse HEIGHT "$B/t_anchor"
tamper anchor-and-height-of "$B/h1.bundle" "$B/t_height" "$B/h2.bundle"
both_refuse ROOT "$B/t_height"
tamper trust "$B/h1.bundle" "$B/t_trust"
both_refuse VALSET "$B/t_trust"
tamper register-sum "$B/h1.bundle" "$B/t_regsum"
both_refuse ROOT "$B/t_regsum"
tamper sibling "$B/h1.bundle" "$B/t_sib"
both_refuse ROOT "$B/t_sib"
tamper other-root "$B/h1.bundle" "$B/t_other"
both_refuse ROOT "$B/t_other"
tamper version-2 "$B/h1.bundle" "$B/t_v2"
both_refuse ROOT "$B/t_v2"
run proof verify "$B/t_v2" --genesis "$GEN"
check "folio names the former tree-proof version" grep -q "another version than 3" <<<"$ERR$OUT"
check "verify_proof.py names it too" grep -q "version 2, not 3" <<<"$(python3 "$PYV" "$B/t_v2" --genesis "$GEN")"
tamper drop-sig "$B/h1.bundle" "$B/t_sig"
both_refuse CERT "$B/t_sig"
printf 'not a bundle' >"$B/t_text"
both_refuse MALFORMED "$B/t_text"
printf '\x92\xabfolio-proof\x01' >"$B/t_short"
both_refuse NOT_A_BUNDLE "$B/t_short"

section "another chain, another validator set"
OTHER="$E2E_TMP/other"
folio init --home "$OTHER" --chain-id proofs-e2e >/dev/null
both_refuse WRONG_CHAIN "$B/h1.bundle" "$OTHER/genesis.bin"
OTHER_HASH="$(python3 -c '
import hashlib, sys
t = hashlib.sha256(b"folio/genesis").digest()
print(hashlib.sha256(t + t + open(sys.argv[1], "rb").read()).hexdigest())' "$OTHER/genesis.bin")"
tamper genesis-hash "$B/h1.bundle" "$B/t_valset" "$OTHER_HASH"
both_refuse CERT "$B/t_valset" "$OTHER/genesis.bin"

section "bit flips anywhere: every one refused by both"
n=0
bad=0
size=$(stat -c %s "$B/h1.bundle")
for i in $(seq 0 37); do
  bit=$(((i * 7919 + 13) % (size * 8)))
  python3 "$TAMPER" bitflip "$B/h1.bundle" "$B/t_flip" "$bit"
  folio proof verify "$B/t_flip" --genesis "$GEN" >/dev/null 2>&1
  c=$?
  python3 "$PYV" "$B/t_flip" --genesis "$GEN" >/dev/null
  p=$?
  n=$((n + 1))
  if [ "$c" -ne 1 ] || [ "$p" -ne 1 ]; then
    bad=$((bad + 1))
    echo "        bit $bit: folio exit $c, verify_proof.py exit $p"
  fi
done
eq "bit-flipped bundles accepted by either verifier (of $n)" "$bad" 0

finish
