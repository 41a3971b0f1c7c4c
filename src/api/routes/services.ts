// Service routes: list (filters, status), create, inspect, update (incl. rollback), remove.
//
// Removal deletes the Service object and, in the same transaction, sets DesiredState
// `remove` on its tasks that are still wanted. Swarmkit leaves the second half to the
// orchestrator; doing it here too is idempotent and means a removed service's containers
// stop even if no orchestrator loop reacts to the delete. The task reaper deletes the tasks.
import type { FastifyInstance } from 'fastify';
import type { Service, ServiceMode, ServiceSpec } from '../../store/objects.js';
import { taskStateRank } from '../../store/objects.js';
import type { ReadTx } from '../../store/store.js';
import { findNetwork } from '../../manager/allocator/networks.js';
import { requireLeader, type ApiContext } from '../context.js';
import { conflict, invalid, notImplemented, outOfSequence } from '../errors.js';
import { newId } from '../../common/ids.js';
import { checkIngressPortsFree, endpointFor } from '../ports.js';
import { allLabelsMatch, matches, parseFilters, queryBool, queryString, queryVersion } from '../query.js';
import { resolveService } from '../resolve.js';
import { serviceStatus } from '../service-status.js';
import { validateServiceSpec } from '../validate-spec.js';

const SERVICE_FILTERS = ['id', 'name', 'label', 'mode'] as const;

type IdParams = { Params: { id: string } };

/** Docker's mode names for the `mode` filter. */
function modeName(mode: ServiceMode): string {
  if (mode.Global) return 'global';
  if (mode.ReplicatedJob) return 'replicated-job';
  if (mode.GlobalJob) return 'global-job';
  return 'replicated';
}

function modeKey(mode: ServiceMode): string {
  return Object.keys(mode).find((k) => mode[k as keyof ServiceMode] !== undefined) ?? 'Replicated';
}

/** Every network the tasks attach to must exist, and ingress is joined only by publishing ports. */
function checkNetworks(tx: ReadTx, spec: ServiceSpec): void {
  (spec.TaskTemplate.Networks ?? []).forEach((att, i) => {
    const net = findNetwork(tx, att.Target);
    if (!net) throw invalid(`Spec.TaskTemplate.Networks[${i}].Target: network ${att.Target} not found`);
    if (net.Ingress) {
      throw invalid(
        `Spec.TaskTemplate.Networks[${i}]: a service cannot be attached to the ingress network explicitly; publish a port instead`,
      );
    }
  });
}

/** Stop grace period workers apply when the spec has none (10 s, in ns), as dockerd. */
const DEFAULT_STOP_GRACE_NS = 10_000_000_000;

/**
 * `insertDefaults=true` (`docker service inspect --pretty`): fills in the values tsswarm
 * applies when a field is absent. Only defaults tsswarm really uses are shown; settings
 * it does not implement (update FailureAction, Monitor) stay absent.
 */
function withDefaults(s: Service): Service {
  const out = structuredClone(s);
  const cs = out.Spec.TaskTemplate.ContainerSpec;
  cs.StopGracePeriod ??= DEFAULT_STOP_GRACE_NS;
  out.Spec.UpdateConfig = { Parallelism: 1, Order: 'stop-first', ...out.Spec.UpdateConfig };
  return out;
}

function checkNameFree(services: Service[], name: string, selfId?: string): void {
  const taken = services.find((s) => s.Spec.Name === name && s.ID !== selfId);
  if (taken) throw conflict(`service with name ${name} already exists`);
}

export function registerServiceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/services', async (req) => {
    const f = parseFilters(req.query, SERVICE_FILTERS);
    const withStatus = queryBool(req.query, 'status');
    return ctx.store
      .all('services')
      .filter(
        (s) =>
          matches(f, 'id', (v) => s.ID.startsWith(v)) &&
          matches(f, 'name', (v) => s.Spec.Name.startsWith(v)) &&
          matches(f, 'mode', (v) => modeName(s.Spec.Mode) === v) &&
          allLabelsMatch(f, 'label', s.Spec.Labels),
      )
      .sort((a, b) => a.Spec.Name.localeCompare(b.Spec.Name))
      .map((s) => (withStatus ? { ...s, ServiceStatus: serviceStatus(s, ctx.store.tasksOfService(s.ID)) } : s));
  });

  app.post('/services/create', async (req, reply) => {
    requireLeader(ctx);
    const spec = validateServiceSpec(req.body);
    const created = await ctx.store.update((tx) => {
      const services = tx.all('services');
      checkNameFree(services, spec.Name);
      checkNetworks(tx, spec);
      const endpoint = endpointFor(spec.EndpointSpec);
      checkIngressPortsFree(tx, endpoint.Ports);
      return tx.create('services', { ID: newId(), Spec: spec, Endpoint: endpoint });
    });
    ctx.log.debug({ service: created.ID, name: created.Spec.Name }, 'service created');
    return reply.code(201).send({ ID: created.ID, Warnings: [] });
  });

  app.get<IdParams>('/services/:id', async (req) => {
    const service = resolveService(ctx.store, req.params.id);
    return queryBool(req.query, 'insertDefaults') ? withDefaults(service) : service;
  });

  app.post<IdParams>('/services/:id/update', async (req) => {
    requireLeader(ctx);
    const version = queryVersion(req.query);
    const rollback = queryString(req.query, 'rollback') === 'previous';
    const body = rollback ? undefined : validateServiceSpec(req.body);
    await ctx.store.update((tx) => {
      const service = resolveService(tx, req.params.id);
      if (service.Version.Index !== version) {
        throw outOfSequence('service', req.params.id, version, service.Version.Index);
      }
      let spec: ServiceSpec;
      if (rollback) {
        if (!service.PreviousSpec) throw invalid(`service ${req.params.id} does not have a previous spec`);
        spec = service.PreviousSpec;
      } else {
        spec = body as ServiceSpec;
        if (spec.Name !== service.Spec.Name) throw invalid('renaming services is not supported');
        if (modeKey(spec.Mode) !== modeKey(service.Spec.Mode)) {
          throw invalid(`service mode change is not allowed (${modeKey(service.Spec.Mode)} to ${modeKey(spec.Mode)})`);
        }
      }
      if (!rollback) checkNetworks(tx, spec);
      const endpoint = endpointFor(spec.EndpointSpec, service.Endpoint);
      checkIngressPortsFree(tx, endpoint.Ports, service.ID);
      tx.update('services', service.ID, (draft) => {
        draft.PreviousSpec = service.Spec;
        draft.Spec = spec;
        draft.Endpoint = endpoint;
      });
    });
    return { Warnings: [] };
  });

  app.delete<IdParams>('/services/:id', async (req, reply) => {
    requireLeader(ctx);
    await ctx.store.update((tx) => {
      const service = resolveService(tx, req.params.id);
      tx.delete('services', service.ID);
      for (const task of tx.tasksOfService(service.ID)) {
        if (taskStateRank(task.DesiredState) >= taskStateRank('remove')) continue;
        tx.update('tasks', task.ID, (draft) => {
          draft.DesiredState = 'remove';
        });
      }
    });
    return reply.code(200).send();
  });

  app.get<IdParams>('/services/:id/logs', async (req) => {
    resolveService(ctx.store, req.params.id);
    throw notImplemented(
      'service logs are not collected by tsswarm yet: run `docker logs` on the node that runs the task (see `docker service ps`)',
    );
  });
}
