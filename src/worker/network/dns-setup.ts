// Where the worker's DNS resolver listens and who asks it: the engine's default-bridge
// gateway (the host as every task container sees it), and each task container's address
// on that bridge (the source of its queries).
import { readFile } from 'node:fs/promises';
import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { DnsServer, upstreamsFromResolvConf } from '../../dns/index.js';
import { spawnRunner } from '../../lb/index.js';

/** The default bridge's gateway address, from the engine or (engines started with --bip) docker0 itself. */
export async function bridgeGateway(docker: Dockerode, log: Logger): Promise<string | undefined> {
  try {
    const info = (await docker.getNetwork('bridge').inspect()) as { IPAM?: { Config?: Array<{ Gateway?: string }> } };
    const gw = info.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
    if (gw) return gw.replace(/\/\d+$/, '');
  } catch (err) {
    log.debug({ err }, 'bridge network inspect failed');
  }
  const r = await spawnRunner('ip', ['-4', '-json', 'addr', 'show', 'dev', 'docker0']).catch(() => undefined);
  if (!r || r.code !== 0) return undefined;
  const parsed = JSON.parse(r.stdout) as Array<{ addr_info?: Array<{ local?: string }> }>;
  return parsed[0]?.addr_info?.[0]?.local;
}

/** Starts the resolver on the bridge gateway, forwarding outside names to the host's resolvers. */
export async function startResolver(docker: Dockerode, log: Logger, port: number): Promise<{ dns: DnsServer; host: string } | undefined> {
  const host = await bridgeGateway(docker, log);
  if (!host) {
    log.warn('no docker bridge gateway found: DNS resolver off');
    return undefined;
  }
  const resolvConf = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  const dns = new DnsServer({ host, port, log, upstreams: upstreamsFromResolvConf(resolvConf, host) });
  try {
    await dns.start();
  } catch (err) {
    log.warn({ err, host }, 'cannot bind the DNS resolver: off');
    return undefined;
  }
  return { dns, host };
}

/** A container's addresses on the engine's own networks (where its DNS queries come from). */
export async function containerAddrs(docker: Dockerode, containerId: string): Promise<string[]> {
  const info = await docker.getContainer(containerId).inspect();
  const addrs = new Set<string>();
  const legacy = (info.NetworkSettings as { IPAddress?: string }).IPAddress;
  if (legacy) addrs.add(legacy);
  for (const n of Object.values(info.NetworkSettings.Networks ?? {})) if (n.IPAddress) addrs.add(n.IPAddress);
  return [...addrs];
}
