// ReadIndex on the Raft core (§6.4 of the dissertation): a leader answers a
// read with its commit index once a heartbeat round confirms it still leads;
// a follower forwards the read to the leader and gets the index back.

import { NotLeaderError } from './errors.js';
import type { Raft } from './raft.js';
import { bcastHeartbeat } from './raft-replication.js';
import { NONE, type NodeId } from './types.js';

export function readIndex(r: Raft, context: string): void {
  if (r.role === 'leader') {
    r.handleReadIndex(context, r.id);
  } else if (r.lead !== NONE) {
    r.send({ type: 'readIndex', to: r.lead, context });
  } else {
    throw new NotLeaderError(r.id, r.lead);
  }
}

export function handleReadIndex(r: Raft, context: string, from: NodeId): void {
  if (r.log.term(r.log.committed) !== r.term) {
    // Our commit index may be stale until an entry of our term commits.
    r.pendingReads.push({ context, from });
    return;
  }
  r.readOnly.add(context, r.log.committed, from, r.id);
  r.maybeReleaseRead(context);
  if (r.readOnly.size() > 0) bcastHeartbeat(r, context);
}

export function maybeReleaseRead(r: Raft, context: string): void {
  const acks = r.readOnly.recvAck(r.id, context);
  if (!acks) return;
  const votes = new Map<NodeId, boolean>();
  for (const id of acks) votes.set(id, true);
  if (r.conf.voteResult(votes) !== 'won') return;
  for (const rd of r.readOnly.advance(context)) {
    if (rd.from === r.id) r.readStates.push({ index: rd.index, context: rd.context });
    else r.send({ type: 'readIndexResp', to: rd.from, index: rd.index, context: rd.context });
  }
}

export function releasePendingReads(r: Raft): void {
  if (r.pendingReads.length === 0 || r.log.term(r.log.committed) !== r.term) return;
  const reads = r.pendingReads;
  r.pendingReads = [];
  for (const p of reads) r.handleReadIndex(p.context, p.from);
}
