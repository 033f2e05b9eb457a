// Settlement pages of the explorer (specs/explorer.md §2): trades, bilateral settlement
// instructions and the settlement queue. Each reads one paged /v1 list.
import { api, group, h, link, money, party, q, table } from './dom.js';
import { more, title } from './page.js';

// Instrument names by id, from the first page of /v1/assets (the rows show ids; the name
// beside them is what a reader recognises, e.g. a Chinese company name).
export async function instrumentNames() {
  const names = new Map();
  try {
    for (const a of (await api('/assets')).assets) names.set(a.id, a.name);
  } catch (e) {
    // names are a convenience: the ids alone still identify the instruments
  }
  return names;
}

export function instrument(id, names) {
  const name = names && names.get(id);
  return [link(id, 'asset', id), name ? h('div', { class: 'name small' }, name) : null];
}

function qty(v) {
  return group(String(v));
}

function status(s) {
  return h('span', { class: 'status status-' + String(s).replace(/[^a-z-]/g, '') }, s);
}

export async function trades(after) {
  const [r, names] = await Promise.all([api('/trades' + q({ after })), instrumentNames()]);
  return [
    title('Trades'),
    table(
      [['Id', 'num'], ['Status', ''], ['Instrument', ''], ['Seller', ''], ['Buyer', ''], ['Quantity', 'num'], ['Price', 'num'], ['Value', 'num'], ['Submitted', 'num'], ['Affirmed', 'num'], ['Ref', 'name']],
      r.trades.map((t) => [
        String(t.id),
        status(t.status),
        instrument(t.isin, names),
        party(t.seller),
        party(t.buyer),
        qty(t.quantity),
        money(t.price),
        money(t.value),
        link(group(String(t.submit_height)), 'block', t.submit_height),
        t.affirm_height ? link(group(String(t.affirm_height)), 'block', t.affirm_height) : '-',
        t.ref || '-',
      ]),
      'No trade.'
    ),
    more(r.next, 'trades'),
  ];
}

export async function instructions(after) {
  const [r, names] = await Promise.all([api('/instructions' + q({ after })), instrumentNames()]);
  return [
    title('Settlement instructions'),
    h('p', { class: 'note' }, 'Bilateral instructions: each side sends its own; a matching pair settles delivery against payment, or waits in the ', link('settlement queue', 'queue'), '.'),
    table(
      [['Id', 'num'], ['Status', ''], ['Sender', ''], ['Side', ''], ['Counterparty', ''], ['Instrument', ''], ['Quantity', 'num'], ['Amount', 'num'], ['Block', 'num'], ['Matched with', 'num'], ['Note', '']],
      r.instructions.map((i) => [
        String(i.id),
        status(i.status),
        party(i.sender),
        i.side,
        party(i.counterparty),
        i.isin ? instrument(i.isin, names) : '-',
        i.quantity != null ? qty(i.quantity) : '-',
        money(i.amount),
        link(group(String(i.height)), 'block', i.height),
        i.matched_with != null ? String(i.matched_with) : '-',
        i.near_match && i.near_match.hint ? h('span', { class: 'warn' }, i.near_match.hint) : '',
      ]),
      'No instruction.'
    ),
    more(r.next, 'instructions'),
  ];
}

export async function queue(after) {
  const [r, names] = await Promise.all([api('/queue' + q({ after })), instrumentNames()]);
  return [
    title('Settlement queue'),
    h('p', { class: 'note' }, 'Matched instructions waiting for securities or cash; each cycle retries them.'),
    table(
      [['Instruction', 'num'], ['Deliverer', ''], ['Receiver', ''], ['Instrument', ''], ['Quantity', 'num'], ['Amount', 'num'], ['Waiting (cycles)', 'num']],
      r.queue.map((e) => [String(e.instruction), party(e.deliverer), party(e.receiver), instrument(e.isin, names), qty(e.quantity), money(e.amount), String(e.age_cycles)]),
      'The queue is empty.'
    ),
    more(r.next, 'queue'),
  ];
}
