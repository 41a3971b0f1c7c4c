// Runs the enabled filters over candidate nodes, in order, and counts for each filter how
// many nodes it was the first to reject, so a task that fits nowhere can say why:
// `no suitable node (insufficient memory on 3 nodes; 1 node not available for new tasks)`.
// Static filters come before dynamic ones (see Filter.dynamic), so running the static ones
// once per group and the dynamic ones per placement gives the same first failure as
// running them all in order.
import type { Task } from '../store/objects.js';
import { AvailabilityFilter } from './filters/availability.js';
import { ConstraintsFilter } from './filters/constraints.js';
import type { Filter } from './filters/filter.js';
import { HostPortsFilter } from './filters/host-ports.js';
import { MaxReplicasFilter } from './filters/max-replicas.js';
import { ReadyFilter } from './filters/ready.js';
import { CpuFilter, MemoryFilter } from './filters/resources.js';
import type { NodeInfo } from './node-info.js';

/** The standard rule set, static rules first. `portsOf` gives a task's host-mode ports. */
export function defaultFilters(portsOf: (task: Task) => readonly string[] = () => []): Filter[] {
  return [
    new ReadyFilter(),
    new AvailabilityFilter(),
    new ConstraintsFilter(),
    new MemoryFilter(),
    new CpuFilter(),
    new HostPortsFilter(portsOf),
    new MaxReplicasFilter(),
  ];
}

/** The reason written on a task that could not be placed. */
export function noSuitableNode(explanation: string): string {
  return explanation === '' ? 'no suitable node' : `no suitable node (${explanation})`;
}

export class Pipeline {
  private staticOn: number[] = [];
  private dynamicOn: number[] = [];
  private readonly failures: number[];

  constructor(private readonly filters: readonly Filter[]) {
    let sawDynamic = false;
    for (const f of filters) {
      if (f.dynamic) sawDynamic = true;
      else if (sawDynamic) throw new Error(`filter ${f.name} is static but follows a dynamic filter`);
    }
    this.failures = filters.map(() => 0);
  }

  /** Enables the filters that apply to `task` and clears the counts. Throws what a filter throws (bad constraints). */
  setTask(task: Task): void {
    this.staticOn = [];
    this.dynamicOn = [];
    this.filters.forEach((f, i) => {
      if (f.setTask(task)) (f.dynamic ? this.dynamicOn : this.staticOn).push(i);
    });
    this.resetCounts();
  }

  resetCounts(): void {
    this.failures.fill(0);
  }

  /** Every enabled filter; counts the first that fails. */
  process(node: NodeInfo): boolean {
    return this.processStatic(node) && this.processDynamic(node);
  }

  /** The static filters only; counts the first that fails. */
  processStatic(node: NodeInfo): boolean {
    return this.run(this.staticOn, node, true);
  }

  /** The dynamic filters only; counts the first that fails. */
  processDynamic(node: NodeInfo): boolean {
    return this.run(this.dynamicOn, node, true);
  }

  /** The dynamic filters only, without counting (the per-placement check). */
  fitsDynamic(node: NodeInfo): boolean {
    return this.run(this.dynamicOn, node, false);
  }

  get hasDynamic(): boolean {
    return this.dynamicOn.length > 0;
  }

  /**
   * What the enabled static filters' answers depend on (see Filter.signature), or
   * undefined if one of them cannot say.
   */
  staticSignature(): string | undefined {
    let sig = '';
    for (const i of this.staticOn) {
      const f = this.filters[i]!;
      if (f.signature === undefined) return undefined;
      sig += `${f.name}\u0000${f.signature()}\u0001`;
    }
    return sig;
  }

  /** A copy of the failure counts so far, to `restoreCounts` for a task with the same static signature. */
  saveCounts(): number[] {
    return [...this.failures];
  }

  restoreCounts(counts: readonly number[]): void {
    counts.forEach((n, i) => (this.failures[i] = n));
  }

  /** Failure counts per filter name, filters that rejected nothing left out. */
  failureCounts(): Array<{ filter: string; nodes: number }> {
    const out: Array<{ filter: string; nodes: number }> = [];
    this.filters.forEach((f, i) => {
      const n = this.failures[i] ?? 0;
      if (n > 0) out.push({ filter: f.name, nodes: n });
    });
    return out;
  }

  /** The filters' explanations, most failures first (pipeline order on ties), joined by `; `. */
  explain(): string {
    const entries = this.filters
      .map((f, i) => ({ f, n: this.failures[i] ?? 0, i }))
      .filter((e) => e.n > 0)
      .sort((a, b) => b.n - a.n || a.i - b.i);
    return entries.map((e) => e.f.explain(e.n)).join('; ');
  }

  private run(on: readonly number[], node: NodeInfo, count: boolean): boolean {
    for (const i of on) {
      if (!this.filters[i]!.check(node)) {
        if (count) this.failures[i] = (this.failures[i] ?? 0) + 1;
        return false;
      }
    }
    return true;
  }
}
