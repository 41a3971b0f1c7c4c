// The worker's network agent: turns the manager's network view and the executor's task
// reports into this host's data path — the VXLAN overlay (src/overlay), the routing mesh
// (src/lb, host netns), per-container VIP tables, and the DNS resolver (src/dns).
// Every sync recomputes everything from (view, running containers); the drivers diff
// against the kernel, so a sync after a restart changes nothing that is already right.
// See docs/design/network-agent.md.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { buildTable, type DnsServer } from '../../dns/index.js';
import { setTaskDnsServers } from '../../engine/docker/container-spec.js';
import { chooseLbMode, createLoadBalancer, isLbMode, type LbModeChoice, type LoadBalancer } from '../../lb/index.js';
import { OverlayDriver } from '../../overlay/index.js';
import type { AssignedTask, Executor, TaskStatusReport } from '../types.js';
import { HOST_INGRESS_IFNAME, lbState, overlayState, underlayAddrOf, vipTargetsFor, type LocalContainer, type NetworkView } from './desired.js';
import { containerAddrs, startResolver } from './dns-setup.js';
import { DrainingAssignments } from './drain.js';
import { HostAnchor } from './host-anchor.js';
import { ensureForwardAccept } from './host-forward.js';
import { RunningHold } from './running-hold.js';
import { SyncLoop } from './sync-loop.js';
import { VipTables } from './vip-tables.js';

export interface NetworkAgentOptions {
  nodeId: string;
  log: Logger;
  /** This node's underlay address; default: the address the manager knows it by (from the view). */
  advertiseAddr?: string;
  docker?: Dockerode;
  /** Serve DNS to task containers (default true). */
  dns?: boolean;
  /** Port of the DNS resolver (default 53; tests may use another). */
  dnsPort?: number;
  /** Full resync period that repairs anything changed behind our back (ms). */
  resyncMs?: number;
  /**
   * Overlay sandbox netns prefix (default 'tsov'). Netns names are machine-wide, so hosts
   * simulated on one machine (the test bed) each need their own.
   */
  sandboxPrefix?: string;
  /** Force the routing mesh's data path instead of probing nft (default: TSSWARM_LB_MODE, else probe). */
  lbMode?: string;
}

/** Full resync period: repairs links, tables and entries changed behind the agent's back (ms). */
const RESYNC_MS = 30_000;
/**
 * After a restart, the first sync waits (at most this long, ms) until the executor has
 * reported every assigned task, so a running container is never unplugged because its
 * report came after the view.
 */
const FIRST_SYNC_GRACE_MS = 3_000;
/** Abstract unix socket (scoped to the network namespace): one data-path owner per netns. */
const LOCK_NAME = '\0tsswarm-network-agent';

interface Running extends LocalContainer {
  containerId: string;
}

export class NetworkAgent {
  private readonly log: Logger;
  private readonly docker: Dockerode;
  /** The overlay (slow: reads the kernel, 0.2–1 s) and the balancers + DNS (fast) sync apart, so a view change reaches the load balancers without waiting behind an overlay sync. */
  private readonly overlayLoop: SyncLoop;
  private readonly balanceLoop: SyncLoop;
  private view?: NetworkView;
  private readonly running = new Map<string, Running>();
  /** task id → addresses its DNS queries come from (docker bridge address). */
  private readonly clientAddrs = new Map<string, string[]>();
  private driver?: OverlayDriver;
  private lb?: LoadBalancer;
  /** The data path chosen at start (reported to the manager); the balancer itself is built on first use. */
  private lbChoice?: LbModeChoice;
  private readonly vipTables: VipTables;
  private readonly anchor = new HostAnchor();
  private dns?: DnsServer;
  private lock?: net.Server;
  private forwardOk = false;
  private resyncTimer?: NodeJS.Timeout;
  /** Tasks assigned with desired state running, and those the executor has reported on. */
  private assigned?: { ids: Set<string>; at: number };
  private readonly reported = new Set<string>();
  private firstSyncDone = false;
  private firstViewAt = 0;
  /** Set when this node's underlay is loopback: nothing is ever programmed. */
  private inert = false;
  /** "running" reports waiting for the task's overlay endpoints. */
  private readonly hold: RunningHold;
  /** Syncs done, for logs and tests. */
  syncs = 0;

