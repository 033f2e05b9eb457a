#!/usr/bin/env python3
"""An independent verifier of folio proof bundles, written from specs/ alone.

    verify_proof.py BUNDLE --genesis genesis.bin [--json]

Standard library only (hashlib): canonical msgpack (encoding.md §1) is decoded by hand,
BIP-340 signatures are checked with textbook secp256k1 arithmetic, and the state-tree
path is checked as state.md §5.5 says. It shares no code with folio. Exit 0 and "VALID: ..."
when the bundle holds; exit 1 and "REFUSED CODE: reason" when it does not (the codes are
those of specs/proofs.md §4).
"""
import hashlib
import json
import sys
import time


class Refused(Exception):
    def __init__(self, code, why):
        super().__init__(why)
        self.code = code
        self.why = why


BUNDLE_MAX = 512 * 1024      # LDG_PROOF_BUNDLE_MAX
FACTS_MAX = 4                # LDG_PROOF_FACTS_MAX
KEY_MAX = 256                # LDG_PROOF_KEY_MAX
VALUE_MAX = 64 * 1024        # LDG_PROOF_VALUE_MAX
PATH_MAX = 32 * 1024         # LDG_PROOF_PATH_MAX
HEADER_MAX = 4096            # LDG_PROOF_HEADER_MAX
TREE_PROOF_MAX = 24 * 1024   # LDG_SMT_PROOF_SIZE_MAX (state.md §5.5)
VALIDATORS_MAX = 100         # LDG_VALIDATORS_MAX
TX_MAX = 8192                # LDG_BLOCK_TX_MAX
DEPTH_MAX = 16


# ---- tagged hash (encoding.md §2) ----

def th(tag, msg):
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + msg).digest()


# ---- canonical msgpack, the subset folio uses (encoding.md §1) ----

class Bin(bytes):
    """A msgpack binary (distinct from a string)."""


class Dec:
    def __init__(self, b):
        self.b = b
        self.i = 0

    def take(self, n):
        if self.i + n > len(self.b):
            raise ValueError("truncated")
        s = self.b[self.i:self.i + n]
        self.i += n
        return s

    def uint(self, n):
        return int.from_bytes(self.take(n), "big")

    def value(self, depth):
        if depth > DEPTH_MAX:
            raise ValueError("too deep")
        c = self.take(1)[0]
        if c <= 0x7F:
            return c
        if 0x90 <= c <= 0x9F:
            return self.array(c & 0x0F, depth)
        if 0xA0 <= c <= 0xBF:
            return self.text(c & 0x1F)
        if c == 0xC0:
            return None
        if c in (0xC2, 0xC3):
            return c == 0xC3
        if c == 0xC4:
            return Bin(self.take(self.uint(1)))
        if c == 0xC5:
            return Bin(self.take(self.shortest(self.uint(2), 0xFF)))
        if c == 0xC6:
            return Bin(self.take(self.shortest(self.uint(4), 0xFFFF)))
        if c == 0xCC:
            return self.shortest(self.uint(1), 0x7F)
        if c == 0xCD:
            return self.shortest(self.uint(2), 0xFF)
        if c == 0xCE:
            return self.shortest(self.uint(4), 0xFFFF)
        if c == 0xCF:
            return self.shortest(self.uint(8), 0xFFFFFFFF)
        if c >= 0xE0:
            return c - 0x100
        if c in (0xD0, 0xD1, 0xD2, 0xD3):
            n = {0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8}[c]
            v = int.from_bytes(self.take(n), "big", signed=True)
            lo = {1: -32, 2: -128, 4: -32768, 8: -(1 << 31)}[n]
            if v >= lo:
                raise ValueError("non-canonical negative integer")
            return v
        if c == 0xD9:
            return self.text(self.shortest(self.uint(1), 31))
        if c == 0xDA:
            return self.text(self.shortest(self.uint(2), 0xFF))
        if c == 0xDB:
            return self.text(self.shortest(self.uint(4), 0xFFFF))
        if c == 0xDC:
            return self.array(self.shortest(self.uint(2), 15), depth)
        if c == 0xDD:
            return self.array(self.shortest(self.uint(4), 0xFFFF), depth)
        raise ValueError("type 0x%02x not allowed" % c)

    @staticmethod
    def shortest(v, below):
        if v <= below:
            raise ValueError("non-canonical length or integer form")
        return v

    def text(self, n):
        return self.take(n).decode("utf-8", errors="strict")

    def array(self, n, depth):
        if n > len(self.b) - self.i:
            raise ValueError("truncated array")
        return [self.value(depth + 1) for _ in range(n)]


