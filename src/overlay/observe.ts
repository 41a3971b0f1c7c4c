// Reads what the kernel has: this driver's sandboxes (VXLAN device, gateway, FDB and
// neighbour entries) and the endpoints, which live wholly inside the containers' netns (a
// macvlan child of a sandbox's vxlan0, tagged with an alias naming the sandbox and task).
import { readdir, readlink } from 'node:fs/promises';
import type { CommandRunner } from './command-runner.js';
import { SandboxReadError } from './errors.js';
import {
  parseFdb,
  parseJsonStream,
  parseLinks,
  parseNeigh,
  vxlanInfo,
  type FdbEntry,
  type IpLink,
  type NeighEntry,
  type VxlanInfo,
} from './iproute-json.js';
import { GATEWAY, VXLAN, parseEndpointAlias, parseNetworkAlias, parseSandboxName, type NetworkAlias } from './names.js';
import { SANDBOX_SYSCTL_PATHS, parseSysctlDump } from './sysctls.js';

export interface ObservedSandbox {
  name: string;
  vni: number;
  vxlan: (IpLink & { info: VxlanInfo; meta: NetworkAlias | undefined }) | undefined;
  /** gw0, the macvlan child holding the gateway address. */
  gateway: IpLink | undefined;
  /** Any other link (a VXLAN device left under its temporary name, …), to remove. */
  strays: string[];
  neigh: NeighEntry[];
  /** The VXLAN device's own entries that have a remote (dst). */
  fdb: FdbEntry[];
  /** The sandbox's SANDBOX_SYSCTLS that could be read (name → value); absent ones do not exist there. */
  sysctls: Map<string, string>;
}

export interface ObservedContainer {
  pid: number;
  /** netns inode, undefined when the process is gone. */
  netns: string | undefined;
  /** Undefined when the netns could not be read. */
  links: IpLink[] | undefined;
}

/** A macvlan in some netns whose alias says this driver made it for `sandbox`. */
export interface ObservedEndpoint {
  sandbox: string;
  taskId: string;
  /** The lowest PID it was read through (its container's netns). */
  pid: number;
  netns: string;
  link: IpLink;
}

/** Reads the netns identity of a process ("4026532537"), undefined when it is gone. */
export type NetnsReader = (pid: number) => Promise<string | undefined>;

export const procNetnsReader: NetnsReader = async (pid) => {
  try {
    const link = await readlink(`/proc/${pid}/ns/net`);
    return /^net:\[(\d+)\]$/.exec(link)?.[1];
  } catch {
    return undefined;
  }
};

/** One PID per network namespace on this machine (the lowest): where endpoints may be. */
export type NetnsScanner = () => Promise<number[]>;

export function procNetnsScanner(readNetns: NetnsReader): NetnsScanner {
  return async () => {
    const lowest = new Map<string, number>();
    const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n)).map(Number);
    const netns = await mapLimit(pids, 64, readNetns);
    pids.forEach((pid, i) => {
      const ns = netns[i];
      if (ns !== undefined && !(pid >= (lowest.get(ns) ?? Infinity))) lowest.set(ns, pid);
    });
    return [...lowest.values()].sort((a, b) => a - b);
  };
}

/** Names of this driver's sandboxes (netns named `<prefix>-<vni>`). */
export async function listSandboxes(run: CommandRunner, prefix: string): Promise<Array<{ name: string; vni: number }>> {
  const { stdout } = await run.run(['ip', '-json', 'netns', 'list']);
  const out: Array<{ name: string; vni: number }> = [];
  for (const rows of parseJsonStream(stdout)) {
    for (const r of rows) {
      const name = typeof r === 'object' && r !== null ? (r as { name?: unknown }).name : undefined;
      if (typeof name !== 'string') continue;
      const vni = parseSandboxName(prefix, name);
      if (vni !== undefined) out.push({ name, vni });
    }
  }
  return out.sort((a, b) => a.vni - b.vni);
}

// One process reads everything: a sandbox costs four cheap forks (ip, bridge, nsenter+grep for
// its sysctls: /proc/sys/net shows the reader's netns) inside the shell instead of spawns from
// Node (which cost far more on a busy host). Names and PIDs are positional arguments, never
// part of the script text; the sysctl paths are constants.
const READ_SCRIPT = `
p=$1; shift
if [ "$p" != - ]; then
  for f in /var/run/netns/"$p"-*; do
    [ -e "$f" ] || continue
    n=\${f##*/}
    echo "@@sb $n"; ip -n "$n" -json -d addr show; r=$?; echo; echo "@@rc $r"
    echo "@@neigh $n"; ip -n "$n" -json neigh show; r=$?; echo; echo "@@rc $r"
    echo "@@fdb $n"; bridge -n "$n" -json fdb show; r=$?; echo; echo "@@rc $r"
    echo "@@sysctl $n"; nsenter --net="$f" grep -H . ${SANDBOX_SYSCTL_PATHS.join(' ')} 2>/dev/null; echo; echo "@@rc 0"
  done
fi
for pid in "$@"; do
  echo "@@pid $pid"; nsenter --net=/proc/$pid/ns/net ip -json -d addr show 2>/dev/null; r=$?; echo; echo "@@rc $r"
done
`;

