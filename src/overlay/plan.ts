// The pure part of a sync: compares the desired state with what was read from the kernel and
// lists the changes, in the order they must be made (removals first, so names are free again).
import type { DesiredLocal, DesiredNetwork, NormalizedState } from './desired.js';
import { BRIDGE, formatEndpointAlias } from './names.js';
import type { ObservedContainer, ObservedSandbox, ObservedVeth } from './observe.js';
import { sysctlFixes } from './sysctls.js';
import { VXLAN_PORT } from './types.js';

export interface EndpointAdd {
  ep: DesiredLocal;
  ifName: string;
  alias: string;
}

export interface PeerChanges {
  /** MACs whose VXLAN FDB entry goes (all destinations). */
  fdbDel: string[];
  fdbAppend: Array<{ mac: string; dst: string }>;
  neighDel: string[];
  neighReplace: Array<{ ip: string; mac: string }>;
  /**
   * MACs the bridge learned behind vxlan0 that are not remote endpoints (any more): dropped so
   * that traffic to a reused IP/MAC now local is not sent into the tunnel until they age out.
   * A cache flush, not counted as a change.
   */
  learnedDel: string[];
}

export interface NetworkPlan {
  net: DesiredNetwork;
  /** create: no sandbox yet; rebuild: delete it first (see SandboxRemoval); keep: fix in place. */
  action: 'create' | 'rebuild' | 'keep';
  reason: string | undefined;
  /** New br0 alias when only the network's name changed. */
  bridgeAlias: string | undefined;
  /** Links in a kept sandbox to delete: endpoints that left or do not match, strays. */
  removeLinks: string[];
  aliasUpdates: Array<{ veth: string; alias: string }>;
  /** `name=value` sysctls of a kept sandbox to rewrite (see sysctls.ts). */
  sysctls: string[];
  add: EndpointAdd[];
  peers: PeerChanges;
}

export interface SandboxRemoval {
  sandbox: string;
  vni: number;
  /** From the bridge alias; undefined when the sandbox was too broken to say. */
  networkId: string | undefined;
  /** Deleted explicitly before the netns, so the kernel frees them now, not later. */
  links: string[];
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
  localUpdated: number;
  remoteAdded: number;
  remoteUpdated: number;
  remoteRemoved: number;
}

export interface Plan {
  removals: SandboxRemoval[];
  networks: NetworkPlan[];
  problems: PlanProblem[];
  counts: PlanCounts;
}

export interface PlanInput {
  desired: NormalizedState;
  sandboxes: readonly ObservedSandbox[];
  /** By PID: every desired container and every PID recorded in an endpoint alias. */
  containers: ReadonlyMap<number, ObservedContainer>;
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
    localUpdated: 0,
    remoteAdded: 0,
    remoteUpdated: 0,
    remoteRemoved: 0,
  };
}

