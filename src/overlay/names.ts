// Names the driver gives kernel objects, and the aliases it writes on them so that a fresh
// driver (after a worker restart) can tell what each object is for without any file of its own.
import { createHash } from 'node:crypto';

export const VXLAN = 'vxlan0';
/** Macvlan child of vxlan0 in the sandbox that holds the network's gateway address. */
export const GATEWAY = 'gw0';
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

/** Name of an endpoint's macvlan in the sandbox, before it moves into its container. */
export function tmpEndpointName(taskId: string): string {
  return `mv${createHash('sha1').update(taskId).digest('hex').slice(0, 11)}`;
}

export interface NetworkAlias {
  networkId: string;
  name: string;
}

/** Written on the container-side macvlan: which sandbox (so which host's driver and network) and task. */
export interface EndpointAlias {
  sandbox: string;
  taskId: string;
}

// Values are URI-encoded so an alias has no spaces, quotes or '#' (safe in an ip -batch line).
const enc = encodeURIComponent;

export function formatNetworkAlias(a: NetworkAlias): string {
  return `${ALIAS_TAG},net=${enc(a.networkId)},name=${enc(a.name)}`;
}

export function formatEndpointAlias(a: EndpointAlias): string {
  return `${ALIAS_TAG},sb=${enc(a.sandbox)},task=${enc(a.taskId)}`;
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

export function parseNetworkAlias(alias: string | undefined): NetworkAlias | undefined {
  const m = parseAlias(alias);
  const networkId = m?.get('net');
  if (networkId === undefined) return undefined;
  return { networkId, name: m?.get('name') ?? '' };
}

export function parseEndpointAlias(alias: string | undefined): EndpointAlias | undefined {
  const m = parseAlias(alias);
  const sandbox = m?.get('sb');
  const taskId = m?.get('task');
  if (sandbox === undefined || taskId === undefined || taskId === '') return undefined;
  return { sandbox, taskId };
}
