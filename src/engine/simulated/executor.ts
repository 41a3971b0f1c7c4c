// SIMULATED engine, for scale tests and benchmarks only: it runs no containers. A task
// "starts" after a configurable delay and may be made to fail, so one process can stand in
// for thousands of worker nodes against real managers over real gRPC.
import type { AssignedTask, EngineDescription, Executor, TaskStatusReport } from '../../worker/types.js';
import type { TaskState } from '../../store/objects.js';

export interface SimulatedExecutorOptions {
  hostname: string;
  /** Time from assignment to `running`. */
  startDelayMs?: number;
  nanoCpus?: number;
  memoryBytes?: number;
  engineLabels?: Record<string, string>;
  /** Return an error message to reject a task instead of running it. */
  rejectIf?: (task: AssignedTask) => string | undefined;
}

interface SimTask {
  state: TaskState;
  timer?: NodeJS.Timeout;
}

export class SimulatedExecutor implements Executor {
  private report: (s: TaskStatusReport) => void = () => {};
  private readonly tasks = new Map<string, SimTask>();
  private stopped = false;

  constructor(private readonly opts: SimulatedExecutorOptions) {}

  async describe(): Promise<EngineDescription> {
    return {
      hostname: this.opts.hostname,
      os: 'linux',
      arch: 'x86_64',
      nanoCpus: this.opts.nanoCpus ?? 4e9,
      memoryBytes: this.opts.memoryBytes ?? 8 * 2 ** 30,
      engineVersion: 'simulated',
      engineLabels: this.opts.engineLabels ?? {},
    };
  }

  async start(report: (s: TaskStatusReport) => void): Promise<void> {
    this.report = report;
  }

  setAssignments(assigned: AssignedTask[]): void {
    if (this.stopped) return;
    const ids = new Set(assigned.map((t) => t.id));
    for (const [id, t] of this.tasks) {
      if (!ids.has(id)) {
        clearTimeout(t.timer);
        this.tasks.delete(id);
      }
    }
    for (const task of assigned) {
      const known = this.tasks.get(task.id);
      if (task.desiredState === 'running' && !known) this.launch(task);
      else if (task.desiredState !== 'running' && known && known.state === 'running') this.set(task.id, known, 'shutdown', 'shutdown');
    }
  }

  /** Makes a running task exit as if its process died (for failure tests). */
  failTask(taskId: string, exitCode = 1): boolean {
    const t = this.tasks.get(taskId);
    if (!t || t.state !== 'running') return false;
    this.set(taskId, t, 'failed', `task: non-zero exit (${exitCode})`, exitCode);
    return true;
  }

  /** The state this executor has for a task (undefined: never assigned here, or forgotten). */
  stateOf(taskId: string): string | undefined {
    return this.tasks.get(taskId)?.state;
  }

  runningTaskIds(): string[] {
    return [...this.tasks].filter(([, t]) => t.state === 'running').map(([id]) => id);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.tasks.values()) clearTimeout(t.timer);
  }

  private launch(task: AssignedTask): void {
    const t: SimTask = { state: 'accepted' };
    this.tasks.set(task.id, t);
    const rejection = this.opts.rejectIf?.(task);
    if (rejection) {
      this.set(task.id, t, 'rejected', 'simulated rejection', undefined, rejection);
      return;
    }
    t.timer = setTimeout(() => this.set(task.id, t, 'running', 'started'), this.opts.startDelayMs ?? 0);
  }

  private set(id: string, t: SimTask, state: TaskState, message: string, exitCode?: number, err?: string): void {
    t.state = state;
    this.report({
      taskId: id,
      state,
      message,
      ...(err ? { err } : {}),
      ...(exitCode !== undefined ? { exitCode } : {}),
      timestamp: new Date().toISOString(),
    });
  }
}
