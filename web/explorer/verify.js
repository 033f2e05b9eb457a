// Evidence bundle verification in the browser (specs/evidence.md §6.3), with WebCrypto
// SHA-256 and BIP-340 in BigInt (secp.js): the bundle's form, its chain, each anchor's
// transaction and its signature, block membership, the certificate (for the header; its
// validators' signatures and quorum when the genesis file is given, which names them),
// the subject-log path, each record's payload, subject, inclusion path and time range,
// and the links between records.
import { schnorrVerify } from './secp.js';

export const BUNDLE_BYTES_MAX = 16 * 1024 * 1024; // LDG_EV_BUNDLE_BYTES_MAX
const ITEMS_MAX = 64; // LDG_EV_BUNDLE_ITEMS_MAX
const PATH_MAX = 64; // LDG_EV_PATH_MAX
const DEPTH_MAX = 16;

export class Bad extends Error {
  constructor(code, why) {
    super(why);
    this.code = code;
  }
}

function check(cond, code, why) {
  if (!cond) throw new Bad(code, why);
}

// ---- hashing (encoding.md §2) ----

const utf8 = new TextEncoder();
const tags = new Map();

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

export async function th(tag, m) {
  let t = tags.get(tag);
  if (!t) {
    t = await sha256(utf8.encode(tag));
    tags.set(tag, t);
  }
  const buf = new Uint8Array(64 + m.length);
  buf.set(t, 0);
  buf.set(t, 32);
  buf.set(m, 64);
  return sha256(buf);
}

