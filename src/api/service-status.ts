// `ServiceStatus` for `GET /services?status=true`, computed from the service's tasks the
// way swarmkit does it, so `docker service ls` shows REPLICAS as running/desired.
import type { Service, Task } from '../store/objects.js';
import { taskStateRank } from '../store/objects.js';

export interface ServiceStatus {
  RunningTasks: number;
  DesiredTasks: number;
  CompletedTasks: number;
}

/** A task the orchestrator still wants alive (desired state not past `running`). */
function desiredAlive(t: Task): boolean {
  return taskStateRank(t.DesiredState) <= taskStateRank('running');
}

export function serviceStatus(service: Service, tasks: Task[]): ServiceStatus {
  const running = tasks.filter((t) => t.Status.State === 'running' && desiredAlive(t)).length;
  const completed = tasks.filter((t) => t.Status.State === 'complete').length;
  const mode = service.Spec.Mode;
  let desired: number;
  if (mode.Replicated) {
    desired = mode.Replicated.Replicas ?? 1;
  } else if (mode.ReplicatedJob) {
    const max = mode.ReplicatedJob.MaxConcurrent ?? 1;
    const total = mode.ReplicatedJob.TotalCompletions ?? max;
    desired = Math.max(0, Math.min(max, total - completed));
  } else if (mode.GlobalJob) {
    desired = tasks.filter((t) => t.DesiredState === 'complete' && t.Status.State !== 'complete').length;
  } else {
    desired = tasks.filter(desiredAlive).length;
  }
  return { RunningTasks: running, DesiredTasks: desired, CompletedTasks: completed };
}
