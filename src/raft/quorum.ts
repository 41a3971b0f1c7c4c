// Quorum arithmetic, kept apart from the protocol so it can be tested alone.
// A joint configuration (incoming, outgoing) needs a majority in both halves;
// with an empty outgoing half it degenerates to a plain majority.

import type { NodeId } from './types.js';

export type VoteResult = 'won' | 'lost' | 'pending';

export class MajorityConfig {
  readonly voters: ReadonlySet<NodeId>;
  constructor(voters: Iterable<NodeId>) {
    this.voters = new Set(voters);
  }

  /**
   * Largest index acknowledged by a majority. An empty config commits
   * everything (so that joint configs with an empty half are neutral).
   */
  committedIndex(acked: (id: NodeId) => number | undefined): number {
    const n = this.voters.size;
    if (n === 0) return Number.MAX_SAFE_INTEGER;
    const idx: number[] = [];
    for (const id of this.voters) idx.push(acked(id) ?? 0);
    idx.sort((a, b) => b - a);
    return idx[Math.floor(n / 2)] ?? 0;
  }

  voteResult(votes: ReadonlyMap<NodeId, boolean>): VoteResult {
    if (this.voters.size === 0) return 'won';
    let yes = 0;
    let missing = 0;
    for (const id of this.voters) {
      const v = votes.get(id);
      if (v === undefined) missing++;
      else if (v) yes++;
    }
    const q = Math.floor(this.voters.size / 2) + 1;
    if (yes >= q) return 'won';
    if (yes + missing >= q) return 'pending';
    return 'lost';
  }
}

export class JointConfig {
  readonly incoming: MajorityConfig;
  readonly outgoing: MajorityConfig;
  constructor(incoming: Iterable<NodeId>, outgoing: Iterable<NodeId> = []) {
    this.incoming = new MajorityConfig(incoming);
    this.outgoing = new MajorityConfig(outgoing);
  }

  ids(): Set<NodeId> {
    return new Set([...this.incoming.voters, ...this.outgoing.voters]);
  }

  has(id: NodeId): boolean {
    return this.incoming.voters.has(id) || this.outgoing.voters.has(id);
  }

  committedIndex(acked: (id: NodeId) => number | undefined): number {
    return Math.min(this.incoming.committedIndex(acked), this.outgoing.committedIndex(acked));
  }

  voteResult(votes: ReadonlyMap<NodeId, boolean>): VoteResult {
    const a = this.incoming.voteResult(votes);
    const b = this.outgoing.voteResult(votes);
    if (a === b) return a;
    if (a === 'lost' || b === 'lost') return 'lost';
    return 'pending';
  }
}
