// What a node is told to run: derived from the store, never kept separately, so a
// worker that reconnects (or a new leader) always gets the same answer.
import type { Task as ProtoTask } from '../../generated/tsswarm/dispatcher/v1/Task.js';
import { isTerminal, type Service, type Task } from '../../store/objects.js';
import type { ReadTx } from '../../store/store.js';

const NS_PER_MS = 1_000_000;
const DEFAULT_STOP_GRACE_MS = 10_000;

/** The desired state the worker acts on: a finished task is only kept stopped. */
export function desiredForWorker(task: Task): string {
  if (isTerminal(task.Status.State)) return 'shutdown';
  if (task.DesiredState === 'remove') return 'shutdown';
  // Jobs want their task to finish; to the worker that means running it.
  if (task.DesiredState === 'complete') return 'running';
  return task.DesiredState;
}

export function toProtoTask(task: Task, service: Service | undefined): ProtoTask {
  const c = task.Spec.ContainerSpec;
  const limits = task.Spec.Resources?.Limits;
  const ports = service?.Endpoint.Ports ?? service?.Spec.EndpointSpec?.Ports ?? [];
  return {
    id: task.ID,
    service_id: task.ServiceID,
    service_name: service?.Spec.Name ?? task.ServiceID,
    slot: task.Slot ?? 0,
    node_id: task.NodeID ?? '',
    image: c.Image,
    command: c.Command ?? [],
    args: c.Args ?? [],
    env: c.Env ?? [],
    labels: c.Labels ?? {},
    hostname: c.Hostname ?? '',
    dir: c.Dir ?? '',
    user: c.User ?? '',
    stop_grace_period_ms: c.StopGracePeriod !== undefined ? Math.round(c.StopGracePeriod / NS_PER_MS) : DEFAULT_STOP_GRACE_MS,
    nano_cpus: limits?.NanoCPUs ?? 0,
    memory_bytes: limits?.MemoryBytes ?? 0,
    desired_state: desiredForWorker(task),
    ports: ports.map((p) => ({
      protocol: p.Protocol,
      target_port: p.TargetPort,
      published_port: p.PublishedPort ?? 0,
      publish_mode: p.PublishMode,
    })),
  };
}

/** Every task the store places on `nodeId`, in a stable order. */
export function assignmentsForNode(tx: ReadTx, nodeId: string): ProtoTask[] {
  return tx
    .tasksOfNode(nodeId)
    .sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0))
    .map((t) => toProtoTask(t, tx.get('services', t.ServiceID)));
}

/** Cheap fingerprint so unchanged sets (e.g. after a status report) are not resent. */
export function assignmentDigest(tasks: ProtoTask[]): string {
  return tasks.map((t) => `${t.id}:${t.desired_state}`).join(',');
}
