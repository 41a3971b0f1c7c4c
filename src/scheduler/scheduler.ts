// The scheduler: decides a node for each pending task. Pure: it reads a snapshot (nodes,
// active tasks, services for their host ports) and returns decisions; the caller writes
// them to the store in one batch. No store, timers or I/O, so it runs unchanged in tests,
// benchmarks and a deterministic simulator.
//
// Batches are cheap: pending tasks are grouped by service and placement-relevant spec
// (tasks of a group share constraints, preferences, reservations, ports). Per group the
// static filters (ready, availability, constraints) run once per node (once per call for
// groups with the same constraints); the nodes that pass go into a heap (one per spread
// group) ordered by tasks of the service, then tasks overall; each placement re-checks only
// the dynamic filters (memory, cpu, host ports, max replicas) on the heap's top. A group
// costs O(nodes + tasks · log nodes); groups of a few tasks scan instead (pickers.ts).
import type { Node, Service, Task } from '../store/objects.js';
import type { StoreEvent } from '../store/state.js';
import { SchedulerError } from './errors.js';
import type { Filter } from './filters/filter.js';
import { failedAt, hostPortsOf, isActiveTask, NodeInfo, taskLoad, type TaskLoad } from './node-info.js';
import { Candidate, recentFailures } from './ordering.js';
import { SCAN_MAX_TASKS, scanPicker, treePicker } from './pickers.js';
import { defaultFilters, noSuitableNode, Pipeline } from './pipeline.js';
import { parsePlacementPrefs } from './placement-pref.js';
import { SpreadTree } from './spread.js';
import { groupPending } from './task-groups.js';

export interface ScheduleInput {
  readonly nodes: readonly Node[];
  /** Tasks placed so far (any state; only active ones with a NodeID count). */
  readonly tasks: readonly Task[];
  /** Services whose tasks publish host-mode ports; without them the port rule is off. */
  readonly services?: readonly Service[];
  /**
   * Time of the pass in ms since the epoch (the scheduler never reads a clock). With it,
   * failed/rejected tasks in `tasks` count as recent failures and a node where the service
   * failed 5 times in the last 5 minutes is ranked last for it; without it that rule is off.
   */
  readonly now?: number;
}

export interface Assignment {
  taskId: string;
  nodeId: string;
}

export interface Unplaced {
  taskId: string;
  /** For Task.Status.Err: `no suitable node (…)`, or why the task's spec is unusable. */
  reason: string;
}

export interface ScheduleResult {
  assignments: Assignment[];
  unplaced: Unplaced[];
}

export interface SchedulerOptions {
  /** Builds the filter list; default `defaultFilters`. Static filters must come first. */
  filters?: (portsOf: (task: Task) => readonly string[]) => Filter[];
}

/**
 * One-shot: places `pending` on the snapshot `input`. Decides as
 * `Scheduler.fromSnapshot(input).schedule(pending)` does, but loads the snapshot without
 * tracking tasks one by one (nothing is kept for a next call).
 */
export function schedule(input: ScheduleInput, pending: readonly Task[], options?: SchedulerOptions): ScheduleResult {
  return Scheduler.once(input, pending, options);
}

/** One group's static filter results (1 = passed, by index in nodeList) and failure counts. */
interface StaticPass {
  pass: Uint8Array;
  counts: number[];
}

interface Placed {
  nodeId: string;
  load: TaskLoad;
}

/**
 * Incremental scheduler: keeps NodeInfo between calls, fed with node, service and task
 * changes (from store watch events). `schedule()` counts its own assignments as placed
 * right away, assuming the caller commits them; if a commit fails, feed the tasks back
 * through `setTask` (or `removeTask`) to correct the counters.
 */
export class Scheduler {
  private readonly infos = new Map<string, NodeInfo>();
  /** `infos` as an array, rebuilt after nodes come or go (iterated once per task group). */
  private infoList: NodeInfo[] | undefined;
  private readonly placed = new Map<string, Placed>();
  private readonly portsByService = new Map<string, readonly string[]>();
  private readonly pipeline: Pipeline;
  /** false for a throwaway Scheduler (`once`): tasks are counted on nodes but not tracked by ID. */
  private tracking = true;
  /** IDs of failed tasks already recorded on their node (events repeat). */
  private readonly failuresSeen = new Set<string>();

  constructor(options: SchedulerOptions = {}) {
    const portsOf = (task: Task): readonly string[] => this.portsByService.get(task.ServiceID) ?? [];
    this.pipeline = new Pipeline((options.filters ?? defaultFilters)(portsOf));
  }

