// "running" means reachable: a task's running report is held back until this host has
// plugged its overlay endpoints (or HOLD_MAX_MS passed), so no load balancer anywhere sends
// it traffic before it can get it. Later reports of the same task release the held one first,
// so the order of reports is kept. See docs/design/network-agent.md.
import type { Logger } from 'pino';
import type { TaskStatusReport } from '../types.js';

/** Longest a "running" report is held while the task's endpoints are plugged (ms). */
export const HOLD_MAX_MS = 5_000;

interface Held {
  status: TaskStatusReport;
  forward: (s: TaskStatusReport) => void;
  timer: NodeJS.Timeout;
}

export class RunningHold {
  private readonly held = new Map<string, Held>();

  constructor(private readonly log: Logger) {}

  /** Holds `status` (a running report) until release(); any earlier held report goes first. */
  hold(status: TaskStatusReport, forward: (s: TaskStatusReport) => void): void {
    this.release(status.taskId);
    const timer = setTimeout(() => {
      this.log.warn({ taskId: status.taskId }, `task endpoints not plugged after ${HOLD_MAX_MS} ms: reporting running anyway`);
      this.release(status.taskId);
    }, HOLD_MAX_MS);
    this.held.set(status.taskId, { status, forward, timer });
  }

  /** Sends the task's held report, if any. */
  release(taskId: string): void {
    const h = this.held.get(taskId);
    if (!h) return;
    this.held.delete(taskId);
    clearTimeout(h.timer);
    h.forward(h.status);
  }

  /** Releases the reports whose task and pid are among the endpoints just plugged. */
  releasePlugged(plugged: ReadonlyArray<{ taskId: string; containerPid: number }>): void {
    for (const l of plugged) if (this.held.get(l.taskId)?.status.pid === l.containerPid) this.release(l.taskId);
  }

  releaseAll(): void {
    for (const id of [...this.held.keys()]) this.release(id);
  }
}
