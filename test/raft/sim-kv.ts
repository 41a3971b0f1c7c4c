// Simulated clients of a replicated key-value store on top of the simulated
// cluster. Writes are proposals ("key=value"), reads go through ReadIndex
// and return the local value once applied >= read index. The recorded
// history is checked for linearizability at the end of a run.

import type { Entry, NodeId } from '../../src/raft/types.js';
import { type KvInput, type KvOutput, type Operation, checkKv } from './linearizability.js';
import { SafetyViolation } from './sim-checks.js';

const dec = new TextDecoder();

interface MutableOp {
  input: KvInput;
  output?: KvOutput;
  call: number;
  ret: number;
}

interface PendingRead {
  op: MutableOp;
  node: NodeId;
  index?: number;
}

export class KvClients {
  private clock = 0;
  private readonly history: MutableOp[] = [];
  private readonly writes = new Map<string, { op: MutableOp; node: NodeId; index: number; term: number }>();
  private readonly reads = new Map<string, PendingRead>();

  static encodePut(key: string, value: string): Uint8Array {
    return new TextEncoder().encode(`${key}=${value}`);
  }

  static decodePut(e: Entry): [string, string] | undefined {
    const s = dec.decode(e.data);
    const i = s.indexOf('=');
    return i > 0 ? [s.slice(0, i), s.slice(i + 1)] : undefined;
  }

  /** A write was accepted by `node` at (index, term); it completes when that node applies it. */
  writeCalled(node: NodeId, key: string, value: string, index: number, term: number): void {
    const op: MutableOp = { input: { op: 'put', key, value }, output: null, call: ++this.clock, ret: Infinity };
    this.history.push(op);
    this.writes.set(`${node}@${index}`, { op, node, index, term });
  }

  readCalled(node: NodeId, ctx: string, key: string): void {
    const op: MutableOp = { input: { op: 'get', key }, call: ++this.clock, ret: Infinity };
    this.history.push(op);
    this.reads.set(ctx, { op, node });
  }

  readIndexKnown(ctx: string, index: number): void {
    const r = this.reads.get(ctx);
    if (r) r.index = index;
  }

  /** Called after `node` applied up to `applied`, with its current key-value map. */
  progress(node: NodeId, applied: number, kv: ReadonlyMap<string, string>, appliedEntries: readonly Entry[]): void {
    for (const e of appliedEntries) {
      const w = this.writes.get(`${node}@${e.index}`);
      if (!w) continue;
      this.writes.delete(`${node}@${e.index}`);
      if (e.term === w.term) w.op.ret = ++this.clock; // else: overwritten, stays "unknown"
    }
    for (const [ctx, r] of this.reads) {
      if (r.node !== node || r.index === undefined || r.index > applied) continue;
      this.reads.delete(ctx);
      r.op.output = kv.get((r.op.input as { key: string }).key) ?? null;
      r.op.ret = ++this.clock;
    }
  }

  /** A crash loses the node's client sessions: their outcomes stay unknown. */
  crashed(node: NodeId): void {
    for (const [k, w] of this.writes) if (w.node === node) this.writes.delete(k);
    for (const [k, r] of this.reads) if (r.node === node) this.reads.delete(k);
  }

  check(): { ops: number; result: string } {
    const ops: Operation<KvInput, KvOutput>[] = this.history.map((o) =>
      o.ret === Infinity ? { input: o.input, call: o.call, ret: Infinity } : { input: o.input, output: o.output ?? null, call: o.call, ret: o.ret },
    );
    const result = checkKv(ops, 2_000_000);
    if (result === 'illegal') {
      const text = this.history.map((o) => `${o.call}-${o.ret} ${o.input.op} ${o.input.key}${o.input.op === 'put' ? `=${o.input.value}` : ` -> ${String(o.output)}`}`);
      throw new SafetyViolation('linearizability', `KV history is not linearizable:\n${text.join('\n')}`);
    }
    return { ops: ops.length, result };
  }
}
