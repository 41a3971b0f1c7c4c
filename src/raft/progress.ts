// The leader's view of one follower's log.
//
// probe:     we don't know where the follower's log matches; send one append
//            per heartbeat interval and wait for the answer.
// replicate: the follower is in sync; stream appends optimistically
//            (next runs ahead of match), bounded by the inflight window.
// snapshot:  the follower needs a snapshot; stop appending until it is
//            acknowledged or times out.
// Invariant: match < next.

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/**
 * Window of in-flight append messages, identified by their last index. Full when it
 * holds `capacity` messages or, with a byte budget, `maxBytes` of entries (flow
 * control for large entries: a message is still allowed when the window is empty).
 */
export class Inflights {
  private readonly lastIndexes: number[] = [];
  private readonly sizes: number[] = [];
  private bytes = 0;
  constructor(readonly capacity: number, readonly maxBytes = Infinity) {}

  add(lastIndex: number, bytes = 0): void {
    this.lastIndexes.push(lastIndex);
    this.sizes.push(bytes);
    this.bytes += bytes;
  }

  /** Frees every in-flight message whose last index is <= index. */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.lastIndexes.length && (this.lastIndexes[n] as number) <= index) n++;
    if (n === 0) return;
    this.lastIndexes.splice(0, n);
    for (const b of this.sizes.splice(0, n)) this.bytes -= b;
  }

  /** Frees the oldest slot: used when acks seem lost, so the window cannot wedge. */
  freeFirstOne(): void {
    this.lastIndexes.shift();
    this.bytes -= this.sizes.shift() ?? 0;
  }

  full(): boolean {
    return this.lastIndexes.length >= this.capacity || (this.lastIndexes.length > 0 && this.bytes >= this.maxBytes);
  }

  count(): number {
    return this.lastIndexes.length;
  }

  /** Bytes of entries in flight. */
  inflightBytes(): number {
    return this.bytes;
  }

  reset(): void {
    this.lastIndexes.length = 0;
    this.sizes.length = 0;
    this.bytes = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: an append was sent and we wait for a reply or a heartbeat tick. */
  probeSent = false;
  /** Index of the snapshot being sent, in snapshot state. */
  pendingSnapshot = 0;
  /** Ticks spent in snapshot state, to retry a lost snapshot. */
  snapshotTicks = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number, maxInflightBytes = Infinity) {
    this.next = next;
    this.inflights = new Inflights(maxInflight, maxInflightBytes);
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** An append was acknowledged up to n. Returns false if the ack is stale. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** Bookkeeping after sending an append of `count` entries (`bytes` in all) ending at lastIndex. */
  sentEntries(count: number, lastIndex: number, bytes = 0): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex, bytes);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  /**
   * An append at `rejected` was refused; the follower hints its log may
   * match at `matchHint`. Returns false if the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false; // stale
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false; // not the probe we sent
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }
}
