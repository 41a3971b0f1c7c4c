// Names the driver gives kernel objects, and the aliases it writes on them so that a fresh
// driver (after a worker restart) can tell what each object is for without any file of its own.
import { createHash } from 'node:crypto';

export const BRIDGE = 'br0';
export const VXLAN = 'vxlan0';
const ALIAS_TAG = 'tsov1';

/** Netns name of a network's sandbox on this host. */
export function sandboxName(prefix: string, vni: number): string {
  return `${prefix}-${vni}`;
}

/** The VNI of a sandbox this driver made, or undefined for any other netns name. */
export function parseSandboxName(prefix: string, name: string): number | undefined {
  if (!name.startsWith(`${prefix}-`)) return undefined;
  const rest = name.slice(prefix.length + 1);
  return /^[1-9]\d{0,7}$/.test(rest) ? Number(rest) : undefined;
}

/** Name of the VXLAN device while it is still in the host netns (before the move). */
export function tmpVxlanName(vni: number): string {
  return `vx-${vni}`;
}

/** Sandbox-side veth name of an endpoint: stable per (network, task), 13 characters. */
export function vethName(networkId: string, taskId: string): string {
  return `ve${createHash('sha1').update(`${networkId}/${taskId}`).digest('hex').slice(0, 11)}`;
}

export interface BridgeAlias {
  networkId: string;
  name: string;
}

export interface EndpointAlias {
  taskId: string;
  pid: number;
  /** Inode of the container's netns (from /proc/PID/ns/net) when the endpoint was made. */
  netns: string;
}

// Values are URI-encoded so an alias has no spaces, quotes or '#' (safe in an ip -batch line).
const enc = encodeURIComponent;

export function formatBridgeAlias(a: BridgeAlias): string {
  return `${ALIAS_TAG},net=${enc(a.networkId)},name=${enc(a.name)}`;
}

export function formatEndpointAlias(a: EndpointAlias): string {
  return `${ALIAS_TAG},task=${enc(a.taskId)},pid=${a.pid},ns=${enc(a.netns)}`;
}

function parseAlias(alias: string | undefined): Map<string, string> | undefined {
  if (alias === undefined) return undefined;
  const [tag, ...pairs] = alias.split(',');
  if (tag !== ALIAS_TAG) return undefined;
  const out = new Map<string, string>();
  try {
    for (const p of pairs) {
      const i = p.indexOf('=');
      if (i < 0) return undefined;
      out.set(p.slice(0, i), decodeURIComponent(p.slice(i + 1)));
    }
  } catch {
    return undefined;
  }
  return out;
}

export function parseBridgeAlias(alias: string | undefined): BridgeAlias | undefined {
  const m = parseAlias(alias);
  const networkId = m?.get('net');
  if (networkId === undefined) return undefined;
  return { networkId, name: m?.get('name') ?? '' };
}

export function parseEndpointAlias(alias: string | undefined): EndpointAlias | undefined {
  const m = parseAlias(alias);
  const taskId = m?.get('task');
  const pid = Number(m?.get('pid'));
  const netns = m?.get('ns');
  if (taskId === undefined || !Number.isInteger(pid) || pid <= 0 || netns === undefined) return undefined;
  return { taskId, pid, netns };
}
