// The labels and names that mark a container as one tsswarm runs for a task. The node
// label is what an executor lists and watches: it owns exactly the containers carrying it.
import type { AssignedTask } from '../../worker/types.js';

export const LABEL_NODE_ID = 'com.tsswarm.node.id';
export const LABEL_SERVICE_ID = 'com.tsswarm.service.id';
export const LABEL_SERVICE_NAME = 'com.tsswarm.service.name';
export const LABEL_TASK_ID = 'com.tsswarm.task.id';
export const LABEL_TASK_SLOT = 'com.tsswarm.task.slot';

/** The task's own labels, then ours (ours win: they decide ownership). */
export function containerLabels(task: AssignedTask, nodeId: string): Record<string, string> {
  return {
    ...task.labels,
    [LABEL_NODE_ID]: nodeId,
    [LABEL_SERVICE_ID]: task.serviceId,
    [LABEL_SERVICE_NAME]: task.serviceName,
    [LABEL_TASK_ID]: task.id,
    [LABEL_TASK_SLOT]: String(task.slot),
  };
}

/** `<service>.<slot>.<task>`; global tasks (slot 0) use the node id in place of the slot. */
export function containerName(task: AssignedTask, nodeId: string): string {
  const slot = task.slot > 0 ? String(task.slot) : nodeId;
  return `${task.serviceName}.${slot}.${task.id}`;
}

/** Engine filter value selecting the containers a node owns. */
export function nodeLabelFilter(nodeId: string): string {
  return `${LABEL_NODE_ID}=${nodeId}`;
}

export function taskIdOf(labels: Record<string, string> | undefined): string | undefined {
  const id = labels?.[LABEL_TASK_ID];
  return id === undefined || id === '' ? undefined : id;
}
