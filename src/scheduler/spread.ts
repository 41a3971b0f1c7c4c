// Placement preferences as swarmkit's decision tree. Each `spread=<label>` preference is a
// level: nodes are grouped by the label's value (nodes without the label form their own
// group, value ''), each group counting the service's tasks on its nodes. A task goes down
// the tree into the group with the fewest tasks of the service (label value breaks ties),
// level by level, and at the leaf to the best node by `candidateLess`. Groups and nodes sit in
// heaps, so a placement costs O(depth · log n); a group or node found full is dropped for
// the rest of the batch (placements only add load, so it cannot become fit again).
//
// Group counts include tasks on nodes the task cannot use, as in swarmkit: spreading is
// over the label's values, not over eligible capacity. A group with no eligible node is
// left out of the tree.
import { Heap } from './heap.js';
import { candidateLess, type Candidate } from './ordering.js';
import { spreadValue, type SpreadPreference } from './placement-pref.js';

interface Group {
  readonly value: string;
  /** Tasks of the service on this group's nodes (all of them, eligible or not). */
  tasks: number;
  readonly children?: Heap<Group>;
  readonly nodes?: Heap<Candidate>;
}

interface Draft {
  value: string;
  tasks: number;
  children: Map<string, Draft>;
  nodes: Candidate[];
}

function groupLess(a: Group, b: Group): boolean {
  if (a.tasks !== b.tasks) return a.tasks < b.tasks;
  return a.value < b.value;
}

export class SpreadTree {
  private constructor(private readonly root: Group) {}

  /**
   * Without preferences `candidates` are the eligible nodes. With preferences they are all
   * nodes (the ineligible ones count the service's tasks in their group), `eligible` set on
   * those that passed the static filters. Takes ownership of the array and the candidates
   * (placements bump their counts).
   */
  static build(prefs: readonly SpreadPreference[], candidates: Candidate[]): SpreadTree {
    if (prefs.length === 0) return new SpreadTree({ value: '', tasks: 0, nodes: new Heap(candidateLess, candidates) });
    const root: Draft = { value: '', tasks: 0, children: new Map(), nodes: [] };
    for (const c of candidates) {
      const own = c.serviceTasks;
      let at = root;
      for (const pref of prefs) {
        const value = spreadValue(pref, c.info.node);
        let next = at.children.get(value);
        if (next === undefined) {
          next = { value, tasks: 0, children: new Map(), nodes: [] };
          at.children.set(value, next);
        }
        next.tasks += own;
        at = next;
      }
      if (c.eligible) at.nodes.push(c);
    }
    return new SpreadTree(finish(root, prefs.length) ?? { value: '', tasks: 0, nodes: new Heap(candidateLess) });
  }

  /**
   * Finds the node for the next task among nodes passing `fits` (the dynamic filters),
   * calls `commit(candidate)` (which must add the task to the node and bump
   * `candidate.serviceTasks`), and returns it; undefined when no node fits.
   */
  place(fits: (c: Candidate) => boolean, commit: (c: Candidate) => void): Candidate | undefined {
    return placeIn(this.root, fits, commit);
  }
}

function finish(d: Draft, depth: number): Group | undefined {
  if (depth === 0) {
    return d.nodes.length === 0 ? undefined : { value: d.value, tasks: d.tasks, nodes: new Heap(candidateLess, d.nodes) };
  }
  const children: Group[] = [];
  for (const c of d.children.values()) {
    const g = finish(c, depth - 1);
    if (g !== undefined) children.push(g);
  }
  return children.length === 0 ? undefined : { value: d.value, tasks: d.tasks, children: new Heap(groupLess, children) };
}

function placeIn(
  g: Group,
  fits: (c: Candidate) => boolean,
  commit: (c: Candidate) => void,
): Candidate | undefined {
  if (g.nodes !== undefined) {
    const heap = g.nodes;
    for (let n = heap.peek(); n !== undefined; n = heap.peek()) {
      if (fits(n)) {
        commit(n);
        heap.fixTop();
        g.tasks++;
        return n;
      }
      heap.pop();
    }
    return undefined;
  }
  const heap = g.children!;
  for (let c = heap.peek(); c !== undefined; c = heap.peek()) {
    const n = placeIn(c, fits, commit);
    if (n !== undefined) {
      heap.fixTop();
      g.tasks++;
      return n;
    }
    heap.pop();
  }
  return undefined;
}
