import type { NodeInfo } from '../node-info.js';
import { nodeCount, type Filter } from './filter.js';

/** Only `active` nodes take new tasks; `pause` and `drain` do not. */
export class AvailabilityFilter implements Filter {
  readonly name = 'availability';
  readonly dynamic = false;

  setTask(): boolean {
    return true;
  }

  signature(): string {
    return '';
  }

  check(node: NodeInfo): boolean {
    return node.node.Spec.Availability === 'active';
  }

  explain(nodesFailed: number): string {
    return `${nodeCount(nodesFailed)} not available for new tasks`;
  }
}
