// service update SERVICE [--replicas N] [--image IMG] [--env-add/--env-rm] [--publish-add/--publish-rm]
//   [--constraint-add/--constraint-rm] [--label-add/--label-rm] [--force] [--rollback] [-d]

import { MIN_AVAILABLE_LABEL } from '../../../manager/orchestrator/budget.js';
import type { Command } from 'commander';
import type { PortConfig, ServiceSpec } from '../../../store/objects.js';
import type { Ctx } from '../../context.js';
import { CliError, invalidFlag } from '../../errors.js';
import { parsePublish } from '../../parse/publish.js';
import { applyAutoscaleFlag, checkAutoscaleSpec } from '../../parse/autoscale.js';
import { parseConstraint, parseEnv, parseKeyValue, parseNonNegativeInt } from '../../parse/values.js';
import { collect, getService } from '../util.js';
import { buildUpdateConfig, checkMinAvailable } from './spec.js';
import { postServiceUpdate, waitForConvergence } from './shared.js';

export interface UpdateFlags {
  replicas?: string;
  image?: string;
  envAdd: string[];
  envRm: string[];
  publishAdd: string[];
  publishRm: string[];
  constraintAdd: string[];
  constraintRm: string[];
  labelAdd: string[];
  minAvailable?: string;
  autoscale?: string;
  labelRm: string[];
  force?: boolean;
  rollback?: boolean;
  detach?: boolean;
  quiet?: boolean;
  updateParallelism?: string;
  updateDelay?: string;
  updateOrder?: string;
  updateFailureAction?: string;
  updateMonitor?: string;
}

/** `--publish-rm 80`, `80/udp` or `8080:80` → which ports to drop. */
function publishRmMatcher(value: string): (p: PortConfig) => boolean {
  const m = /^(?:(\d+):)?(\d+)(?:\/(tcp|udp|sctp))?$/.exec(value.trim());
  if (!m) throw invalidFlag('--publish-rm', value, 'expected TARGET[/PROTOCOL] or PUBLISHED:TARGET[/PROTOCOL]');
  const target = Number(m[2]);
  return (p) =>
    p.TargetPort === target &&
    (m[3] === undefined || p.Protocol === m[3]) &&
    (m[1] === undefined || p.PublishedPort === Number(m[1]));
}

/** Applies the flags to a copy of the current spec (validating all of them first). */
export function applyUpdate(current: ServiceSpec, f: UpdateFlags): ServiceSpec {
  const spec = structuredClone(current);
  const replicas = f.replicas === undefined ? undefined : parseNonNegativeInt('--replicas', f.replicas);
  const envAdd = f.envAdd.map((e) => parseEnv('--env-add', e));
  const labelsAdd = f.labelAdd.map((l) => parseKeyValue('--label-add', l));
  if (f.minAvailable !== undefined) labelsAdd.push([MIN_AVAILABLE_LABEL, checkMinAvailable(f.minAvailable)]);
  const portsAdd = f.publishAdd.map((p) => parsePublish('--publish-add', p));
  const portsRm = f.publishRm.map(publishRmMatcher);
  const constraintsAdd = f.constraintAdd.map((c) => parseConstraint('--constraint-add', c));
  const update = buildUpdateConfig(f);
  if (f.image !== undefined && f.image.trim() === '') throw invalidFlag('--image', f.image, 'must not be empty');

  if (replicas !== undefined) {
    if (spec.Mode.Replicated) spec.Mode.Replicated.Replicas = replicas;
    else if (spec.Mode.ReplicatedJob) spec.Mode.ReplicatedJob.MaxConcurrent = replicas;
    else throw new CliError('--replicas can only be used with replicated or replicated-job mode');
  }
  const cs = spec.TaskTemplate.ContainerSpec;
  if (f.image !== undefined) cs.Image = f.image;
  if (f.envRm.length > 0 || envAdd.length > 0) {
    const key = (e: string) => e.split('=')[0] ?? e;
    const drop = new Set([...f.envRm, ...envAdd.map(key)]);
    cs.Env = [...(cs.Env ?? []).filter((e) => !drop.has(key(e))), ...envAdd];
  }
  if (labelsAdd.length > 0 || f.labelRm.length > 0) {
    const labels = { ...(spec.Labels ?? {}) };
    for (const k of f.labelRm) delete labels[k];
    for (const [k, v] of labelsAdd) labels[k] = v;
    spec.Labels = labels;
  }
  if (constraintsAdd.length > 0 || f.constraintRm.length > 0) {
    const norm = (c: string) => c.replace(/\s+/g, '');
    const drop = new Set(f.constraintRm.map(norm));
    const kept = (spec.TaskTemplate.Placement?.Constraints ?? []).filter((c) => !drop.has(norm(c)));
    spec.TaskTemplate.Placement = { ...spec.TaskTemplate.Placement, Constraints: [...kept, ...constraintsAdd] };
  }
  if (portsAdd.length > 0 || portsRm.length > 0) {
    const kept = (spec.EndpointSpec?.Ports ?? []).filter((p) => !portsRm.some((rm) => rm(p)));
    const added = portsAdd.filter((a) => !kept.some((k) => k.TargetPort === a.TargetPort && k.Protocol === a.Protocol && k.PublishedPort === a.PublishedPort));
    spec.EndpointSpec = { ...spec.EndpointSpec, Ports: [...kept, ...added] };
  }
  if (update) spec.UpdateConfig = { ...spec.UpdateConfig, ...update };
  if (f.force) spec.TaskTemplate.ForceUpdate = (spec.TaskTemplate.ForceUpdate ?? 0) + 1;
  if (f.autoscale !== undefined) {
    if (!spec.Mode.Replicated) throw new CliError('--autoscale can only be used with replicated mode');
    // Keys not given keep their current values: `--autoscale max=20` only raises the maximum.
    spec.Labels = applyAutoscaleFlag('--autoscale', f.autoscale, spec.Labels, true);
  }
  checkAutoscaleSpec(spec);
  return spec;
}