export interface Observed {
  sandboxes: ObservedSandbox[];
  /** Every PID asked about. */
  containers: Map<number, ObservedContainer>;
  /** This driver's endpoints found in those PIDs' netns, one per link, sorted. */
  endpoints: ObservedEndpoint[];
}

/**
 * Reads this driver's sandboxes (all netns named <prefix>-<vni>) and the netns of the given
 * PIDs, each netns once however many of the PIDs share it.
 */
export async function readState(run: CommandRunner, prefix: string, pids: readonly number[], readNetns: NetnsReader): Promise<Observed> {
  const unique = [...new Set(pids)].sort((a, b) => a - b);
  const netnsOf = await mapLimit(unique, 64, readNetns);
  // One PID per netns is read (the lowest, as the list is sorted).
  const groups = new Map<string, number[]>();
  unique.forEach((pid, i) => {
    const ns = netnsOf[i];
    if (ns !== undefined) groups.set(ns, [...(groups.get(ns) ?? []), pid]);
  });
  const reps = [...groups.values()].map((g) => g[0]!);
  const { stdout } = await run.run(['sh', '-c', READ_SCRIPT, 'tsov-read', prefix, ...reps.map(String)]);
  const after = await mapLimit(reps, 64, readNetns);

  const sections = new Map<string, { text: string; rc: number }>();
  let key: string | undefined;
  let text: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith('@@rc ')) {
      if (key !== undefined) sections.set(key, { text: text.join('\n'), rc: Number(line.slice(5)) });
      key = undefined;
      text = [];
    } else if (line.startsWith('@@')) {
      key = line.slice(2);
      text = [];
    } else text.push(line);
  }

  const sandboxes: ObservedSandbox[] = [];
  for (const [k, addrs] of sections) {
    if (!k.startsWith('sb ')) continue;
    const name = k.slice(3);
    const vni = parseSandboxName(prefix, name);
    if (vni === undefined) continue;
    const neigh = sections.get(`neigh ${name}`);
    const fdb = sections.get(`fdb ${name}`);
    if (addrs.rc !== 0) throw new SandboxReadError(name, 'links');
    if (neigh?.rc !== 0) throw new SandboxReadError(name, 'neighbours');
    if (fdb?.rc !== 0) throw new SandboxReadError(name, 'fdb');
    const sb = toSandbox(name, vni, addrs.text, neigh.text, fdb.text);
    sb.sysctls = parseSysctlDump(sections.get(`sysctl ${name}`)?.text ?? '');
    sandboxes.push(sb);
  }

  const containers = new Map<number, ObservedContainer>();
  const endpoints: ObservedEndpoint[] = [];
  unique.forEach((pid, i) => containers.set(pid, { pid, netns: netnsOf[i], links: undefined }));
  reps.forEach((rep, i) => {
    const netns = netnsOf[unique.indexOf(rep)]!;
    const group = groups.get(netns)!;
    const sec = sections.get(`pid ${rep}`);
    // The process may have exited (and its PID been reused) while we read: then it is gone.
    if (after[i] !== netns) {
      for (const pid of group) containers.set(pid, { pid, netns: pid === rep ? undefined : netns, links: undefined });
      return;
    }
    const links = sec === undefined || sec.rc !== 0 ? undefined : parseLinks(parseJsonStream(sec.text)[0] ?? []);
    for (const pid of group) containers.set(pid, { pid, netns, links });
    for (const link of links ?? []) {
      if (link.kind !== 'macvlan') continue;
      const alias = parseEndpointAlias(link.alias);
      if (alias === undefined || parseSandboxName(prefix, alias.sandbox) === undefined) continue;
      endpoints.push({ sandbox: alias.sandbox, taskId: alias.taskId, pid: rep, netns, link });
    }
  });
  endpoints.sort((a, b) => cmp(a.sandbox, b.sandbox) || cmp(a.taskId, b.taskId) || a.pid - b.pid || a.link.ifindex - b.link.ifindex);
  return { sandboxes: sandboxes.sort((a, b) => a.vni - b.vni), containers, endpoints };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toSandbox(name: string, vni: number, addrText: string, neighText: string, fdbText: string): ObservedSandbox {
  const sb: ObservedSandbox = { name, vni, vxlan: undefined, gateway: undefined, strays: [], neigh: [], fdb: [], sysctls: new Map() };
  for (const link of parseLinks(parseJsonStream(addrText)[0] ?? [])) {
    if (link.name === 'lo') continue;
    if (link.name === VXLAN && link.kind === 'vxlan') sb.vxlan = { ...link, info: vxlanInfo(link.data), meta: parseNetworkAlias(link.alias) };
    else if (link.name === GATEWAY && link.kind === 'macvlan') sb.gateway = link;
    else sb.strays.push(link.name);
  }
  sb.neigh = parseNeigh(parseJsonStream(neighText)[0] ?? []).filter((n) => n.dev === VXLAN);
  sb.fdb = parseFdb(parseJsonStream(fdbText)[0] ?? []).filter((f) => f.dev === VXLAN && f.master === undefined && f.dst !== undefined);
  return sb;
}

/** Runs fn over items with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
