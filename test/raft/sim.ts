// Deterministic cluster simulator. One seed drives everything: message loss,
// delay, duplication, reordering, (asymmetric) partitions, crashes that lose
// unpersisted state, restarts, membership changes, compaction, leader
// transfers, reads and proposals. Safety is checked after every step;
// liveness after the network heals. The same seed always replays the same run.

import { RaftError } from '../../src/raft/errors.js';
import { MemoryStorage } from '../../src/raft/memory-storage.js';
import { Raft } from '../../src/raft/raft.js';
import { canSendBeforePersist, type Entry, EntryType, type Message, type NodeId, type Ready, type Snapshot } from '../../src/raft/types.js';
import { mulberry32, pick, randInt, type Rand } from './prng.js';
import { SafetyChecker, SafetyViolation, chainHash } from './sim-checks.js';
import { SimNetwork } from './sim-network.js';
import { KvClients } from './sim-kv.js';

export interface SimOptions {
  readonly seed: number;
  readonly nodes: number;
  /** Chaos steps before healing (one step = one tick of every live node). */
  readonly steps?: number;
  /** Ticks allowed after healing for a leader to commit a fresh proposal. */
  readonly livenessTicks?: number;
  /**
   * Deliberate driver bug, to prove the checkers can fail: 'forgetVote'
   * drops the persisted vote on restart (as if it was never fsynced);
   * 'localRead' serves reads from local state without ReadIndex.
   */
  readonly bug?: 'forgetVote' | 'localRead';
  /** Record every delivered message in the trace too. */
  readonly verbose?: boolean;
}

export interface SimResult {
  readonly ok: boolean;
  readonly seed: number;
  readonly error?: string;
  readonly trace: string[];
  readonly stats: { proposals: number; applied: number; elections: number; snapshots: number; confChanges: number; reads: number };
}

interface SimNode {
  readonly id: NodeId;
  readonly storage: MemoryStorage; // what survives a crash
  readonly peers: NodeId[];
  raft: Raft | undefined; // undefined while crashed
  fsm: Fsm;
}

interface Fsm {
  index: number;
  hash: number;
  kv: Map<string, string>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const ELECTION_TICK = 10;
const KEYS = ['x', 'y'];

const emptyFsm = (): Fsm => ({ index: 0, hash: 0, kv: new Map() });

function encodeFsm(f: Fsm): Uint8Array {
  return enc.encode(JSON.stringify({ index: f.index, hash: f.hash, kv: [...f.kv] }));
}

function decodeFsm(s: Snapshot): Fsm {
  const o = JSON.parse(dec.decode(s.data)) as { index: number; hash: number; kv: [string, string][] };
  return { index: o.index, hash: o.hash, kv: new Map(o.kv) };
}

export class Simulation {
  private readonly rand: Rand;
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly net: SimNetwork;
  private readonly checker = new SafetyChecker();
  readonly trace: string[] = [];
  private now = 0;
  private nextNodeId: number;
  private valueSeq = 0;
  private readonly pendingReads = new Map<string, number>();
  private readonly stats = { proposals: 0, applied: 0, elections: 0, snapshots: 0, confChanges: 0, reads: 0 };
  // Per-seed fault rates, so that different seeds explore different regimes.
  private readonly maxEntriesPerMsg: number;
  private readonly chaos: number;
  private readonly maxInflight: number;
  private readonly healthy = { on: false };
  private readonly kv = new KvClients();
  private readonly highWater = new Map<NodeId, { term: number; commit: number }>();

  constructor(private readonly opts: SimOptions) {
    this.rand = mulberry32(opts.seed);
    this.net = new SimNetwork(this.rand, this.rand() * 0.2, this.rand() * 0.05, randInt(this.rand, 1, 6));
    this.maxEntriesPerMsg = randInt(this.rand, 1, 4);
    this.chaos = 0.5 + this.rand() * 3;
    this.maxInflight = randInt(this.rand, 1, 5);
    const ids = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
    this.nextNodeId = opts.nodes + 1;
    for (const id of ids) this.createNode(id, ids);
    this.log(`seed=${opts.seed} nodes=${opts.nodes} drop=${this.net.pDrop.toFixed(3)} dup=${this.net.pDup.toFixed(3)} maxDelay=${this.net.maxDelay} maxEntries=${this.maxEntriesPerMsg} inflight=${this.maxInflight} chaos=${this.chaos.toFixed(2)}`);
  }

  private log(s: string): void {
    this.trace.push(`[${this.now}] ${s}`);
  }

  private createNode(id: NodeId, peers: NodeId[]): SimNode {
    const n: SimNode = { id, storage: new MemoryStorage(), peers, raft: undefined, fsm: emptyFsm() };
    this.nodes.set(id, n);
    this.start(n);
    return n;
  }

