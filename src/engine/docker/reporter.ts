// Hands task states to the agent once each, forward only: a state already reported, one
// earlier in the lifecycle, or anything after a terminal state is dropped.
import type { Logger } from 'pino';
import { isTerminal, taskStateRank, type TaskState } from '../../store/objects.js';
import type { TaskStatusReport } from '../../worker/types.js';

export type StatusFields = Omit<TaskStatusReport, 'taskId' | 'state' | 'timestamp'>;

export class StatusReporter {
  private readonly last = new Map<string, TaskState>();
  private sink: ((status: TaskStatusReport) => void) | undefined;

  constructor(private readonly log: Logger) {}

  attach(sink: (status: TaskStatusReport) => void): void {
    this.sink = sink;
  }

  detach(): void {
    this.sink = undefined;
  }

  lastState(taskId: string): TaskState | undefined {
    return this.last.get(taskId);
  }

  /** True once a terminal state (complete, shutdown, failed, rejected, …) was reported. */
  isDone(taskId: string): boolean {
    const state = this.last.get(taskId);
    return state !== undefined && isTerminal(state);
  }

  /** Reports `state` unless it would repeat or go back; returns whether it was sent. */
  report(taskId: string, state: TaskState, fields: StatusFields): boolean {
    const previous = this.last.get(taskId);
    if (previous !== undefined) {
      if (isTerminal(previous)) return false;
      if (taskStateRank(state) <= taskStateRank(previous)) return false;
    }
    this.last.set(taskId, state);
    const status: TaskStatusReport = { taskId, state, ...fields, timestamp: new Date().toISOString() };
    this.log.debug({ status }, 'task state');
    try {
      this.sink?.(status);
    } catch (err) {
      this.log.error({ err, taskId }, 'task status sink threw');
    }
    return true;
  }

  taskIds(): IterableIterator<string> {
    return this.last.keys();
  }

  forget(taskId: string): void {
    this.last.delete(taskId);
  }
}
