// OverlayDriver: programs one host's VXLAN overlay data path from a desired state. Every sync
// reads the kernel, plans the difference and applies only that; nothing is kept in memory or
// on disk between syncs, so a new instance (after a worker restart) picks up where the last
// one left off without touching endpoints that are already right.
import type { Logger } from 'pino';
import { addEndpoint, createSandbox, fixSandbox, programPeers, removeSandbox, type ApplyContext } from './apply.js';
import { CountingRunner, execRunner, type CommandRunner } from './command-runner.js';
import { normalizeState } from './desired.js';
import { OverlayNetworkError, OverlaySyncError } from './errors.js';
import { parseIPv4 } from './addr.js';
import {
  listSandboxes,
  mapLimit,
  procNetnsReader,
  readState,
  type NetnsReader,
  type ObservedSandbox,
} from './observe.js';
import { planSync, type NetworkPlan } from './plan.js';
import { toProgrammed } from './programmed.js';
import type { OverlayDesiredState, ProgrammedState, SyncReport } from './types.js';

export interface OverlayDriverOptions {
  /** This host's underlay IP: the VXLAN devices' local address. */
  underlayAddr: string;
  log: Logger;
  run?: CommandRunner;
  /** Netns names are `<prefix>-<vni>`; default 'tsov'. */
  sandboxPrefix?: string;
  /** Create VXLAN devices in this named netns instead of the current one (tests: one netns per "host"). */
  hostNetns?: string;
  /** How the netns identity of a container PID is read; default readlink /proc/PID/ns/net. */
  readNetns?: NetnsReader;
}

/** Most kernel reads or endpoint changes in flight at once. */
const PARALLEL = 8;

export class OverlayDriver {
  private readonly prefix: string;
  private readonly run: CommandRunner;
  private readonly readNetns: NetnsReader;
  private readonly log: Logger;
  /** Syncs, reads and teardown run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: OverlayDriverOptions) {
    if (parseIPv4(opts.underlayAddr) === undefined) throw new TypeError(`OverlayDriver: underlayAddr "${opts.underlayAddr}" is not IPv4`);
    this.prefix = opts.sandboxPrefix ?? 'tsov';
    if (!/^[a-z][a-z0-9]{0,5}$/.test(this.prefix)) throw new TypeError(`OverlayDriver: sandboxPrefix "${this.prefix}" must be 1-6 of [a-z0-9]`);
    this.run = opts.run ?? execRunner();
    this.readNetns = opts.readNetns ?? procNetnsReader;
    this.log = opts.log.child({ component: 'overlay' });
  }

  /** Makes the kernel match `state`. Throws OverlayStateError (nothing changed) or OverlaySyncError (partly applied). */
  sync(state: OverlayDesiredState): Promise<SyncReport> {
    return this.serial(() => this.doSync(state));
  }

  /** What is programmed now, read from the kernel and sorted. */
  programmed(): Promise<ProgrammedState> {
    return this.serial(async () => {
      const { sandboxes, containers } = await readState(this.run, this.prefix, [], this.readNetns);
      return toProgrammed(sandboxes, containers);
    });
  }

  /** Removes every sandbox with this driver's prefix (and so every endpoint it made). */
  teardown(): Promise<void> {
    return this.serial(async () => {
      // Read what can be read (to delete veths before the netns); list by name regardless.
      const read = await readState(this.run, this.prefix, [], this.readNetns).catch(() => undefined);
      const byName = new Map<string, ObservedSandbox>(read?.sandboxes.map((sb) => [sb.name, sb]) ?? []);
      const names = await listSandboxes(this.run, this.prefix);
      await mapLimit(names, PARALLEL, async ({ name, vni }) => {
        const links = byName.get(name)?.veths.map((v) => v.link.name) ?? [];
        await removeSandbox(this.ctx(this.run), { sandbox: name, vni, networkId: undefined, links, hasVxlan: true, reason: 'unwanted' });
      });
      this.log.info({ sandboxes: names.length }, 'overlay: torn down');
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private ctx(run: CommandRunner): ApplyContext {
    return { run, log: this.log, underlayAddr: this.opts.underlayAddr, hostNetns: this.opts.hostNetns };
  }

  private async doSync(state: OverlayDesiredState): Promise<SyncReport> {
    const started = performance.now();
    const run = new CountingRunner(this.run);
    const ctx = this.ctx(run);
    const desired = normalizeState(state, { prefix: this.prefix, underlayAddr: this.opts.underlayAddr });
    for (const w of desired.warnings) this.log.warn(w);
    if (desired.ignored.length > 0) this.log.debug({ ignored: desired.ignored }, 'overlay: entries with nowhere to go');

    const pids = desired.networks.flatMap((n) => n.local.map((l) => l.pid));
    const { sandboxes, containers } = await readState(run, this.prefix, pids, this.readNetns);
    const plan = planSync({ desired, sandboxes, containers, underlayAddr: this.opts.underlayAddr });
    const errors: OverlayNetworkError[] = plan.problems.map(
      (p) => new OverlayNetworkError('ENDPOINT_FAILED', p.net.net.id, p.net.net.vni, p.message, p.taskId),
    );
    const fail = (e: unknown, p?: NetworkPlan): void => {
      errors.push(e instanceof OverlayNetworkError ? e : new OverlayNetworkError('SANDBOX_FAILED', p?.net.net.id ?? '?', p?.net.net.vni ?? 0, 'failed', undefined, { cause: e }));
    };
    for (const p of plan.networks) {
      if (p.action === 'rebuild') this.log.warn({ network: p.net.net.id, vni: p.net.net.vni, reason: p.reason }, 'overlay: rebuilding sandbox');
    }

    // 1. Sandboxes that go or are rebuilt. With step 2 (links out of kept sandboxes) this runs
    //    before step 3, so interface names are free again when endpoints are made.
    await mapLimit(plan.removals, PARALLEL, (r) =>
      removeSandbox(ctx, r).catch((e: unknown) => {
        errors.push(new OverlayNetworkError('SANDBOX_FAILED', r.networkId ?? r.sandbox, r.vni, 'removing sandbox failed', undefined, { cause: e }));
      }),
    );
    // 2. New sandboxes; in-place fixes of kept ones.
    const broken = new Set<NetworkPlan>();
    await mapLimit(plan.networks, PARALLEL, async (p) => {
      try {
        if (p.action === 'keep') await fixSandbox(ctx, p);
        else await createSandbox(ctx, p.net);
      } catch (e) {
        // A kept sandbox is still usable after a failed alias update; a new one is not.
        if (p.action !== 'keep') broken.add(p);
        fail(e, p);
      }
    });
    // 3. Endpoints, then 4. peers, of every network whose sandbox is in place.
    const ok = plan.networks.filter((p) => !broken.has(p));
    const adds = ok.flatMap((p) => p.add.map((a) => ({ p, a })));
    await mapLimit(adds, PARALLEL, ({ p, a }) => addEndpoint(ctx, p.net, a).catch((e: unknown) => fail(e, p)));
    await mapLimit(ok, PARALLEL, (p) => programPeers(ctx, p).catch((e: unknown) => fail(e, p)));

    const changes = Object.values(plan.counts).reduce((a, b) => a + b, 0);
    const report: SyncReport = { ...plan.counts, changes, commands: run.count, durationMs: Math.round((performance.now() - started) * 10) / 10 };
    if (changes > 0 || errors.length > 0) this.log.info({ ...report, errors: errors.length }, 'overlay: synced');
    else this.log.debug(report, 'overlay: in sync');
    if (errors.length > 0) throw new OverlaySyncError(errors, report);
    return report;
  }
}
