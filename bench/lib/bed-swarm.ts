// Docker Swarm mode on the engines of the test bed (deploy/bed, test/harness/bed.ts), for the
// benchmarks that measure Swarm beside tsswarm: engine sockets, checked docker CLI calls, a
// swarm of managers and workers across bed hosts, leaving it, and a crash of one engine.
import { readFile } from 'node:fs/promises';
import type { Bed } from '../../test/harness/bed.js';

/** The Engine API version of the bed's dockerd (20.10). */
export const DOCKER_API = '/v1.41';

/** The unix socket of a bed host's engine (reachable from the root namespace). */
export function sockOf(bed: Bed, host: number): string {
  return bed.host(host).dockerHost.replace(/^unix:\/\//, '');
}

/** `docker ARGS` against a host's engine, inside its netns; throws unless it exits 0; stdout trimmed. */
export async function checkedDocker(bed: Bed, host: number, args: string[], timeoutMs = 60_000): Promise<string> {
  const r = await bed.docker(host, args, { timeoutMs });
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} on host ${host}: exit ${r.code}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

export interface SwarmLayout {
  /** Bed hosts that are managers; the first one inits the swarm. */
  managers: number[];
  workers?: number[];
  /** Swarm's cluster port (default 2377). */
  port?: number;
  /** VXLAN port of Swarm's overlay (default: Docker's, 4789). */
  dataPathPort?: number;
  /** Pool the swarm carves overlay subnets (ingress included) from (default: Docker's, 10.0.0.0/8). */
  defaultAddrPool?: string;
}

/**
 * Builds a swarm on bed hosts: `swarm init` on the first manager (advertise and listen on its
 * underlay address), `swarm join` with the manager or worker token on the others, in order.
 * Returns each host's swarm node ID. Raft and heartbeat settings are Docker's defaults.
 */
export async function swarmUp(bed: Bed, layout: SwarmLayout): Promise<Map<number, string>> {
  const [first, ...otherManagers] = layout.managers;
  if (first === undefined) throw new Error('swarmUp: no manager');
  const port = layout.port ?? 2377;
  const a1 = bed.host(first).addr;
  await checkedDocker(bed, first, [
    'swarm', 'init',
    '--advertise-addr', `${a1}:${port}`,
    '--listen-addr', `${a1}:${port}`,
    ...(layout.dataPathPort === undefined ? [] : ['--data-path-port', String(layout.dataPathPort)]),
    ...(layout.defaultAddrPool === undefined ? [] : ['--default-addr-pool', layout.defaultAddrPool]),
  ]);
  const tokens = {
    manager: await checkedDocker(bed, first, ['swarm', 'join-token', '-q', 'manager']),
    worker: await checkedDocker(bed, first, ['swarm', 'join-token', '-q', 'worker']),
  };
  const joins: Array<[number, string]> = [...otherManagers.map((h): [number, string] => [h, tokens.manager]), ...(layout.workers ?? []).map((h): [number, string] => [h, tokens.worker])];
  for (const [h, token] of joins) {
    const a = bed.host(h).addr;
    await checkedDocker(bed, h, ['swarm', 'join', '--token', token, '--listen-addr', `${a}:${port}`, '--advertise-addr', `${a}:${port}`, `${a1}:${port}`]);
  }
  const ids = new Map<number, string>();
  for (const h of [...layout.managers, ...(layout.workers ?? [])]) {
    const id = await checkedDocker(bed, h, ['info', '--format', '{{.Swarm.NodeID}}']);
    if (!/^[a-z0-9]{10,}$/.test(id)) throw new Error(`host ${h}: no swarm node id (${id})`);
    ids.set(h, id);
  }
  return ids;
}

/** `docker swarm leave --force` on each host whose engine answers; errors are returned, not thrown. */
export async function swarmLeave(bed: Bed, hosts: number[]): Promise<string[]> {
  const errors: string[] = [];
  for (const h of hosts) {
    const r = await bed.docker(h, ['swarm', 'leave', '--force'], { timeoutMs: 30_000 }).catch((err: unknown) => ({ code: -1, stderr: String(err) }));
    if (r.code !== 0) errors.push(`host ${h}: swarm leave: ${r.stderr.trim()}`);
  }
  return errors;
}

/**
 * The pid of a host's dockerd, from the bed's pidfile (/run/tsbed/HOST/docker.pid), checked
 * against its command line (its own -H socket) as bed.sh does, so a reused pid is never taken.
 */
export async function enginePid(bed: Bed, host: number): Promise<number> {
  const h = bed.host(host);
  const pid = Number((await readFile(`/run/tsbed/${h.name}/docker.pid`, 'utf8')).trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`host ${host}: bad dockerd pidfile`);
  const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  if (!cmdline.includes(h.dockerHost)) throw new Error(`host ${host}: pid ${pid} is not its dockerd (${cmdline.slice(0, 3).join(' ')})`);
  return pid;
}
