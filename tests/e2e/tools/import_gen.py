#!/usr/bin/env python3
"""Writes a register (or investors) CSV in the format of specs/import.md for the import
tests and benchmark: N holders named PREFIX000001.., each with a valid BIP-340 x-only public
key derived from SEED (deterministic), a quantity from 1 to 1000 and a suitability profile
that may hold an R3 instrument. Rows are sorted by name, as `folio asset export` writes them.

usage: import_gen.py register|investors N SEED [PREFIX]   (to stdout)"""
import hashlib
import sys

P = 2**256 - 2**32 - 977  # secp256k1 field


def pubkey(seed, i):
    """The first x = sha256(seed, i, k) that is on the curve (x^3 + 7 a square mod P)."""
    k = 0
    while True:
        x = int.from_bytes(hashlib.sha256(f"{seed}/{i}/{k}".encode()).digest(), "big")
        if x < P and pow((x * x * x + 7) % P, (P - 1) // 2, P) == 1:
            return f"{x:064x}"
        k += 1


def main():
    kind, n, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    prefix = sys.argv[4] if len(sys.argv) > 4 else "h"
    out = sys.stdout
    if kind == "register":
        out.write("holder,public_key,quantity,category,risk_class,kyc_expiry\n")
    else:
        out.write("name,public_key,category,risk_class,kyc_expiry\n")
    for i in range(1, n + 1):
        h = hashlib.sha256(f"{seed}/q/{i}".encode()).digest()
        qty = 1 + int.from_bytes(h[:4], "big") % 1000
        cat = "professional" if h[4] % 4 == 0 else "ordinary"
        cls = "C%d" % (3 + h[5] % 3)
        name = f"{prefix}{i:06d}"
        if kind == "register":
            out.write(f"{name},{pubkey(seed, i)},{qty},{cat},{cls},2099-12-31\n")
        else:
            out.write(f"{name},{pubkey(seed, i)},{cat},{cls},2099-12-31\n")


if __name__ == "__main__":
    main()
