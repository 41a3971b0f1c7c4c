// Network routes: list, inspect, create (overlay only), remove. Subnet/VNI allocation and
// the removal rules belong to the allocator (src/manager/allocator/networks.ts); this file
// only turns HTTP into those calls and the results into Docker's `Network` shape.
import type { FastifyInstance } from 'fastify';
import { createNetwork, findNetwork, NetworkError, removeNetwork } from '../../manager/allocator/networks.js';
import type { Network } from '../../store/objects.js';
import { requireLeader, type ApiContext } from '../context.js';
import { ApiError, invalid, type ApiErrorCode } from '../errors.js';
import { allLabelsMatch, matches, parseFilters } from '../query.js';

const NETWORK_FILTERS = ['id', 'name', 'driver', 'scope', 'label', 'type'] as const;
const NETWORK_STATUS_CODE: Record<NetworkError['status'], ApiErrorCode> = {
  400: 'invalid_argument',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
};

type IdParams = { Params: { id: string } };

/** The stored network in Docker's `Network` shape (`Id`, `Created`), store fields kept too. */
export function dockerNetwork(n: Network): Record<string, unknown> {
  return {
    Name: n.Name,
    Id: n.ID,
    Created: n.CreatedAt,
    Scope: n.Scope,
    Driver: n.Driver,
    EnableIPv6: false,
    IPAM: { Driver: n.IPAM.Driver, Options: {}, Config: n.IPAM.Config },
    Internal: n.Internal,
    Attachable: n.Attachable,
    Ingress: n.Ingress,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: n.Options,
    Labels: n.Labels,
    ID: n.ID,
    Version: n.Version,
    CreatedAt: n.CreatedAt,
    UpdatedAt: n.UpdatedAt,
  };
}

/** Runs an allocator network call, turning its NetworkError into the API's error. */
function allocatorCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof NetworkError) throw new ApiError(NETWORK_STATUS_CODE[err.status], err.message, { cause: err });
    throw err;
  }
}

export function registerNetworkRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/networks', async (req) => {
    const f = parseFilters(req.query, NETWORK_FILTERS);
    return ctx.store
      .all('networks')
      .filter(
        (n) =>
          matches(f, 'id', (v) => n.ID.startsWith(v)) &&
          matches(f, 'name', (v) => n.Name.includes(v)) &&
          matches(f, 'driver', (v) => n.Driver === v) &&
          matches(f, 'scope', (v) => n.Scope === v) &&
          matches(f, 'type', (v) => v === (n.Ingress ? 'builtin' : 'custom')) &&
          allLabelsMatch(f, 'label', n.Labels),
      )
      .sort((a, b) => a.Name.localeCompare(b.Name))
      .map(dockerNetwork);
  });

  app.get<IdParams>('/networks/:id', async (req) => {
    const net = ctx.store.view((tx) => findNetwork(tx, req.params.id));
    if (!net) throw new ApiError('not_found', `network ${req.params.id} not found`);
    return dockerNetwork(net);
  });

  app.post('/networks/create', async (req, reply) => {
    requireLeader(ctx);
    const body = req.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw invalid('request body must be a JSON NetworkCreateRequest object');
    }
    const net = await ctx.store.update((tx) => allocatorCall(() => createNetwork(tx, body as Parameters<typeof createNetwork>[1])));
    return reply.code(201).send({ Id: net.ID, Warning: '' });
  });

  app.delete<IdParams>('/networks/:id', async (req, reply) => {
    requireLeader(ctx);
    await ctx.store.update((tx) => allocatorCall(() => removeNetwork(tx, req.params.id)));
    return reply.code(204).send();
  });
}
