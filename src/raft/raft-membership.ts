// Membership and leadership changes of the Raft core. Changes are
// single-server (§4.1 of the dissertation), at most one uncommitted at a
// time, and take effect when applied. Snapshots carry the configuration.

import { ConfChangePendingError, InvalidConfChangeError, NotLeaderError } from './errors.js';
import { Progress } from './progress.js';
import { JointConfig } from './quorum.js';
import type { Raft } from './raft.js';
import { appendEntries, bcastAppend, maybeCommit, sendAppend, sendTimeoutNow } from './raft-replication.js';
import { type ConfChange, EntryType, NONE, type NodeId, type Snapshot, encodeConfChange } from './types.js';

/** Appends a single-server change; the caller has checked that we lead. */
export function proposeConfChange(r: Raft, req: { type: 'add' | 'remove'; nodeId: NodeId; context?: string }): { index: number; term: number } {
  if (r.pendingConfIndex > r.log.applied) {
    throw new ConfChangePendingError(r.pendingConfIndex, r.log.applied);
  }
  const voters = new Set(r.conf.incoming.voters);
  if (req.type === 'add') {
    if (voters.has(req.nodeId)) throw new InvalidConfChangeError(`${req.nodeId} is already a voter`);
    voters.add(req.nodeId);
  } else {
    if (!voters.has(req.nodeId)) throw new InvalidConfChangeError(`${req.nodeId} is not a voter`);
    if (voters.size === 1) throw new InvalidConfChangeError('cannot remove the last voter');
    voters.delete(req.nodeId);
  }
  const cc: ConfChange = { ...req, voters: [...voters].sort() };
  const [e] = appendEntries(r, [{ type: EntryType.ConfChange, data: encodeConfChange(cc) }]);
  r.pendingConfIndex = r.log.lastIndex();
  bcastAppend(r);
  return { index: e?.index ?? 0, term: r.term };
}

export function transferLeadership(r: Raft, to: NodeId): void {
  if (r.role !== 'leader') throw new NotLeaderError(r.id, r.lead);
  if (to === r.id) return;
  if (!r.conf.has(to)) throw new InvalidConfChangeError(`transfer target ${to} is not a voter`);
  r.leadTransferee = to;
  r.electionElapsed = 0; // the transfer must finish within one election timeout
  const pr = r.prs.get(to);
  if (pr && pr.match === r.log.lastIndex()) sendTimeoutNow(r, to);
  else sendAppend(r, to);
}

export function applyConfChange(r: Raft, cc: ConfChange, index: number): void {
  if (index <= r.confIndex) return;
  r.confIndex = index;
  r.conf = new JointConfig(cc.voters);
  const last = r.log.lastIndex();
  for (const id of r.conf.ids()) {
    if (!r.prs.has(id)) {
      const pr = new Progress(last + 1, r.maxInflight, r.maxInflightBytes);
      pr.recentActive = true;
      r.prs.set(id, pr);
    }
  }
  for (const id of [...r.prs.keys()]) if (!r.conf.has(id)) r.prs.delete(id);
  if (r.role !== 'leader') return;
  if (!r.conf.has(r.id)) {
    r.becomeFollower(r.term, NONE); // removed leaders step down
    return;
  }
  if (r.leadTransferee !== NONE && !r.conf.has(r.leadTransferee)) r.leadTransferee = NONE;
  if (maybeCommit(r)) bcastAppend(r);
  else for (const id of r.prs.keys()) if (id !== r.id) sendAppend(r, id, false);
}

export function restoreSnapshot(r: Raft, s: Snapshot): boolean {
  if (s.meta.index <= r.log.committed) return false;
  if (r.log.matchTerm(s.meta.index, s.meta.term)) {
    // We already hold the snapshot's last entry: just fast-forward commit.
    r.log.commitTo(s.meta.index);
    return false;
  }
  r.log.restore(s);
  r.conf = new JointConfig(s.meta.conf.voters);
  r.confIndex = s.meta.index;
  r.resetProgress();
  return true;
}
