// Promises of RaftNode callers waiting on the log: proposals (settled when
// their index is applied) and reads (settled once a confirmed read index is
// applied). Every waiter has a timeout, after which the outcome is unknown.

import { NotLeaderError, ProposalDroppedError, RaftError } from './errors.js';
import type { Entry, NodeId } from './types.js';

/** Thrown when a proposal, read or transfer did not complete in time; its outcome is unknown. */
export class RaftTimeoutError extends RaftError {
  readonly code = 'RAFT_TIMEOUT';
  constructor(readonly operation: string, readonly ms: number) {
    super(`${operation} did not complete within ${ms} ms (outcome unknown)`);
  }
}

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout;
}

export class Waiters {
  private readonly proposals = new Map<number, Waiter<{ index: number }> & { term: number }>();
  private readonly reads = new Map<string, Waiter<void> & { index?: number }>();

  proposal(op: string, index: number, term: number, ms: number): Promise<{ index: number }> {
    return new Promise((resolve, reject) => this.addProposal(op, index, term, ms, resolve, reject));
  }

  /** Like proposal(), for a caller that already holds the promise's settle functions. */
  addProposal(op: string, index: number, term: number, ms: number, resolve: (v: { index: number }) => void, reject: (e: unknown) => void): void {
    const timer = setTimeout(() => {
      this.proposals.delete(index);
      reject(new RaftTimeoutError(op, ms));
    }, ms);
    const stale = this.proposals.get(index);
    if (stale) {
      // Our earlier proposal at this index was truncated by a later leader.
      clearTimeout(stale.timer);
      stale.reject(new ProposalDroppedError(index, `replaced by a proposal of term ${term}`));
    }
    this.proposals.set(index, { resolve, reject, timer, term });
  }

  /** Settles the proposal at e.index: ours if the term matches, dropped otherwise. */
  applied(e: Entry): void {
    const w = this.proposals.get(e.index);
    if (!w) return;
    this.proposals.delete(e.index);
    clearTimeout(w.timer);
    if (w.term === e.term) w.resolve({ index: e.index });
    else w.reject(new ProposalDroppedError(e.index, `overwritten by an entry of term ${e.term}`));
  }

  read(ctx: string, ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.reads.delete(ctx);
        reject(new RaftTimeoutError('readIndex', ms));
      }, ms);
      this.reads.set(ctx, { resolve, reject, timer });
    });
  }

  readConfirmed(ctx: string, index: number): void {
    const w = this.reads.get(ctx);
    if (w) w.index = index;
  }

  /** Resolves confirmed reads whose index is applied. */
  resolveReads(applied: number): void {
    for (const [ctx, w] of this.reads) {
      if (w.index === undefined || w.index > applied) continue;
      this.reads.delete(ctx);
      clearTimeout(w.timer);
      w.resolve();
    }
  }

  /** Reads not yet confirmed by the old leader will never be: fail them fast. */
  failUnconfirmedReads(self: NodeId, leader: NodeId): void {
    for (const [ctx, w] of this.reads) {
      if (w.index !== undefined) continue;
      this.reads.delete(ctx);
      clearTimeout(w.timer);
      w.reject(new NotLeaderError(self, leader));
    }
  }

  failAll(err: Error): void {
    for (const w of [...this.proposals.values(), ...this.reads.values()]) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.proposals.clear();
    this.reads.clear();
  }
}
