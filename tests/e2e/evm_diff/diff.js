// Differential test: folio's contract VM on the ledger host (`folio contract exec`, an
// in-memory state) against @ethereumjs/evm (Cancun). For random programs and for the
// Solidity-compiled contracts of tests/contracts, each case is a creation followed by calls;
// both sides must agree on status, return data, gas spent, refund counter, logs and the
// contract's storage afterwards.
//
// Usage: node diff.js /path/to/folio [count]   (FOLIO_TEST_SEED replays a run)
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { EVM } = require('@ethereumjs/evm');
const { Common, Chain, Hardfork } = require('@ethereumjs/common');
const { Address, hexToBytes, bytesToHex, setLengthLeft } = require('@ethereumjs/util');

const FOLIO = process.argv[2];
const COUNT = parseInt(process.argv[3] || '200', 10);
const SEED = BigInt(process.env.FOLIO_TEST_SEED || '0x5eed');
console.log(`evm_diff: seed=0x${SEED.toString(16)} (replay with FOLIO_TEST_SEED=0x${SEED.toString(16)})`);

// splitmix64, as tests/testlib.h
let rs = SEED;
const M64 = (1n << 64n) - 1n;
function rnd() {
  rs = (rs + 0x9e3779b97f4a7c15n) & M64;
  let z = rs;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}
const below = (n) => Number(rnd() % BigInt(n));
const pick = (a) => a[below(a.length)];
const hx = (n) => n.toString(16).padStart(2, '0');

const CALLER = '0x' + '11'.repeat(20);
// The block folio's `contract exec` runs in: height 1, time 1 s, gas limit 30M, everything
// else zero.
const BLOCK = {
  header: {
    number: 1n,
    cliqueSigner: () => Address.zero(),
    coinbase: Address.zero(),
    timestamp: 1n,
    difficulty: 0n,
    prevRandao: new Uint8Array(32),
    gasLimit: 30000000n,
    baseFeePerGas: 0n,
    getBlobGasPrice: () => 0n,
  },
};

// ---- random programs ----
const ARITH = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x12,
  0x13, 0x14, 0x16, 0x17, 0x18, 0x1a, 0x1b, 0x1c, 0x1d];
const UNARY = [0x15, 0x19];
const ENV0 = [0x30, 0x32, 0x33, 0x34, 0x36, 0x38, 0x3d, 0x47, 0x58, 0x59, 0x5a];
function push(v) { // minimal PUSH of a small number
  if (v === 0) return '5f';
  if (v < 256) return '60' + hx(v);
  return '61' + v.toString(16).padStart(4, '0');
}
function small() { return pick([0, 1, 2, 3, 31, 32, 33, 64, 255, below(100)]); }
function word() { // a random push of up to 32 bytes
  const n = pick([1, 1, 2, 4, 8, 32]);
  let s = hx(0x5f + n);
  for (let i = 0; i < n; i++) s += hx(below(256));
  return s;
}
function snippet() {
  switch (below(17)) {
    case 0: case 1: return word() + word() + hx(pick(ARITH));
    case 2: return push(small()) + push(small()) + push(small()) + hx(pick([0x08, 0x09]));
    case 3: return word() + hx(pick(UNARY));
    case 4: return word() + push(pick([0, 32, 64, 96])) + '52'; // MSTORE
    case 5: return push(pick([0, 1, 31, 64])) + '51'; // MLOAD
    case 6: return word() + push(below(8)) + '55'; // SSTORE
    case 7: return push(below(8)) + '54'; // SLOAD
    case 8: return push(pick([0, 1, 5])) + push(below(4)) + '5d'; // TSTORE
    case 9: return push(below(4)) + '5c'; // TLOAD
    case 10: { const n = below(3); let s = ''; for (let i = 0; i < n; i++) s += word();
      return s + push(pick([0, 8, 32, 40])) + push(pick([0, 16, 32])) + hx(0xa0 + n); } // LOGn
    case 11: return push(pick([0, 32])) + push(pick([0, 5])) + '20'; // KECCAK256
    case 12: return hx(pick(ENV0));
    case 13: return push(pick([0, 4, 32])) + push(pick([0, 2])) + push(pick([0, 64])) + pick(['37', '39', '5e']); // copies
    case 14: return hx(pick([0x50, 0x80, 0x81, 0x90, 0x91]));
    case 15: { // STATICCALL of a precompile 0x01..0x09 on memory (0x0a, KZG, is not in folio)
      const g = below(2) ? '5a' : push(pick([100, 3000, 7000, 50000]));
      return push(pick([0, 32, 64])) + push(pick([0, 32])) + push(pick([0, 32, 64, 96, 128, 192, 213])) +
        push(pick([0, 32])) + push(1 + below(9)) + g + 'fa';
    }
    default: { // a raw byte (often undefined or out of place) or CALLDATALOAD
      if (below(6)) return push(small()) + '35';
      const b = below(256);
      return b === 0x40 || b === 0x46 ? 'fe' : hx(b); // BLOCKHASH, CHAINID: chain-specific
    }
  }
}
function randomProgram() {
  let code = '';
  const n = 3 + below(25);
  for (let i = 0; i < n; i++) code += snippet();
  if (below(8) === 0) { // a jump, valid or not
    const target = code.length / 2 + (below(3) === 0 ? 1 : 4);
    code += push(target) + '56' + (below(2) ? '5b' : '00') + '5b';
  }
  const tail = below(6);
  if (tail < 3) code += push(pick([0, 32, 64])) + push(pick([0, 32])) + 'f3'; // RETURN
  else if (tail === 3) code += push(pick([0, 32])) + push(0) + 'fd'; // REVERT
  else if (tail === 4) code += '00';
  return code;
}
function initFor(runtime) {
  const n = runtime.length / 2;
  return '61' + n.toString(16).padStart(4, '0') + '80600c6000396000f3' + runtime;
}
function randomCase(i) {
  const calls = [];
  for (let k = 0; k < 1 + below(3); k++) {
    let input = '';
    for (let b = 0; b < below(40); b++) input += hx(below(4) === 0 ? below(256) : 0);
    calls.push({ input, gas: pick([25000, 60000, 200000, 1000000]) });
  }
  return { name: `random #${i}`, caller: CALLER, init: initFor(randomProgram()), gas: 1000000, calls };
}

