// Writes that reach a follower are forwarded to the leader's API, so a client may talk to
// any manager. Reads are served from the follower's own replica.
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { exchange, type ExchangeResponse, type ExchangeTls } from '../common/http-exchange.js';
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

/**
 * With `tls` (the API serves mutual TLS) the leader is reached over HTTPS and this manager
 * presents its own certificate, so it must be usable as a client certificate too.
 */
export function registerLeaderForwarding(app: FastifyInstance, info: ManagerInfo, bodyLimit: number, tls?: ExchangeTls): void {
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
    let res: ExchangeResponse;
    try {
      res = await exchange(new URL(`${tls ? 'https' : 'http'}://${leader}${req.raw.url ?? '/'}`), {
        method: req.method,
        headers: {
          'content-type': String(req.headers['content-type'] ?? 'application/json'),
          [FORWARDED_HEADER]: '1',
        },
        body: body.length > 0 ? body : undefined,
        tls,
        timeoutMs: FORWARD_TIMEOUT_MS,
      });
    } catch (err) {
      return reply.code(503).send({ message: `this manager is not the leader and the leader's API at ${leader} did not answer: ${(err as Error).message}` });
    }
    reply.code(res.status);
    if (res.contentType) reply.header('content-type', res.contentType);
    return reply.send(res.body);
  });
}
