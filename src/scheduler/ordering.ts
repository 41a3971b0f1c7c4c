// Which of the nodes that pass the filters gets the next task of a service: the one with the
// fewest tasks of that service, then the fewest tasks overall, then the smallest node ID
// (a stable tiebreak, so the same snapshot always gives the same decisions). Before all
// that, as in swarmkit, a node where the service failed MAX_RECENT_FAILURES times in the
// last RECENT_FAILURE_WINDOW_MS goes after nodes with fewer failures, so a task that keeps
// failing on one broken node is not sent straight back to it.
import type { NodeInfo } from './node-info.js';

/** Recent failures of a service on a node from which the node is ranked last for it. */
export const MAX_RECENT_FAILURES = 5;
/** How far back failures count: 5 minutes, in milliseconds. */
export const RECENT_FAILURE_WINDOW_MS = 5 * 60 * 1000;

/**
 * A node as seen while placing one task group: its NodeInfo plus the group's service count
 * copied out of the per-service map, so heap comparisons read a field, not a Map.
 */
export class Candidate {
  constructor(
    readonly info: NodeInfo,
    /** Tasks of the group's service on the node; bumped with every placement. */
    public serviceTasks: number,
    /** Passed the group's static filters (spread trees also hold nodes that did not, for their counts). */
    readonly eligible = true,
    /** Recent failures of the group's service on the node. */
    readonly failures = 0,
  ) {}
}

export function candidateLess(a: Candidate, b: Candidate): boolean {
  return goesBefore(a.serviceTasks, a.failures, a.info, b.serviceTasks, b.failures, b.info);
}

/**
 * The order itself: `a` (with `sa` tasks of the service and `fa` recent failures of it)
 * goes before `b` (with `sb` and `fb`).
 */
export function goesBefore(sa: number, fa: number, a: NodeInfo, sb: number, fb: number, b: NodeInfo): boolean {
  if (fa !== fb && (fa >= MAX_RECENT_FAILURES || fb >= MAX_RECENT_FAILURES)) return fa < fb;
  if (sa !== sb) return sa < sb;
  if (a.activeTasks !== b.activeTasks) return a.activeTasks < b.activeTasks;
  return a.id < b.id;
}

/**
 * The same order on bare NodeInfo, for callers ranking nodes outside a placement loop;
 * `now` (ms since the epoch) turns on the failure rule.
 */
export function nodeLess(serviceId: string, now?: number): (a: NodeInfo, b: NodeInfo) => boolean {
  const f = (n: NodeInfo) => recentFailures(n, serviceId, now);
  return (a, b) => goesBefore(a.serviceTasks(serviceId), f(a), a, b.serviceTasks(serviceId), f(b), b);
}

/** Failures of the service on the node within the window before `now`; 0 without `now`. */
export function recentFailures(node: NodeInfo, serviceId: string, now: number | undefined): number {
  if (now === undefined || node.failures.size === 0) return 0;
  return node.recentFailures(serviceId, now - RECENT_FAILURE_WINDOW_MS);
}
