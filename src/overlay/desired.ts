// Checks a desired state and turns it into the per-network form the planner works on. Only
// networks with at least one local endpoint get a sandbox on this host.
import { inCidr, normalizeMac, parseCidr, parseIPv4 } from './addr.js';
import { OverlayStateError } from './errors.js';
import { formatNetworkAlias, sandboxName } from './names.js';
import { DEFAULT_MTU, type OverlayDesiredState, type OverlayNetwork } from './types.js';

export interface DesiredLocal {
  taskId: string;
  networkId: string;
  pid: number;
  ip: string;
  prefixLen: number;
  mac: string;
  /** Set when the caller chose the name; otherwise the planner picks one. */
  ifName: string | undefined;
}

export interface DesiredRemote {
  taskId: string;
  ip: string;
  mac: string;
  hostAddr: string;
}

export interface DesiredNetwork {
  net: OverlayNetwork;
  /** Position in the caller's network list (default interface names follow it). */
  order: number;
  sandbox: string;
  mtu: number;
  /** Gateway as ADDR/PREFIX, as it sits on the sandbox's gw0. */
  gatewayCidr: string;
  /** Written on vxlan0: the network's id and name. */
  networkAlias: string;
  local: DesiredLocal[];
  remote: DesiredRemote[];
}

export interface NormalizedState {
  networks: DesiredNetwork[];
  /** Not errors, but worth a warning (a remote endpoint said to be on this very host). */
  warnings: string[];
  /** Entries skipped as expected (remotes on networks not listed): debug-level. */
  ignored: string[];
}

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const MAX_VNI = 0xffffff;

