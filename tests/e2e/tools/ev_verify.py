#!/usr/bin/env python3
"""An independent verifier of folio evidence bundles, written from specs/evidence.md and
specs/encoding.md with the Python standard library only (its own msgpack reader, BIP-340
verifier and RFC 9162 path check): a third party can check a bundle without folio.

    ev_verify.py verify BUNDLE GENESIS     exit 0 and "valid N" ("valid N chain" for an
                                           evidence chain, version 2: §6.3 step 6) if the
                                           bundle verifies, exit 1 and "invalid CODE: why"
                                           if not
    ev_verify.py ids FILE SUBJECT_HEX      the record id of each line of a lines/1 log (§1),
                                           computed here; the source is FILE as given
"""
import hashlib
import os
import struct
import sys


def th(tag, m):
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + m).digest()


# ---- msgpack (the subset folio uses: uint, nil, bool, str, bin, array) ----

class Bad(Exception):
    def __init__(self, code, why):
        super().__init__(why)
        self.code = code


def unpack(b, i=0, depth=0):
    if depth > 16 or i >= len(b):
        raise Bad("BUNDLE_FORMAT", "truncated or too deep")
    c = b[i]
    i += 1

    def take(n):
        if i + n > len(b):
            raise Bad("BUNDLE_FORMAT", "truncated")
        return b[i:i + n]
    if c <= 0x7f:
        return c, i
    if c == 0xc0:
        return None, i
    if c in (0xc2, 0xc3):
        return c == 0xc3, i
    for code, n in ((0xcc, 1), (0xcd, 2), (0xce, 4), (0xcf, 8)):
        if c == code:
            return int.from_bytes(take(n), "big"), i + n
    if 0xa0 <= c <= 0xbf or c in (0xd9, 0xda, 0xdb, 0xc4, 0xc5, 0xc6):
        if 0xa0 <= c <= 0xbf:
            n, w = c & 0x1f, 0
        else:
            w = {0xd9: 1, 0xda: 2, 0xdb: 4, 0xc4: 1, 0xc5: 2, 0xc6: 4}[c]
            n = int.from_bytes(take(w), "big")
        i += w
        data = take(n)
        return (data.decode("utf-8") if c not in (0xc4, 0xc5, 0xc6) else bytes(data)), i + n
    if 0x90 <= c <= 0x9f or c in (0xdc, 0xdd):
        if 0x90 <= c <= 0x9f:
            n = c & 0x0f
        else:
            w = 2 if c == 0xdc else 4
            n = int.from_bytes(take(w), "big")
            i += w
        out = []
        for _ in range(n):
            v, i = unpack(b, i, depth + 1)
            out.append(v)
        return out, i
    raise Bad("BUNDLE_FORMAT", "a msgpack type folio does not use")


def decode(b):
    v, i = unpack(b, 0)
    if i != len(b):
        raise Bad("BUNDLE_FORMAT", "trailing bytes")
    return v


def pack_uint(v):
    if v <= 0x7f:
        return bytes([v])
    for code, n, lim in ((0xcc, 1, 1 << 8), (0xcd, 2, 1 << 16), (0xce, 4, 1 << 32), (0xcf, 8, 1 << 64)):
        if v < lim:
            return bytes([code]) + v.to_bytes(n, "big")


def pack_bin(b):
    n = len(b)
    return (bytes([0xc4, n]) if n < 256 else bytes([0xc5]) + n.to_bytes(2, "big")) + b


def pack_str(s):
    b = s.encode()
    n = len(b)
    return (bytes([0xa0 | n]) if n < 32 else bytes([0xd9, n]) if n < 256 else bytes([0xda]) + n.to_bytes(2, "big")) + b


def pack_array_header(n):
    return bytes([0x90 | n]) if n < 16 else bytes([0xdc]) + n.to_bytes(2, "big")


# ---- BIP-340: the one textbook check, shared with the proof verifier (verify_proof.py) ----

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from verify_proof import schnorr_verify  # noqa: E402  (standard library only, like this file)


