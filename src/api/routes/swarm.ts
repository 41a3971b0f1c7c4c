// Swarm routes. Inspecting works; creating, joining and leaving a swarm is done with the
// tsswarm CLI (it sets up certificates and the Raft membership), so those verbs say so.
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { ApiError, invalid, notImplemented, outOfSequence } from '../errors.js';
import { requireLeader } from '../context.js';
import { queryBool, queryVersion } from '../query.js';
import { clusterDigestOf, newJoinToken } from '../../manager/tokens.js';
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

  // Settings tsswarm honours: task history per slot and the dispatcher heartbeat period;
  // `rotateWorkerToken` / `rotateManagerToken` issue new join tokens. Other fields are kept as they are.
  app.post<{ Querystring: Record<string, string> }>('/swarm/update', async (req, reply) => {
    requireLeader(ctx);
    const version = queryVersion(req.query);
    const body = (req.body ?? {}) as { Orchestration?: { TaskHistoryRetentionLimit?: unknown }; Dispatcher?: { HeartbeatPeriod?: unknown } };
    const limit = body.Orchestration?.TaskHistoryRetentionLimit;
    if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || limit > 1000)) {
      throw invalid(`Orchestration.TaskHistoryRetentionLimit must be an integer between 0 and 1000, got ${JSON.stringify(limit)}`);
    }
    const period = body.Dispatcher?.HeartbeatPeriod;
    if (period !== undefined && (typeof period !== 'number' || !Number.isInteger(period) || period < 100e6 || period > 3600e9)) {
      throw invalid(`Dispatcher.HeartbeatPeriod must be between 100ms and 1h in nanoseconds, got ${JSON.stringify(period)}`);
    }
    const rotateWorker = queryBool(req.query, 'rotateWorkerToken');
    const rotateManager = queryBool(req.query, 'rotateManagerToken');
    await ctx.store.update((tx) => {
      const cluster = tx.get('clusters', 'cluster');
      if (!cluster) throw new ApiError('unavailable', 'the cluster is not initialized');
      if (cluster.Version.Index !== version) throw outOfSequence('swarm', cluster.ID, version, cluster.Version.Index);
      tx.update('clusters', cluster.ID, (c) => {
        if (typeof limit === 'number') c.Spec.Orchestration.TaskHistoryRetentionLimit = limit;
        if (typeof period === 'number') c.Spec.Dispatcher.HeartbeatPeriod = period;
        const digest = clusterDigestOf(c.JoinTokens.Worker);
        if (rotateWorker) c.JoinTokens.Worker = newJoinToken(digest);
        if (rotateManager) c.JoinTokens.Manager = newJoinToken(digest);
      });
    });
    return reply.code(200).send();
  });

  app.get('/swarm/unlockkey', async () => {
    throw notImplemented('tsswarm does not support autolock, so there is no unlock key');
  });
}
