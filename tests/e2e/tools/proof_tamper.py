#!/usr/bin/env python3
"""Makes tampered copies of a folio proof bundle for tests/e2e/proofs.sh (stdlib only).

    proof_tamper.py KIND IN OUT [ARG...]

KIND: truncate | extend | swap-facts | value | key-account ACCT_HEX | key-isin ISIN |
      genesis-hash HEX | anchor-of OTHER_BUNDLE | anchor-and-height-of OTHER_BUNDLE |
      trust | drop-sig | bitflip N (flip bit N of the file) |
      register-sum (raise the holding path's register total and one sibling's sum alike) |
      sibling (change one sibling hash of the holding's register path) |
      other-root (change the root hash of the tree the holding's path does not cross) |
      version-2 (re-shape the holding's tree proof as the former version 2)
Decodes with verify_proof.py's strict decoder and re-encodes canonically, so each copy is
well-formed msgpack unless the tampering is about the bytes themselves.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from verify_proof import Bin, decode, uvarints, uvarints_encode  # noqa: E402


def enc(v):
    if v is None:
        return b"\xc0"
    if v is True or v is False:
        return b"\xc3" if v else b"\xc2"
    if isinstance(v, int):
        if v < 0:
            raise ValueError("negative")
        if v <= 0x7F:
            return bytes([v])
        for tag, n in ((0xCC, 1), (0xCD, 2), (0xCE, 4), (0xCF, 8)):
            if v < 1 << (8 * n):
                return bytes([tag]) + v.to_bytes(n, "big")
    if isinstance(v, str):
        b = v.encode()
        if len(b) <= 31:
            return bytes([0xA0 | len(b)]) + b
        return b"\xd9" + bytes([len(b)]) + b
    if isinstance(v, (Bin, bytes)):
        if len(v) <= 0xFF:
            return b"\xc4" + bytes([len(v)]) + v
        if len(v) <= 0xFFFF:
            return b"\xc5" + len(v).to_bytes(2, "big") + v
        return b"\xc6" + len(v).to_bytes(4, "big") + v
    if isinstance(v, list):
        if len(v) <= 15:
            head = bytes([0x90 | len(v)])
        else:
            head = b"\xdc" + len(v).to_bytes(2, "big")
        return head + b"".join(enc(x) for x in v)
    raise ValueError("cannot encode %r" % (v,))


def load(path):
    with open(path, "rb") as f:
        return f.read()


def main(argv):
    kind, src, dst = argv[1], argv[2], argv[3]
    raw = load(src)
    b = decode(raw)
    if kind == "truncate":
        out = raw[:-7]
    elif kind == "extend":
        out = raw + b"\x00"
    elif kind == "bitflip":
        n = int(argv[4]) % (8 * len(raw))
        out = bytearray(raw)
        out[n // 8] ^= 1 << (n % 8)
        out = bytes(out)
    else:
        if kind == "swap-facts":
            b[5] = [b[5][1], b[5][0]] + b[5][2:]
        elif kind == "value":
            # The holding's value, one more (still a canonical u64 value).
            q = decode(bytes(b[5][0][1]))
            b[5][0][1] = Bin(enc(q + 1))
        elif kind == "key-account":
            k = bytes(b[5][0][0])
            b[5][0][0] = Bin(k[:13] + bytes.fromhex(argv[4]))
        elif kind == "key-isin":
            k = bytes(b[5][0][0])
            b[5][0][0] = Bin(k[:1] + argv[4].encode().ljust(12, b"\0") + k[13:])
        elif kind == "genesis-hash":
            b[2] = Bin(bytes.fromhex(argv[4]))
        elif kind == "anchor-of":
            b[6] = decode(load(argv[4]))[6]
        elif kind == "anchor-and-height-of":
            o = decode(load(argv[4]))
            b[3], b[6] = o[3], o[6]
        elif kind == "trust":
            b[7] = [[1]]
        elif kind == "register-sum":
            # The Merkle-sum claim: a register totalling 1,000 more, the extra hidden in a
            # sibling subtree's sum (consistent locally; the hashes must give it away).
            p = decode(bytes(b[5][0][2]))
            seg = p[2]
            sums = uvarints(bytes(seg[5]), len(seg[4]) // 32)
            sums[0] += 1000
            seg[5] = Bin(uvarints_encode(sums))
            b[5][0][2] = Bin(enc(p))
        elif kind == "sibling":
            p = decode(bytes(b[5][0][2]))
            sib = bytearray(p[2][4])
            sib[0] ^= 1
            p[2][4] = Bin(bytes(sib))
            b[5][0][2] = Bin(enc(p))
        elif kind == "other-root":
            p = decode(bytes(b[5][0][2]))
            p[3] = Bin(bytes([p[3][0] ^ 1]) + bytes(p[3][1:]))
            b[5][0][2] = Bin(enc(p))
        elif kind == "version-2":
            p = decode(bytes(b[5][0][2]))
            b[5][0][2] = Bin(enc([2, p[1], p[2]]))
        elif kind == "drop-sig":
            b[6][2][3] = b[6][2][3][:-1]
        else:
            print("unknown tampering " + kind, file=sys.stderr)
            return 2
        out = enc(b)
    with open(dst, "wb") as f:
        f.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
