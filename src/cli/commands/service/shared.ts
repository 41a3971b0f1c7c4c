// Service helpers shared by the service verbs: mode names, replica counts, and waiting
// for a service to converge after create/update/scale.

import type { Service, ServiceSpec, Task } from '../../../store/objects.js';
import type { Ctx } from '../../context.js';
import { CliError } from '../../errors.js';
import { enc, getService, listTasks } from '../util.js';

/** How often the convergence wait polls the task list (milliseconds). */
export const CONVERGE_POLL_MS = 250;
/** How long create/update/scale wait for convergence without --detach (milliseconds). */
export const CONVERGE_TIMEOUT_MS = 60_000;

export function modeName(spec: ServiceSpec): string {
  if (spec.Mode.Global) return 'global';
  if (spec.Mode.ReplicatedJob) return 'replicated job';
  if (spec.Mode.GlobalJob) return 'global job';
  return 'replicated';
}

export interface Progress {
  done: number;
  desired: number;
  verb: 'running' | 'completed' | 'updated';
  converged: boolean;
  lastError?: string;
}

/** Key-order-insensitive JSON, to compare a task's Spec with the service's TaskTemplate. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Counts the tasks that matter for convergence. With `updatedOnly` (after update or
 * rollback) only tasks made from the service's current TaskTemplate count.
 */
export function progress(svc: Service, tasks: readonly Task[], updatedOnly = false): Progress {
  const own = tasks.filter((t) => t.ServiceID === svc.ID);
  const template = canonical(svc.Spec.TaskTemplate);
  const current = updatedOnly ? own.filter((t) => canonical(t.Spec) === template) : own;
  const wanted = own.filter((t) => t.DesiredState === 'running');
  const failed = own
    .filter((t) => t.Status?.Err)
    .sort((a, b) => Date.parse(b.Status.Timestamp) - Date.parse(a.Status.Timestamp))[0];
  const lastError = failed?.Status.Err;
  const mode = svc.Spec.Mode;
  if (mode.ReplicatedJob || mode.GlobalJob) {
    const done = current.filter((t) => t.Status?.State === 'complete').length;
    const desired = mode.ReplicatedJob ? (mode.ReplicatedJob.TotalCompletions ?? 1) : own.length;
    return { done, desired, verb: 'completed', converged: desired > 0 && done >= desired, lastError };
  }
  const running = current.filter((t) => t.DesiredState === 'running' && t.Status?.State === 'running').length;
  const desired = mode.Global ? wanted.length : (mode.Replicated?.Replicas ?? 1);
  const converged = running === desired && wanted.length === desired && (desired > 0 || !mode.Global);
  return { done: running, desired, verb: updatedOnly ? 'updated' : 'running', converged, lastError };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls the service's tasks until it converges, printing `web: 3/5 running` (after an
 * update: `web: 3/5 updated`) whenever the count changes, nothing with `quiet`. Throws
 * after `timeoutMs`; the service itself stays as it is.
 */
export async function waitForConvergence(
  ctx: Ctx,
  serviceId: string,
  opts: { quiet: boolean; timeoutMs?: number; pollMs?: number; updatedOnly?: boolean },
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? CONVERGE_TIMEOUT_MS;
  const started = performance.now();
  const svc = await getService(ctx, serviceId);
  const name = svc.Spec.Name || svc.ID;
  let last = '';
  for (;;) {
    const tasks = await listTasks(ctx, { service: [svc.ID] });
    const p = progress(svc, tasks, opts.updatedOnly);
    const line = `${name}: ${p.done}/${p.desired} ${p.verb}`;
    if (!opts.quiet && line !== last) ctx.println(line);
    last = line;
    if (p.converged) return;
    if (performance.now() - started >= timeoutMs) {
      const why = p.lastError ? `; last task error: ${p.lastError}` : '';
      throw new CliError(
        `${name} did not converge within ${Math.round(timeoutMs / 1000)}s (${p.done}/${p.desired} ${p.verb}${why}); ` +
          `the manager keeps trying: see 'tsswarm service ps ${name}'`,
      );
    }
    await sleep(opts.pollMs ?? CONVERGE_POLL_MS);
  }
}

/** POST /services/{id}/update with the version the service was read at. */
export async function postServiceUpdate(
  ctx: Ctx,
  svc: Service,
  spec: ServiceSpec,
  extra?: { rollback?: 'previous' },
): Promise<void> {
  const res = await ctx
    .client()
    .post<{ Warnings?: string[] | null } | undefined>(`/services/${enc(svc.ID)}/update`, spec, {
      version: svc.Version.Index,
      rollback: extra?.rollback,
    });
  for (const w of res?.Warnings ?? []) ctx.io.stderr(`warning: ${w}\n`);
}
