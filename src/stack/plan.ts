// What `stack deploy` must do to the services: create the new ones, update only those
// whose spec differs from what the cluster stores, keep the rest, and (with --prune)
// remove the stack's services the files no longer name. Pure.

import type { Service, ServiceSpec } from '../store/objects.js';

export interface ServicePlan {
  create: ServiceSpec[];
  /** `spec` is what to send, with the current ForceUpdate kept (as the docker CLI does). */
  update: Array<{ current: Service; spec: ServiceSpec }>;
  unchanged: Service[];
  /** Only filled with `prune`. */
  remove: Service[];
}

/** Key-order-insensitive JSON with undefined fields dropped. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * @param existing the stack's services as the API lists them
 * @param normalize applies the defaults the manager fills in on create/update, so a
 *   desired spec compares equal to the stored spec it would become
 */
export function planServices(
  desired: readonly ServiceSpec[],
  existing: readonly Service[],
  opts: { prune: boolean; normalize: (spec: ServiceSpec) => ServiceSpec },
): ServicePlan {
  const byName = new Map(existing.map((s) => [s.Spec.Name, s]));
  const plan: ServicePlan = { create: [], update: [], unchanged: [], remove: [] };
  for (const spec of desired) {
    const current = byName.get(spec.Name);
    if (!current) {
      plan.create.push(spec);
      continue;
    }
    const next: ServiceSpec = structuredClone(spec);
    if (current.Spec.TaskTemplate.ForceUpdate !== undefined) next.TaskTemplate.ForceUpdate = current.Spec.TaskTemplate.ForceUpdate;
    if (canonicalJson(opts.normalize(next)) === canonicalJson(current.Spec)) plan.unchanged.push(current);
    else plan.update.push({ current, spec: next });
  }
  if (opts.prune) {
    const wanted = new Set(desired.map((s) => s.Name));
    plan.remove = existing.filter((s) => !wanted.has(s.Spec.Name)).sort((a, b) => a.Spec.Name.localeCompare(b.Spec.Name));
  }
  return plan;
}
