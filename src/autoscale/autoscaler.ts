// The autoscaler: a leader-only loop. Every interval it reads each replicated service that
// carries a policy, turns its running tasks' samples (usage book) into CPU rates, asks
// decide() for a replica count, and writes the changes of a pass in one store update.
// The replica count is the same field `service scale` writes, so the orchestrator, the
// scheduler and Raft do the rest; a manual scale is simply where the next pass starts.
//
// Its memory (recommendation history, the book) is in-process only: a new leader starts
// afresh, waiting for two samples per task and holding scale-downs for a full delay.
import type { Logger } from 'pino';
import type { AutoscaleStatus, Service, Task } from '../store/objects.js';
import type { Store } from '../store/store.js';
import { decide, remember, type Decision, type Recommendation, type TaskUsage } from './decide.js';
import { DEFAULT_TIMINGS, type AutoscalerTimings } from './options.js';
import { policyOfSpec, type AutoscalePolicy } from './policy.js';
import type { UsageBook } from './usage-book.js';

export interface AutoscalerOptions {
  book: UsageBook;
  timings?: Partial<AutoscalerTimings>;
  /** The leader's clock (ms); tests pin it. */
  now?: () => number;
}

interface Tracked {
  history: Recommendation[];
  /** The replica count after this loop's last look (or write): anything else is a manual change. */
  replicas: number;
  last?: Decision;
}

interface Change {
  serviceId: string;
  from: number;
  to: number;
  status: AutoscaleStatus;
}

/** Running, and meant to run: the tasks whose usage counts. */
function isCounted(t: Task): boolean {
  return t.DesiredState === 'running' && t.Status.State === 'running';
}

export class Autoscaler {
  private readonly book: UsageBook;
  private readonly timings: AutoscalerTimings;
  private readonly now: () => number;
  private readonly tracked = new Map<string, Tracked>();
  private timer?: NodeJS.Timeout;
  private passing = false;
  private running = false;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    opts: AutoscalerOptions,
  ) {
    this.book = opts.book;
    this.timings = { ...DEFAULT_TIMINGS, ...opts.timings };
    this.now = opts.now ?? Date.now;
  }

  run(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => void this.pass(), this.timings.intervalMs);
    this.log.info({ intervalMs: this.timings.intervalMs }, 'autoscaler started');
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.timer);
    this.timer = undefined;
    this.tracked.clear();
    this.book.clear();
  }

  /** The last decision made for a service (diagnostics and tests). */
  lastDecision(serviceId: string): Decision | undefined {
    return this.tracked.get(serviceId)?.last;
  }

  /** One pass over every autoscaled service; runs on the timer, callable by tests. */
  async pass(): Promise<void> {
    if (this.passing) return;
    this.passing = true;
    try {
      const changes = this.decideAll();
      if (changes.length > 0) await this.apply(changes);
    } catch (err) {
      this.log.error({ err }, 'autoscaler pass failed');
    } finally {
      this.passing = false;
    }
  }

  private decideAll(): Change[] {
    const now = this.now();
    const live = new Set<string>();
    const seen = new Set<string>();
    const changes: Change[] = [];
    for (const service of this.store.all('services')) {
      const tasks = this.store.tasksOfService(service.ID).filter(isCounted);
      for (const t of tasks) live.add(t.ID);
      const policy = this.policyOf(service);
      if (!policy) continue;
      seen.add(service.ID);
      const change = this.decideOne(service, policy, tasks, now);
      if (change) changes.push(change);
    }
    for (const id of this.tracked.keys()) if (!seen.has(id)) this.tracked.delete(id);
    this.book.retain(live);
    return changes;
  }

  private policyOf(service: Service): AutoscalePolicy | undefined {
    try {
      return policyOfSpec(service.Spec);
    } catch {
      return undefined; // refused at create/update; a bad stored value means no autoscaling
    }
  }

  private decideOne(service: Service, policy: AutoscalePolicy, tasks: Task[], now: number): Change | undefined {
    const replicas = service.Spec.Mode.Replicated?.Replicas ?? 1;
    let t = this.tracked.get(service.ID);
    if (!t || t.replicas !== replicas) {
      // First look, or scaled by hand: that count stands for a full scale-down delay.
      t = { history: [{ atMs: now, replicas }], replicas, ...(t?.last ? { last: t.last } : {}) };
      this.tracked.set(service.ID, t);
    }
    const { rateWindowMs, staleMs, startupGraceMs } = this.timings;
    const usage: TaskUsage[] = tasks.map((task) => {
      const rate = this.book.rate(task.ID, now, rateWindowMs, staleMs);
      const since = Date.parse(task.Status.Timestamp);
      return {
        taskId: task.ID,
        cpuPercent: rate?.cpuPercent,
        samples: rate?.samples ?? 0,
        runningSinceMs: Number.isFinite(since) ? since : now,
      };
    });
    const limitNano = service.Spec.TaskTemplate.Resources?.Limits?.NanoCPUs ?? 0;
    const d = decide({ policy, replicas, tasks: usage, history: t.history, nowMs: now, startupGraceMs, ...(limitNano > 0 ? { cpuLimitPercent: limitNano / 1e7 } : {}) });
    t.last = d;
    if (d.recommendation !== undefined) {
      t.history = remember(t.history, { atMs: now, replicas: d.recommendation }, policy.scaleDownDelayMs);
    }
    const fields = {
      service: service.Spec.Name,
      serviceId: service.ID,
      from: replicas,
      to: d.replicas ?? replicas,
      avgCpuPercent: d.avgCpuPercent === undefined ? undefined : Math.round(d.avgCpuPercent * 10) / 10,
      counted: d.counted,
      reason: d.reason,
    };
    if (d.replicas === undefined || d.replicas === replicas) {
      this.log.debug(fields, 'autoscale: no change');
      return undefined;
    }
    this.log.info(fields, `autoscale: ${service.Spec.Name} ${replicas} -> ${d.replicas}`);
    return {
      serviceId: service.ID,
      from: replicas,
      to: d.replicas,
      status: {
        From: replicas,
        To: d.replicas,
        Reason: d.reason,
        ...(d.avgCpuPercent === undefined ? {} : { AvgCPUPercent: Math.round(d.avgCpuPercent * 10) / 10 }),
        Timestamp: new Date(now).toISOString(),
      },
    };
  }

  /** Writes a pass's changes in one update; a service changed meanwhile (a manual scale) is left alone. */
  private async apply(changes: Change[]): Promise<void> {
    const applied = await this.store.update((tx) => {
      const done: Change[] = [];
      for (const c of changes) {
        const s = tx.get('services', c.serviceId);
        const rep = s?.Spec.Mode.Replicated;
        if (!s || !rep || (rep.Replicas ?? 1) !== c.from || !this.policyOf(s)) continue;
        tx.update('services', c.serviceId, (d) => {
          d.Spec.Mode.Replicated = { ...d.Spec.Mode.Replicated, Replicas: c.to };
          d.TSSwarm = { ...d.TSSwarm, Autoscale: c.status };
        });
        done.push(c);
      }
      return done;
    });
    for (const c of applied) {
      const t = this.tracked.get(c.serviceId);
      if (t) t.replicas = c.to;
    }
    const skipped = changes.length - applied.length;
    if (skipped > 0) this.log.info({ skipped }, 'autoscale: services changed during the pass were left for the next one');
  }
}