  /** The one-shot `schedule()`: loads the snapshot without tracking tasks, places, and is dropped. */
  static once(input: ScheduleInput, pending: readonly Task[], options?: SchedulerOptions): ScheduleResult {
    const s = new Scheduler(options);
    s.tracking = false;
    for (const svc of input.services ?? []) s.setService(svc);
    for (const n of input.nodes) s.setNode(n);
    const skip = new Set<string>();
    for (const t of pending) skip.add(t.ID);
    const failures = input.now !== undefined;
    for (const t of input.tasks) {
      if (failures) s.noteFailure(t);
      if (t.NodeID === undefined || t.NodeID === '' || skip.has(t.ID) || !isActiveTask(t)) continue;
      s.infos.get(t.NodeID)?.addTask(s.loadOf(t));
    }
    return s.schedule(pending, input.now);
  }

  static fromSnapshot(input: ScheduleInput, options?: SchedulerOptions): Scheduler {
    const s = new Scheduler(options);
    for (const svc of input.services ?? []) s.setService(svc);
    for (const n of input.nodes) s.setNode(n);
    for (const t of input.tasks) s.setTask(t);
    return s;
  }

  nodeInfo(id: string): NodeInfo | undefined {
    return this.infos.get(id);
  }

  nodeInfos(): IterableIterator<NodeInfo> {
    return this.infos.values();
  }

  setNode(node: Node): void {
    const known = this.infos.get(node.ID);
    if (known !== undefined) {
      known.node = node;
      return;
    }
    const info = new NodeInfo(node);
    this.infos.set(node.ID, info);
    this.infoList = undefined;
    for (const p of this.placed.values()) if (p.nodeId === node.ID) info.addTask(p.load);
  }

  /** Forgets the node; tasks on it stay tracked and count again if it comes back. */
  removeNode(id: string): void {
    if (this.infos.delete(id)) this.infoList = undefined;
  }

  /** Records the service's host-mode ports. Set a service before its tasks. */
  setService(service: Service): void {
    const ports = hostPortsOf(service.Spec.EndpointSpec?.Ports);
    if (ports.length > 0) this.portsByService.set(service.ID, ports);
    else this.portsByService.delete(service.ID);
  }

  removeService(id: string): void {
    this.portsByService.delete(id);
  }

  /** Counts the task on its node while it is active and assigned; uncounts it otherwise. */
  setTask(task: Task): void {
    this.noteFailure(task);
    const prev = this.placed.get(task.ID);
    const nodeId = task.NodeID !== undefined && task.NodeID !== '' && isActiveTask(task) ? task.NodeID : undefined;
    if (prev !== undefined && prev.nodeId === nodeId) return;
    if (prev !== undefined) this.forget(task.ID, prev);
    if (nodeId !== undefined) {
      const load = taskLoad(task, this.portsByService.get(task.ServiceID));
      this.placed.set(task.ID, { nodeId, load });
      this.infos.get(nodeId)?.addTask(load);
    }
  }

  removeTask(id: string): void {
    this.failuresSeen.delete(id);
    const prev = this.placed.get(id);
    if (prev !== undefined) this.forget(id, prev);
  }

  /**
   * Applies store change events (from `Store.subscribe`) to the counters: nodes, services
   * and tasks created, updated or deleted. Other tables are ignored. Only reads the events.
   */
  applyEvents(events: readonly StoreEvent[]): void {
    for (const e of events) {
      const gone = e.kind === 'delete';
      switch (e.table) {
        case 'nodes':
          if (gone) this.removeNode(e.object.ID);
          else this.setNode(e.object as Node);
          break;
        case 'services':
          if (gone) this.removeService(e.object.ID);
          else this.setService(e.object as Service);
          break;
        case 'tasks':
          if (gone) this.removeTask(e.object.ID);
          else this.setTask(e.object as Task);
          break;
        default:
          break;
      }
    }
  }

  /**
   * Places `pending` tasks. Tasks with a NodeID (global services) are checked against that
   * node only, first; the others are grouped (see groupPending) and spread, groups in order
   * of first appearance, tasks in input order within a group. `now` (ms since the epoch)
   * turns on the recent-failure rule (see ScheduleInput.now).
   */
  schedule(pending: readonly Task[], now?: number): ScheduleResult {
    const result: ScheduleResult = { assignments: [], unplaced: [] };
    // A pending task is not placed, whatever the snapshot said.
    for (const t of pending) this.removeTask(t.ID);
    const { preassigned, groups } = groupPending(pending);
    for (const t of preassigned) this.schedulePreassigned(t, result);
    const staticPasses = new Map<string, StaticPass>();
    for (const g of groups) this.scheduleGroup(g, result, staticPasses, now);
    return result;
  }

  private nodeList(): NodeInfo[] {
    return (this.infoList ??= [...this.infos.values()]);
  }

  /** Records a failed/rejected task's failure on its node, once per task. */
  private noteFailure(task: Task): void {
    const at = failedAt(task);
    if (at === undefined || this.failuresSeen.has(task.ID)) return;
    this.failuresSeen.add(task.ID);
    this.infos.get(task.NodeID as string)?.recordFailure(task.ServiceID, at);
  }

