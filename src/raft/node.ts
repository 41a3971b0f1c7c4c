// RaftNode: the driver around the pure core. It owns the tick timer, the
// WAL and snapshot files, the transport, and the Ready loop:
//   persist (WAL fsync) -> send -> apply -> advance
// (leader appends and heartbeats go out before the fsync; see canSendBeforePersist).
// The state machine is volatile: on start it is rebuilt from the latest
// snapshot plus the committed log, so apply() must be deterministic.

import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { InvalidConfChangeError, RaftError } from './errors.js';
import { MemoryStorage } from './memory-storage.js';
import { ProposalQueue } from './node-proposals.js';
import { RaftTimeoutError, Waiters } from './node-waiters.js';
import { decodeNodeSnapshot, encodeNodeSnapshot } from './node-snapshot.js';
import { Raft } from './raft.js';
import { SnapshotStore } from './storage/snapshot.js';
import { Wal } from './storage/wal.js';
import { GrpcTransport, type RaftTransport } from './transport-grpc.js';
import { coalesceAcks } from './message-coalesce.js';
import { canSendBeforePersist, type Entry, EntryType, type HardState, type Message, type NodeId, type Ready, type Snapshot, decodeConfChange } from './types.js';

export { RaftTimeoutError };

export interface StateMachine {
  /** Applies a committed normal entry; called in log order, exactly once per process lifetime. */
  apply(entry: Entry): void;
  takeSnapshot(): Uint8Array;
  restore(data: Uint8Array): void;
}

export interface RaftNodeOptions {
  readonly id: NodeId;
  readonly dataDir: string;
  /** Initial members (id -> address), this node included; {} to start from existing state only. With `join`, only address hints. */
  readonly peers: Record<NodeId, string>;
  /** Start as a new member of an existing cluster (added with addMember by the leader). */
  readonly join?: boolean;
  readonly secret: string;
  /** Bind address for the built-in gRPC transport (default 127.0.0.1:0). */
  readonly listen?: string;
  /** Use this transport instead of binding a gRPC server. */
  readonly transport?: RaftTransport;
  readonly fsm: StateMachine;
  readonly logger?: Logger;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  /** Take a snapshot after this many applied entries (default 10000). */
  readonly snapshotEntries?: number;
  /** Entries kept behind a snapshot for slow followers (default 1000). */
  readonly catchUpEntries?: number;
  readonly proposalTimeoutMs?: number;
  readonly readTimeoutMs?: number;
  /** Flow control per follower: bytes per append message (1 MiB), messages in flight (256), bytes in flight (16 MiB). */
  readonly maxSizePerMsg?: number;
  readonly maxInflightMsgs?: number;
  readonly maxInflightBytes?: number;
}

/** Thrown when the node is stopped or its storage failed. */
export class RaftStoppedError extends RaftError {
  readonly code = 'RAFT_STOPPED';
  constructor(readonly nodeId: NodeId, options?: { cause?: unknown }) {
    super(`raft node ${nodeId} is stopped`, options);
  }
}

export interface RaftNodeStats {
  /** Ready batches handled. */
  readonly readies: number;
  readonly proposals: number;
  /** Batches the proposals were appended in (proposals / proposalBatches = mean batch). */
  readonly proposalBatches: number;
  /** Messages handed to the transport, of which `appends` were append messages carrying `entriesSent` entries. */
  readonly messages: number;
  readonly appends: number;
  readonly entriesSent: number;
  readonly fsyncs: number;
  readonly walRecords: number;
}

export class RaftNode {
  private readonly applyListeners = new Set<(e: Entry) => void>();
  private readonly leaderListeners = new Set<(leader: NodeId, isLeader: boolean) => void>();
  private readonly waiters = new Waiters();
  private readonly counters = { readies: 0, proposals: 0, proposalBatches: 0, messages: 0, appends: 0, entriesSent: 0 };
  private readonly addresses: Record<NodeId, string>;
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readSeq = 0;
  private snapshotIndex: number;
  private leader: NodeId = '';
  private savedHardState: HardState;
  private unsavedHardState: HardState | undefined;
  private readonly proposals = new ProposalQueue();
  /** A snapshot being written in the background, if any. */
  private snapshotting: Promise<void> | undefined;
  private storageFailed = false;
  private proposalsScheduled = false;

  private constructor(
    private readonly opts: RaftNodeOptions,
    private readonly core: Raft,
    private readonly mem: MemoryStorage,
    private readonly wal: Wal,
    private readonly snaps: SnapshotStore,
    private readonly transport: RaftTransport,
    private readonly log: Logger,
  ) {
    this.addresses = { ...opts.peers };
    this.savedHardState = mem.getHardState();
    this.snapshotIndex = mem.snapshot().meta.index;
    for (const [id, addr] of Object.entries(this.addresses)) transport.setPeer(id, addr);
    transport.setHandler((m) => {
      if (this.stopped) return;
      this.core.step(m);
      this.kick();
    });
    this.timer = setInterval(() => {
      this.core.tick();
      this.kick();
    }, opts.tickMs ?? 100);
  }

