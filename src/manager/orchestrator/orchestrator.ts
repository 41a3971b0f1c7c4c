// The orchestrator loop: watches the store, and for every service whose tasks, spec or
// nodes changed runs the pure reconcilers and commits their actions in one transaction.
import type { Logger } from 'pino';
import { newId } from '../../common/ids.js';
import type { Node, Task } from '../../store/objects.js';
import type { Store, WriteTx } from '../../store/store.js';
import type { StoreEvent } from '../../store/state.js';
import { ControlLoop } from '../control-loop.js';
import { forgetTaskSpecKey, reconcileRemoved, reconcileReplicated, type Actions, type ReconcileContext } from './replicated.js';
import { isTerminal } from '../../store/objects.js';
import { reconcileGlobal } from './global.js';
import { reconcileReplicatedJob } from './jobs.js';

const DEBOUNCE_MS = 5;
const DEFAULT_HISTORY_LIMIT = 5;

export class Orchestrator extends ControlLoop {
  private readonly dirty = new Set<string>();
  /** Services whose last pass waits for some task to reach running. */
  private readonly waitingForRunning = new Set<string>();
  private allDirty = true;
  private recheckTimer?: NodeJS.Timeout;

  constructor(store: Store, log: Logger) {
    super(store, log, DEBOUNCE_MS);
  }

  override stop(): void {
    super.stop();
    clearTimeout(this.recheckTimer);
  }

  protected observe(events: StoreEvent[]): void {
    for (const e of events) {
      if (e.table === 'services') this.dirty.add(e.object.ID);
      else if (e.table === 'tasks') {
        const t = e.object as Task;
        if (e.kind === 'delete') forgetTaskSpecKey(t.ID);
        if (taskEventMatters(t, e.old as Task | undefined, e.kind, this.waitingForRunning)) this.dirty.add(t.ServiceID);
      } else if (e.table === 'nodes' && nodeChangeMatters(e.object as Node, e.old as Node | undefined)) {
        this.allDirty = true;
      } else if (e.table === 'clusters') this.allDirty = true;
    }
  }

  protected hasWork(): boolean {
    return this.allDirty || this.dirty.size > 0;
  }

  protected onPassFailed(): void {
    this.allDirty = true;
  }

  protected async pass(): Promise<void> {
    const ids = this.allDirty ? undefined : [...this.dirty];
    this.allDirty = false;
    this.dirty.clear();
    const started = performance.now();
    const recheckAt = await this.store.update((tx) => this.reconcile(tx, ids));
    this.log.debug({ services: ids?.length ?? 'all', ms: +(performance.now() - started).toFixed(1) }, 'orchestrator pass');
    if (recheckAt !== undefined) this.scheduleRecheck(recheckAt);
  }

  private reconcile(tx: WriteTx, serviceIds: string[] | undefined): number | undefined {
    const nodes = new Map(tx.all('nodes').map((n) => [n.ID, n]));
    const cluster = tx.get('clusters', 'cluster');
    const ctx: ReconcileContext = {
      nodes,
      now: Date.now(),
      historyLimit: cluster?.Spec.Orchestration.TaskHistoryRetentionLimit ?? DEFAULT_HISTORY_LIMIT,
      newId,
    };
    const ids = serviceIds ?? allServiceIds(tx);
    let recheckAt: number | undefined;
    for (const id of ids) {
      const service = tx.get('services', id);
      const tasks = tx.tasksOfService(id);
      let actions: Actions;
      const mode = service?.Spec.Mode;
      if (!service || !mode) actions = reconcileRemoved(tasks, ctx);
      else if (mode.Replicated) actions = reconcileReplicated(service, tasks, ctx);
      else if (mode.Global) actions = reconcileGlobal(service, tasks, ctx);
      else if (mode.GlobalJob) actions = reconcileGlobal(service, tasks, ctx, true);
      else if (mode.ReplicatedJob) actions = reconcileReplicatedJob(service, tasks, ctx);
      else continue;
      applyActions(tx, actions);
      if (actions.waitsForRunning) this.waitingForRunning.add(id);
      else this.waitingForRunning.delete(id);
      if (actions.recheckAt !== undefined) recheckAt = Math.min(recheckAt ?? Infinity, actions.recheckAt);
    }
    return recheckAt;
  }

  private scheduleRecheck(at: number): void {
    clearTimeout(this.recheckTimer);
    this.recheckTimer = setTimeout(() => {
      this.allDirty = true;
      this.kick();
    }, Math.max(0, at - Date.now()) + 1);
  }
}

function allServiceIds(tx: WriteTx): string[] {
  const ids = new Set(tx.all('services').map((s) => s.ID));
  // Tasks whose service is gone still need cleaning up.
  for (const t of tx.all('tasks')) ids.add(t.ServiceID);
  return [...ids];
}

function applyActions(tx: WriteTx, a: Actions): void {
  for (const id of a.remove) if (tx.get('tasks', id)) tx.delete('tasks', id);
  for (const { taskId, desired } of a.setDesired) {
    const t = tx.get('tasks', taskId);
    if (t && t.DesiredState !== desired) tx.update('tasks', taskId, (d) => void (d.DesiredState = desired));
  }
  for (const draft of a.create) tx.create('tasks', draft);
}

/**
 * Progress reports (assigned, starting, …) change nothing the reconcilers decide on, so
 * they do not cost a pass; reaching `running` does only where a pass waits for it.
 */
function taskEventMatters(t: Task, old: Task | undefined, kind: string, waiting: Set<string>): boolean {
  if (kind !== 'update' || !old) return true;
  if (t.DesiredState !== old.DesiredState || t.NodeID !== old.NodeID) return true;
  if (isTerminal(t.Status.State) !== isTerminal(old.Status.State)) return true;
  return t.Status.State === 'running' && old.Status.State !== 'running' && waiting.has(t.ServiceID);
}

/** Heartbeat-only updates do not reach the store, but status, availability and labels do. */
function nodeChangeMatters(n: Node, old: Node | undefined): boolean {
  if (!old) return true;
  return (
    n.Status.State !== old.Status.State ||
    n.Spec.Availability !== old.Spec.Availability ||
    JSON.stringify(n.Spec.Labels) !== JSON.stringify(old.Spec.Labels)
  );
}