def bip340_verify(pub, msg, sig):
    return schnorr_verify(msg, pub, sig)


# ---- RFC 9162 with folio's tagged hashes ----

def node(l, r):
    return th("folio/ev-node", l + r)


def path_verify(leaf, index, size, path, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def log_leaf(root, count, t0, t1):
    return th("folio/ev-logleaf", pack_array_header(4) + pack_bin(root) + pack_uint(count) +
              pack_uint(t0) + pack_uint(t1))


# ---- verification (specs/evidence.md §6.3) ----

def check(cond, code, why):
    if not cond:
        raise Bad(code, why)


def verify_anchor(a, genesis, ghash, chain_id, validators):
    check(isinstance(a, list) and len(a) == 5, "BUNDLE_FORMAT", "anchor entry")
    wire, hdr, cert, refs, log_path = a
    # encoding.md §4.1: wire = 0x92 || body || c4 40 || sig
    check(len(wire) >= 68 and wire[0] == 0x92 and wire[-66:-64] == b"\xc4\x40", "ANCHOR_TX", "tx form")
    body_bytes, sig = wire[1:-66], wire[-64:]
    body = decode(body_bytes)
    check(len(body) == 7 and body[0] == 1 and body[1] == chain_id and body[2] == 200, "ANCHOR_TX",
          "not an evidence anchor of this chain")
    txid = th("folio/tx", body_bytes)
    check(bip340_verify(body[3], th("folio/txsig", ghash + txid), sig), "ANCHOR_TX", "signature")
    pl = body[6]
    check(len(pl) == 8 and pl[4] == "lines/1", "ANCHOR_TX", "payload")
    check(len(refs) % 96 == 0 and (txid + sig) in [refs[i:i + 96] for i in range(0, len(refs), 96)],
          "ANCHOR_NOT_IN_BLOCK", "tx not among the refs")
    h = decode(hdr)
    check(h[1] == chain_id and th("folio/txroot", refs) == h[6] and h[7] == len(refs) // 96,
          "ANCHOR_NOT_IN_BLOCK", "tx_root")
    bh = th("folio/block", hdr)
    c = decode(cert)
    check(c[0] == h[2] and c[2] == bh, "CERTIFICATE", "certificate is for another block")
    cid = chain_id.encode()
    vb = (bytes([len(cid)]) + cid + struct.pack(">QIBB", h[2], c[1], 3, 1) + bh +
          struct.pack(">i", -1))
    vmsg = th("folio/vote", vb)
    seen = set()
    for idx, s in c[3]:
        check(idx < len(validators) and idx not in seen and bip340_verify(validators[idx], vmsg, s),
              "CERTIFICATE", "a certificate signature")
        seen.add(idx)
    check(len(seen) >= 2 * len(validators) // 3 + 1, "CERTIFICATE", "no quorum")
    root, count, t0, t1, _, _, log_size, log_root = pl
    check(log_size >= 1 and path_verify(log_leaf(root, count, t0, t1), log_size - 1, log_size,
                                        log_path, log_root), "LOG_PATH", "log path")
    subject = th("folio/account", body[3])[:20]
    return {"root": root, "count": count, "t0": t0, "t1": t1, "subject": subject, "height": h[2]}


def verify(bundle, genesis):
    g = decode(genesis)
    ghash = th("folio/genesis", genesis)
    chain_id, validators = g[0], g[2]
    b = decode(bundle)
    check(isinstance(b, list) and len(b) == 5 and b[0] == "folio/ev-bundle" and b[1] in (1, 2),
          "BUNDLE_FORMAT", "not a bundle")
    check(b[2] == ghash, "WRONG_CHAIN", "another chain")
    anchors = [verify_anchor(a, g, ghash, chain_id, validators) for a in b[4]]
    facts = []
    for it in b[3]:
        rec, line, salt, index, path, ai = it
        check(ai < len(anchors), "BUNDLE_FORMAT", "anchor index")
        an = anchors[ai]
        r = decode(rec)
        check(len(r) == 9 and r[0] == 1, "RECORD", "record")
        rid = th("folio/ev-record", rec)
        check(line is None or th("folio/ev-payload", line) == r[8], "PAYLOAD", "line hash")
        check(r[1] == an["subject"], "SUBJECT", "subject")
        leaf = th("folio/ev-leaf", salt + rid)
        check(path_verify(leaf, index, an["count"], path, an["root"]), "INCLUSION", "inclusion")
        check(an["t0"] <= r[5] <= an["t1"], "TIME_RANGE", "time range")
        facts.append((rid, r, an))
    ids = {f[0]: f for f in facts}
    for rid, r, an in facts:
        for link in r[7]:
            check(link in ids, "LINK_MISSING", "link missing")
            t = ids[link]
            check(t[1][5] <= r[5] and t[2]["height"] <= an["height"], "LINK_LATER", "link later")
    if b[1] == 2:
        verify_chain(facts)
    return facts


def verify_chain(facts):
    """§6.3 step 6: time order, links to earlier items, one connected process."""
    for i in range(1, len(facts)):
        check(facts[i][1][5] >= facts[i - 1][1][5], "CHAIN_ORDER",
              "item %d is earlier than item %d" % (i, i - 1))
    pos = {f[0]: i for i, f in enumerate(facts)}
    comp = list(range(len(facts)))
    for i, (rid, r, an) in enumerate(facts):
        for link in r[7]:
            j = pos[link]
            check(j < i, "CHAIN_ORDER", "item %d links to item %d, listed after it" % (i, j))
            a, c = comp[i], comp[j]
            comp = [c if x == a else x for x in comp]
    for i in range(1, len(facts)):
        check(comp[i] == comp[0], "CHAIN_DISCONNECTED",
              "item %d is linked to no other record of the chain" % i)


def record_ids(path, subject):
    ids, out = [], []
    with open(path, "rb") as f:
        data = f.read()
    offset = 0
    for seq, line in enumerate(data.split(b"\n")[:-1], start=1):
        t, typ, links, _ = line.split(b"\t", 3)
        t = int(t)  # the ids mode takes millisecond times only
        resolved = [ids[int(l[1:]) - 1] if l.startswith(b"#") else bytes.fromhex(l.decode())
                    for l in ([] if links == b"-" else links.split(b","))]
        rec = (pack_array_header(9) + pack_uint(1) + pack_bin(subject) + pack_str(path) +
               pack_uint(offset) + pack_uint(seq) + pack_uint(t) + pack_str(typ.decode()) +
               pack_array_header(len(resolved)) + b"".join(pack_bin(x) for x in resolved) +
               pack_bin(th("folio/ev-payload", line)))
        ids.append(th("folio/ev-record", rec))
        out.append(ids[-1].hex())
        offset += len(line) + 1
    return out


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "ids":
        print("\n".join(record_ids(sys.argv[2], bytes.fromhex(sys.argv[3]))))
        return 0
    if len(sys.argv) != 4 or sys.argv[1] != "verify":
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[2], "rb") as f:
        bundle = f.read(16 * 1024 * 1024 + 1)
    with open(sys.argv[3], "rb") as f:
        genesis = f.read()
    try:
        check(len(bundle) <= 16 * 1024 * 1024, "BUNDLE_FORMAT", "over 16 MiB")
        facts = verify(bundle, genesis)
        chain = decode(bundle)[1] == 2
    except Bad as e:
        print("invalid %s: %s" % (e.code, e))
        return 1
    except (ValueError, TypeError, IndexError, KeyError, UnicodeDecodeError) as e:
        print("invalid BUNDLE_FORMAT: %s" % e)
        return 1
    print("valid %d%s" % (len(facts), " chain" if chain else ""))
    for rid, r, an in facts:
        print("%s %s %s line %d time %d block %d" % (rid.hex(), r[6], r[2], r[4], r[5], an["height"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
