// The joining side of the Join RPC: asks a manager what the token makes this node, and
// follows a redirect to the leader if it reached a follower.
import * as grpc from '@grpc/grpc-js';
import { dispatcherProto } from '../../common/proto.js';
import type { JoinRequest } from '../../generated/tsswarm/dispatcher/v1/JoinRequest.js';
import type { JoinResponse__Output } from '../../generated/tsswarm/dispatcher/v1/JoinResponse.js';

export class JoinError extends Error {
  constructor(
    readonly addr: string,
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'JoinError';
  }
}

const MAX_REDIRECTS = 3;

export async function requestJoin(addrs: string[], req: JoinRequest, timeoutMs = 15_000): Promise<JoinResponse__Output & { via: string }> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: JoinError | undefined;
  const queue = [...addrs];
  let redirects = 0;
  while (queue.length > 0 && Date.now() < deadline) {
    const addr = queue.shift() ?? '';
    try {
      return { ...(await joinOnce(addr, req, Math.max(1000, deadline - Date.now()))), via: addr };
    } catch (err) {
      const e = err as grpc.ServiceError;
      if (e.code === grpc.status.UNAUTHENTICATED) throw new JoinError(addr, e.details, e.code);
      const leader = e.metadata?.get('leader-addr')[0];
      if (e.code === grpc.status.FAILED_PRECONDITION && typeof leader === 'string' && redirects++ < MAX_REDIRECTS) {
        queue.unshift(leader);
        continue;
      }
      lastErr = new JoinError(addr, e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.DEADLINE_EXCEEDED
        ? `cannot reach any manager at ${addrs.join(', ')}` : `${addr}: ${e.details ?? e.message}`, e.code);
      // Try the same list again after a pause: a leader election may be under way.
      if (queue.length === 0 && e.code !== grpc.status.UNAVAILABLE && e.code !== grpc.status.DEADLINE_EXCEEDED) {
        await new Promise((r) => setTimeout(r, 500));
        queue.push(...addrs);
      }
    }
  }
  throw lastErr ?? new JoinError(addrs.join(','), `cannot reach any manager at ${addrs.join(', ')}`);
}

function joinOnce(addr: string, req: JoinRequest, timeoutMs: number): Promise<JoinResponse__Output> {
  const Client = dispatcherProto().tsswarm.dispatcher.v1.Dispatcher;
  const client = new Client(addr, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.Join(req, { deadline: Date.now() + timeoutMs }, (err, res) => {
      client.close();
      if (err || !res) reject(err ?? new Error('empty join response'));
      else resolve(res);
    });
  });
}
