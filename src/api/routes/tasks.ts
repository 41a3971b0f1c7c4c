// Task routes: list with filters, inspect. Tasks are created and advanced by the control
// loops; the API only reads them. As in swarmkit, the `label` filter sees the service's
// labels too (that is how `docker stack ps` finds a stack's tasks).
import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance } from 'fastify';
import type { Service, Task, TaskState } from '../../store/objects.js';
import { TASK_STATE_ORDER } from '../../store/objects.js';
import type { ApiContext } from '../context.js';
import { invalid, notImplemented } from '../errors.js';
import { allLabelsMatch, matches, parseFilters, type Filters } from '../query.js';
import { resolveNode, resolveService, resolveTask } from '../resolve.js';

/** `_up-to-date` is what the docker CLI's progress display sends (tasks of the current spec). */
const TASK_FILTERS = ['id', 'name', 'service', 'node', 'desired-state', 'label', '_up-to-date'] as const;

type IdParams = { Params: { id: string } };

/** Docker's display name of a task: `<service>.<slot>` or `<service>.<node id>` for global tasks. */
export function taskName(task: Task, service: Service | undefined): string {
  return `${service?.Spec.Name ?? task.ServiceID}.${task.Slot ?? task.NodeID ?? ''}`;
}

/** Built from the current spec: same TaskSpec, or created from the current service version. */
function upToDate(task: Task, service: Service | undefined): boolean {
  if (!service) return false;
  if (task.SpecVersion !== undefined && task.SpecVersion === service.Version.Index) return true;
  return isDeepStrictEqual(task.Spec, service.Spec.TaskTemplate);
}

/** Replaces service and node references in the filters by IDs (404 if one does not exist). */
function resolveRefs(ctx: ApiContext, f: Filters): void {
  const services = f.get('service');
  if (services) f.set('service', services.map((ref) => resolveService(ctx.store, ref).ID));
  const nodes = f.get('node');
  if (nodes) f.set('node', nodes.map((ref) => resolveNode(ctx.store, ref, ctx.info.nodeId).ID));
  for (const s of f.get('desired-state') ?? []) {
    if (!TASK_STATE_ORDER.includes(s as TaskState)) {
      throw invalid(`invalid filter 'desired-state=${s}' (use running, shutdown, accepted, ...)`);
    }
  }
}

export function registerTaskRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/tasks', async (req) => {
    const f = parseFilters(req.query, TASK_FILTERS);
    resolveRefs(ctx, f);
    const serviceIds = f.get('service');
    const candidates =
      serviceIds && serviceIds.length > 0
        ? serviceIds.flatMap((id) => ctx.store.tasksOfService(id))
        : ctx.store.all('tasks');
    const wantUpToDate = (f.get('_up-to-date') ?? []).some((v) => v === '1' || v === 'true');
    return candidates
      .filter((t) => {
        const service = ctx.store.get('services', t.ServiceID);
        const name = taskName(t, service);
        return (
          matches(f, 'id', (v) => t.ID.startsWith(v)) &&
          matches(f, 'name', (v) => name === v || `${name}.${t.ID}`.startsWith(v)) &&
          matches(f, 'node', (v) => t.NodeID === v) &&
          matches(f, 'desired-state', (v) => t.DesiredState === v) &&
          allLabelsMatch(f, 'label', { ...service?.Spec.Labels, ...t.Labels }) &&
          (!wantUpToDate || upToDate(t, service))
        );
      })
      .sort((a, b) => a.CreatedAt.localeCompare(b.CreatedAt) || a.ID.localeCompare(b.ID));
  });

  app.get<IdParams>('/tasks/:id', async (req) => resolveTask(ctx.store, req.params.id));

  app.get<IdParams>('/tasks/:id/logs', async (req) => {
    resolveTask(ctx.store, req.params.id);
    throw notImplemented('task logs are not collected by tsswarm yet: run `docker logs` on the node that runs the task');
  });
}
