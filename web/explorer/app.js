// The folio explorer (specs/explorer.md): a page served by the node that reads
// its /v1 API. Routes live in the fragment (#/asset/ID), so the node serves one page.
import { api, bp, big, fields, group, h, holding, link, money, party, q, quantity, short, table } from './dom.js';
import { barChart } from './chart.js';
import { Bad, BUNDLE_BYTES_MAX, chainOfGenesis, unhex, verifyBundle } from './verify.js';
import { more, time, title } from './page.js';
import { instructions, queue, trades } from './settle.js';
import { controls, investors, profile, profileFields, statement, statementForm } from './views.js';
import { subchain, subchains, subchainSummary } from './chains.js';
import { followBlocks } from './live.js';

const view = document.getElementById('view');
const RECENT_BLOCKS = 15; // blocks on the first page (one small request each)
const HISTORY_PAGE = 100; // movements per page of an account's history

// ---- pages ----

function blockRow(b) {
  return h(
    'tr',
    { 'data-height': String(b.height) },
    h('td', { class: 'num' }, link(group(String(b.height)), 'block', b.height)),
    h('td', {}, time(b.time_ms, b.time)),
    h('td', { class: 'num' }, group(String(b.tx_count))),
    h('td', { class: 'hash' }, h('code', {}, short(b.hash)))
  );
}

async function home() {
  const st = await api('/status');
  const tip = Number(st.height);
  const heights = [];
  for (let k = tip; k >= 1 && heights.length < RECENT_BLOCKS; k--) heights.push(k);
  const [blocks, subs] = await Promise.all([Promise.all(heights.map((k) => api('/blocks/' + k + q({ limit: 1 })))), subchainSummary()]);
  const height = h('span', { id: 'chain-height' }, link(group(String(st.height)), 'block', st.height));
  const when = h('span', { id: 'chain-time' }, time(st.time_ms, st.time));
  const state = h('span', { id: 'live-state', class: 'muted' }, 'connecting…');
  const body = h('tbody', { id: 'latest-blocks' }, blocks.map(blockRow));
  const head = h('thead', {}, h('tr', {}, [['Height', 'num'], ['Time', ''], ['Transactions', 'num'], ['Hash', 'hash']].map(([t, c]) => h('th', { class: c }, t))));
  const content = [
    title('Chain', st.chain_id),
    fields([
      ['Height', height],
      ['Time', when],
      ['Ledger date', st.ledger_date],
      ['Transactions', group(String(st.tx_total ?? 0))],
      ['Validators', String(st.validators)],
      ['Mempool', String(st.mempool)],
      ['State root', h('code', {}, st.state_root)],
      ['Genesis hash', h('code', {}, st.genesis_hash)],
    ]),
    h('h2', {}, 'Latest blocks ', state),
    h('table', {}, head, body),
    subs,
  ];
  // New blocks from the event stream: on top, at most RECENT_BLOCKS rows, in height order.
  content.live = () =>
    followBlocks(
      (b) => {
        const top = body.firstElementChild ? Number(body.firstElementChild.dataset.height) : 0;
        if (Number(b.height) <= top) return;
        body.insertBefore(blockRow(b), body.firstElementChild);
        while (body.children.length > RECENT_BLOCKS) body.lastElementChild.remove();
        height.replaceChildren(link(group(String(b.height)), 'block', b.height));
        when.replaceChildren(time(b.time_ms, b.time));
      },
      (s) => {
        state.textContent = s === 'live' ? '● live' : s === 'off' ? '(live updates off)' : '(reconnecting…)';
        state.className = s === 'live' ? 'ok' : 'muted';
      }
    );
  return content;
}

function receipt(r) {
  if (!r) return '-';
  return h('span', { class: r.code === 0 ? 'ok' : 'bad' }, r.name, r.code === 0 ? null : ': ' + (r.message || '') + (r.detail ? ' — ' + r.detail : ''));
}

