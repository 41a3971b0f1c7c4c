// Reads what the kernel has: this driver's sandboxes (bridge, VXLAN device, endpoint veths,
// FDB and neighbour entries) and the containers' side of each endpoint.
import { readlink } from 'node:fs/promises';
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
import { BRIDGE, VXLAN, parseBridgeAlias, parseEndpointAlias, parseSandboxName, type BridgeAlias, type EndpointAlias } from './names.js';
import { SANDBOX_SYSCTL_PATHS, parseSysctlDump } from './sysctls.js';

export interface ObservedVeth {
  link: IpLink;
  /** Undefined when the alias is not one this driver wrote (a stray to remove). */
  alias: EndpointAlias | undefined;
}

export interface ObservedSandbox {
  name: string;
  vni: number;
  bridge: (IpLink & { meta: BridgeAlias | undefined }) | undefined;
  vxlan: (IpLink & { info: VxlanInfo }) | undefined;
  veths: ObservedVeth[];
  /** Any other link (a VXLAN device left under its temporary name, …), to remove. */
  strays: string[];
  neigh: NeighEntry[];
  /** The VXLAN device's own entries that have a remote (dst). */
  fdb: FdbEntry[];
  /** MACs the bridge has learned behind vxlan0 (a cache, not programmed state). */
  learned: string[];
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
  containers: Map<number, ObservedContainer>;
}

/** Reads this driver's sandboxes (all netns named <prefix>-<vni>) and the given containers. */
export async function readState(run: CommandRunner, prefix: string, pids: readonly number[], readNetns: NetnsReader): Promise<Observed> {
  const observed = await readOnce(run, prefix, pids, readNetns);
  // Endpoints of containers nobody asked about (they are leaving): read those too.
  const extra = new Set<number>();
  for (const sb of observed.sandboxes) for (const v of sb.veths) if (v.alias && !observed.containers.has(v.alias.pid)) extra.add(v.alias.pid);
  if (extra.size > 0) {
    const more = await readOnce(run, undefined, [...extra], readNetns);
    for (const [pid, c] of more.containers) observed.containers.set(pid, c);
  }
  return observed;
}

async function readOnce(run: CommandRunner, prefix: string | undefined, pids: readonly number[], readNetns: NetnsReader): Promise<Observed> {
  const unique = [...new Set(pids)];
  const before = await Promise.all(unique.map(readNetns));
  const { stdout } = await run.run(['sh', '-c', READ_SCRIPT, 'tsov-read', prefix ?? '-', ...unique.map(String)]);
  const after = await Promise.all(unique.map(readNetns));

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
    if (prefix === undefined || !k.startsWith('sb ')) continue;
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
  unique.forEach((pid, i) => {
    const netns = before[i];
    const sec = sections.get(`pid ${pid}`);
    // The process may have exited (and its PID been reused) while we read: then it is gone.
    if (netns === undefined || after[i] !== netns) containers.set(pid, { pid, netns: undefined, links: undefined });
    else if (sec === undefined || sec.rc !== 0) containers.set(pid, { pid, netns, links: undefined });
    else containers.set(pid, { pid, netns, links: parseLinks(parseJsonStream(sec.text)[0] ?? []) });
  });
  return { sandboxes: sandboxes.sort((a, b) => a.vni - b.vni), containers };
}

function toSandbox(name: string, vni: number, addrText: string, neighText: string, fdbText: string): ObservedSandbox {
  const sb: ObservedSandbox = { name, vni, bridge: undefined, vxlan: undefined, veths: [], strays: [], neigh: [], fdb: [], learned: [], sysctls: new Map() };
  for (const link of parseLinks(parseJsonStream(addrText)[0] ?? [])) {
    if (link.name === 'lo') continue;
    if (link.name === BRIDGE && link.kind === 'bridge') sb.bridge = { ...link, meta: parseBridgeAlias(link.alias) };
    else if (link.name === VXLAN && link.kind === 'vxlan') sb.vxlan = { ...link, info: vxlanInfo(link.data) };
    else if (link.kind === 'veth') sb.veths.push({ link, alias: parseEndpointAlias(link.alias) });
    else sb.strays.push(link.name);
  }
  sb.neigh = parseNeigh(parseJsonStream(neighText)[0] ?? []).filter((n) => n.dev === VXLAN);
  const fdb = parseFdb(parseJsonStream(fdbText)[0] ?? []).filter((f) => f.dev === VXLAN);
  sb.fdb = fdb.filter((f) => f.master === undefined && f.dst !== undefined);
  sb.learned = fdb.filter((f) => f.master === BRIDGE && !f.permanent).map((f) => f.mac);
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
