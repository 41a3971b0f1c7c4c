// The kernel data path: one nftables table per host, kept equal to the desired state by
// atomic `nft -f -` transactions that rewrite only the units (frontends) that changed.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { inNetns, spawnRunner } from './command.js';
import { LbStateError, NftError } from './errors.js';
import { addUnit, baseTable, deleteUnit, rewriteUnit, type TableOptions } from './nft-script.js';
import { diffUnits, drainKey, unitsOf, type LbUnit } from './units.js';
import type { CommandRunner, LbDesiredState, LoadBalancer, LoadBalancerOptions, SyncResult } from './types.js';

/** Packet-mark bit for "DNATed by tsswarm, masquerade me" (kube-proxy uses 0x4000, Calico 0xffff0000). */
export const DEFAULT_MASQ_MARK = 0x2000;

const ROUTE_LOCALNET = 'net.ipv4.conf.all.route_localnet';
const sysctlPath = (key: string): string => `/proc/sys/${key.replaceAll('.', '/')}`;

export interface NftLoadBalancerOptions extends LoadBalancerOptions {
  masqMark?: number;
}

export class NftLoadBalancer implements LoadBalancer {
  readonly mode = 'nftables' as const;
  private readonly log: Logger;
  private readonly run: CommandRunner;
  private readonly t: TableOptions;
  /** What the kernel holds, by unit name; undefined until the first sync built the table. */
  private applied: Map<string, LbUnit> | undefined;
  /** `service/task` keys taken out by removeBackend; kept out of later syncs until they leave the state. */
  private readonly draining = new Set<string>();
  /** route_localnet as it was before the first sync, restored by teardown. */
  private localnetBefore: string | undefined;
  private conntrackMissing = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: NftLoadBalancerOptions) {
    this.t = { table: opts.table ?? 'tsswarm', masqMark: opts.masqMark ?? DEFAULT_MASQ_MARK };
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(this.t.table)) throw new LbStateError(`table name "${this.t.table}" is not a plain nft identifier`);
    if (!Number.isInteger(this.t.masqMark) || this.t.masqMark < 1 || this.t.masqMark > 0xffffffff) {
      throw new LbStateError(`masquerade mark ${this.t.masqMark} is not a 32-bit mark`);
    }
    this.log = opts.log.child({ c: 'lb', mode: 'nftables', table: this.t.table, ...(opts.netns ? { netns: opts.netns } : {}) });
    this.run = inNetns(opts.run ?? spawnRunner, opts.netns);
  }

  /** True when nft can create and delete a table here (probe on a scratch table). */
  static async available(opts: { run?: CommandRunner; netns?: string } = {}): Promise<boolean> {
    return (await NftLoadBalancer.probe(opts)) === undefined;
  }

  /**
   * Creates and deletes a scratch table in one transaction. Returns undefined when nft works
   * here, else why not (nft's first error line, or that nft cannot be started).
   */
  static async probe(opts: { run?: CommandRunner; netns?: string } = {}): Promise<string | undefined> {
    const run = inNetns(opts.run ?? spawnRunner, opts.netns);
    const probe = `tsswarm_probe_${process.pid}`;
    try {
      const r = await run('nft', ['-f', '-'], { input: `add table ip ${probe}\ndelete table ip ${probe}\n` });
      if (r.code === 0) return undefined;
      const first = r.stderr.split('\n').find((l) => l.trim() !== '')?.trim();
      return `nft exited ${r.code}${first ? `: ${first}` : ''}`;
    } catch (err) {
      return `cannot run nft: ${err instanceof Error ? err.message : String(err)}`; // nft (or ip) is not installed
    }
  }

  sync(state: LbDesiredState): Promise<SyncResult> {
    return this.serial(() => this.doSync(state));
  }

  removeBackend(serviceId: string, taskId: string): Promise<void> {
    return this.serial(() => this.doRemoveBackend(serviceId, taskId));
  }

  teardown(): Promise<void> {
    return this.serial(() => this.doTeardown());
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async doSync(state: LbDesiredState): Promise<SyncResult> {
    const t0 = performance.now();
    const next = unitsOf(state);
    this.applyDraining(next);
    if (!this.applied) {
      await this.prepareHost();
      await this.rebuild(next);
      const changedServices = new Set([...next.values()].map((u) => u.serviceId)).size;
      return this.done(t0, changedServices, next.size, 'table built');
    }
    const d = diffUnits(this.applied, next);
    if (d.services.size === 0) {
      this.applied = next; // task IDs may differ even when addresses do not
      return { changedServices: 0, ms: performance.now() - t0 };
    }
    const lines = [
      ...d.removed.flatMap((u) => deleteUnit(this.t, u)),
      ...d.changed.flatMap((u) => rewriteUnit(this.t, u)),
      ...d.added.flatMap((u) => addUnit(this.t, u)),
    ];
    try {
      await this.apply(lines);
    } catch (err) {
      // The table was changed behind our back (deleted, edited): rebuild it from the model.
      this.log.warn({ err }, 'incremental nft transaction failed; rebuilding the table');
      await this.rebuild(next);
    }
    this.applied = next;
    return this.done(t0, d.services.size, d.added.length + d.changed.length + d.removed.length, 'synced');
  }

  private done(t0: number, changedServices: number, units: number, msg: string): SyncResult {
    const ms = performance.now() - t0;
    this.log.info({ changedServices, units, ms: Math.round(ms * 10) / 10 }, msg);
    return { changedServices, ms };
  }

  private async rebuild(next: Map<string, LbUnit>): Promise<void> {
    await this.apply([...baseTable(this.t), ...[...next.values()].flatMap((u) => addUnit(this.t, u))]);
    this.applied = next;
  }

  /** Drops draining tasks from `units`; forgets drained tasks the state no longer mentions. */
  private applyDraining(units: Map<string, LbUnit>): void {
    if (this.draining.size === 0) return;
    const seen = new Set<string>();
    for (const u of units.values()) {
      for (const b of u.backends) seen.add(drainKey(u.serviceId, b.taskId));
      u.backends = u.backends.filter((b) => !this.draining.has(drainKey(u.serviceId, b.taskId)));
    }
    for (const id of this.draining) if (!seen.has(id)) this.draining.delete(id);
  }

  private async doRemoveBackend(serviceId: string, taskId: string): Promise<void> {
    this.draining.add(drainKey(serviceId, taskId));
    if (!this.applied) return;
    const touched: LbUnit[] = [];
    const gone: { ip: string; port: number; protocol: string }[] = [];
    for (const [name, u] of this.applied) {
      if (u.serviceId !== serviceId) continue;
      const left = u.backends.filter((b) => b.taskId !== taskId);
      if (left.length === u.backends.length) continue;
      for (const b of u.backends) if (b.taskId === taskId) gone.push({ ip: b.ip, port: b.port, protocol: u.protocol });
      const nu = { ...u, backends: left };
      touched.push(nu);
      this.applied.set(name, nu);
    }
    if (touched.length === 0) return;
    const t0 = performance.now();
    await this.apply(touched.flatMap((u) => rewriteUnit(this.t, u)));
    this.log.info({ serviceId, taskId, units: touched.length, ms: Math.round((performance.now() - t0) * 10) / 10 }, 'backend removed');
    const unique = new Map(gone.map((g) => [`${g.protocol}/${g.ip}:${g.port}`, g]));
    for (const g of unique.values()) await this.flushConntrack(g.ip, g.protocol, g.port);
  }

  /** Deletes tracked connections whose replies come from ip:port (i.e. DNATed to it). */
  private async flushConntrack(ip: string, protocol: string, port: number): Promise<void> {
    if (this.conntrackMissing) return;
    try {
      const r = await this.run('conntrack', ['-D', '-r', ip, '-p', protocol, '--reply-port-src', String(port)]);
      // conntrack exits 1 when nothing matched; that is not an error here.
      if (r.code !== 0 && !/0 flow entries/.test(r.stderr)) this.log.warn({ ip, port, stderr: r.stderr.trim() }, 'conntrack -D failed');
    } catch (err) {
      this.conntrackMissing = true;
      this.log.warn({ err }, 'conntrack is not installed: connections already on a removed backend stay there');
    }
  }

  private async doTeardown(): Promise<void> {
    const r = await this.run('nft', ['delete', 'table', 'ip', this.t.table]).catch((err: unknown) => {
      this.log.warn({ err }, 'nft not runnable at teardown');
      return undefined;
    });
    if (r && r.code !== 0 && !/No such file/.test(r.stderr)) throw new NftError(r.stderr, `delete table ip ${this.t.table}`);
    if (this.localnetBefore !== undefined && this.localnetBefore !== '1') await this.sysctl(ROUTE_LOCALNET, this.localnetBefore);
    this.localnetBefore = undefined;
    this.applied = undefined;
    this.log.info('table deleted');
  }

  /**
   * Routing to a backend needs forwarding on; DNAT of 127.0.0.1 needs route_localnet=1, or the
   * kernel refuses to route a packet with a loopback source off the host (and to deliver the
   * de-NATed reply). The table's localnet-guard chain closes what that opens.
   */
  private async prepareHost(): Promise<void> {
    const before = await this.run('cat', [sysctlPath(ROUTE_LOCALNET)]).catch(() => undefined);
    if (before?.code === 0) this.localnetBefore = before.stdout.trim();
    await this.sysctl('net.ipv4.ip_forward', '1');
    await this.sysctl(ROUTE_LOCALNET, '1');
  }

  /** Writes /proc/sys directly (sh + echo), so procps' sysctl need not be installed. */
  private async sysctl(key: string, value: string): Promise<void> {
    const r = await this.run('sh', ['-c', 'echo "$1" > "$2"', 'sh', value, sysctlPath(key)]).catch((err: unknown) => ({
      code: -1,
      stdout: '',
      stderr: String(err),
    }));
    if (r.code !== 0) this.log.warn({ key, value, stderr: r.stderr.trim() }, 'cannot set sysctl');
  }

  private async apply(lines: string[]): Promise<void> {
    const script = lines.join('\n') + '\n';
    const r = await this.run('nft', ['-f', '-'], { input: script });
    if (r.code !== 0) throw new NftError(r.stderr, script);
    this.log.debug({ script }, 'nft transaction applied');
  }
}
