#!/usr/bin/env bash
# Sub-chains anchored on a main chain, through the real binary and two real --dev nodes with
# different chain ids (specs/chains.md): the main chain registers the sub-chain (by a
# governance proposal of its committee, the --dev operator: chn_tool proposes and votes), `folio chains anchor` relays the sub-chain's newest
# header and certificate, bad relays are refused with precise codes, a sub-chain that misses
# its period turns STALE by itself (main-chain block time), a second block signed at an
# anchored height by the sub-chain's own validator key freezes it with the evidence kept, the
# committee unfreezes it, and a holding on the sub-chain is proved with a two-level bundle
# that folio and the independent python verifier check with the MAIN chain's genesis only.
. "$(dirname "$0")/lib.sh" "$@"

TOOLS="$(cd "$(dirname "$0")/tools" && pwd)"
PYV="$TOOLS/verify_proof.py"
CHN_TOOL="$(dirname "$FOLIO")/tests/chn_tool"
[ -x "$CHN_TOOL" ] || { echo "e2e: $CHN_TOOL not built" >&2; exit 2; }
BASE="$(e2e_port_base)" || { echo "e2e: no free block of ports" >&2; exit 2; }
MAIN="$E2E_TMP/main" SUB="$E2E_TMP/sub"
ISIN=CNE100000296
# 8 s: long enough that the CLI steps between an anchoring and the status checks after it
# finish inside the period on a loaded 2-core machine (3 s went STALE there)
PERIOD=8000

eq() { if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi; }
show() { folio chains show sec --home "$MAIN" --json | jget "$1"; }
stip() { folio node status --home "$1" --json | jget height; }
# wait_main_block: until the main chain's tip moves past its current height
wait_main_block() {
  local h0
  h0="$(stip "$MAIN")"
  for _ in $(seq 1 100); do
    [ "$(stip "$MAIN")" -gt "$h0" ] && return 0
    sleep 0.1
  done
  return 1
}
tool() { "$CHN_TOOL" "$@"; }
# has TEXT PATTERN: TEXT contains PATTERN (a plain substring)
has() { [[ "$1" == *"$2"* ]]; }

section "setup: a main chain and a sub-chain, two --dev nodes"
folio init --home "$MAIN" --chain-id main-e2e >/dev/null && E2E_HOMES+=("$MAIN")
folio init --home "$SUB" --chain-id sub-sec-e2e >/dev/null && E2E_HOMES+=("$SUB")
echo "rpc = tcp://127.0.0.1:$BASE" >>"$MAIN/config.ini"
echo "rpc = tcp://127.0.0.1:$((BASE + 1))" >>"$SUB/config.ini"
check "main node starts (--dev)" folio node start --detach --dev --home "$MAIN"
check "sub node starts (--dev)" folio node start --detach --dev --home "$SUB"
export FOLIO_HOME="$SUB"
for k in issuer alice; do folio keys new "$k" >/dev/null; done
expect_ok "sub: register issuer" participant register issuer --role issuer --key issuer
expect_ok "sub: register alice" participant register alice --role investor --key alice
expect_ok "sub: issue $ISIN" asset issue equity --isin "$ISIN" --name "Sub Co" --shares 1000000 --to issuer --as issuer
expect_ok "sub: issuer -> alice 12,000" transfer "$ISIN" 12000 --to alice --as issuer
ALICE="$(folio participant show alice --json | jget account)"
export FOLIO_HOME="$MAIN"

section "the registry"
expect_ok "no sub-chain yet" chains list
check "the empty list says so" bash -c "[[ \"$OUT\" == *'no sub-chains'* ]]"
out="$(tool create "$MAIN" sec "$SUB" "$PERIOD")"
check "the committee registers 'sec' (chain sub-sec-e2e): $out" test $? -eq 0
eq "status" "$(show status)" ACTIVE
eq "chain id" "$(show chain_id)" sub-sec-e2e
eq "validators" "$(show validators.count)" 1
out="$(tool create "$MAIN" sec2 "$SUB" "$PERIOD")"
check "the same genesis again is refused CHN_EXISTS: $out" has "$out" "961 CHN_EXISTS"
expect_fail CHN_UNKNOWN "anchoring an unknown sub-chain" chains anchor nope --from "$SUB"

section "anchoring"
STIP="$(stip "$SUB")"
expect_ok "chains anchor sec --from SUBHOME" chains anchor sec --from "$SUB"
eq "last anchored height" "$(show last.height)" "$STIP"
eq "signers of the last anchor" "$(show last.signers)" "[0]"
expect_ok "chains list" chains list
check "the table shows sec ACTIVE at $STIP" bash -c "[[ \"$OUT\" == *sec*ACTIVE*securities*$STIP* ]]"
expect_ok "chains list --json" chains list --json
eq "list --json status" "$(printf '%s' "$OUT" | jget subchains.0.status)" ACTIVE
expect_fail CHN_DUPLICATE "the same checkpoint again" chains anchor sec --from "$SUB"
expect_fail CHN_WRONG_CHAIN "the main chain's own header as sec's checkpoint" chains anchor sec --from "$MAIN"
out="$(tool badcert "$MAIN" sec "$SUB")"
check "a certificate by a key outside the set: CHN_BAD_SIGNER ($(echo "$out" | tail -1))" has "$out" "969 CHN_BAD_SIGNER"
eq "nothing changed: last anchored height" "$(show last.height)" "$STIP"
expect_ok "sub: another transfer (a new sub block)" transfer "$ISIN" 1 --to alice --as issuer --home "$SUB"
expect_ok "anchor by URL (tcp://)" chains anchor sec --from "tcp://127.0.0.1:$((BASE + 1))"
STIP="$(stip "$SUB")"
eq "last anchored height" "$(show last.height)" "$STIP"