// ---- Solidity cases (artifacts committed in tests/contracts) ----
function enc(sig, ...args) {
  return execFileSync(FOLIO, ['contract', 'encode', sig, ...args], { encoding: 'utf8' }).trim().slice(2);
}
function artifact(name) {
  const j = JSON.parse(fs.readFileSync(path.join(__dirname, '../../contracts', name + '.json'), 'utf8'));
  return Object.values(j.contracts)[0].bin;
}
function solidityCases() {
  const a = '0x' + '22'.repeat(20), b = '0x' + '33'.repeat(20);
  const token = {
    name: 'Token.sol',
    caller: CALLER,
    init: artifact('Token') + enc('f(string,string,uint256)', 'Folio Token', 'FTK', '1000000').slice(8),
    gas: 3000000,
    calls: [
      { input: enc('name()'), gas: 100000 },
      { input: enc('transfer(address,uint256)', a, '2500'), gas: 100000 },
      { input: enc('transfer(address,uint256)', b, '1'), gas: 100000 },
      { input: enc('transfer(address,uint256)', a, '99999999'), gas: 100000 },
      { input: enc('approve(address,uint256)', CALLER, '7'), gas: 100000 },
      { input: enc('transferFrom(address,address,uint256)', CALLER, a, '5'), gas: 100000 },
      { input: enc('transferFrom(address,address,uint256)', CALLER, a, '5'), gas: 100000 },
      { input: enc('approve(address,uint256)', CALLER, '0'), gas: 100000 },
      { input: enc('balanceOf(address)', a), gas: 100000 },
      { input: enc('transfer(address,uint256)', a, '1'), gas: 23000 },
      { input: 'deadbeef', gas: 100000 },
    ],
  };
  const comp = {
    name: 'Compliance.sol (no precompile calls)',
    caller: CALLER,
    init: artifact('Compliance') + enc('f(string,uint256,uint256)', 'US0378331005', '3', '1000').slice(8),
    gas: 3000000,
    calls: [
      { input: enc('isin()'), gas: 100000 },
      { input: enc('setRules(uint256,uint256)', '10', '0'), gas: 100000 },
      { input: enc('setRules(uint256,uint256)', '0', '0'), gas: 100000 },
      { input: enc('maxHolders()'), gas: 100000 },
      { input: enc('lockupUntil()'), gas: 100000 },
    ],
  };
  const esc = {
    name: 'CouponEscrow.sol (no precompile calls)',
    caller: CALLER,
    init: artifact('CouponEscrow') + enc('f(string,string,uint256)', 'DE0005140008', 'CNY', '250').slice(8),
    gas: 3000000,
    calls: [
      { input: enc('register(address)', a), gas: 100000 },
      { input: enc('register(address)', b), gas: 100000 },
      { input: enc('holderCount()'), gas: 100000 },
      { input: enc('holders(uint256)', '1'), gas: 100000 },
      { input: enc('holders(uint256)', '5'), gas: 100000 },
      { input: enc('bond()'), gas: 100000 },
    ],
  };
  return [token, comp, esc];
}

// ---- the two sides ----
function runFolio(c) {
  const f = path.join(os.tmpdir(), `evm_diff_${process.pid}.json`);
  fs.writeFileSync(f, JSON.stringify(c));
  const out = JSON.parse(execFileSync(FOLIO, ['contract', 'exec', f], { encoding: 'utf8' }));
  fs.unlinkSync(f);
  return out;
}

