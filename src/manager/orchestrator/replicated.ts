// Reconciliation for replicated services, as a pure function: given a service and its
// tasks, say which tasks to create, which to stop and which to forget. No store, no clock
// of its own (`now` is passed in), so every rule is tested without timers.
import { isTerminal, type Node, type Service, type Task, type TaskState } from '../../store/objects.js';
import { DisruptionBudget, minAvailableOf } from './budget.js';
import { publishesIngress } from '../allocator/networks.js';

/** Tasks on overlay networks (ingress included) wait for the allocator to give them addresses. */
function needsAllocation(service: Service): boolean {
  return (service.Spec.TaskTemplate.Networks?.length ?? 0) > 0 || publishesIngress(service);
}

export interface TaskDraft {
  ID: string;
  ServiceID: string;
  Slot?: number;
  NodeID?: string;
  Spec: Task['Spec'];
  Status: Task['Status'];
  DesiredState: TaskState;
}

export interface Actions {
  create: TaskDraft[];
  setDesired: Array<{ taskId: string; desired: TaskState }>;
  remove: string[];
  /** Earliest time (ms) at which a pass would do more (a restart delay running out). */
  recheckAt?: number;
  /** Something waits for a task to reach `running` (a held drain, an update in flight). */
  waitsForRunning?: boolean;
}

export interface ReconcileContext {
  nodes: ReadonlyMap<string, Node>;
  now: number;
  historyLimit: number;
  newId: () => string;
}

const NS_PER_MS = 1_000_000;
/** swarmkit's default restart delay when the spec names none. */
export const DEFAULT_RESTART_DELAY_MS = 5_000;

export function emptyActions(): Actions {
  return { create: [], setDesired: [], remove: [] };
}

/** A task that still counts toward its slot: meant to run (or, for jobs, to finish) and not finished. */
export function isLive(t: Task): boolean {
  const d = t.DesiredState;
  return (d === 'running' || d === 'ready' || d === 'complete') && !isTerminal(t.Status.State);
}

function nodeUsable(nodes: ReadonlyMap<string, Node>, nodeId: string | undefined): boolean {
  if (!nodeId) return true; // not placed yet: the scheduler's concern
  const n = nodes.get(nodeId);
  return !!n && n.Status.State !== 'down' && n.Spec.Availability !== 'drain';
}

function nodeGone(nodes: ReadonlyMap<string, Node>, nodeId: string | undefined): boolean {
  if (!nodeId) return true;
  const n = nodes.get(nodeId);
  return !n || n.Status.State === 'down';
}

/** Tasks of a deleted service: ask workers to stop them, forget those already stopped. */
export function reconcileRemoved(tasks: Task[], ctx: ReconcileContext): Actions {
  const a = emptyActions();
  for (const t of tasks) {
    const unstarted = !t.NodeID || t.Status.State === 'pending' || t.Status.State === 'new';
    if (isTerminal(t.Status.State) || unstarted || nodeGone(ctx.nodes, t.NodeID)) a.remove.push(t.ID);
    else if (t.DesiredState !== 'remove') a.setDesired.push({ taskId: t.ID, desired: 'remove' });
  }
  return a;
}

// A task's spec never changes after creation (updates make new tasks), so its key is
// cached by task ID; status updates clone the task but cannot change the answer.
const taskSpecKeys = new Map<string, string>();
const MAX_CACHED_KEYS = 200_000;

export function specKey(spec: Task['Spec']): string {
  return JSON.stringify(spec);
}

export function taskSpecKey(t: Task): string {
  let key = taskSpecKeys.get(t.ID);
  if (key === undefined) {
    if (taskSpecKeys.size >= MAX_CACHED_KEYS) taskSpecKeys.clear();
    key = specKey(t.Spec);
    taskSpecKeys.set(t.ID, key);
  }
  return key;
}

export function forgetTaskSpecKey(taskId: string): void {
  taskSpecKeys.delete(taskId);
}

