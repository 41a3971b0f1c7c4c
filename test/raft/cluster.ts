// A deterministic in-memory cluster for scenario tests: every Ready is
// persisted at once, messages are delivered in rounds, links can be cut.

import { MemoryStorage } from '../../src/raft/memory-storage.js';
import { Raft, type RaftConfig } from '../../src/raft/raft.js';
import { type Entry, EntryType, type Message, type NodeId, type ReadState } from '../../src/raft/types.js';
import { mulberry32 } from './prng.js';

export interface ClusterNode {
  raft: Raft;
  storage: MemoryStorage;
  applied: Entry[];
  readStates: ReadState[];
}

export type ClusterOptions = Partial<Omit<RaftConfig, 'id' | 'storage' | 'peers' | 'rand'>> & { seed?: number };

export class Cluster {
  readonly nodes = new Map<NodeId, ClusterNode>();
  inbox: Message[] = [];
  /** Every message ever sent, for assertions on traffic. */
  readonly sent: Message[] = [];
  private readonly cut = new Set<string>();
  /** Extra per-message drop rule. */
  drop: (m: Message) => boolean = () => false;
  private readonly rand;

  constructor(ids: NodeId[], readonly opts: ClusterOptions = {}) {
    this.rand = mulberry32(opts.seed ?? 1);
    for (const id of ids) this.add(id, ids);
  }

  add(id: NodeId, peers: NodeId[]): ClusterNode {
    const storage = new MemoryStorage();
    const raft = new Raft({ electionTick: 10, heartbeatTick: 1, ...this.opts, id, peers, storage, rand: this.rand });
    const n: ClusterNode = { raft, storage, applied: [], readStates: [] };
    this.nodes.set(id, n);
    return n;
  }

  node(id: NodeId): ClusterNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  raft(id: NodeId): Raft {
    return this.node(id).raft;
  }

  /** Persists and applies every pending Ready; queues outgoing messages. */
  persist(): void {
    for (const n of this.nodes.values()) {
      while (n.raft.hasReady()) {
        const rd = n.raft.ready();
        if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
        n.storage.append(rd.entries);
        if (rd.hardState) n.storage.setHardState(rd.hardState);
        for (const m of rd.messages) {
          this.sent.push(m);
          this.inbox.push(m);
        }
        n.applied.push(...rd.committedEntries.filter((e) => e.type === EntryType.Normal && e.data.length > 0));
        n.readStates.push(...rd.readStates);
        n.raft.advance(rd);
      }
    }
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(`${from}>${to}`);
  }

  /** Delivers the messages queued now (one network round). Returns how many. */
  deliverRound(): number {
    this.persist();
    const batch = this.inbox;
    this.inbox = [];
    let n = 0;
    for (const m of batch) {
      if (this.isCut(m.from, m.to) || this.drop(m)) continue;
      const dst = this.nodes.get(m.to);
      if (!dst) continue;
      dst.raft.step(m);
      n++;
    }
    this.persist();
    return n;
  }

  stabilize(maxRounds = 1000): void {
    for (let i = 0; i < maxRounds; i++) {
      this.persist();
      if (this.inbox.length === 0) return;
      this.deliverRound();
    }
    throw new Error('cluster did not stabilize');
  }

  tick(ids: NodeId[] = [...this.nodes.keys()], times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const id of ids) this.raft(id).tick();
      this.stabilize();
    }
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  cutOneWay(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  campaign(id: NodeId): void {
    this.raft(id).campaign('preElection');
    this.stabilize();
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.raft.role === 'leader').map((n) => n.raft.id);
  }

  propose(id: NodeId, text: string): number {
    const { index } = this.raft(id).propose(new TextEncoder().encode(text));
    this.stabilize();
    return index;
  }

  appliedText(id: NodeId): string[] {
    return this.node(id).applied.map((e) => new TextDecoder().decode(e.data));
  }
}
