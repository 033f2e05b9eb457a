// Pieces every page of the explorer uses: its heading, times, the "next page" link.
import { h, link } from './dom.js';

export function title(text, sub) {
  return h('h1', {}, text, sub ? h('span', { class: 'sub' }, sub) : null);
}

export function time(ms, iso) {
  if (typeof iso === 'string') return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return ms == null ? '-' : String(ms);
}

export function more(next, ...parts) {
  if (next == null) return null;
  return h('p', { class: 'more' }, link('next page →', ...parts, next));
}

// A duration in milliseconds as "2 d 3 h", "4 min 5 s", "12 s" (exact to the second).
export function age(ms) {
  let s = Math.floor(Number(ms) / 1000);
  if (!Number.isFinite(s) || s < 0) return '-';
  const d = Math.floor(s / 86400);
  const hr = Math.floor((s % 86400) / 3600);
  const mi = Math.floor((s % 3600) / 60);
  s %= 60;
  if (d) return d + ' d ' + hr + ' h';
  if (hr) return hr + ' h ' + mi + ' min';
  if (mi) return mi + ' min ' + s + ' s';
  return s + ' s';
}
