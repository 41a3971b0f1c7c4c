// Autoscaling under a traffic spike, beside the same spike on a fixed single replica, in one
// run on the test bed. Both services run tsswarm/web-static (Debian's nginx, one worker
// process) with a CPU limit of LIMIT per task (--limit-cpu), as replicas are sized in a real
// deployment: one replica's capacity is what the spike outgrows. Published through the mesh:
//   fixed      1 replica, no policy                         (published 8080)
//   autoscale  tsswarm.autoscale min=1,max=MAX,cpu=CPU,
//              scale-down-delay=DOWN s                       (published 8081)
// The spike is wrk -cCONNS inside the worker host against 127.0.0.1:<port>, SPIKE s long, cut in
// SLICE-s slices; each slice records req/s, p99 and the service's replica count (spec and
// running). Default manager and worker timings (autoscaler pass 5 s, CPU samples every 2 s).
// Then, with no traffic, how long the autoscaled service takes to come back to min.
//
//   node --import tsx bench/autoscale-spike.ts [--spike 40] [--slice 5] [--conns 50] [--max 4] [--limit-cpu 0.25] [--cpu 15] [--down-delay 15]
//
// Needs root, the bed (test/harness/bed.ts) and wrk (apt-get install wrk). Everything it starts
// is torn down at the end, also on SIGINT/SIGTERM (the bed kills its hosts' processes).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { Bed } from '../test/harness/bed.js';
import { ROOT, waitFor } from '../test/harness/cluster.js';
import { BedCluster, serviceSpec } from '../test/unit/worker-network/bed-cluster.js';
import { teardownOnSignals, teardownOnce } from './lib/cleanup.js';
import { p50 } from './lib/stats.js';
import { parseWrk, wrkArgs, type WrkResult } from './lib/wrk.js';

const exec = promisify(execFile);
const { values } = parseArgs({
  options: {
    spike: { type: 'string', default: '40' },
    slice: { type: 'string', default: '5' },
    conns: { type: 'string', default: '50' },
    max: { type: 'string', default: '4' },
    cpu: { type: 'string', default: '15' },
    'limit-cpu': { type: 'string', default: '0.25' },
    'down-delay': { type: 'string', default: '15' },
    'down-wait': { type: 'string', default: '120' },
  },
});
const SPIKE_S = Number(values.spike);
const SLICE_S = Number(values.slice);
const CONNS = Number(values.conns);
const MAX = Number(values.max);
const CPU = Number(values.cpu);
const LIMIT_NANO_CPUS = Math.round(Number(values['limit-cpu']) * 1e9);
const DOWN_DELAY_S = Number(values['down-delay']);
const DOWN_WAIT_S = Number(values['down-wait']);
const IMAGE = 'tsswarm/web-static';
const WORKER = 2;

interface Slice {
  atS: number;
  wrk: WrkResult;
  specReplicas: number;
  running: number;
}

const skip = await Bed.unavailable();
if (skip) {
  console.error(`autoscale-spike: ${skip}`);
  process.exit(2);
}
await exec('sh', ['-c', 'command -v wrk']).catch(() => {
  console.error('autoscale-spike: wrk is not installed (apt-get install wrk)');
  process.exit(2);
});
const log = (s: string): void => console.error(`[autoscale-spike] ${s}`);

await exec('bash', [path.join(ROOT, 'scripts/build-images.sh'), '--web-static'], { maxBuffer: 16 << 20 });
log('bringing up a 2-host bed: manager on host 1 (drain), worker on host 2');
const c = await BedCluster.start(2);
let dir = '';
const teardown = teardownOnce(async () => {
  await c.down();
  if (dir) await rm(dir, { recursive: true, force: true });
});
teardownOnSignals(teardown, log);

