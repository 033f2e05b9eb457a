#!/usr/bin/env bash
# The explorer (specs/explorer.md) in a real browser: a --dev node serving HTTP,
# data made through the CLI (an equity with a Chinese name, one with a hostile name,
# cash, transfers, a settlement cycle, a dividend, an evidence bundle, investor profiles,
# a freeze and a force transfer, settlement instructions matched and queued, two sub-chains,
# one of them STALE), then each page
# loaded in headless Chromium driven over the DevTools protocol (tools/cdp.py), the
# rendered DOM asserted on, a bundle verified in the browser, and a screenshot kept.
# Chromium missing is a failure, not a skip: scripts/deps.sh installs it.
. "$(dirname "$0")/lib.sh" "$@"
TOOLS="$(cd "$(dirname "$0")/tools" && pwd)"
cd "$E2E_TMP" || exit 2

CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$CHROMIUM" ]; then
  fail "chromium is not installed (Debian package 'chromium'; scripts/deps.sh installs it)"
  finish
fi
ART="$(dirname "$FOLIO")/explorer-artifacts"
mkdir -p "$ART" && rm -f "$ART"/*.png
OUTD="$E2E_TMP/pages"
mkdir -p "$OUTD"

q() { folio "$@" >/dev/null || { fail "folio $*"; return 1; }; }
# has NAME TEXT: the text of page NAME contains TEXT.
has() { grep -qF -- "$2" "$OUTD/$1.txt"; }
eq() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: '$2' != '$3'"; fi; }

section "a --dev node with HTTP"
check "init" home_init
PORT="$(e2e_port_base)" || { echo "e2e: no free block of ports" >&2; exit 2; }
run node start --detach --dev --http "127.0.0.1:$PORT"
check "node start --dev --http 127.0.0.1:$PORT" test "$RC" -eq 0
BASE="http://127.0.0.1:$PORT"

section "data through the CLI"
for p in ccp:ccp clearing:clearing bank:settlement-bank issuer:issuer bx:broker by:broker \
  reg:regulator alice:investor bob:investor; do
  q keys new "${p%%:*}" && q participant register "${p%%:*}" --role "${p#*:}" --key "${p%%:*}"
done
CN_NAME="贵州茅台酒股份有限公司"
EVIL='<img src=x onerror="document.title=`pwned`">'
q asset issue equity --isin CNE10000ST02 --name "$CN_NAME" --shares 1000000 --risk R3 --to bx --as issuer
q asset issue equity --isin CNE10000ST10 --name "$EVIL" --shares 4000 --risk R3 --to by --as issuer
q asset issue cash --currency CNY --amount 1234567.89 --to by --as bank
q asset issue cash --currency CNY --amount 50000.00 --to issuer --as bank
q asset issue cash --currency HKD --amount 90000.00 --to by --as bank
# 2^53 + 1 shares: a reader that went through floating point would show ...992.
BIG=9007199254740993
q asset issue equity --isin CNE10000BG06 --name "Big Supply" --shares "$BIG" --risk R3 --to bx --as issuer
q transfer CNE10000ST02 250000 --to alice --as bx
q transfer CNE10000ST02 1000 --to bob --as alice
TRADE="$(folio trade submit --isin CNE10000ST02 --side sell --quantity 4000 --price 20.05 \
  --currency CNY --counterparty by --as bx --json | jget trade_id)"
q trade affirm "$TRADE" --as by
TRADE2="$(folio trade submit --isin CNE10000ST02 --side sell --quantity 1000 --price 30.00 \
  --currency HKD --counterparty by --as bx --json | jget trade_id)"
q trade affirm "$TRADE2" --as by
q cycle run --as clearing
day() { date -u -d "@$(($(date -u +%s) + $1 * 86400))" +%F; }
q action dividend CNE10000ST02 --per-share 0.05 --currency CNY --record-date "$(day 2)" \
  --pay-date "$(day 4)" --as issuer
# Sub-chains registered by the committee (the --dev operator), before the time advance (the
# tool's transactions expire by the wall clock): 'quick' (1 s period) is past its deadline
# after it and STALE; 'slow' (30 days) stays ACTIVE.
CHN_TOOL="$(dirname "$FOLIO")/tests/chn_tool"
for c in quick:1000 slow:2592000000; do
  folio init --home "$E2E_TMP/sub-${c%%:*}" --chain-id "sub-${c%%:*}" >/dev/null
  "$CHN_TOOL" create "$FOLIO_HOME" "${c%%:*}" "$E2E_TMP/sub-${c%%:*}" "${c#*:}" >/dev/null 2>&1 ||
    fail "chn_tool create ${c%%:*}"
done
q dev time advance 5d
T=$(($(date -u +%s%3N) - 60000))
printf '%s\tdisclosure\t-\tinvestor=alice risk=R4\n%s\tack\t#1\tinvestor=alice read it\n%s\tpurchase\t#2\tinvestor=alice qty=100\n' \
  "$T" "$((T + 1000))" "$((T + 2000))" >day.log
q evidence ingest day.log --as bx
q evidence prove --file day.log --line 3 --out purchase.bundle
python3 -c '
b = bytearray(open("purchase.bundle", "rb").read())
i = b.find(b"qty=100"); b[i + 4] ^= 1
open("tampered.bundle", "wb").write(b)'
# The anchor transaction's signature, and the block certificate's one, each changed.
python3 - "$TOOLS" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from ev_verify import decode
b = bytes(open("purchase.bundle", "rb").read())
wire, hdr, cert = decode(b)[4][0][:3]
for name, blob, tail in (("badsig", wire, wire[-64:]), ("badcert", cert, decode(cert)[3][0][1])):
    t = bytearray(b)
    i = t.find(tail)
    assert i > 0 and len(tail) == 64
    t[i + 10] ^= 1
    open(name + ".bundle", "wb").write(t)
PY
# Investor profiles: alice ordinary C4 (KYC valid), bob professional C5 (KYC expired).
q investor register alice --category ordinary --risk-class C4 --kyc-expiry 2031-06-30 --as bx
q investor register bob --category professional --risk-class C5 --kyc-expiry 2020-01-01 --as bx
ORDER="$(printf 'court order 17' | sha256sum | cut -c1-64)"
q control freeze CNE10000ST02 alice --quantity 100 --order "$ORDER" --as reg
q control force-transfer CNE10000ST02 50 --from bob --to alice --order "$ORDER" --as reg
# Instructions: one unmatched (with no mirror), a pair matched and queued (by lacks the
# securities it delivers).
q settle instruct --deliver CNE10000ST02:5 --pay CNY:50.00 --counterparty by --as bx
q settle instruct --deliver CNE10000BG06:7 --pay CNY:70.00 --counterparty bx --as by
q settle instruct --receive CNE10000BG06:7 --pay CNY:70.00 --counterparty by --as bx
STMT_H="$(folio account history alice --json | jget movements.0.height)"
folio init --home "$E2E_TMP/other" >/dev/null
head -c $((16 * 1024 * 1024 + 1)) /dev/zero >huge.bundle
HEIGHT="$(status_field height)"
ALICE="$(folio participant show alice --json | jget account)"
TXID="$(folio account history alice --json | jget movements.0.tx.id)"
check "data made (height $HEIGHT, alice $ALICE)" test -n "$HEIGHT" -a -n "$ALICE" -a -n "$TXID"

section "the files are served by the node"
curl -s -D head.txt -o index.html "$BASE/explorer/"
check "GET /explorer/ is 200 text/html" grep -qi '^content-type: text/html' head.txt
check "   with a Content-Security-Policy (script-src 'self')" grep -qi "^content-security-policy: default-src 'none'; script-src 'self';" head.txt
check "   and the page's module" grep -qF 'src="/explorer/app.js"' index.html
curl -s -D head2.txt -o /dev/null "$BASE/explorer/app.js"
check "GET /explorer/app.js is text/javascript" grep -qi '^content-type: text/javascript' head2.txt
eq "GET /explorer/nope.js is 404" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/explorer/nope.js")" 404
eq "POST /explorer/ is 405" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/explorer/")" 405

section "every page in headless Chromium ($("$CHROMIUM" --version 2>/dev/null | head -1))"
E="$BASE/explorer/#"
SHOT="$ART/explorer-asset.png"
started=$(date +%s)
timeout -k 5 180 python3 "$TOOLS/cdp.py" "$CHROMIUM" "$OUTD" >cdp.log 2>&1 <<STEPS
goto home $E/
eval window.__loaded_once = 1
sh "$FOLIO" transfer CNE10000ST02 10 --to by --as bx --home "$FOLIO_HOME"
waitfor home_live window.__loaded_once === 1 && Number(document.querySelector('#latest-blocks tr').dataset.height) > $HEIGHT
shot $ART/explorer-home.png
goto block $E/block/$HEIGHT
goto tx $E/tx/$TXID
goto assets $E/assets
goto asset_cn $E/asset/CNE10000ST02
shot $SHOT
goto asset_evil $E/asset/CNE10000ST10
goto account $E/account/$ALICE
goto participants $E/participants
goto cycles $E/cycles
shot $ART/explorer-cycles.png
goto cycle $E/cycle/1
shot $ART/explorer-cycle.png
goto asset_big $E/asset/CNE10000BG06
goto actions $E/actions
goto trades $E/trades
shot $ART/explorer-trades.png
goto instructions $E/instructions
shot $ART/explorer-instructions.png
goto queue $E/queue
shot $ART/explorer-queue.png
goto investors $E/investors
shot $ART/explorer-investors.png
goto controls $E/controls
shot $ART/explorer-controls.png
goto statement $E/statement/alice/$STMT_H
shot $ART/explorer-statement.png
goto subchains $E/subchains
shot $ART/explorer-subchains.png
goto subchain $E/subchain/quick
goto missing $E/asset/CNE000000000
goto verify $E/verify
upload verify_ok #bundle-file $E2E_TMP/purchase.bundle
upload verify_gen #genesis-file $FOLIO_HOME/genesis.bin
shot $ART/explorer-verify.png
upload verify_bad #bundle-file $E2E_TMP/tampered.bundle
upload verify_sig #bundle-file $E2E_TMP/badsig.bundle
upload verify_cert #bundle-file $E2E_TMP/badcert.bundle
upload verify_chain #genesis-file $E2E_TMP/other/genesis.bin
upload verify_huge #bundle-file $E2E_TMP/huge.bundle
STEPS
rc=$?
check "the browser ran every step in $(($(date +%s) - started)) s (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/        /' cdp.log

check "home: chain and height" has home "Latest blocks"
check "   the tip block is listed" grep -qF "#/block/$HEIGHT\"" "$OUTD/home.html"
LIVE_H="$(folio account history by --json --isin CNE10000ST02 | python3 -c 'import json,sys; print(json.load(sys.stdin)["movements"][-1]["height"])')"
check "live: the block committed after the page loaded ($LIVE_H) is on top, no reload" \
  grep -qF "<tr data-height=\"$LIVE_H\">" "$OUTD/home_live.html"
check "   the height followed" grep -qF "<span id=\"chain-height\"><a href=\"#/block/$LIVE_H\">" "$OUTD/home_live.html"
check "   the stream is live" has home_live "● live"
check "home: sub-chain health (quick STALE, slow ACTIVE)" \
  bash -c "grep -q 'quick.*STALE' '$OUTD/home.txt' && grep -q 'slow.*ACTIVE' '$OUTD/home.txt'"
check "block: its transactions" has block "Transactions"
check "tx: its type and result" has tx "asset.transfer"
check "   OK" has tx "OK"
check "assets: the Chinese name" has assets "$CN_NAME"
check "   cash supply as money with separators: 1,284,567.89 CNY" has assets "1,284,567.89 CNY"
check "   shares with separators: 1,000,000" has assets "1,000,000"
check "asset: the Chinese name is the heading" grep -qF "<h1>$CN_NAME<span" "$OUTD/asset_cn.html"
check "   the register: alice 249,000 (24.90 %)" has asset_cn "249,000"
check "   shares in basis points" has asset_cn "24.90 %"
check "   a bar chart (inline SVG) of the holders" grep -qF '<svg class="chart"' "$OUTD/asset_cn.html"
check "   the dividend of 0.05 CNY a share" has asset_cn "0.05 CNY"
check "hostile name: shown as text" has asset_evil "$EVIL"
check "   escaped in the DOM" grep -qF '&lt;img src=x onerror=' "$OUTD/asset_evil.html"
check "   no <img> element made" bash -c "! grep -q '<img' '$OUTD/asset_evil.html'"
eq "   its handler never ran (title)" "$(cat "$OUTD/asset_evil.title")" "folio explorer"
check "account: 12,450.00 CNY of dividend" has account "12,450.00 CNY"
check "   the equity holding" has account "249,000"
check "   history: the transfer in" has account "transfer"
check "participants: alice" has participants "alice"
check "cycles: settled per cycle chart, CNY" grep -qF 'Settled per cycle, CNY' "$OUTD/cycles.html"
check "   160,400.00 CNY settled" has cycles "160,400.00 CNY"
check "cycle 1: per-currency figures" has cycle "160,400.00 CNY"
check "   net position of -80,200.00 CNY" has cycle "-80,200.00 CNY"
check "   a chart per currency: CNY" grep -qF 'Cycle 1 in CNY' "$OUTD/cycle.html"
check "   and HKD, 30,000.00 HKD" grep -qF 'Cycle 1 in HKD' "$OUTD/cycle.html"
check "   30,000.00 HKD" has cycle "30,000.00 HKD"
check "2^53 + 1 shares shown exactly: 9,007,199,254,740,993" has asset_big "9,007,199,254,740,993"
check "actions: dividend, 50,000.00 CNY paid" has actions "50,000.00 CNY"
check "account: alice's suitability (ordinary, C4, up to R4)" has account "ordinary, C4 (may hold up to R4)"
check "   her KYC valid until 2031-06-30" has account "valid until 2031-06-30"
check "trades: trade $TRADE, 4,000 at 20.05 CNY, value 80,200.00 CNY" \
  bash -c "grep -q '20.05 CNY' '$OUTD/trades.txt' && grep -q '80,200.00 CNY' '$OUTD/trades.txt' && grep -q '4,000' '$OUTD/trades.txt'"
check "   the instrument's Chinese name beside its id" has trades "$CN_NAME"
check "   the HKD trade too: 30,000.00 HKD" has trades "30,000.00 HKD"
check "instructions: one unmatched, 50.00 CNY" bash -c "grep -q 'unmatched' '$OUTD/instructions.txt' && grep -q '50.00 CNY' '$OUTD/instructions.txt'"
check "   a queued pair" has instructions "queued"
check "queue: by delivers 7 CNE10000BG06 to bx for 70.00 CNY" \
  bash -c "grep -qP 'by\tbx\tCNE10000BG06' '$OUTD/queue.txt' && grep -q '70.00 CNY' '$OUTD/queue.txt'"
check "investors: alice ordinary C4, KYC valid" has investors "ordinary, C4 (may hold up to R4)"
check "   bob professional C5, KYC expired" has investors "expired 2020-01-01"
check "controls: alice's 100 frozen by reg" bash -c "grep -qP 'alice\t100\treg' '$OUTD/controls.txt'"
check "   the force transfer of 50 bob -> alice waiting" bash -c "grep -qP '50\tbob\talice\treg' '$OUTD/controls.txt'"
check "statement: alice at block $STMT_H holds 250,000 of $CN_NAME" \
  bash -c "grep -q '250,000' '$OUTD/statement.txt' && grep -qF '$CN_NAME' '$OUTD/statement.txt'"
check "sub-chains: quick STALE, slow ACTIVE" \
  bash -c "grep -qP '^quick\tSTALE' '$OUTD/subchains.txt' && grep -qP '^slow\tACTIVE' '$OUTD/subchains.txt'"
check "   none anchored yet" has subchains "none yet"
check "sub-chain quick: STALE, its period 1 s, no evidence" \
  bash -c "grep -q STALE '$OUTD/subchain.txt' && grep -A1 -x Period '$OUTD/subchain.txt' | grep -qx '1 s' && grep -q 'No evidence' '$OUTD/subchain.txt'"
check "a missing instrument: the node's code and sentence" has missing "NOT_FOUND"
check "verify: a valid bundle (genesis hash from the node)" has verify_ok "valid 3"
check "   says what it checked: the anchor's signature, the inclusion path" has verify_ok "ANCHOR_TX, ANCHOR_NOT_IN_BLOCK"
check "   and what it did not (the certificate's signatures)" has verify_ok "Not checked: the block certificate's signatures"
check "   the purchase record" has verify_ok "purchase"
check "with genesis.bin: valid 3" has verify_gen "valid 3"
check "   the certificate's signatures and quorum checked too" has verify_gen "CERTIFICATE signatures and quorum"
check "   nothing left unchecked" bash -c "! grep -q 'Not checked' '$OUTD/verify_gen.txt'"
check "verify: a changed line is invalid PAYLOAD" has verify_bad "invalid PAYLOAD"
check "verify: a changed anchor signature is invalid ANCHOR_TX" has verify_sig "invalid ANCHOR_TX"
check "verify: a changed certificate signature is invalid CERTIFICATE" has verify_cert "invalid CERTIFICATE"
check "verify: another chain's genesis is WRONG_CHAIN" has verify_chain "invalid WRONG_CHAIN"
check "verify: a file over 16 MiB is refused unread" has verify_huge "invalid BUNDLE_FORMAT: the file is over 16 MiB"
# The missing instrument's own 404s are expected; nothing else may be logged.
grep -vE "status of 404 .*/v1/(assets|actions)[/?].*CNE000000000" "$OUTD/console.txt" >console.other
check "no other console error, exception or CSP violation" test ! -s console.other
sed 's/^/        /' console.other
for f in asset home trades instructions queue investors controls statement subchains; do
  check "screenshot kept: explorer-$f.png" test -s "$ART/explorer-$f.png"
done
echo "  artifacts: $ART"

check_node_log_clean
finish
