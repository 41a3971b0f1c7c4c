import type { NodeInfo } from '../node-info.js';
import { nodeCount, type Filter } from './filter.js';

/**
 * Only nodes whose agent reports `ready`. (Docker folds this and availability into one
 * "not available for new tasks" rule; tsswarm keeps them apart so a pending task says which.)
 */
export class ReadyFilter implements Filter {
  readonly name = 'ready';
  readonly dynamic = false;

  setTask(): boolean {
    return true;
  }

  signature(): string {
    return '';
  }

  check(node: NodeInfo): boolean {
    return node.node.Status.State === 'ready';
  }

  explain(nodesFailed: number): string {
    return `${nodeCount(nodesFailed)} not ready`;
  }
}
