// DOM building and formatting for the explorer (specs/explorer.md).
// Every text from the node goes in through text nodes and attribute values set one by
// one: no markup is ever parsed from data, so a hostile instrument name is shown, never run.

const SVG_NS = 'http://www.w3.org/2000/svg';

function put(el, kid) {
  if (kid == null || kid === false) return;
  if (Array.isArray(kid)) {
    for (const k of kid) put(el, k);
  } else if (kid instanceof Node) {
    el.appendChild(kid);
  } else {
    el.appendChild(document.createTextNode(String(kid)));
  }
}

function build(el, attrs, kids) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, String(v));
  }
  put(el, kids);
  return el;
}

// h('td', {class: 'num'}, 'text', node, [more]): an HTML element.
export function h(tag, attrs, ...kids) {
  return build(document.createElement(tag), attrs, kids);
}

// s('rect', {...}): an SVG element.
export function s(tag, attrs, ...kids) {
  return build(document.createElementNS(SVG_NS, tag), attrs, kids);
}

// A link inside the explorer: the target is built from parts, each URI-encoded.
export function link(text, ...parts) {
  return h('a', { href: '#/' + parts.map((p) => encodeURIComponent(String(p))).join('/') }, text);
}

// ---- numbers: exact, from integers or decimal text, never through floating point ----

// "1234567" -> "1,234,567" (specs/money.md §3).
export function group(digits) {
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Exact decimal text ("-80200.00") with thousands separators; null if it is not one.
export function groupDecimal(text) {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(String(text));
  return m ? m[1] + group(m[2]) + (m[3] || '') : null;
}

// A money object {currency, minor, scale, decimal} as "1,250.50 CNY" (its decimal text,
// which is exact); "-" when there is none.
export function money(m) {
  if (!m || typeof m !== 'object') return '-';
  const d = groupDecimal(m.decimal);
  const cur = typeof m.currency === 'string' ? m.currency : '';
  return d == null ? '-' : d + ' ' + cur;
}

// An integer quantity (Number or BigInt from the JSON reader) at a scale, exact.
export function quantity(q, scale) {
  const t = String(q);
  const m = /^(-?)(\d+)$/.exec(t);
  if (!m) return '-';
  const sc = Number.isInteger(scale) && scale > 0 && scale < 19 ? scale : 0;
  let digits = m[2];
  if (sc === 0) return m[1] + group(digits);
  digits = digits.padStart(sc + 1, '0');
  return m[1] + group(digits.slice(0, -sc)) + '.' + digits.slice(-sc);
}

// A holding: quantity_money when the reply gives it (cash), else units.
export function holding(row, field) {
  const m = row[field + '_money'];
  if (m) return money(m);
  return quantity(row[field], row.scale);
}

// Basis points as a percentage, exact: 1234 -> "12.34 %".
export function bp(v) {
  const t = String(v);
  if (!/^\d+$/.test(t)) return '-';
  const p = t.padStart(3, '0');
  return p.slice(0, -2) + '.' + p.slice(-2) + ' %';
}

// BigInt of an integer value or of a money object's minor units (for chart geometry).
export function big(v) {
  if (v && typeof v === 'object') v = v.minor;
  const t = String(v);
  return /^-?\d+$/.test(t) ? BigInt(t) : 0n;
}

export function short(hex) {
  const t = String(hex || '');
  return t.length > 16 ? t.slice(0, 8) + '…' + t.slice(-6) : t;
}

// A party {account, name}: its name (or short account) linked to its account page.
export function party(p) {
  if (!p || typeof p !== 'object') return '-';
  const label = p.name ? p.name : short(p.account);
  return p.account ? link(label, 'account', p.account) : label;
}

// ---- the API ----

// JSON with integers beyond 2^53 kept exact (as BigInt, from the number's source text).
export function parseJson(text) {
  return JSON.parse(text, (k, v, ctx) => {
    if (typeof v === 'number' && !Number.isSafeInteger(v) && ctx && /^-?\d+$/.test(ctx.source)) {
      return BigInt(ctx.source);
    }
    return v;
  });
}

export class ApiError extends Error {
  constructor(status, name, message) {
    super(message);
    this.status = status;
    this.code = name;
  }
}

// GET /v1 + path; the parsed body, or an ApiError with the node's code and sentence.
export async function api(path) {
  const r = await fetch('/v1' + path, { headers: { Accept: 'application/json' } });
  const text = await r.text();
  let body = null;
  try {
    body = parseJson(text);
  } catch (e) {
    throw new ApiError(r.status, 'BAD_REPLY', 'the node sent something that is not JSON');
  }
  if (!r.ok) {
    const name = body && typeof body.name === 'string' ? body.name : 'HTTP_' + r.status;
    const msg = body && typeof body.message === 'string' ? body.message : 'request refused';
    throw new ApiError(r.status, name, msg);
  }
  return body;
}

export function q(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    if (v != null && v !== '') parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(String(v)));
  }
  return parts.length ? '?' + parts.join('&') : '';
}

// A table: head is a list of [label, class]; rows a list of lists of cells.
export function table(head, rows, empty) {
  if (!rows.length) return h('p', { class: 'empty' }, empty || 'None.');
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, head.map(([t, c]) => h('th', { class: c }, t)))),
    h(
      'tbody',
      {},
      rows.map((r) => h('tr', {}, r.map((cell, i) => h('td', { class: head[i][1] }, cell))))
    )
  );
}

// A definition list of [label, value] pairs.
export function fields(pairs) {
  return h(
    'dl',
    { class: 'fields' },
    pairs.filter((p) => p).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v == null ? '-' : v)])
  );
}
