// Carries out a plan with batched iproute2 commands. Each step names its network/endpoint in
// the error it throws; a failed sandbox or endpoint is cleaned up so the next sync starts over.
import type { Logger } from 'pino';
import type { CommandRunner } from './command-runner.js';
import { bridge, inContainer, ip } from './commands.js';
import type { DesiredNetwork } from './desired.js';
import { CommandError, OverlayNetworkError } from './errors.js';
import { macForIp } from './addr.js';
import { GATEWAY, VXLAN, tmpEndpointName, tmpVxlanName } from './names.js';
import type { EndpointAdd, EndpointRemoval, NetworkPlan, SandboxRemoval } from './plan.js';
import { sysctlAssignments } from './sysctls.js';
import { VXLAN_PORT } from './types.js';

export interface ApplyContext {
  run: CommandRunner;
  log: Logger;
  underlayAddr: string;
  /** Netns the VXLAN devices are created in (their UDP socket lives there); undefined = ours. */
  hostNetns: string | undefined;
}

const batch = (lines: string[]): string => `${lines.join('\n')}\n`;

/**
 * Deletes a sandbox: its links first, vxlan0 last (synchronously freed, and with it every
 * endpoint macvlan on it, in whatever container), then the netns.
 */
export async function removeSandbox(ctx: ApplyContext, r: SandboxRemoval): Promise<void> {
  const links = [...r.links, ...(r.hasVxlan ? [VXLAN] : [])];
  if (links.length > 0) {
    await ctx.run
      .run(ip(r.sandbox, '-force', '-batch', '-'), { input: batch(links.map((l) => `link del ${l}`)) })
      .catch((e: unknown) => ctx.log.debug({ err: e, sandbox: r.sandbox }, 'overlay: deleting sandbox links'));
  }
  await ctx.run.run(['ip', 'netns', 'del', r.sandbox]);
}

/**
 * Creates the sandbox netns with vxlan0 (the network's VTEP) and gw0, a bridge-mode macvlan
 * child of vxlan0 holding the gateway address. Endpoints are more such children, each in its
 * container's netns: macvlan switches between them itself and hands everything else straight
 * to vxlan0, with no bridge or veth hop on the way (docs/design/overlay.md, "Throughput").
 */
export async function createSandbox(ctx: ApplyContext, dn: DesiredNetwork): Promise<void> {
  const sb = dn.sandbox;
  const vni = dn.net.vni;
  const tmp = tmpVxlanName(vni);
  try {
    await ctx.run.run(['ip', 'netns', 'add', sb]);
    await ctx.run.run(['nsenter', `--net=/var/run/netns/${sb}`, 'sysctl', '-e', '-qw', ...sysctlAssignments()]);
    // Made in the host netns and then moved, so its UDP socket stays on the underlay.
    const makeVxlan = batch([
      `link add ${tmp} type vxlan id ${vni} dstport ${VXLAN_PORT} local ${ctx.underlayAddr} nolearning proxy`,
      `link set ${tmp} netns ${sb}`,
    ]);
    try {
      await ctx.run.run(ip(ctx.hostNetns, '-batch', '-'), { input: makeVxlan });
    } catch (e) {
      // A device left under the temporary name by an interrupted sync: remove it, try again.
      if (!(e instanceof CommandError) || !/exists/i.test(e.stderr)) throw e;
      await ctx.run.run(ip(ctx.hostNetns, 'link', 'del', tmp)).catch(() => undefined);
      await ctx.run.run(ip(ctx.hostNetns, '-batch', '-'), { input: makeVxlan });
    }
    await ctx.run.run(ip(sb, '-batch', '-'), {
      input: batch([
        'link set lo up',
        `link set ${tmp} name ${VXLAN}`,
        `link set ${VXLAN} mtu ${dn.mtu}`,
        `link set ${VXLAN} addrgenmode none`,
        `link set ${VXLAN} alias ${dn.networkAlias}`,
        `link set ${VXLAN} up`,
        // The gateway's MAC follows its IP, as a task's does (the manager never gives it to a task).
        `link add ${GATEWAY} link ${VXLAN} address ${macForIp(dn.net.gateway)} type macvlan mode bridge`,
        `link set ${GATEWAY} addrgenmode none`,
        `addr add ${dn.gatewayCidr} dev ${GATEWAY}`,
        `link set ${GATEWAY} up`,
      ]),
    });
  } catch (e) {
    await ctx.run.run(ip(ctx.hostNetns, 'link', 'del', tmp)).catch(() => undefined);
    await ctx.run.run(ip(sb, 'link', 'del', VXLAN)).catch(() => undefined);
    await ctx.run.run(['ip', 'netns', 'del', sb]).catch(() => undefined);
    throw new OverlayNetworkError('SANDBOX_FAILED', dn.net.id, vni, `creating sandbox failed${missingLinkKindHint(e)}`, undefined, { cause: e });
  }
}

/** What to do when the kernel lacks a link type the data path needs (vxlan, macvlan). */
function missingLinkKindHint(e: unknown): string {
  if (!(e instanceof CommandError) || !/unknown device type/i.test(e.stderr)) return '';
  const kind = /type (vxlan|macvlan)/.exec(e.input ?? e.argv.join(' '))?.[1] ?? 'vxlan or macvlan';
  return ` (this kernel has no ${kind} link type: load its module, e.g. modprobe ${kind === 'vxlan or macvlan' ? 'vxlan macvlan' : kind})`;
}

