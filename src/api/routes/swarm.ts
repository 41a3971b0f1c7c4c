// Swarm routes. Inspecting works; creating, joining and leaving a swarm is done with the
// tsswarm CLI (it sets up certificates and the Raft membership), so those verbs say so.
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { ApiError, notImplemented } from '../errors.js';
import { clusterInfo } from './system.js';

export function registerSwarmRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/swarm', async () => ({
    ...clusterInfo(ctx.store.get('clusters', 'cluster')),
    JoinTokens: ctx.info.joinTokens(),
  }));

  app.post('/swarm/init', async () => {
    throw new ApiError('unavailable', 'This node is already part of a swarm. Use `tsswarm init` to create a new swarm.');
  });

  app.post('/swarm/join', async () => {
    throw new ApiError(
      'unavailable',
      'This node is already part of a swarm. Use `tsswarm join` on the new node to add it to this swarm.',
    );
  });

  app.post('/swarm/leave', async () => {
    throw new ApiError(
      'unavailable',
      'Leaving the swarm through the Docker API is not supported: stop the tsswarm node and remove it with `docker node rm`.',
    );
  });

  app.post('/swarm/update', async () => {
    throw notImplemented('swarm settings cannot be changed through the Docker API in tsswarm');
  });

  app.get('/swarm/unlockkey', async () => {
    throw notImplemented('tsswarm does not support autolock, so there is no unlock key');
  });
}