function statusOf(r) {
  const e = r.execResult.exceptionError;
  if (!e) return 'SUCCESS';
  if (e.error === 'revert') return 'REVERT';
  if (e.error === 'out of gas') return 'OUT_OF_GAS';
  return 'HALT';
}
function normStatus(s) {
  return s === 'SUCCESS' || s === 'REVERT' || s === 'OUT_OF_GAS' ? s : 'HALT';
}

async function runEthjs(c) {
  const common = new Common({ chain: Chain.Mainnet, hardfork: Hardfork.Cancun });
  const evm = await EVM.create({ common });
  const caller = new Address(hexToBytes(CALLER));
  const keys = new Set();
  evm.events.on('step', (d) => {
    if (d.opcode.name === 'SSTORE' && d.stack.length > 0) keys.add(d.stack[d.stack.length - 1]);
  });
  const prepare = async (to) => {
    await evm.journal.cleanup();
    evm.stateManager.originalStorageCache.clear();
    evm.transientStorage.clear();
    evm.journal.addAlwaysWarmAddress(caller.toString());
    if (to) evm.journal.addAlwaysWarmAddress(to.toString());
    for (let i = 1; i <= 10; i++) evm.journal.addAlwaysWarmAddress('0x' + i.toString(16).padStart(40, '0'));
  };
  const side = (r) => ({
    status: statusOf(r),
    gas_spent: Number(r.execResult.executionGasUsed),
    gas_refund: statusOf(r) === 'SUCCESS' ? Number(r.execResult.gasRefund ?? 0n) : 0,
    output: bytesToHex(r.execResult.returnValue),
    logs: (r.execResult.logs || []).map(([a, t, d]) => ({ address: bytesToHex(a), topics: t.map(bytesToHex), data: bytesToHex(d) })),
  });
  await prepare(null);
  const cr = await evm.runCall({ block: BLOCK, caller, origin: caller, data: hexToBytes('0x' + c.init), gasLimit: BigInt(c.gas) });
  const out = { create: side(cr), calls: [], storage: {} };
  // a successful creation's returnValue is the deployed code, not return data
  if (out.create.status === 'SUCCESS') out.create.output = '0x';
  const addr = cr.createdAddress;
  if (addr && statusOf(cr) === 'SUCCESS') out.create.address = addr.toString();
  else return out;
  for (const k of c.calls) {
    await prepare(addr);
    const r = await evm.runCall({ block: BLOCK, caller, origin: caller, to: addr, data: hexToBytes('0x' + k.input), gasLimit: BigInt(k.gas) });
    out.calls.push(side(r));
  }
  for (const k of keys) {
    const slot = setLengthLeft(hexToBytes('0x' + k.toString(16).padStart(64, '0')), 32);
    const v = await evm.stateManager.getContractStorage(addr, slot);
    if (v.length && v.some((x) => x !== 0)) out.storage[bytesToHex(slot)] = bytesToHex(setLengthLeft(v, 32));
  }
  return out;
}

function compareStep(what, f, e, diffs) {
  if (normStatus(f.status) !== e.status) { diffs.push(`${what}: status folio ${f.status} ethereumjs ${e.status}`); return; }
  for (const k of ['gas_spent', 'gas_refund', 'output'])
    if (f[k] !== e[k]) diffs.push(`${what}: ${k} folio ${f[k]} ethereumjs ${e[k]}`);
  if (JSON.stringify(f.logs) !== JSON.stringify(e.logs)) diffs.push(`${what}: logs differ ${JSON.stringify(f.logs)} vs ${JSON.stringify(e.logs)}`);
  if ((f.address || null) !== (e.address || null)) diffs.push(`${what}: address ${f.address} vs ${e.address}`);
}

async function main() {
  const cases = solidityCases();
  for (let i = 0; i < COUNT; i++) cases.push(randomCase(i));
  let passed = 0, failed = 0;
  for (const c of cases) {
    const f = runFolio(c), e = await runEthjs(c), diffs = [];
    compareStep('create', f.create, e.create, diffs);
    const n = Math.max(f.calls.length, e.calls.length);
    for (let i = 0; i < n; i++) {
      if (!f.calls[i] || !e.calls[i]) { diffs.push(`call ${i}: missing on one side`); continue; }
      compareStep(`call ${i}`, f.calls[i], e.calls[i], diffs);
    }
    const fs_ = JSON.stringify(Object.entries(f.storage || {}).sort());
    const es_ = JSON.stringify(Object.entries(e.storage).sort());
    if (fs_ !== es_) diffs.push(`storage folio ${fs_} ethereumjs ${es_}`);
    if (diffs.length === 0) {
      passed++;
      if (!c.name.startsWith('random')) console.log(`  ok    ${c.name}: ${c.calls.length} calls agree`);
    } else {
      failed++;
      console.log(`  FAIL  ${c.name}\n        init ${c.init}\n        calls ${JSON.stringify(c.calls)}`);
      for (const d of diffs.slice(0, 6)) console.log(`        ${d}`);
    }
  }
  console.log(`  ok    random programs: ${COUNT} generated`);
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
main().catch((e) => { console.error(e); process.exit(2); });
