// Which of the nodes that pass the filters gets the next task of a service: the one with the
// fewest tasks of that service, then the fewest tasks overall, then the smallest node ID
// (a stable tiebreak, so the same snapshot always gives the same decisions).
import type { NodeInfo } from './node-info.js';

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
  ) {}
}

export function candidateLess(a: Candidate, b: Candidate): boolean {
  return goesBefore(a.serviceTasks, a.info, b.serviceTasks, b.info);
}

/** The order itself: `a` (with `sa` tasks of the service) goes before `b` (with `sb`). */
export function goesBefore(sa: number, a: NodeInfo, sb: number, b: NodeInfo): boolean {
  if (sa !== sb) return sa < sb;
  if (a.activeTasks !== b.activeTasks) return a.activeTasks < b.activeTasks;
  return a.id < b.id;
}

/** The same order on bare NodeInfo, for callers ranking nodes outside a placement loop. */
export function nodeLess(serviceId: string): (a: NodeInfo, b: NodeInfo) => boolean {
  return (a, b) => goesBefore(a.serviceTasks(serviceId), a, b.serviceTasks(serviceId), b);
}
