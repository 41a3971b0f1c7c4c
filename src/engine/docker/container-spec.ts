// AssignedTask → Engine API container create options. Pure: no engine calls.
import type Dockerode from 'dockerode';
import type { AssignedTask } from '../../worker/types.js';
import { containerLabels, containerName } from './labels.js';

/** Used when a task carries no stop grace period, as in Docker and swarmkit. */
export const DEFAULT_STOP_GRACE_MS = 10_000;

export function stopGraceMs(task: AssignedTask): number {
  return task.stopGracePeriodMs > 0 ? task.stopGracePeriodMs : DEFAULT_STOP_GRACE_MS;
}

/** The engine takes whole seconds; round up so a grace period is never cut short. */
export function stopGraceSeconds(task: AssignedTask): number {
  return Math.ceil(stopGraceMs(task) / 1000);
}

/**
 * DNS servers given to every task container: the worker's own resolver (src/dns), set by
 * the network agent once it listens. Empty: the engine's default (the host's resolv.conf).
 */
let taskDnsServers: string[] = [];

export function setTaskDnsServers(servers: readonly string[]): void {
  taskDnsServers = [...servers];
}

export function containerCreateOptions(
  task: AssignedTask,
  nodeId: string,
): Dockerode.ContainerCreateOptions {
  const hostConfig: Dockerode.HostConfig = {
    // The orchestrator replaces failed tasks; the engine must not restart them behind its back.
    RestartPolicy: { Name: 'no' },
  };
  if (task.nanoCpus > 0) hostConfig.NanoCpus = task.nanoCpus;
  if (task.memoryBytes > 0) hostConfig.Memory = task.memoryBytes;
  if (taskDnsServers.length > 0) hostConfig.Dns = [...taskDnsServers];

  // Only host-mode ports are published here; ingress ports belong to the load balancer.
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostPort: string }>> = {};
  for (const port of task.ports) {
    if (port.publishMode !== 'host') continue;
    const key = `${port.targetPort}/${port.protocol}`;
    exposed[key] = {};
    const hostPort = port.publishedPort > 0 ? String(port.publishedPort) : '';
    (bindings[key] ??= []).push({ HostPort: hostPort });
  }
  if (Object.keys(bindings).length > 0) hostConfig.PortBindings = bindings;

  const options: Dockerode.ContainerCreateOptions = {
    name: containerName(task, nodeId),
    Image: task.image,
    Labels: containerLabels(task, nodeId),
    Env: [...task.env],
    StopTimeout: stopGraceSeconds(task),
    HostConfig: hostConfig,
  };
  // As swarmkit: a command replaces the image's entrypoint and args become its Cmd;
  // args alone replace only the image's Cmd.
  if (task.command.length > 0) {
    options.Entrypoint = [...task.command];
    options.Cmd = [...task.args];
  } else if (task.args.length > 0) {
    options.Cmd = [...task.args];
  }
  // Unset hostname: the engine uses the container id's first 12 characters.
  if (task.hostname !== '') options.Hostname = task.hostname;
  if (task.dir !== '') options.WorkingDir = task.dir;
  if (task.user !== '') options.User = task.user;
  if (Object.keys(exposed).length > 0) options.ExposedPorts = exposed;
  return options;
}
