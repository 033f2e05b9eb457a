// Differential test of folio's precompiles 0x05..0x09 against independent implementations:
// modexp against JavaScript BigInt, bn254 add / mul / pairing against @noble/curves, blake2f
// (12 rounds, one- and two-block messages) against @noble/hashes' BLAKE2b-512. Each random
// input goes through `folio evm run` with a program that STATICCALLs the precompile and
// returns [success word, gas used by the call + 115, output]. Usage: node precompiles.js
// FOLIO COUNT; FOLIO_TEST_SEED replays. Prints 'N passed, M failed'; exit 1 on a mismatch.
'use strict';
const { execFileSync } = require('child_process');
const { bn254 } = require('@noble/curves/bn254');
const { blake2b } = require('@noble/hashes/blake2b');

const folio = process.argv[2];
const count = Number(process.argv[3] || 40);
const seed = Number(process.env.FOLIO_TEST_SEED || Math.floor(Math.random() * 2 ** 31));
console.log(`evm_diff_precompiles: seed ${seed} (FOLIO_TEST_SEED replays), ${count} cases per kind`);

// xorshift32: reproducible from the seed
let state = seed >>> 0 || 1;
function rnd32() {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state;
}
const rndInt = (n) => rnd32() % n;
function rndBytes(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rnd32() & 0xff;
  return b;
}
const rndBig = (bytes) => BigInt('0x' + (bytes ? rndBytes(bytes).toString('hex') : '0'));
const hex32 = (x) => x.toString(16).padStart(64, '0');
const word = (x) => Buffer.from(hex32(x), 'hex');

// BALANCE(addr) to warm it (no transaction does here), then
// STATICCALL(GAS, addr, 0, CALLDATASIZE, 0, 0) after copying the call data to memory 0;
// returns success, (GAS before) - (GAS after) = 115 + gas used by the precompile, output.
function program(addr) {
  const a = addr.toString(16).padStart(2, '0');
  return '60' + a + '3150' + '365f5f375a5f5f365f60' + a + '5afa5a8203602052' + '5f52503d5f60403e3d604001' + '5ff3';
}

function runFolio(addr, input) {
  const out = execFileSync(
    folio,
    ['evm', 'run', program(addr), '--input', input.toString('hex'), '--gas', '100000000', '--json'],
    { encoding: 'utf8' }
  );
  const r = JSON.parse(out);
  if (r.status !== 'SUCCESS') throw new Error(`folio evm run: status ${r.status}`);
  const o = Buffer.from(r.output.replace(/^0x/, ''), 'hex');
  return {
    ok: BigInt('0x' + o.subarray(0, 32).toString('hex')) === 1n,
    gas: Number(BigInt('0x' + o.subarray(32, 64).toString('hex'))) - 115,
    out: o.subarray(64),
  };
}

let passed = 0;
let failed = 0;
function check(kind, input, want, got) {
  const same =
    want.ok === got.ok && (!want.ok || (want.gas === got.gas && want.out.equals(got.out)));
  if (same) {
    passed++;
    return;
  }
  failed++;
  if (failed <= 10)
    console.log(
      `MISMATCH ${kind} input ${input.toString('hex')}\n  want ok=${want.ok} gas=${want.gas} ` +
        `out=${want.out ? want.out.toString('hex') : ''}\n  got  ok=${got.ok} gas=${got.gas} ` +
        `out=${got.out.toString('hex')}`
    );
}

// ---- modexp (EIP-198, EIP-2565 gas) ----
function modpow(b, e, m) {
  if (m === 0n) return 0n;
  let r = 1n % m;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}
