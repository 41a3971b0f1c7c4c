// Follows Raft leadership: the control loops run only on the leader. On winning an
// election the new leader first catches its state up to everything committed (a
// ReadIndex), then records itself as leader in the store and starts the loops.
import type { Logger } from 'pino';
import type { RaftNode } from '../../raft/index.js';
import type { Store } from '../../store/store.js';
import type { LeaderDuties } from '../leader-duties.js';

export interface SelfDescription {
  nodeId: string;
  hostname: string;
  clusterAddr: string;
  raftAddr: string;
  apiAddr: string;
  availability: 'active' | 'drain';
}

/** How long a new leader retries catching up before giving the term up as failed. */
const CATCH_UP_ATTEMPTS = 20;

export class Leadership {
  private off?: () => void;
  private generation = 0;

  constructor(
    private readonly o: { raft: RaftNode; store: Store; duties: LeaderDuties; self: SelfDescription; log: Logger },
  ) {}

  start(): void {
    this.off = this.o.raft.onLeaderChange((leader, isLeader) => void this.onChange(leader, isLeader));
    if (this.o.raft.isLeader) void this.onChange(this.o.self.nodeId, true);
  }

  stop(): void {
    this.off?.();
    this.generation++;
  }

  private async onChange(leader: string, isLeader: boolean): Promise<void> {
    const gen = ++this.generation;
    if (!isLeader) {
      if (this.o.duties.running) this.o.log.info({ leader }, 'lost leadership: stopping control loops');
      this.o.duties.stop();
      return;
    }
    for (let attempt = 0; attempt < CATCH_UP_ATTEMPTS && gen === this.generation; attempt++) {
      try {
        await this.o.raft.readIndex();
        await this.recordLeader();
        if (gen !== this.generation || !this.o.raft.isLeader) return;
        this.o.duties.start();
        this.o.log.info({ node: this.o.self.nodeId }, 'became leader: control loops started');
        return;
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message, attempt }, 'new leader could not catch up yet; retrying');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** The store says who leads (node ls, API forwarding, worker failover lists). */
  private async recordLeader(): Promise<void> {
    const me = this.o.self;
    await this.o.store.update((tx) => {
      for (const n of tx.all('nodes')) {
        if (!n.ManagerStatus) continue;
        const leader = n.ID === me.nodeId;
        if (n.ManagerStatus.Leader !== leader || (leader && n.ManagerStatus.ApiAddr !== me.apiAddr)) {
          tx.update('nodes', n.ID, (d) => {
            d.ManagerStatus = {
              ...(d.ManagerStatus ?? { Reachability: 'reachable', Addr: me.clusterAddr }),
              Leader: leader,
              ...(leader ? { Reachability: 'reachable' as const, Addr: me.clusterAddr, RaftAddr: me.raftAddr, ApiAddr: me.apiAddr } : {}),
            };
          });
        }
      }
    });
  }
}