  private start(n: SimNode): void {
    if (this.opts.bug === 'forgetVote') n.storage.setHardState({ ...n.storage.getHardState(), vote: '' });
    const snap = n.storage.snapshot();
    n.fsm = snap.meta.index > 0 ? decodeFsm(snap) : emptyFsm();
    n.raft = new Raft({
      id: n.id,
      peers: n.peers,
      storage: n.storage,
      electionTick: ELECTION_TICK,
      heartbeatTick: 1,
      rand: this.rand,
      maxInflightMsgs: this.maxInflight,
      maxEntriesPerMsg: this.maxEntriesPerMsg,
      maxSizePerMsg: 4096,
    });
  }

  private up(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.raft !== undefined);
  }

  private leaders(): SimNode[] {
    return this.up().filter((n) => n.raft?.role === 'leader');
  }

  // ---- the driver: persist, send, apply ---------------------------------------------

  private handleReady(n: SimNode, r: Raft): void {
    const rd: Ready = r.ready();
    for (const m of rd.messages) if (canSendBeforePersist(m)) this.send(m);
    if (!this.healthy.on && this.rand() < 0.003 * this.chaos) {
      this.tornCrash(n, rd);
      return;
    }
    if (rd.snapshot && rd.snapshot.meta.index > n.storage.snapshot().meta.index) n.storage.applySnapshot(rd.snapshot);
    n.storage.append(rd.entries);
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    for (const m of rd.messages) if (!canSendBeforePersist(m)) this.send(m);
    if (rd.snapshot) {
      n.fsm = decodeFsm(rd.snapshot);
      this.checker.observeHash(n.id, n.fsm.index, n.fsm.hash);
    }
    for (const e of rd.committedEntries) this.apply(n, e);
    for (const rs of rd.readStates) {
      const startedAt = this.pendingReads.get(rs.context);
      if (startedAt !== undefined) SafetyChecker.checkRead(n.id, rs.context, rs.index, startedAt);
      this.pendingReads.delete(rs.context);
      this.kv.readIndexKnown(rs.context, rs.index);
    }
    this.kv.progress(n.id, n.fsm.index, n.fsm.kv, rd.committedEntries);
    r.advance(rd);
  }

  /**
   * Crash in the middle of persisting a Ready: a prefix of what the WAL would
   * write (snapshot marker, entries, hard state) survives; nothing was sent.
   */
  private tornCrash(n: SimNode, rd: Ready): void {
    const keepSnap = rd.snapshot !== undefined && this.rand() < 0.5;
    if (keepSnap && rd.snapshot && rd.snapshot.meta.index > n.storage.snapshot().meta.index) n.storage.applySnapshot(rd.snapshot);
    const allowEntries = rd.snapshot === undefined || keepSnap;
    const kept = allowEntries ? randInt(this.rand, 0, rd.entries.length + 1) : 0;
    n.storage.append(rd.entries.slice(0, kept));
    if (allowEntries && kept === rd.entries.length && rd.hardState && this.rand() < 0.5) n.storage.setHardState(rd.hardState);
    n.raft = undefined;
    this.kv.crashed(n.id);
    this.log(`torn crash ${n.id}: kept ${kept}/${rd.entries.length} entries${rd.snapshot ? `, snapshot ${keepSnap ? 'kept' : 'lost'}` : ''}`);
  }

  private apply(n: SimNode, e: Entry): void {
    if (e.index !== n.fsm.index + 1) {
      throw new SafetyViolation('apply order', `${n.id} applied ${e.index} after ${n.fsm.index}`);
    }
    n.fsm.index = e.index;
    n.fsm.hash = chainHash(n.fsm.hash, e);
    const put = e.type === EntryType.Normal ? KvClients.decodePut(e) : undefined;
    if (put) n.fsm.kv.set(put[0], put[1]);
    this.checker.observeApply(n.id, e, n.fsm.hash);
    if (e.type === EntryType.Normal && e.data.length > 0) this.stats.applied++;
  }

  private send(m: Message): void {
    this.net.send(m, this.now);
  }

  private deliver(): void {
    for (const m of this.net.takeDue(this.now)) {
      const dst = this.nodes.get(m.to)?.raft;
      if (!dst || this.net.isCut(m.from, m.to)) continue;
      if (this.opts.verbose) this.log(`deliver ${m.type} ${m.from}>${m.to} t${m.term} i${m.index ?? ''} n${m.entries?.length ?? ''} c${m.commit ?? ''}${m.reject ? ' reject' : ''}`);
      dst.step(m);
    }
  }

  // ---- one step ------------------------------------------------------------------------

