// swarm update [--task-history-limit N] [--dispatcher-heartbeat DURATION]
// Also: swarm join-token --rotate is `swarm update --rotate-token worker|manager`.

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { UsageError } from '../../errors.js';
import { parseChoice, parseDuration, parseNonNegativeInt } from '../../parse/values.js';

interface SwarmSpecResponse {
  Version: { Index: number };
  Spec: Record<string, unknown> & { Orchestration?: Record<string, unknown>; Dispatcher?: Record<string, unknown> };
}

interface Flags {
  taskHistoryLimit?: string;
  dispatcherHeartbeat?: string;
  rotateToken?: string;
}

export function register(swarm: Command, ctx: Ctx): void {
  swarm
    .command('update')
    .description('Update the swarm settings')
    .option('--task-history-limit <n>', 'finished tasks kept per slot (default 5)')
    .option('--dispatcher-heartbeat <duration>', 'worker heartbeat period; a node is down after 3 missed (default 1s)')
    .option('--rotate-token <role>', 'issue a new worker or manager join token')
    .action(async (flags: Flags) => {
      const limit = flags.taskHistoryLimit === undefined ? undefined : parseNonNegativeInt('--task-history-limit', flags.taskHistoryLimit);
      const heartbeat = flags.dispatcherHeartbeat === undefined ? undefined : parseDuration('--dispatcher-heartbeat', flags.dispatcherHeartbeat);
      const rotate = flags.rotateToken === undefined ? undefined : parseChoice('--rotate-token', flags.rotateToken, ['worker', 'manager']);
      if (limit === undefined && heartbeat === undefined && rotate === undefined) {
        throw new UsageError('nothing to update: give --task-history-limit, --dispatcher-heartbeat or --rotate-token');
      }
      const client = ctx.client();
      const sw = await client.get<SwarmSpecResponse>('/swarm');
      const spec = structuredClone(sw.Spec);
      if (limit !== undefined) spec.Orchestration = { ...(spec.Orchestration ?? {}), TaskHistoryRetentionLimit: limit };
      if (heartbeat !== undefined) spec.Dispatcher = { ...(spec.Dispatcher ?? {}), HeartbeatPeriod: heartbeat };
      await client.post('/swarm/update', spec, {
        version: sw.Version.Index,
        ...(rotate === 'worker' ? { rotateWorkerToken: true } : {}),
        ...(rotate === 'manager' ? { rotateManagerToken: true } : {}),
      });
      ctx.println('Swarm updated.');
    });
}
