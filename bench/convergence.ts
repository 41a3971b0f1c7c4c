// Convergence benchmark: time from "create N replicas" until N tasks run, side by side on
// the same engine in one run:
//   raw     N parallel container create+start through the Engine API (the floor)
//   swarm   Docker Swarm mode (`docker swarm init` on loopback, `docker service create`)
//   tsswarm a one-manager tsswarm cluster (its own agent runs the tasks) on the same engine
// Each is timed from the create request to "all N running" polled every 20 ms.
//   node --import tsx bench/convergence.ts [--sizes 5,25] [--rounds 3]
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { TestCluster, run, waitFor } from '../test/harness/cluster.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '5,25' }, rounds: { type: 'string', default: '3' } } });
const sizes = values.sizes.split(',').map(Number);
const rounds = Number(values.rounds);
const IMAGE = 'tsswarm/web:latest';
const POLL_MS = 20;
const docker = new Docker();

async function rawEngine(n: number): Promise<number> {
  const start = performance.now();
  const containers = await Promise.all(
    Array.from({ length: n }, async () => {
      const c = await docker.createContainer({ Image: IMAGE, Labels: { 'tsswarm.bench': String(process.pid) } });
      await c.start();
      return c;
    }),
  );
  const ms = performance.now() - start;
  await Promise.all(containers.map((c) => c.remove({ force: true })));
  return ms;
}

async function swarmMode(n: number): Promise<number> {
  const name = `bench${process.pid}`;
  const start = performance.now();
  const r = await run('docker', ['service', 'create', '-d', '--name', name, '--replicas', String(n), IMAGE]);
  if (r.code !== 0) throw new Error(`docker service create: ${r.stderr}`);
  await waitFor('swarm replicas running', async () => {
    const ps = await run('docker', ['service', 'ps', name, '--filter', 'desired-state=running', '--format', '{{.CurrentState}}']);
    return ps.stdout.split('\n').filter((l) => l.startsWith('Running')).length === n;
  }, 120_000, POLL_MS);
  const ms = performance.now() - start;
  await run('docker', ['service', 'rm', name]);
  await waitFor('swarm containers gone', async () => (await run('docker', ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${name}`])).stdout.trim() === '', 60_000, 200);
  return ms;
}

async function tsswarm(c: TestCluster, n: number, i: number): Promise<number> {
  const name = `bench${i}`;
  const start = performance.now();
  await c.api('POST', '/services/create', {
    Name: name,
    TaskTemplate: { ContainerSpec: { Image: IMAGE } },
    Mode: { Replicated: { Replicas: n } },
  });
  await waitFor('tsswarm replicas running', async () => {
    const svcs = (await c.api('GET', `/services?status=true&filters=${encodeURIComponent(JSON.stringify({ name: [name] }))}`)) as Array<{ ServiceStatus?: { RunningTasks: number } }>;
    return svcs[0]?.ServiceStatus?.RunningTasks === n;
  }, 120_000, POLL_MS);
  const ms = performance.now() - start;
  await c.api('DELETE', `/services/${name}`);
  await waitFor('tsswarm containers gone', async () => (await c.containers(undefined, false)).length === 0, 60_000, 200);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

const results: Record<string, Record<number, number[]>> = { raw: {}, swarm: {}, tsswarm: {} };
const swarmInit = await run('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', '127.0.0.1:2477']);
const haveSwarm = swarmInit.code === 0;
if (!haveSwarm) console.error(`swarm mode unavailable: ${swarmInit.stderr.trim()}`);
const cluster = await TestCluster.start({ workers: 0, managerAvailability: 'active', name: 'bench' });
try {
  for (let round = 0; round < rounds; round++) {
    for (const n of sizes) {
      // Interleave the three so machine noise hits them alike.
      (results.raw![n] ??= []).push(await rawEngine(n));
      if (haveSwarm) (results.swarm![n] ??= []).push(await swarmMode(n));
      (results.tsswarm![n] ??= []).push(await tsswarm(cluster, n, round * 1000 + n));
    }
  }
} finally {
  await cluster.teardown();
  if (haveSwarm) await run('docker', ['swarm', 'leave', '--force']);
}

const rows = sizes.map((n) => {
  const raw = median(results.raw![n] ?? []);
  const sw = median(results.swarm![n] ?? []);
  const ts = median(results.tsswarm![n] ?? []);
  return {
    N: n,
    'raw engine (ms)': Math.round(raw),
    'swarm mode (ms)': Math.round(sw),
    'tsswarm (ms)': Math.round(ts),
    'swarm / raw': +(sw / raw).toFixed(2),
    'tsswarm / raw': +(ts / raw).toFixed(2),
  };
});
console.log(`median of ${rounds} rounds, polled every ${POLL_MS} ms`);
console.table(rows);
console.log(JSON.stringify(rows));
