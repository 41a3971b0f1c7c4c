// Role-specific message handling and ticks. Raft swaps between these step functions
// on every role transition; term checks and votes are handled before them
// in Raft.step, so every message here carries the current term.

import type { Raft } from './raft.js';
import { bcastAppend, bcastHeartbeat, maybeCommit, sendAppend, sendTimeoutNow } from './raft-replication.js';
import { type Message, NONE, type NodeId } from './types.js';

export function stepLeader(r: Raft, m: Message): void {
  const pr = r.prs.get(m.from);
  switch (m.type) {
    case 'readIndex':
      if (m.context !== undefined) r.handleReadIndex(m.context, m.from);
      return;
    case 'appResp': {
      if (!pr) return;
      pr.recentActive = true;
      const index = m.index ?? 0;
      if (m.reject) {
        if (pr.maybeDecrTo(index, m.rejectHint ?? 0)) {
          if (pr.state === 'replicate') pr.becomeProbe();
          sendAppend(r, m.from);
        }
        return;
      }
      const wasPaused = pr.isPaused();
      if (!pr.maybeUpdate(index)) return;
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) pr.becomeReplicate();
      else if (pr.state === 'replicate') pr.inflights.freeLE(index);
      if (maybeCommit(r)) bcastAppend(r);
      else if (wasPaused) sendAppend(r, m.from);
      // Pipelining: keep sending while the inflight window has room.
      while (sendAppend(r, m.from, false)) {
        /* keep filling the window */
      }
      if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) sendTimeoutNow(r, m.from);
      return;
    }
    case 'heartbeatResp': {
      if (!pr) return;
      pr.recentActive = true;
      pr.probeSent = false;
      // A full window with no progress means appends were lost; free a slot.
      if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
      if (pr.match < r.log.lastIndex()) sendAppend(r, m.from);
      if (m.context !== undefined) {
        r.readOnly.recvAck(m.from, m.context);
        r.maybeReleaseRead(m.context);
      }
      return;
    }
    default:
      return; // stale responses, timeoutNow to a leader, etc.
  }
}

/** Shared by pre-candidates and candidates. */
export function stepCandidate(r: Raft, m: Message): void {
  const myResp = r.role === 'preCandidate' ? 'preVoteResp' : 'voteResp';
  switch (m.type) {
    case 'app':
      r.becomeFollower(m.term, m.from);
      handleAppend(r, m);
      return;
    case 'heartbeat':
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return;
    case 'snap':
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      return;
    case 'preVoteResp':
    case 'voteResp':
      if (m.type === myResp) r.recordVote(m.from, !m.reject);
      return;
    default:
      return;
  }
}

export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case 'app':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppend(r, m);
      return;
    case 'heartbeat':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return;
    case 'snap':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return;
    case 'timeoutNow':
      // The leader hands over: campaign at once, skipping pre-vote and lease.
      r.campaign('transfer');
      return;
    case 'readIndexResp':
      if (m.context !== undefined) r.readStates.push({ index: m.index ?? 0, context: m.context });
      return;
    default:
      return;
  }
}

function handleAppend(r: Raft, m: Message): void {
  const index = m.index ?? 0;
  if (index < r.log.committed) {
    r.send({ type: 'appResp', to: m.from, index: r.log.committed });
    return;
  }
  const lastNew = r.log.maybeAppend(index, m.logTerm ?? 0, m.commit ?? 0, m.entries ?? []);
  if (lastNew !== undefined) {
    r.send({ type: 'appResp', to: m.from, index: lastNew });
    return;
  }
  // Skip back over entries whose term is newer than the leader's at `index`.
  const hint = r.log.findConflictByTerm(Math.min(index, r.log.lastIndex()), m.logTerm ?? 0);
  r.send({ type: 'appResp', to: m.from, index, reject: true, rejectHint: hint, logTerm: r.log.term(hint) ?? 0 });
}

function handleHeartbeat(r: Raft, m: Message): void {
  r.log.commitTo(Math.min(m.commit ?? 0, r.log.lastIndex()));
  r.send({ type: 'heartbeatResp', to: m.from, ...(m.context !== undefined ? { context: m.context } : {}) });
}

function handleSnapshot(r: Raft, m: Message): void {
  const s = m.snapshot;
  if (!s) return;
  r.restoreSnapshot(s);
  // Acknowledge only what is known to match the leader: the commit index.
  r.send({ type: 'appResp', to: m.from, index: r.log.committed });
}

// ---- ticks ----------------------------------------------------------------------

export function tickElection(r: Raft): void {
  r.electionElapsed++;
  if (r.promotable() && r.electionElapsed >= r.randomizedElectionTimeout) {
    r.electionElapsed = 0;
    r.campaign('preElection');
  }
}

export function tickLeader(r: Raft): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.electionTimeout) {
    r.electionElapsed = 0;
    if (r.checkQuorum && !quorumActive(r)) {
      r.becomeFollower(r.term, NONE); // §6.2: lost contact with a quorum
      return;
    }
    r.leadTransferee = NONE; // a transfer that takes an election timeout failed
  }
  for (const [id, pr] of r.prs) {
    if (pr.state === 'snapshot' && ++pr.snapshotTicks > r.electionTimeout) {
      pr.becomeProbe(); // the snapshot or its ack was probably lost
      sendAppend(r, id);
    }
  }
  if (r.heartbeatElapsed >= r.heartbeatTimeout) {
    r.heartbeatElapsed = 0;
    bcastHeartbeat(r, r.readOnly.lastPendingContext());
  }
}

function quorumActive(r: Raft): boolean {
  const active = new Map<NodeId, boolean>();
  for (const [id, pr] of r.prs) {
    active.set(id, id === r.id || pr.recentActive);
    pr.recentActive = false;
  }
  return r.conf.voteResult(active) === 'won';
}
