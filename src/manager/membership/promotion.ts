// Promotion of a running worker, the pure part: which addresses the worker would serve as
// a manager (resolved against the address the cluster sees it at), and whether the leader
// may record it as a manager-to-be. The worker reports its endpoints on every session
// (`tsswarm join --listen-addr/--raft-addr/--api-addr`); the leader checks them here
// before it changes anything, so a refused promotion leaves the state as it was.
import type { ManagerEndpoints, Node } from '../../store/objects.js';

/** Default ports of a worker's manager component, as for `tsswarm init`. */
export const DEFAULT_CLUSTER_PORT = 2377;
export const DEFAULT_API_ADDR = '127.0.0.1:2375';

/** Thrown when a node cannot be promoted; the message names the node and what to do. */
export class PromotionRefusedError extends Error {
  constructor(
    readonly nodeId: string,
    message: string,
  ) {
    super(message);
    this.name = 'PromotionRefusedError';
  }
}

/** A worker's endpoints as it reports them: host may be empty (the address the manager sees). */
export function workerEndpoints(o: { listenAddr?: string; raftAddr?: string; apiAddr?: string; advertiseHost?: string }): ManagerEndpoints {
  const listen = splitHostPort(o.listenAddr ?? `:${DEFAULT_CLUSTER_PORT}`);
  const raft = splitHostPort(o.raftAddr ?? `:${(listen.port || DEFAULT_CLUSTER_PORT) + 1}`);
  const api = splitHostPort(o.apiAddr ?? DEFAULT_API_ADDR);
  const host = (h: string) => (isUnspecified(h) ? (o.advertiseHost ?? '') : h);
  return {
    Addr: join(host(listen.host), listen.port || DEFAULT_CLUSTER_PORT),
    RaftAddr: join(host(raft.host), raft.port),
    ApiAddr: join(api.host, api.port),
  };
}

/** Fills an empty host with the node's address; undefined if no host can be found. */
export function resolveEndpoints(e: ManagerEndpoints, nodeAddr: string): ManagerEndpoints | undefined {
  const fill = (a: string): string | undefined => {
    const { host, port } = splitHostPort(a);
    const h = isUnspecified(host) ? nodeAddr : host;
    if (isUnspecified(h) || !port) return undefined;
    return join(h, port);
  };
  const Addr = fill(e.Addr);
  const RaftAddr = fill(e.RaftAddr);
  const ApiAddr = fill(e.ApiAddr);
  return Addr && RaftAddr && ApiAddr ? { Addr, RaftAddr, ApiAddr } : undefined;
}

/**
 * Why `node` cannot be promoted now, or the addresses it will serve as a manager.
 * `nodes` is every node of the cluster (to find address clashes with the managers).
 */
export function checkPromotion(node: Node, nodes: readonly Node[]): ManagerEndpoints {
  const name = node.Description.Hostname || node.ID;
  const refuse = (why: string) => new PromotionRefusedError(node.ID, `cannot promote ${name}: ${why}`);
  if (node.Spec.Role === 'manager' || node.ManagerStatus) throw refuse('it is already a manager');
  if (node.Status.State !== 'ready') {
    throw refuse(`it is ${node.Status.State}; a node is promoted over its session, so it must be up (ready)`);
  }
  if (!node.ManagerEndpoints) {
    throw refuse(
      'it did not report the addresses it would serve as a manager on; restart it with ' +
        "'tsswarm join --raft-addr HOST:PORT --api-addr HOST:PORT ...'",
    );
  }
  const resolved = resolveEndpoints(node.ManagerEndpoints, node.Status.Addr);
  if (!resolved) {
    throw refuse(
      `its manager addresses (${node.ManagerEndpoints.Addr}, ${node.ManagerEndpoints.RaftAddr}) have no host and the cluster ` +
        "does not know the node's address; restart it with 'tsswarm join --advertise-addr HOST ...'",
    );
  }
  const apiHost = splitHostPort(resolved.ApiAddr).host;
  if (!isLoopback(apiHost)) {
    throw refuse(
      `its API address ${resolved.ApiAddr} is not a loopback address and the API has no authentication yet; ` +
        "restart it with 'tsswarm join --api-addr 127.0.0.1:PORT ...'",
    );
  }
  for (const m of nodes) {
    if (m.ID === node.ID || !m.ManagerStatus) continue;
    const other = m.Description.Hostname || m.ID;
    const clash = (what: string, flag: string, a: string) =>
      refuse(`its ${what} ${a} is already used by manager ${other}; restart it with 'tsswarm join ${flag} HOST:PORT ...'`);
    const used = [m.ManagerStatus.Addr, m.ManagerStatus.RaftAddr ?? ''];
    if (used.includes(resolved.RaftAddr)) throw clash('Raft address', '--raft-addr', resolved.RaftAddr);
    if (used.includes(resolved.Addr)) throw clash('cluster address', '--listen-addr', resolved.Addr);
    // A loopback API address only clashes on the same machine.
    const sameHost = m.Status.Addr === node.Status.Addr;
    if (sameHost && m.ManagerStatus.ApiAddr === resolved.ApiAddr) throw clash('API address', '--api-addr', resolved.ApiAddr);
  }
  if (resolved.RaftAddr === resolved.Addr) {
    throw refuse(`its Raft and cluster addresses are both ${resolved.Addr}; give 'tsswarm join --raft-addr' another port`);
  }
  return resolved;
}

/** A node whose desired role is manager but that is not a Raft member yet. */
export function isPendingPromotion(node: Node): boolean {
  return node.Spec.Role === 'manager' && !node.ManagerStatus;
}

function splitHostPort(a: string): { host: string; port: number } {
  const v6 = /^\[([^\]]*)\]:(\d+)$/.exec(a);
  if (v6) return { host: v6[1] ?? '', port: Number(v6[2]) };
  const i = a.lastIndexOf(':');
  if (i < 0) return { host: a, port: 0 };
  return { host: a.slice(0, i), port: Number(a.slice(i + 1)) || 0 };
}

function join(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1';
}

function isUnspecified(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::';
}
