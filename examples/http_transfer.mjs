#!/usr/bin/env node
// Sign a transfer with a participant's key and submit it over folio's HTTP API (Node.js 18+).
//
// The transaction is built and signed here (specs/encoding.md §4); the node receives only the
// signed bytes (specs/http.md §2: POST /v1/transactions). Signing: BIP-340 Schnorr from
// @noble/curves (`npm ci` in this folder installs the pinned version).
//
//   node http_transfer.mjs --url http://127.0.0.1:8080 --key HOME/keys/alice.key \
//        --isin CNE100000296 --quantity 100 --to bob
//
// --key is a key file in the clear (64 hex digits). --to is a participant name or a 40-hex
// account. Every request carries a participant credential (specs/http.md §5). Waits for the
// block, reads the sender's balances and prints the outcome as JSON. Exit 0 when committed.
import { schnorr } from '@noble/curves/secp256k1';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const taggedHash = (tag, msg) => {
  const t = sha256(Buffer.from(tag));
  return sha256(t, t, msg);
};

// ---- canonical msgpack (specs/encoding.md §1): only what a transaction needs ----
const mpUint = (v) => {
  v = BigInt(v);
  if (v < 0x80n) return Buffer.from([Number(v)]);
  for (const [tag, size] of [[0xcc, 1], [0xcd, 2], [0xce, 4], [0xcf, 8]]) {
    if (v < 1n << BigInt(8 * size)) {
      const b = Buffer.alloc(1 + size);
      b[0] = tag;
      for (let i = size; i >= 1; i--, v >>= 8n) b[i] = Number(v & 0xffn);
      return b;
    }
  }
  throw new Error('integer too large');
};
const mpStr = (s) => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([b.length < 32 ? Buffer.from([0xa0 | b.length]) : Buffer.from([0xd9, b.length]), b]);
};
const mpBin = (b) => Buffer.concat([Buffer.from([0xc4, b.length]), b]);
const mpArray = (items) => Buffer.concat([Buffer.from([0x90 | items.length]), ...items]);

// ---- the API ----
// A participant credential (specs/http.md §5): every request signed with the key.
function signer(secret, genesisHex) {
  const account = taggedHash('folio/account', Buffer.from(schnorr.getPublicKey(secret))).subarray(0, 20).toString('hex');
  return {
    account,
    headers(verb, target, body) {
      const t = String(Date.now());
      const text = `folio-http-v1\n${genesisHex}\n${t}\n${verb}\n${target}\n${sha256(body).toString('hex')}`;
      const sig = schnorr.sign(sha256(Buffer.from(text)), secret, randomBytes(32));
      return { 'X-Folio-Account': account, 'X-Folio-Time': t, 'X-Folio-Signature': Buffer.from(sig).toString('hex') };
    },
  };
}

async function call(url, path, body, me) {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const init = { headers: me ? me.headers(data ? 'POST' : 'GET', path, data ?? Buffer.alloc(0)) : {} };
  if (data) {
    init.method = 'POST';
    init.body = data;
    init.headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(url + path, init);
  return [r.status, await r.json()];
}

function buildTransfer(secret, chainId, genesis, isin, quantity, toAccount, ttlMs = 600000) {
  const body = mpArray([
    mpUint(1), // version
    mpStr(chainId),
    mpUint(11), // asset.transfer (specs/transactions.md §7.3)
    mpBin(Buffer.from(schnorr.getPublicKey(secret))),
    mpBin(randomBytes(16)), // nonce
    mpUint(Date.now() + ttlMs),
    mpArray([mpStr(isin), mpUint(quantity), mpBin(toAccount)]),
  ]);
  const id = taggedHash('folio/tx', body);
  const sig = schnorr.sign(taggedHash('folio/txsig', Buffer.concat([genesis, id])), secret, randomBytes(32));
  return [Buffer.concat([Buffer.from([0x92]), body, Buffer.from([0xc4, 0x40]), Buffer.from(sig)]), id];
}

function args() {
  const a = {};
  for (let i = 2; i < process.argv.length; i += 2) a[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
  for (const k of ['url', 'key', 'isin', 'quantity', 'to'])
    if (!a[k]) throw new Error(`--${k} is required (see the comment at the top)`);
  return a;
}

async function main() {
  const a = args();
  const url = a.url.replace(/\/$/, '');
  const secret = Buffer.from(readFileSync(a.key, 'utf8').trim(), 'hex');
  // The genesis hash is what transactions and credentials sign: /version gives it to anyone.
  const [vc, version] = await call(url, '/version');
  if (vc !== 200) throw new Error(`version: ${JSON.stringify(version)}`);
  const me = signer(secret, version.genesis_hash);
  const [sc, status] = await call(url, '/v1/status', undefined, me);
  if (sc !== 200) throw new Error(`status: ${JSON.stringify(status)}`);
  const [tc, to] = await call(url, `/v1/participants/${encodeURIComponent(a.to)}`, undefined, me);
  if (tc !== 200) throw new Error(`recipient: ${to.message}`);
  const [wire, id] = buildTransfer(secret, status.chain_id, Buffer.from(status.genesis_hash, 'hex'), a.isin,
    BigInt(a.quantity), Buffer.from(to.account, 'hex'));
  const [code, reply] = await call(url, '/v1/transactions', { txs: [wire.toString('hex')] }, me);
  if (code !== 202) {
    console.log(JSON.stringify({ submitted: false, http: code, reply }));
    return 1;
  }
  let tx;
  for (let i = 0; i < 300; i++) {
    const [c, t] = await call(url, `/v1/transactions/${id.toString('hex')}`, undefined, me);
    if (c === 200 && (t.status === 'committed' || t.status === 'rejected')) { tx = t; break; }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!tx) throw new Error('the transaction did not commit within 30 s');
  const [bc, bal] = await call(url, `/v1/accounts/${me.account}/balances`, undefined, me);
  console.log(JSON.stringify({ id: id.toString('hex'), status: tx.status, height: tx.height, receipt: tx.receipt.name,
    balances_http: bc, balances: bal.balances }));
  return tx.status === 'committed' ? 0 : 1;
}

main().then((rc) => process.exit(rc), (e) => { console.error(`http_transfer.mjs: ${e.message}`); process.exit(1); });
