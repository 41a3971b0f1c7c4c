// Leader failover time with default timings (tick 100 ms, election timeout
// 10 ticks randomized in [10, 20), heartbeat every tick): 3 RaftNodes on
// loopback gRPC; repeatedly stop the leader and time until another node
// leads, then restart the stopped node.
//
//   node --import tsx bench/raft-failover.ts [--trials 10]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { RaftNode } from '../src/raft/node.js';
import { GrpcTransport } from '../src/raft/transport-grpc.js';

const SECRET = 'bench-secret';
const logger = pino({ level: 'silent' });
const fsm = { apply() {}, takeSnapshot: () => new Uint8Array(0), restore() {} };

const { values } = parseArgs({ options: { trials: { type: 'string', default: '10' } } });
const trials = Number(values.trials);

interface M { id: string; dir: string; address: string; node: RaftNode | undefined }
const ms: M[] = [];
for (const id of ['a', 'b', 'c']) {
  const dir = await mkdtemp(join(tmpdir(), `raft-failover-${id}-`));
  const t = await GrpcTransport.listen({ id, listen: '127.0.0.1:0', secret: SECRET, logger });
  ms.push({ id, dir, address: t.address, node: undefined });
  await t.stop(); // only needed the port; RaftNode binds it again
}
const peers = Object.fromEntries(ms.map((m) => [m.id, m.address]));
const start = async (m: M): Promise<void> => {
  m.node = await RaftNode.start({ id: m.id, dataDir: m.dir, peers, secret: SECRET, listen: m.address, fsm, logger });
};
await Promise.all(ms.map(start));

async function until<T>(fn: () => T | undefined, limitMs = 10_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const times: number[] = [];
for (let i = 0; i < trials; i++) {
  const leader = await until(() => ms.find((m) => m.node?.isLeader));
  await until(() => (ms.every((m) => m.node?.leaderId === leader.id) ? true : undefined));
  await leader.node?.propose(new Uint8Array([i]));
  await new Promise((r) => setTimeout(r, 300)); // let heartbeats settle
  const t0 = Date.now();
  await leader.node?.stop();
  leader.node = undefined;
  await until(() => ms.find((m) => m !== leader && m.node?.isLeader));
  times.push(Date.now() - t0);
  await start(leader);
}
for (const m of ms) await m.node?.stop();
for (const m of ms) await rm(m.dir, { recursive: true, force: true });
times.sort((a, b) => a - b);
const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? NaN;
console.log(`failover over ${trials} trials (ms): p50 ${q(0.5)} p90 ${q(0.9)} max ${times[times.length - 1]} all [${times.join(', ')}]`);
