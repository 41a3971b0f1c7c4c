// Reads what the kernel has: this driver's sandboxes (bridge, VXLAN device, endpoint veths,
// FDB and neighbour entries) and the containers' side of each endpoint.
import { readlink } from 'node:fs/promises';
import type { CommandRunner } from './command-runner.js';
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
import { ip, bridge, inContainer } from './commands.js';

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

export async function readSandbox(run: CommandRunner, name: string, vni: number): Promise<ObservedSandbox> {
  const [ipOut, fdbOut] = await Promise.all([
    run.run(ip(name, '-json', '-d', '-batch', '-'), { input: 'addr show\nneigh show\n' }),
    run.run(bridge(name, '-json', 'fdb', 'show')),
  ]);
  const [addrRows = [], neighRows = []] = parseJsonStream(ipOut.stdout);
  const sb: ObservedSandbox = { name, vni, bridge: undefined, vxlan: undefined, veths: [], strays: [], neigh: [], fdb: [] };
  for (const link of parseLinks(addrRows)) {
    if (link.name === 'lo') continue;
    if (link.name === BRIDGE && link.kind === 'bridge') sb.bridge = { ...link, meta: parseBridgeAlias(link.alias) };
    else if (link.name === VXLAN && link.kind === 'vxlan') sb.vxlan = { ...link, info: vxlanInfo(link.data) };
    else if (link.kind === 'veth') sb.veths.push({ link, alias: parseEndpointAlias(link.alias) });
    else sb.strays.push(link.name);
  }
  sb.neigh = parseNeigh(neighRows).filter((n) => n.dev === VXLAN);
  sb.fdb = parseFdb(parseJsonStream(fdbOut.stdout)[0] ?? []).filter(
    (f) => f.dev === VXLAN && f.master === undefined && f.dst !== undefined,
  );
  return sb;
}

export async function readContainer(run: CommandRunner, pid: number, readNetns: NetnsReader): Promise<ObservedContainer> {
  const netns = await readNetns(pid);
  if (netns === undefined) return { pid, netns, links: undefined };
  try {
    const { stdout } = await run.run(inContainer(pid, 'ip', '-json', '-d', 'addr', 'show'));
    // The process may have exited (and its pid been reused) while we read: check again.
    if ((await readNetns(pid)) !== netns) return { pid, netns: undefined, links: undefined };
    return { pid, netns, links: parseLinks(parseJsonStream(stdout)[0] ?? []) };
  } catch {
    return { pid, netns, links: undefined };
  }
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
