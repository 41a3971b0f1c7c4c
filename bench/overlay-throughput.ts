// Overlay vs underlay between two hosts of the test bed (issue 5), in one run on the same bed:
//   underlay   host 2 → host 3 by their underlay addresses
//   tsswarm    task → task over tsswarm's VXLAN overlay (a real tsswarm cluster: manager on
//              host 1, drained; workers on hosts 2 and 3; test/unit/worker-network/bed-cluster.ts)
//   swarm      task → task over Docker Swarm's overlay driver, on the same two engines (a swarm
//              beside tsswarm: cluster port 2477, VXLAN port 4790, pool 10.240.0.0/16, so the two
//              never share a socket or a subnet; endpoint mode dnsrr and task IPs, as this kernel
//              has no IPVS; bench/lib/swarm-overlay.ts). Default on; --no-swarm leaves it out;
//              --with-swarm makes a Swarm that cannot come up an error instead of a note.
// TCP throughput: iperf3, one stream, DURATION s; RTT: busybox ping, COUNT echoes 0.2 s apart.
// Each round measures every path once, in an order rotated from round to round; the table shows
// medians over ROUNDS. iperf3 and ping are the host's binaries run inside each task container's
// netns (nsenter -n), so no image has to carry them and the packets take exactly the task's path.
// Beside Gbit/s it prints the CPU time both iperf3 processes used per GB moved (iperf3's own
// accounting, which includes the softirq work done in their context): on a shared 2-core
// machine throughput follows whatever else runs, CPU per GB much less so.
//
//   node --import tsx bench/overlay-throughput.ts [--rounds 5] [--duration 5] [--count 20]
//        [--no-swarm | --with-swarm] [--bed-wait-s 1200]
//
// Needs root, the bed (test/harness/bed.ts) and iperf3 (installed with apt-get if missing and
// running as root). Tears down the swarm (swarm leave --force) and the bed, also on SIGINT/SIGTERM.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Bed } from '../test/harness/bed.js';
import { BedCluster, serviceSpec } from '../test/unit/worker-network/bed-cluster.js';
import { ensureTools, MissingToolError } from './lib/host-tools.js';
import { iperf, pathMtu, pingRtt, waitReachable, type End, type ThroughputRun } from './lib/net-measure.js';
import { p50 } from './lib/stats.js';
import { SwarmOverlay } from './lib/swarm-overlay.js';
import { teardownOnce, teardownOnSignals } from './lib/cleanup.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string' },
    repeat: { type: 'string' }, // the old name of --rounds
    count: { type: 'string', default: '20' },
    'with-swarm': { type: 'boolean', default: false },
    'no-swarm': { type: 'boolean', default: false },
    'bed-wait-s': { type: 'string', default: '1200' },
  },
});
const DURATION = Number(values.duration);
const ROUNDS = Number(values.rounds ?? values.repeat ?? '5');
const COUNT = Number(values.count);
const BED_WAIT_MS = Number(values['bed-wait-s']) * 1000;
if (values['with-swarm'] && values['no-swarm']) throw new Error('--with-swarm and --no-swarm exclude each other');
for (const [k, v] of [['duration', DURATION], ['rounds', ROUNDS], ['count', COUNT], ['bed-wait-s', BED_WAIT_MS]] as const) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${k}: a positive number`);
}
const SWARM = values['no-swarm'] ? 'off' : values['with-swarm'] ? 'required' : 'auto';

const log = (msg: string): void => console.error(`[overlay-throughput] ${msg}`);

interface PathRuns {
  key: 'underlay' | 'tsswarm' | 'swarm';
  label: string;
  server: End;
  client: End;
  target: string;
  runs: ThroughputRun[];
  rtts: number[];
  errors: string[];
  mtu?: string;
}

const paths: PathRuns[] = [];
const notes: string[] = [];
const load: Array<[string, number[]]> = [];
let cluster: BedCluster | undefined;
let swarm: SwarmOverlay | undefined;
const cleanup = teardownOnce(async () => {
  if (swarm) {
    log('leaving the swarm (docker swarm leave --force on every Swarm host)');
    for (const e of await swarm.down().catch((err: unknown) => [String(err)])) log(`swarm: ${e}`);
  }
  if (cluster) {
    log('tearing the bed down');
    await cluster.down().catch((err: unknown) => log(`bed down failed: ${String(err)}`));
  }
});
teardownOnSignals(cleanup, log, report);

/** BedCluster.start, waiting up to BED_WAIT_MS in all while another owner holds the bed. */
async function startCluster(): Promise<BedCluster> {
  const deadline = Date.now() + BED_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await BedCluster.start(3);
    } catch (err) {
      const busy = /\(exit 75\)/.test(String(err));
      if (!busy || Date.now() >= deadline || attempt >= 10) throw err;
      log(`the bed is still busy; waiting on (${Math.round((deadline - Date.now()) / 1000)} s left)`);
    }
  }
}

function sampleLoad(when: string): void {
  load.push([when, loadavg().map((x) => +x.toFixed(2))]);
}

async function measure(): Promise<void> {
  try {
    ensureTools(['iperf3'], log);
  } catch (err) {
    if (!(err instanceof MissingToolError)) throw err;
    console.error(`overlay-throughput: ${err.message}`);
    process.exit(2);
  }
  const skip = await Bed.unavailable();
  if (skip) {
    console.error(`overlay-throughput: ${skip}`);
    process.exit(2);
  }

  log(`bringing up a 3-host bed with a tsswarm cluster (waiting up to ${BED_WAIT_MS / 1000} s if the bed is busy)`);
  cluster = await startCluster();
  const c = cluster;
  const bed = c.bed;

  // tsswarm: overlay network, one task on each worker host.
  const net = await c.createNetwork('bench');
  await c.createService(serviceSpec('peer', { replicas: 2, networks: ['bench'], image: 'tsswarm/busybox', args: ['sleep', '3600'] }));
  const tasks = await c.running('peer', 2);
  const a = tasks.find((t) => t.host === 2);
  const b = tasks.find((t) => t.host === 3);
  if (!a || !b) throw new Error(`the two tsswarm tasks must run on hosts 2 and 3, got ${tasks.map((t) => t.host).join(',')}`);
  const pidOf = async (t: typeof a): Promise<string> => (await bed.docker(t.host, ['inspect', '-f', '{{.State.Pid}}', t.containerId])).stdout.trim();
  const tsA: End = { host: 2, netnsPid: await pidOf(a) };
  const tsB: End = { host: 3, netnsPid: await pidOf(b) };
  const tsIpB = b.addrs.get(net) ?? '';
  await waitReachable(bed, tsA, tsIpB, 'tsswarm overlay');

  const fresh = (key: PathRuns['key'], label: string, server: End, client: End, target: string): PathRuns => ({ key, label, server, client, target, runs: [], rtts: [], errors: [] });
  paths.push(fresh('underlay', 'underlay (host → host)', { host: 3 }, { host: 2 }, bed.host(3).addr));
  paths.push(fresh('tsswarm', 'tsswarm overlay (task → task, VXLAN)', tsB, tsA, tsIpB));

  // Docker Swarm: its own overlay between the same two engines.
  if (SWARM !== 'off') {
    log('bringing up Docker Swarm on the same engines (manager host 1, workers hosts 2 and 3)');
    swarm = new SwarmOverlay(bed, { manager: 1, workers: [2, 3], image: 'tsswarm/busybox', port: 2477, dataPathPort: 4790, addrPool: '10.240.0.0/16' });
    try {
      const [sa, sb] = await swarm.up();
      const swA: End = { host: 2, netnsPid: sa.pid };
      const swB: End = { host: 3, netnsPid: sb.pid };
      await waitReachable(bed, swA, sb.ip, 'Swarm overlay');
      paths.push(fresh('swarm', 'Docker Swarm overlay (task → task, VXLAN)', swB, swA, sb.ip));
    } catch (err) {
      if (SWARM === 'required') throw err;
      const msg = `Docker Swarm's overlay could not be measured: ${err instanceof Error ? err.message : String(err)}`;
      notes.push(msg);
      log(msg);
    }
  }
  for (const p of paths) p.mtu = await pathMtu(bed, p.client, p.target);

  sampleLoad('start');
  for (let i = 0; i < ROUNDS && !cleanup.started; i++) {
    const order = [...paths.slice(i % paths.length), ...paths.slice(0, i % paths.length)];
    const got = new Map<string, string>();
    for (const p of order) {
      if (cleanup.started) return; // SIGINT/SIGTERM: the bed is going down
      try {
        const run = await iperf(bed, p.server, p.client, p.target, DURATION);
        const rtt = await pingRtt(bed, p.client, p.target, COUNT);
        p.runs.push(run);
        p.rtts.push(rtt);
        got.set(p.key, run.gbits.toFixed(2));
      } catch (err) {
        if (cleanup.started) return;
        p.errors.push(String(err));
        log(`round ${i + 1}, ${p.key}: ${String(err)}`);
      }
    }
    sampleLoad(`round ${i + 1}`);
    log(`round ${i + 1}/${ROUNDS} (${order.map((p) => p.key).join(' → ')}): ${order.map((p) => `${p.key} ${got.get(p.key) ?? 'failed'}`).join(', ')} Gbit/s; load ${loadavg()[0]?.toFixed(2)}`);
  }
}

