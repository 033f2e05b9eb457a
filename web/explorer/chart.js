// Inline SVG charts (no library, no canvas). Bar lengths come from exact integers: the
// ratio to the largest bar is computed in BigInt, to a thousandth, and only then becomes a
// coordinate. Labels are text nodes.
import { s } from './dom.js';

const W = 640;
const LABEL_W = 170;
const VALUE_W = 170;
const ROW_H = 26;

// bars: [{label, value: BigInt, text, cls}]; negative values are drawn by magnitude and
// keep their sign in their text.
export function barChart(title, bars) {
  const abs = (v) => (v < 0n ? -v : v);
  let max = 0n;
  for (const b of bars) if (abs(b.value) > max) max = abs(b.value);
  const plot = W - LABEL_W - VALUE_W;
  const hgt = bars.length * ROW_H + 30;
  const svg = s('svg', {
    class: 'chart',
    viewBox: `0 0 ${W} ${hgt}`,
    width: W,
    height: hgt,
    role: 'img',
    'aria-label': title,
  });
  svg.appendChild(s('title', {}, title));
  svg.appendChild(s('text', { x: 0, y: 16, class: 'chart-title' }, title));
  bars.forEach((b, i) => {
    const y = 28 + i * ROW_H;
    const milli = max > 0n ? Number((abs(b.value) * 1000n) / max) : 0;
    const w = Math.max(milli > 0 ? 1 : 0, Math.round((plot * milli) / 1000));
    svg.appendChild(s('text', { x: LABEL_W - 8, y: y + 15, class: 'chart-label', 'text-anchor': 'end' }, b.label));
    svg.appendChild(s('rect', { x: LABEL_W, y: y + 3, width: w, height: ROW_H - 8, class: 'bar ' + (b.cls || '') }));
    svg.appendChild(s('text', { x: LABEL_W + w + 6, y: y + 15, class: 'chart-value' }, b.text));
  });
  return svg;
}