def decode(b):
    d = Dec(b)
    v = d.value(0)
    if d.i != len(b):
        raise ValueError("trailing bytes")
    return v


def is_u64(v):
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < (1 << 64)


def is_bin(v, n=None, lo=0, hi=None):
    if not isinstance(v, Bin):
        return False
    if n is not None:
        return len(v) == n
    return lo <= len(v) and (hi is None or len(v) <= hi)


def is_text(v, lo, hi):
    if not isinstance(v, str):
        return False
    b = v.encode()
    return lo <= len(b) <= hi and all(x >= 0x20 and x != 0x7F for x in b)


# ---- BIP-340 (the textbook algorithm) ----

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


def point_mul(p, k):
    r = None
    while k:
        if k & 1:
            r = point_add(r, p)
        p = point_add(p, p)
        k >>= 1
    return r


def lift_x(x):
    if x >= P:
        return None
    y2 = (pow(x, 3, P) + 7) % P
    y = pow(y2, (P + 1) // 4, P)
    if y * y % P != y2:
        return None
    return (x, y if y % 2 == 0 else P - y)


def schnorr_verify(msg, pubkey, sig):
    pk = lift_x(int.from_bytes(pubkey, "big"))
    r = int.from_bytes(sig[:32], "big")
    s = int.from_bytes(sig[32:], "big")
    if pk is None or r >= P or s >= N:
        return False
    e = int.from_bytes(th("BIP0340/challenge", sig[:32] + pubkey + msg), "big") % N
    R = point_add(point_mul(G, s), point_mul(pk, N - e))
    return R is not None and R[1] % 2 == 0 and R[0] == r


# ---- chain structures (encoding.md §5, §8; consensus.md §3) ----

def header_decode(b):
    h = decode(b)
    if not (isinstance(h, list) and len(h) == 9 and h[0] == 1 and is_text(h[1], 1, 32) and
            is_u64(h[2]) and is_u64(h[3]) and all(is_bin(h[i], 32) for i in (4, 5, 6, 8)) and
            is_u64(h[7]) and h[7] <= TX_MAX):
        raise ValueError("not a header")
    return {"chain_id": h[1], "height": h[2], "time_ms": h[3], "prev_hash": bytes(h[4]),
            "prev_state_root": bytes(h[5])}


def genesis_decode(b):
    g = decode(b)
    # Four fields, or five with the governance committee (encoding.md §8, governance.md §2).
    if not (isinstance(g, list) and len(g) in (4, 5) and is_text(g[0], 1, 32) and is_u64(g[1]) and
            isinstance(g[2], list) and 1 <= len(g[2]) <= VALIDATORS_MAX and
            all(is_bin(k, 32) for k in g[2]) and isinstance(g[3], list) and len(g[3]) <= 128):
        raise ValueError("not a genesis document")
    if len(g) == 5:
        names = [p[0] for p in g[3] if isinstance(p, list) and len(p) == 3]
        members = g[4]
        if not (isinstance(members, list) and 1 <= len(members) <= 64 and
                all(isinstance(m, list) and len(m) == 2 and is_text(m[0], 1, 64) and
                    m[0] in names and is_u64(m[1]) and 1 <= m[1] <= 1000000 for m in members) and
                len({m[0] for m in members}) == len(members)):
            raise ValueError("not a genesis document (committee)")
    return {"chain_id": g[0], "validators": [bytes(k) for k in g[2]]}


def cert_decode(c):
    if not (isinstance(c, list) and len(c) == 4 and is_u64(c[0]) and is_u64(c[1]) and
            is_bin(c[2], 32) and isinstance(c[3], list) and len(c[3]) <= VALIDATORS_MAX):
        raise ValueError("not a certificate")
    sigs = []
    for s in c[3]:
        if not (isinstance(s, list) and len(s) == 2 and is_u64(s[0]) and s[0] < VALIDATORS_MAX
                and is_bin(s[1], 64)):
            raise ValueError("not a certificate signature")
        sigs.append((s[0], bytes(s[1])))
    return {"height": c[0], "round": c[1], "block_hash": bytes(c[2]), "sigs": sigs}


def vote_hash(chain_id, height, rnd, block_hash):
    cid = chain_id.encode()
    sb = (bytes([len(cid)]) + cid + height.to_bytes(8, "big") + rnd.to_bytes(4, "big") +
          bytes([3, 1]) + block_hash + (0xFFFFFFFF).to_bytes(4, "big"))
    return th("folio/vote", sb)


def cert_check(cert, chain_id, validators, next_height):
    n = len(validators)
    quorum = 2 * n // 3 + 1
    if len(cert["sigs"]) < quorum:
        raise Refused("CERT", "the certificate has %d signatures; quorum of %d is %d" %
                      (len(cert["sigs"]), n, quorum))
    if cert["round"] > 0xFFFFFFFF:
        raise Refused("CERT", "the certificate's round is out of range")
    msg = vote_hash(chain_id, next_height, cert["round"], cert["block_hash"])
    seen = set()
    for i, (v, sig) in enumerate(cert["sigs"]):
        if v >= n or v in seen:
            raise Refused("CERT", "certificate signature %d names validator %d (set of %d, "
                          "or twice)" % (i, v, n))
        seen.add(v)
        if not schnorr_verify(msg, validators[v], sig):
            raise Refused("CERT", "certificate signature %d is not validator %d's of the "
                          "genesis set" % (i, v))


# ---- the state tree (state.md §5, proofs.md §6) ----

DEPTH_MAX = 64
ZERO = bytes(32)
TERM_LEAF, TERM_EMPTY, TERM_OTHER = 0, 1, 2
LEAF_PLAIN, LEAF_REGISTER, LEAF_HOLDING = 0, 1, 2


def be64(v):
    return v.to_bytes(8, "big")


def nib(path, d):
    b = path[d // 2]
    return b & 15 if d % 2 else b >> 4


def combine(sum_tree, l, ls, r, rs):
    if l == ZERO and r == ZERO and ls == 0 and rs == 0:
        return ZERO, 0
    if not sum_tree:
        return th("folio/smt/inner", l + r), 0
    s = ls + rs
    if s >= 1 << 64:
        raise Refused("ROOT", "the register's sums overflow")
    return th("folio/sum/inner", l + be64(ls) + r + be64(rs)), s


def holding_amount(v):
    """The amount a holding value counts for: its canonical u64, else 0."""
    try:
        a = decode(v)
    except (ValueError, UnicodeDecodeError):
        return 0
    return a if is_u64(a) else 0


def uvarints(b, n):
    """Exactly n minimal LEB128 u64s making up all of b (state.md §5.5)."""
    out, at = [], 0
    for _ in range(n):
        v, shift = 0, 0
        while True:
            if at >= len(b) or shift > 63:
                raise ValueError("sums: truncated or too long")
            c = b[at]
            at += 1
            v |= (c & 0x7f) << shift
            if not c & 0x80:
                if c == 0 and shift:
                    raise ValueError("sums: not minimal")
                break
            shift += 7
        if v >= 1 << 64:
            raise ValueError("sums: past 64 bits")
        out.append(v)
    if at != len(b):
        raise ValueError("sums: more bytes than siblings")
    return out


def uvarints_encode(vals):
    out = bytearray()
    for v in vals:
        while True:
            out.append((v & 0x7f) | (0x80 if v > 0x7f else 0))
            v >>= 7
            if not v:
                break
    return bytes(out)


def seg_decode(o, sum_tree):
    if not (isinstance(o, list) and len(o) == 6 and is_u64(o[0]) and o[0] <= DEPTH_MAX and
            is_u64(o[1]) and o[1] <= TERM_OTHER):
        raise ValueError("segment")
    depth, term, other, bitmap, sibs, sums = o
    if term == TERM_OTHER:
        if not (isinstance(other, list) and len(other) == 4 and is_u64(other[0]) and
                other[0] <= LEAF_HOLDING and is_bin(other[1], 32) and is_bin(other[2], 32) and
                is_u64(other[3])):
            raise ValueError("other leaf")
        if not sum_tree and other[0] == LEAF_PLAIN and other[3]:
            raise ValueError("plain leaf with a sum")
    elif other is not None:
        raise ValueError("other leaf where none is due")
    if not (is_bin(bitmap, (depth + 1) // 2) and isinstance(sibs, Bin) and len(sibs) % 32 == 0
            and isinstance(sums, Bin)):
        raise ValueError("siblings")
    bits = [i for i in range(len(bitmap) * 8) if bitmap[i // 8] >> (i % 8) & 1]
    if any(i >= depth * 4 for i in bits):
        raise ValueError("bitmap bit past the last level")
    sib = [bytes(sibs[k:k + 32]) for k in range(0, len(sibs), 32)]
    if len(bits) != len(sib):
        raise ValueError("sibling count")
    sums = uvarints(bytes(sums), len(sib) if sum_tree else 0)
    sums = sums if sum_tree else [0] * len(sib)
    if any(h == ZERO and x == 0 for h, x in zip(sib, sums)):
        raise ValueError("an empty sibling is listed")
    return {"depth": depth, "term": term, "other": other, "bitmap": bytes(bitmap), "sib": sib,
            "sums": sums}


def seg_term(sum_tree, want_kind, seg, path, own, own_sum):
    """The terminal's hash and sum; another leaf must be of the kind its tree holds
    (want_kind: plain in P, register in G, holding in a register)."""
    if seg["term"] == TERM_LEAF:
        if own is None:
            raise Refused("ROOT", "the proof shows the key present, but it is claimed absent")
        return own, own_sum
    if own is not None:
        raise Refused("ROOT", "the proof shows the key absent, but a value is claimed")
    if seg["term"] == TERM_EMPTY:
        return ZERO, 0
    kind, opath, a, osum = seg["other"]
    opath, a = bytes(opath), bytes(a)
    if opath == path or any(nib(opath, d) != nib(path, d) for d in range(seg["depth"])):
        raise Refused("ROOT", "the leaf in the key's place is not on the key's path")
    if kind != want_kind:
        raise Refused("ROOT", "the leaf in the key's place is of the wrong kind")
    if kind == LEAF_REGISTER:
        return th("folio/smt/register", opath + a + be64(osum)), 0
    if kind == LEAF_HOLDING:
        return th("folio/sum/leaf", opath + a + be64(osum)), osum
    return th("folio/smt/leaf", opath + a), 0


def seg_root(sum_tree, seg, path, h, s):
    used, bit = 0, 0
    for d in range(seg["depth"] - 1, -1, -1):
        x = nib(path, d)
        for k in range(4):
            sib, ss = ZERO, 0
            if seg["bitmap"][bit // 8] >> (bit % 8) & 1:
                sib, ss = seg["sib"][used], seg["sums"][used]
                used += 1
            bit += 1
            if (x >> k) & 1:
                h, s = combine(sum_tree, sib, ss, h, s)
            else:
                h, s = combine(sum_tree, h, s, sib, ss)
    return h, s


def tree_check(root, key, value, proof):
    """Checks one fact's path against root (state.md §5.5); returns the register total the
    path carries for a holding key whose instrument has a register, else None."""
    try:
        if len(proof) > TREE_PROOF_MAX:
            raise ValueError("over %d bytes" % TREE_PROOF_MAX)
        p = decode(proof)
        if isinstance(p, list) and p and is_u64(p[0]) and p[0] != 3:
            raise Refused("ROOT", "the path is a tree proof of version %d, not 3 (versions 1 and "
                          "2 proved against the former state root, which kept registers among "
                          "the plain keys; state.md §5.5)" % p[0])
        if not (isinstance(p, list) and len(p) == 4 and p[0] == 3 and is_bin(p[3], 32)):
            raise ValueError("not a tree proof of version 3")
        main = seg_decode(p[1], False)
        reg = seg_decode(p[2], True) if p[2] is not None else None
        other_root = bytes(p[3])
    except (ValueError, UnicodeDecodeError) as e:
        raise Refused("ROOT", "the path is not a tree proof of state.md §5.5 (%s)" % e)
    holding = len(key) == 33 and key[0] == 0x62
    path = th("folio/smt/key", key)
    vh = th("folio/smt/value", value) if value is not None else None
    if not holding and reg is not None:
        raise Refused("ROOT", "the proof has a register part but the key is no holding")
    total = None
    mpath, mown = path, None
    if holding:
        mpath = th("folio/smt/regpath", key[1:13])
        if reg is not None:
            amount = holding_amount(value) if value is not None else 0
            own = (th("folio/sum/leaf", path + vh + be64(amount)) if value is not None else None)
            h, s = seg_term(True, LEAF_HOLDING, reg, path, own, amount)
            h, s = seg_root(True, reg, path, h, s)
            # (R, T) = (h, s): the segment in G proves the register leaf they make
            mown = th("folio/smt/register", mpath + h + be64(s))
            total = s
        elif value is not None:
            raise Refused("ROOT", "a holding is claimed but the proof shows no register")
    elif value is not None:
        mown = th("folio/smt/leaf", path + vh)
    h, _ = seg_term(False, LEAF_REGISTER if holding else LEAF_PLAIN, main, mpath, mown, 0)
    h, _ = seg_root(False, main, mpath, h, 0)
    # the segment ends at the root of its tree: G for a holding, P for a plain key
    h = th("folio/smt/root", other_root + h if holding else h + other_root)
    if h != root:
        raise Refused("ROOT", "the proof leads to another state root")
    return total


# ---- the bundle (proofs.md) ----

def id12_ok(b):
    s = bytes(b).rstrip(b"\0")
    return 0 < len(s) and b"\0" not in s and all(0x21 <= x <= 0x7E for x in s)


def check_keys(kind, facts):
    k = [f[0] for f in facts]
    if kind == 1 and len(k) == 1:
        return
    if kind == 2 and len(k) == 2 and len(k[0]) == 33 and k[0][0] == 0x62 and id12_ok(k[0][1:13]) \
            and len(k[1]) == 13 and k[1][0] == 0x61 and k[1][1:13] == k[0][1:13]:
        return
    if kind == 3 and len(k) == 1 and len(k[0]) == 13 and k[0][0] == 0x61 and id12_ok(k[0][1:13]):
        return
    if kind == 4 and len(k) == 1 and len(k[0]) == 21 and k[0][0] == 0x70:
        return
    if kind == 5 and len(k) == 1 and len(k[0]) == 22 and k[0][:2] == b"AI":
        return
    raise Refused("KEY", "the facts are not the keys kind %d proves" % kind)


def value_of(kind_check, raw):
    try:
        v = decode(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return v if kind_check(v) else None


def asset_ok(v):
    return (isinstance(v, list) and len(v) == 8 and is_u64(v[0]) and is_text(v[1], 1, 64) and
            is_bin(v[2], 20) and is_u64(v[3]) and is_u64(v[4]) and is_text(v[5], 0, 7) and
            is_u64(v[6]) and is_text(v[7], 0, 3))


def grouped(v, scale=0):
    if 0 < scale <= 18:
        p = 10 ** scale
        return "{:,}.{:0{w}d}".format(v // p, v % p, w=scale)
    return "{:,}".format(v)


VALSET_CHANGES_MAX = 32


def valset_decode(raw):
    """A set in force from a height: one canonical array of 1..100 distinct valid x-only
    keys (state.md §3.1, 'W' entries)."""
    v = decode(raw)
    if not (isinstance(v, list) and 1 <= len(v) <= VALIDATORS_MAX and
            all(is_bin(k, 32) for k in v)):
        raise ValueError("not an array of 1 to %d keys" % VALIDATORS_MAX)
    keys = [bytes(k) for k in v]
    if len(set(keys)) != len(keys):
        raise ValueError("a key repeats")
    for i, k in enumerate(keys):
        if lift_x(int.from_bytes(k, "big")) is None:
            raise ValueError("key %d is not a valid x-only key" % i)
    return keys


def follow_trust(trust, g, upto):
    """proofs.md §5: from the genesis set, each step certified by the set in force before
    it, its fact proving the next set against that block's prev_state_root. Returns the set
    in force at `upto` and its first height."""
    if len(trust) > VALSET_CHANGES_MAX:
        raise Refused("MALFORMED", "the trust list has %d steps; at most %d" %
                      (len(trust), VALSET_CHANGES_MAX))
    cur, cur_from = g["validators"], 0
    for k, st in enumerate(trust):
        try:
            if not (isinstance(st, list) and len(st) == 4 and is_u64(st[0]) and
                    st[0] < 2**64 - 2 and is_bin(st[1], hi=HEADER_MAX) and
                    isinstance(st[3], list) and len(st[3]) == 3 and
                    is_bin(st[3][0], lo=1, hi=KEY_MAX) and
                    (st[3][1] is None or is_bin(st[3][1], hi=VALUE_MAX)) and
                    is_bin(st[3][2], hi=PATH_MAX)):
                raise ValueError("shape")
            cert = cert_decode(st[2])
            h = header_decode(st[1])
        except (ValueError, UnicodeDecodeError) as e:
            raise Refused("VALSET", "trust step %d is not [height, header c+1 bytes, "
                          "certificate, fact] (%s)" % (k, e))
        c = st[0]
        if h["chain_id"] != g["chain_id"] or h["height"] != c + 1:
            raise Refused("VALSET", "trust step %d: its header is not block %d of the chain" %
                          (k, c + 1))
        if c + 1 < cur_from:
            raise Refused("VALSET", "trust step %d: block %d is before the set in force from "
                          "%d: steps out of order" % (k, c + 1, cur_from))
        if cert["height"] != c + 1 or cert["block_hash"] != th("folio/block", st[1]):
            raise Refused("VALSET", "trust step %d: the certificate is for another block" % k)
        try:
            cert_check(cert, g["chain_id"], cur, c + 1)
        except Refused as e:
            raise Refused("VALSET", "trust step %d: the certificate of block %d is not a quorum "
                          "of the set in force from %d (%s)" % (k, c + 1, cur_from, e.why))
        key, value, proof = bytes(st[3][0]), st[3][1], bytes(st[3][2])
        if len(key) != 9 or key[0] != 0x57 or value is None:
            raise Refused("VALSET", "trust step %d: its fact is not a validator-set entry" % k)
        frm = int.from_bytes(key[1:], "big")
        if frm <= c + 1 or frm > upto:
            raise Refused("VALSET", "trust step %d: the change takes effect at %d, which must be "
                          "after block %d and at most %d" % (k, frm, c + 1, upto))
        try:
            tree_check(h["prev_state_root"], key, bytes(value), proof)
        except Refused as e:
            raise Refused("VALSET", "trust step %d: the change's tree proof does not lead to the "
                          "certified state root (%s)" % (k, e.why))
        try:
            cur = valset_decode(bytes(value))
        except (ValueError, UnicodeDecodeError) as e:
            raise Refused("VALSET", "trust step %d: the proved set is malformed (%s)" % (k, e))
        cur_from = frm
    return cur, cur_from


def verify(bundle, genesis, anchored=None):
    """anchored = (header bytes, genesis hash): header H+1 is trusted because a main chain
    anchored it (chains.md §6); no genesis document, no certificate check."""
    if len(bundle) > BUNDLE_MAX:
        raise Refused("TOO_LARGE", "the bundle is %d bytes" % len(bundle))
    try:
        b = decode(bundle)
    except (ValueError, UnicodeDecodeError) as e:
        raise Refused("MALFORMED", "not one canonical msgpack value (%s)" % e)
    if not (isinstance(b, list) and len(b) == 8 and b[0] == "folio-proof"):
        raise Refused("NOT_A_BUNDLE", "not an array of 8 beginning with \"folio-proof\"")
    if not is_u64(b[1]) or b[1] not in (1, 2):
        raise Refused("VERSION", "unknown bundle version")
    _, _, gh, height, kind, facts, anchor, trust = b
    ok = (is_bin(gh, 32) and is_u64(height) and is_u64(kind) and 1 <= kind <= 5 and
          isinstance(facts, list) and 1 <= len(facts) <= FACTS_MAX and
          all(isinstance(f, list) and len(f) == 3 and is_bin(f[0], lo=1, hi=KEY_MAX) and
              (f[1] is None or is_bin(f[1], hi=VALUE_MAX)) and is_bin(f[2], hi=PATH_MAX)
              for f in facts) and
          isinstance(anchor, list) and len(anchor) == 3 and is_bin(anchor[0], hi=HEADER_MAX) and
          is_bin(anchor[1], hi=HEADER_MAX) and isinstance(trust, list))
    if not ok:
        raise Refused("MALFORMED", "a field is not of the form of proofs.md §2")
    try:
        cert = cert_decode(anchor[2])
        hh = header_decode(anchor[0])
        hn = header_decode(anchor[1])
    except (ValueError, UnicodeDecodeError) as e:
        raise Refused("MALFORMED", "the anchor does not decode (%s)" % e)
    if anchored is not None:
        return check_anchored(b, hh, hn, anchored)
    try:
        g = genesis_decode(genesis)
    except (ValueError, UnicodeDecodeError) as e:
        raise Refused("BAD_GENESIS", "the genesis document does not decode (%s)" % e)
    if th("folio/genesis", genesis) != gh:
        raise Refused("WRONG_CHAIN", "the bundle's genesis hash is not that of the genesis given")
    if hh["chain_id"] != g["chain_id"] or hn["chain_id"] != g["chain_id"]:
        raise Refused("WRONG_CHAIN", "the headers are of another chain id")
    if hh["height"] != height or hn["height"] != height + 1:
        raise Refused("HEIGHT", "the headers are of heights %d and %d, not %d and the next" %
                      (hh["height"], hn["height"], height))
    if hn["prev_hash"] != th("folio/block", anchor[0]):
        raise Refused("LINK", "header %d does not follow the header given for %d" %
                      (height + 1, height))
    if trust and b[1] == 1:
        raise Refused("VALSET", "a version-1 bundle lists validator-set changes")
    vals, _ = follow_trust(trust, g, height + 1)
    if cert["height"] != height + 1 or cert["block_hash"] != th("folio/block", anchor[1]):
        raise Refused("CERT", "the certificate is for another block")
    cert_check(cert, g["chain_id"], vals, height + 1)
    out = check_facts(b, hh, hn)
    out["chain_id"] = g["chain_id"]
    out["signers"] = len(cert["sigs"])
    out["validators"] = len(vals)
    return out


def check_anchored(b, hh, hn, anchored):
    """Steps 6-11 of a sub-chain bundle whose header H+1 a main chain anchored."""
    _, _, gh, height, kind, facts, anchor, trust = b
    header, genesis_hash = anchored
    if bytes(gh) != genesis_hash or hh["chain_id"] != hn["chain_id"]:
        raise Refused("WRONG_CHAIN", "the bundle is of another chain than the anchored checkpoint")
    if bytes(anchor[1]) != header:
        raise Refused("CERT", "header H+1 of the bundle is not the anchored checkpoint header")
    if hh["height"] != height or hn["height"] != height + 1:
        raise Refused("HEIGHT", "the headers are of heights %d and %d, not %d and the next" %
                      (hh["height"], hn["height"], height))
    if hn["prev_hash"] != th("folio/block", anchor[0]):
        raise Refused("LINK", "header %d does not follow the header given for %d" %
                      (height + 1, height))
    # The anchored header needs no chain of sets: the main chain checked its certificate.
    out = check_facts(b, hh, hn)
    out["chain_id"] = hn["chain_id"]
    return out


def check_facts(b, hh, hn):
    """Steps 12-15: the facts against header H+1's prev_state_root."""
    _, _, gh, height, kind, facts, anchor, trust = b
    check_keys(kind, facts)
    root = hn["prev_state_root"]
    totals = [tree_check(root, bytes(f[0]), None if f[1] is None else bytes(f[1]), bytes(f[2]))
              for f in facts]
    out = {"height": height, "time_ms": hh["time_ms"], "kind": kind,
           "present": facts[0][1] is not None}
    if kind == 2:
        q = 0
        if facts[0][1] is not None:
            q = value_of(lambda v: is_u64(v) and v >= 1, facts[0][1])
            if q is None:
                raise Refused("VALUE", "the holding's value is not a quantity of at least 1")
        if facts[1][1] is None:
            raise Refused("VALUE", "the instrument does not exist")
        a = value_of(asset_ok, facts[1][1])
        if a is None:
            raise Refused("VALUE", "the instrument's value is not an instrument record")
        total = totals[0]
        if total is None and facts[0][1] is None:
            total = 0  # no register leaf at all: no one holds any (proofs.md §3)
        totals[0] = total
        if total is None or total != a[3]:
            raise Refused("SUPPLY", "the register totals %s but the issued supply is %d" %
                          (totals[0], a[3]))
        out.update(quantity=q, register_total=totals[0], supply=a[3], scale=a[4])
        out["proves"] = ("account %s held %s of %s; the register then totalled %s = the issued "
                         "supply" % (bytes(facts[0][0][13:]).hex(),
                                     grouped(q, a[4]) if q else "none",
                                     bytes(facts[0][0][1:13]).rstrip(b"\0").decode(),
                                     grouped(a[3], a[4])))
    elif kind == 3 and facts[0][1] is not None:
        a = value_of(asset_ok, facts[0][1])
        if a is None:
            raise Refused("VALUE", "the instrument's value is not an instrument record")
        out["proves"] = "instrument %s (%s) existed with an issued supply of %s" % (
            bytes(facts[0][0][1:13]).rstrip(b"\0").decode(), a[1], grouped(a[3], a[4]))
    elif kind == 4 and facts[0][1] is not None:
        p = value_of(lambda v: isinstance(v, list) and len(v) == 4 and is_text(v[0], 1, 64) and
                     is_u64(v[1]) and is_bin(v[2], 32) and is_u64(v[3]), facts[0][1])
        if p is None:
            raise Refused("VALUE", "the value is not a participant record")
        out["proves"] = "account %s was participant '%s' with roles bitmask %d" % (
            bytes(facts[0][0][1:]).hex(), p[0], p[1])
    elif kind == 5 and facts[0][1] is not None:
        v = value_of(lambda v: isinstance(v, list) and len(v) == 4 and is_u64(v[0]) and
                     is_u64(v[1]) and isinstance(v[2], int) and not isinstance(v[2], bool) and
                     is_u64(v[3]), facts[0][1])
        if v is None:
            raise Refused("VALUE", "the value is not an investor profile")
        out["proves"] = "account %s had an investor profile: %s, risk class C%d" % (
            bytes(facts[0][0][2:]).hex(), "professional" if v[0] == 1 else "ordinary", v[1])
    elif kind in (3, 4, 5):
        out["proves"] = "%s %s did not exist" % (
            {3: "instrument", 4: "participant", 5: "investor profile of"}[kind],
            bytes(facts[0][0][1 if kind != 5 else 2:]).rstrip(b"\0").decode("latin-1")
            if kind == 3 else bytes(facts[0][0][1 if kind == 4 else 2:]).hex())
    else:
        out["proves"] = "key %s %s" % (
            bytes(facts[0][0]).hex(),
            "held %s" % bytes(facts[0][1]).hex() if facts[0][1] is not None else "was absent")
    return out


# ---- two-level bundles (chains.md §6) ----

XPROOF_MAX = 2 * BUNDLE_MAX + 1024
ID_LEN_MAX = 16


def checkpoint_key(sub_id, height):
    return b"Mk" + sub_id.encode().ljust(ID_LEN_MAX, b"\0") + be64(height)


def xverify(xb, main_genesis):
    """A sub-chain fact, trusting only the main chain's genesis document."""
    if len(xb) > XPROOF_MAX:
        raise Refused("TOO_LARGE", "the bundle is %d bytes" % len(xb))
    try:
        x = decode(xb)
    except (ValueError, UnicodeDecodeError) as e:
        raise Refused("MALFORMED", "not one canonical msgpack value (%s)" % e)
    if not (isinstance(x, list) and len(x) == 6 and x[0] == "folio-xproof"):
        raise Refused("NOT_A_BUNDLE", "not an array of 6 beginning with \"folio-xproof\"")
    if not is_u64(x[1]) or x[1] != 1:
        raise Refused("VERSION", "two-level bundle version other than 1")
    _, _, sub_id, xh, mb, sb = x
    if not (is_text(sub_id, 1, ID_LEN_MAX) and
            all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in sub_id) and
            is_u64(xh) and xh >= 1 and is_bin(mb, hi=BUNDLE_MAX) and is_bin(sb, hi=BUNDLE_MAX)):
        raise Refused("MALFORMED", "fields are not [magic, 1, id, height >= 1, bin, bin]")
    try:
        main = verify(bytes(mb), main_genesis)
    except Refused as r:
        raise Refused(r.code, "main-chain bundle: " + r.why)
    m = decode(bytes(mb))
    fact = m[5][0]
    if main["kind"] != 1 or bytes(fact[0]) != checkpoint_key(sub_id, xh):
        raise Refused("KEY", "the main-chain bundle does not prove the checkpoint key of %s at %d"
                      % (sub_id, xh))
    if fact[1] is None:
        raise Refused("VALUE", "the main chain keeps no checkpoint of %s at %d: never anchored, "
                      "or no longer kept (older than the newest chains.retention checkpoints)" %
                      (sub_id, xh))
    try:
        cp = decode(bytes(fact[1]))
        ok = (isinstance(cp, list) and len(cp) == 5 and is_bin(cp[0], hi=HEADER_MAX) and
              is_u64(cp[2]) and is_u64(cp[3]) and is_bin(cp[4], 32))
        cert_decode(cp[1])
    except (ValueError, UnicodeDecodeError, IndexError):
        ok = False
    if not ok:
        raise Refused("VALUE", "the anchored value is not a checkpoint")
    try:
        sub = verify(bytes(sb), None, anchored=(bytes(cp[0]), bytes(cp[4])))
    except Refused as r:
        raise Refused(r.code, "sub-chain bundle: " + r.why)
    sub.update(two_level=True, subchain=sub_id, anchored_height=xh,
               main_chain_id=main["chain_id"], main_height=main["height"],
               main_signers=main["signers"], main_validators=main["validators"])
    return sub


def main(argv):
    if len(argv) < 4 or argv[2] != "--genesis":
        print("usage: verify_proof.py BUNDLE --genesis genesis.bin [--json]", file=sys.stderr)
        return 2
    try:
        with open(argv[1], "rb") as f:
            bundle = f.read(2 * BUNDLE_MAX + 1025)
        with open(argv[3], "rb") as f:
            genesis = f.read()
    except OSError as e:
        print("cannot read: %s" % e, file=sys.stderr)
        return 2
    try:
        if bundle[:2] == b"\x96\xac":  # [6 items, "folio-xproof"...]: a two-level bundle
            out = xverify(bundle, genesis)
        else:
            out = verify(bundle, genesis)
    except Refused as r:
        if "--json" in argv:
            print(json.dumps({"valid": False, "code": r.code, "why": r.why}))
        else:
            print("REFUSED %s: %s" % (r.code, r.why))
        return 1
    if "--json" in argv:
        out["valid"] = True
        print(json.dumps(out))
    else:
        t = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(out["time_ms"] // 1000))
        if out.get("two_level"):
            print("VALID: on sub-chain '%s' (chain %s), at height %s (%s): %s; anchored at "
                  "block %d on main chain %s (main height %s, %d of %d genesis validators)" % (
                      out["subchain"], out["chain_id"], grouped(out["height"]), t,
                      out["proves"], out["anchored_height"], out["main_chain_id"],
                      grouped(out["main_height"]), out["main_signers"], out["main_validators"]))
        else:
            print("VALID: at height %s (%s): %s" % (grouped(out["height"]), t, out["proves"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
