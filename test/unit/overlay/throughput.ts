// Manual measurement (not part of the suite): iperf3 between two "containers" over the overlay
// vs between their two "hosts" over the lab underlay. Root and iperf3 needed; traffic stays on
// the lab's own addresses.
//
//   node --import tsx test/unit/overlay/throughput.ts [--rounds 5] [--seconds 3]
//
// TCP runs are interleaved (the order shuffled every round) and the medians printed, with the
// CPU time both iperf3 processes used per GB moved (iperf3's own accounting, which includes the
// softirq work done in their context): on a shared machine throughput follows whatever else
// runs, CPU per GB much less so.
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { OverlayDriver, macForIp } from '../../../src/overlay/index.js';
import { NetnsLab, canRunLab, inNs } from './netns-lab.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '3' },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);

interface Result {
  error?: string;
  end: {
    sum_received?: { bits_per_second: number; bytes: number };
    sum_sent?: { retransmits?: number };
    sum?: { bits_per_second: number; lost_percent?: number };
    cpu_utilization_percent?: { host_total: number; remote_total: number };
  };
}

async function iperf(lab: NetnsLab, serverNs: string, clientNs: string, addr: string, extra: string[] = []): Promise<Result> {
  const server = await lab.startIn(serverNs, ['iperf3', '-s', '-1', '-B', addr]);
  try {
    let j: Result = { error: 'not run', end: {} };
    // Retry while the server is not listening yet (bounded).
    for (let i = 0; i < 50 && j.error !== undefined; i++) {
      if (i > 0) await new Promise((res) => setTimeout(res, 100));
      const r = await inNs(clientNs, ['iperf3', '-c', addr, '-t', String(SECONDS), '-J', ...extra], (SECONDS + 10) * 1000);
      j = JSON.parse(r.out.slice(r.out.indexOf('{'), r.out.lastIndexOf('}') + 1) || '{"error":"no output","end":{}}') as Result;
    }
    return j;
  } finally {
    lab.kill(server);
  }
}

function udpLine(j: Result): string {
  if (j.error !== undefined) return `failed: ${j.error}`;
  return `${((j.end.sum?.bits_per_second ?? 0) / 1e9).toFixed(2)} Gbit/s, ${(j.end.sum?.lost_percent ?? 0).toFixed(2)} % lost`;
}

interface TcpRun {
  gbits: number;
  cpuPerGB: number;
  retransmits: number;
}

function tcpRun(j: Result): TcpRun {
  if (j.error !== undefined || j.end.sum_received === undefined) throw new Error(`iperf3 failed: ${j.error ?? 'no result'}`);
  const cpu = j.end.cpu_utilization_percent ?? { host_total: NaN, remote_total: NaN };
  const gb = j.end.sum_received.bytes / 1e9;
  return { gbits: j.end.sum_received.bits_per_second / 1e9, cpuPerGB: (((cpu.host_total + cpu.remote_total) / 100) * SECONDS) / gb, retransmits: j.end.sum_sent?.retransmits ?? 0 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const skip = await canRunLab();
if (skip) throw new Error(skip);
await NetnsLab.sweep();
const lab = new NetnsLab();
try {
  await lab.setup(2);
  const [c1, c2] = [await lab.container('c1'), await lab.container('c2')];
  const net = { id: 'net', name: 'bench', vni: 4100, subnet: '10.0.20.0/24', gateway: '10.0.20.1' };
  const eps = [
    { taskId: 'a', host: 0, pid: c1.pid, ip: '10.0.20.2' },
    { taskId: 'b', host: 1, pid: c2.pid, ip: '10.0.20.3' },
  ];
  for (const i of [0, 1]) {
    const d = new OverlayDriver({ underlayAddr: lab.hosts[i]!.addr, log: pino({ level: 'silent' }), hostNetns: lab.hosts[i]!.ns, sandboxPrefix: `tsovt${i + 1}` });
    await d.sync({
      networks: [net],
      local: eps.filter((e) => e.host === i).map((e) => ({ taskId: e.taskId, networkId: 'net', containerPid: e.pid, ip: e.ip, prefixLen: 24, mac: macForIp(e.ip) })),
      remote: eps.filter((e) => e.host !== i).map((e) => ({ taskId: e.taskId, networkId: 'net', ip: e.ip, mac: macForIp(e.ip), hostAddr: lab.hosts[e.host]!.addr })),
    });
  }
  const variants: Array<{ name: string; run: () => Promise<TcpRun> }> = [
    { name: 'underlay (host to host, veth + bridge, MTU 1500)', run: async () => tcpRun(await iperf(lab, lab.hosts[1]!.ns, lab.hosts[0]!.ns, lab.hosts[1]!.addr)) },
    { name: 'overlay  (container to container, macvlan on VXLAN, MTU 1450)', run: async () => tcpRun(await iperf(lab, c2.ns, c1.ns, '10.0.20.3')) },
  ];
  const runs = new Map<string, TcpRun[]>(variants.map((v) => [v.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = [...variants].sort(() => Math.random() - 0.5);
    for (const v of order) runs.get(v.name)!.push(await v.run());
  }
  console.log(`TCP, 1 stream, ${SECONDS} s × ${ROUNDS} interleaved (median):`);
  const under = runs.get(variants[0]!.name)!;
  for (const v of variants) {
    const xs = runs.get(v.name)!;
    const g = median(xs.map((x) => x.gbits));
    console.log(
      `${v.name}: ${g.toFixed(2)} Gbit/s (${xs.map((x) => x.gbits.toFixed(2)).join(', ')}; ratio ${(g / median(under.map((x) => x.gbits))).toFixed(2)}), ` +
        `${median(xs.map((x) => x.cpuPerGB)).toFixed(3)} CPU s/GB, retransmits ${xs.map((x) => x.retransmits).join('/')}`,
    );
  }
  console.log(`underlay UDP, 1350-byte datagrams, 1 Gbit/s offered: ${udpLine(await iperf(lab, lab.hosts[1]!.ns, lab.hosts[0]!.ns, lab.hosts[1]!.addr, ['-u', '-b', '1G', '-l', '1350']))}`);
  console.log(`overlay  UDP, 1350-byte datagrams, 1 Gbit/s offered: ${udpLine(await iperf(lab, c2.ns, c1.ns, '10.0.20.3', ['-u', '-b', '1G', '-l', '1350']))}`);
} finally {
  await lab.destroy();
}
