#!/usr/bin/env bash
# Evidence preservation through the real binary and a --dev node (specs/evidence.md): a
# broker ingests a log (disclosure -> acknowledgement -> purchase), each slice is anchored
# by one transaction; re-ingesting anchors nothing; a truncated or malformed log stores and
# anchors nothing; a non-broker cannot anchor; prove writes a bundle of the purchase and the
# chain it follows from; `evidence verify` and an independent Python verifier
# (tools/ev_verify.py, standard library only) accept it with only genesis.bin, and both
# refuse it tampered, for another chain, or without the records it links to.
. "$(dirname "$0")/lib.sh" "$@"

TOOLS="$(cd "$(dirname "$0")/tools" && pwd)"
PYV="$TOOLS/ev_verify.py"
eq() { if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi; }
txs() { status_field tx_total; }
pyv() { OUT="$(python3 "$PYV" "$@" 2>&1)"; }
cd "$E2E_TMP" || exit 2

section "setup: a --dev node and a broker"
check "init" home_init
run node start --detach --dev
check "node start --dev" test "$RC" -eq 0
folio keys new broker >/dev/null
folio keys new alice >/dev/null
run participant register broker --role broker --key broker
check "register broker" test "$RC" -eq 0
run participant register alice --role investor --key alice
check "register alice" test "$RC" -eq 0
SUBJECT="$(folio participant show broker --json | jget account)"

T=$(($(date -u +%s%3N) - 60000))
printf '%s\tdisclosure\t-\tinvestor=alice isin=CNE100000296 risk=R4\n%s\tack\t#1\tinvestor=alice read the disclosure\n%s\tpurchase\t#2\tinvestor=alice qty=100\n' \
  "$T" "$((T + 1000))" "$((T + 2000))" >day.log

