import type { Task } from '../../store/objects.js';
import type { NodeInfo } from '../node-info.js';

/** One placement rule. The pipeline calls `setTask` once per task group, then `check` per node. */
export interface Filter {
  readonly name: string;
  /**
   * false: the answer depends only on the node and the task's spec, so the scheduler checks
   * it once per node per task group. true: it depends on counters that placements change
   * (reserved resources, tasks per service, ports in use) and is checked before every
   * placement. Placements only ever add load, so a dynamic filter that fails stays failed
   * for the rest of the group.
   */
  readonly dynamic: boolean;
  /** Takes the task to check for; returns false when the rule does not apply to it. */
  setTask(task: Task): boolean;
  check(node: NodeInfo): boolean;
  /** Why `nodesFailed` nodes were rejected, in Docker's words where Docker has some. */
  explain(nodesFailed: number): string;
  /**
   * Static filters may say, after `setTask`, what their answers depend on: two tasks with
   * the same signature get the same answer on every node, so the scheduler reuses one
   * static pass for both within a call. Without it every task group gets its own pass.
   */
  signature?(): string;
}

/** `1 node` / `3 nodes`. */
export function nodeCount(n: number): string {
  return n === 1 ? '1 node' : `${n} nodes`;
}