export function register(service: Command, ctx: Ctx): void {
  service
    .command('update')
    .description('Update a service')
    .argument('<service>', 'service name or ID')
    .option('--replicas <n>', 'number of tasks')
    .option('--image <image>', 'service image')
    .option('--env-add <K=V>', 'add or update an environment variable (repeatable)', collect, [])
    .option('--env-rm <K>', 'remove an environment variable (repeatable)', collect, [])
    .option('--publish-add <port>', 'add a published port (repeatable)', collect, [])
    .option('--publish-rm <port>', 'remove a published port by its target port (repeatable)', collect, [])
    .option('--constraint-add <expr>', 'add a placement constraint (repeatable)', collect, [])
    .option('--constraint-rm <expr>', 'remove a placement constraint (repeatable)', collect, [])
    .option('--label-add <K=V>', 'add or update a service label (repeatable)', collect, [])
    .option('--label-rm <K>', 'remove a service label (repeatable)', collect, [])
    .option('--min-available <n|p%>', 'running tasks that drains, scale-downs and updates must keep (e.g. 3 or 50%)')
    .option('--autoscale <policy>', 'scale on CPU: min=N,max=N,cpu=PERCENT[,down-delay=DURATION]; changes only the keys given; off: stop autoscaling')
    .option('--update-parallelism <n>', 'tasks updated at once (0 = all)')
    .option('--update-delay <duration>', 'delay between updates, e.g. 10s')
    .option('--update-monitor <duration>', 'how long to monitor each updated task')
    .option('--update-order <order>', 'start-first or stop-first')
    .option('--update-failure-action <action>', 'pause, continue or rollback')
    .option('--force', 'replace the tasks even if nothing changed')
    .option('--rollback', 'roll back to the previous specification')
    .option('-d, --detach', 'exit immediately instead of waiting for the service to converge')
    .option('-q, --quiet', 'suppress progress output')
    .action(async (ref: string, flags: UpdateFlags) => {
      const changes = Object.entries(flags).some(([k, v]) => !['detach', 'quiet', 'rollback'].includes(k) && (Array.isArray(v) ? v.length > 0 : v !== undefined));
      if (flags.rollback && changes) throw invalidFlag('--rollback', 'true', 'cannot be combined with other changes');
      const svc = await getService(ctx, ref);
      const spec = flags.rollback ? (svc.PreviousSpec ?? svc.Spec) : applyUpdate(svc.Spec, flags);
      await postServiceUpdate(ctx, svc, spec, flags.rollback ? { rollback: 'previous' } : undefined);
      ctx.println(ref);
      if (!flags.detach) await waitAfterUpdate(ctx, svc.ID, flags.quiet === true);
    });
}

/** Waits until tasks made from the new spec run (rolling updates replace them). */
export async function waitAfterUpdate(ctx: Ctx, id: string, quiet: boolean): Promise<void> {
  const after = await getService(ctx, id);
  if (after.Spec.Mode.ReplicatedJob || after.Spec.Mode.GlobalJob) return;
  await waitForConvergence(ctx, id, { quiet, updatedOnly: true });
}