try {
  dir = await mkdtemp(path.join(tmpdir(), 'tsswarm-autoscale-spike-'));
  const tar = path.join(dir, 'image.tar');
  await exec('docker', ['save', '-o', tar, IMAGE]);
  const loaded = await c.bed.docker(WORKER, ['load', '-i', tar], { timeoutMs: 120_000 });
  if (loaded.code !== 0) throw new Error(`docker load into host ${WORKER}: ${loaded.stderr}`);
  await rm(tar);

  const replicasOf = async (name: string): Promise<{ spec: number; running: number }> => {
    const s = (await c.api('GET', `/services/${name}`)) as { Spec: { Mode: { Replicated?: { Replicas?: number } } } };
    const tasks = await c.tasks(name);
    return { spec: s.Spec.Mode.Replicated?.Replicas ?? 0, running: tasks.filter((t) => t.DesiredState === 'running' && t.Status.State === 'running').length };
  };
  const reachable = (port: number): Promise<unknown> =>
    waitFor(`the mesh on :${port}`, async () => (await c.bed.exec(WORKER, 'curl', ['-s', '-m', '2', '-o', '/dev/null', `http://127.0.0.1:${port}/`])).code === 0, 30_000, 300);

  const spike = async (name: string, port: number): Promise<{ slices: Slice[]; startedMs: number }> => {
    const slices: Slice[] = [];
    const startedMs = Date.now();
    for (let at = 0; at < SPIKE_S; at += SLICE_S) {
      const url = `http://127.0.0.1:${port}/`;
      const r = await c.bed.exec(WORKER, 'wrk', wrkArgs(url, { threads: 1, conns: CONNS, seconds: SLICE_S, close: false }), {}, { timeoutMs: (SLICE_S + 30) * 1000 });
      const n = await replicasOf(name);
      const slice: Slice = { atS: (Date.now() - startedMs) / 1000, wrk: parseWrk(url, r), specReplicas: n.spec, running: n.running };
      slices.push(slice);
      log(`${name} t=${slice.atS.toFixed(1)} s: ${slice.wrk.rps.toFixed(0)} req/s, p99 ${slice.wrk.p99Ms.toFixed(1)} ms, replicas ${slice.specReplicas} (running ${slice.running}), errors ${slice.wrk.errors}`);
    }
    return { slices, startedMs };
  };

  const limited = (spec: Record<string, unknown>): Record<string, unknown> => {
    const template = spec['TaskTemplate'] as Record<string, unknown>;
    template['Resources'] = { Limits: { NanoCPUs: LIMIT_NANO_CPUS } };
    return spec;
  };

  // 1. The fixed single replica.
  await c.createService(limited(serviceSpec('fixed', { replicas: 1, image: IMAGE, ports: [[8080, 80]] })));
  await c.running('fixed', 1);
  await reachable(8080);
  log('spike on the fixed single replica');
  const fixed = await spike('fixed', 8080);
  await c.api('DELETE', '/services/fixed');

  // 2. The autoscaled service, same image and spike.
  const auto = limited(serviceSpec('autoscale', { replicas: 1, image: IMAGE, ports: [[8081, 80]] }));
  auto['Labels'] = {
    'tsswarm.autoscale.min': '1',
    'tsswarm.autoscale.max': String(MAX),
    'tsswarm.autoscale.target-cpu': String(CPU),
    'tsswarm.autoscale.scale-down-delay': String(DOWN_DELAY_S),
  };
  await c.createService(auto);
  await c.running('autoscale', 1);
  await reachable(8081);
  log(`spike on the autoscaled service (min 1, max ${MAX}, target ${CPU} % CPU, scale-down delay ${DOWN_DELAY_S} s)`);
  const scaled = await spike('autoscale', 8081);

  // 3. No traffic: back to min.
  const quietFrom = Date.now();
  let backAtMs: number | undefined;
  while (Date.now() - quietFrom < DOWN_WAIT_S * 1000) {
    const n = await replicasOf('autoscale');
    if (n.spec === 1) {
      backAtMs = Date.now() - quietFrom;
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }

  // Report.
  const firstUp = scaled.slices.find((s) => s.specReplicas > 1);
  const firstAllRunning = scaled.slices.find((s) => s.running > 1 && s.running === s.specReplicas);
  const peak = Math.max(...scaled.slices.map((s) => s.specReplicas));
  const tail = (xs: Slice[]): Slice[] => xs.slice(Math.max(0, xs.length - 3));
  const med = (xs: Slice[], f: (s: Slice) => number): number => p50(xs.map(f));
  console.log(`\nwrk -t1 -c${CONNS}, ${SPIKE_S} s in ${SLICE_S}-s slices, inside bed host ${WORKER} → 127.0.0.1 (routing mesh); ${IMAGE}, ${values['limit-cpu']} CPU per task; policy min 1, max ${MAX}, target ${CPU} % CPU; default timings`);
  console.log('| slice end (s) | fixed: req/s | p99 ms | autoscale: req/s | p99 ms | replicas (spec / running) |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  for (let i = 0; i < Math.max(fixed.slices.length, scaled.slices.length); i++) {
    const f = fixed.slices[i];
    const a = scaled.slices[i];
    console.log(`| ${(a ?? f)!.atS.toFixed(0)} | ${f?.wrk.rps.toFixed(0) ?? ''} | ${f?.wrk.p99Ms.toFixed(1) ?? ''} | ${a?.wrk.rps.toFixed(0) ?? ''} | ${a?.wrk.p99Ms.toFixed(1) ?? ''} | ${a ? `${a.specReplicas} / ${a.running}` : ''} |`);
  }
  const fr = med(tail(fixed.slices), (s) => s.wrk.rps);
  const ar = med(tail(scaled.slices), (s) => s.wrk.rps);
  const fp = med(tail(fixed.slices), (s) => s.wrk.p99Ms);
  const ap = med(tail(scaled.slices), (s) => s.wrk.p99Ms);
  const errors = [...fixed.slices, ...scaled.slices].reduce((n, s) => n + s.wrk.errors, 0);
  console.log(`\nlast 3 slices (median): fixed ${fr.toFixed(0)} req/s p99 ${fp.toFixed(1)} ms; autoscale ${ar.toFixed(0)} req/s p99 ${ap.toFixed(1)} ms → throughput ×${(ar / fr).toFixed(2)}, p99 ×${(ap / fp).toFixed(2)}; errors ${errors}`);
  console.log(`autoscale: first scale-up seen by the end of the slice at ${firstUp ? `${firstUp.atS.toFixed(1)} s` : 'never'}; all replicas running by ${firstAllRunning ? `${firstAllRunning.atS.toFixed(1)} s` : 'never'}; peak ${peak} replicas (max ${MAX})`);
  console.log(`after the spike: back to 1 replica in ${backAtMs !== undefined ? `${(backAtMs / 1000).toFixed(1)} s` : `more than ${DOWN_WAIT_S} s`} (scale-down delay ${DOWN_DELAY_S} s)`);
  console.log(JSON.stringify({ spikeS: SPIKE_S, sliceS: SLICE_S, conns: CONNS, max: MAX, cpu: CPU, downDelayS: DOWN_DELAY_S, fixed: fixed.slices, autoscale: scaled.slices, backToMinMs: backAtMs ?? null }));
} finally {
  await teardown();
}
