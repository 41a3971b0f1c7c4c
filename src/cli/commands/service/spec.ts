// Turns `service create` flags into an Engine API ServiceSpec (durations in nanoseconds,
// NanoCPUs, MemoryBytes). Pure: validation errors name the flag and nothing is sent.

import { MIN_AVAILABLE_LABEL, parseMinAvailable } from '../../../manager/orchestrator/budget.js';
import type { ServiceMode, ServiceSpec, TaskSpec, UpdateConfig } from '../../../store/objects.js';
import { invalidFlag, UsageError } from '../../errors.js';
import { applyAutoscaleFlag, checkAutoscaleSpec } from '../../parse/autoscale.js';
import { parsePublish } from '../../parse/publish.js';
import {
  parseBytes,
  parseChoice,
  parseConstraint,
  parseCpus,
  parseDuration,
  parseEnv,
  parseLabels,
  parseNonNegativeInt,
  parsePlacementPref,
} from '../../parse/values.js';

/** Raw flag values as commander hands them over (all strings; repeatables as arrays). */
export interface CreateFlags {
  name?: string;
  replicas?: string;
  maxConcurrent?: string;
  mode?: string;
  publish: string[];
  env: string[];
  label: string[];
  containerLabel: string[];
  constraint: string[];
  placementPref: string[];
  reserveCpu?: string;
  reserveMemory?: string;
  limitCpu?: string;
  limitMemory?: string;
  restartCondition?: string;
  restartDelay?: string;
  restartMaxAttempts?: string;
  restartWindow?: string;
  replicasMaxPerNode?: string;
  minAvailable?: string;
  autoscale?: string;
  updateParallelism?: string;
  updateDelay?: string;
  updateOrder?: string;
  updateFailureAction?: string;
  updateMonitor?: string;
  network: string[];
  endpointMode?: string;
  hostname?: string;
  workdir?: string;
  user?: string;
  stopGracePeriod?: string;
  entrypoint?: string;
}

/** Longest service name the manager accepts. */
const NAME_MAX = 63;

/**
 * A name for a service created without --name: the image's last path component and a
 * random suffix (`nginx-k3x9q`). The Docker daemon generates one server-side; tsswarm's
 * API requires Spec.Name, so the CLI picks it.
 */
