// Graceful removal of load-balancer backends. When the manager stops a task (scale-down,
// update, rm), the same push that tells this node to stop it tells every node's load
// balancer to drop it. Handing the stop to the executor at once races those syncs: the
// container may be gone while a balancer still sends it new connections. So a running
// task that is a backend (it has endpoints) keeps running for DRAIN_MS after it stops being
// wanted, then the executor gets the real assignment set. Everything else passes at once.
import type { AssignedTask } from '../types.js';

/** How long a task that leaves the load balancers keeps running before it is stopped (ms). */
export const DRAIN_MS = 600;

export class DrainingAssignments {
  /** The manager's latest set, unpatched. */
  private latest: AssignedTask[] = [];
  /** Tasks kept running while the balancers forget them: id → (task as last wanted, until). */
  private readonly draining = new Map<string, { task: AssignedTask; until: number }>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly forward: (tasks: AssignedTask[]) => void,
    /** True for a task that runs here and is a backend (has overlay endpoints). */
    private readonly isBackend: (taskId: string) => boolean,
    private readonly delayMs = DRAIN_MS,
  ) {}

  set(tasks: AssignedTask[]): void {
    const now = Date.now();
    const next = new Map(tasks.map((t) => [t.id, t]));
    for (const prev of this.latest) {
      if (prev.desiredState !== 'running' || this.draining.has(prev.id) || !this.isBackend(prev.id)) continue;
      const t = next.get(prev.id);
      if (!t || t.desiredState !== 'running') this.draining.set(prev.id, { task: prev, until: now + this.delayMs });
    }
    // Wanted again (a rollback within the delay): nothing to drain.
    for (const [id] of this.draining) if (next.get(id)?.desiredState === 'running') this.draining.delete(id);
    this.latest = tasks;
    this.push();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private push(): void {
    const now = Date.now();
    for (const [id, d] of this.draining) if (d.until <= now) this.draining.delete(id);
    const ids = new Set(this.latest.map((t) => t.id));
    const patched = this.latest.map((t) => {
      const d = this.draining.get(t.id);
      return d ? { ...t, desiredState: d.task.desiredState } : t;
    });
    for (const [id, d] of this.draining) if (!ids.has(id)) patched.push(d.task);
    this.forward(patched);
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.draining.size > 0) {
      const next = Math.min(...[...this.draining.values()].map((d) => d.until));
      this.timer = setTimeout(() => this.push(), Math.max(0, next - now));
    }
  }
}
