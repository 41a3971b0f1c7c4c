// The pure part of a sync: compares the desired state with what was read from the kernel and
// lists the changes, in the order they must be made (removals first, so names and MACs are
// free again).
import type { DesiredLocal, DesiredNetwork, NormalizedState } from './desired.js';
import { formatEndpointAlias } from './names.js';
import type { ObservedContainer, ObservedEndpoint, ObservedSandbox } from './observe.js';
import { sysctlFixes } from './sysctls.js';
import { VXLAN_PORT } from './types.js';

export interface EndpointAdd {
  ep: DesiredLocal;
  ifName: string;
  alias: string;
}

/** An endpoint macvlan to delete from a container netns (entered through `pid`). */
export interface EndpointRemoval {
  pid: number;
  ifName: string;
  sandbox: string;
  taskId: string;
}

export interface PeerChanges {
  /** MACs whose VXLAN FDB entry goes (all destinations). */
  fdbDel: string[];
  fdbAppend: Array<{ mac: string; dst: string }>;
  neighDel: string[];
  neighReplace: Array<{ ip: string; mac: string }>;
}

export interface NetworkPlan {
  net: DesiredNetwork;
  /** create: no sandbox yet; rebuild: delete it first (see SandboxRemoval); keep: fix in place. */
  action: 'create' | 'rebuild' | 'keep';
  reason: string | undefined;
  /** New vxlan0 alias when only the network's name changed. */
  networkAlias: string | undefined;
  /** Stray links in a kept sandbox to delete. */
  removeLinks: string[];
  /** `name=value` sysctls of a kept sandbox to rewrite (see sysctls.ts). */
  sysctls: string[];
  add: EndpointAdd[];
  peers: PeerChanges;
}

export interface SandboxRemoval {
  sandbox: string;
  vni: number;
  /** From the vxlan0 alias; undefined when the sandbox was too broken to say. */
  networkId: string | undefined;
  /** Links other than vxlan0 (gw0, strays), deleted before the netns so the kernel frees them now. */
  links: string[];
  /** Deleting vxlan0 deletes every endpoint macvlan on it, in whatever netns. */
  hasVxlan: boolean;
  reason: 'unwanted' | 'rebuild';
}

/** An endpoint that cannot be made this round (its container is gone); the sync reports it. */
export interface PlanProblem {
  net: DesiredNetwork;
  taskId: string;
  message: string;
}

export interface PlanCounts {
  networksCreated: number;
  networksRebuilt: number;
  networksUpdated: number;
  networksRemoved: number;
  localAdded: number;
  localRemoved: number;
  remoteAdded: number;
  remoteUpdated: number;
  remoteRemoved: number;
}

export interface Plan {
  removals: SandboxRemoval[];
  /** Endpoints in kept sandboxes' networks (or of no sandbox) that go; made before any add. */
  endpointRemovals: EndpointRemoval[];
  networks: NetworkPlan[];
  problems: PlanProblem[];
  counts: PlanCounts;
}

export interface PlanInput {
  desired: NormalizedState;
  sandboxes: readonly ObservedSandbox[];
  /** By PID: at least every desired container. */
  containers: ReadonlyMap<number, ObservedContainer>;
  /** This driver's endpoints found in the containers read. */
  endpoints: readonly ObservedEndpoint[];
  underlayAddr: string;
}

export function emptyCounts(): PlanCounts {
  return {
    networksCreated: 0,
    networksRebuilt: 0,
    networksUpdated: 0,
    networksRemoved: 0,
    localAdded: 0,
    localRemoved: 0,
    remoteAdded: 0,
    remoteUpdated: 0,
    remoteRemoved: 0,
  };
}