async function block(height, after) {
  const b = await api('/blocks/' + encodeURIComponent(height) + q({ after }));
  const prev = Number(b.height) > 0 ? link('← ' + (Number(b.height) - 1), 'block', Number(b.height) - 1) : null;
  return [
    title('Block ' + group(String(b.height))),
    h('p', { class: 'nav2' }, prev, ' ', link(Number(b.height) + 1 + ' →', 'block', Number(b.height) + 1)),
    fields([
      ['Hash', h('code', {}, b.hash)],
      ['Time', time(b.time_ms, b.time)],
      ['Previous', h('code', {}, b.prev_hash)],
      ['State root', h('code', {}, b.state_root)],
      ['Transaction root', h('code', {}, b.tx_root)],
      ['Transactions', group(String(b.tx_count))],
      ['Proposer', h('code', {}, short(b.proposer))],
      ['Certificate', b.certificate ? 'round ' + b.certificate.round + ', ' + b.certificate.signatures + ' signature(s)' : '-'],
    ]),
    h('h2', {}, 'Transactions'),
    table(
      [['#', 'num'], ['Id', 'hash'], ['Type', ''], ['Sender', ''], ['Result', '']],
      (b.txs || []).map((t, i) => [String(Number(b.tx_from || 0) + i), link(short(t.id), 'tx', t.id), t.type_name, party(t.sender), receipt(t.receipt)]),
      'No transaction in this block.'
    ),
    more(b.next, 'block', b.height),
  ];
}

