// The role views of the explorer (specs/explorer.md §2): investors with their suitability,
// controls (freezes, force transfers waiting for approval), an account's statement at a past
// block. Each reads one /v1 route.
import { api, group, h, holding, link, party, q, short, table } from './dom.js';
import { more, time, title } from './page.js';
import { instrument, instrumentNames } from './settle.js';

// Risk class Cn: the investor may hold instruments of risk R1..Rn (specs/assets.md).
export function suitability(p) {
  const n = /^C([1-5])$/.exec(String(p.risk_class));
  const may = n ? 'may hold up to R' + n[1] : 'class unknown';
  return p.category + ', ' + p.risk_class + ' (' + may + ')';
}

function kyc(p) {
  const expired = p.kyc_expired === true;
  return h('span', { class: expired ? 'bad' : 'ok' }, (expired ? 'expired ' : 'valid until ') + p.kyc_expiry);
}

export async function investors(after) {
  const r = await api('/investors' + q({ after }));
  return [
    title('Investors'),
    h('p', { class: 'note' }, 'Suitability profiles: an investor of class Cn may receive instruments of risk R1 to Rn while its KYC is valid.'),
    table(
      [['Investor', 'name'], ['Account', 'hash'], ['Category', ''], ['Risk class', ''], ['Suitability', ''], ['KYC', ''], ['Registered at', 'num']],
      r.investors.map((p) => [
        link(p.name || short(p.account), 'account', p.account),
        h('code', {}, short(p.account)),
        p.category,
        p.risk_class,
        suitability(p),
        kyc(p),
        link(group(String(p.registered_height)), 'block', p.registered_height),
      ]),
      'No investor profile.'
    ),
    more(r.next, 'investors'),
  ];
}

// An account's profile for its page: null when it has none (404), the error otherwise.
export async function profile(who) {
  try {
    return await api('/investors/' + encodeURIComponent(who));
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}

export function profileFields(p) {
  if (!p) return null;
  return [
    ['Investor', suitability(p)],
    ['KYC', p.kyc_expiry ? kyc({ ...p, kyc_expired: p.kyc_expired === true }) : '-'],
  ];
}

export async function controls(after) {
  const [r, names] = await Promise.all([api('/controls' + q({ after })), instrumentNames()]);
  const freezes = r.controls.filter((c) => c.kind === 'freeze');
  const forced = r.controls.filter((c) => c.kind !== 'freeze');
  return [
    title('Controls'),
    h('h2', {}, 'Freezes'),
    table(
      [['Instrument', ''], ['Account', ''], ['Frozen', 'num'], ['Placed by', ''], ['Order (SHA-256)', 'hash'], ['Block', 'num'], ['Time', '']],
      freezes.map((c) => [instrument(c.isin, names), party(c.account), holding(c, 'quantity'), party(c.placed_by), h('code', { title: c.order }, short(c.order)), link(group(String(c.height)), 'block', c.height), time(c.time_ms, c.time)]),
      'No standing freeze.'
    ),
    h('h2', {}, 'Force transfers waiting for approval'),
    table(
      [['Id', 'num'], ['Instrument', ''], ['Quantity', 'num'], ['From', ''], ['To', ''], ['Requested by', ''], ['Order (SHA-256)', 'hash'], ['Block', 'num']],
      forced.map((c) => [String(c.id), instrument(c.isin, names), holding(c, 'quantity'), party(c.from), party(c.to), party(c.requested_by), h('code', { title: c.order }, short(c.order)), link(group(String(c.height)), 'block', c.height)]),
      'None waiting.'
    ),
    more(r.next, 'controls'),
  ];
}

// #/statement/WHO/HEIGHT[/AFTER]: the holdings of WHO at the end of block HEIGHT.
export async function statement(who, height, after) {
  if (!/^\d+$/.test(String(height || ''))) {
    const e = new Error('a statement needs a block height: #/statement/ACCOUNT/HEIGHT');
    e.code = 'INVALID';
    throw e;
  }
  const s = await api('/accounts/' + encodeURIComponent(who) + '/statement' + q({ height, after }));
  const acct = s.account || {};
  return [
    title('Statement', (acct.name || short(acct.account)) + ' at block ' + group(String(s.height))),
    fields2([
      ['Account', party(acct)],
      ['Block', link(group(String(s.height)), 'block', s.height)],
      ['Time', time(s.time_ms, s.time)],
    ]),
    statementForm(who, s.height),
    table(
      [['Instrument', ''], ['Name', 'name'], ['Kind', ''], ['Quantity', 'num'], ['Last moved at', 'num']],
      s.holdings.map((r) => [link(r.id, 'asset', r.id), h('span', { class: 'name' }, r.name), r.kind, holding(r, 'quantity'), link(group(String(r.last_movement_height)), 'block', r.last_movement_height)]),
      'Held nothing at that block.'
    ),
    more(s.next, 'statement', who, s.height),
  ];
}

function fields2(pairs) {
  return h('dl', { class: 'fields' }, pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

// A small form: the statement of who at another block.
export function statementForm(who, height) {
  const input = h('input', { type: 'number', min: '1', step: '1', value: String(height || ''), id: 'statement-height', 'aria-label': 'block height' });
  const form = h('form', { class: 'inline', id: 'statement-form' }, 'Statement at block ', input, ' ', h('button', { type: 'submit' }, 'show'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (/^\d+$/.test(input.value)) location.hash = '#/statement/' + encodeURIComponent(who) + '/' + input.value;
  });
  return form;
}
