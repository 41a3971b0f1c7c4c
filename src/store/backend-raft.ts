// The Raft-replicated backend: every batch is a log entry, applied on every manager in
// log order. Followers apply what the leader commits; only the leader's store builds
// batches (writes elsewhere fail with NotLeaderError and are forwarded by the caller).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { NotLeaderError as RaftNotLeaderError, RaftNode, type Entry, type RaftNodeOptions } from '../raft/index.js';
import { NotLeaderError, StoreClosedError } from './errors.js';
import { BatchRejectedError, type Batch, type StateSnapshot } from './state.js';
import type { ApplySink, StoreBackend } from './store.js';

export interface RaftBackendOptions extends Omit<RaftNodeOptions, 'fsm' | 'logger'> {
  log: Logger;
}

interface LoggedBatch extends Batch {
  /** Lets the proposer learn whether its own batch applied or was rejected. */
  nonce: string;
  /** --force-new-cluster: the whole state recovered from an old group, replacing this one's. */
  restore?: StateSnapshot;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class RaftBackend implements StoreBackend {
  private node?: RaftNode;
  private sink?: ApplySink;
  private readonly rejected = new Map<string, BatchRejectedError>();

  constructor(private readonly opts: RaftBackendOptions) {}

  get raft(): RaftNode {
    if (!this.node) throw new StoreClosedError();
    return this.node;
  }

  async open(sink: ApplySink): Promise<void> {
    this.sink = sink;
    this.node = await RaftNode.start({
      ...this.opts,
      logger: this.opts.log,
      fsm: {
        apply: (entry: Entry) => this.applyEntry(entry),
        takeSnapshot: () => encoder.encode(JSON.stringify(sink.snapshot())),
        restore: (data: Uint8Array) => sink.restore(JSON.parse(decoder.decode(data)) as StateSnapshot),
      },
    });
  }

  async commit(batch: Batch): Promise<void> {
    const node = this.node;
    if (!node) throw new StoreClosedError();
    const nonce = randomUUID();
    const logged: LoggedBatch = { ...batch, nonce };
    try {
      await node.propose(encoder.encode(JSON.stringify(logged)));
    } catch (err) {
      if (err instanceof RaftNotLeaderError) throw new NotLeaderError(err.leaderId || undefined);
      throw err;
    }
    const rejection = this.rejected.get(nonce);
    if (rejection) {
      this.rejected.delete(nonce);
      throw rejection;
    }
  }

  /** Replaces the replicated state with `snapshot` (through the log, so every replica agrees). */
  async commitRestore(snapshot: StateSnapshot): Promise<void> {
    const node = this.node;
    if (!node) throw new StoreClosedError();
    const logged: LoggedBatch = { seq: snapshot.seq, changes: [], nonce: randomUUID(), restore: snapshot };
    await node.propose(encoder.encode(JSON.stringify(logged)));
  }

  async close(): Promise<void> {
    await this.node?.stop();
    this.node = undefined;
  }

  private applyEntry(entry: Entry): void {
    if (entry.data.length === 0 || !this.sink) return; // the leader's empty entry of its term
    const batch = JSON.parse(decoder.decode(entry.data)) as LoggedBatch;
    if (batch.restore) {
      this.sink.restore(batch.restore);
      return;
    }
    try {
      this.sink.apply(batch);
    } catch (err) {
      // Deterministic on every replica: a batch built on stale state (an old leader's) is
      // rejected everywhere. Its proposer learns it through the nonce.
      if (!(err instanceof BatchRejectedError)) throw err;
      this.opts.log.warn({ seq: batch.seq, index: entry.index, reason: err.reason }, 'replicated batch rejected');
      if (this.rejected.size > 1000) this.rejected.clear();
      this.rejected.set(batch.nonce, err);
    }
  }
}
