// Global services (one task per eligible node) and global jobs (one run to completion per
// eligible node), as pure reconcilers. Tasks are created with their node already chosen;
// the scheduler only confirms the node still fits.
import { isTerminal, type Node, type Service, type Task } from '../../store/objects.js';
import { nodeMatches, parseConstraints, type Constraint } from '../../scheduler/index.js';
import { emptyActions, isLive, newTask, specKey, taskSpecKey, type Actions, type ReconcileContext } from './replicated.js';

/** Nodes a global service wants a task on: up, not drained, matching its constraints. */
export function eligibleNodes(service: Service, nodes: Iterable<Node>): Node[] {
  let constraints: Constraint[];
  try {
    constraints = parseConstraints(service.Spec.TaskTemplate.Placement?.Constraints ?? []);
  } catch {
    return []; // refused at create time; a bad stored spec places nothing
  }
  const out: Node[] = [];
  for (const n of nodes) {
    if (n.Status.State !== 'ready' || n.Spec.Availability !== 'active') continue;
    if (constraints.length > 0 && !nodeMatches(constraints, n)) continue;
    out.push(n);
  }
  return out;
}

export function reconcileGlobal(service: Service, tasks: Task[], ctx: ReconcileContext, job = false): Actions {
  const a = emptyActions();
  const eligible = new Set(eligibleNodes(service, ctx.nodes.values()).map((n) => n.ID));
  const wantKey = specKey(service.Spec.TaskTemplate);
  const byNode = new Map<string, Task[]>();
  for (const t of tasks) {
    const id = t.NodeID ?? '';
    let list = byNode.get(id);
    if (!list) byNode.set(id, (list = []));
    list.push(t);
  }
  for (const [nodeId, nodeTasks] of byNode) {
    nodeTasks.sort((x, y) => (x.CreatedAt < y.CreatedAt ? 1 : x.CreatedAt > y.CreatedAt ? -1 : 0));
    const node = ctx.nodes.get(nodeId);
    for (const t of nodeTasks) {
      if (!isLive(t)) continue;
      const gone = !node || node.Status.State === 'down';
      if (!eligible.has(nodeId)) {
        if (gone) a.remove.push(t.ID);
        else a.setDesired.push({ taskId: t.ID, desired: 'shutdown' });
      } else if (!job && taskSpecKey(t) !== wantKey) {
        a.setDesired.push({ taskId: t.ID, desired: 'shutdown' });
      }
    }
    // Keep the newest few finished tasks per node as history.
    let kept = 0;
    for (const t of nodeTasks) {
      if (!isTerminal(t.Status.State)) continue;
      if (++kept > Math.max(1, ctx.historyLimit)) a.remove.push(t.ID);
    }
  }
  const stopping = new Set(a.setDesired.map((d) => d.taskId));
  for (const nodeId of eligible) {
    const nodeTasks = byNode.get(nodeId) ?? [];
    const live = nodeTasks.filter((t) => isLive(t) && !stopping.has(t.ID));
    if (live.length > 0) continue;
    if (job) {
      // A global job runs once per node: a completed task is the end of it.
      if (nodeTasks.some((t) => t.Status.State === 'complete' && taskSpecKey(t) === wantKey)) continue;
      const failedRecently = nodeTasks[0] && isTerminal(nodeTasks[0].Status.State);
      if (failedRecently && (service.Spec.TaskTemplate.RestartPolicy?.Condition ?? 'on-failure') === 'none') continue;
    }
    const draft = newTask(service, undefined, ctx, nodeId);
    if (job) draft.DesiredState = 'complete';
    a.create.push(draft);
  }
  return a;
}
