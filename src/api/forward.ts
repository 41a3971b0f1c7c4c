// Writes that reach a follower are forwarded to the leader's API, so a client may talk to
// any manager. Reads are served from the follower's own replica.
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { ManagerInfo } from './manager-info.js';

/** Marks a forwarded request, so two managers that disagree on the leader cannot loop. */
const FORWARDED_HEADER = 'x-tsswarm-forwarded';
const FORWARD_TIMEOUT_MS = 30_000;

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function registerLeaderForwarding(app: FastifyInstance, info: ManagerInfo, bodyLimit: number): void {
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      // Reads see every write acknowledged before them, whichever manager serves them.
      // The ping and the dashboard's static files read no cluster state.
      if (info.linearizableRead && !req.url.startsWith('/_ping') && !req.url.startsWith('/dashboard')) {
        try {
          await info.linearizableRead();
        } catch (err) {
          return reply.code(503).send({ message: `cannot serve a consistent read right now (no leader?): ${(err as Error).message}` });
        }
      }
      return;
    }
    if (info.isLeader()) return;
    if (req.headers[FORWARDED_HEADER]) return; // the routes answer 503
    const leader = info.leaderApiAddr?.();
    if (!leader) return;
    const body = await readBody(req.raw, bodyLimit);
    let res: Response;
    try {
      res = await fetch(`http://${leader}${req.raw.url ?? '/'}`, {
        method: req.method,
        headers: {
          'content-type': String(req.headers['content-type'] ?? 'application/json'),
          [FORWARDED_HEADER]: '1',
        },
        body: body.length > 0 ? new Uint8Array(body) : undefined,
        signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
      });
    } catch (err) {
      return reply.code(503).send({ message: `this manager is not the leader and the leader's API at ${leader} did not answer: ${(err as Error).message}` });
    }
    reply.code(res.status);
    const type = res.headers.get('content-type');
    if (type) reply.header('content-type', type);
    return reply.send(Buffer.from(await res.arrayBuffer()));
  });
}