section "a two-level proof: a sub-chain holding, trusting only the main chain's genesis"
check "a main block after the anchoring" wait_main_block || folio dev time advance 1s >/dev/null
wait_main_block
expect_ok "proof holding --via-main" proof holding "$ISIN" alice --home "$SUB" --via-main "$MAIN" -o "$E2E_TMP/x.bundle"
run proof verify "$E2E_TMP/x.bundle" --genesis "$MAIN/genesis.bin"
# The anchored block X carries the root of the state after X - 1: before the last transfer.
if [ "$RC" -eq 0 ] && [[ "$OUT" == *"on sub-chain 'sec'"*"held 12,000 of $ISIN"*"anchored on main chain main-e2e"* ]]; then
  pass "folio proof verify with the main genesis: $(printf '%s' "$OUT" | head -c 200)"
else
  fail "folio proof verify (exit $RC)"
  show_last
fi
py="$(python3 "$PYV" "$E2E_TMP/x.bundle" --genesis "$MAIN/genesis.bin")"
check "verify_proof.py: ${py:0:160}" has "$py" "held 12,000 of $ISIN"
run proof verify "$E2E_TMP/x.bundle" --genesis "$SUB/genesis.bin" --json
eq "with the sub-chain's genesis instead: refused" "$RC:$(printf '%s' "$OUT" | jget error.code)" "1:WRONG_CHAIN"
py="$(python3 "$PYV" "$E2E_TMP/x.bundle" --genesis "$SUB/genesis.bin" --json)"
eq "verify_proof.py with the sub genesis" "$(printf '%s' "$py" | jget code)" WRONG_CHAIN
python3 - "$E2E_TMP/x.bundle" "$E2E_TMP/y.bundle" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
# the sub-chain bundle's header H+1 is the last header in the file: flip a bit of its
# prev_state_root (after chain id, height fixint, time cf+8, prev_hash c4 20 + 32, c4 20)
p = b.rfind(b"sub-sec-e2e") + len("sub-sec-e2e") + 1 + 9 + 34 + 2 + 5
b[p] ^= 1
open(sys.argv[2], "wb").write(bytes(b))
EOF
run proof verify "$E2E_TMP/y.bundle" --genesis "$MAIN/genesis.bin" --json
c1="$(printf '%s' "$OUT" | jget error.code)"
c2="$(python3 "$PYV" "$E2E_TMP/y.bundle" --genesis "$MAIN/genesis.bin" --json | jget code)"
eq "a sub-chain header that is not the anchored one: folio and python" "$RC:$c1:$c2" "1:CERT:CERT"

section "STALE by main-chain block time (no transaction needed)"
sleep $((PERIOD / 1000 + 2))
wait_main_block || true
eq "status after missing the period" "$(show status)" STALE
expect_ok "sub: a new block" transfer "$ISIN" 1 --to alice --as issuer --home "$SUB"
expect_ok "a new checkpoint" chains anchor sec --from "$SUB"
eq "status after it" "$(show status)" ACTIVE

section "equivocation: a second block at an anchored height, signed by the sub-chain's key"
H="$(show last.height)"
out="$(tool forge "$MAIN" sec "$SUB")"
check "the relay succeeds in recording evidence ($(echo "$out" | tail -1 | head -c 160))" has "$out" "0 OK: EQUIVOCATION"
eq "status" "$(show status)" FROZEN
eq "evidence records" "$(show evidence_count)" 1
eq "the evidence: both blocks at height $H" "$(show evidence.0.height_a),$(show evidence.0.height_b),$(show evidence.0.kind)" "$H,$H,two blocks at one height"
check "the evidence: two different signed headers" test "$(show evidence.0.header_a)" != "$(show evidence.0.header_b)"
expect_ok "chains show names the evidence" chains show sec
check "it reads 'two blocks at one height ... signed by 0'" has "$OUT" "two blocks at one height, stored at main height"
eq "the last anchored block stays" "$(show last.height)" "$H"
expect_ok "sub: a new block" transfer "$ISIN" 1 --to alice --as issuer --home "$SUB"
expect_fail CHN_FROZEN "a checkpoint of a frozen sub-chain" chains anchor sec --from "$SUB"
out="$(tool action "$MAIN" sec unfreeze)"
check "the committee unfreezes it ($out)" test $? -eq 0
eq "status" "$(show status)" ACTIVE
expect_ok "anchoring resumes" chains anchor sec --from "$SUB"
eq "last anchored height" "$(show last.height)" "$(stip "$SUB")"
out="$(tool action "$MAIN" sec retire)"
check "retired ($out)" test $? -eq 0
expect_ok "sub: a new block" transfer "$ISIN" 1 --to alice --as issuer --home "$SUB"
expect_fail CHN_RETIRED "a checkpoint of a retired sub-chain" chains anchor sec --from "$SUB"

finish
