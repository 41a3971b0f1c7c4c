import type { Task } from '../../store/objects.js';
import type { NodeInfo } from '../node-info.js';
import type { Filter } from './filter.js';

/** Placement.MaxReplicas: at most that many active tasks of the service per node. */
export class MaxReplicasFilter implements Filter {
  readonly name = 'max-replicas';
  readonly dynamic = true;
  private serviceId = '';
  private max = 0;

  setTask(task: Task): boolean {
    this.serviceId = task.ServiceID;
    this.max = task.Spec.Placement?.MaxReplicas ?? 0;
    return this.max > 0;
  }

  check(node: NodeInfo): boolean {
    return node.serviceTasks(this.serviceId) < this.max;
  }

  /** Docker's text, word for word (it carries no count). */
  explain(): string {
    return 'max replicas per node limit exceed';
  }
}