export function reconcileReplicated(service: Service, tasks: Task[], ctx: ReconcileContext): Actions {
  const a = emptyActions();
  const replicas = service.Spec.Mode.Replicated?.Replicas ?? 1;
  const template = service.Spec.TaskTemplate;
  const wantKey = specKey(template);
  const bySlot = groupBySlot(tasks);
  const policy = template.RestartPolicy ?? {};
  const delayMs = policy.Delay !== undefined ? policy.Delay / NS_PER_MS : DEFAULT_RESTART_DELAY_MS;
  const update = service.Spec.UpdateConfig ?? {};
  const parallelism = update.Parallelism || 1;
  const runningSlots = new Set(
    tasks.filter((t) => isLive(t) && t.Status.State === 'running' && !nodeGone(ctx.nodes, t.NodeID)).map((t) => t.Slot ?? 0),
  ).size;
  const budget = new DisruptionBudget(runningSlots, minAvailableOf(service.Spec.Labels, replicas));
  const stop = (t: Task, desired: TaskState = 'shutdown') => a.setDesired.push({ taskId: t.ID, desired });

  let updatesInFlight = 0;
  let waitingSlots = 0;
  const outdated: Task[] = [];

  for (const [slot, slotTasks] of bySlot) {
    // Newest first: history order, and the newest live task is the one to keep.
    slotTasks.sort((x, y) => (x.CreatedAt < y.CreatedAt ? 1 : x.CreatedAt > y.CreatedAt ? -1 : 0));
    const live = slotTasks.filter(isLive);

    if (slot > replicas) {
      for (const t of slotTasks) {
        if (isTerminal(t.Status.State) || !t.NodeID || nodeGone(ctx.nodes, t.NodeID)) a.remove.push(t.ID);
        else if (t.DesiredState !== 'remove' && budget.tryStop(t)) stop(t, 'remove');
      }
      continue;
    }

    // A failed node's tasks are lost anyway: no budget asked. They are marked for removal,
    // so when the node comes back its stale containers are stopped and then removed.
    const lost = live.filter((t) => t.NodeID && nodeGone(ctx.nodes, t.NodeID));
    for (const t of lost) stop(t, 'remove');
    for (const t of slotTasks) if (t.DesiredState === 'remove' && isTerminal(t.Status.State)) a.remove.push(t.ID);
    const drained = live.filter((t) => t.NodeID && !nodeGone(ctx.nodes, t.NodeID) && !nodeUsable(ctx.nodes, t.NodeID));
    const good = live.filter((t) => nodeUsable(ctx.nodes, t.NodeID));
    const keep = good[0];
    const keepRunning = keep?.Status.State === 'running';

    // Duplicates (a replacement started first): the older ones go once the newest runs.
    if (keepRunning) for (const extra of good.slice(1)) if (budget.tryStop(extra, true)) stop(extra);
    // Drained nodes: stop at once if the slot is covered or the budget allows, else keep
    // the task running until its replacement runs elsewhere.
    if (!keepRunning && good.length > 1) waitingSlots++;
    let heldOnDrained = false;
    for (const t of drained) {
      if (budget.tryStop(t, keepRunning)) stop(t);
      else heldOnDrained = true;
    }
    if (heldOnDrained) waitingSlots++;

    if (keep) {
      if (taskSpecKey(keep) !== wantKey) outdated.push(keep);
      else if (!keepRunning && slotTasks.some((t) => t !== keep && taskSpecKey(t) !== wantKey)) updatesInFlight++;
    } else if (heldOnDrained || lost.length > 0 || drained.length > 0) {
      a.create.push(newTask(service, slot, ctx));
    } else {
      const restart = decideRestart(slotTasks, policy, delayMs, ctx.now);
      if (restart === 'now') a.create.push(newTask(service, slot, ctx));
      else if (typeof restart === 'number') a.recheckAt = Math.min(a.recheckAt ?? Infinity, restart);
    }
    trimHistory(slotTasks, keep, ctx.historyLimit, a);
  }

  for (let slot = 1; slot <= replicas; slot++) {
    if (!bySlot.has(slot)) a.create.push(newTask(service, slot, ctx));
  }

  // Rolling update, `parallelism` slots at a time: stop-first when the budget allows,
  // otherwise (or with Order start-first) the new task starts before the old one stops.
  for (const t of outdated.slice(0, Math.max(0, parallelism - updatesInFlight))) {
    if (update.Order !== 'start-first' && budget.tryStop(t)) stop(t);
    a.create.push(newTask(service, t.Slot ?? 0, ctx));
  }
  a.waitsForRunning = budget.held || outdated.length > 0 || updatesInFlight > 0 || waitingSlots > 0;
  return a;
}

