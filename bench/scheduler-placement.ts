// Placement throughput of the pure scheduler: a `--replicas 10000` service placed on 1,000
// and 5,000 nodes, plain and with constraints + spread preferences, plus a many-services
// batch. Run: node --import tsx bench/scheduler-placement.ts [--runs N] [--cpu]
//
// "schedule()" times the one-shot call the orchestrator makes (building NodeInfo from the
// snapshot included); "Scheduler.schedule" times placement alone on a prebuilt Scheduler.
// Options: --runs N (default 7), --cpu (CPU time instead of wall time).
import { performance } from 'node:perf_hooks';
import { Scheduler, schedule } from '../src/scheduler/scheduler.js';
import type { Node, Task } from '../src/store/objects.js';

const runsArg = process.argv.indexOf('--runs');
// --cpu: time with process CPU time instead of wall time (steadier on a shared, loaded machine).
const CPU_TIME = process.argv.includes('--cpu');
const clock = CPU_TIME
  ? () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    }
  : () => performance.now();
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const META = { Version: { Index: 1 }, CreatedAt: '', UpdatedAt: '' };
const GB = 1024 ** 3;

function makeNodes(n: number): Node[] {
  return Array.from({ length: n }, (_, i) => ({
    ID: `node-${String(i).padStart(5, '0')}`,
    ...META,
    Spec: {
      Labels: { zone: `z${i % 3}`, rack: `r${i % 17}`, tier: i % 10 === 0 ? 'db' : 'app' },
      Role: i % 50 === 0 ? 'manager' : 'worker',
      Availability: 'active',
    },
    Description: {
      Hostname: `host${i}`,
      Platform: { OS: 'linux', Architecture: 'x86_64' },
      Resources: { NanoCPUs: 64e9, MemoryBytes: 256 * GB },
      Engine: { EngineVersion: '27.0.0', Labels: {} },
    },
    Status: { State: 'ready', Addr: `10.0.${i >> 8}.${i & 255}` },
  }));
}

function makeTasks(n: number, serviceId: string, spec: Partial<Task['Spec']> = {}): Task[] {
  return Array.from({ length: n }, (_, i) => ({
    ID: `${serviceId}.${i + 1}`,
    ...META,
    ServiceID: serviceId,
    Slot: i + 1,
    Spec: { ContainerSpec: { Image: 'tsswarm/web' }, ...spec },
    Status: { Timestamp: '', State: 'pending', Message: '' },
    DesiredState: 'running',
  }));
}

/** ~5 running tasks of other services per node, so counts and tiebreaks are not trivial. */
function background(nodes: Node[]): Task[] {
  const out: Task[] = [];
  nodes.forEach((n, i) => {
    for (let k = 0; k < 1 + (i % 9); k++) {
      const t = makeTasks(1, `bg${k}`)[0]!;
      out.push({ ...t, ID: `bg-${i}-${k}`, NodeID: n.ID, Status: { ...t.Status, State: 'running' } });
    }
  });
  return out;
}

const plain = {};
const constrained: Partial<Task['Spec']> = {
  Placement: {
    Constraints: ['node.role==worker', 'node.labels.tier!=db'],
    Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }, { Spread: { SpreadDescriptor: 'node.labels.rack' } }],
  },
  Resources: { Reservations: { NanoCPUs: 1e8, MemoryBytes: 256 * 1024 ** 2 } },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function best(xs: number[]): number {
  return Math.min(...xs);
}

function bench(label: string, nodeCount: number, pending: () => Task[]): void {
  const nodes = makeNodes(nodeCount);
  const running = background(nodes);
  const batch = pending();
  const oneShot: number[] = [];
  const placeOnly: number[] = [];
  let placed = 0;
  for (let r = 0; r < RUNS + 2; r++) {
    const t0 = clock();
    const res = schedule({ nodes, tasks: running }, batch);
    const t1 = clock();
    const s = Scheduler.fromSnapshot({ nodes, tasks: running });
    const t2 = clock();
    s.schedule(batch);
    const t3 = clock();
    placed = res.assignments.length;
    if (r >= 2) {
      oneShot.push(t1 - t0);
      placeOnly.push(t3 - t2);
    }
  }
  const rate = (ms: number) => Math.round(placed / (ms / 1000)).toLocaleString('en-US').padStart(10);
  const cell = (xs: number[]) =>
    `${median(xs).toFixed(1).padStart(6)} ms ${rate(median(xs))}/s (best ${rate(best(xs)).trim()}/s)`;
  console.log(
    `${label.padEnd(34)} ${String(nodeCount).padStart(5)} nodes ${String(placed).padStart(6)} placed | ` +
      `schedule() ${cell(oneShot)} | Scheduler.schedule ${cell(placeOnly)}`,
  );
}

console.log(
  `tsswarm scheduler placement bench, node ${process.version}, ${RUNS} runs after 2 warm-ups: median (best), ` +
    `${CPU_TIME ? 'process CPU time' : 'wall time'}\n` +
    'background: 1-9 running tasks of other services per node; "res" = 0.1 CPU + 256 MiB reserved per task',
);
for (const n of [1000, 5000]) {
  bench('10,000 replicas, no constraints', n, () => makeTasks(10_000, 'web', plain));
  bench('10,000 replicas, 2 constr+2 spread+res', n, () => makeTasks(10_000, 'web', constrained));
  bench('100 services x 100 replicas', n, () =>
    Array.from({ length: 100 }, (_, s) => makeTasks(100, `svc${s}`, s % 2 ? constrained : plain)).flat(),
  );
}

/**
 * Steady state: many small passes (a replacement task or a scale-up by a few). The one-shot
 * schedule() reloads the whole snapshot every pass; a kept Scheduler only places.
 */
function passes(nodeCount: number, perPass: number, count: number): void {
  const nodes = makeNodes(nodeCount);
  const running = background(nodes);
  const batches = Array.from({ length: count }, (_, p) =>
    makeTasks(perPass, `pass${p % 20}`, p % 2 ? constrained : plain).map((t) => ({ ...t, ID: `${t.ID}-${p}` })),
  );
  const t0 = clock();
  for (const b of batches) schedule({ nodes, tasks: running }, b);
  const t1 = clock();
  const kept = Scheduler.fromSnapshot({ nodes, tasks: running });
  const t2 = clock();
  for (const b of batches) kept.schedule(b);
  const t3 = clock();
  const per = (ms: number) => `${((ms / count) * 1000).toFixed(0).padStart(6)} µs/pass`;
  console.log(
    `${`${count} passes x ${perPass} task(s)`.padEnd(34)} ${String(nodeCount).padStart(5)} nodes | ` +
      `schedule() ${per(t1 - t0)} | kept Scheduler ${per(t3 - t2)} (+${(t2 - t1).toFixed(0)} ms to load once)`,
  );
}

console.log('\nper-pass cost (snapshot: the nodes above plus their background tasks)');
for (const n of [1000, 5000]) {
  passes(n, 1, 200);
  passes(n, 10, 200);
}
