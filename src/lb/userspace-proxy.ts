// The fallback data path for hosts where nftables cannot be used: a Node proxy per frontend
// that round-robins new TCP connections (and new UDP flows) over the backends. Same sync()
// contract as NftLoadBalancer; VIPs work only where the VIP is a local address.
import dgram from 'node:dgram';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { LbError } from './errors.js';
import { diffUnits, drainKey, unitsOf, type LbUnit } from './units.js';
import type { Backend, LbDesiredState, LoadBalancer, SyncResult } from './types.js';

/** A UDP flow with no datagram either way for this long is forgotten (default). */
export const DEFAULT_UDP_IDLE_MS = 30_000;

export interface UserspaceProxyOptions {
  log: Logger;
  /** Address published ports listen on; default 0.0.0.0 (tests use 127.0.0.1). */
  bindAddress?: string;
  /** A UDP flow with no datagram either way for this long is forgotten; default DEFAULT_UDP_IDLE_MS. */
  udpIdleMs?: number;
}

interface Frontend {
  unit: LbUnit;
  setBackends(backends: Backend[]): void;
  /** Drops the backend and cuts the connections already on it. */
  dropTask(taskId: string): void;
  close(): Promise<void>;
}

export class UserspaceProxy implements LoadBalancer {
  readonly mode = 'userspace' as const;
  private readonly log: Logger;
  private readonly bindAddress: string;
  private readonly udpIdleMs: number;
  private readonly fronts = new Map<string, Frontend>();
  private readonly draining = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: UserspaceProxyOptions) {
    this.log = opts.log.child({ c: 'lb', mode: 'userspace' });
    this.bindAddress = opts.bindAddress ?? '0.0.0.0';
    this.udpIdleMs = opts.udpIdleMs ?? DEFAULT_UDP_IDLE_MS;
  }

  sync(state: LbDesiredState): Promise<SyncResult> {
    return this.serial(() => this.doSync(state));
  }

  removeBackend(serviceId: string, taskId: string): Promise<void> {
    return this.serial(async () => {
      this.draining.add(drainKey(serviceId, taskId));
      for (const f of this.fronts.values()) {
        if (f.unit.serviceId !== serviceId) continue;
        f.unit = { ...f.unit, backends: f.unit.backends.filter((b) => b.taskId !== taskId) };
        f.dropTask(taskId);
      }
    });
  }

  teardown(): Promise<void> {
    return this.serial(async () => {
      await Promise.all([...this.fronts.values()].map((f) => f.close()));
      this.fronts.clear();
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async doSync(state: LbDesiredState): Promise<SyncResult> {
    const t0 = performance.now();
    const next = unitsOf(state);
    const seen = new Set([...next.values()].flatMap((u) => u.backends.map((b) => drainKey(u.serviceId, b.taskId))));
    for (const id of this.draining) if (!seen.has(id)) this.draining.delete(id);
    for (const u of next.values()) u.backends = u.backends.filter((b) => !this.draining.has(drainKey(u.serviceId, b.taskId)));

    const current = new Map([...this.fronts].map(([name, f]) => [name, f.unit]));
    const d = diffUnits(current, next);
    const failures: string[] = [];
    for (const u of d.removed) {
      await this.fronts.get(u.name)?.close();
      this.fronts.delete(u.name);
    }
    for (const u of d.changed) {
      const f = this.fronts.get(u.name);
      if (f) {
        f.unit = u;
        f.setBackends(u.backends);
      }
    }
    for (const u of d.added) {
      try {
        this.fronts.set(u.name, await this.open(u));
      } catch (err) {
        if (u.vip !== undefined && (err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') {
          // A userspace proxy can only answer a VIP that is a local address; remember the
          // unit so it is not retried (and logged) on every sync until it changes.
          this.log.warn({ unit: u.name, serviceId: u.serviceId, vip: u.vip }, 'VIP is not a local address: not served in userspace mode');
          this.fronts.set(u.name, unserved(u));
          continue;
        }
        this.log.warn({ err, unit: u.name, serviceId: u.serviceId }, 'cannot listen for frontend');
        failures.push(`${u.name}: ${(err as Error).message}`);
      }
    }
    // Task IDs may change while addresses do not: keep the latest units.
    for (const [name, f] of this.fronts) {
      const u = next.get(name);
      if (u) f.unit = u;
    }
    const ms = performance.now() - t0;
    if (d.services.size > 0) this.log.info({ changedServices: d.services.size, ms: Math.round(ms * 10) / 10 }, 'synced');
    if (failures.length > 0) throw new LbError(`userspace proxy could not open ${failures.join('; ')}`, 'proxy_failed');
    return { changedServices: d.services.size, ms };
  }

  private open(u: LbUnit): Promise<Frontend> {
    const host = u.vip ?? this.bindAddress;
    return u.protocol === 'tcp' ? openTcp(u, host, this.log) : openUdp(u, host, this.udpIdleMs, this.log);
  }
}

/**
 * Closes a client connection at once: a reset while we can still send one, else destroy()
 * (resetting a socket whose sending side is already shut down fails with EINVAL and, in
 * Node 20, never emits 'close').
 */
function cut(sock: net.Socket): void {
  if (sock.destroyed) return;
  if (sock.writableEnded || sock.connecting) sock.destroy();
  else sock.resetAndDestroy();
}

/** A frontend that cannot be served here; it only remembers its unit. */
function unserved(unit: LbUnit): Frontend {
  return { unit, setBackends: () => undefined, dropTask: () => undefined, close: async () => undefined };
}

function openTcp(unit: LbUnit, host: string, log: Logger): Promise<Frontend> {
  let backends = unit.backends;
  let next = 0;
  const conns = new Set<{ client: net.Socket; upstream: net.Socket; taskId: string }>();
  // allowHalfOpen: a client that half-closes after its request still gets the whole reply.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const b = backends[next % Math.max(backends.length, 1)];
    next = (next + 1) % Math.max(backends.length, 1);
    if (!b) {
      client.resetAndDestroy(); // no backend: refuse at once, like the kernel path's tcp reset
      return;
    }
    const upstream = net.connect({ host: b.ip, port: b.port });
    const c = { client, upstream, taskId: b.taskId };
    conns.add(c);
    // The client may half-close after its request (allowHalfOpen on the server): pipe()
    // forwards its FIN and the reply still flows. When the backend is done (its FIN closes
    // `upstream`), the client gets the rest of the reply and is closed; a backend that fails
    // resets the client.
    upstream.on('error', (err) => log.debug({ err, backend: `${b.ip}:${b.port}` }, 'upstream error'));
    client.on('error', () => undefined);
    upstream.once('close', (hadError) => {
      if (hadError) cut(client);
      else client.destroySoon();
    });
    client.once('close', () => {
      upstream.destroy();
      conns.delete(c);
    });
    client.pipe(upstream).pipe(client);
  });
  const f: Frontend = {
    unit,
    setBackends(bs) {
      backends = bs;
      next = 0;
    },
    dropTask(taskId) {
      backends = backends.filter((b) => b.taskId !== taskId);
      next = 0;
      for (const c of conns) if (c.taskId === taskId) cut(c.client);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of conns) cut(c.client);
        server.close(() => resolve());
      }),
  };
  return new Promise<Frontend>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: unit.port }, () => {
      server.off('error', reject);
      server.on('error', (err) => log.warn({ err, unit: unit.name }, 'tcp frontend error'));
      resolve(f);
    });
  });
}

