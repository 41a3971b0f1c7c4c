import type { Task } from '../../store/objects.js';
import type { NodeInfo } from '../node-info.js';
import { nodeCount, type Filter } from './filter.js';

/**
 * Host-mode published ports (port + protocol) must be free on the node. Tasks carry no
 * endpoint, so the filter asks `portsOf` (the scheduler looks them up on the service).
 */
export class HostPortsFilter implements Filter {
  readonly name = 'host-ports';
  readonly dynamic = true;
  private ports: readonly string[] = [];

  constructor(private readonly portsOf: (task: Task) => readonly string[]) {}

  setTask(task: Task): boolean {
    this.ports = this.portsOf(task);
    return this.ports.length > 0;
  }

  check(node: NodeInfo): boolean {
    for (const p of this.ports) if (node.hostPortsInUse.has(p)) return false;
    return true;
  }

  explain(nodesFailed: number): string {
    return `host-mode port already in use on ${nodeCount(nodesFailed)}`;
  }
}