section "ingest: one slice, one anchor"
t0="$(txs)"
expect_ok "evidence ingest day.log --as broker" evidence ingest day.log --as broker
check "   3 records in 1 slice" grep -q "day.log: 3 records in 1 slices" <<<"$OUT"
check "   anchored 1 slice" grep -q "anchored 1 slice" <<<"$OUT"
eq "   one transaction" "$(($(txs) - t0))" 1
ls "$FOLIO_HOME"/evidence/*.slice >/dev/null 2>&1 && pass "   slice stored" || fail "   no slice in the store"

section "re-ingest: nothing new"
t0="$(txs)"
expect_ok "evidence ingest day.log again" evidence ingest day.log --as broker
check "   says already ingested" grep -q "already ingested" <<<"$ERR"
sleep 0.5
eq "   no transaction" "$(($(txs) - t0))" 0
eq "   still one slice in the store" "$(ls "$FOLIO_HOME"/evidence/*.slice | wc -l)" 1

section "hostile logs: precise errors, nothing stored or anchored"
printf '%s\tdisclosure\t-\tno newline' "$T" >trunc.log
expect_fail BAD_LOG "truncated log" evidence ingest trunc.log --as broker
check "   names line 1 and TRUNCATED" grep -q "line 1 (byte offset 0): TRUNCATED" <<<"$FAIL_SENTENCE"
printf '%s\tack\t-\tok\n%s\tBAD TYPE\t-\tx\n' "$T" "$T" >badtype.log
expect_fail BAD_LOG "bad type on line 2" evidence ingest badtype.log --as broker
check "   names line 2 and TYPE" grep -q "line 2 (byte offset [0-9]*): TYPE" <<<"$FAIL_SENTENCE"
printf '%s\tack\t#2\tlinks forward\n%s\tack\t-\tx\n' "$T" "$T" >fwd.log
expect_fail BAD_LOG "link to a later line" evidence ingest fwd.log --as broker
check "   LINK_UNKNOWN" grep -q "LINK_UNKNOWN" <<<"$FAIL_SENTENCE"
eq "   still one slice in the store" "$(ls "$FOLIO_HOME"/evidence/*.slice | wc -l)" 1
printf '%s\tlogin\t-\talice\n' "$T" >alice.log
expect_fail UNAUTHORIZED "an investor cannot anchor" evidence ingest alice.log --as alice \
  --store "$E2E_TMP/alice-store"

section "prove and verify with genesis.bin only"
IDS="$(python3 "$PYV" ids day.log "$SUBJECT")"
PURCHASE="$(sed -n 3p <<<"$IDS")"
DISCLOSURE="$(sed -n 1p <<<"$IDS")"
expect_ok "evidence prove PURCHASE (id computed by the Python tool)" evidence prove "$PURCHASE" --out purchase.bundle
check "   3 records (the chain), 1 anchor" grep -q "3 records, 1 anchor" <<<"$OUT"
cp "$FOLIO_HOME/genesis.bin" genesis.bin
expect_ok "evidence verify (no node needed)" evidence verify purchase.bundle --genesis genesis.bin
check "   valid: 3 records" grep -q "valid: 3 records" <<<"$OUT"
check "   shows the disclosure it follows from" grep -q "disclosure at" <<<"$OUT"
run evidence verify purchase.bundle --genesis genesis.bin --json
eq "   --json first record is the purchase" "$(jget records.0.record <<<"$OUT")" "$PURCHASE"
eq "   --json subject is the broker" "$(jget records.0.subject <<<"$OUT")" "$SUBJECT"
pyv verify purchase.bundle genesis.bin
check "Python verifier: valid 3" grep -q "^valid 3" <<<"$OUT"

section "tampering is refused by both verifiers"
python3 -c '
import sys
b = bytearray(open("purchase.bundle", "rb").read())
i = b.find(b"qty=100"); b[i + 4] ^= 1
open("tampered.bundle", "wb").write(b)'
expect_fail PAYLOAD "a changed line" evidence verify tampered.bundle --genesis genesis.bin
pyv verify tampered.bundle genesis.bin
check "   Python: invalid PAYLOAD" grep -q "^invalid PAYLOAD" <<<"$OUT"
folio init --home "$E2E_TMP/other" >/dev/null
expect_fail WRONG_CHAIN "another chain's genesis" evidence verify purchase.bundle --genesis "$E2E_TMP/other/genesis.bin"
pyv verify purchase.bundle "$E2E_TMP/other/genesis.bin"
check "   Python: invalid WRONG_CHAIN" grep -q "^invalid WRONG_CHAIN" <<<"$OUT"
head -c 200 purchase.bundle >cut.bundle
expect_fail BUNDLE_FORMAT "a truncated bundle" evidence verify cut.bundle --genesis genesis.bin
pyv verify cut.bundle genesis.bin
check "   Python: invalid BUNDLE_FORMAT" grep -q "^invalid BUNDLE_FORMAT" <<<"$OUT"

section "privacy: a bundle without the lines"
expect_ok "evidence prove DISCLOSURE --private" evidence prove "$DISCLOSURE" --out private.bundle --private
check "   the line is not in the bundle" bash -c '! grep -q "risk=R4" private.bundle'
expect_ok "   verifies" evidence verify private.bundle --genesis genesis.bin
check "   says the content is withheld" grep -q "content withheld" <<<"$OUT"
pyv verify private.bundle genesis.bin
check "   Python: valid 1" grep -q "^valid 1" <<<"$OUT"

section "a second file extends the broker's log"
printf '%s\tpurchase\t%s\tinvestor=alice qty=50 (same disclosure)\n' "$((T + 3000))" "$DISCLOSURE" >day2.log
expect_ok "evidence ingest day2.log (links by id to day.log's disclosure)" evidence ingest day2.log --as broker
IDS2="$(python3 "$PYV" ids day2.log "$SUBJECT")"
expect_ok "prove the new purchase" evidence prove "$IDS2" --out p2.bundle
check "   2 records in 2 anchors" grep -q "2 records, 2 anchors" <<<"$OUT"
pyv verify p2.bundle genesis.bin
check "   Python: valid 2" grep -q "^valid 2" <<<"$OUT"

section "status, and prove by file and line"
expect_ok "evidence status" evidence status
check "   2 slices, 4 records, 0 not anchored" grep -q "2 slices, 4 records, 0 not anchored" <<<"$OUT"
run evidence status --json
eq "   --json records" "$(jget records <<<"$OUT")" 4
expect_ok "evidence status of the investor's store (its anchor was refused)" evidence status --store "$E2E_TMP/alice-store"
check "   1 not anchored, flagged" grep -q "1 slices, 1 records, 1 not anchored" <<<"$OUT"
check "   NOT ANCHORED" grep -q "NOT ANCHORED" <<<"$OUT"
expect_ok "evidence prove --file day.log --line 2" evidence prove --file day.log --line 2 --out ack.bundle
check "   2 records (the ack and its disclosure)" grep -q "2 records, 1 anchor" <<<"$OUT"
pyv verify ack.bundle genesis.bin
check "   Python: valid 2, first the ack" grep -q "^$(sed -n 2p <<<"$IDS") ack day.log line 2" <<<"$OUT"
expect_fail NOT_FOUND "line 9 of day.log" evidence prove --file day.log --line 9 --out x.bundle
expect_fail USAGE "an id and --file" evidence prove "$PURCHASE" --file day.log --line 2 --out x.bundle

section "evidence chains: the whole process, forward and back"
ACK="$(sed -n 2p <<<"$IDS")"
expect_ok "evidence chain DISCLOSURE -o chain.bundle" evidence chain "$DISCLOSURE" -o chain.bundle
check "   4 records (disclosure, ack, 2 purchases), 2 anchors" grep -q "evidence chain of 4 records, 2 anchors" <<<"$OUT"
expect_ok "evidence verify chain.bundle" evidence verify chain.bundle --genesis genesis.bin
check "   a valid chain" grep -q "^valid evidence chain: 4 records in time order" <<<"$OUT"
run evidence verify chain.bundle --genesis genesis.bin --json
eq "   --json chain" "$(jget chain <<<"$OUT")" true
eq "   first the disclosure" "$(jget records.0.record <<<"$OUT")" "$DISCLOSURE"
eq "   then the ack" "$(jget records.1.record <<<"$OUT")" "$ACK"
eq "   last the second day's purchase" "$(jget records.3.record <<<"$OUT")" "$IDS2"
pyv verify chain.bundle genesis.bin
check "   Python: valid 4 chain" grep -q "^valid 4 chain" <<<"$OUT"
expect_ok "evidence chain PURCHASE (the same process)" evidence chain "$PURCHASE" --out chain2.bundle
cmp -s <(folio evidence verify chain.bundle --genesis genesis.bin --json | jget records) \
  <(folio evidence verify chain2.bundle --genesis genesis.bin --json | jget records) &&
  pass "   the same records in the same order" || fail "   other records"
# prove's bundle (version 1: the purchase first) relabelled as a chain: out of time order.
python3 -c '
b = bytearray(open("purchase.bundle", "rb").read()); assert b[17] == 1; b[17] = 2
open("relabelled.bundle", "wb").write(b)'
expect_fail CHAIN_ORDER "a record bundle relabelled as a chain" evidence verify relabelled.bundle --genesis genesis.bin
pyv verify relabelled.bundle genesis.bin
check "   Python: invalid CHAIN_ORDER" grep -q "^invalid CHAIN_ORDER" <<<"$OUT"
expect_fail NOT_FOUND "chain of an unknown record" evidence chain "$(printf '0%.0s' {1..64})" -o x.bundle
# The store loses the first day's slice: day 2's purchase links to a record it no longer has.
D1="$(head -1 "$FOLIO_HOME/evidence/by-source/$(printf day.log | sha256sum | cut -c1-64)")"
mv "$FOLIO_HOME/evidence/$D1.slice" lost.slice
expect_fail LINK_MISSING "chain of day 2's purchase with day 1's slice gone" evidence chain "$IDS2" -o x.bundle
check "   names the purchase, its line and the missing record" \
  grep -q "purchase day2.log line 1.*links to record $DISCLOSURE, which is not in the evidence store" <<<"$FAIL_SENTENCE"
mv lost.slice "$FOLIO_HOME/evidence/$D1.slice"

section "the record index (STORE/ids2, 16-byte entries) is a checked hint"
B="$FOLIO_HOME/evidence/ids2/${PURCHASE:0:2}"
N="$FOLIO_HOME/evidence/slice-numbers"
check "   the purchase's bucket holds its 16-byte entry (id prefix, slice number, index)" python3 -c '
import sys, os
b, nums = open(sys.argv[1], "rb").read(), open(sys.argv[3], "rb").read()
assert len(b) % 16 == 0 and len(nums) % 32 == 0, "entry sizes"
e = [b[i:i + 16] for i in range(0, len(b), 16) if b[i:i + 8] == bytes.fromhex(sys.argv[2])[:8]]
no, index = int.from_bytes(e[0][8:12], "big"), int.from_bytes(e[0][12:16], "big")
root = nums[32 * no:32 * no + 32].hex()
assert os.path.exists(os.path.join(os.path.dirname(sys.argv[3]), root + ".slice")) and index == 2
' "$B" "$PURCHASE" "$N"
check "   no version 1 entries written (ids/, links/ empty)" \
  bash -c '[ -z "$(find "$1/ids" "$1/links" -type f 2>/dev/null)" ]' _ "$FOLIO_HOME/evidence"
check "   a link entry per link: the ack and the purchase (16 bytes each)" python3 -c '
import sys, glob
sys.exit(0 if sum(len(open(p, "rb").read()) for p in glob.glob(sys.argv[1] + "/links2/*")) == 16 * 3 else 1)' "$FOLIO_HOME/evidence"
cp "$B" bucket.orig
# A forged entry first (the purchase's id prefix in the other slice at index 0), then a torn one.
python3 -c '
import sys, os
b, nums = open(sys.argv[1], "rb").read(), open(sys.argv[3], "rb").read()
e = next(b[i:i + 16] for i in range(0, len(b), 16) if b[i:i + 8] == bytes.fromhex(sys.argv[2])[:8])
mine = int.from_bytes(e[8:12], "big")
other = next(n for n in range(len(nums) // 32) if nums[32 * n:32 * n + 32] != nums[32 * mine:32 * mine + 32])
open(sys.argv[1], "wb").write(e[:8] + other.to_bytes(4, "big") + bytes(4) + b + b"torn")' "$B" "$PURCHASE" "$N"
expect_ok "prove PURCHASE with a forged and a torn index entry" evidence prove "$PURCHASE" --out idx.bundle
pyv verify idx.bundle genesis.bin
check "   Python: valid 3" grep -q "^valid 3" <<<"$OUT"
rm -f "$B"
expect_ok "prove PURCHASE with its bucket gone (reads every slice)" evidence prove "$PURCHASE" --out idx2.bundle
cmp -s idx.bundle idx2.bundle && pass "   the same bundle" || fail "   another bundle"
# A store written by an older folio: its record index in version 1 (ids/, 68-byte entries).
mkdir -p "$FOLIO_HOME/evidence/ids" "$FOLIO_HOME/evidence/links"
python3 -c '
import sys
b, nums = open(sys.argv[1], "rb").read(), open(sys.argv[3], "rb").read()
e = next(b[i:i + 16] for i in range(0, len(b), 16) if b[i:i + 8] == bytes.fromhex(sys.argv[2])[:8])
no = int.from_bytes(e[8:12], "big")
open(sys.argv[4], "wb").write(bytes.fromhex(sys.argv[2]) + nums[32 * no:32 * no + 32] + e[12:16])' \
  bucket.orig "$PURCHASE" "$N" "$FOLIO_HOME/evidence/ids/${PURCHASE:0:2}"
expect_ok "prove PURCHASE from a version 1 index entry" evidence prove "$PURCHASE" --out idx3.bundle
cmp -s idx.bundle idx3.bundle && pass "   the same bundle" || fail "   another bundle"
rm -f "$FOLIO_HOME/evidence/ids/${PURCHASE:0:2}"
cp bucket.orig "$B"
# Its link index in version 1 (links/, 64-byte entries linked_id || linking_id): the chain
# still follows the disclosure forward, to the ack and day 2's purchase.
L="$FOLIO_HOME/evidence/links2/${DISCLOSURE:0:2}"
cp "$L" links.orig
python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
p = bytes.fromhex(sys.argv[2])[:8]
open(sys.argv[1], "wb").write(b"".join(b[i:i + 16] for i in range(0, len(b), 16) if b[i:i + 8] != p))
open(sys.argv[3], "wb").write(b"".join(bytes.fromhex(sys.argv[2] + x) for x in sys.argv[4:]))' \
  "$L" "$DISCLOSURE" "$FOLIO_HOME/evidence/links/${DISCLOSURE:0:2}" "$ACK" "$IDS2"
expect_ok "evidence chain DISCLOSURE from version 1 link entries" evidence chain "$DISCLOSURE" -o chain3.bundle
check "   4 records, 2 anchors" grep -q "evidence chain of 4 records, 2 anchors" <<<"$OUT"
rm -f "$FOLIO_HOME/evidence/links/${DISCLOSURE:0:2}"
expect_ok "evidence chain DISCLOSURE with its link entries gone" evidence chain "$DISCLOSURE" -o chain4.bundle
check "   only what the disclosure reaches itself: 1 record" grep -q "evidence chain of 1 record, 1 anchor" <<<"$OUT"
cp links.orig "$L"

section "the broker's log: append-only, provably"
expect_ok "evidence consistency broker 1 2" evidence consistency broker 1 2
check "   consistent" grep -q "^consistent: the log of 1 slices" <<<"$OUT"
run evidence consistency broker 1 2 --json
ROOT2="$(jget root_n <<<"$OUT")"
ANCHOR2="$(cat "$FOLIO_HOME"/evidence/*.anchor | while read -r id; do
  folio tx show "$id" --json | python3 -c '
import json, sys
t = json.load(sys.stdin)
p = t["payload"]
print(json.dumps(p))' ; done)"
check "   root_n is a log_root an anchor transaction carries" \
  bash -c '[ ${#1} -eq 64 ] && grep -q "$1" <<<"$2"' _ "$ROOT2" "$ANCHOR2"
expect_fail NOT_FOUND "a log size the broker does not have" evidence consistency broker 1 3
expect_fail USAGE "M = 0" evidence consistency broker 0 2

section "hostile evidence queries: precise errors, the node stays up"
out="$(PYTHONPATH="$TOOLS" URL="ipc://$FOLIO_HOME/node.sock" \
  timeout -k 5 60 python3 - <<'EOF'
import os, spclient
c = spclient.connect(os.environ["URL"])
cases = [
    ("no sub-method", [], "INVALID"),
    ("a number for the sub-method", [5], "INVALID"),
    ("an unknown sub-method", ["nope"], "INVALID"),
    ("head without a subject", ["head"], "INVALID"),
    ("head of a 39-hex account", ["head", "a" * 39], "INVALID"),
    ("anchor with text", ["anchor", "x" * 32], "INVALID"),
    ("anchor with 31 bytes", ["anchor", b"\x00" * 31], "INVALID"),
    ("anchor of an unknown root", ["anchor", b"\x00" * 32], "NOT_FOUND"),
    ("consistency M > N", ["consistency", "broker", 3, 2], "INVALID"),
    ("consistency past the log", ["consistency", "broker", 1, 2**64 - 1], "NOT_FOUND"),
    ("consistency of an unknown subject", ["consistency", "nobody", 1, 1], "INVALID"),
]
for desc, args, want in cases:
    st, j = c.call("evidence", *args)
    got = j.get("error")
    print(("ok " if got == want and j.get("message") else "FAIL ") + "%s -> %s: %s" % (desc, got, j.get("message")))
st, j = c.call("evidence", "head", "broker")
print(("ok " if st == 0 and j.get("size") == 2 else "FAIL ") + "then head broker: size %s" % j.get("size"))
EOF
)"
while IFS= read -r line; do
  case "$line" in
    "ok "*) pass "${line#ok }" ;;
    *) fail "${line#FAIL }" ;;
  esac
done <<<"$out"

section "a growing log, a changed log, a truncated log"
cp day.log day.orig
printf '%s\tpurchase\t#1\tinvestor=alice qty=7 (appended later)\n' "$((T + 4000))" >>day.log
t0="$(txs)"
expect_ok "ingest day.log after a line was appended" evidence ingest day.log --as broker
check "   only the new line is stored" grep -q "day.log: 1 records in 1 slices.*already anchored are unchanged" <<<"$OUT"
eq "   one more anchor" "$(($(txs) - t0))" 1
NEWID="$(python3 "$PYV" ids day.log "$SUBJECT" | sed -n 4p)"
expect_ok "   prove the appended line (links to line 1, stored before)" evidence prove "$NEWID" --out grown.bundle
pyv verify grown.bundle genesis.bin
check "   Python: valid 2" grep -q "^valid 2" <<<"$OUT"
slices0="$(ls "$FOLIO_HOME"/evidence/*.slice | wc -l)"
sed 's/qty=100/qty=900/' day.orig >day.log
printf '%s\tpurchase\t#1\tinvestor=alice qty=7 (appended later)\n' "$((T + 4000))" >>day.log
expect_fail SOURCE_CHANGED "a line changed after it was anchored" evidence ingest day.log --as broker
check "   names line 3" grep -q "1 line changed since anchored (line 3)" <<<"$FAIL_SENTENCE"
run evidence ingest day.log --as broker
check "   reports it record by record: line, offset, payload hash anchored and now" \
  grep -qE "^day.log: line 3 \(byte offset [0-9]+\) changed: payload hash anchored [0-9a-f]{16}, now [0-9a-f]{16}$" <<<"$ERR"
check "   only that record" test "$(grep -c ' changed: payload hash' <<<"$ERR")" = 1
head -n 1 day.orig >day.log
expect_fail SOURCE_CHANGED "anchored lines cut from the end" evidence ingest day.log --as broker
check "   names lines 2..4" grep -q "lines 2..4 are gone" <<<"$FAIL_SENTENCE"
eq "   nothing stored" "$(ls "$FOLIO_HOME"/evidence/*.slice | wc -l)" "$slices0"

section "a dry run stores and anchors nothing"
printf '%s\tlogin\t-\tbroker desk 4\n' "$((T + 5000))" >dry.log
slices0="$(ls "$FOLIO_HOME"/evidence/*.slice | wc -l)"
t0="$(txs)"
expect_ok "evidence ingest dry.log --dry-run" evidence ingest dry.log --as broker --dry-run
check "   says what it would do" grep -q "dry run: dry.log: 1 new records in 1 slices would be stored" <<<"$OUT"
eq "   no slice stored" "$(ls "$FOLIO_HOME"/evidence/*.slice | wc -l)" "$slices0"
eq "   no transaction" "$(($(txs) - t0))" 0

section "the progress bar: stderr, only on a terminal or with --progress, never with --json"
python3 -c 'import sys
for i in range(20000): print("%d\tlogin\t-\tdesk %d" % (1790000000000 + i, i))' >big.log
run evidence ingest big.log --as broker --dry-run
check "   not a terminal, no --progress: no bar" test "$RC" -eq 0 -a -z "$ERR"
run evidence ingest big.log --as broker --dry-run --progress
check "   --progress: the bar ends at 100 % with the records" grep -q "big.log \[#*\] 100%.*20000 records" <<<"$ERR"
check "   stdout unchanged" grep -q "dry run: big.log: 20000 new records" <<<"$OUT"
run evidence ingest big.log --as broker --dry-run --progress --json
check "   --json: silent" test "$RC" -eq 0 -a -z "$ERR"

section "off-site copies: mirror, attest, restore"
folio keys new keeper >/dev/null
run participant register keeper --role regulator --key keeper
check "register keeper (another member)" test "$RC" -eq 0
KS="$E2E_TMP/keeper-store"
NS="$(ls "$FOLIO_HOME"/evidence/*.slice | wc -l)"
run evidence status --copies 1
check "   status --copies 1 flags every slice before" grep -q ", $NS with fewer than 1 attested copies" <<<"$OUT"
t0="$(txs)"
expect_ok "evidence mirror --from the broker's store --as keeper" evidence mirror --from "$FOLIO_HOME/evidence" --store "$KS" --as keeper
check "   mirrored and attested every slice" grep -q "mirrored and attested $NS slices" <<<"$OUT"
eq "   one attestation each on chain" "$(($(txs) - t0))" "$NS"
expect_ok "mirror again" evidence mirror --from "$FOLIO_HOME/evidence" --store "$KS" --as keeper
check "   nothing new" grep -q "mirrored and attested 0 slices" <<<"$OUT"
run evidence status --copies 1
check "   status --copies 1: none short" grep -q ", 0 with fewer than 1 attested copies" <<<"$OUT"
run evidence status --copies 2 --json
eq "   --copies 2: every slice short" "$(jget fewer_copies <<<"$OUT")" "$NS"
expect_fail EV_OWN_SLICE "the broker attesting its own slices" evidence mirror --from "$FOLIO_HOME/evidence" --store "$E2E_TMP/self-mirror" --as broker
mkdir -p forged
R1="$(basename "$(ls "$FOLIO_HOME"/evidence/*.slice | head -1)" .slice)"
R2="$(basename "$(ls "$FOLIO_HOME"/evidence/*.slice | sed -n 2p)" .slice)"
cp "$FOLIO_HOME/evidence/$R2.slice" "forged/$R1.slice"
expect_fail SLICE_MISMATCH "restore of another slice's bytes under a root" evidence restore --slice "$R1" --from forged
D1="$(head -1 "$FOLIO_HOME/evidence/by-source/$(printf day.log | sha256sum | cut -c1-64)")"
mv "$FOLIO_HOME/evidence/$D1.slice" lost2.slice
expect_fail NOT_FOUND "prove PURCHASE with its slice lost" evidence prove "$PURCHASE" -o x.bundle
expect_ok "evidence restore --slice (day.log's) --from the keeper's store" evidence restore --slice "$D1" --from "$KS"
check "   verified against its anchor, 1 attested copy" grep -q "verified against its anchor (1 attested copies on chain)" <<<"$OUT"
expect_ok "   prove PURCHASE again" evidence prove "$PURCHASE" -o restored.bundle
cmp -s restored.bundle idx.bundle && pass "   the same bundle as before the loss" || fail "   another bundle"

section "retention: the lines go, the proofs stay"
expect_ok "evidence purge --older-than 0 of the investor's store (its slice is not anchored)" evidence purge --older-than 0 --store "$E2E_TMP/alice-store"
check "   deleted nothing" grep -q "deleted the lines of 0 anchored slices" <<<"$OUT"
expect_ok "evidence purge --older-than 0" evidence purge --older-than 0
check "   deleted the lines of every anchored slice" grep -q "deleted the lines of [1-9][0-9]* anchored slices" <<<"$OUT"
check "   the lines are gone from the store" bash -c '! zstdcat "$1"/*.slice 2>/dev/null | grep -q "qty=100"' _ "$FOLIO_HOME/evidence"
run evidence status --json
eq "   status says so" "$(jget list.0.lines_deleted <<<"$OUT")" true
expect_ok "prove PURCHASE after retention" evidence prove "$PURCHASE" -o purged.bundle
expect_ok "   verifies" evidence verify purged.bundle --genesis genesis.bin
check "   content withheld" grep -q "content withheld" <<<"$OUT"
pyv verify purged.bundle genesis.bin
check "   Python: valid 3" grep -q "^valid 3" <<<"$OUT"
pyv verify purchase.bundle genesis.bin
check "   the bundle given before retention still verifies" grep -q "^valid 3" <<<"$OUT"
expect_ok "evidence purge again: nothing more" evidence purge --older-than 0
check "   0 slices" grep -q "deleted the lines of 0 anchored slices" <<<"$OUT"

section "other formats: jsonl and csv, under a schema"
FS="$E2E_TMP/fmt-store"
printf '{"time": %s, "type": "disclosure", "investor": "alice", "isin": "CNE100000296"}\n{"time": "%s", "type": "ack", "links": ["#1"], "investor": "alice", "note": "read it, \\"all\\" of it"}\n' \
  "$((T + 6000))" "$(python3 -c 'import sys,datetime; print(datetime.datetime.utcfromtimestamp(int(sys.argv[1]) / 1000).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")' "$((T + 7000))")" >day.jsonl
expect_ok "evidence ingest day.jsonl --format jsonl" evidence ingest day.jsonl --format jsonl --as broker --store "$FS"
check "   2 records" grep -q "day.jsonl: 2 records in 1 slices" <<<"$OUT"
expect_ok "prove --file day.jsonl --line 2" evidence prove --file day.jsonl --line 2 -o jsonl.bundle --store "$FS"
check "   2 records (the ack and its disclosure)" grep -q "2 records, 1 anchor" <<<"$OUT"
pyv verify jsonl.bundle genesis.bin
check "   Python: valid 2" grep -q "^valid 2" <<<"$OUT"
printf 'when,what,refs,investor\n%s,disclosure,,bob\n%s,ack,#2,"bob, ""B."""\n' "$((T + 8000))" "$((T + 9000))" >day.csv
printf '{"format": "csv", "time": "when", "type": "what", "links": "refs", "required": ["investor"]}\n' >csv.schema
expect_ok "evidence ingest day.csv --schema csv.schema" evidence ingest day.csv --schema csv.schema --as broker --store "$FS"
check "   2 records (the header is none)" grep -q "day.csv: 2 records in 1 slices" <<<"$OUT"
expect_ok "prove --file day.csv --line 3" evidence prove --file day.csv --line 3 -o csv.bundle --store "$FS"
run evidence verify csv.bundle --genesis genesis.bin --json
eq "   the record is an ack" "$(jget records.0.type <<<"$OUT")" ack
eq "   of line 3" "$(jget records.0.line <<<"$OUT")" 3
eq "   following from line 2" "$(jget records.1.line <<<"$OUT")" 2
n0="$(ls "$FS"/*.slice | wc -l)"
printf '{"format": "jsonl", "time": "ts", "type": "event", "required": ["investor"]}\n' >j.schema
printf '{"ts": %s, "event": "login", "investor": "carol"}\n{"ts": %s, "event": "login"}\n' "$T" "$T" >missing.jsonl
expect_fail BAD_LOG "a jsonl record without a required field" evidence ingest missing.jsonl --schema j.schema --as broker --store "$FS"
check "   names line 2, SCHEMA and the field" grep -q 'missing.jsonl: line 2 (byte offset [0-9]*): SCHEMA: the object has no "investor", which the schema requires' <<<"$FAIL_SENTENCE"
printf '{"ts": %s, "event": "login", "investor": "carol"}\n["not", "an object"]\n' "$T" >notobj.jsonl
expect_fail BAD_LOG "a jsonl line that is not an object" evidence ingest notobj.jsonl --schema j.schema --as broker --store "$FS"
check "   names line 2 and FIELDS" grep -q "notobj.jsonl: line 2 (byte offset [0-9]*): FIELDS: the line is not a JSON object" <<<"$FAIL_SENTENCE"
printf 'time,type\n%s,login\n%s,"unclosed\n' "$T" "$T" >bad.csv
expect_fail BAD_LOG "a csv line with an unclosed quote" evidence ingest bad.csv --format csv --as broker --store "$FS"
check "   names line 3" grep -q "bad.csv: line 3 (byte offset [0-9]*): FIELDS" <<<"$FAIL_SENTENCE"
printf '{"time": "yesterday", "type": "x"}\n' >badtime.jsonl
expect_fail BAD_LOG "a jsonl time that is not a time" evidence ingest badtime.jsonl --format jsonl --as broker --store "$FS"
check "   TIME" grep -q "line 1 (byte offset 0): TIME" <<<"$FAIL_SENTENCE"
eq "   nothing stored" "$(ls "$FS"/*.slice | wc -l)" "$n0"
printf '{"format": "jsonl", "tiem": "ts"}\n' >typo.schema
expect_fail BAD_SCHEMA "a schema with an unknown key" evidence ingest missing.jsonl --schema typo.schema --as broker --store "$FS"
expect_fail USAGE "an unknown format" evidence ingest day.log --format xml --as broker --store "$FS"

section "the issue's forms: ingest DIR --subject BROKER, prove --record ID"
DS="$E2E_TMP/dirstore"
mkdir -p logdir/sub
printf '%s\tlogin\t-\tdesk 1\n' "$T" >logdir/b.log
printf '%s\tlogin\t-\tdesk 2\n%s\tlogout\t#1\tdesk 2\n' "$T" "$((T + 1))" >logdir/a.log
printf 'not a log\n' >logdir/.hidden
printf 'not a log\n' >logdir/sub/c.log
t0="$(txs)"
expect_ok "evidence ingest logdir --subject broker" evidence ingest logdir --subject broker --store "$DS"
check "   its files in name order: a.log, then b.log" grep -qz "logdir/a.log: 2 records.*logdir/b.log: 1 records" <<<"$OUT"
check "   not the hidden file, not the sub-folder" bash -c "! grep -q 'hidden\|sub/c.log' <<<\"$OUT\""
eq "   two anchors" "$(($(txs) - t0))" 2
expect_ok "the folder again: nothing new" evidence ingest logdir --subject broker --store "$DS"
check "   both already ingested" test "$(grep -c 'already ingested' <<<"$ERR")" = 2
mkdir -p emptydir
expect_fail NO_FILES "an empty folder" evidence ingest emptydir --subject broker --store "$DS"
expect_fail USAGE "--subject and --as naming different keys" evidence ingest logdir --subject broker --as alice --store "$DS"
check "   says they differ" grep -q "subject broker and --as alice differ" <<<"$FAIL_SENTENCE"
RID="$(folio evidence prove --file logdir/a.log --line 2 -o a2.bundle --store "$DS" --json >/dev/null; folio evidence verify a2.bundle --genesis genesis.bin --json | jget records.0.record)"
expect_ok "evidence prove --record ID" evidence prove --record "$RID" -o rec.bundle --store "$DS"
run evidence verify rec.bundle --genesis genesis.bin --json
eq "   verifies offline: that record" "$(jget records.0.record <<<"$OUT")" "$RID"
expect_fail USAGE "prove with both RECORD_ID and --record" evidence prove "$RID" --record "$RID" -o x.bundle --store "$DS"

check_node_log_clean
finish