/** In-place fixes of a kept sandbox: sysctls, stray/mismatched links out, aliases rewritten. */
export async function fixSandbox(ctx: ApplyContext, p: NetworkPlan): Promise<void> {
  const sb = p.net.sandbox;
  if (p.sysctls.length > 0) {
    try {
      await ctx.run.run(['nsenter', `--net=/var/run/netns/${sb}`, 'sysctl', '-qw', ...p.sysctls]);
    } catch (e) {
      throw new OverlayNetworkError('SANDBOX_FAILED', p.net.net.id, p.net.net.vni, 'writing sandbox sysctls failed', undefined, { cause: e });
    }
  }
  if (p.removeLinks.length > 0) {
    await ctx.run
      .run(ip(sb, '-force', '-batch', '-'), { input: batch(p.removeLinks.map((l) => `link del ${l}`)) })
      .catch((e: unknown) => ctx.log.warn({ err: e, sandbox: sb }, 'overlay: deleting stray links'));
  }
  if (p.networkAlias === undefined) return;
  try {
    await ctx.run.run(ip(sb, 'link', 'set', VXLAN, 'alias', p.networkAlias));
  } catch (e) {
    throw new OverlayNetworkError('SANDBOX_FAILED', p.net.net.id, p.net.net.vni, 'updating the network alias failed', undefined, { cause: e });
  }
}

/**
 * Deletes endpoint macvlans from one container netns. -force: one that went with its container
 * since the read must not stop the others; what really failed shows up at the next read.
 */
export async function removeEndpoints(ctx: ApplyContext, pid: number, rs: readonly EndpointRemoval[]): Promise<void> {
  await ctx.run
    .run(inContainer(pid, 'ip', '-force', '-batch', '-'), { input: batch(rs.map((r) => `link del ${r.ifName}`)) })
    .catch((e: unknown) => ctx.log.warn({ err: e, pid, endpoints: rs.map((r) => r.taskId) }, 'overlay: deleting endpoints'));
}

/**
 * A macvlan child of the sandbox's vxlan0, made in the sandbox under a temporary name with its
 * alias already on (the kernel takes no alias at creation), then moved into the container and
 * renamed in one step: whatever an interrupted sync leaves is either a stray in the sandbox or
 * a tagged endpoint in the container, and the next sync finds and fixes both.
 */
export async function addEndpoint(ctx: ApplyContext, dn: DesiredNetwork, a: EndpointAdd): Promise<void> {
  const { ep, ifName } = a;
  const tmp = tmpEndpointName(ep.taskId);
  let moved = false;
  try {
    await ctx.run.run(ip(dn.sandbox, '-batch', '-'), {
      input: batch([
        `link add ${tmp} link ${VXLAN} address ${ep.mac} type macvlan mode bridge`,
        `link set ${tmp} alias ${a.alias}`,
        `link set dev ${tmp} netns ${ep.pid} name ${ifName}`,
      ]),
    });
    moved = true;
    await ctx.run.run(inContainer(ep.pid, 'ip', '-batch', '-'), {
      // addrgenmode is per netns: set after the move.
      input: batch([`link set ${ifName} addrgenmode none`, `addr add ${ep.ip}/${ep.prefixLen} dev ${ifName}`, `link set ${ifName} up`]),
    });
  } catch (e) {
    // Only what this call made: the move may have failed on another interface of that name.
    if (moved) await ctx.run.run(inContainer(ep.pid, 'ip', 'link', 'del', ifName)).catch(() => undefined);
    else await ctx.run.run(ip(dn.sandbox, 'link', 'del', tmp)).catch(() => undefined);
    throw new OverlayNetworkError('ENDPOINT_FAILED', dn.net.id, dn.net.vni, `adding ${ifName} in container pid ${ep.pid} failed`, ep.taskId, { cause: e });
  }
}

/** Static FDB (MAC -> remote VTEP) and neighbour (IP -> MAC, answered by vxlan proxy) entries. */
export async function programPeers(ctx: ApplyContext, p: NetworkPlan): Promise<void> {
  const { fdbDel, fdbAppend, neighDel, neighReplace } = p.peers;
  const sb = p.net.sandbox;
  const fdb = [
    ...fdbDel.map((mac) => `fdb del ${mac} dev ${VXLAN} self`),
    ...fdbAppend.map((f) => `fdb append ${f.mac} dev ${VXLAN} dst ${f.dst} self permanent`),
  ];
  const neigh = [
    ...neighDel.map((addr) => `neigh del ${addr} dev ${VXLAN}`),
    ...neighReplace.map((n) => `neigh replace ${n.ip} lladdr ${n.mac} dev ${VXLAN} nud permanent`),
  ];
  try {
    await Promise.all([
      fdb.length > 0 ? ctx.run.run(bridge(sb, '-batch', '-'), { input: batch(fdb) }) : undefined,
      neigh.length > 0 ? ctx.run.run(ip(sb, '-batch', '-'), { input: batch(neigh) }) : undefined,
    ]);
  } catch (e) {
    throw new OverlayNetworkError('PEERS_FAILED', p.net.net.id, p.net.net.vni, 'programming remote endpoints failed', undefined, { cause: e });
  }
}