function cat(...parts) {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

export function hex(b) {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function unhex(t) {
  check(typeof t === 'string' && /^([0-9a-f]{2})*$/i.test(t), 'BUNDLE_FORMAT', 'not hex');
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.substr(2 * i, 2), 16);
  return out;
}

function same(a, b) {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const isBin = (v, n) => v instanceof Uint8Array && (n === undefined || v.length === n);
const isUint = (v) => typeof v === 'number' || typeof v === 'bigint';
const isArr = (v, n) => Array.isArray(v) && (n === undefined || v.length === n);

// ---- msgpack: the subset folio writes (uint, nil, bool, str, bin, array) ----

const strict = new TextDecoder('utf-8', { fatal: true });

function unpack(b, i, depth) {
  check(depth <= DEPTH_MAX && i < b.length, 'BUNDLE_FORMAT', 'truncated or too deep');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const c = b[i++];
  const need = (n) => check(i + n <= b.length, 'BUNDLE_FORMAT', 'truncated');
  const uint = (w) => {
    need(w);
    let v;
    if (w === 1) v = b[i];
    else if (w === 2) v = dv.getUint16(i);
    else if (w === 4) v = dv.getUint32(i);
    else {
      v = dv.getBigUint64(i);
      if (v <= BigInt(Number.MAX_SAFE_INTEGER)) v = Number(v);
    }
    i += w;
    return v;
  };
  if (c <= 0x7f) return [c, i];
  if (c === 0xc0) return [null, i];
  if (c === 0xc2 || c === 0xc3) return [c === 0xc3, i];
  const uw = { 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8 }[c];
  if (uw) return [uint(uw), i];
  let n = -1;
  let bin = false;
  if (c >= 0xa0 && c <= 0xbf) n = c & 0x1f;
  else if (c === 0xd9 || c === 0xda || c === 0xdb) n = uint({ 0xd9: 1, 0xda: 2, 0xdb: 4 }[c]);
  else if (c === 0xc4 || c === 0xc5 || c === 0xc6) {
    n = uint({ 0xc4: 1, 0xc5: 2, 0xc6: 4 }[c]);
    bin = true;
  }
  if (n >= 0) {
    need(n);
    const data = b.subarray(i, i + n);
    let v;
    if (bin) v = data.slice();
    else {
      try {
        v = strict.decode(data);
      } catch (e) {
        throw new Bad('BUNDLE_FORMAT', 'a text that is not UTF-8');
      }
    }
    return [v, i + n];
  }
  if ((c >= 0x90 && c <= 0x9f) || c === 0xdc || c === 0xdd) {
    const len = c <= 0x9f ? c & 0x0f : uint(c === 0xdc ? 2 : 4);
    // Each element takes at least one byte: a length beyond the input is refused before
    // anything is allocated for it.
    check(len <= b.length - i, 'BUNDLE_FORMAT', 'an array longer than the input');
    const out = [];
    for (let k = 0; k < len; k++) {
      const [v, j] = unpack(b, i, depth + 1);
      out.push(v);
      i = j;
    }
    return [out, i];
  }
  throw new Bad('BUNDLE_FORMAT', 'a msgpack type folio does not use (0x' + c.toString(16) + ')');
}

export function decode(b) {
  const [v, i] = unpack(b, 0, 0);
  check(i === b.length, 'BUNDLE_FORMAT', 'trailing bytes');
  return v;
}

function packUint(v) {
  let x = BigInt(v);
  if (x <= 0x7fn) return Uint8Array.of(Number(x));
  for (const [code, n] of [[0xcc, 1], [0xcd, 2], [0xce, 4], [0xcf, 8]]) {
    if (x < 1n << BigInt(8 * n)) {
      const out = new Uint8Array(1 + n);
      out[0] = code;
      for (let k = n; k >= 1; k--) {
        out[k] = Number(x & 0xffn);
        x >>= 8n;
      }
      return out;
    }
  }
  throw new Bad('BUNDLE_FORMAT', 'integer too large');
}

function packBin(b) {
  return b.length < 256 ? cat(Uint8Array.of(0xc4, b.length), b) : cat(Uint8Array.of(0xc5, b.length >> 8, b.length & 0xff), b);
}

// ---- RFC 9162 §2.1.3.2 with folio's tagged node hash (evidence.md §2) ----

const node = (l, r) => th('folio/ev-node', cat(l, r));

async function pathVerify(leaf, index, size, path, root) {
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (fn > sn || !isArr(path) || path.length > PATH_MAX) return false;
  let r = leaf;
  for (const p of path) {
    if (!isBin(p, 32) || sn === 0n) return false;
    if (fn & 1n || fn === sn) {
      r = await node(p, r);
      while (!(fn & 1n) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await node(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && same(r, root);
}

// ---- §6.3 ----

// The vote a certificate signature signs (consensus.md; as ev_verify.py builds it).
async function voteMessage(chainId, height, round, blockHash) {
  const cid = utf8.encode(chainId);
  const v = new Uint8Array(1 + cid.length + 8 + 4 + 2 + 32 + 4);
  const dv = new DataView(v.buffer);
  v[0] = cid.length;
  v.set(cid, 1);
  let o = 1 + cid.length;
  dv.setBigUint64(o, BigInt(height));
  dv.setUint32(o + 8, Number(round));
  v[o + 12] = 3;
  v[o + 13] = 1;
  v.set(blockHash, o + 14);
  dv.setInt32(o + 46, -1);
  return th('folio/vote', v);
}

async function checkCertificate(c, h, bh, chain, done) {
  if (!chain.validators) return;
  const vs = chain.validators;
  check(isUint(c[1]) && isArr(c[3]), 'CERTIFICATE', 'the certificate\'s form');
  const msg = await voteMessage(chain.chainId, h[2], c[1], bh);
  const seen = new Set();
  for (const e of c[3]) {
    check(isArr(e, 2) && isUint(e[0]) && isBin(e[1], 64), 'CERTIFICATE', 'a certificate entry');
    const idx = Number(e[0]);
    check(idx < vs.length && !seen.has(idx), 'CERTIFICATE', 'a certificate names no genesis validator, or one twice');
    check(await schnorrVerify(th, msg, vs[idx], e[1]), 'CERTIFICATE', 'a certificate signature does not verify');
    seen.add(idx);
  }
  check(seen.size >= Math.floor((2 * vs.length) / 3) + 1, 'CERTIFICATE', 'the certificate has no quorum of the genesis validators');
  done.add('CERTIFICATE signatures and quorum');
}

async function verifyAnchor(a, chain, done) {
  const chainId = chain.chainId;
  check(isArr(a, 5) && a.every((x, k) => (k < 4 ? isBin(x) : isArr(x))), 'BUNDLE_FORMAT', 'an anchor entry');
  const [wire, hdr, cert, refs, logPath] = a;
  const n = wire.length;
  check(n >= 68 && wire[0] === 0x92 && wire[n - 66] === 0xc4 && wire[n - 65] === 0x40, 'ANCHOR_TX', 'the transaction is not of the wire form');
  const bodyBytes = wire.subarray(1, n - 66);
  const sig = wire.subarray(n - 64);
  let body;
  try {
    body = decode(bodyBytes);
  } catch (e) {
    throw new Bad('ANCHOR_TX', 'the transaction does not decode');
  }
  check(isArr(body, 7) && body[0] === 1 && body[1] === chainId && body[2] === 200 && isBin(body[3], 32), 'ANCHOR_TX', 'not an evidence anchor of this chain');
  const pl = body[6];
  check(isArr(pl, 8) && isBin(pl[0], 32) && pl[4] === 'lines/1' && [1, 2, 3, 6].every((k) => isUint(pl[k])) && isBin(pl[7], 32), 'ANCHOR_TX', 'the anchor payload');
  const txid = await th('folio/tx', bodyBytes);
  check(await schnorrVerify(th, await th('folio/txsig', cat(chain.genesisHash, txid)), body[3], sig), 'ANCHOR_TX', 'the transaction\'s signature does not verify');
  done.add('ANCHOR_TX');
  const me = cat(txid, sig);
  let found = false;
  check(refs.length % 96 === 0, 'ANCHOR_NOT_IN_BLOCK', 'refs are not whole (id, signature) pairs');
  for (let k = 0; k < refs.length; k += 96) if (same(refs.subarray(k, k + 96), me)) found = true;
  check(found, 'ANCHOR_NOT_IN_BLOCK', 'the transaction is not among the block\'s refs');
  let h;
  try {
    h = decode(hdr);
  } catch (e) {
    throw new Bad('CERTIFICATE', 'the header does not decode');
  }
  check(isArr(h) && h.length >= 8 && h[1] === chainId && isBin(h[6], 32) && isUint(h[2]), 'ANCHOR_NOT_IN_BLOCK', 'the header');
  check(same(await th('folio/txroot', refs), h[6]) && BigInt(h[7]) === BigInt(refs.length / 96), 'ANCHOR_NOT_IN_BLOCK', 'the refs do not hash to the header\'s tx_root');
  done.add('ANCHOR_NOT_IN_BLOCK');
  const bh = await th('folio/block', hdr);
  let c;
  try {
    c = decode(cert);
  } catch (e) {
    throw new Bad('CERTIFICATE', 'the certificate does not decode');
  }
  check(isArr(c) && c.length >= 4 && BigInt(c[0]) === BigInt(h[2]) && same(c[2], bh), 'CERTIFICATE', 'the certificate is for another block');
  done.add('CERTIFICATE (for this header)');
  await checkCertificate(c, h, bh, chain, done);
  const [root, count, t0, t1, , , logSize, logRoot] = pl;
  const leaf = await th('folio/ev-logleaf', cat(Uint8Array.of(0x94), packBin(root), packUint(count), packUint(t0), packUint(t1)));
  check(BigInt(logSize) >= 1n && (await pathVerify(leaf, BigInt(logSize) - 1n, logSize, logPath, logRoot)), 'LOG_PATH', 'the log path does not prove the slice in the subject log');
  done.add('LOG_PATH');
  const subject = (await th('folio/account', body[3])).subarray(0, 20);
  return { root, count, t0, t1, subject, height: h[2], txid };
}

// Verifies bundle bytes against the chain {genesisHash: Uint8Array, chainId: string}.
// Returns {records: [...], checked: [...]}; throws Bad with the first failure.
export async function verifyBundle(bytes, chain) {
  const done = new Set();
  check(bytes.length <= BUNDLE_BYTES_MAX, 'BUNDLE_FORMAT', 'over 16 MiB');
  const b = decode(bytes);
  check(isArr(b, 5) && b[0] === 'folio/ev-bundle' && b[1] === 1 && isBin(b[2], 32) && isArr(b[3]) && isArr(b[4]), 'BUNDLE_FORMAT', 'not a folio evidence bundle');
  check(b[3].length >= 1 && b[3].length <= ITEMS_MAX, 'BUNDLE_FORMAT', 'the number of items');
  done.add('BUNDLE_FORMAT');
  check(same(b[2], chain.genesisHash), 'WRONG_CHAIN', 'the bundle is for another chain');
  done.add('WRONG_CHAIN');
  const anchors = [];
  for (const a of b[4]) anchors.push(await verifyAnchor(a, chain, done));
  const facts = [];
  for (const it of b[3]) {
    check(isArr(it, 6) && isBin(it[0]) && (it[1] === null || isBin(it[1])) && isBin(it[2], 32) && isUint(it[3]) && isArr(it[4]) && isUint(it[5]), 'BUNDLE_FORMAT', 'an item');
    const [rec, line, salt, index, path, ai] = it;
    check(BigInt(ai) < BigInt(anchors.length), 'BUNDLE_FORMAT', 'an item names no anchor');
    const an = anchors[Number(ai)];
    let r;
    try {
      r = decode(rec);
    } catch (e) {
      throw new Bad('RECORD', 'a record does not decode');
    }
    check(isArr(r, 9) && r[0] === 1 && isBin(r[1], 20) && typeof r[2] === 'string' && isUint(r[4]) && isUint(r[5]) && typeof r[6] === 'string' && isArr(r[7]) && r[7].every((x) => isBin(x, 32)) && isBin(r[8], 32), 'RECORD', 'a record is not of the form of evidence.md §1.2');
    done.add('RECORD');
    const rid = await th('folio/ev-record', rec);
    if (line !== null) {
      check(same(await th('folio/ev-payload', line), r[8]), 'PAYLOAD', 'record ' + hex(rid) + ': the line does not hash to its payload_hash');
      done.add('PAYLOAD');
    }
    check(same(r[1], an.subject), 'SUBJECT', 'record ' + hex(rid) + ': not the anchor sender\'s record');
    done.add('SUBJECT');
    const leaf = await th('folio/ev-leaf', cat(salt, rid));
    check(await pathVerify(leaf, index, an.count, path, an.root), 'INCLUSION', 'record ' + hex(rid) + ': the path does not prove it in the anchored slice');
    done.add('INCLUSION');
    check(an.t0 <= r[5] && r[5] <= an.t1, 'TIME_RANGE', 'record ' + hex(rid) + ': its time is outside the slice\'s range');
    done.add('TIME_RANGE');
    facts.push({ id: hex(rid), record: r, line, anchor: an });
  }
  const byId = new Map(facts.map((f) => [f.id, f]));
  for (const f of facts) {
    for (const l of f.record[7]) {
      const t = byId.get(hex(l));
      check(t, 'LINK_MISSING', 'record ' + f.id + ' links to a record the bundle does not hold');
      check(t.record[5] <= f.record[5] && t.anchor.height <= f.anchor.height, 'LINK_LATER', 'record ' + f.id + ' links to a later record');
      done.add('LINKS');
    }
  }
  return { records: facts, checked: Array.from(done) };
}

// The chain a genesis.bin names (encoding.md §8): its hash and chain id.
export async function chainOfGenesis(bytes) {
  let g;
  try {
    g = decode(bytes);
  } catch (e) {
    throw new Bad('GENESIS', 'the genesis file does not decode: ' + e.message);
  }
  check(isArr(g) && g.length >= 3 && typeof g[0] === 'string' && isArr(g[2]) && g[2].length >= 1 && g[2].every((k) => isBin(k, 32)), 'GENESIS', 'not a folio genesis');
  return { genesisHash: await th('folio/genesis', bytes), chainId: g[0], validators: g[2], from: 'the genesis file given' };
}