async function tx(id) {
  const t = await api('/transactions/' + encodeURIComponent(id));
  return [
    title('Transaction', t.type_name),
    fields([
      ['Id', h('code', {}, t.id)],
      ['Block', t.height != null ? link(group(String(t.height)), 'block', t.height) : '-'],
      ['Type', t.type_name + ' (' + t.type + ')'],
      ['Sender', party(t.sender)],
      ['Expiry', time(t.expiry_ms, t.expiry)],
      ['Result', receipt(t.receipt)],
    ]),
    h('h2', {}, 'Payload'),
    h('pre', { class: 'payload' }, JSON.stringify(t.payload, (k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)),
  ];
}

function supply(a) {
  return a.supply_money ? money(a.supply_money) : quantity(a.supply, a.scale);
}

async function assets(after) {
  const r = await api('/assets' + q({ after }));
  return [
    title('Instruments'),
    table(
      [['Id', ''], ['Name', 'name'], ['Kind', ''], ['Supply', 'num'], ['Holders', 'num'], ['Issuer', '']],
      r.assets.map((a) => [link(a.id, 'asset', a.id), h('span', { class: 'name' }, a.name), a.kind, supply(a), group(String(a.holders)), party(a.issuer)]),
      'No instrument yet.'
    ),
    more(r.next, 'assets'),
  ];
}

async function asset(id, after) {
  const [a, reg, acts] = await Promise.all([
    api('/assets/' + encodeURIComponent(id)),
    api('/assets/' + encodeURIComponent(id) + '/holders' + q({ after })),
    api('/actions' + q({ isin: id })).catch(() => ({ actions: [] })),
  ]);
  const total = big(reg.supply); // shares of the supply: the same on every page
  const share = (row) => {
    if (total === 0n) return '-';
    const bpv = (big(row.quantity) * 10000n) / total; // basis points, rounded down
    return bp(bpv);
  };
  // The register comes in account order (a page's work is bounded); the chart shows the
  // largest holdings of this page, compared exactly (BigInt).
  const byQuantity = reg.holders.slice().sort((x, y) => (big(y.quantity) > big(x.quantity) ? 1 : big(y.quantity) < big(x.quantity) ? -1 : 0));
  const whole = after == null && reg.next == null;
  const top = byQuantity.slice(0, 10).map((r) => ({
    label: r.name || short(r.account),
    value: big(r.quantity),
    text: holding(r, 'quantity'),
  }));
  return [
    title(a.name, a.id),
    fields([
      ['Kind', a.kind],
      ['Issuer', party(a.issuer)],
      ['Supply', supply(a)],
      ['Holders', group(String(a.holders))],
      ['Risk', a.risk || '-'],
      a.currency ? ['Currency', a.currency] : null,
      ['Register', reg.conserved === true ? 'conserved: holdings sum to the supply' : reg.conserved === false ? 'NOT conserved' : 'over several pages (' + group(String(reg.holder_count)) + ' holders)'],
    ]),
    h('h2', {}, 'Register of holders'),
    top.length ? barChart((whole ? 'Largest holdings of ' : 'Largest holdings on this page of ') + a.id, top) : null,
    table(
      [['Holder', ''], ['Account', 'hash'], ['Quantity', 'num'], ['Frozen', 'num'], ['Share', 'num']],
      reg.holders.map((r) => [party(r), h('code', {}, short(r.account)), holding(r, 'quantity'), big(r.frozen) === 0n ? '-' : holding(r, 'frozen'), share(r)]),
      'No holder.'
    ),
    more(reg.next, 'asset', id),
    h('h2', {}, 'Corporate actions'),
    actionsTable(acts.actions || []),
  ];
}

async function account(who, after) {
  const [bal, hist, prof, st] = await Promise.all([
    api('/accounts/' + encodeURIComponent(who) + '/balances'),
    api('/accounts/' + encodeURIComponent(who) + '/history' + q({ after, limit: HISTORY_PAGE })),
    profile(who),
    api('/status'),
  ]);
  return [
    title(bal.name || 'Account', bal.account),
    prof ? fields(profileFields(prof)) : null,
    statementForm(bal.account || who, st.height),
    h('h2', {}, 'Holdings'),
    table(
      [['Instrument', ''], ['Name', 'name'], ['Quantity', 'num'], ['Frozen', 'num']],
      bal.balances.map((r) => [link(r.id, 'asset', r.id), h('span', { class: 'name' }, r.name), holding(r, 'quantity'), big(r.frozen) === 0n ? '-' : holding(r, 'frozen')]),
      'Holds nothing.'
    ),
    h('h2', {}, 'History'),
    table(
      [['Block', 'num'], ['Time', ''], ['Instrument', ''], ['Reason', ''], ['In / out', ''], ['Quantity', 'num'], ['Balance', 'num'], ['Counterparty', ''], ['Transaction', 'hash']],
      (hist.movements || []).map((m) => [
        link(group(String(m.height)), 'block', m.height),
        time(m.time_ms, m.time),
        link(m.id, 'asset', m.id),
        m.reason,
        m.direction,
        holding(m, 'quantity'),
        holding(m, 'balance'),
        party(m.counterparty),
        m.tx ? link(short(m.tx.id), 'tx', m.tx.id) : m.action != null ? 'action ' + m.action : '-',
      ]),
      'No movement.'
    ),
    more(hist.next, 'account', who),
  ];
}

async function participants(after) {
  const r = await api('/participants' + q({ after }));
  return [
    title('Participants'),
    table(
      [['Name', 'name'], ['Account', 'hash'], ['Roles', ''], ['Registered at', 'num']],
      r.participants.map((p) => [link(p.name, 'account', p.account), h('code', {}, p.account), (p.roles || []).join(', '), String(p.registered_height)]),
      'No participant.'
    ),
    more(r.next, 'participants'),
  ];
}

// One chart per currency: the figures of different currencies are never added or drawn
// on one scale (specs/money.md §3).
function cycleCharts(c) {
  return (c.currencies || []).map((f) =>
    barChart('Cycle ' + c.cycle + ' in ' + f.currency, [
      { label: 'gross', value: big(f.gross_value), text: money(f.gross_value), cls: 'gross' },
      { label: 'net', value: big(f.net_value), text: money(f.net_value), cls: 'net' },
      { label: 'settled', value: big(f.settled_value), text: money(f.settled_value), cls: 'settled' },
      { label: 'carried', value: big(f.carried_value), text: money(f.carried_value), cls: 'carried' },
    ])
  );
}

function currencyTable(c) {
  return table(
    [['Currency', ''], ['Gross', 'num'], ['Net', 'num'], ['Netting efficiency', 'num'], ['Settled', 'num'], ['Carried', 'num']],
    (c.currencies || []).map((f) => [f.currency, money(f.gross_value), money(f.net_value), bp(f.netting_efficiency_bp), money(f.settled_value), money(f.carried_value)]),
    'No money moved.'
  );
}

async function cycles(after) {
  const r = await api('/cycles' + q({ after }));
  // Settled value per cycle, one chart per currency.
  const per = new Map();
  for (const c of r.cycles) {
    for (const f of c.currencies || []) {
      if (!per.has(f.currency)) per.set(f.currency, []);
      per.get(f.currency).push({ label: 'cycle ' + c.cycle, value: big(f.settled_value), text: money(f.settled_value), cls: 'settled' });
    }
  }
  return [
    title('Settlement cycles'),
    Array.from(per, ([cur, bars]) => barChart('Settled per cycle, ' + cur, bars)),
    table(
      [['Cycle', 'num'], ['Block', 'num'], ['Time', ''], ['Obligations', 'num'], ['Settled', 'num'], ['Carried', 'num'], ['Per currency', '']],
      r.cycles.map((c) => [
        link(String(c.cycle), 'cycle', c.cycle),
        link(group(String(c.height)), 'block', c.height),
        time(c.time_ms, c.time),
        String(c.obligations),
        String(c.settled_count),
        String(c.carried_count),
        (c.currencies || []).map((f) => h('div', {}, 'settled ' + money(f.settled_value) + ' of gross ' + money(f.gross_value))),
      ]),
      'No cycle has run yet.'
    ),
    more(r.next, 'cycles'),
  ];
}

function net(v, scale) {
  return v && typeof v === 'object' ? money(v) : quantity(v, scale);
}

async function cycle(n) {
  const c = await api('/cycles/' + encodeURIComponent(n));
  return [
    title('Cycle ' + c.cycle),
    fields([
      ['Block', link(group(String(c.height)), 'block', c.height)],
      ['Time', time(c.time_ms, c.time)],
      ['Obligations', String(c.obligations)],
      ['Settled', String(c.settled_count)],
      ['Carried', String(c.carried_count)],
      ['Method', c.lsm_method],
      ['CCP', party(c.ccp)],
    ]),
    h('h2', {}, 'Per currency'),
    currencyTable(c),
    cycleCharts(c),
    h('h2', {}, 'Net positions'),
    table(
      [['Participant', ''], ['Instrument', ''], ['Net', 'num']],
      (c.positions || []).map((p) => [party(p.participant), link(p.asset, 'asset', p.asset), net(p.net, 0)]),
      'No position.'
    ),
    h('h2', {}, 'Participants'),
    table(
      [['Participant', ''], ['Currency', ''], ['Gross', 'num'], ['Net', 'num']],
      (c.participants || []).map((p) => [party(p.participant), p.currency, money(p.gross), money(p.net)]),
      'None.'
    ),
    h('h2', {}, 'Failures'),
    table(
      [['Detail', '']],
      (c.failures || []).map((f) => [JSON.stringify(f, (k, v) => (typeof v === 'bigint' ? v.toString() : v))]),
      'No failure.'
    ),
  ];
}

function actionsTable(list) {
  return table(
    [['Id', 'num'], ['Kind', ''], ['Instrument', ''], ['State', ''], ['Per unit', 'num'], ['Record date', ''], ['Pay date', ''], ['Paid', 'num'], ['Total', 'num']],
    list.map((a) => [String(a.id), a.kind, link(a.isin, 'asset', a.isin), a.state, money(a.per_unit), a.record_date || '-', a.pay_date || '-', money(a.paid), money(a.total)]),
    'No corporate action.'
  );
}

async function actions(after) {
  const r = await api('/actions' + q({ after }));
  return [title('Corporate actions'), actionsTable(r.actions), more(r.next, 'actions')];
}

// ---- evidence verification ----

function verifyPage() {
  const out = h('div', { id: 'verdict', 'aria-live': 'polite' });
  const bundleIn = h('input', { type: 'file', id: 'bundle-file' });
  const genesisIn = h('input', { type: 'file', id: 'genesis-file' });
  let bundleBytes = null;
  const read = (f) => {
    if (f.size > BUNDLE_BYTES_MAX) throw new Bad('BUNDLE_FORMAT', 'the file is over 16 MiB');
    return f.arrayBuffer().then((b) => new Uint8Array(b));
  };
  const run = async () => {
    out.replaceChildren(h('p', {}, 'Verifying…'));
    try {
      if (!window.crypto || !crypto.subtle) throw new Bad('NO_WEBCRYPTO', 'this page is not a secure context (use HTTPS, or the node on localhost): the browser offers no SHA-256 here');
      if (!bundleBytes) throw new Bad('BUNDLE_FORMAT', 'no bundle given');
      let chain;
      if (genesisIn.files.length) {
        chain = await chainOfGenesis(await read(genesisIn.files[0]));
      } else {
        const st = await api('/status');
        chain = { genesisHash: unhex(st.genesis_hash), chainId: st.chain_id, from: 'this node (/v1/status); give genesis.bin to trust nothing from it' };
      }
      const r = await verifyBundle(bundleBytes, chain);
      out.replaceChildren(
        h('p', { class: 'ok verdict', 'data-verdict': 'valid' }, 'valid ' + r.records.length),
        h('p', {}, 'Chain: ' + chain.chainId + ', from ' + chain.from + '.'),
        h('p', {}, 'Checked: ' + r.checked.join(', ') + '.'),
        chain.validators
          ? null
          : h('p', { class: 'warn' }, 'Not checked: the block certificate\'s signatures and quorum, as the genesis validators are known only from genesis.bin. Give it to check them.'),
        table(
          [['Record', 'hash'], ['Type', ''], ['Source', 'name'], ['Line', 'num'], ['Time (ms)', 'num'], ['Block', 'num'], ['Content', 'name']],
          r.records.map((f) => [h('code', {}, short(f.id)), f.record[6], f.record[2], String(f.record[4]), String(f.record[5]), link(String(f.anchor.height), 'block', f.anchor.height), f.line ? new TextDecoder().decode(f.line) : '(private)'])
        )
      );
    } catch (e) {
      const code = e instanceof Bad ? e.code : e.code || 'ERROR';
      out.replaceChildren(h('p', { class: 'bad verdict', 'data-verdict': 'invalid' }, 'invalid ' + code + ': ' + e.message));
    }
  };
  const take = async (f) => {
    bundleBytes = null;
    try {
      bundleBytes = await read(f);
    } catch (e) {
      const why = e instanceof Bad ? e.code + ': ' + e.message : 'BUNDLE_FORMAT: the file cannot be read';
      out.replaceChildren(h('p', { class: 'bad verdict', 'data-verdict': 'invalid' }, 'invalid ' + why));
      return;
    }
    run();
  };
  bundleIn.addEventListener('change', () => bundleIn.files.length && take(bundleIn.files[0]));
  genesisIn.addEventListener('change', () => bundleBytes && run());
  const drop = h('div', { class: 'drop', id: 'drop' }, 'Drop an evidence bundle here (folio evidence prove --out FILE), or choose it: ', bundleIn);
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files.length) take(e.dataTransfer.files[0]);
  });
  return [
    title('Verify an evidence bundle'),
    h('p', {}, 'The bundle is checked in this browser with SHA-256 (specs/evidence.md §6.3); nothing is uploaded.'),
    drop,
    h('p', {}, 'The chain\'s genesis.bin (optional; without it the genesis hash is taken from this node): ', genesisIn),
    out,
  ];
}