  static async start(opts: RaftNodeOptions): Promise<RaftNode> {
    // Empty peers is fine (the configuration comes from existing state); a
    // non-empty list that forgets this node would leave it unable to vote.
    if (!opts.join && Object.keys(opts.peers).length > 0 && opts.peers[opts.id] === undefined) {
      throw new InvalidConfChangeError(`initial peers must include this node (${opts.id}); use join for a new member`);
    }
    const log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'raft', node: opts.id });
    const { wal, state } = await Wal.open({ dir: join(opts.dataDir, 'wal'), logger: log });
    const snaps = new SnapshotStore(join(opts.dataDir, 'snap'));
    const mem = new MemoryStorage();
    let restored: Snapshot | undefined;
    if (state.snapshot) {
      try {
        restored = await snaps.load(state.snapshot.index, state.snapshot.term);
      } catch (e) {
        await wal.close();
        throw e;
      }
      mem.applySnapshot(restored);
    }
    mem.append(state.entries);
    mem.setHardState(state.hardState);
    const core = new Raft({
      id: opts.id,
      peers: opts.join ? [] : Object.keys(opts.peers),
      storage: mem,
      electionTick: opts.electionTicks ?? 10,
      heartbeatTick: opts.heartbeatTicks ?? 1,
      rand: Math.random,
      maxSizePerMsg: opts.maxSizePerMsg ?? 1024 * 1024,
      maxInflightMsgs: opts.maxInflightMsgs ?? 256,
      maxInflightBytes: opts.maxInflightBytes ?? 16 * 1024 * 1024,
    });
    let transport = opts.transport;
    if (!transport) {
      try {
        transport = await GrpcTransport.listen({ id: opts.id, listen: opts.listen ?? '127.0.0.1:0', secret: opts.secret, logger: log });
      } catch (e) {
        await wal.close();
        throw e;
      }
    }
    const node = new RaftNode(opts, core, mem, wal, snaps, transport, log);
    if (restored) node.restoreSnapshot(restored);
    log.info({ address: transport.address, term: state.hardState.term, snapshot: state.snapshot?.index ?? 0, entries: state.entries.length }, 'raft node started');
    node.kick();
    return node;
  }

  // ---- public API --------------------------------------------------------------------

  get id(): NodeId {
    return this.opts.id;
  }

  get address(): string {
    return this.transport.address;
  }

  get leaderId(): NodeId {
    return this.core.lead;
  }

  get isLeader(): boolean {
    return this.core.role === 'leader';
  }

  status(): { id: NodeId; role: string; term: number; leader: NodeId; commit: number; applied: number; voters: readonly NodeId[] } {
    const c = this.core;
    return { id: c.id, role: c.role, term: c.term, leader: c.lead, commit: c.log.committed, applied: c.log.applied, voters: c.confState().voters };
  }

  /** Counters since start, for benchmarks and diagnosis. */
  stats(): RaftNodeStats {
    return { ...this.counters, fsyncs: this.wal.stats.fsyncs, walRecords: this.wal.stats.records };
  }

  onApply(cb: (e: Entry) => void): () => void {
    this.applyListeners.add(cb);
    return () => this.applyListeners.delete(cb);
  }

  onLeaderChange(cb: (leader: NodeId, isLeader: boolean) => void): () => void {
    this.leaderListeners.add(cb);
    return () => this.leaderListeners.delete(cb);
  }

  /**
   * Resolves once the entry is applied locally; NotLeaderError carries the leader to forward to.
   * Proposals made while a Ready is being handled (or in the same event-loop turn) are
   * appended together: one batch of entries, one append message per follower, one fsync.
   */
  propose(data: Uint8Array): Promise<{ index: number }> {
    if (this.stopped) return Promise.reject(new RaftStoppedError(this.id));
    try {
      this.core.checkCanPropose();
    } catch (e) {
      return Promise.reject(e);
    }
    const done = this.proposals.push(data);
    this.scheduleProposals();
    return done;
  }

  /** Resolves when local state reflects every write committed before the call (linearizable read). */
  readIndex(): Promise<void> {
    if (this.stopped) return Promise.reject(new RaftStoppedError(this.id));
    const ctx = `${this.id}/${++this.readSeq}`;
    try {
      this.core.readIndex(ctx);
    } catch (e) {
      return Promise.reject(e);
    }
    // Register before kicking: the Ready loop can confirm the read synchronously (a
    // single-member group needs no heartbeat round), and an unregistered read is lost.
    const done = this.waiters.read(ctx, this.opts.readTimeoutMs ?? 5000);
    this.kick();
    return done;
  }

  async addMember(id: NodeId, address: string): Promise<void> {
    this.addresses[id] = address;
    this.transport.setPeer(id, address);
    // The entry carries the whole address book, so the new member can reach everyone.
    const context = JSON.stringify(this.addresses);
    await this.call('addMember', () => this.core.proposeConfChange({ type: 'add', nodeId: id, context }));
  }

  async removeMember(id: NodeId): Promise<void> {
    await this.call('removeMember', () => this.core.proposeConfChange({ type: 'remove', nodeId: id }));
  }

  /** Hands leadership to `to`; resolves when this node sees `to` lead. */
  transferLeadership(to: NodeId): Promise<void> {
    try {
      this.core.transferLeadership(to);
    } catch (e) {
      return Promise.reject(e);
    }
    this.kick();
    const ms = 2 * (this.opts.electionTicks ?? 10) * (this.opts.tickMs ?? 100);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new RaftTimeoutError(`transfer to ${to}`, ms));
      }, ms);
      const off = this.onLeaderChange((leader) => {
        if (leader !== to) return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.transport.stop();
    await this.running;
    await this.snapshotting;
    await this.wal.close();
    this.proposals.failAll(new RaftStoppedError(this.id));
    this.waiters.failAll(new RaftStoppedError(this.id));
    this.log.info('raft node stopped');
  }

  // ---- internals -------------------------------------------------------------------------

  private call(op: string, fn: () => { index: number; term: number }): Promise<{ index: number }> {
    if (this.stopped) return Promise.reject(new RaftStoppedError(this.id));
    let p: { index: number; term: number };
    try {
      p = fn();
    } catch (e) {
      return Promise.reject(e);
    }
    const done = this.waiters.proposal(op, p.index, p.term, this.opts.proposalTimeoutMs ?? 30_000);
    this.kick();
    return done;
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
      // Proposed after the loop's last look (from a continuation it resolved): go again.
      if (this.proposals.length > 0) this.scheduleProposals();
    });
  }

  /** Runs the Ready loop soon; a running loop takes the queue before its next Ready. */
  private scheduleProposals(): void {
    if (this.running || this.proposalsScheduled) return;
    this.proposalsScheduled = true;
    // Wait for the rest of this turn so concurrent proposers share one batch.
    setImmediate(() => {
      this.proposalsScheduled = false;
      this.kick();
    });
  }

  private flushProposals(): void {
    if (this.proposals.length === 0) return;
    if (this.stopped) {
      this.proposals.failAll(new RaftStoppedError(this.id));
      return;
    }
    const n = this.proposals.flush(this.core, this.waiters, this.opts.proposalTimeoutMs ?? 30_000);
    if (n === 0) return;
    this.counters.proposalBatches++;
    this.counters.proposals += n;
  }

  private async loop(): Promise<void> {
    try {
      for (;;) {
        this.flushProposals();
        if (this.stopped || !this.core.hasReady()) break;
        await this.handleReady(this.core.ready());
      }
    } catch (e) {
      this.failStorage(e);
    }
  }

  /** After a storage error the on-disk state is unknown: fail everything and stop. */
  private failStorage(e: unknown): void {
    if (this.storageFailed) return;
    this.storageFailed = true;
    this.log.fatal({ err: e }, 'raft storage failed; stopping node');
    this.waiters.failAll(new RaftStoppedError(this.id, { cause: e }));
    this.proposals.failAll(new RaftStoppedError(this.id, { cause: e }));
    this.stopped = true;
    clearInterval(this.timer);
    void this.transport.stop();
  }

  private async handleReady(rd: Ready): Promise<void> {
    this.counters.readies++;
    for (const m of rd.messages) if (canSendBeforePersist(m)) this.send(m); // overlap with our fsync
    // Committed entries that an earlier Ready already made durable here need not wait
    // for this Ready's fsync: apply them (and answer their proposers) while it runs.
    const early = rd.snapshot ? 0 : durablePrefix(rd.committedEntries, rd.entries[0]?.index ?? Infinity);
    for (let i = 0; i < early; i++) this.applyEntry(rd.committedEntries[i] as Entry);
    if (rd.snapshot) {
      await this.snapshotting; // one snapshot writer at a time
      await this.snaps.save(rd.snapshot);
    }
    if (rd.hardState) this.unsavedHardState = rd.hardState;
    // A commit-index change alone needs no fsync: a lower commit after a crash is re-learned.
    const hs = this.unsavedHardState;
    const mustSync = rd.entries.length > 0 || rd.snapshot !== undefined ||
      (hs !== undefined && (hs.term !== this.savedHardState.term || hs.vote !== this.savedHardState.vote));
    if (mustSync) {
      await this.wal.save(hs, rd.entries, rd.snapshot?.meta);
      if (hs) this.savedHardState = hs;
      this.unsavedHardState = undefined;
    }
    if (rd.snapshot) await this.snaps.pruneBefore(rd.snapshot.meta.index); // the WAL now points at the new one
    if (rd.snapshot && rd.snapshot.meta.index > this.mem.snapshot().meta.index) this.mem.applySnapshot(rd.snapshot);
    this.mem.append(rd.entries);
    if (rd.hardState) this.mem.setHardState(rd.hardState);
    for (const m of coalesceAcks(rd.messages)) if (!canSendBeforePersist(m)) this.send(m);
    if (rd.snapshot) this.restoreSnapshot(rd.snapshot);
    for (let i = early; i < rd.committedEntries.length; i++) this.applyEntry(rd.committedEntries[i] as Entry);
    for (const rs of rd.readStates) this.waiters.readConfirmed(rs.context, rs.index);
    this.core.advance(rd);
    this.waiters.resolveReads(this.core.log.applied);
    if (rd.softState && rd.softState.leader !== this.leader) {
      this.leader = rd.softState.leader;
      this.log.info({ leader: this.leader, term: this.core.term }, 'leader changed');
      for (const cb of this.leaderListeners) cb(this.leader, this.leader === this.id);
      if (this.leader !== this.id) this.waiters.failUnconfirmedReads(this.id, this.leader);
    }
    this.maybeSnapshot();
  }

  private send(m: Message): void {
    this.counters.messages++;
    if (m.type === 'app') {
      this.counters.appends++;
      this.counters.entriesSent += m.entries?.length ?? 0;
    }
    this.transport.send(m);
  }

  private restoreSnapshot(s: Snapshot): void {
    const d = decodeNodeSnapshot(s.data);
    Object.assign(this.addresses, d.addresses);
    for (const [id, addr] of Object.entries(d.addresses)) this.transport.setPeer(id, addr);
    this.opts.fsm.restore(d.fsm);
    this.snapshotIndex = Math.max(this.snapshotIndex, s.meta.index);
  }

  private applyEntry(e: Entry): void {
    if (e.type === EntryType.ConfChange) {
      const cc = decodeConfChange(e.data);
      if (cc.type === 'add' && cc.context) {
        const book = JSON.parse(cc.context) as Record<NodeId, string>;
        for (const [id, addr] of Object.entries(book)) {
          if (this.addresses[id] !== undefined && id !== cc.nodeId) continue; // ours may be newer
          this.addresses[id] = addr;
          this.transport.setPeer(id, addr);
        }
      } else if (cc.type === 'remove' && cc.nodeId !== this.id) {
        delete this.addresses[cc.nodeId];
        this.transport.removePeer(cc.nodeId);
      }
      this.log.info({ change: cc.type, member: cc.nodeId, voters: cc.voters }, 'membership changed');
    } else if (e.data.byteLength > 0) {
      this.opts.fsm.apply(e);
      for (const cb of this.applyListeners) cb(e);
    }
    this.waiters.applied(e);
  }

  /**
   * Starts a snapshot once enough entries were applied. It runs beside the Ready loop
   * (file write, fsyncs, WAL marker, compaction) so that writes do not stall behind it.
   */
  private maybeSnapshot(): void {
    const applied = this.core.log.applied;
    const every = this.opts.snapshotEntries ?? 10_000;
    if (this.snapshotting || applied - this.snapshotIndex < every || this.core.confIndex > applied) return;
    const data = encodeNodeSnapshot({ addresses: this.addresses, fsm: this.opts.fsm.takeSnapshot() });
    const snap = this.mem.createSnapshot(applied, this.core.confState(), data);
    this.snapshotIndex = applied;
    this.snapshotting = this.persistSnapshot(snap)
      .catch((e: unknown) => this.failStorage(e))
      .finally(() => {
        this.snapshotting = undefined;
      });
  }

  private async persistSnapshot(snap: Snapshot): Promise<void> {
    const applied = snap.meta.index;
    await this.snaps.save(snap);
    await this.wal.save(undefined, [], snap.meta); // the file is durable: point the WAL at it
    const compactTo = applied - (this.opts.catchUpEntries ?? 1000);
    if (compactTo > this.mem.firstIndex()) {
      this.mem.compact(compactTo);
      await this.wal.releaseTo(compactTo);
    }
    await this.snaps.pruneBefore(applied);
    this.log.info({ index: applied, compactedTo: compactTo }, 'snapshot taken');
  }

}

/** How many of `committed` (ascending) lie below `firstUnstable`, i.e. are already in stable storage. */
function durablePrefix(committed: readonly Entry[], firstUnstable: number): number {
  let n = 0;
  while (n < committed.length && (committed[n] as Entry).index < firstUnstable) n++;
  return n;
}