export function generatedName(image: string): string {
  const base = (image.split('/').pop() ?? 'service')
    .replace(/[@:].*$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, NAME_MAX - 6);
  const suffix = Array.from({ length: 5 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('');
  return `${base || 'service'}-${suffix}`;
}

export const MODES = ['replicated', 'global', 'replicated-job', 'global-job'] as const;

function buildMode(mode: string | undefined, replicasFlag: string | undefined, maxConcurrentFlag?: string): ServiceMode {
  const m = parseChoice('--mode', mode ?? 'replicated', MODES);
  const replicas = replicasFlag === undefined ? undefined : parseNonNegativeInt('--replicas', replicasFlag);
  const maxConcurrent = maxConcurrentFlag === undefined ? undefined : parseNonNegativeInt('--max-concurrent', maxConcurrentFlag);
  if (maxConcurrent !== undefined && m !== 'replicated-job') {
    throw new UsageError(`--max-concurrent can only be used with replicated-job mode (got --mode ${m})`);
  }
  if (replicas !== undefined && (m === 'global' || m === 'global-job')) {
    throw new UsageError(`--replicas can only be used with replicated or replicated-job mode (got --mode ${m})`);
  }
  switch (m) {
    case 'replicated':
      return { Replicated: { Replicas: replicas ?? 1 } };
    case 'global':
      return { Global: {} };
    case 'replicated-job':
      // As in Docker: --replicas is the number of completions, --max-concurrent defaults to it.
      return { ReplicatedJob: { MaxConcurrent: maxConcurrent ?? replicas ?? 1, TotalCompletions: replicas ?? 1 } };
    case 'global-job':
      return { GlobalJob: {} };
  }
}

export function buildUpdateConfig(f: {
  updateParallelism?: string;
  updateDelay?: string;
  updateOrder?: string;
  updateFailureAction?: string;
  updateMonitor?: string;
}): UpdateConfig | undefined {
  const u: UpdateConfig = {};
  if (f.updateParallelism !== undefined) u.Parallelism = parseNonNegativeInt('--update-parallelism', f.updateParallelism);
  if (f.updateDelay !== undefined) u.Delay = parseDuration('--update-delay', f.updateDelay);
  if (f.updateMonitor !== undefined) u.Monitor = parseDuration('--update-monitor', f.updateMonitor);
  if (f.updateOrder !== undefined) u.Order = parseChoice('--update-order', f.updateOrder, ['start-first', 'stop-first']);
  if (f.updateFailureAction !== undefined) {
    u.FailureAction = parseChoice('--update-failure-action', f.updateFailureAction, ['pause', 'continue', 'rollback']);
  }
  return Object.keys(u).length > 0 ? u : undefined;
}

export function buildServiceSpec(f: CreateFlags, image: string, args: readonly string[]): ServiceSpec {
  if (image.trim() === '') throw new UsageError('IMAGE must not be empty');
  if (f.name !== undefined && (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(f.name) || f.name.length > NAME_MAX)) {
    throw new UsageError(
      `invalid argument "${f.name}" for "--name" flag: use at most ${NAME_MAX} letters, digits, '_', '.' and '-', starting with a letter or digit`,
    );
  }
  const task: TaskSpec = { ContainerSpec: { Image: image } };
  const cs = task.ContainerSpec;
  if (f.entrypoint !== undefined) cs.Command = f.entrypoint.split(/\s+/).filter((s) => s !== '');
  if (args.length > 0) cs.Args = [...args];
  if (f.env.length > 0) cs.Env = f.env.map((e) => parseEnv('--env', e));
  if (f.containerLabel.length > 0) cs.Labels = parseLabels('--container-label', f.containerLabel);
  if (f.hostname !== undefined) cs.Hostname = f.hostname;
  if (f.workdir !== undefined) cs.Dir = f.workdir;
  if (f.user !== undefined) cs.User = f.user;
  if (f.stopGracePeriod !== undefined) cs.StopGracePeriod = parseDuration('--stop-grace-period', f.stopGracePeriod);

  const reservations: { NanoCPUs?: number; MemoryBytes?: number } = {};
  const limits: { NanoCPUs?: number; MemoryBytes?: number } = {};
  if (f.reserveCpu !== undefined) reservations.NanoCPUs = parseCpus('--reserve-cpu', f.reserveCpu);
  if (f.reserveMemory !== undefined) reservations.MemoryBytes = parseBytes('--reserve-memory', f.reserveMemory);
  if (f.limitCpu !== undefined) limits.NanoCPUs = parseCpus('--limit-cpu', f.limitCpu);
  if (f.limitMemory !== undefined) limits.MemoryBytes = parseBytes('--limit-memory', f.limitMemory);
  if (Object.keys(reservations).length > 0 || Object.keys(limits).length > 0) {
    task.Resources = {};
    if (Object.keys(reservations).length > 0) task.Resources.Reservations = reservations;
    if (Object.keys(limits).length > 0) task.Resources.Limits = limits;
  }

  const restart: NonNullable<TaskSpec['RestartPolicy']> = {};
  if (f.restartCondition !== undefined) {
    restart.Condition = parseChoice('--restart-condition', f.restartCondition, ['none', 'on-failure', 'any']);
  }
  if (f.restartDelay !== undefined) restart.Delay = parseDuration('--restart-delay', f.restartDelay);
  if (f.restartMaxAttempts !== undefined) {
    restart.MaxAttempts = parseNonNegativeInt('--restart-max-attempts', f.restartMaxAttempts);
  }
  if (f.restartWindow !== undefined) restart.Window = parseDuration('--restart-window', f.restartWindow);
  if (Object.keys(restart).length > 0) task.RestartPolicy = restart;

  const placement: NonNullable<TaskSpec['Placement']> = {};
  if (f.constraint.length > 0) placement.Constraints = f.constraint.map((c) => parseConstraint('--constraint', c));
  if (f.placementPref.length > 0) {
    placement.Preferences = f.placementPref.map((p) => parsePlacementPref('--placement-pref', p));
  }
  if (f.replicasMaxPerNode !== undefined) {
    placement.MaxReplicas = parseNonNegativeInt('--replicas-max-per-node', f.replicasMaxPerNode);
  }
  if (Object.keys(placement).length > 0) task.Placement = placement;

  if (f.network.length > 0) {
    task.Networks = f.network.map((n) => {
      if (n.trim() === '') throw new UsageError('invalid argument "" for "--network" flag: network name must not be empty');
      return { Target: n };
    });
  }

  const spec: ServiceSpec = { Name: f.name ?? generatedName(image), TaskTemplate: task, Mode: buildMode(f.mode, f.replicas, f.maxConcurrent) };
  if (f.label.length > 0) spec.Labels = parseLabels('--label', f.label);
  if (f.minAvailable !== undefined) spec.Labels = { ...(spec.Labels ?? {}), [MIN_AVAILABLE_LABEL]: checkMinAvailable(f.minAvailable) };
  if (f.autoscale !== undefined) {
    if (!spec.Mode.Replicated) throw new UsageError(`--autoscale can only be used with replicated mode (got --mode ${f.mode ?? 'replicated'})`);
    spec.Labels = applyAutoscaleFlag('--autoscale', f.autoscale, spec.Labels, false);
    // Without --replicas, the service starts at its minimum.
    if (f.replicas === undefined) spec.Mode.Replicated.Replicas = Number(spec.Labels['tsswarm.autoscale.min']);
  }
  checkAutoscaleSpec(spec);
  const update = buildUpdateConfig(f);
  if (update) spec.UpdateConfig = update;
  const ports = f.publish.map((p) => parsePublish('--publish', p));
  if (ports.length > 0 || f.endpointMode !== undefined) {
    spec.EndpointSpec = {};
    if (f.endpointMode !== undefined) spec.EndpointSpec.Mode = parseChoice('--endpoint-mode', f.endpointMode, ['vip', 'dnsrr']);
    if (ports.length > 0) spec.EndpointSpec.Ports = ports;
    if (spec.EndpointSpec.Mode === 'dnsrr' && ports.some((p) => p.PublishMode === 'ingress')) {
      throw new UsageError('--endpoint-mode dnsrr cannot be used with ingress-published ports (use mode=host)');
    }
  }
  return spec;
}

/** `--min-available N|P%`, kept as a service label so every client's update preserves it. */
export function checkMinAvailable(value: string): string {
  try {
    parseMinAvailable(value);
  } catch (err) {
    throw invalidFlag('--min-available', value, (err as Error).message.replace(/^invalid min-available "[^"]*": /, ''));
  }
  return value.trim();
}