  private forget(id: string, prev: Placed): void {
    this.placed.delete(id);
    this.infos.get(prev.nodeId)?.removeTask(prev.load);
  }

  private commit(task: Task, node: NodeInfo, load: TaskLoad, result: ScheduleResult): void {
    node.addTask(load);
    if (this.tracking) this.placed.set(task.ID, { nodeId: node.id, load });
    result.assignments.push({ taskId: task.ID, nodeId: node.id });
  }

  private schedulePreassigned(task: Task, result: ScheduleResult): void {
    const nodeId = task.NodeID as string;
    const node = this.infos.get(nodeId);
    if (node === undefined) {
      result.unplaced.push({ taskId: task.ID, reason: `no suitable node (node ${nodeId} not found)` });
      return;
    }
    const reason = this.setPipelineTask(task);
    if (reason !== undefined) {
      result.unplaced.push({ taskId: task.ID, reason });
    } else if (this.pipeline.process(node)) {
      this.commit(task, node, this.loadOf(task), result);
    } else {
      result.unplaced.push({ taskId: task.ID, reason: noSuitableNode(this.pipeline.explain()) });
    }
  }

  private scheduleGroup(
    group: readonly Task[],
    result: ScheduleResult,
    staticPasses: Map<string, StaticPass>,
    now: number | undefined,
  ): void {
    const first = group[0];
    if (first === undefined) return;
    const pipeline = this.pipeline;
    let reason = this.setPipelineTask(first);
    let prefs;
    try {
      prefs = parsePlacementPrefs(first.Spec.Placement);
    } catch (err) {
      if (!(err instanceof SchedulerError)) throw err;
      reason ??= err.message;
    }
    if (reason !== undefined || prefs === undefined) {
      for (const t of group) result.unplaced.push({ taskId: t.ID, reason: reason ?? 'invalid placement' });
      return;
    }

    const serviceId = first.ServiceID;
    const spreading = prefs.length > 0;
    // A few tasks without preferences: scanning the eligible nodes per task is cheaper
    // than building Candidates and a heap over all of them.
    const scan = !spreading && group.length <= SCAN_MAX_TASKS;
    const candidates: Candidate[] = [];
    const eligible: NodeInfo[] = [];
    const nodes = this.nodeList();
    // Static answers cannot change within a call: reuse the pass of an earlier group with
    // the same static signature (same constraints), failure counts included.
    const signature = pipeline.staticSignature();
    const known = signature === undefined ? undefined : staticPasses.get(signature);
    const pass = known?.pass ?? new Uint8Array(nodes.length);
    if (known !== undefined) pipeline.restoreCounts(known.counts);
    for (let i = 0; i < nodes.length; i++) {
      const info = nodes[i] as NodeInfo;
      let ok: boolean;
      if (known !== undefined) ok = pass[i] === 1;
      else {
        ok = pipeline.processStatic(info);
        pass[i] = ok ? 1 : 0;
      }
      if (ok) eligible.push(info);
      // Only spread preferences need the ineligible nodes (their tasks count per group).
      if (!scan && (ok || spreading)) {
        candidates.push(new Candidate(info, info.serviceTasks(serviceId), ok, recentFailures(info, serviceId, now)));
      }
    }
    if (signature !== undefined && known === undefined) staticPasses.set(signature, { pass, counts: pipeline.saveCounts() });

    const load = this.loadOf(first);
    const pick = scan
      ? scanPicker(pipeline, serviceId, eligible, load, now)
      : treePicker(pipeline, SpreadTree.build(prefs, candidates), load);
    for (let i = 0; i < group.length; i++) {
      const task = group[i] as Task;
      const nodeId = pick();
      if (nodeId !== undefined) {
        if (this.tracking) this.placed.set(task.ID, { nodeId, load });
        result.assignments.push({ taskId: task.ID, nodeId });
        continue;
      }
      // Nothing fits any more: explain once for the rest of the group.
      for (const n of eligible) pipeline.processDynamic(n);
      const why = noSuitableNode(pipeline.explain());
      for (let j = i; j < group.length; j++) result.unplaced.push({ taskId: (group[j] as Task).ID, reason: why });
      return;
    }
  }

  /** Points the pipeline at `task`; returns a reason if the task's spec cannot be used. */
  private setPipelineTask(task: Task): string | undefined {
    try {
      this.pipeline.setTask(task);
      return undefined;
    } catch (err) {
      if (err instanceof SchedulerError) return err.message;
      throw err;
    }
  }

  private loadOf(task: Task): TaskLoad {
    return taskLoad(task, this.portsByService.get(task.ServiceID));
  }
}