function report(): void {
  if (paths.length === 0) return;
  const row = (p: PathRuns): { gbits: number; cpu: number; rtt: number } => ({
    gbits: p50(p.runs.map((r) => r.gbits)),
    cpu: p50(p.runs.map((r) => r.cpuPerGB)),
    rtt: p50(p.rtts),
  });
  const under = paths.find((p) => p.key === 'underlay');
  const u = under ? row(under) : undefined;
  console.log('');
  console.log(`overlay vs underlay, host 2 → host 3, iperf3 1 stream ${DURATION} s, ping × ${COUNT}, ${ROUNDS} rounds (order rotated), medians`);
  console.log('| path | MTU | TCP Gbit/s (runs) | CPU s per GB | RTT avg ms | throughput / underlay | CPU per GB / underlay |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const p of paths) {
    const r = row(p);
    const runs = p.runs.map((x) => x.gbits.toFixed(2)).join(', ');
    const ratio = (x: number, y: number | undefined): string => (y === undefined || p.key === 'underlay' ? '' : (x / y).toFixed(2));
    console.log(`| ${p.label} | ${p.mtu ?? '?'} | ${r.gbits.toFixed(2)} (${runs}) | ${r.cpu.toFixed(3)} | ${r.rtt.toFixed(3)} | ${ratio(r.gbits, u?.gbits)} | ${ratio(r.cpu, u?.cpu)} |`);
  }
  const ts = paths.find((p) => p.key === 'tsswarm');
  const sw = paths.find((p) => p.key === 'swarm');
  if (u) for (const p of [ts, sw]) if (p) console.log(`${p.key}: overlay/underlay throughput ${(row(p).gbits / u.gbits).toFixed(2)}, RTT ${(row(p).rtt / u.rtt).toFixed(2)}×, CPU per GB ${(row(p).cpu / u.cpu).toFixed(2)}×`);
  if (ts && sw) console.log(`tsswarm / Docker Swarm overlay throughput: ${(row(ts).gbits / row(sw).gbits).toFixed(2)}; CPU per GB: ${(row(ts).cpu / row(sw).cpu).toFixed(2)}`);
  for (const p of paths) if (p.errors.length) console.log(`${p.key}: ${p.errors.length} failed run(s): ${p.errors[0]}`);
  for (const n of notes) console.log(`note: ${n}`);
  if (load.length) console.log(`load average (1/5/15 min): ${load.map(([w, l]) => `${w} ${l.join('/')}`).join('; ')}`);
  console.log(JSON.stringify({ duration: DURATION, rounds: ROUNDS, count: COUNT, load, paths: paths.map((p) => ({ key: p.key, mtu: p.mtu, ...row(p), runs: p.runs, rtts: p.rtts, errors: p.errors.length })), notes }));
}

try {
  await measure();
} catch (err) {
  log(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
report();