  constructor(private readonly opts: NetworkAgentOptions) {
    this.log = opts.log.child({ component: 'network-agent' });
    this.docker = opts.docker ?? new Dockerode();
    this.vipTables = new VipTables(this.log);
    this.hold = new RunningHold(this.log);
    this.overlayLoop = new SyncLoop(() => this.syncPart('overlay'));
    this.balanceLoop = new SyncLoop(() => this.syncPart('balance'));
  }

  /**
   * Takes the netns lock and starts the DNS resolver (before any task container is
   * created, so they get it as their name server). Returns false, doing nothing, if another
   * worker already drives this network namespace (several workers on one machine in tests).
   */
  async start(): Promise<boolean> {
    const lock = net.createServer();
    const locked = await new Promise<boolean>((resolve) => {
      lock.once('error', () => resolve(false));
      lock.listen(LOCK_NAME, () => resolve(true));
    });
    if (!locked) {
      this.log.warn('another worker drives this network namespace: network agent off');
      return false;
    }
    this.lock = lock;
    this.lbChoice = await this.chooseLbMode();
    this.log.info({ 'lb.mode': this.lbChoice.mode, reason: this.lbChoice.reason }, `load balancer mode: ${this.lbChoice.mode}`);
    if (this.opts.dns !== false) await this.startDns();
    this.resyncTimer = setInterval(() => this.request(), this.opts.resyncMs ?? RESYNC_MS);
    return true;
  }

  /** The routing mesh's data path on this host, known once start() returned true. */
  get lbMode(): LbModeChoice | undefined {
    return this.lbChoice;
  }

  async stop(): Promise<void> {
    clearInterval(this.resyncTimer);
    this.overlayLoop.stop();
    this.balanceLoop.stop();
    await this.settled();
    this.dns?.stop();
    this.lock?.close();
    this.lock = undefined;
    // Kernel state stays: the next worker on this host adopts it.
  }

  /**
   * Wraps the executor so that a task's "running" report reaches the agent (and so the
   * manager, and every other node's load balancers) only once this host has plugged the
   * task's overlay endpoints: "running" then means reachable, as in Swarm, where the
   * network is attached before the container starts. Other reports pass straight through.
   * Also feeds onStatus, so the Agent's own onStatus hook is not needed. And a backend that
   * is no longer wanted keeps running for DRAIN_MS while the balancers drop it (drain.ts).
   */
  wrapExecutor(inner: Executor): Executor {
    const nodeId = this.opts.nodeId;
    const drain = new DrainingAssignments(
      (tasks) => {
        inner.setAssignments(tasks);
        this.onAssignments(tasks); // the set as the executor has it, draining tasks included
      },
      (taskId) => !this.inert && this.running.has(taskId) && !!this.view?.endpoints.some((e) => e.task_id === taskId && e.node_id === nodeId),
    );
    return {
      describe: () => inner.describe(),
      start: (report) => inner.start((s) => this.onExecutorReport(s, report)),
      setAssignments: (tasks) => drain.set(tasks),
      stop: async () => {
        drain.stop();
        await inner.stop();
        this.hold.releaseAll();
      },
    };
  }

  private onExecutorReport(s: TaskStatusReport, forward: (s: TaskStatusReport) => void): void {
    this.onStatus(s);
    const nodeId = this.opts.nodeId;
    const plugs = this.lock && !this.inert && s.state === 'running' && s.pid && this.view?.endpoints.some((e) => e.task_id === s.taskId && e.node_id === nodeId);
    if (plugs) return this.hold.hold(s, forward);
    this.hold.release(s.taskId); // an earlier held report goes first
    forward(s);
  }

  /** Agent hook: the manager's network view. */
  onNetworkState(view: NetworkView): void {
    if (!this.lock || this.inert) return;
    if (!this.view) this.firstViewAt = Date.now();
    this.view = view;
    // Decided at once, before the executor creates containers with our DNS server.
    const underlay = this.underlay(view);
    if (underlay?.startsWith('127.')) return this.goInert(underlay);
    this.request();
  }