// ---- search and routing ----

function search(text) {
  const t = text.trim();
  if (/^\d+$/.test(t)) return '#/block/' + t;
  if (/^[0-9a-fA-F]{64}$/.test(t)) return '#/tx/' + t;
  if (/^[A-Z]{2}[A-Z0-9]{9}\d$/.test(t) || /^[A-Z]{3}$/.test(t)) return '#/asset/' + t;
  return '#/account/' + encodeURIComponent(t);
}

const routes = {
  '': home,
  blocks: home,
  block: block,
  tx: tx,
  assets: assets,
  asset: asset,
  account: account,
  participants: participants,
  cycles: cycles,
  cycle: cycle,
  actions: actions,
  trades: trades,
  instructions: instructions,
  queue: queue,
  investors: investors,
  controls: controls,
  statement: statement,
  subchains: subchains,
  subchain: subchain,
  verify: verifyPage,
};

let stopLive = null; // closes the first page's event stream when another page is shown

let generation = 0;

async function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch (e) {
      return p;
    }
  });
  const page = routes[parts[0]] || null;
  const mine = ++generation;
  document.body.dataset.ready = '0';
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('here', a.getAttribute('href') === '#/' + (parts[0] || ''));
  view.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  let content;
  try {
    if (!page) throw new Error('no such page: ' + parts[0]);
    content = await page(...parts.slice(1).filter((p) => p !== ''));
  } catch (e) {
    const code = e.code ? e.code + ': ' : '';
    content = [h('h1', {}, 'Not shown'), h('p', { class: 'bad error' }, code + e.message)];
  }
  if (mine !== generation) return;
  if (stopLive) stopLive();
  stopLive = null;
  view.replaceChildren(...[content].flat(2).filter((x) => x));
  if (typeof content.live === 'function') stopLive = content.live();
  document.body.dataset.ready = '1';
}

document.getElementById('search').addEventListener('submit', (e) => {
  e.preventDefault();
  const v = document.getElementById('search-text').value;
  if (v.trim()) location.hash = search(v);
});
window.addEventListener('hashchange', route);
route();