export function planSync(input: PlanInput): Plan {
  const counts = emptyCounts();
  const removals: SandboxRemoval[] = [];
  const networks: NetworkPlan[] = [];
  const problems: PlanProblem[] = [];
  const observedByVni = new Map(input.sandboxes.map((s) => [s.vni, s]));
  const wanted = new Set(input.desired.networks.map((n) => n.net.vni));
  /** Container-side names that go away with removed veths, by container netns. */
  const freed = new Map<string, Set<string>>();
  const pending: Array<{ plan: NetworkPlan; ep: DesiredLocal }> = [];

  const removeVeth = (v: ObservedVeth): void => {
    const name = peerOf(v, input.containers)?.name;
    if (name === undefined || v.alias === undefined) return;
    const set = freed.get(v.alias.netns) ?? new Set<string>();
    set.add(name);
    freed.set(v.alias.netns, set);
  };
  const removalOf = (sb: ObservedSandbox, reason: SandboxRemoval['reason']): SandboxRemoval => {
    sb.veths.forEach(removeVeth);
    return { sandbox: sb.name, vni: sb.vni, networkId: sb.bridge?.meta?.networkId, links: sb.veths.map((v) => v.link.name), hasVxlan: sb.vxlan !== undefined, reason };
  };

  for (const sb of input.sandboxes) {
    if (wanted.has(sb.vni)) continue;
    removals.push(removalOf(sb, 'unwanted'));
    counts.networksRemoved += 1;
    counts.localRemoved += sb.veths.length;
  }

  for (const dn of input.desired.networks) {
    const sb = observedByVni.get(dn.net.vni);
    const reason = sb === undefined ? undefined : sandboxMismatch(sb, dn, input.underlayAddr);
    const plan: NetworkPlan = {
      net: dn,
      action: sb === undefined ? 'create' : reason !== undefined ? 'rebuild' : 'keep',
      reason,
      bridgeAlias: undefined,
      removeLinks: [],
      aliasUpdates: [],
      sysctls: [],
      add: [],
      peers: { fdbDel: [], fdbAppend: [], neighDel: [], neighReplace: [], learnedDel: [] },
    };
    networks.push(plan);

    if (sb === undefined || plan.action === 'rebuild') {
      if (sb !== undefined) {
        removals.push(removalOf(sb, 'rebuild'));
        counts.networksRebuilt += 1;
        counts.localRemoved += sb.veths.length;
      } else counts.networksCreated += 1;
      for (const ep of dn.local) pending.push({ plan, ep });
      diffPeers(plan, undefined, counts);
      continue;
    }

    if (sb.bridge?.alias !== dn.bridgeAlias) {
      plan.bridgeAlias = dn.bridgeAlias;
      counts.networksUpdated += 1;
    }
    plan.sysctls = sysctlFixes(sb.sysctls);
    if (plan.sysctls.length > 0) counts.networksUpdated += 1;
    plan.removeLinks.push(...sb.strays);
    counts.networksUpdated += sb.strays.length;
    const byTask = new Map(dn.local.map((ep) => [ep.taskId, ep]));
    const kept = new Set<string>();
    for (const v of sb.veths) {
      const ep = v.alias !== undefined ? byTask.get(v.alias.taskId) : undefined;
      if (ep !== undefined && !kept.has(ep.taskId) && endpointMatches(v, ep, dn, input.containers)) {
        kept.add(ep.taskId);
        if (v.alias!.pid !== ep.pid) {
          plan.aliasUpdates.push({ veth: v.link.name, alias: formatEndpointAlias({ taskId: ep.taskId, pid: ep.pid, netns: v.alias!.netns }) });
          counts.localUpdated += 1;
        }
        continue;
      }
      plan.removeLinks.push(v.link.name);
      removeVeth(v);
      counts.localRemoved += 1;
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
    plan.add.push({ ep, ifName, alias: formatEndpointAlias({ taskId: ep.taskId, pid: ep.pid, netns: c.netns }) });
    counts.localAdded += 1;
  }
  return { removals, networks, problems, counts };
}

/** Why a sandbox cannot be kept as it is (undefined when it can). */
export function sandboxMismatch(sb: ObservedSandbox, dn: DesiredNetwork, underlayAddr: string): string | undefined {
  const br = sb.bridge;
  if (br === undefined) return 'no bridge';
  if (br.meta?.networkId !== dn.net.id) return `bridge belongs to network ${br.meta?.networkId ?? '(unknown)'}`;
  if (!br.up || br.mtu !== dn.mtu) return 'bridge down or wrong mtu';
  if (br.addrs.length !== 1 || `${br.addrs[0]!.ip}/${br.addrs[0]!.prefixLen}` !== dn.gatewayCidr) return 'bridge address differs';
  const vx = sb.vxlan;
  if (vx === undefined) return 'no vxlan device';
  const i = vx.info;
  if (i.id !== dn.net.vni || i.local !== underlayAddr || i.port !== VXLAN_PORT || i.learning || !i.proxy) return 'vxlan parameters differ';
  if (!vx.up || vx.mtu !== dn.mtu || vx.master !== BRIDGE) return 'vxlan down, wrong mtu or not on the bridge';
  return undefined;
}

/** The container-side link of a veth, when its container netns is the one in the alias. */
function peerOf(v: ObservedVeth, containers: ReadonlyMap<number, ObservedContainer>) {
  if (v.alias === undefined) return undefined;
  const c = containers.get(v.alias.pid);
  if (c?.netns !== v.alias.netns) return undefined;
  return c.links?.find((l) => l.ifindex === v.link.peerIfindex && l.peerIfindex === v.link.ifindex && l.kind === 'veth');
}

function endpointMatches(v: ObservedVeth, ep: DesiredLocal, dn: DesiredNetwork, containers: ReadonlyMap<number, ObservedContainer>): boolean {
  const l = v.link;
  if (l.master !== BRIDGE || !l.up || l.mtu !== dn.mtu) return false;
  // The desired PID may differ from the recorded one (another process of the same container):
  // what counts is that it is in the same netns.
  if (containers.get(ep.pid)?.netns !== v.alias?.netns) return false;
  const peer = peerOf(v, containers);
  if (peer === undefined) return false;
  if (ep.ifName !== undefined && peer.name !== ep.ifName) return false;
  const a = peer.addrs;
  return peer.mac === ep.mac && peer.up && peer.mtu === dn.mtu && a.length === 1 && a[0]!.ip === ep.ip && a[0]!.prefixLen === ep.prefixLen;
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
  p.learnedDel = [...new Set(sb?.learned ?? [])].filter((mac) => !wantMacs.has(mac));
}