  /** Agent hook: every task status report (running ones carry the container pid). */
  onStatus(s: TaskStatusReport): void {
    if (!this.lock) return;
    this.reported.add(s.taskId);
    if (s.state === 'running' && s.pid && s.containerId) {
      const known = this.running.get(s.taskId);
      if (known && known.pid === s.pid) return;
      this.running.set(s.taskId, { taskId: s.taskId, pid: s.pid, containerId: s.containerId });
      void this.learnAddrs(s.taskId, s.containerId);
    } else if (s.state !== 'running' && this.running.has(s.taskId)) {
      this.running.delete(s.taskId);
      this.clientAddrs.delete(s.taskId);
    } else {
      return;
    }
    this.request();
  }

  /** Tasks no longer assigned are gone (their containers are being removed). Fed by wrapExecutor. */
  onAssignments(tasks: AssignedTask[]): void {
    if (!this.lock) return;
    const ids = new Set(tasks.map((t) => t.id));
    this.assigned ??= { ids: new Set(tasks.filter((t) => t.desiredState === 'running').map((t) => t.id)), at: Date.now() };
    for (const id of [...this.reported]) if (!ids.has(id)) this.reported.delete(id);
    let changed = false;
    for (const id of [...this.running.keys()]) {
      if (!ids.has(id)) {
        this.running.delete(id);
        this.clientAddrs.delete(id);
        changed = true;
      }
    }
    if (changed) this.request();
  }

  /** The overlay as programmed in the kernel now (undefined before the first sync). */
  programmed(): ReturnType<OverlayDriver['programmed']> | undefined {
    return this.driver?.programmed();
  }

  /** Waits until the pending sync (if any) is done. */
  settled(): Promise<void> {
    return Promise.all([this.overlayLoop.settled(), this.balanceLoop.settled()]).then(() => undefined);
  }

  private async startDns(): Promise<void> {
    const started = await startResolver(this.docker, this.log, this.opts.dnsPort ?? 53);
    if (!started) return;
    this.dns = started.dns;
    // The engine's default bridge gateway is the host as task containers see it.
    if ((this.opts.dnsPort ?? 53) === 53) setTaskDnsServers([started.host]);
  }

  private async chooseLbMode(): Promise<LbModeChoice> {
    const fromEnv = process.env.TSSWARM_LB_MODE;
    const wanted = this.opts.lbMode ?? (fromEnv || undefined);
    if (wanted !== undefined && !isLbMode(wanted)) this.log.warn({ wanted }, 'unknown load balancer mode (nftables or userspace): probing instead');
    const forcedBy = this.opts.lbMode !== undefined ? 'the worker options' : 'TSSWARM_LB_MODE';
    return chooseLbMode(isLbMode(wanted) ? { forced: wanted, forcedBy } : {});
  }

  private async learnAddrs(taskId: string, containerId: string): Promise<void> {
    try {
      const addrs = await containerAddrs(this.docker, containerId);
      if (!this.running.has(taskId)) return;
      this.clientAddrs.set(taskId, addrs);
      this.request();
    } catch (err) {
      this.log.debug({ err, taskId }, 'container inspect failed (gone?)');
    }
  }

  private underlay(view: NetworkView): string | undefined {
    return this.opts.advertiseAddr ?? underlayAddrOf(view, this.opts.nodeId);
  }

  /**
   * Nodes that reach each other over loopback share one machine (test clusters, the demo):
   * VXLAN between them means nothing and they would fight over one netns, so the agent
   * turns itself off and leaves the host alone.
   */
  private goInert(underlay: string): void {
    this.log.warn({ underlay }, 'underlay address is loopback: network agent off (overlay, load balancing and DNS need one host per node)');
    this.inert = true;
    this.overlayLoop.stop();
    this.balanceLoop.stop();
    clearInterval(this.resyncTimer);
    this.dns?.stop();
    this.dns = undefined;
    setTaskDnsServers([]);
    this.hold.releaseAll();
  }

  private request(delayMs?: number): void {
    this.overlayLoop.request(delayMs);
    this.balanceLoop.request(delayMs);
  }

