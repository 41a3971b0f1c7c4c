// Pending tasks of one service with the same placement-relevant spec are interchangeable:
// the scheduler runs the static filters once for all of them and places them together.
import type { Task } from '../store/objects.js';

export interface PendingGroups {
  /** Tasks that already name their node (global services), in input order. */
  preassigned: Task[];
  /** The other tasks by service + placement spec; groups in order of first appearance. */
  groups: Task[][];
}

/** Splits a batch; a task ID listed twice is kept once. */
export function groupPending(pending: readonly Task[]): PendingGroups {
  const preassigned: Task[] = [];
  const byKey = new Map<string, Task[]>();
  const seen = new Set<string>();
  let prev: Task | undefined;
  let prevKey = '';
  for (const t of pending) {
    if (seen.has(t.ID)) continue;
    seen.add(t.ID);
    if (t.NodeID !== undefined && t.NodeID !== '') {
      preassigned.push(t);
      continue;
    }
    // Tasks of a service usually come together: skip the JSON when the spec matches the last one's.
    const key = prev !== undefined && samePlacement(prev, t) ? prevKey : groupKey(t);
    prev = t;
    prevKey = key;
    const g = byKey.get(key);
    if (g === undefined) byKey.set(key, [t]);
    else g.push(t);
  }
  return { preassigned, groups: [...byKey.values()] };
}

/** Tasks with the same key are interchangeable for placement. */
export function groupKey(t: Task): string {
  const p = t.Spec.Placement;
  const r = t.Spec.Resources?.Reservations;
  return `${t.ServiceID}\u0000${JSON.stringify([p?.Constraints, p?.Preferences, p?.MaxReplicas, r?.NanoCPUs, r?.MemoryBytes])}`;
}

/** Same service and placement spec: a cheaper `groupKey(a) === groupKey(b)`. */
export function samePlacement(a: Task, b: Task): boolean {
  if (a.ServiceID !== b.ServiceID) return false;
  const pa = a.Spec.Placement;
  const pb = b.Spec.Placement;
  const ra = a.Spec.Resources?.Reservations;
  const rb = b.Spec.Resources?.Reservations;
  return (
    ra?.NanoCPUs === rb?.NanoCPUs &&
    ra?.MemoryBytes === rb?.MemoryBytes &&
    pa?.MaxReplicas === pb?.MaxReplicas &&
    sameList(pa?.Constraints, pb?.Constraints, (x, y) => x === y) &&
    sameList(pa?.Preferences, pb?.Preferences, (x, y) => x.Spread?.SpreadDescriptor === y.Spread?.SpreadDescriptor)
  );
}

function sameList<T>(a: readonly T[] | undefined, b: readonly T[] | undefined, eq: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  const la = a?.length ?? 0;
  if (la !== (b?.length ?? 0)) return false;
  for (let i = 0; i < la; i++) if (!eq(a![i]!, b![i]!)) return false;
  return true;
}
