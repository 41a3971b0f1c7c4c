// OverlayDriver: programs one host's VXLAN overlay data path from a desired state. Every sync
// reads the kernel, plans the difference and applies only that; nothing is kept in memory or
// on disk between syncs, so a new instance (after a worker restart) picks up where the last
// one left off without touching endpoints that are already right.
import type { Logger } from 'pino';
import { addEndpoint, createSandbox, fixSandbox, programPeers, removeEndpoints, removeSandbox, type ApplyContext } from './apply.js';
import { CountingRunner, execRunner, type CommandRunner } from './command-runner.js';
import { normalizeState } from './desired.js';
import { OverlayNetworkError, OverlaySyncError } from './errors.js';
import { parseIPv4 } from './addr.js';
import {
  listSandboxes,
  mapLimit,
  procNetnsReader,
  procNetnsScanner,
  readState,
  type NetnsReader,
  type NetnsScanner,
  type ObservedSandbox,
} from './observe.js';
import { planSync, type EndpointRemoval, type NetworkPlan } from './plan.js';
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
  /** One PID per netns on the machine; default a walk of /proc (see observe.ts). */
  scanNetns?: NetnsScanner;
}

/** Most kernel reads or endpoint changes in flight at once. */
const PARALLEL = 8;

export class OverlayDriver {
  private readonly prefix: string;
  private readonly run: CommandRunner;
  private readonly readNetns: NetnsReader;
  private readonly scanNetns: NetnsScanner;
  private readonly log: Logger;
  /**
   * PIDs of containers this instance has seen endpoints in. Endpoints live in the containers'
   * netns, so one whose task left the desired state can only be found by reading its container:
   * these are read at each sync beside the desired ones. A fresh instance (worker restart)
   * knows none and walks every netns once instead. A hint only: nothing depends on it being
   * complete but how soon a leftover endpoint in a still-running container goes.
   */
  private seenPids: Set<number> | undefined;
  /** Syncs, reads and teardown run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: OverlayDriverOptions) {
    if (parseIPv4(opts.underlayAddr) === undefined) throw new TypeError(`OverlayDriver: underlayAddr "${opts.underlayAddr}" is not IPv4`);
    this.prefix = opts.sandboxPrefix ?? 'tsov';
    if (!/^[a-z][a-z0-9]{0,5}$/.test(this.prefix)) throw new TypeError(`OverlayDriver: sandboxPrefix "${this.prefix}" must be 1-6 of [a-z0-9]`);
    this.run = opts.run ?? execRunner();
    this.readNetns = opts.readNetns ?? procNetnsReader;
    this.scanNetns = opts.scanNetns ?? procNetnsScanner(this.readNetns);
    this.log = opts.log.child({ component: 'overlay' });
  }

  /** Makes the kernel match `state`. Throws OverlayStateError (nothing changed) or OverlaySyncError (partly applied). */
  sync(state: OverlayDesiredState): Promise<SyncReport> {
    return this.serial(() => this.doSync(state));
  }

  /** What is programmed now, read from the kernel (every netns on the machine) and sorted. */
  programmed(): Promise<ProgrammedState> {
    return this.serial(async () => {
      const { sandboxes, endpoints } = await readState(this.run, this.prefix, await this.scanNetns(), this.readNetns);
      return toProgrammed(sandboxes, endpoints);
    });
  }

  /** Removes every sandbox with this driver's prefix (and so every endpoint it made). */
  teardown(): Promise<void> {
    return this.serial(async () => {
      // Read what can be read (to delete links before the netns); list by name regardless.
      // Deleting vxlan0 deletes the endpoints in the containers with it.
      const read = await readState(this.run, this.prefix, [], this.readNetns).catch(() => undefined);
      const byName = new Map<string, ObservedSandbox>(read?.sandboxes.map((sb) => [sb.name, sb]) ?? []);
      const names = await listSandboxes(this.run, this.prefix);
      await mapLimit(names, PARALLEL, async ({ name, vni }) => {
        const sb = byName.get(name);
        const links = sb !== undefined ? [...(sb.gateway ? [sb.gateway.name] : []), ...sb.strays] : [];
        await removeSandbox(this.ctx(this.run), { sandbox: name, vni, networkId: undefined, links, hasVxlan: true, reason: 'unwanted' });
      });
      this.seenPids = new Set();
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
    const extra = this.seenPids !== undefined ? [...this.seenPids] : await this.scanNetns();
    const { sandboxes, containers, endpoints } = await readState(run, this.prefix, [...pids, ...extra], this.readNetns);
    // Read through the lowest PID of each netns, so the endpoints name the PIDs to keep.
    this.seenPids = new Set([...endpoints.map((o) => o.pid), ...pids.filter((pid) => containers.get(pid)?.netns !== undefined)]);
    const plan = planSync({ desired, sandboxes, containers, endpoints, underlayAddr: this.opts.underlayAddr });
    const errors: OverlayNetworkError[] = plan.problems.map(
      (p) => new OverlayNetworkError('ENDPOINT_FAILED', p.net.net.id, p.net.net.vni, p.message, p.taskId),
    );
    const fail = (e: unknown, p?: NetworkPlan): void => {
      errors.push(e instanceof OverlayNetworkError ? e : new OverlayNetworkError('SANDBOX_FAILED', p?.net.net.id ?? '?', p?.net.net.vni ?? 0, 'failed', undefined, { cause: e }));
    };
    for (const p of plan.networks) {
      if (p.action === 'rebuild') this.log.warn({ network: p.net.net.id, vni: p.net.net.vni, reason: p.reason }, 'overlay: rebuilding sandbox');
    }

    // 1. Sandboxes that go or are rebuilt (with their endpoints), and endpoints that go: all
    //    before step 3, so interface names and MACs are free again when endpoints are made.
    await mapLimit(plan.removals, PARALLEL, (r) =>
      removeSandbox(ctx, r).catch((e: unknown) => {
        errors.push(new OverlayNetworkError('SANDBOX_FAILED', r.networkId ?? r.sandbox, r.vni, 'removing sandbox failed', undefined, { cause: e }));
      }),
    );
    //    Endpoints that go from kept sandboxes (and leftovers), grouped by container.
    const byPid = new Map<number, EndpointRemoval[]>();
    for (const r of plan.endpointRemovals) byPid.set(r.pid, [...(byPid.get(r.pid) ?? []), r]);
    await mapLimit([...byPid], PARALLEL, ([pid, rs]) => removeEndpoints(ctx, pid, rs));
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
