// Manager failover through the whole product (raft-failover.ts measures the library
// alone): 3 real tsswarm manager processes on loopback; kill -9 the leader and time until
// a surviving manager commits a write (a service update through its API). Default timeouts
// (tick 100 ms, election 10-20 ticks).
//   node --import tsx bench/manager-failover.ts [--trials 20] [--managers 3]
import { parseArgs } from 'node:util';
import { ManagerCluster } from '../test/harness/managers.js';
import { waitFor } from '../test/harness/cluster.js';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '20' }, managers: { type: 'string', default: '3' } } });
const trials = Number(values.trials);

interface Svc {
  ID: string;
  Version: { Index: number };
  Spec: Record<string, unknown>;
}

const c = await ManagerCluster.start(Number(values.managers));
const times: number[] = [];
try {
  await c.api(c.managers[0]!, 'POST', '/services/create', { Name: 'probe', TaskTemplate: { ContainerSpec: { Image: 'tsswarm/web' } }, Mode: { Replicated: { Replicas: 0 } } });
  for (let i = 0; i < trials; i++) {
    const leader = await waitFor('a leader', () => c.leader(), 20_000, 100);
    const survivors = c.alive().filter((m) => m !== leader);
    const t0 = performance.now();
    await c.kill(leader);
    await waitFor('a write commits on a survivor', async () => {
      for (const m of survivors) {
        try {
          const s = (await c.api(m, 'GET', '/services/probe', undefined, 1000)) as Svc;
          await c.api(m, 'POST', `/services/${s.ID}/update?version=${s.Version.Index}`, s.Spec, 1000);
          return true;
        } catch {
          // not yet
        }
      }
      return false;
    }, 30_000, 20);
    times.push(performance.now() - t0);
    console.log(`trial ${i + 1}: ${Math.round(times[times.length - 1]!)} ms`);
    await c.startManager(leader);
    await new Promise((r) => setTimeout(r, 1000));
  }
} finally {
  await c.teardown();
}
const sorted = [...times].sort((a, b) => a - b);
const p50 = sorted[Math.floor(sorted.length / 2)] ?? NaN;
console.table([{ managers: Number(values.managers), trials, 'p50 (ms)': Math.round(p50), 'max (ms)': Math.round(sorted[sorted.length - 1] ?? NaN), 'min (ms)': Math.round(sorted[0] ?? NaN) }]);
console.log(JSON.stringify({ p50: Math.round(p50), max: Math.round(sorted[sorted.length - 1] ?? NaN), trials: times.map(Math.round) }));
