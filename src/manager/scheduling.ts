// The scheduling loop: collects pending tasks, asks the pure scheduler where they go,
// and commits every decision of a pass in one transaction (one fsync / one Raft entry).
import type { Logger } from 'pino';
import { isTerminal, type Task } from '../store/objects.js';
import type { Store, WriteTx } from '../store/store.js';
import type { StoreEvent } from '../store/state.js';
import { ControlLoop } from './control-loop.js';
import { schedule } from '../scheduler/scheduler.js';

const DEBOUNCE_MS = 5;

function isPending(t: Task): boolean {
  return t.Status.State === 'pending' && (t.DesiredState === 'running' || t.DesiredState === 'complete');
}

export class SchedulingLoop extends ControlLoop {
  private readonly pending = new Set<string>();
  private rescanAll = true;
  /** Some pending task found no node last pass; freed capacity should trigger a rescan. */
  private waiting = false;

  constructor(store: Store, log: Logger) {
    super(store, log, DEBOUNCE_MS);
  }

  protected observe(events: StoreEvent[]): void {
    for (const e of events) {
      if (e.table === 'tasks') {
        const t = e.object as Task;
        if (e.kind !== 'delete' && isPending(t)) this.pending.add(t.ID);
        else this.pending.delete(t.ID);
        // A task leaving a node frees room for pending ones.
        if (e.kind === 'delete' || isTerminal(t.Status.State)) this.rescanAll ||= this.waiting;
      } else if (e.table === 'nodes') {
        this.rescanAll = true;
      }
    }
  }

  protected hasWork(): boolean {
    return this.rescanAll || this.pending.size > 0;
  }

  protected onPassFailed(): void {
    this.rescanAll = true;
  }

  protected async pass(): Promise<void> {
    const candidates = this.rescanAll ? undefined : [...this.pending];
    this.rescanAll = false;
    this.pending.clear();
    const started = performance.now();
    const placed = await this.store.update((tx) => this.place(tx, candidates));
    if (placed > 0) this.log.debug({ placed, ms: +(performance.now() - started).toFixed(1) }, 'tasks assigned');
  }

  private place(tx: WriteTx, candidateIds: string[] | undefined): number {
    const all = tx.all('tasks');
    const pending = candidateIds
      ? candidateIds.map((id) => tx.get('tasks', id)).filter((t): t is Task => !!t && isPending(t))
      : all.filter(isPending);
    if (pending.length === 0) return 0;
    const active = all.filter((t) => t.NodeID && !isTerminal(t.Status.State) && (t.DesiredState === 'running' || t.DesiredState === 'complete'));
    // Global-service tasks come with their node chosen; the rest go through the scheduler.
    const free = pending.filter((t) => !t.NodeID);
    const { assignments, unplaced } = schedule({ nodes: tx.all('nodes'), tasks: active, services: tx.all('services') }, free);
    for (const t of pending) {
      if (!t.NodeID) continue;
      const node = tx.get('nodes', t.NodeID);
      if (node && node.Status.State === 'ready' && node.Spec.Availability === 'active') {
        assignments.push({ taskId: t.ID, nodeId: t.NodeID });
      } else {
        unplaced.push({ taskId: t.ID, reason: `node ${t.NodeID} is not available` });
      }
    }
    const now = new Date().toISOString();
    for (const { taskId, nodeId } of assignments) {
      tx.update('tasks', taskId, (t) => {
        t.NodeID = nodeId;
        t.Status = { Timestamp: now, State: 'assigned', Message: 'scheduler assigned task to node' };
      });
    }
    this.waiting = unplaced.length > 0;
    for (const { taskId, reason } of unplaced) {
      const t = tx.get('tasks', taskId);
      if (!t || t.Status.Err === reason) continue;
      tx.update('tasks', taskId, (d) => {
        d.Status = { ...d.Status, Message: 'pending task scheduling', Err: reason };
      });
    }
    return assignments.length;
  }
}