/**
 * 'now', 'never', or the time (ms) the restart delay runs out. `slotTasks` newest first.
 * MaxAttempts counts the slot's tasks that ended by themselves (inside Window, if set); the
 * count is bounded by the task history kept per slot.
 */
export function decideRestart(
  slotTasks: Task[],
  policy: NonNullable<Task['Spec']['RestartPolicy']>,
  delayMs: number,
  now: number,
): 'now' | 'never' | number {
  const last = slotTasks[0];
  // No task yet, or the last one was stopped on purpose (node failure, drain, update):
  // the restart policy is about tasks that end by themselves, so replace at once.
  if (!last || !isTerminalByItself(last)) return 'now';
  const condition = policy.Condition ?? 'any';
  if (condition === 'none') return 'never';
  if (condition === 'on-failure' && last.Status.State === 'complete') return 'never';
  if (policy.MaxAttempts && policy.MaxAttempts > 0) {
    const windowMs = policy.Window ? policy.Window / NS_PER_MS : Infinity;
    const ended = slotTasks.filter((t) => isTerminalByItself(t) && now - Date.parse(t.Status.Timestamp) <= windowMs);
    // The first run is not a restart: k ended runs mean k-1 restarts so far.
    if (ended.length > policy.MaxAttempts) return 'never';
  }
  const endedAt = Date.parse(last.Status.Timestamp);
  const due = (Number.isNaN(endedAt) ? now : endedAt) + delayMs;
  return due <= now ? 'now' : due;
}

/** The task ended on its own (failed, exited, rejected) rather than being stopped. */
function isTerminalByItself(t: Task): boolean {
  return t.Status.State === 'failed' || t.Status.State === 'complete' || t.Status.State === 'rejected';
}

function trimHistory(slotTasks: Task[], keep: Task | undefined, limit: number, a: Actions): void {
  let kept = 0;
  for (const t of slotTasks) {
    if (t.DesiredState === 'remove' && isTerminal(t.Status.State)) continue; // already being forgotten
    if (t === keep || !isTerminal(t.Status.State)) {
      kept++;
      continue;
    }
    if (kept >= Math.max(1, limit)) a.remove.push(t.ID);
    else kept++;
  }
}

function groupBySlot(tasks: Task[]): Map<number, Task[]> {
  const out = new Map<number, Task[]>();
  for (const t of tasks) {
    const slot = t.Slot ?? 0;
    let list = out.get(slot);
    if (!list) out.set(slot, (list = []));
    list.push(t);
  }
  return out;
}

export function newTask(service: Service, slot: number | undefined, ctx: ReconcileContext, nodeId?: string): TaskDraft {
  return {
    ID: ctx.newId(),
    ServiceID: service.ID,
    ...(slot !== undefined ? { Slot: slot } : {}),
    ...(nodeId ? { NodeID: nodeId } : {}),
    Spec: structuredClone(service.Spec.TaskTemplate),
    // Tasks on overlay networks wait for the allocator to give them addresses first.
    Status: needsAllocation(service)
      ? { Timestamp: new Date(ctx.now).toISOString(), State: 'new', Message: 'created' }
      : { Timestamp: new Date(ctx.now).toISOString(), State: 'pending', Message: 'pending task scheduling' },
    DesiredState: 'running',
  };
}