export function planSync(input: PlanInput): Plan {
  const counts = emptyCounts();
  const removals: SandboxRemoval[] = [];
  const endpointRemovals: EndpointRemoval[] = [];
  const networks: NetworkPlan[] = [];
  const problems: PlanProblem[] = [];
  const observedByVni = new Map(input.sandboxes.map((s) => [s.vni, s]));
  const sandboxNames = new Set(input.sandboxes.map((s) => s.name));
  const wanted = new Set(input.desired.networks.map((n) => n.net.vni));
  const endpointsOf = new Map<string, ObservedEndpoint[]>();
  for (const o of input.endpoints) endpointsOf.set(o.sandbox, [...(endpointsOf.get(o.sandbox) ?? []), o]);
  /** Container-side names that go away with removed endpoints, by container netns. */
  const freed = new Map<string, Set<string>>();
  const free = (o: ObservedEndpoint): void => {
    freed.set(o.netns, (freed.get(o.netns) ?? new Set<string>()).add(o.link.name));
  };
  const removeEndpoint = (o: ObservedEndpoint): void => {
    endpointRemovals.push({ pid: o.pid, ifName: o.link.name, sandbox: o.sandbox, taskId: o.taskId });
    free(o);
    counts.localRemoved += 1;
  };
  const pending: Array<{ plan: NetworkPlan; ep: DesiredLocal }> = [];

  const removalOf = (sb: ObservedSandbox, reason: SandboxRemoval['reason']): SandboxRemoval => {
    // Its endpoints go with vxlan0.
    const eps = endpointsOf.get(sb.name) ?? [];
    eps.forEach(free);
    counts.localRemoved += eps.length;
    const links = [...(sb.gateway !== undefined ? [sb.gateway.name] : []), ...sb.strays];
    return { sandbox: sb.name, vni: sb.vni, networkId: sb.vxlan?.meta?.networkId, links, hasVxlan: sb.vxlan !== undefined, reason };
  };

  for (const sb of input.sandboxes) {
    if (wanted.has(sb.vni)) continue;
    removals.push(removalOf(sb, 'unwanted'));
    counts.networksRemoved += 1;
  }
  // Endpoints naming a sandbox that is not there (made by hand, or a leftover): out.
  for (const o of input.endpoints) if (!sandboxNames.has(o.sandbox)) removeEndpoint(o);

  for (const dn of input.desired.networks) {
    const sb = observedByVni.get(dn.net.vni);
    const reason = sb === undefined ? undefined : sandboxMismatch(sb, dn, input.underlayAddr);
    const plan: NetworkPlan = {
      net: dn,
      action: sb === undefined ? 'create' : reason !== undefined ? 'rebuild' : 'keep',
      reason,
      networkAlias: undefined,
      removeLinks: [],
      sysctls: [],
      add: [],
      peers: { fdbDel: [], fdbAppend: [], neighDel: [], neighReplace: [] },
    };
    networks.push(plan);

    if (sb === undefined || plan.action === 'rebuild') {
      if (sb !== undefined) {
        removals.push(removalOf(sb, 'rebuild'));
        counts.networksRebuilt += 1;
      } else counts.networksCreated += 1;
      for (const ep of dn.local) pending.push({ plan, ep });
      diffPeers(plan, undefined, counts);
      continue;
    }

    if (sb.vxlan?.alias !== dn.networkAlias) {
      plan.networkAlias = dn.networkAlias;
      counts.networksUpdated += 1;
    }
    plan.sysctls = sysctlFixes(sb.sysctls);
    if (plan.sysctls.length > 0) counts.networksUpdated += 1;
    plan.removeLinks.push(...sb.strays);
    counts.networksUpdated += sb.strays.length;
    const byTask = new Map(dn.local.map((ep) => [ep.taskId, ep]));
    const kept = new Set<string>();
    for (const o of endpointsOf.get(sb.name) ?? []) {
      const ep = byTask.get(o.taskId);
      if (ep !== undefined && !kept.has(ep.taskId) && endpointMatches(o, ep, dn, sb, input.containers)) {
        kept.add(ep.taskId);
        continue;
      }
      removeEndpoint(o);
    }
    for (const ep of dn.local) if (!kept.has(ep.taskId)) pending.push({ plan, ep });
    diffPeers(plan, sb, counts);
  }

  // Interface names: kept endpoints keep theirs; new ones get the caller's name or the lowest
  // free ethN (N >= 1) in their container, in network order.
  const taken = new Map<string, Set<string>>();
  const takenIn = (c: ObservedContainer & { netns: string }): Set<string> => {
    let set = taken.get(c.netns);
    if (set === undefined) {
      const gone = freed.get(c.netns) ?? new Set<string>();
      set = new Set((c.links ?? []).map((l) => l.name).filter((n) => !gone.has(n)));
      taken.set(c.netns, set);
    }
    return set;
  };
  const sorted = [...pending].sort((a, b) => (a.ep.ifName !== undefined ? 0 : 1) - (b.ep.ifName !== undefined ? 0 : 1));
  for (const { plan, ep } of sorted) {
    const c = input.containers.get(ep.pid);
    if (c?.netns === undefined || c.links === undefined) {
      problems.push({ net: plan.net, taskId: ep.taskId, message: `container process ${ep.pid} is gone or its netns cannot be read` });
      continue;
    }
    const names = takenIn({ ...c, netns: c.netns });
    let ifName = ep.ifName;
    if (ifName === undefined) {
      let n = 1;
      while (names.has(`eth${n}`)) n++;
      ifName = `eth${n}`;
    }
    names.add(ifName);
    plan.add.push({ ep, ifName, alias: formatEndpointAlias({ sandbox: plan.net.sandbox, taskId: ep.taskId }) });
    counts.localAdded += 1;
  }
  return { removals, endpointRemovals, networks, problems, counts };
}

