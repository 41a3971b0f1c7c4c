// Proposals waiting to enter the log. RaftNode queues every propose() call and
// hands the whole queue to the core as one batch at the start of each Ready-loop
// iteration: proposals made while a Ready is being persisted share the next
// append message per follower and the next fsync (group commit).

import type { Waiters } from './node-waiters.js';

interface Queued {
  readonly data: Uint8Array;
  resolve(v: { index: number }): void;
  reject(e: unknown): void;
}

/** The part of the core a flush needs. */
export interface BatchProposer {
  proposeBatch(datas: readonly Uint8Array[]): { first: number; term: number };
}

export class ProposalQueue {
  private queue: Queued[] = [];

  get length(): number {
    return this.queue.length;
  }

  /** Resolves once the entry is applied (through the waiters registered by flush). */
  push(data: Uint8Array): Promise<{ index: number }> {
    return new Promise((resolve, reject) => this.queue.push({ data, resolve, reject }));
  }

  /**
   * Appends everything queued as one batch and registers a waiter per entry;
   * returns the batch size. If the core refuses (leadership lost meanwhile),
   * every queued proposal is rejected with its error.
   */
  flush(core: BatchProposer, waiters: Waiters, timeoutMs: number): number {
    const batch = this.queue;
    if (batch.length === 0) return 0;
    this.queue = [];
    let at: { first: number; term: number };
    try {
      at = core.proposeBatch(batch.map((p) => p.data));
    } catch (e) {
      for (const p of batch) p.reject(e);
      return 0;
    }
    batch.forEach((p, i) => waiters.addProposal('propose', at.first + i, at.term, timeoutMs, p.resolve, p.reject));
    return batch.length;
  }

  failAll(err: Error): void {
    for (const p of this.queue.splice(0)) p.reject(err);
  }
}
