import type { Task } from '../../store/objects.js';
import { compileConstraints, parseConstraints, type NodePredicate } from '../constraint.js';
import type { NodeInfo } from '../node-info.js';
import { nodeCount, type Filter } from './filter.js';

/** Placement.Constraints. Parsed and compiled once per distinct constraint list. */
export class ConstraintsFilter implements Filter {
  readonly name = 'constraints';
  readonly dynamic = false;
  private readonly compiled = new Map<string, NodePredicate>();
  private predicate: NodePredicate = () => true;
  private key = '';

  /** Throws ConstraintParseError when the task's constraints do not parse. */
  setTask(task: Task): boolean {
    const exprs = task.Spec.Placement?.Constraints;
    if (exprs === undefined || exprs.length === 0) return false;
    const key = exprs.join('\n');
    this.key = key;
    let p = this.compiled.get(key);
    if (p === undefined) {
      p = compileConstraints(parseConstraints(exprs));
      this.compiled.set(key, p);
    }
    this.predicate = p;
    return true;
  }

  check(node: NodeInfo): boolean {
    return this.predicate(node.node);
  }

  signature(): string {
    return this.key;
  }

  explain(nodesFailed: number): string {
    return `scheduling constraints not satisfied on ${nodeCount(nodesFailed)}`;
  }
}
