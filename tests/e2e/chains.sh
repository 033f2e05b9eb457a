#!/usr/bin/env bash
# Chains cannot be confused (issue 12, item 15): two chains created apart with the same
# chain-id string; a transaction that chain A committed, captured on its way to A and
# replayed byte for byte to chain B, is refused by B, although its sender is registered on
# B too. Also: `folio init` and `folio testnet init` choose distinct chain ids, and the CLI
# refuses to sign for a node whose genesis differs from its home's.
. "$(dirname "$0")/lib.sh" "$@"

TOOLS="$(dirname "$0")/tools"
BASE="$(e2e_port_base)" || { echo "e2e: no free block of ports" >&2; exit 2; }
A="$E2E_TMP/a" B="$E2E_TMP/b" AC="$E2E_TMP/a-client" BC="$E2E_TMP/b-client"
PA=$BASE PB=$((BASE + 1)) PX=$((BASE + 2))

section "chain ids are unique"
folio init --home "$E2E_TMP/u1" >/dev/null && folio init --home "$E2E_TMP/u2" >/dev/null
id1="$(grep '^chain_id' "$E2E_TMP/u1/config.ini")" id2="$(grep '^chain_id' "$E2E_TMP/u2/config.ini")"
check "two folio init homes get different chain ids ($id1, $id2)" test "$id1" != "$id2"
folio testnet init --validators 2 --dir "$E2E_TMP/t1" --base-port $((BASE + 100)) --no-tls >/dev/null
folio testnet init --validators 2 --dir "$E2E_TMP/t2" --base-port $((BASE + 100)) --no-tls >/dev/null
t1="$(grep '^chain_id' "$E2E_TMP/t1/node0/config.ini")" t2="$(grep '^chain_id' "$E2E_TMP/t2/node0/config.ini")"
check "two testnets get different chain ids ($t1, $t2)" test "$t1" != "$t2"

section "two chains with the same chain id"
for h in "$A" "$B"; do folio init --home "$h" --chain-id twin >/dev/null; done
echo "rpc = tcp://127.0.0.1:$PA" >>"$A/config.ini"
echo "rpc = tcp://127.0.0.1:$PB" >>"$B/config.ini"
check "chain A starts" node_start "$A"
E2E_HOMES+=("$A")
check "chain B starts" node_start "$B"
E2E_HOMES+=("$B")
# A's operator is registered on B as well, so that only the chain binding can refuse.
cp "$A/keys/operator.pub" "$B/keys/a-op.pub"
expect_ok "B registers A's operator key as participant a-op" \
  participant register a-op --role issuer --key a-op --home "$B"

section "a transaction for A, replayed to B"
# A client home for A whose RPC goes through a recording proxy.
mkdir -p "$AC" && cp -r "$A/config.ini" "$A/genesis.bin" "$A/keys" "$AC/"
sed -i "s|^rpc = .*|rpc = tcp://127.0.0.1:$PX|" "$AC/config.ini"
python3 "$TOOLS/sp_capture.py" proxy "$PX" "$PA" "$E2E_TMP/capture" &
E2E_BG+=($!)
for _ in $(seq 1 100); do # until the proxy listens
  (exec 3<>"/dev/tcp/127.0.0.1/$PX") 2>/dev/null && break
  sleep 0.1
done
folio keys new carol --home "$AC" >/dev/null
expect_ok "A commits a registration signed by its operator (through the proxy)" \
  participant register carol --role investor --key carol --home "$AC"
python3 "$TOOLS/sp_capture.py" replay "$E2E_TMP/capture" "$PB" >"$E2E_TMP/replay.json"
echo "        B answered: $(cat "$E2E_TMP/replay.json")"
check "B refuses the replayed transaction" \
  test "$(jget rejected.0.name <"$E2E_TMP/replay.json")" = BAD_SIGNATURE
sleep 1
check "carol is not registered on B" bash -c "! '$FOLIO' participant show carol --home '$B' >/dev/null 2>&1"

section "the CLI signs only for its home's chain"
mkdir -p "$BC" && cp -r "$AC/config.ini" "$AC/genesis.bin" "$AC/keys" "$BC/"
sed -i "s|^rpc = .*|rpc = tcp://127.0.0.1:$PB|" "$BC/config.ini"
expect_fail WRONG_CHAIN:1 "a home of chain A pointed at chain B's node refuses to sign" \
  participant register dave --role investor --key carol --home "$BC"

finish
