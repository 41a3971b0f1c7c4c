// In-memory RaftTransport with a fault-injecting hub: drops, delays (and so
// reorders) and partitions messages between RaftNodes in one process.

import type { RaftTransport } from '../../src/raft/transport-grpc.js';
import type { Message, NodeId } from '../../src/raft/types.js';
import type { Rand } from './prng.js';

export class MemHub {
  private readonly endpoints = new Map<NodeId, MemTransport>();
  private readonly cut = new Set<string>();
  dropRate = 0;
  maxDelayMs = 3;

  constructor(private readonly rand: Rand) {}

  connect(id: NodeId): MemTransport {
    const t = new MemTransport(id, this);
    this.endpoints.set(id, t);
    return t;
  }

  disconnect(t: MemTransport): void {
    if (this.endpoints.get(t.address) === t) this.endpoints.delete(t.address);
  }

  isolate(id: NodeId): void {
    for (const other of this.endpoints.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  route(m: Message): void {
    if (this.cut.has(`${m.from}>${m.to}`) || this.rand() < this.dropRate) return;
    const delay = Math.floor(this.rand() * (this.maxDelayMs + 1));
    setTimeout(() => {
      if (this.cut.has(`${m.from}>${m.to}`)) return;
      this.endpoints.get(m.to)?.deliver(m);
    }, delay);
  }
}

export class MemTransport implements RaftTransport {
  private handler: (m: Message) => void = () => {};
  private stopped = false;

  constructor(readonly address: NodeId, private readonly hub: MemHub) {}

  setHandler(onMessage: (m: Message) => void): void {
    this.handler = onMessage;
  }

  deliver(m: Message): void {
    if (!this.stopped) this.handler(m);
  }

  send(m: Message): void {
    if (!this.stopped) this.hub.route(m);
  }

  setPeer(): void {}

  removePeer(): void {}

  async stop(): Promise<void> {
    this.stopped = true;
    this.hub.disconnect(this);
  }
}
