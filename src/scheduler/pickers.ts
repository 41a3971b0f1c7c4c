// The two ways a task group picks a node for its next task. Both add the task to the
// chosen node's counters and return its ID, or undefined when no eligible node fits any
// more; both pick the same node (the best by `goesBefore` among nodes passing the dynamic
// filters, within the spread group the tree chooses).
import type { NodeInfo, TaskLoad } from './node-info.js';
import { goesBefore, recentFailures, type Candidate } from './ordering.js';
import type { Pipeline } from './pipeline.js';
import type { SpreadTree } from './spread.js';

/** Groups of up to this many tasks, without spread preferences, are placed by scanning. */
export const SCAN_MAX_TASKS = 4;

export type Picker = () => string | undefined;

/** Through the spread tree's heaps: O(depth · log n) per task after an O(n) build. */
export function treePicker(pipeline: Pipeline, tree: SpreadTree, load: TaskLoad): Picker {
  const fits = pipeline.hasDynamic ? (c: Candidate) => pipeline.fitsDynamic(c.info) : () => true;
  const add = (c: Candidate) => {
    c.info.addTask(load);
    c.serviceTasks++;
  };
  return () => tree.place(fits, add)?.info.id;
}

/**
 * By scanning `eligible` once per task: O(n) per task but no Candidates or heap, cheaper for
 * a replacement task or a small scale-up. The dynamic filters run only on a node that would
 * beat the best so far.
 */
export function scanPicker(
  pipeline: Pipeline,
  serviceId: string,
  eligible: readonly NodeInfo[],
  load: TaskLoad,
  now: number | undefined,
): Picker {
  const dynamic = pipeline.hasDynamic;
  return () => {
    let best: NodeInfo | undefined;
    let bestCount = 0;
    let bestFailures = 0;
    for (const n of eligible) {
      const count = n.serviceTasks(serviceId);
      const failures = recentFailures(n, serviceId, now);
      if (best !== undefined && !goesBefore(count, failures, n, bestCount, bestFailures, best)) continue;
      if (dynamic && !pipeline.fitsDynamic(n)) continue;
      best = n;
      bestCount = count;
      bestFailures = failures;
    }
    best?.addTask(load);
    return best?.id;
  };
}