/** Why a sandbox cannot be kept as it is (undefined when it can). */
export function sandboxMismatch(sb: ObservedSandbox, dn: DesiredNetwork, underlayAddr: string): string | undefined {
  const vx = sb.vxlan;
  if (vx === undefined) return 'no vxlan device';
  if (vx.meta?.networkId !== dn.net.id) return `vxlan device belongs to network ${vx.meta?.networkId ?? '(unknown)'}`;
  const i = vx.info;
  if (i.id !== dn.net.vni || i.local !== underlayAddr || i.port !== VXLAN_PORT || i.learning || !i.proxy) return 'vxlan parameters differ';
  // Enslaved: a sandbox of the bridge + veth layout; rebuilt into the macvlan one.
  if (!vx.up || vx.mtu !== dn.mtu || vx.master !== undefined) return 'vxlan down, wrong mtu or enslaved to a bridge';
  const gw = sb.gateway;
  if (gw === undefined) return 'no gateway device';
  if (!gw.up || gw.linkName !== vx.name || gw.data?.['mode'] !== 'bridge') return 'gateway device down or not a bridge-mode child of vxlan0';
  if (gw.addrs.length !== 1 || `${gw.addrs[0]!.ip}/${gw.addrs[0]!.prefixLen}` !== dn.gatewayCidr) return 'gateway address differs';
  return undefined;
}

function endpointMatches(o: ObservedEndpoint, ep: DesiredLocal, dn: DesiredNetwork, sb: ObservedSandbox, containers: ReadonlyMap<number, ObservedContainer>): boolean {
  const l = o.link;
  // The desired PID may differ from the one it was read through (another process of the same
  // container): what counts is the netns.
  if (containers.get(ep.pid)?.netns !== o.netns) return false;
  if (l.linkIndex !== sb.vxlan?.ifindex || l.data?.['mode'] !== 'bridge') return false;
  if (ep.ifName !== undefined && l.name !== ep.ifName) return false;
  const a = l.addrs;
  return l.mac === ep.mac && l.up && l.mtu === dn.mtu && a.length === 1 && a[0]!.ip === ep.ip && a[0]!.prefixLen === ep.prefixLen;
}

function diffPeers(plan: NetworkPlan, sb: ObservedSandbox | undefined, counts: PlanCounts): void {
  const p = plan.peers;
  const neigh = new Map((sb?.neigh ?? []).map((n) => [n.ip, n]));
  const fdb = new Map<string, string[]>();
  for (const f of sb?.fdb ?? []) fdb.set(f.mac, [...(fdb.get(f.mac) ?? []), f.dst!]);
  const wantIps = new Set(plan.net.remote.map((r) => r.ip));
  const wantMacs = new Set(plan.net.remote.map((r) => r.mac));

  for (const r of plan.net.remote) {
    const n = neigh.get(r.ip);
    const dsts = fdb.get(r.mac);
    const neighOk = n !== undefined && n.mac === r.mac && n.permanent;
    const fdbOk = dsts !== undefined && dsts.length === 1 && dsts[0] === r.hostAddr;
    if (!neighOk) p.neighReplace.push({ ip: r.ip, mac: r.mac });
    if (!fdbOk) {
      if (dsts !== undefined) p.fdbDel.push(r.mac);
      p.fdbAppend.push({ mac: r.mac, dst: r.hostAddr });
    }
    if (neighOk && fdbOk) continue;
    if (n === undefined && dsts === undefined) counts.remoteAdded += 1;
    else counts.remoteUpdated += 1;
  }
  const staleMacs = new Set<string>();
  for (const n of neigh.values()) {
    if (wantIps.has(n.ip)) continue;
    p.neighDel.push(n.ip);
    counts.remoteRemoved += 1;
    if (n.mac !== undefined) staleMacs.add(n.mac);
  }
  for (const mac of fdb.keys()) {
    if (wantMacs.has(mac)) continue;
    p.fdbDel.push(mac);
    if (!staleMacs.has(mac)) counts.remoteRemoved += 1;
  }
}
