// Raft write throughput: 3 RaftNodes in separate processes on loopback gRPC,
// WAL fsync on, default timings. The leader process runs C concurrent
// proposers (C = 1, 16, 256) for a fixed time and reports writes/s and
// commit latency (propose -> applied on the leader).
//
//   node --import tsx bench/raft-throughput.ts [--seconds 5] [--size 128]
//        [--concurrency 1,16,256] [--cpu-prof DIR] [--stats] [--snapshot-entries N]
// --cpu-prof writes a V8 CPU profile of every member process into DIR/<id>;
// --stats prints each member's Ready, fsync, message and batching rates per run;
// --snapshot-entries overrides RaftNode's snapshotEntries (default 10000).

import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { RaftNode, type RaftNodeStats } from '../src/raft/node.js';
import { GrpcTransport } from '../src/raft/transport-grpc.js';

type ToChild = { kind: 'start'; peers: Record<string, string>; snapshotEntries?: number } | { kind: 'load'; concurrency: number; ms: number; size: number } | { kind: 'stats' } | { kind: 'exit' };
type ToParent =
  | { kind: 'listening'; address: string }
  | { kind: 'leader'; id: string }
  | { kind: 'result'; count: number; p50: number; p99: number; errors: number }
  | { kind: 'stats'; stats: RaftNodeStats };

const SECRET = 'bench-secret';

async function child(id: string, dir: string): Promise<void> {
  const send = (m: ToParent): void => void process.send?.(m);
  const logger = pino({ level: 'silent' });
  const transport = await GrpcTransport.listen({ id, listen: '127.0.0.1:0', secret: SECRET, logger });
  let node: RaftNode | undefined;
  send({ kind: 'listening', address: transport.address });
  process.on('message', (raw) => {
    const m = raw as ToChild;
    if (m.kind === 'start') {
      void RaftNode.start({
        id, dataDir: dir, peers: m.peers, secret: SECRET, transport, logger,
        ...(m.snapshotEntries ? { snapshotEntries: m.snapshotEntries } : {}),
        fsm: { apply() {}, takeSnapshot: () => new Uint8Array(0), restore() {} },
      }).then((n) => {
        node = n;
        n.onLeaderChange((leader, isLeader) => {
          if (isLeader) send({ kind: 'leader', id: leader });
        });
      });
    } else if (m.kind === 'load' && node) {
      void runLoad(node, m.concurrency, m.ms, m.size).then(send);
    } else if (m.kind === 'stats' && node) {
      send({ kind: 'stats', stats: node.stats() });
    } else if (m.kind === 'exit') {
      void node?.stop().then(() => process.exit(0));
    }
  });
}

async function runLoad(node: RaftNode, concurrency: number, ms: number, size: number): Promise<ToParent> {
  const lat: number[] = [];
  let errors = 0;
  const end = Date.now() + ms;
  const payload = new Uint8Array(size).fill(120);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const t0 = performance.now();
        try {
          await node.propose(payload);
          lat.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  lat.sort((a, b) => a - b);
  const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { kind: 'result', count: lat.length, p50: q(0.5), p99: q(0.99), errors };
}

function diff(a: RaftNodeStats, b: RaftNodeStats | undefined): RaftNodeStats {
  const out = { ...a };
  for (const k of Object.keys(a) as (keyof RaftNodeStats)[]) out[k] = a[k] - (b?.[k] ?? 0);
  return out;
}

async function parent(seconds: number, size: number, levels: number[], profDir: string | undefined, showStats: boolean, snapshotEntries: number): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const dirs: string[] = [];
  const kids: ChildProcess[] = [];
  const addresses: Record<string, string> = {};
  const msgs: ((m: ToParent, id: string) => void)[] = [];
  for (const id of ['a', 'b', 'c']) {
    const dir = await mkdtemp(join(tmpdir(), `raft-bench-${id}-`));
    dirs.push(dir);
    const prof = profDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profDir, id)}`] : [];
    const k = fork(self, ['--child', id, '--dir', dir], { execArgv: ['--import', 'tsx', ...prof] });
    k.on('message', (m) => msgs.forEach((f) => f(m as ToParent, id)));
    kids.push(k);
  }
  await new Promise<void>((resolve) => msgs.push((m, id) => {
    if (m.kind === 'listening') addresses[id] = m.address;
    if (Object.keys(addresses).length === 3) resolve();
  }));
  const leader = await new Promise<string>((resolve) => {
    msgs.push((m) => m.kind === 'leader' && resolve(m.id));
    for (const k of kids) k.send({ kind: 'start', peers: addresses, ...(snapshotEntries ? { snapshotEntries } : {}) } satisfies ToChild);
  });
  const lk = kids[['a', 'b', 'c'].indexOf(leader)] as ChildProcess;
  const allStats = (): Promise<Record<string, RaftNodeStats>> => new Promise((resolve) => {
    const got: Record<string, RaftNodeStats> = {};
    const f = (m: ToParent, id: string): void => {
      if (m.kind !== 'stats') return;
      got[id] = m.stats;
      if (Object.keys(got).length === kids.length) {
        msgs.splice(msgs.indexOf(f), 1);
        resolve(got);
      }
    };
    msgs.push(f);
    for (const k of kids) k.send({ kind: 'stats' } satisfies ToChild);
  });
  let prevStats = showStats ? await allStats() : {};
  console.log(`leader ${leader}; ${seconds}s per run, ${size}-byte entries, fsync on`);
  console.log('concurrency   writes/s   p50 ms   p99 ms   errors');
  for (const concurrency of levels) {
    const res = await new Promise<ToParent & { kind: 'result' }>((resolve) => {
      msgs.push((m) => m.kind === 'result' && resolve(m));
      lk.send({ kind: 'load', concurrency, ms: seconds * 1000, size } satisfies ToChild);
    });
    msgs.pop();
    console.log(`${String(concurrency).padStart(11)}   ${(res.count / seconds).toFixed(0).padStart(8)}   ${res.p50.toFixed(1).padStart(6)}   ${res.p99.toFixed(1).padStart(6)}   ${res.errors}`);
    if (showStats) {
      const now = await allStats();
      for (const [id, st] of Object.entries(now)) {
        const d = diff(st, prevStats[id]);
        const per = (n: number): string => (n / seconds).toFixed(0);
        console.log(`              ${id}: ${per(d.readies)} Readys/s, ${per(d.fsyncs)} fsyncs/s, ${per(d.messages)} msgs/s, ` +
          `${d.appends ? (d.entriesSent / d.appends).toFixed(1) : '-'} entries/append` +
          (d.proposalBatches ? `, ${(d.proposals / d.proposalBatches).toFixed(1)} proposals/batch` : ''));
      }
      prevStats = now;
    }
  }
  for (const k of kids) k.send({ kind: 'exit' } satisfies ToChild);
  await Promise.all(kids.map((k) => new Promise((r) => k.on('exit', r))));
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}

const { values } = parseArgs({
  options: {
    child: { type: 'string' }, dir: { type: 'string' }, seconds: { type: 'string', default: '5' }, size: { type: 'string', default: '128' },
    concurrency: { type: 'string', default: '1,16,256' }, 'cpu-prof': { type: 'string' }, stats: { type: 'boolean', default: false },
    'snapshot-entries': { type: 'string', default: '0' },
  },
});
if (values.child && values.dir) await child(values.child, values.dir);
else await parent(Number(values.seconds), Number(values.size), values.concurrency.split(',').map(Number), values['cpu-prof'], values.stats, Number(values['snapshot-entries']));
