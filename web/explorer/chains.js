// Sub-chain health on the main chain (specs/explorer.md §2, specs/chains.md): each registered
// sub-chain's status, its last anchored height and when, and the age of that anchor by
// main-chain block time (the node's tip time minus the anchoring block's time).
import { api, fields, group, h, link, q, short, table } from './dom.js';
import { age, more, time, title } from './page.js';

export function chainStatus(s) {
  const cls = { ACTIVE: 'ok', STALE: 'warn', FROZEN: 'bad', RETIRED: 'muted', PAUSED: 'muted' }[s] || 'bad';
  return h('span', { class: 'chain-status ' + cls, 'data-status': s }, s);
}

function anchored(r) {
  const l = r.last || {};
  return l.height ? group(String(l.height)) : 'none yet';
}

export function subchainRows(list) {
  return table(
    [['Sub-chain', ''], ['Status', ''], ['Business', 'name'], ['Chain id', ''], ['Last anchored height', 'num'], ['Anchored at (main block)', 'num'], ['Anchored time', ''], ['Age', 'num'], ['Period', 'num']],
    list.map((r) => {
      const l = r.last || {};
      return [
        link(r.id, 'subchain', r.id),
        chainStatus(r.status),
        r.business,
        h('code', {}, r.chain_id),
        anchored(r),
        l.main_height != null ? link(group(String(l.main_height)), 'block', l.main_height) : '-',
        time(null, l.anchored_time),
        age(l.age_ms),
        age(r.period_ms),
      ];
    }),
    'No sub-chain is registered on this chain.'
  );
}

export async function subchains(after) {
  const r = await api('/subchains' + q({ after }));
  return [
    title('Sub-chains'),
    h('p', { class: 'note' }, 'Each sub-chain anchors its newest header here at least once per period; one that misses it turns STALE (by main-chain block time), one that signs two blocks at one height is FROZEN.'),
    subchainRows(r.subchains),
    more(r.next, 'subchains'),
  ];
}

export async function subchain(id) {
  const r = await api('/subchains/' + encodeURIComponent(id));
  const l = r.last || {};
  return [
    title('Sub-chain ' + r.id, r.business),
    fields([
      ['Status', chainStatus(r.status)],
      ['Chain id', h('code', {}, r.chain_id)],
      ['Genesis hash', h('code', {}, r.genesis_hash)],
      ['Last anchored height', anchored(r)],
      ['Last anchored hash', l.height ? h('code', {}, l.hash) : '-'],
      ['Anchored at', l.main_height != null ? link('main block ' + group(String(l.main_height)), 'block', l.main_height) : '-'],
      ['Anchored time', time(null, l.anchored_time)],
      ['Age', age(l.age_ms)],
      ['Period', age(r.period_ms)],
      ['Deadline', time(null, r.deadline)],
      ['Validators', String((r.validators || {}).count)],
      ['Signers of the last anchor', (l.signers || []).join(', ') || '-'],
      ['Registered at', link(group(String(r.created_height)), 'block', r.created_height)],
      ['Evidence records', String(r.evidence_count)],
    ]),
    h('h2', {}, 'Evidence'),
    table(
      [['Kind', ''], ['Height', 'num'], ['Block A', 'hash'], ['Block B', 'hash'], ['Stored at', 'num']],
      (r.evidence || []).map((e) => [e.kind, group(String(e.height_a)), h('code', {}, short(e.hash_a)), h('code', {}, short(e.hash_b)), link(group(String(e.main_height)), 'block', e.main_height)]),
      'No evidence.'
    ),
  ];
}

// For the first page: the registry's first page, or nothing on a chain without sub-chains
// (or a node that does not answer the route).
export async function subchainSummary() {
  let r;
  try {
    r = await api('/subchains');
  } catch (e) {
    return null;
  }
  if (!r.subchains || !r.subchains.length) return null;
  return [h('h2', {}, 'Sub-chain health'), subchainRows(r.subchains), more(r.next, 'subchains')];
}
