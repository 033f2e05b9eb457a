// Live updates of the first page (specs/explorer.md §2): the node's event stream
// (/v1/events, specs/http.md §6) sends a `block` event per committed block; each new block is
// put on top of the latest blocks, the height and time follow, and no page is reloaded.
import { parseJson } from './dom.js';

// onBlock(block) for each block event; returns the function that closes the stream.
export function followBlocks(onBlock, onState) {
  if (typeof EventSource !== 'function') return () => {};
  const es = new EventSource('/v1/events');
  es.addEventListener('open', () => onState && onState('live'));
  es.addEventListener('error', () => onState && onState(es.readyState === EventSource.CLOSED ? 'off' : 'reconnecting'));
  es.addEventListener('block', (ev) => {
    let b;
    try {
      b = parseJson(ev.data);
    } catch (e) {
      return; // not JSON: ignored, the next block comes anyway
    }
    if (b && b.height != null) onBlock(b);
  });
  return () => es.close();
}
