#!/usr/bin/env bash
# Past state through the real binary (specs/state.md §5.6, rpc.md §3.9-3.10): holders and
# balances at earlier heights, by --height and by date, `account statement` with its CSV,
# precise refusals above the tip and below the retention window (retain_blocks = 16),
# and `chain verify` over the tree afterwards.
. "$(dirname "$0")/lib.sh" "$@"

ISIN=CNE100000296

# holder_q JSON NAME: NAME's quantity in a holders reply (0 if absent).
holder_q() { python3 -c 'import json,sys;d=json.loads(sys.argv[1]);print(sum(h["quantity"] for h in d["holders"] if h["name"]==sys.argv[2]))' "$1" "$2"; }
# bal_q JSON ID: the quantity of ID in a balance reply (0 if absent).
bal_q() { python3 -c 'import json,sys;d=json.loads(sys.argv[1]);print(sum(b["quantity"] for b in d["balances"] if b["id"]==sys.argv[2]))' "$1" "$2"; }
eq() { if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi; }

section "setup: a --dev node keeping 16 blocks of history"
check "init" home_init
python3 - "$FOLIO_HOME/config.ini" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read().replace("[node]\n", "[node]\nretain_blocks = 16\n", 1)
open(p, "w").write(s)
EOF
run node start --detach --dev
check "node start --dev" test "$RC" -eq 0
for k in issuer alice bob; do folio keys new "$k" >/dev/null; done
expect_ok "register issuer" participant register issuer --role issuer --key issuer
expect_ok "register alice" participant register alice --role investor --key alice
expect_ok "register bob" participant register bob --role investor --key bob
expect_ok "issue 1000 $ISIN to issuer" asset issue equity --isin "$ISIN" --name "Past Co" --shares 1000 --to issuer --as issuer
H1="$(status_field height)"
expect_ok "issuer -> alice 300" transfer "$ISIN" 300 --to alice --as issuer
H2="$(status_field height)"
expect_ok "alice -> bob 100" transfer "$ISIN" 100 --to bob --as alice
H3="$(status_field height)"

section "holders and balances at past heights"
run asset holders "$ISIN" --height "$H1" --json
eq "holders at $H1: issuer" "$(holder_q "$OUT" issuer)" 1000
eq "holders at $H1: alice" "$(holder_q "$OUT" alice)" 0
eq "holders at $H1: height echoed" "$(printf '%s' "$OUT" | jget height)" "$H1"
run asset holders "$ISIN" --height "$H2" --json
eq "holders at $H2: alice" "$(holder_q "$OUT" alice)" 300
eq "holders at $H2: conserved" "$(printf '%s' "$OUT" | jget conserved)" true
run asset holders "$ISIN" --height "$H2"
check "holders table says 'as of block $H2'" grep -q "as of block $H2" <<<"$OUT"
run account balance alice --height "$H1" --json
eq "alice at $H1" "$(bal_q "$OUT" "$ISIN")" 0
run account balance alice --height "$H2" --json
eq "alice at $H2" "$(bal_q "$OUT" "$ISIN")" 300
run account balance alice --json
eq "alice now" "$(bal_q "$OUT" "$ISIN")" 200
expect_fail NOT_FOUND "holders above the tip" asset holders "$ISIN" --height 999999
expect_fail NOT_FOUND "the instrument before it was issued" asset holders "$ISIN" --height 0
expect_fail USAGE "--height and --record-date together" asset holders "$ISIN" --height 1 --record-date 2026-01-01

section "by date"
TODAY="$(date -u +%F)"
run asset holders "$ISIN" --record-date "$TODAY" --json
eq "holders at the end of today: alice (the latest block)" "$(holder_q "$OUT" alice)" 200
expect_fail NOT_FOUND "a record date before the chain began" asset holders "$ISIN" --record-date 2000-01-01

section "past the retention window"
for i in $(seq 1 18); do
  folio transfer "$ISIN" 1 --to bob --as alice >/dev/null 2>&1 || fail "transfer $i"
done
check "more than 16 blocks since $H1" test "$(status_field height)" -gt $((H1 + 16))
expect_fail PRUNED "holders at $H1, now pruned" asset holders "$ISIN" --height "$H1"
check "the refusal names the heights kept" grep -q "keeps heights" <<<"$FAIL_SENTENCE"
expect_fail PRUNED "balance at $H1, now pruned" account balance alice --height "$H1"
H_NOW="$(status_field height)"
run asset holders "$ISIN" --height $((H_NOW - 15)) --json
eq "holders at the oldest height kept: conserved" "$(printf '%s' "$OUT" | jget conserved)" true

section "the tree checks out from genesis"
check_node_log_clean
run node stop
check_chain_verify
finish
