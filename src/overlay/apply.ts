// Carries out a plan with batched iproute2 commands. Each step names its network/endpoint in
// the error it throws; a failed sandbox or endpoint is cleaned up so the next sync starts over.
import type { Logger } from 'pino';
import type { CommandRunner } from './command-runner.js';
import { bridge, inContainer, ip } from './commands.js';
import type { DesiredNetwork } from './desired.js';
import { CommandError, OverlayNetworkError } from './errors.js';
import { BRIDGE, VXLAN, tmpVxlanName } from './names.js';
import type { EndpointAdd, NetworkPlan, SandboxRemoval } from './plan.js';
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

/** Deletes a sandbox: its VXLAN device and veths first (synchronously freed), then the netns. */
export async function removeSandbox(ctx: ApplyContext, r: SandboxRemoval): Promise<void> {
  const links = [...(r.hasVxlan ? [VXLAN] : []), ...r.links];
  if (links.length > 0) {
    await ctx.run
      .run(ip(r.sandbox, '-force', '-batch', '-'), { input: batch(links.map((l) => `link del ${l}`)) })
      .catch((e: unknown) => ctx.log.debug({ err: e, sandbox: r.sandbox }, 'overlay: deleting sandbox links'));
  }
  await ctx.run.run(['ip', 'netns', 'del', r.sandbox]);
}

/** Creates the sandbox netns with br0 (gateway address) and vxlan0 enslaved to it. */
export async function createSandbox(ctx: ApplyContext, dn: DesiredNetwork): Promise<void> {
  const sb = dn.sandbox;
  const vni = dn.net.vni;
  const tmp = tmpVxlanName(vni);
  try {
    await ctx.run.run(['ip', 'netns', 'add', sb]);
    // No forwarding, no bridge netfilter (sysctls.ts); -e: the bridge ones exist only with br_netfilter.
    await ctx.run.run(['nsenter', `--net=/var/run/netns/${sb}`, 'sysctl', '-e', '-qw', ...sysctlAssignments()]);
    await ctx.run.run(ip(sb, '-batch', '-'), {
      input: batch([
        'link set lo up',
        `link add ${BRIDGE} mtu ${dn.mtu} type bridge`,
        `link set ${BRIDGE} addrgenmode none`,
        `link set ${BRIDGE} alias ${dn.bridgeAlias}`,
        `addr add ${dn.gatewayCidr} dev ${BRIDGE}`,
        `link set ${BRIDGE} up`,
      ]),
    });
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
        `link set ${tmp} name ${VXLAN}`,
        `link set ${VXLAN} mtu ${dn.mtu}`,
        `link set ${VXLAN} addrgenmode none`,
        `link set ${VXLAN} master ${BRIDGE}`,
        `link set ${VXLAN} up`,
      ]),
    });
  } catch (e) {
    await ctx.run.run(ip(ctx.hostNetns, 'link', 'del', tmp)).catch(() => undefined);
    await ctx.run.run(ip(sb, 'link', 'del', VXLAN)).catch(() => undefined);
    await ctx.run.run(['ip', 'netns', 'del', sb]).catch(() => undefined);
    throw new OverlayNetworkError('SANDBOX_FAILED', dn.net.id, vni, 'creating sandbox failed', undefined, { cause: e });
  }
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
    // -force: a veth whose container died since the read is already gone, and that must not
    // stop the others. What really failed shows up again at the next read (and an add that
    // needs the name fails with its own error).
    await ctx.run
      .run(ip(sb, '-force', '-batch', '-'), { input: batch(p.removeLinks.map((l) => `link del ${l}`)) })
      .catch((e: unknown) => ctx.log.warn({ err: e, sandbox: sb }, 'overlay: deleting links'));
  }
  const updates = [
    ...p.aliasUpdates.map((a) => `link set ${a.veth} alias ${a.alias}`),
    ...(p.bridgeAlias !== undefined ? [`link set ${BRIDGE} alias ${p.bridgeAlias}`] : []),
  ];
  if (updates.length === 0) return;
  try {
    await ctx.run.run(ip(sb, '-batch', '-'), { input: batch(updates) });
  } catch (e) {
    throw new OverlayNetworkError('SANDBOX_FAILED', p.net.net.id, p.net.net.vni, 'updating link aliases failed', undefined, { cause: e });
  }
}

/** A veth pair: one end on br0, the other created straight in the container's netns. */
export async function addEndpoint(ctx: ApplyContext, dn: DesiredNetwork, a: EndpointAdd): Promise<void> {
  const { ep, ifName } = a;
  try {
    await ctx.run.run(ip(dn.sandbox, '-batch', '-'), {
      input: batch([
        `link add ${ep.veth} mtu ${dn.mtu} type veth peer name ${ifName} address ${ep.mac} mtu ${dn.mtu} netns ${ep.pid}`,
        `link set ${ep.veth} alias ${a.alias}`,
        `link set ${ep.veth} addrgenmode none`,
        `link set ${ep.veth} master ${BRIDGE} up`,
      ]),
    });
    await ctx.run.run(inContainer(ep.pid, 'ip', '-batch', '-'), {
      input: batch([`addr add ${ep.ip}/${ep.prefixLen} dev ${ifName}`, `link set ${ifName} up`]),
    });
  } catch (e) {
    // Deleting our end deletes the container's end too.
    await ctx.run.run(ip(dn.sandbox, 'link', 'del', ep.veth)).catch(() => undefined);
    throw new OverlayNetworkError('ENDPOINT_FAILED', dn.net.id, dn.net.vni, `adding ${ifName} in container pid ${ep.pid} failed`, ep.taskId, { cause: e });
  }
}

/** Static FDB (MAC -> remote VTEP) and neighbour (IP -> MAC, answered by vxlan proxy) entries. */
export async function programPeers(ctx: ApplyContext, p: NetworkPlan): Promise<void> {
  const { fdbDel, fdbAppend, neighDel, neighReplace, learnedDel } = p.peers;
  const sb = p.net.sandbox;
  const fdb = [
    ...fdbDel.map((mac) => `fdb del ${mac} dev ${VXLAN} self`),
    ...fdbAppend.map((f) => `fdb append ${f.mac} dev ${VXLAN} dst ${f.dst} self permanent`),
  ];
  const neigh = [
    ...neighDel.map((addr) => `neigh del ${addr} dev ${VXLAN}`),
    ...neighReplace.map((n) => `neigh replace ${n.ip} lladdr ${n.mac} dev ${VXLAN} nud permanent`),
  ];
  if (learnedDel.length > 0) {
    // Best effort (an entry may age out between read and delete): -force, errors only logged.
    const flush = batch(learnedDel.map((mac) => `fdb del ${mac} dev ${VXLAN} master`));
    await ctx.run.run(bridge(sb, '-force', '-batch', '-'), { input: flush }).catch((e: unknown) => ctx.log.debug({ err: e, sandbox: sb }, 'overlay: flushing learned entries'));
  }
  try {
    await Promise.all([
      fdb.length > 0 ? ctx.run.run(bridge(sb, '-batch', '-'), { input: batch(fdb) }) : undefined,
      neigh.length > 0 ? ctx.run.run(ip(sb, '-batch', '-'), { input: batch(neigh) }) : undefined,
    ]);
  } catch (e) {
    throw new OverlayNetworkError('PEERS_FAILED', p.net.net.id, p.net.net.vni, 'programming remote endpoints failed', undefined, { cause: e });
  }
}