const bitlen = (x) => (x === 0n ? 0 : x.toString(2).length);
function modexpGas(bl, el, ml, eHead) {
  const words = BigInt(Math.ceil(Math.max(bl, ml) / 8));
  let ic = el <= 32 ? BigInt(Math.max(bitlen(eHead) - 1, 0)) : 8n * BigInt(el - 32) + BigInt(Math.max(bitlen(eHead) - 1, 0));
  if (ic < 1n) ic = 1n;
  const g = (words * words * ic) / 3n;
  return Number(g < 200n ? 200n : g);
}
function caseModexp() {
  const bl = rndInt(5) === 0 ? 0 : rndInt(70);
  const el = rndInt(5) === 0 ? 0 : rndInt(40);
  const ml = rndInt(8) === 0 ? 0 : 1 + rndInt(70);
  const B = rndBig(bl), E = rndBig(el);
  let M = rndBig(ml);
  if (rndInt(10) === 0) M = 0n;
  const enc = (x, l) => (l ? Buffer.from(x.toString(16).padStart(2 * l, '0'), 'hex') : Buffer.alloc(0));
  let input = Buffer.concat([word(BigInt(bl)), word(BigInt(el)), word(BigInt(ml)), enc(B, bl), enc(E, el), enc(M, ml)]);
  // sometimes truncate: missing bytes read as zeros
  let b = B, e = E, m = M;
  if (rndInt(4) === 0 && input.length > 96) {
    const cut = 96 + rndInt(input.length - 96);
    input = input.subarray(0, cut);
    const body = Buffer.concat([input.subarray(96), Buffer.alloc(bl + el + ml)]);
    const part = (o, l) => (l ? BigInt('0x' + body.subarray(o, o + l).toString('hex')) : 0n);
    b = part(0, bl);
    e = part(bl, el);
    m = part(bl + el, ml);
  }
  const eHead = el <= 32 ? e : e >> BigInt(8 * (el - 32));
  const out = ml ? Buffer.from(modpow(b, e, m).toString(16).padStart(2 * ml, '0'), 'hex') : Buffer.alloc(0);
  check('modexp', input, { ok: true, gas: modexpGas(bl, el, ml, eHead), out }, runFolio(5, input));
}

