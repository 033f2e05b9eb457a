#!/usr/bin/env python3
"""Sign a transfer with a participant's key and submit it over folio's HTTP API.

What a back office copies: the transaction is built and signed here (specs/encoding.md §4),
the node only receives the signed bytes (specs/http.md §2: POST /v1/transactions). Python
standard library only; BIP-340 Schnorr signing is written out below (textbook secp256k1).

    python3 http_transfer.py --url http://127.0.0.1:8080 --key HOME/keys/alice.key \\
        --isin CNE100000296 --quantity 100 --to bob

--key is a key file in the clear (64 hex digits: `folio keys export NAME` of an unsealed
key). --to is a participant name or a 40-hex account. Every request carries a participant
credential (specs/http.md §5), which a node with public reads off requires. The script waits
for the block, reads the sender's balances and prints the outcome as JSON.
Exit 0 when the transfer committed with receipt OK, 1 otherwise.
"""
import argparse
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# ---- secp256k1 and BIP-340 ----

P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
     0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)


def point_add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and a[1] != b[1]:
        return None
    if a == b:
        lam = 3 * a[0] * a[0] * pow(2 * a[1], P - 2, P) % P
    else:
        lam = (b[1] - a[1]) * pow(b[0] - a[0], P - 2, P) % P
    x = (lam * lam - a[0] - b[0]) % P
    return (x, (lam * (a[0] - x) - a[1]) % P)


def point_mul(pt, k):
    r = None
    while k:
        if k & 1:
            r = point_add(r, pt)
        pt = point_add(pt, pt)
        k >>= 1
    return r


def tagged_hash(tag, msg):
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + msg).digest()


def xonly(secret):
    return point_mul(G, secret)[0].to_bytes(32, "big")


def bip340_sign(secret, msg32, aux=None):
    aux = os.urandom(32) if aux is None else aux
    pt = point_mul(G, secret)
    d = secret if pt[1] % 2 == 0 else N - secret
    t = (d ^ int.from_bytes(tagged_hash("BIP0340/aux", aux), "big")).to_bytes(32, "big")
    px = pt[0].to_bytes(32, "big")
    k0 = int.from_bytes(tagged_hash("BIP0340/nonce", t + px + msg32), "big") % N
    if k0 == 0:
        raise ValueError("nonce is zero; sign again")
    r = point_mul(G, k0)
    k = k0 if r[1] % 2 == 0 else N - k0
    rx = r[0].to_bytes(32, "big")
    e = int.from_bytes(tagged_hash("BIP0340/challenge", rx + px + msg32), "big") % N
    return rx + ((k + e * d) % N).to_bytes(32, "big")


# ---- canonical msgpack (specs/encoding.md §1): only what a transaction needs ----

def mp_uint(v):
    if v < 0x80:
        return bytes([v])
    for tag, size in ((0xcc, 1), (0xcd, 2), (0xce, 4), (0xcf, 8)):
        if v < 1 << (8 * size):
            return bytes([tag]) + v.to_bytes(size, "big")
    raise ValueError("integer too large")


def mp_str(s):
    b = s.encode()
    if len(b) < 32:
        return bytes([0xa0 | len(b)]) + b
    return bytes([0xd9, len(b)]) + b  # ids and chain ids are < 256 bytes


def mp_bin(b):
    return bytes([0xc4, len(b)]) + b  # keys, nonces, accounts: < 256 bytes


def mp_array(items):
    assert len(items) < 16
    return bytes([0x90 | len(items)]) + b"".join(items)


# ---- the API ----

class ApiError(Exception):
    pass


def call(url, path, body=None, signer=None):
    """One request; signed with the participant's credential when signer is given."""
    data = json.dumps(body).encode() if body is not None else None
    headers = signer.headers("POST" if data else "GET", path, data or b"") if signer else {}
    req = urllib.request.Request(url + path, data=data, method="POST" if data else "GET")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in headers.items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class Signer:
    """A participant credential (specs/http.md §5): each request signed with the key."""

    def __init__(self, secret, genesis_hex):
        self.secret, self.genesis_hex = secret, genesis_hex
        self.account = tagged_hash("folio/account", xonly(secret))[:20].hex()

    def headers(self, verb, target, body):
        t = str(int(time.time() * 1000))
        text = "folio-http-v1\n%s\n%s\n%s\n%s\n%s" % (
            self.genesis_hex, t, verb, target, hashlib.sha256(body).hexdigest())
        sig = bip340_sign(self.secret, hashlib.sha256(text.encode()).digest())
        return {"X-Folio-Account": self.account, "X-Folio-Time": t,
                "X-Folio-Signature": sig.hex()}


def build_transfer(secret, chain_id, genesis, isin, quantity, to_account, ttl_ms=600000):
    body = mp_array([
        mp_uint(1),                        # version
        mp_str(chain_id),
        mp_uint(11),                       # asset.transfer (specs/transactions.md §7.3)
        mp_bin(xonly(secret)),             # sender
        mp_bin(os.urandom(16)),            # nonce
        mp_uint(int(time.time() * 1000) + ttl_ms),
        mp_array([mp_str(isin), mp_uint(quantity), mp_bin(to_account)]),
    ])
    txid = tagged_hash("folio/tx", body)
    sig = bip340_sign(secret, tagged_hash("folio/txsig", genesis + txid))
    return bytes([0x92]) + body + bytes([0xc4, 0x40]) + sig, txid


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--key", required=True, help="key file in the clear (64 hex digits)")
    ap.add_argument("--isin", required=True)
    ap.add_argument("--quantity", type=int, required=True)
    ap.add_argument("--to", required=True, help="participant name or 40-hex account")
    a = ap.parse_args()
    secret = int(open(a.key).read().strip(), 16)
    url = a.url.rstrip("/")

    # The genesis hash is what transactions and credentials sign: /version gives it to anyone.
    code, version = call(url, "/version")
    if code != 200:
        sys.exit("version: %s" % version)
    genesis_hex = version["genesis_hash"]
    me = Signer(secret, genesis_hex)
    code, status = call(url, "/v1/status", signer=me)
    if code != 200:
        sys.exit("status: %s" % status)
    if status["genesis_hash"] != genesis_hex:
        sys.exit("the node changed chains under us")
    code, to = call(url, "/v1/participants/" + urllib.parse.quote(a.to, safe=""), signer=me)
    if code != 200:
        sys.exit("recipient: %s" % to.get("message"))
    wire, txid = build_transfer(secret, status["chain_id"], bytes.fromhex(genesis_hex), a.isin,
                                a.quantity, bytes.fromhex(to["account"]))

    code, reply = call(url, "/v1/transactions", {"txs": [wire.hex()]}, signer=me)
    if code != 202:
        print(json.dumps({"submitted": False, "http": code, "reply": reply}))
        return 1
    for _ in range(300):
        code, tx = call(url, "/v1/transactions/" + txid.hex(), signer=me)
        if code == 200 and tx.get("status") in ("committed", "rejected"):
            break
        time.sleep(0.1)
    else:
        sys.exit("the transaction did not commit within 30 s")

    code, bal = call(url, "/v1/accounts/%s/balances" % me.account, signer=me)
    print(json.dumps({"id": txid.hex(), "status": tx["status"], "height": tx["height"],
                      "receipt": tx["receipt"]["name"], "balances_http": code,
                      "balances": bal.get("balances")}))
    return 0 if tx["status"] == "committed" else 1


if __name__ == "__main__":
    sys.exit(main())
