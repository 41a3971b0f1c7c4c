// Manual measurement (not part of the suite): iperf3 between two "containers" over the overlay
// vs between their two "hosts" over the lab underlay. Root and iperf3 needed; traffic stays on
// the lab's own addresses. Run: node --import tsx test/unit/overlay/throughput.ts
import { pino } from 'pino';
import { OverlayDriver, macForIp } from '../../../src/overlay/index.js';
import { NetnsLab, canRunLab, inNs } from './netns-lab.js';

const SECONDS = 3;

async function iperf(lab: NetnsLab, serverNs: string, clientNs: string, addr: string, extra: string[] = []): Promise<string> {
  const server = await lab.startIn(serverNs, ['iperf3', '-s', '-1', '-B', addr]);
  try {
    type Result = {
      error?: string;
      end: { sum_received?: { bits_per_second: number }; sum_sent?: { retransmits?: number }; sum?: { bits_per_second: number; lost_percent?: number } };
    };
    let j: Result = { error: 'not run', end: {} };
    // Retry while the server is not listening yet (bounded).
    for (let i = 0; i < 50 && j.error !== undefined; i++) {
      if (i > 0) await new Promise((res) => setTimeout(res, 100));
      const r = await inNs(clientNs, ['iperf3', '-c', addr, '-t', String(SECONDS), '-J', ...extra], (SECONDS + 10) * 1000);
      j = JSON.parse(r.out.slice(r.out.indexOf('{'), r.out.lastIndexOf('}') + 1) || '{"error":"no output","end":{}}') as Result;
    }
    if (j.error !== undefined) return `failed: ${j.error}`;
    if (j.end.sum?.lost_percent !== undefined) return `${(j.end.sum.bits_per_second / 1e9).toFixed(2)} Gbit/s, ${j.end.sum.lost_percent.toFixed(2)} % lost`;
    return `${((j.end.sum_received?.bits_per_second ?? 0) / 1e9).toFixed(2)} Gbit/s (retransmits ${j.end.sum_sent?.retransmits ?? 0})`;
  } finally {
    lab.kill(server);
  }
}

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
  console.log(`underlay (host to host, veth + bridge, MTU 1500): ${await iperf(lab, lab.hosts[1]!.ns, lab.hosts[0]!.ns, lab.hosts[1]!.addr)}`);
  console.log(`overlay  (container to container, VXLAN, MTU 1450): ${await iperf(lab, c2.ns, c1.ns, '10.0.20.3')}`);
  console.log(`underlay UDP, 1350-byte datagrams, 1 Gbit/s offered: ${await iperf(lab, lab.hosts[1]!.ns, lab.hosts[0]!.ns, lab.hosts[1]!.addr, ['-u', '-b', '1G', '-l', '1350'])}`);
  console.log(`overlay  UDP, 1350-byte datagrams, 1 Gbit/s offered: ${await iperf(lab, c2.ns, c1.ns, '10.0.20.3', ['-u', '-b', '1G', '-l', '1350'])}`);
} finally {
  await lab.destroy();
}
