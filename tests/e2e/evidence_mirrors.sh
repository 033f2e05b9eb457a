#!/usr/bin/env bash
# Off-site copies that happen by themselves (specs/evidence.md §2.4) with real nodes of one
# chain: node0 (a validator, the broker's node; node1 is the other validator) and node2 (an
# observer run by another member, the keeper, with [evidence] mirrors = node0). Its node runs `evidence sync`
# on its own every second: it fetches node0's anchored slices over RPC, checks each against
# its anchor on its own copy of the chain, stores it and submits the keeper's signed
# evidence.attest. A tampered copy is refused (nothing stored, nothing attested); once the
# origin has lost a slice, `evidence restore` fetches it back from the mirror's node and
# verifies it. node0's [evidence] copies_required = 1 makes `evidence status` flag slices
# without an attested copy. The keeper's key on node2 is sealed: node2 opens it with the
# passphrase in [evidence] attest_passphrase_file, and refuses to start, with a precise
# error, when the passphrase is missing or wrong or the file is readable by others. A pass
# resumes from its cursor: an idle pass lists nothing again; node2 stopped and started
# again catches up on what was anchored meanwhile.
. "$(dirname "$0")/lib.sh" "$@"

NET="$E2E_TMP/net"
BASE="$(e2e_port_base)" || { echo "e2e: no free block of ports" >&2; exit 2; }
H0="$NET/node0"
HV="$NET/node1"
H1="$NET/node2"
eq() { if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi; }
# wait_for SECS CMD...: until CMD succeeds.
wait_for() {
  local t=$1
  shift
  for _ in $(seq 1 $((t * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}
copies() { folio evidence status --home "$H0" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(s.get("attested_copies", 0) for s in d["list"]))'; }
copies_are() { test "$(copies)" = "$1"; } # read afresh at each try of wait_for
cd "$E2E_TMP" || exit 2

section "three nodes: node0 (validator, the broker's), node1 (validator), node2 (observer, the keeper's mirror)"
expect_ok "testnet init --validators 2 --observers 1" testnet init --validators 2 --observers 1 --dir "$NET" --base-port "$BASE"
printf '\n[evidence]\ncopies_required = 1\nretention_days = 7\nreplicate_every_s = 1\n' >>"$H0/config.ini"
check "node0 starts" node_start "$H0"
check "node1 starts" node_start "$HV"
export FOLIO_HOME="$H0"
for p in broker:broker keeper:regulator; do
  folio keys new "${p%%:*}" >/dev/null
  expect_ok "register ${p%%:*}" participant register "${p%%:*}" --role "${p#*:}" --key "${p%%:*}"
done
# The keeper's key on its node is sealed under a passphrase (the node opens it at start).
FOLIO_PASSPHRASE='keeper pass' folio keys export keeper --encrypt --out keeper.sealed >/dev/null
FOLIO_PASSPHRASE='keeper pass' folio keys import keeper keeper.sealed --home "$H1" >/dev/null
RPC0="$(sed -n 's/^rpc *= *//p' "$H0/config.ini")"
RPC1="$(sed -n 's/^rpc *= *//p' "$H1/config.ini")"
HTTP1="127.0.0.1:$((BASE + 90))"
printf '\n[evidence]\nmirrors = %s\nattest_as = keeper\nreplicate_every_s = 1\n[http]\nlisten = %s\n' "$RPC0" "$HTTP1" >>"$H1/config.ini"

section "the broker ingests on node0; no copy yet"
T=$(($(date -u +%s%3N) - 60000))
printf '%s\tdisclosure\t-\tinvestor=a isin=CNE100000296\n%s\tack\t#1\tread\n%s\tpurchase\t#2\tqty=5\n' "$T" "$((T + 1000))" "$((T + 2000))" >day.log
expect_ok "evidence ingest day.log --as broker" evidence ingest day.log --as broker
ROOT="$(basename "$(ls "$H0"/evidence/*.slice)" .slice)"
check "one slice, anchored" test -f "$H0/evidence/$ROOT.anchor"
run evidence status
check "   status flags it: fewer than copies_required (1) attested copies" grep -q "1 with fewer than 1 attested copies" <<<"$OUT"
check "   FEWER COPIES on its line" grep -q "FEWER COPIES: 0 attested, 1 required" <<<"$OUT"

section "a tampered copy on the origin: the mirror's node refuses it"
cp "$H0/evidence/$ROOT.slice" good.slice
python3 - "$H0/evidence/$ROOT.slice" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x20
open(p, "wb").write(b)
PY
section "the mirror's node signs with a sealed attest_as key: its passphrase from a file"
check "   keeper's key on node2 is sealed" grep -q '^folio-key-v1:scrypt:' "$H1/keys/keeper.key"
E2E_HOMES+=("$H1") # stopped on exit, also if a start below wrongly succeeds
# err_of FILE: "CODE message" of the --json error in FILE.
err_of() { python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; print(e["code"], e["message"])' "$1" 2>/dev/null; }
RC=0
env -u FOLIO_PASSPHRASE setsid -w "$FOLIO" node start --detach --observer --home "$H1" --json >nopass.out 2>/dev/null || RC=$?
check "no passphrase (no file, no FOLIO_PASSPHRASE, no terminal): NO_PASSPHRASE, exit 2" \
  test "$RC" -eq 2 -a -n "$(err_of nopass.out | grep '^NO_PASSPHRASE .*attest_passphrase_file')"
check "   node2 did not start" test -z "$(node_pid "$H1")"
FOLIO_PASSPHRASE=wrong run node start --detach --observer --home "$H1"
check "FOLIO_PASSPHRASE wrong: BAD_PASSPHRASE, exit 2, naming the key and [evidence] attest_as" \
  test "$RC" -eq 2 -a -n "$(grep "wrong passphrase for the key 'keeper' (\[evidence\] attest_as)" <<<"$ERR")"
sed -i 's/^attest_as = keeper$/attest_as = keeper\nattest_passphrase_file = keeper.pass/' "$H1/config.ini"
printf 'keeper pass\n' >"$H1/keeper.pass"
chmod 644 "$H1/keeper.pass"
env -u FOLIO_PASSPHRASE "$FOLIO" node start --detach --observer --home "$H1" --json >perm.out 2>/dev/null
check "attest_passphrase_file readable by others: BAD_PASSPHRASE_FILE" grep -q '^BAD_PASSPHRASE_FILE .*keeper.pass (\[evidence\] attest_passphrase_file) may be read by others' <<<"$(err_of perm.out)"
printf 'not it\n' >"$H1/keeper.pass"
chmod 600 "$H1/keeper.pass"
env -u FOLIO_PASSPHRASE "$FOLIO" node start --detach --observer --home "$H1" --json >bad.out 2>/dev/null
check "attest_passphrase_file with the wrong passphrase: BAD_PASSPHRASE" grep -q "^BAD_PASSPHRASE wrong passphrase for the key 'keeper'" <<<"$(err_of bad.out)"
check "   node2 did not start" test -z "$(node_pid "$H1")"
printf 'keeper pass\n' >"$H1/keeper.pass"
check "node2 (observer) starts with [evidence] mirrors" bash -c "env -u FOLIO_PASSPHRASE '$FOLIO' node start --detach --observer --home '$H1' >/dev/null"
check "node2's log: evidence sync every 1 s" grep -q "evidence sync every 1 s" "$H1/node.log"
check "   the mirror's sync refuses the copy (SLICE_MISMATCH in node2's log)" \
  wait_for 60 grep -q "SLICE_MISMATCH: the copy of slice $ROOT" "$H1/node.log"
check "   nothing stored on the mirror" test ! -e "$H1/evidence/$ROOT.slice"
check "   nothing attested (no pass copied anything)" bash -c "! grep -q '[1-9][0-9]* slices\\? copied' '$H1/node.log'"
check "   /metrics counts the refusal" wait_for 10 bash -c "curl -s http://$HTTP1/metrics | grep -q '^folio_evidence_sync_refused_total [1-9]'"

section "the origin's good copy: replicated automatically, verified, attested"
cp good.slice "$H0/evidence/$ROOT.slice"
check "   the mirror's store gets the slice" wait_for 60 test -f "$H1/evidence/$ROOT.slice"
check "   the copy is the same bytes" cmp -s good.slice "$H1/evidence/$ROOT.slice"
check "   its attestation is on chain (1 attested copy, seen from node0)" wait_for 30 copies_are 1
check "   /metrics counts the copy" bash -c "curl -s http://$HTTP1/metrics | grep -q '^folio_evidence_sync_copied_total 1$'"
run evidence status
check "   status no longer flags it" grep -q "0 with fewer than 1 attested copies" <<<"$OUT"
KEEPER="$(folio participant show keeper --json | jget account)"
check "   status names the member keeping the copy (keeper)" grep -q "copies kept by: ${KEEPER:0:16} (block [0-9]*)" <<<"$OUT"
run evidence status --home "$H1" --copies 1
check "   the mirror's own status lists the slice" grep -q "${ROOT:0:16}" <<<"$OUT"
run evidence status --home "$H1" --subject "$(folio participant show broker --json | jget account)"
check "   status --subject broker on the mirror: the broker's one slice" grep -q ": 1 slices, 3 records" <<<"$OUT"
run evidence status --home "$H1" --subject keeper
check "   status --subject keeper: none" grep -q ": 0 slices, 0 records" <<<"$OUT"
sleep 2
eq "   later passes copy nothing again (still 1 copy)" "$(copies)" 1

section "each pass resumes where the last one stopped (node2's cursor for node0)"
metric() { curl -s "http://$HTTP1/metrics" | sed -n "s/^$1 //p"; }
# metric_is NAME OP VALUE: the metric compares so (read afresh at each try of wait_for).
metric_is() { test "$(metric "$1")" "$2" "$3"; }
P1="$(metric folio_evidence_sync_passes_total)"
L1="$(metric folio_evidence_sync_listed_total)"
check "   two more passes" wait_for 10 metric_is folio_evidence_sync_passes_total -ge $((P1 + 2))
eq "   idle passes list no root again (listed_total unchanged)" "$(metric folio_evidence_sync_listed_total)" "$L1"
check "   the cursor is kept in node2's store" bash -c "ls '$H1'/evidence/mirrors/ | grep -qE '^[0-9a-f]{64}\$'"
check "node2 stops" bash -c "'$FOLIO' node stop --home '$H1' >/dev/null"
printf '%s\tlogin\t-\tdesk 4\n%s\tlogout\t#1\tdesk 4\n' "$((T + 5000))" "$((T + 6000))" >later.log
expect_ok "evidence ingest later.log while node2 is down" evidence ingest later.log --as broker
check "node2 starts again (passphrase from its file)" bash -c "env -u FOLIO_PASSPHRASE '$FOLIO' node start --detach --observer --home '$H1' >/dev/null"
check "   it catches up: the new slice is copied and attested" wait_for 60 copies_are 2
check "   a pass after the restart lists only the new root (listed_total 1)" wait_for 10 metric_is folio_evidence_sync_listed_total = 1

section "the origin loses the slice; restore from the mirror's node"
rm -f "$H0/evidence/$ROOT.slice"
run evidence prove --file day.log --line 2 -o lost.bundle
check "prove fails without the slice" test "$RC" -ne 0
cp "$H1/evidence/$ROOT.slice" mirror.slice
python3 - "$H1/evidence/$ROOT.slice" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 3] ^= 0x01
open(p, "wb").write(b)
PY
expect_fail SLICE_MISMATCH "restore when the mirror's copy was tampered with" evidence restore --slice "$ROOT" --from "$RPC1"
check "   nothing installed" test ! -e "$H0/evidence/$ROOT.slice"
cp mirror.slice "$H1/evidence/$ROOT.slice"
expect_ok "evidence restore --slice ROOT --from the mirror's node" evidence restore --slice "$ROOT" --from "$RPC1"
check "   says verified against its anchor" grep -q "verified against its anchor (1 attested copies on chain)" <<<"$OUT"
check "   the origin's file is back, byte for byte" cmp -s good.slice "$H0/evidence/$ROOT.slice"
expect_ok "prove line 2 again" evidence prove --file day.log --line 2 -o back.bundle
expect_ok "verify it offline" evidence verify back.bundle --genesis "$H0/genesis.bin"

section "retention: node0's own sync deletes the lines of slices older than retention_days (7)"
OLD=$(($(date -u +%s%3N) - 30 * 86400000))
printf '%s\tlogin\t-\tdesk 9, a month ago\n' "$OLD" >old.log
expect_ok "evidence ingest old.log (a month old) --as broker" evidence ingest old.log --as broker
deleted() { folio evidence status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(sorted("%s:%s" % (s["slice_root"][:8], s["lines_deleted"]) for s in d["list"])))'; }
check "   its lines are deleted by node0's sync" wait_for 30 bash -c "'$FOLIO' evidence status --json --home '$H0' | grep -q '\"lines_deleted\": true'"
check "   day.log's slice (recent) keeps its lines" grep -q "${ROOT:0:8}:False" <<<"$(deleted)"
check "   node0's log says so" grep -q "lines of 1 slice deleted (retention)" "$H0/node.log"
check "   no child process: the pass runs in the node (no evidence-sync.log)" test ! -e "$H0/evidence-sync.log" -a ! -e "$H1/evidence-sync.log"
expect_ok "prove the old record (its hash: the line is gone)" evidence prove --file old.log --line 1 -o old.bundle
expect_ok "verify it offline: the anchor and proof stay valid" evidence verify old.bundle --genesis "$H0/genesis.bin"

check_node_log_clean "$H0"
check_node_log_clean "$H1"
finish