  step(chaos: boolean): void {
    this.now++;
    if (chaos) this.randomEvent();
    for (const n of this.up()) n.raft?.tick();
    this.deliver();
    for (const n of this.up()) {
      const r = n.raft;
      if (!r) continue;
      // Sometimes leave a Ready unpersisted, so a crash can lose it.
      if (r.hasReady() && (this.healthy.on || this.rand() < 0.85)) this.handleReady(n, r);
    }
    this.checkSafety();
  }

  private checkSafety(): void {
    for (const n of this.leaders()) {
      const r = n.raft as Raft;
      this.checker.observeLeader(n.id, r.term, r.log);
    }
    for (const n of this.up()) {
      const r = n.raft as Raft;
      const { applied, committed } = r.log;
      if (!(applied <= committed && committed <= r.log.lastIndex())) {
        throw new SafetyViolation('log invariant', `${n.id}: applied ${applied} committed ${committed} last ${r.log.lastIndex()}`);
      }
      // Terms and durable commit never go backwards, across restarts included.
      const seen = this.highWater.get(n.id) ?? { term: 0, commit: 0 };
      const hs = n.storage.getHardState();
      if (r.term < seen.term || hs.term < seen.term || hs.commit < seen.commit) {
        throw new SafetyViolation('monotonicity', `${n.id}: term ${r.term}/${hs.term} commit ${hs.commit} after term ${seen.term} commit ${seen.commit}`);
      }
      this.highWater.set(n.id, { term: hs.term, commit: hs.commit });
    }
    if (this.now % 10 !== 0) return;
    const up = this.up();
    for (let i = 0; i < up.length; i++) {
      for (let j = i + 1; j < up.length; j++) {
        const a = up[i] as SimNode;
        const b = up[j] as SimNode;
        SafetyChecker.checkLogMatching({ id: a.id, log: (a.raft as Raft).log }, { id: b.id, log: (b.raft as Raft).log });
      }
    }
  }

  private randomEvent(): void {
    if (this.rand() < 0.25) this.propose();
    if (this.rand() < 0.1) this.read();
    // Fault events, scaled by the seed's chaos level.
    const events: [number, () => void][] = [
      [0.02, () => this.crash()],
      [0.01, () => this.crash(this.leaders())],
      [0.01, () => this.isolateLeader()],
      [0.04, () => this.restart()],
      [0.02, () => this.partition()],
      [0.015, () => this.heal()],
      [0.01, () => this.confChange()],
      [0.02, () => this.compact()],
      [0.005, () => this.transfer()],
      [0.02, () => this.read()],
    ];
    for (const [p, run] of events) if (this.rand() < p * this.chaos) run();
  }

  private propose(): boolean {
    const ls = this.leaders();
    if (ls.length === 0) return false;
    const n = pick(this.rand, ls);
    const v = `v${++this.valueSeq}`;
    const key = pick(this.rand, KEYS);
    try {
      const p = (n.raft as Raft).propose(KvClients.encodePut(key, v));
      this.kv.writeCalled(n.id, key, v, p.index, p.term);
      this.stats.proposals++;
      this.log(`propose ${v} at ${n.id}`);
      return true;
    } catch (e) {
      if (e instanceof RaftError) return false;
      throw e;
    }
  }

  private crash(among: SimNode[] = this.up()): void {
    const up = among;
    if (up.length === 0) return;
    const n = pick(this.rand, up);
    n.raft = undefined; // unpersisted Ready state is lost with it
    this.kv.crashed(n.id);
    this.log(`crash ${n.id}`);
  }

  private restart(): void {
    const down = [...this.nodes.values()].filter((n) => !n.raft);
    if (down.length === 0) return;
    const n = pick(this.rand, down);
    this.start(n);
    this.log(`restart ${n.id} (term ${n.storage.getHardState().term}, commit ${n.storage.getHardState().commit}, snap ${n.storage.snapshot().meta.index})`);
  }

  private partition(): void {
    this.log(this.net.randomPartition([...this.nodes.keys()]));
  }

  /** Cuts a leader off from everyone (the classic way to get competing terms). */
  private isolateLeader(): void {
    const ls = this.leaders();
    if (ls.length === 0) return;
    const a = pick(this.rand, ls).id;
    this.net.isolate(a, this.nodes.keys());
    this.log(`isolate leader ${a}`);
  }

  private heal(): void {
    this.net.heal();
    this.log('heal');
  }

  private confChange(): void {
    const ls = this.leaders();
    if (ls.length === 0) return;
    const n = pick(this.rand, ls);
    const r = n.raft as Raft;
    const voters = r.confState().voters;
    const add = voters.length <= 3 || (voters.length < 6 && this.rand() < 0.5);
    const target = add ? `n${this.nextNodeId}` : pick(this.rand, voters);
    try {
      r.proposeConfChange({ type: add ? 'add' : 'remove', nodeId: target });
    } catch (e) {
      if (e instanceof RaftError) return;
      throw e;
    }
    if (add) {
      this.nextNodeId++;
      this.createNode(target, []);
    }
    this.stats.confChanges++;
    this.log(`conf change at ${n.id}: ${add ? 'add' : 'remove'} ${target}`);
  }

