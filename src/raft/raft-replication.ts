// Log replication from the leader (§5.3): appending proposals, advancing
// the commit index by quorum (§5.4.2: only entries of the current term
// count), and sending appends, snapshots and heartbeats to followers.

import { RaftInvariantError } from './errors.js';
import type { Raft } from './raft.js';
import { type Entry, type EntryType, type NodeId, entrySize } from './types.js';

export function appendEntries(r: Raft, ents: { type: EntryType; data: Uint8Array }[]): Entry[] {
  const last = r.log.lastIndex();
  const full = ents.map((e, i) => ({ term: r.term, index: last + 1 + i, type: e.type, data: e.data }));
  r.log.append(full);
  r.prs.get(r.id)?.maybeUpdate(r.log.lastIndex());
  maybeCommit(r);
  return full;
}

/** Advances the commit index to what a quorum has; true if it moved. */
export function maybeCommit(r: Raft): boolean {
  const idx = r.conf.committedIndex((id) => r.prs.get(id)?.match);
  if (!r.log.maybeCommit(idx, r.term)) return false;
  r.releasePendingReads(); // reads waiting for a commit in this term
  return true;
}

/** Sends entries (or a snapshot) to `to`; false if nothing was sent. */
export function sendAppend(r: Raft, to: NodeId, sendIfEmpty = true): boolean {
  const pr = r.prs.get(to);
  if (!pr || to === r.id || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  if (prevTerm === undefined || pr.next < r.log.firstIndex()) {
    const snapshot = r.log.snapshot();
    if (snapshot.meta.index === 0) throw new RaftInvariantError(`need snapshot for ${to} but none exists`);
    pr.becomeSnapshot(snapshot.meta.index);
    r.send({ type: 'snap', to, snapshot });
    return true;
  }
  let entries = r.log.entriesFrom(pr.next, r.maxSizePerMsg);
  if (entries.length > r.maxEntriesPerMsg) entries = entries.slice(0, r.maxEntriesPerMsg);
  if (entries.length === 0 && !sendIfEmpty) return false;
  r.send({ type: 'app', to, index: prevIndex, logTerm: prevTerm, entries, commit: r.log.committed });
  let bytes = 0;
  for (const e of entries) bytes += entrySize(e);
  pr.sentEntries(entries.length, prevIndex + entries.length, bytes);
  return true;
}

export function bcastAppend(r: Raft): void {
  for (const id of r.prs.keys()) if (id !== r.id) sendAppend(r, id);
}

export function bcastHeartbeat(r: Raft, context?: string): void {
  for (const [id, pr] of r.prs) {
    if (id === r.id) continue;
    // Never tell a follower to commit past what it is known to hold.
    const commit = Math.min(pr.match, r.log.committed);
    r.send({ type: 'heartbeat', to: id, commit, ...(context !== undefined ? { context } : {}) });
  }
}

export function sendTimeoutNow(r: Raft, to: NodeId): void {
  r.send({ type: 'timeoutNow', to });
}
