// TCP throughput (iperf3, one stream) and RTT (busybox ping) between two bed hosts, each end
// optionally inside another netns (a task container's, by `nsenter -t PID -n`): the host's own
// binaries run in the task's netns, so no image has to carry them and the packets take exactly
// the task's path.
import type { Bed } from '../../test/harness/bed.js';

export interface ThroughputRun {
  gbits: number;
  /** CPU seconds (client + server, user + system, iperf3's own accounting) per GB received. */
  cpuPerGB: number;
}

/** One end of a measurement: a bed host, and the pid of a process whose netns to enter (or none: the host's own). */
export interface End {
  host: number;
  netnsPid?: string;
}

function inNetns(end: End, cmd: string[]): [string, string[]] {
  const full = end.netnsPid === undefined ? cmd : ['nsenter', '-t', end.netnsPid, '-n', ...cmd];
  return [full[0] as string, full.slice(1)];
}

interface IperfJson {
  end?: {
    sum_received?: { bits_per_second: number; bytes: number };
    cpu_utilization_percent?: { host_total: number; remote_total: number };
  };
  error?: string;
}

/** Reads `iperf3 -J` output of a client run of `seconds` s. */
export function parseIperf(json: string, seconds: number): ThroughputRun {
  const j = JSON.parse(json) as IperfJson;
  const recv = j.end?.sum_received;
  const cpu = j.end?.cpu_utilization_percent;
  if (j.error || !recv || !cpu || recv.bytes <= 0) throw new Error(`iperf3: ${j.error ?? 'no result'}`);
  const cpuSeconds = ((cpu.host_total + cpu.remote_total) / 100) * seconds;
  return { gbits: recv.bits_per_second / 1e9, cpuPerGB: cpuSeconds / (recv.bytes / 1e9) };
}

/** The average of busybox ping's "round-trip min/avg/max = a/b/c ms" line, in ms. */
export function parsePingAvg(out: string): number {
  const m = /= [\d.]+\/([\d.]+)\//.exec(out);
  if (!m?.[1]) throw new Error(`ping: no round-trip line in ${JSON.stringify(out.slice(-300))}`);
  return Number(m[1]);
}

/** One iperf3 run, server (one connection, `-1`) at `server`, client at `client` to `target`. */
export async function iperf(bed: Bed, server: End, client: End, target: string, seconds: number): Promise<ThroughputRun> {
  const [scmd, sargs] = inNetns(server, ['iperf3', '-s', '-1']);
  const srv = bed.spawn(server.host, scmd, sargs, { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 700)); // the server binds its port
    const [ccmd, cargs] = inNetns(client, ['iperf3', '-c', target, '-t', String(seconds), '-J']);
    const r = await bed.exec(client.host, ccmd, cargs, {}, { timeoutMs: (seconds + 20) * 1000 });
    if (r.code !== 0) throw new Error(`iperf3 -c ${target} failed (exit ${r.code}): ${r.stdout.slice(0, 400)} ${r.stderr.trim()}`);
    return parseIperf(r.stdout, seconds);
  } finally {
    if (srv.exitCode === null && srv.signalCode === null) srv.kill('SIGTERM');
  }
}

/** Average RTT of `count` echoes, 0.2 s apart, from `from` to `target`, in ms. */
export async function pingRtt(bed: Bed, from: End, target: string, count: number): Promise<number> {
  const [cmd, args] = inNetns(from, ['busybox', 'ping', '-c', String(count), '-i', '0.2', '-q', target]);
  const r = await bed.exec(from.host, cmd, args, {}, { timeoutMs: count * 1000 + 10_000 });
  return parsePingAvg(r.stdout + r.stderr);
}

/** Polls (one echo, at most `tries` times) until `target` answers from `from`; throws if it never does. */
export async function waitReachable(bed: Bed, from: End, target: string, what: string, tries = 30): Promise<void> {
  let last = '';
  for (let i = 0; i < tries; i++) {
    const [cmd, args] = inNetns(from, ['busybox', 'ping', '-c1', '-W1', target]);
    const r = await bed.exec(from.host, cmd, args, {}, { timeoutMs: 10_000 });
    if (r.code === 0) return;
    last = `${r.stdout}${r.stderr}`.trim();
  }
  throw new Error(`${what}: ${target} does not answer from host ${from.host} after ${tries} tries (${last.slice(-200)})`);
}

/** MTU of the interface a netns routes `target` through (`ip route get`; not sysfs, which shows the root netns), for the report. */
export async function pathMtu(bed: Bed, from: End, target: string): Promise<string> {
  const [cmd, args] = inNetns(from, ['sh', '-c', 'dev=$(ip -o route get "$1" | sed -n "s/.* dev \\([^ ]*\\).*/\\1/p"); ip -o link show dev "$dev" | sed -n "s/.* mtu \\([0-9]*\\).*/\\1/p"', 'mtu', target]);
  const r = await bed.exec(from.host, cmd, args);
  return r.stdout.trim() || '?';
}