  private compact(): void {
    const up = this.up();
    if (up.length === 0) return;
    const n = pick(this.rand, up);
    const r = n.raft as Raft;
    const idx = r.log.applied;
    if (idx <= n.storage.snapshot().meta.index || r.confIndex > idx || n.fsm.index !== idx) return;
    n.storage.createSnapshot(idx, r.confState(), encodeFsm(n.fsm));
    n.storage.compact(idx);
    this.stats.snapshots++;
    this.log(`compact ${n.id} at ${idx}`);
  }

  private transfer(): void {
    const ls = this.leaders();
    if (ls.length === 0) return;
    const n = pick(this.rand, ls);
    const r = n.raft as Raft;
    const to = pick(this.rand, r.confState().voters);
    try {
      r.transferLeadership(to);
      this.log(`transfer ${n.id} -> ${to}`);
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
  }

  private read(): void {
    const up = this.up();
    if (up.length === 0) return;
    const n = pick(this.rand, up);
    const ctx = `r${this.now}-${n.id}-${this.stats.reads}`;
    if (this.opts.bug === 'localRead') {
      this.kv.readCalled(n.id, ctx, pick(this.rand, KEYS));
      this.kv.readIndexKnown(ctx, 0);
      this.kv.progress(n.id, n.fsm.index, n.fsm.kv, []);
      return;
    }
    try {
      n.raft?.readIndex(ctx);
      this.pendingReads.set(ctx, this.checker.maxApplied);
      this.kv.readCalled(n.id, ctx, pick(this.rand, KEYS));
      this.stats.reads++;
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
  }

  // ---- liveness ---------------------------------------------------------------------------

  /** Heals everything, restarts every node, then expects a fresh proposal applied everywhere. */
  checkLiveness(maxTicks: number): void {
    this.healthy.on = true;
    this.net.healthy = true;
    this.net.heal();
    for (const n of this.nodes.values()) if (!n.raft) this.start(n);
    this.log('liveness phase: healed, all nodes up');
    const value = `live-${this.opts.seed}`;
    let proposedAt: { id: NodeId; index: number; term: number } | undefined;
    for (let t = 0; t < maxTicks; t++) {
      this.step(false);
      const ls = this.leaders();
      const l = ls[0];
      if (!l || !l.raft) continue;
      if (!proposedAt || (proposedAt.term !== l.raft.term)) {
        try {
          const p = l.raft.propose(KvClients.encodePut('live', value));
          proposedAt = { id: l.id, ...p };
        } catch (e) {
          if (!(e instanceof RaftError)) throw e;
        }
        continue;
      }
      const members = l.raft.confState().voters;
      const done = members.every((id) => {
        const m = this.nodes.get(id);
        return m !== undefined && m.fsm.index >= (proposedAt?.index ?? Infinity);
      });
      if (done) {
        this.log(`liveness ok after ${t} ticks: ${l.id} leads term ${l.raft.term}`);
        return;
      }
    }
    const state = [...this.nodes.values()].map((n) => `${n.id}:${n.raft?.role}/t${n.raft?.term}/c${n.raft?.log.committed}/a${n.fsm.index}/l${n.raft?.log.lastIndex()}`);
    const prs = this.leaders().map((l) => `${l.id} voters=[${l.raft?.confState().voters.join(',')}] ` + [...(l.raft?.prs ?? [])].map(([id, p]) => `${id}:${p.state}/m${p.match}/n${p.next}/if${p.inflights.count()}${p.probeSent ? '/sent' : ''}`).join(' '));
    throw new SafetyViolation('liveness', `no fresh proposal applied on all members within ${maxTicks} ticks; ${state.join(' ')}; proposed ${JSON.stringify(proposedAt)}; ${prs.join('; ')}`);
  }

  run(): SimResult {
    try {
      const steps = this.opts.steps ?? 300;
      for (let i = 0; i < steps; i++) this.step(true);
      this.checkLiveness(this.opts.livenessTicks ?? 400);
      this.kv.check();
      this.stats.elections = this.countTerms();
      return { ok: true, seed: this.opts.seed, trace: this.trace, stats: this.stats };
    } catch (e) {
      const error = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
      return { ok: false, seed: this.opts.seed, error, trace: this.trace, stats: this.stats };
    }
  }

  private countTerms(): number {
    return Math.max(0, ...this.up().map((n) => n.raft?.term ?? 0));
  }
}

export function runSeed(opts: SimOptions): SimResult {
  return new Simulation(opts).run();
}
