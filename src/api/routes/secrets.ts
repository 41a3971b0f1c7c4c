// Secrets and configs: tsswarm stores neither yet. Listing answers an empty list (so
// `docker stack deploy/rm` work for stacks that use none); creating says it is unsupported.
import type { FastifyInstance } from 'fastify';
import { ApiError, notImplemented } from '../errors.js';
import { parseFilters } from '../query.js';

const FILTERS = ['id', 'name', 'label', 'names'] as const;

export function registerSecretRoutes(app: FastifyInstance): void {
  for (const kind of ['secret', 'config'] as const) {
    const base = `/${kind}s`;
    app.get(base, async (req) => {
      parseFilters(req.query, FILTERS);
      return [];
    });
    app.get<{ Params: { id: string } }>(`${base}/:id`, async (req) => {
      throw new ApiError('not_found', `${kind} ${req.params.id} not found`);
    });
    app.post(`${base}/create`, async () => {
      throw notImplemented(`tsswarm does not support ${kind}s yet: pass settings as environment variables (--env) instead`);
    });
  }
}
