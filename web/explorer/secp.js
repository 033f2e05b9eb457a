// BIP-340 Schnorr verification over secp256k1 in BigInt (WebCrypto has no secp256k1), the
// textbook algorithm as in tests/e2e/tools/verify_proof.py, with Jacobian coordinates so
// that one verification costs two inversions. Verification only: no secret is handled,
// so constant time does not matter here.
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const G = [
  0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
  0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n,
  1n,
];

const mod = (a) => {
  const r = a % P;
  return r < 0n ? r + P : r;
};

function pow(b, e) {
  let r = 1n;
  b = mod(b);
  while (e > 0n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return r;
}

function dbl(p) {
  if (p === null) return null;
  const [x, y, z] = p;
  if (y === 0n) return null;
  const a = mod(x * x);
  const b = mod(y * y);
  const c = mod(b * b);
  const d = mod(2n * (mod((x + b) * (x + b)) - a - c));
  const e = mod(3n * a);
  const x3 = mod(e * e - 2n * d);
  return [x3, mod(e * (d - x3) - 8n * c), mod(2n * y * z)];
}

function add(p, q) {
  if (p === null) return q;
  if (q === null) return p;
  const [x1, y1, z1] = p;
  const [x2, y2, z2] = q;
  const z1z1 = mod(z1 * z1);
  const z2z2 = mod(z2 * z2);
  const u1 = mod(x1 * z2z2);
  const u2 = mod(x2 * z1z1);
  const s1 = mod(y1 * z2 * z2z2);
  const s2 = mod(y2 * z1 * z1z1);
  const h = mod(u2 - u1);
  const r = mod(s2 - s1);
  if (h === 0n) return r === 0n ? dbl(p) : null;
  const hh = mod(h * h);
  const hhh = mod(hh * h);
  const v = mod(u1 * hh);
  const x3 = mod(r * r - hhh - 2n * v);
  return [x3, mod(r * (v - x3) - s1 * hhh), mod(z1 * z2 * h)];
}

function mul(p, k) {
  let r = null;
  while (k > 0n) {
    if (k & 1n) r = add(r, p);
    p = dbl(p);
    k >>= 1n;
  }
  return r;
}

function affine(p) {
  if (p === null) return null;
  const zi = pow(p[2], P - 2n);
  const zi2 = mod(zi * zi);
  return [mod(p[0] * zi2), mod(p[1] * zi2 * zi)];
}

function int(b) {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

function liftX(x) {
  if (x >= P) return null;
  const y2 = mod(x * x * x + 7n);
  const y = pow(y2, (P + 1n) / 4n);
  if (mod(y * y) !== y2) return null;
  return [x, y % 2n === 0n ? y : P - y, 1n];
}

// True when sig (64 bytes) is pubkey's (32 bytes, x-only) BIP-340 signature of msg (32
// bytes). th is the tagged hash (the same construction as BIP-340's).
export async function schnorrVerify(th, msg, pubkey, sig) {
  if (pubkey.length !== 32 || sig.length !== 64 || msg.length !== 32) return false;
  const pk = liftX(int(pubkey));
  const r = int(sig.subarray(0, 32));
  const s = int(sig.subarray(32));
  if (pk === null || r >= P || s >= N) return false;
  const m = new Uint8Array(96);
  m.set(sig.subarray(0, 32), 0);
  m.set(pubkey, 32);
  m.set(msg, 64);
  const e = int(await th('BIP0340/challenge', m)) % N;
  const R = affine(add(mul(G, s), mul(pk, (N - e) % N)));
  return R !== null && R[1] % 2n === 0n && R[0] === r;
}
