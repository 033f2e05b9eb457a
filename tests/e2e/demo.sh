#!/usr/bin/env bash
# `make demo` is the README's first command: scripts/demo.sh (with demo_settlement.sh and
# demo_assets.sh) must run clean end to end against this binary, and what it shows follows
# specs/money.md: every amount typed as a decimal arrives exactly (100,000.00 HKD issued,
# 1,250.50 HKD moved, a 0.37 HKD dividend and a 0.85 HKD coupon paid to the cent), and every
# figure shown is money with its currency and decimals, alone in its table cell and
# right-aligned.
. "$(dirname "$0")/lib.sh" "$@"

DEMO="$(cd "$(dirname "$0")/../../scripts" && pwd)/demo.sh"
LOG="$E2E_TMP/demo.out"

section "scripts/demo.sh"
# The demo makes its own home under TMPDIR and stops its node on exit; the home is also
# handed to lib.sh as soon as it exists, so that a test killed mid-demo stops that node.
TMPDIR="$E2E_TMP" bash "$DEMO" "$FOLIO" >"$LOG" 2>&1 &
DEMO_PID=$!
E2E_BG+=("$DEMO_PID")
for _ in $(seq 1 100); do
  h="$(compgen -G "$E2E_TMP/folio-demo.*" | head -1)"
  [ -n "$h" ] && { E2E_HOMES+=("$h/node"); break; }
  sleep 0.1
done
wait "$DEMO_PID"
DRC=$?
check "the demo exits 0" test "$DRC" -eq 0
[ "$DRC" -eq 0 ] || tail -n 25 "$LOG" | sed 's/^/        | /'
check "the demo's chain verifies at the end" grep -q "^OK: .* verified from genesis" "$LOG"
check "the demo stops its node" grep -q "^node stopped" "$LOG"
check "nothing the demo did not expect was refused (one refusal, on purpose)" \
  test "$(grep -c "refused before submission\|rejected" "$LOG")" -eq 1

section "money in the settlement part"
# Trades at 20.00, 80.00, 21.00 and 81.00 CNY a share; cycle 1 settles all but trade 4
# (200 x 81.00, carried): broker-x is 10,500.00 CNY up and broker-z as much down. Prices
# read in other units would give other balances.
S="$(sed -n '/More: settlement/,/More: assets/p' "$LOG")"
check "broker-x holds 30,500.00 CNY after cycle 1 (20,000.00 + 10,500.00 net)" \
  grep -Eq "^CNY +cash +CNY cash +30,500\.00 CNY" <<<"$S"
check "broker-z holds 39,500.00 CNY after cycle 1 (50,000.00 - 10,500.00 net)" \
  grep -Eq "^CNY +cash +CNY cash +39,500\.00 CNY" <<<"$S"

section "money in the assets part"
A="$(sed -n '/More: assets/,$p' "$LOG")"
has() { if grep -Eq "$2" <<<"$A"; then pass "$1"; else fail "$1 (no line matching '$2')"; fi; }
has "issue cash --amount 100000.00: 100,000.00 HKD" "^issue 100,000\.00 HKD: committed"
has "transfer HKD 1250.50: 1,250.50 HKD" "^transfer 1,250\.50 HKD to demo-broker: committed"
has "   ... demo-broker holds 1,250.50 HKD" "^HKD +cash +HKD cash +1,250\.50 HKD"
has "dividend --per-share 0.37" "^dividend of 0\.37 HKD a share on CNE000001R84: committed"
has "bond schedule: first coupon 0.85 HKD per unit, no redemption" "^ +1 +[0-9-]+ +[0-9-]+ +89/365 +0\.85 HKD +-$"
has "bond schedule: the last period redeems 100.00 HKD" " HKD +100\.00 HKD$"
has "action list: the dividend of 0.37 HKD paid in full, 370.00 HKD to 2 holders" \
  "dividend +CNE000001R84 +done .* 0\.37 HKD +370\.00 HKD +370\.00 HKD +2 of 2$"
has "action list: the coupon of 0.85 HKD paid 425.00 HKD (500 units)" \
  "coupon +CNE10000D0B9 +done .* 0\.85 HKD +425\.00 HKD +425\.00 HKD +1 of 1$"
has "demo-alice got 750 x 0.37 = 277.50 HKD" "^HKD +cash +HKD cash +277\.50 HKD"
has "demo-bob got 250 x 0.37 + 500 x 0.85 = 517.50 HKD" "^HKD +cash +HKD cash +517\.50 HKD"
has "the HKD register is conserved" "^issued 100,000\.00 HKD, held 100,000\.00 HKD: conserved$"

section "every figure the demo shows"
python3 "$(dirname "$0")/tools/money_scan.py" "$LOG" >"$E2E_TMP/scan.out" 2>&1
SRC=$?
check "money at its currency's scale, alone in its cell, right-aligned ($(head -1 "$E2E_TMP/scan.out"))" test "$SRC" -eq 0
[ "$SRC" -eq 0 ] || sed 's/^/        /' "$E2E_TMP/scan.out"

finish
