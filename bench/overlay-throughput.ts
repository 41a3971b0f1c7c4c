// Overlay vs underlay between two hosts of the test bed, through a real tsswarm cluster:
// TCP throughput (iperf3, one stream, DURATION s, REPEAT runs each way, median) and RTT
// (ping, COUNT echoes, average), from task to task over the VXLAN overlay and from host to
// host over the underlay. iperf3 is the host's binary run inside each task container's netns
// (nsenter -n), so no image has to carry it: the packets take exactly the task's path.
// Runs are interleaved (underlay first in odd rounds, overlay first in even ones). Beside
// Gbit/s it prints the CPU time both iperf3 processes used per GB moved (iperf3's own
// accounting, which includes the softirq work done in their context): on a shared 2-core
// machine throughput follows whatever else runs, CPU per GB much less so.
//
//   node --import tsx bench/overlay-throughput.ts [--duration 5] [--repeat 5] [--count 20]
//
// Needs root, the bed (test/harness/bed.ts) and iperf3 (apt-get install iperf3).
import { parseArgs } from 'node:util';
import { Bed } from '../test/harness/bed.js';
import { BedCluster, serviceSpec } from '../test/unit/worker-network/bed-cluster.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    repeat: { type: 'string', default: '5' },
    count: { type: 'string', default: '20' },
  },
});
const DURATION = Number(values.duration);
const REPEAT = Number(values.repeat);
const COUNT = Number(values.count);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

const skip = await Bed.unavailable();
if (skip) {
  console.error(`overlay-throughput: ${skip}`);
  process.exit(2);
}

const c = await BedCluster.start(3);
try {
  const net = await c.createNetwork('bench');
  await c.createService(serviceSpec('peer', { replicas: 2, networks: ['bench'], image: 'tsswarm/busybox', args: ['sleep', '3600'] }));
  const tasks = await c.running('peer', 2);
  const a = tasks.find((t) => t.host === 2);
  const b = tasks.find((t) => t.host === 3);
  if (!a || !b) throw new Error(`the two tasks must run on hosts 2 and 3, got ${tasks.map((t) => t.host).join(',')}`);
  const pidOf = async (t: typeof a): Promise<string> => (await c.bed.docker(t.host, ['inspect', '-f', '{{.State.Pid}}', t.containerId])).stdout.trim();
  const pa = await pidOf(a);
  const pb = await pidOf(b);
  const ipB = b.addrs.get(net) ?? '';
  // Wait until the overlay carries traffic.
  for (let i = 0; ; i++) {
    const r = await c.bed.exec(2, 'nsenter', ['-t', pa, '-n', 'busybox', 'ping', '-c1', '-W1', ipB]);
    if (r.code === 0) break;
    if (i > 30) throw new Error(`overlay not up: ${r.stdout}${r.stderr}`);
  }

  interface Run {
    gbits: number;
    /** CPU seconds (client + server, user + system) per GB received. */
    cpuPerGB: number;
  }

  /** One iperf3 run: server in host 3, client in host 2, each behind `ns` (a netns prefix, or none). */
  async function iperf(serverNs: string[], clientNs: string[], target: string): Promise<Run> {
    const server = [...serverNs, 'iperf3', '-s', '-1'];
    const srv = c.bed.spawn(3, server[0] ?? 'iperf3', server.slice(1));
    await new Promise((r) => setTimeout(r, 700));
    const client = [...clientNs, 'iperf3', '-c', target, '-t', String(DURATION), '-J'];
    const r = await c.bed.exec(2, client[0] ?? 'iperf3', client.slice(1), {}, { timeoutMs: (DURATION + 20) * 1000 });
    srv.kill('SIGTERM');
    if (r.code !== 0) throw new Error(`iperf3 failed: ${r.stdout.slice(0, 400)} ${r.stderr}`);
    const j = JSON.parse(r.stdout) as {
      end: { sum_received: { bits_per_second: number; bytes: number }; cpu_utilization_percent: { host_total: number; remote_total: number } };
    };
    const cpu = j.end.cpu_utilization_percent;
    const seconds = ((cpu.host_total + cpu.remote_total) / 100) * DURATION;
    return { gbits: j.end.sum_received.bits_per_second / 1e9, cpuPerGB: seconds / (j.end.sum_received.bytes / 1e9) };
  }

  async function rtt(ns: string[], target: string): Promise<number> {
    const cmd = [...ns, 'busybox', 'ping', '-c', String(COUNT), '-i', '0.2', '-q', target];
    const r = await c.bed.exec(2, cmd[0] ?? 'busybox', cmd.slice(1), {}, { timeoutMs: COUNT * 1000 + 10_000 });
    const m = /= [\d.]+\/([\d.]+)\//.exec(r.stdout);
    if (!m?.[1]) throw new Error(`ping: ${r.stdout} ${r.stderr}`);
    return Number(m[1]);
  }

  const underlayAddr = c.bed.host(3).addr;
  const under: Run[] = [];
  const over: Run[] = [];
  const runUnder = async (): Promise<void> => void under.push(await iperf([], [], underlayAddr));
  const runOver = async (): Promise<void> => void over.push(await iperf(['nsenter', '-t', pb, '-n'], ['nsenter', '-t', pa, '-n'], ipB));
  for (let i = 0; i < REPEAT; i++) {
    for (const run of i % 2 === 0 ? [runUnder, runOver] : [runOver, runUnder]) await run();
  }
  const rttUnder = await rtt([], underlayAddr);
  const rttOver = await rtt(['nsenter', '-t', pa, '-n'], ipB);
  const u = median(under.map((x) => x.gbits));
  const o = median(over.map((x) => x.gbits));
  const uc = median(under.map((x) => x.cpuPerGB));
  const oc = median(over.map((x) => x.cpuPerGB));
  const runs = (xs: Run[]): string => xs.map((x) => x.gbits.toFixed(2)).join(', ');
  console.log(`overlay vs underlay, host 2 → host 3, iperf3 1 stream ${DURATION} s × ${REPEAT} interleaved (median), ping × ${COUNT}`);
  console.log(`| path | TCP Gbit/s (runs) | CPU s per GB | RTT avg ms |`);
  console.log(`| --- | ---: | ---: | ---: |`);
  console.log(`| underlay (host → host) | ${u.toFixed(2)} (${runs(under)}) | ${uc.toFixed(3)} | ${rttUnder.toFixed(3)} |`);
  console.log(`| overlay (task → task, VXLAN) | ${o.toFixed(2)} (${runs(over)}) | ${oc.toFixed(3)} | ${rttOver.toFixed(3)} |`);
  console.log(`overlay/underlay throughput ratio: ${(o / u).toFixed(2)}; CPU per GB ratio (underlay/overlay): ${(uc / oc).toFixed(2)}; RTT ratio: ${(rttOver / rttUnder).toFixed(2)}`);
} finally {
  await c.down();
}