export function normalizeState(state: OverlayDesiredState, opts: { prefix: string; underlayAddr: string }): NormalizedState {
  const problems: string[] = [];
  const warnings: string[] = [];
  const ignored: string[] = [];
  const byId = new Map<string, { net: OverlayNetwork; order: number; cidr: { base: number; prefixLen: number } }>();
  const vnis = new Set<number>();

  state.networks.forEach((net, order) => {
    const where = `network ${net.id || '(no id)'}`;
    const cidr = parseCidr(net.subnet);
    const gw = parseIPv4(net.gateway);
    let ok = true;
    const bad = (msg: string): void => {
      problems.push(`${where}: ${msg}`);
      ok = false;
    };
    if (!net.id) bad('empty id');
    if (byId.has(net.id)) bad('duplicate id');
    if (!Number.isInteger(net.vni) || net.vni < 1 || net.vni > MAX_VNI) bad(`vni ${net.vni} is not in 1..${MAX_VNI}`);
    else if (vnis.has(net.vni)) bad(`vni ${net.vni} is used by another network`);
    if (!cidr) bad(`subnet "${net.subnet}" is not an IPv4 CIDR with host bits clear`);
    if (gw === undefined) bad(`gateway "${net.gateway}" is not an IPv4 address`);
    else if (cidr && !inCidr(gw, cidr)) bad(`gateway ${net.gateway} is outside ${net.subnet}`);
    if (net.mtu !== undefined && (!Number.isInteger(net.mtu) || net.mtu < 576 || net.mtu > 9000)) bad(`mtu ${net.mtu} is not in 576..9000`);
    if (ok && cidr) {
      byId.set(net.id, { net, order, cidr });
      vnis.add(net.vni);
    }
  });

  const nets = new Map<string, DesiredNetwork>();
  const ipsByNet = new Map<string, Set<string>>();
  const macsByNet = new Map<string, Set<string>>();
  const claim = (networkId: string, ipAddr: string, mac: string, where: string): void => {
    const ips = ipsByNet.get(networkId) ?? new Set<string>();
    const macs = macsByNet.get(networkId) ?? new Set<string>();
    if (ips.has(ipAddr)) problems.push(`${where}: ip ${ipAddr} is used twice on network ${networkId}`);
    if (macs.has(mac)) problems.push(`${where}: mac ${mac} is used twice on network ${networkId}`);
    ips.add(ipAddr);
    macs.add(mac);
    ipsByNet.set(networkId, ips);
    macsByNet.set(networkId, macs);
  };
  const seenLocal = new Set<string>();
  const ifNames = new Map<number, Set<string>>();

  for (const ep of state.local) {
    const where = `local endpoint ${ep.taskId} on network ${ep.networkId}`;
    const n = byId.get(ep.networkId);
    if (!n) {
      problems.push(`${where}: unknown or invalid network`);
      continue;
    }
    const addr = parseIPv4(ep.ip);
    const mac = normalizeMac(ep.mac);
    const before = problems.length;
    if (!ep.taskId) problems.push(`${where}: empty taskId`);
    if (seenLocal.has(`${ep.networkId}/${ep.taskId}`)) problems.push(`${where}: listed twice`);
    if (!Number.isInteger(ep.containerPid) || ep.containerPid <= 0) problems.push(`${where}: containerPid ${ep.containerPid} is not a PID`);
    if (addr === undefined) problems.push(`${where}: ip "${ep.ip}" is not IPv4`);
    else if (!inCidr(addr, n.cidr)) problems.push(`${where}: ip ${ep.ip} is outside ${n.net.subnet}`);
    if (!Number.isInteger(ep.prefixLen) || ep.prefixLen < 1 || ep.prefixLen > 32) problems.push(`${where}: prefixLen ${ep.prefixLen} is not in 1..32`);
    if (mac === undefined) problems.push(`${where}: mac "${ep.mac}" is not a MAC address`);
    if (ep.ifName !== undefined) {
      const taken = ifNames.get(ep.containerPid) ?? new Set<string>();
      if (!IFNAME.test(ep.ifName) || ep.ifName === 'lo') problems.push(`${where}: ifName "${ep.ifName}" is not a usable interface name`);
      else if (taken.has(ep.ifName)) problems.push(`${where}: ifName ${ep.ifName} is used twice in the same container`);
      taken.add(ep.ifName);
      ifNames.set(ep.containerPid, taken);
    }
    if (problems.length > before || mac === undefined) continue;
    seenLocal.add(`${ep.networkId}/${ep.taskId}`);
    claim(ep.networkId, ep.ip, mac, where);
    const dn = nets.get(ep.networkId) ?? newDesired(n.net, n.order, n.cidr.prefixLen, opts.prefix);
    nets.set(ep.networkId, dn);
    dn.local.push({
      taskId: ep.taskId,
      networkId: ep.networkId,
      pid: ep.containerPid,
      ip: ep.ip,
      prefixLen: ep.prefixLen,
      mac,
      ifName: ep.ifName,
    });
  }

  for (const ep of state.remote) {
    const where = `remote endpoint ${ep.taskId} on network ${ep.networkId}`;
    const n = byId.get(ep.networkId);
    if (!n) {
      // A caller may list every remote of the cluster but only the networks this host uses:
      // such an entry has nowhere to go. (An invalid network is already a problem above.)
      if (!state.networks.some((x) => x.id === ep.networkId)) ignored.push(`${where}: network not in state.networks`);
      continue;
    }
    const addr = parseIPv4(ep.ip);
    const mac = normalizeMac(ep.mac);
    const before = problems.length;
    if (addr === undefined) problems.push(`${where}: ip "${ep.ip}" is not IPv4`);
    else if (!inCidr(addr, n.cidr)) problems.push(`${where}: ip ${ep.ip} is outside ${n.net.subnet}`);
    if (mac === undefined) problems.push(`${where}: mac "${ep.mac}" is not a MAC address`);
    if (parseIPv4(ep.hostAddr) === undefined) problems.push(`${where}: hostAddr "${ep.hostAddr}" is not IPv4`);
    if (problems.length > before || mac === undefined) continue;
    claim(ep.networkId, ep.ip, mac, where);
    if (ep.hostAddr === opts.underlayAddr) {
      warnings.push(`${where}: hostAddr ${ep.hostAddr} is this host; ignored (local endpoints come from state.local)`);
      continue;
    }
    // Locals were all seen above; a network without any has no sandbox here, so no entries.
    nets.get(ep.networkId)?.remote.push({ taskId: ep.taskId, ip: ep.ip, mac, hostAddr: ep.hostAddr });
  }
  if (problems.length > 0) throw new OverlayStateError(problems);
  return { networks: [...nets.values()].sort((a, b) => a.order - b.order), warnings, ignored };
}

function newDesired(net: OverlayNetwork, order: number, prefixLen: number, prefix: string): DesiredNetwork {
  return {
    net,
    order,
    sandbox: sandboxName(prefix, net.vni),
    mtu: net.mtu ?? DEFAULT_MTU,
    gatewayCidr: `${net.gateway}/${prefixLen}`,
    networkAlias: formatNetworkAlias({ networkId: net.id, name: net.name }),
    local: [],
    remote: [],
  };
}