function openUdp(unit: LbUnit, host: string, idleMs: number, log: Logger): Promise<Frontend> {
  let backends = unit.backends;
  let next = 0;
  interface Flow {
    upstream: dgram.Socket;
    taskId: string;
    timer: NodeJS.Timeout;
    /** Datagrams that arrived before connect() completed. */
    pending: Buffer[] | undefined;
  }
  const flows = new Map<string, Flow>();
  const sock = dgram.createSocket('udp4');
  const forget = (key: string): void => {
    const fl = flows.get(key);
    if (!fl) return;
    flows.delete(key);
    clearTimeout(fl.timer);
    fl.upstream.close();
  };
  sock.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    let fl = flows.get(key);
    if (!fl) {
      const b = backends[next % Math.max(backends.length, 1)];
      next = (next + 1) % Math.max(backends.length, 1);
      if (!b) return; // no backend: the datagram is dropped
      const upstream = dgram.createSocket('udp4');
      upstream.on('message', (reply) => {
        const cur = flows.get(key);
        if (cur) cur.timer.refresh();
        sock.send(reply, rinfo.port, rinfo.address);
      });
      upstream.on('error', (err) => {
        log.debug({ err, backend: `${b.ip}:${b.port}` }, 'udp upstream error');
        forget(key);
      });
      const flow: Flow = { upstream, taskId: b.taskId, timer: setTimeout(() => forget(key), idleMs), pending: [] };
      upstream.connect(b.port, b.ip, () => {
        for (const m of flow.pending ?? []) upstream.send(m);
        flow.pending = undefined;
      });
      flows.set(key, flow);
      fl = flow;
    }
    fl.timer.refresh();
    if (fl.pending) fl.pending.push(msg);
    else fl.upstream.send(msg);
  });
  const f: Frontend = {
    unit,
    setBackends(bs) {
      backends = bs;
      next = 0;
    },
    dropTask(taskId) {
      backends = backends.filter((b) => b.taskId !== taskId);
      next = 0;
      for (const [key, fl] of flows) if (fl.taskId === taskId) forget(key);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const key of [...flows.keys()]) forget(key);
        sock.close(() => resolve());
      }),
  };
  return new Promise<Frontend>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address: host, port: unit.port }, () => {
      sock.off('error', reject);
      sock.on('error', (err) => log.warn({ err, unit: unit.name }, 'udp frontend error'));
      resolve(f);
    });
  });
}
