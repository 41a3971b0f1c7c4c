// ReadIndex (§6.4 of the Raft dissertation): the leader records its commit
// index for a read, then proves it is still leader by collecting heartbeat
// acks from a quorum that echo the read's context. Once confirmed, the read
// (and every read queued before it) may be served when applied >= index.

import type { NodeId } from './types.js';

export interface PendingRead {
  readonly context: string;
  readonly index: number;
  /** Who asked: the leader itself or a follower that forwarded the read. */
  readonly from: NodeId;
  readonly acks: Set<NodeId>;
}

export class ReadOnlyQueue {
  private readonly pending = new Map<string, PendingRead>();
  private queue: string[] = [];

  add(context: string, index: number, from: NodeId, self: NodeId): void {
    if (this.pending.has(context)) return;
    this.pending.set(context, { context, index, from, acks: new Set([self]) });
    this.queue.push(context);
  }

  /** Records an ack; returns the ack set, or undefined for unknown contexts. */
  recvAck(from: NodeId, context: string): ReadonlySet<NodeId> | undefined {
    const p = this.pending.get(context);
    if (!p) return undefined;
    p.acks.add(from);
    return p.acks;
  }

  /** Removes and returns all reads up to and including `context`. */
  advance(context: string): PendingRead[] {
    const at = this.queue.indexOf(context);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    const out: PendingRead[] = [];
    for (const c of done) {
      const p = this.pending.get(c);
      this.pending.delete(c);
      if (p) out.push(p);
    }
    return out;
  }

  lastPendingContext(): string | undefined {
    return this.queue[this.queue.length - 1];
  }

  size(): number {
    return this.queue.length;
  }

  clear(): void {
    this.pending.clear();
    this.queue = [];
  }
}
