// Pure helper for drivers: drop append acknowledgements that a later one in the
// same batch supersedes. A follower that handled several appends in one Ready
// answers each; the leader only needs the highest index per (peer, term), because
// an ack means "my log matches yours up to index" and a leader never sends
// conflicting entries within one term. Dropping the others is indistinguishable
// from losing them on the network, which Raft tolerates.

import type { Message } from './types.js';

/** Returns `msgs` without superseded successful appResps; the kept ack takes the last one's place. */
export function coalesceAcks(msgs: readonly Message[]): readonly Message[] {
  let acks = 0;
  for (const m of msgs) if (m.type === 'appResp' && !m.reject) acks++;
  if (acks < 2) return msgs;
  const best = new Map<string, { last: number; index: number }>();
  msgs.forEach((m, i) => {
    if (m.type !== 'appResp' || m.reject) return;
    const key = `${m.to}\u0000${m.term}`;
    const b = best.get(key);
    best.set(key, { last: i, index: Math.max(b?.index ?? 0, m.index ?? 0) });
  });
  const out: Message[] = [];
  msgs.forEach((m, i) => {
    if (m.type !== 'appResp' || m.reject) {
      out.push(m);
      return;
    }
    const b = best.get(`${m.to}\u0000${m.term}`);
    if (b?.last === i) out.push(m.index === b.index ? m : { ...m, index: b.index });
  });
  return out;
}
