// The simulator's network: per-message loss, duplication and delay (hence
// reordering), plus symmetric and asymmetric partitions. All randomness comes
// from the simulation's seeded source, so runs replay exactly.

import type { Message, NodeId } from '../../src/raft/types.js';
import { pick, randInt, type Rand } from './prng.js';

interface InFlight {
  readonly m: Message;
  readonly at: number;
}

export class SimNetwork {
  private inflight: InFlight[] = [];
  private readonly cut = new Set<string>();
  /** When healthy, nothing is dropped or duplicated (delays remain). */
  healthy = false;

  constructor(
    private readonly rand: Rand,
    readonly pDrop: number,
    readonly pDup: number,
    readonly maxDelay: number,
  ) {}

  send(m: Message, now: number): void {
    if (this.isCut(m.from, m.to)) return;
    if (!this.healthy && this.rand() < this.pDrop) return;
    const copies = !this.healthy && this.rand() < this.pDup ? 2 : 1;
    for (let i = 0; i < copies; i++) this.inflight.push({ m, at: now + randInt(this.rand, 0, this.maxDelay) });
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(`${from}>${to}`);
  }

  /** Messages due by `now`, in a random order (reordering). */
  takeDue(now: number): Message[] {
    const due = this.inflight.filter((f) => f.at <= now);
    this.inflight = this.inflight.filter((f) => f.at > now);
    for (let i = due.length - 1; i > 0; i--) {
      const j = randInt(this.rand, 0, i + 1);
      [due[i], due[j]] = [due[j] as InFlight, due[i] as InFlight];
    }
    return due.map((f) => f.m);
  }

  heal(): void {
    this.cut.clear();
  }

  isolate(a: NodeId, ids: Iterable<NodeId>): void {
    for (const b of ids) {
      if (b === a) continue;
      this.cut.add(`${a}>${b}`);
      this.cut.add(`${b}>${a}`);
    }
  }

  /** Replaces the current partition with a random one; returns a description. */
  randomPartition(ids: NodeId[]): string {
    this.cut.clear();
    const kind = this.rand();
    if (kind < 0.4) {
      const side = ids.filter(() => this.rand() < 0.5);
      for (const a of side) for (const b of ids) if (!side.includes(b)) {
        this.cut.add(`${a}>${b}`);
        this.cut.add(`${b}>${a}`);
      }
      return `partition [${side.join(',')}] | rest`;
    }
    const a = pick(this.rand, ids);
    if (kind < 0.7) {
      for (const b of ids) if (b !== a) this.cut.add(`${a}>${b}`);
      return `asymmetric: ${a} cannot send`;
    }
    for (const b of ids) if (b !== a) this.cut.add(`${b}>${a}`);
    return `asymmetric: ${a} cannot receive`;
  }
}
