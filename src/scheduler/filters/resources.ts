// Reservations must fit what the node reports minus what its active tasks reserve. Memory
// and CPU are two filters so a pending task says which one is short (Docker says
// "insufficient resources" for both).
import type { Task } from '../../store/objects.js';
import type { NodeInfo } from '../node-info.js';
import { nodeCount, type Filter } from './filter.js';

export class MemoryFilter implements Filter {
  readonly name = 'memory';
  readonly dynamic = true;
  private want = 0;

  setTask(task: Task): boolean {
    this.want = task.Spec.Resources?.Reservations?.MemoryBytes ?? 0;
    return this.want > 0;
  }

  check(node: NodeInfo): boolean {
    return this.want <= node.availableMemoryBytes;
  }

  explain(nodesFailed: number): string {
    return `insufficient memory on ${nodeCount(nodesFailed)}`;
  }
}

export class CpuFilter implements Filter {
  readonly name = 'cpu';
  readonly dynamic = true;
  private want = 0;

  setTask(task: Task): boolean {
    this.want = task.Spec.Resources?.Reservations?.NanoCPUs ?? 0;
    return this.want > 0;
  }

  check(node: NodeInfo): boolean {
    return this.want <= node.availableNanoCPUs;
  }

  explain(nodesFailed: number): string {
    return `insufficient cpu on ${nodeCount(nodesFailed)}`;
  }
}