// ---- bn254 (EIP-196/197, EIP-1108 gas) ----
const { G1, G2, fields } = bn254;
const P1 = G1.ProjectivePoint;
const P2 = G2.ProjectivePoint;
const R = bn254.params ? bn254.params.r : fields.Fr.ORDER;
const FP = fields.Fp.ORDER;
const rndScalar = () => rndBig(32) % R;
function g1Enc(p) {
  if (p.equals(P1.ZERO)) return Buffer.alloc(64);
  const a = p.toAffine();
  return Buffer.concat([word(a.x), word(a.y)]);
}
function g2Enc(p) {
  if (p.equals(P2.ZERO)) return Buffer.alloc(128);
  const a = p.toAffine();
  return Buffer.concat([word(a.x.c1), word(a.x.c0), word(a.y.c1), word(a.y.c0)]);
}
function rndG1() {
  const k = rndScalar();
  return k === 0n ? P1.ZERO : P1.BASE.multiply(k);
}
// an Fp pair that is (mostly) not a curve point, or a point with a coordinate >= p
function badG1() {
  if (rndInt(2)) return Buffer.concat([word(rndBig(32) % FP), word(rndBig(32) % FP)]);
  return Buffer.concat([word(FP + 1n), word(2n)]);
}
function g1Valid(buf) {
  const x = BigInt('0x' + buf.subarray(0, 32).toString('hex'));
  const y = BigInt('0x' + buf.subarray(32, 64).toString('hex'));
  if (x >= FP || y >= FP) return null;
  if (x === 0n && y === 0n) return P1.ZERO;
  try {
    const p = P1.fromAffine({ x, y });
    p.assertValidity();
    return p;
  } catch (e) {
    return null;
  }
}
function caseAdd() {
  const a = rndInt(8) === 0 ? badG1() : g1Enc(rndInt(10) === 0 ? P1.ZERO : rndG1());
  const b = rndInt(6) === 0 ? a : rndInt(8) === 0 ? badG1() : g1Enc(rndG1());
  let input = Buffer.concat([a, b]);
  if (rndInt(6) === 0) input = input.subarray(0, rndInt(128)); // zero-padded
  const full = Buffer.concat([input, Buffer.alloc(128)]);
  const pa = g1Valid(full.subarray(0, 64)), pb = g1Valid(full.subarray(64, 128));
  const want = pa && pb ? { ok: true, gas: 150, out: g1Enc(pa.add(pb)) } : { ok: false };
  check('ecAdd', input, want, runFolio(6, input));
}
function caseMul() {
  const a = rndInt(8) === 0 ? badG1() : g1Enc(rndInt(10) === 0 ? P1.ZERO : rndG1());
  const kinds = [() => rndBig(32), () => rndScalar(), () => BigInt(rndInt(4)), () => R, () => R - 1n];
  const k = kinds[rndInt(kinds.length)]();
  let input = Buffer.concat([a, word(k)]);
  if (rndInt(6) === 0) input = input.subarray(0, rndInt(96));
  const full = Buffer.concat([input, Buffer.alloc(96)]);
  const pa = g1Valid(full.subarray(0, 64));
  const kk = BigInt('0x' + full.subarray(64, 96).toString('hex')) % R;
  const want = pa ? { ok: true, gas: 6000, out: g1Enc(kk === 0n ? P1.ZERO : pa.multiply(kk)) } : { ok: false };
  check('ecMul', input, want, runFolio(7, input));
}
function casePairing() {
  const n = rndInt(4);
  const pairs = [];
  for (let i = 0; i < n; i++) pairs.push([rndG1(), P2.BASE.multiply(1n + (rndScalar() % (R - 1n)))]);
  // half the time append pairs that make the product 1: e(aP, bQ)·e(−abP, Q)
  if (rndInt(2)) {
    const a = 1n + (rndScalar() % (R - 1n)), b = 1n + (rndScalar() % (R - 1n));
    pairs.push([P1.BASE.multiply(a), P2.BASE.multiply(b)]);
    pairs.push([P1.BASE.multiply((a * b) % R).negate(), P2.BASE]);
  }
  if (rndInt(8) === 0) pairs.push([P1.ZERO, P2.BASE]);
  if (rndInt(8) === 0) pairs.push([rndG1(), P2.ZERO]);
  let input = Buffer.concat(pairs.map(([p, q]) => Buffer.concat([g1Enc(p), g2Enc(q)])));
  let valid = true;
  if (rndInt(10) === 0 && input.length) {
    // a twist coordinate changed: off the curve (or, rarely, on it but outside G2)
    input = Buffer.from(input);
    input[191] ^= 1;
    valid = false;
  }
  const Fp12 = fields.Fp12;
  let acc = Fp12.ONE;
  for (const [p, q] of pairs)
    if (!p.equals(P1.ZERO) && !q.equals(P2.ZERO)) acc = Fp12.mul(acc, bn254.pairing(p, q));
  const want = valid
    ? { ok: true, gas: 45000 + 34000 * pairs.length, out: word(Fp12.eql(acc, Fp12.ONE) ? 1n : 0n) }
    : { ok: false };
  check('ecPairing', input, want, runFolio(8, input));
}

// ---- blake2f (EIP-152) against BLAKE2b-512 ----
const IV = [
  0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n,
];
function le64(x) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(x);
  return b;
}
function blake2fInput(h, block, t, last) {
  const r = Buffer.alloc(4);
  r.writeUInt32BE(12);
  const m = Buffer.concat([block, Buffer.alloc(128 - block.length)]);
  return Buffer.concat([r, h, m, le64(BigInt(t)), le64(0n), Buffer.from([last ? 1 : 0])]);
}
function caseBlake2f() {
  const len = rndInt(257);
  const msg = rndBytes(len);
  let h = Buffer.concat(IV.map((x, i) => le64(i === 0 ? x ^ 0x01010040n : x)));
  const blocks = Math.max(1, Math.ceil(len / 128));
  let got;
  let input;
  for (let i = 0; i < blocks; i++) {
    const last = i === blocks - 1;
    input = blake2fInput(h, msg.subarray(128 * i, 128 * (i + 1)), last ? len : 128 * (i + 1), last);
    got = runFolio(9, input);
    if (!got.ok) break;
    h = got.out;
  }
  check('blake2f', input, { ok: true, gas: 12, out: Buffer.from(blake2b(msg, { dkLen: 64 })) }, got);
}

const kinds = [caseModexp, caseAdd, caseMul, casePairing, caseBlake2f];
for (const k of kinds) for (let i = 0; i < count; i++) k();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
