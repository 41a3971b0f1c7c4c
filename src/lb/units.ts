// Flattens a desired state into "units" — one frontend (published port, or VIP:port) with its
// ordered backends — and diffs two sets of units. Pure: no I/O.
//
// A unit is named after its frontend (`ing_tcp_8080`, `vip_10_0_9_2_tcp_80`), not after its
// service, so names are valid nft identifiers by construction and unique per host: two
// services cannot share a published port, nor a VIP:port. A frontend that moves from one
// service to another in a single sync is one rewritten unit.
import { isIPv4 } from 'node:net';
import { LbStateError } from './errors.js';
import type { Backend, LbDesiredState, LbProtocol } from './types.js';

export interface LbUnit {
  /** nft-safe and unique per host: the chain's name; the backend map is `${name}_be`. */
  name: string;
  kind: 'ingress' | 'vip';
  serviceId: string;
  protocol: LbProtocol;
  /** Set for VIP units; ingress units answer on every local address. */
  vip?: string;
  port: number;
  backends: Backend[];
}

export interface UnitDiff {
  added: LbUnit[];
  /** Same frontend, other service or other backend addresses: rewrite chain and map. */
  changed: LbUnit[];
  removed: LbUnit[];
  /** Service IDs touched by any of the above (old and new owner of a moved frontend). */
  services: Set<string>;
}

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new LbStateError(`${what}: port ${port} out of range`);
}

function checkBackends(backends: Backend[], what: string): void {
  for (const b of backends) {
    if (!isIPv4(b.ip)) throw new LbStateError(`${what}: backend ${b.taskId} has no IPv4 address ("${b.ip}")`);
    checkPort(b.port, `${what}: backend ${b.taskId}`);
  }
}

/** Validates the state and returns its units by name; throws LbStateError on conflicts. */
export function unitsOf(state: LbDesiredState): Map<string, LbUnit> {
  const units = new Map<string, LbUnit>();
  const put = (u: LbUnit, what: string): void => {
    const other = units.get(u.name);
    if (other) throw new LbStateError(`${what} is claimed by services ${other.serviceId} and ${u.serviceId}`);
    units.set(u.name, u);
  };
  for (const r of state.ingress) {
    const what = `published port ${r.publishedPort}/${r.protocol}`;
    checkPort(r.publishedPort, what);
    checkBackends(r.backends, what);
    const name = `ing_${r.protocol}_${r.publishedPort}`;
    put({ name, kind: 'ingress', serviceId: r.serviceId, protocol: r.protocol, port: r.publishedPort, backends: [...r.backends] }, what);
  }
  for (const r of state.vips) {
    const what = `VIP ${r.vip}:${r.port}/${r.protocol}`;
    if (!isIPv4(r.vip)) throw new LbStateError(`${what}: not an IPv4 address`);
    checkPort(r.port, what);
    checkBackends(r.backends, what);
    const name = `vip_${r.vip.replaceAll('.', '_')}_${r.protocol}_${r.port}`;
    put({ name, kind: 'vip', serviceId: r.serviceId, protocol: r.protocol, vip: r.vip, port: r.port, backends: [...r.backends] }, what);
  }
  return units;
}

/** True when the kernel rules of the two units would be the same (task IDs do not matter). */
export function sameRules(a: LbUnit, b: LbUnit): boolean {
  if (a.serviceId !== b.serviceId || a.backends.length !== b.backends.length) return false;
  return a.backends.every((x, i) => x.ip === b.backends[i]?.ip && x.port === b.backends[i]?.port);
}

export function diffUnits(prev: Map<string, LbUnit>, next: Map<string, LbUnit>): UnitDiff {
  const d: UnitDiff = { added: [], changed: [], removed: [], services: new Set() };
  for (const [name, u] of next) {
    const old = prev.get(name);
    if (!old) d.added.push(u);
    else if (!sameRules(old, u)) {
      d.changed.push(u);
      d.services.add(old.serviceId);
    } else continue;
    d.services.add(u.serviceId);
  }
  for (const [name, u] of prev) {
    if (next.has(name)) continue;
    d.removed.push(u);
    d.services.add(u.serviceId);
  }
  return d;
}

/** Identity of a backend being drained: task IDs are only unique within their service. */
export const drainKey = (serviceId: string, taskId: string): string => `${serviceId}/${taskId}`;