  /**
   * The first sync after a start waits until the executor has reported every assigned task
   * (or FIRST_SYNC_GRACE_MS), so a running container is never unplugged for lack of a report.
   */
  private readyForFirstSync(): boolean {
    if (this.firstSyncDone) return true;
    const a = this.assigned;
    const waiting = !a ? -1 : [...a.ids].filter((id) => !this.reported.has(id)).length;
    const age = Date.now() - (a?.at ?? this.firstViewAt);
    if (waiting !== 0 && age < FIRST_SYNC_GRACE_MS) {
      setTimeout(() => this.request(0), 100).unref();
      return false;
    }
    if (waiting > 0) this.log.warn({ waiting }, 'first network sync without reports for some assigned tasks');
    this.firstSyncDone = true;
    return true;
  }

  /** One pass of one part. Returns false if it failed (its loop retries). */
  private async syncPart(part: 'overlay' | 'balance'): Promise<boolean> {
    const view = this.view;
    if (!view || this.inert || !this.readyForFirstSync()) return true;
    const t0 = performance.now();
    this.syncs++;
    try {
      if (part === 'overlay') {
        const changes = await this.syncOverlay(view);
        const report = { part, ms: Math.round(performance.now() - t0), overlayChanges: changes, running: this.running.size, networks: view.networks.length };
        if (changes > 0) this.log.info(report, 'network sync');
        else this.log.debug(report, 'network sync (no change)');
        return true;
      }
      this.dns?.setTable(buildTable(view, this.clientAddrs));
      const dnsMs = Math.round((performance.now() - t0) * 10) / 10;
      const [lb, vips] = await Promise.allSettled([this.syncLb(view), this.syncVips(view)]);
      const report = {
        part,
        ms: Math.round(performance.now() - t0),
        dnsMs,
        lbChangedServices: lb.status === 'fulfilled' ? lb.value : undefined,
        vipTables: vips.status === 'fulfilled' ? vips.value : undefined,
      };
      if ((report.lbChangedServices ?? 1) > 0 || (report.vipTables ?? 1) > 0) this.log.info(report, 'network sync');
      else this.log.debug(report, 'network sync (no change)');
      for (const r of [lb, vips]) if (r.status === 'rejected') throw r.reason;
      return true;
    } catch (err) {
      this.log.warn({ err, part }, 'network sync: part failed (retrying)');
      return false;
    }
  }

  private async syncOverlay(view: NetworkView): Promise<number> {
    const underlay = this.underlay(view);
    if (!underlay) {
      if (view.networks.length > 0) this.log.warn('network view without this node’s underlay address: overlay not programmed yet');
      return 0;
    }
    if (!this.driver) this.driver = new OverlayDriver({ underlayAddr: underlay, log: this.log, ...(this.opts.sandboxPrefix ? { sandboxPrefix: this.opts.sandboxPrefix } : {}) });
    const state = overlayState({ view, nodeId: this.opts.nodeId, running: this.running, hostPid: view.host_ingress ? await this.anchor.get() : process.pid });
    const report = await this.driver.sync(state);
    // Endpoints are in place: let their tasks' "running" reports go.
    this.hold.releasePlugged(state.local);
    if (view.host_ingress && !this.forwardOk) this.forwardOk = await ensureForwardAccept(HOST_INGRESS_IFNAME, this.log);
    return report.changes;
  }

  private async syncLb(view: NetworkView): Promise<number> {
    const state = lbState(view);
    if (!this.lb) {
      if (state.ingress.length === 0) return 0;
      this.lb = await createLoadBalancer({ log: this.log, ...(this.lbChoice ? { mode: this.lbChoice.mode } : {}) });
    }
    const r = await this.lb.sync(state);
    return r.changedServices;
  }

  private async syncVips(view: NetworkView): Promise<number> {
    const containers = new Map<string, { pid: number; targets: ReturnType<typeof vipTargetsFor> }>();
    for (const c of this.running.values()) {
      if (!view.endpoints.some((e) => e.task_id === c.taskId)) continue;
      containers.set(c.taskId, { pid: c.pid, targets: vipTargetsFor(view, c.taskId) });
    }
    const r = await this.vipTables.sync(containers);
    if (r.errors > 0) throw new Error(`${r.errors} VIP table update(s) failed`);
    return r.changed;
  }
}
