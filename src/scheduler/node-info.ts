// A node plus what is placed on it: the counters the filters and the ordering read. Only
// active tasks count (not terminal, desired state at most `running`): a task being shut
// down still holds its node until it stops, but once its desired state is past running the
// scheduler treats its resources and ports as free, as swarmkit does.
import { TASK_STATE_ORDER, taskStateRank, type Node, type PortConfig, type Task, type TaskState } from '../store/objects.js';

/** What one placed task takes from its node. */
export interface TaskLoad {
  readonly serviceId: string;
  readonly nanoCPUs: number;
  readonly memoryBytes: number;
  /** Host-mode published ports, as `hostPortKey` strings (`80/tcp`). */
  readonly hostPorts: readonly string[];
}

/** States up to and including `running` (a Set: this runs for every task of a snapshot). */
const UP_TO_RUNNING: ReadonlySet<TaskState> = new Set(TASK_STATE_ORDER.slice(0, taskStateRank('running') + 1));

/** True if the task holds a slot on its node: not terminal and meant to run. */
export function isActiveTask(task: Task): boolean {
  return UP_TO_RUNNING.has(task.Status.State) && UP_TO_RUNNING.has(task.DesiredState);
}

export function hostPortKey(port: { PublishedPort?: number; Protocol: string }): string {
  return `${port.PublishedPort ?? 0}/${port.Protocol}`;
}

/** Host-mode ports with a fixed published port: the only ones two tasks can fight over. */
export function hostPortsOf(ports: readonly PortConfig[] | undefined): string[] {
  const out: string[] = [];
  for (const p of ports ?? []) {
    if (p.PublishMode === 'host' && p.PublishedPort !== undefined && p.PublishedPort !== 0) out.push(hostPortKey(p));
  }
  return out;
}

/** When the task failed on its node (ms since the epoch), if it is a failed or rejected task with a node and a timestamp. */
export function failedAt(task: Task): number | undefined {
  const state = task.Status.State;
  if ((state !== 'failed' && state !== 'rejected') || task.NodeID === undefined || task.NodeID === '') return undefined;
  const at = Date.parse(task.Status.Timestamp);
  return Number.isNaN(at) ? undefined : at;
}

export function taskLoad(task: Task, hostPorts: readonly string[] = []): TaskLoad {
  const r = task.Spec.Resources?.Reservations;
  return {
    serviceId: task.ServiceID,
    nanoCPUs: r?.NanoCPUs ?? 0,
    memoryBytes: r?.MemoryBytes ?? 0,
    hostPorts,
  };
}

export class NodeInfo {
  readonly id: string;
  /** Active tasks on the node, all services. */
  activeTasks = 0;
  readonly tasksByService = new Map<string, number>();
  reservedNanoCPUs = 0;
  reservedMemoryBytes = 0;
  /** `hostPortKey` → number of tasks publishing it (more than one only if state was already inconsistent). */
  readonly hostPortsInUse = new Map<string, number>();
  /** Service → times (ms since the epoch) its tasks failed or were rejected on this node. */
  readonly failures = new Map<string, number[]>();

  constructor(public node: Node) {
    this.id = node.ID;
  }

  get availableNanoCPUs(): number {
    return this.node.Description.Resources.NanoCPUs - this.reservedNanoCPUs;
  }

  get availableMemoryBytes(): number {
    return this.node.Description.Resources.MemoryBytes - this.reservedMemoryBytes;
  }

  serviceTasks(serviceId: string): number {
    return this.tasksByService.get(serviceId) ?? 0;
  }

  recordFailure(serviceId: string, at: number): void {
    const list = this.failures.get(serviceId);
    if (list === undefined) this.failures.set(serviceId, [at]);
    else list.push(at);
  }

  /** Failures of the service at or after `since`; forgets older ones. */
  recentFailures(serviceId: string, since: number): number {
    const list = this.failures.get(serviceId);
    if (list === undefined) return 0;
    const kept = list.filter((at) => at >= since);
    if (kept.length === 0) this.failures.delete(serviceId);
    else if (kept.length !== list.length) this.failures.set(serviceId, kept);
    return kept.length;
  }

  addTask(load: TaskLoad): void {
    this.activeTasks++;
    this.tasksByService.set(load.serviceId, this.serviceTasks(load.serviceId) + 1);
    this.reservedNanoCPUs += load.nanoCPUs;
    this.reservedMemoryBytes += load.memoryBytes;
    for (const p of load.hostPorts) this.hostPortsInUse.set(p, (this.hostPortsInUse.get(p) ?? 0) + 1);
  }

  removeTask(load: TaskLoad): void {
    this.activeTasks--;
    const left = this.serviceTasks(load.serviceId) - 1;
    if (left > 0) this.tasksByService.set(load.serviceId, left);
    else this.tasksByService.delete(load.serviceId);
    this.reservedNanoCPUs -= load.nanoCPUs;
    this.reservedMemoryBytes -= load.memoryBytes;
    for (const p of load.hostPorts) {
      const n = (this.hostPortsInUse.get(p) ?? 0) - 1;
      if (n > 0) this.hostPortsInUse.set(p, n);
      else this.hostPortsInUse.delete(p);
    }
  }
}

/**
 * NodeInfo for every node, loaded with the active tasks assigned to it. Tasks on unknown
 * nodes are ignored. `hostPortsOfTask` says which host ports a task publishes (tasks carry
 * no endpoint; the caller looks them up on the service).
 */
export function buildNodeInfos(
  nodes: readonly Node[],
  tasks: readonly Task[],
  hostPortsOfTask: (task: Task) => readonly string[] = () => [],
): Map<string, NodeInfo> {
  const infos = new Map<string, NodeInfo>();
  for (const n of nodes) infos.set(n.ID, new NodeInfo(n));
  for (const t of tasks) {
    if (t.NodeID === undefined || !isActiveTask(t)) continue;
    infos.get(t.NodeID)?.addTask(taskLoad(t, hostPortsOfTask(t)));
  }
  return infos;
}
