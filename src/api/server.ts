// The Docker-compatible control API: a fastify app over the store. Routes live in
// routes/<resource>.ts; this file wires parsing, version prefixes, errors and logging.
import { registerBrowserGuard } from './browser-guard.js';
import { registerLeaderForwarding } from './forward.js';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { formatHostPort } from '../common/addr.js';
import type { TlsMaterial } from '../common/tls-files.js';
import type { Store } from '../store/store.js';
import type { ApiContext } from './context.js';
import { registerDashboardRoutes } from './dashboard/routes.js';
import { ApiError, invalid, toApiError } from './errors.js';
import type { ManagerInfo } from './manager-info.js';
import { registerNetworkRoutes } from './routes/networks.js';
import { registerNodeRoutes } from './routes/nodes.js';
import { registerSecretRoutes } from './routes/secrets.js';
import { registerServiceRoutes } from './routes/services.js';
import { registerSwarmRoutes } from './routes/swarm.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerTaskRoutes } from './routes/tasks.js';
import { stripVersionPrefix, versionProblem } from './version.js';

export interface ApiServerOptions {
  store: Store;
  log: Logger;
  info: ManagerInfo;
  /**
   * Serve HTTPS and require a client certificate signed by `tls.ca` (dockerd's --tlsverify).
   * Without it the API is plain HTTP, and the daemon only binds it to loopback.
   */
  tls?: TlsMaterial;
}

/** Largest request body accepted (a ServiceSpec is a few KB). */
const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/** Builds the API app (not listening). Use `app.inject()` in tests, `startApiServer` to serve. */
export function buildApiServer(opts: ApiServerOptions): FastifyInstance {
  const ctx: ApiContext = { store: opts.store, log: opts.log, info: opts.info };
  const base = {
    loggerInstance: opts.log,
    // Fastify's per-request info lines are replaced by one debug line per request (onResponse).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    rewriteUrl: (req: { url?: string }) => stripVersionPrefix(req.url ?? '/'),
  };
  // An HTTPS instance differs from the HTTP one only in its raw server type; routes and hooks
  // are the same, so both are handled as FastifyInstance.
  const app = (
    opts.tls === undefined
      ? Fastify(base)
      : Fastify({
          ...base,
          https: { key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
        })
  ) as unknown as FastifyInstance;

  // One parser for every content type: the docker CLI sends JSON, sometimes without a
  // Content-Type. Malformed JSON becomes a 400 in the {"message"} shape.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(invalid(`malformed JSON in request body: ${(err as Error).message}`), undefined);
    }
  });

  app.addHook('onRequest', async (req) => {
    const problem = versionProblem(req.originalUrl);
    if (problem) throw new ApiError('invalid_argument', problem);
  });
  registerBrowserGuard(app);
  registerLeaderForwarding(app, opts.info, BODY_LIMIT_BYTES, opts.tls);

  // The docker CLI decodes an error body as {"message"} only if Content-Type is exactly
  // `application/json` (as dockerd sends it); fastify appends `; charset=utf-8`, so drop it.
  app.addHook('onSend', async (_req, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/json')) reply.header('content-type', 'application/json');
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    opts.log.debug({ method: req.method, url: req.originalUrl, status: reply.statusCode }, 'api request');
  });

  app.setErrorHandler(async (err, req, reply) => {
    const apiErr = toApiError(err);
    if (apiErr.status >= 500 && apiErr.code !== 'not_implemented' && apiErr.code !== 'unavailable') {
      opts.log.error({ err, method: req.method, url: req.originalUrl }, 'api request failed');
    } else {
      opts.log.debug({ method: req.method, url: req.originalUrl, message: apiErr.message }, 'api request refused');
    }
    return reply.code(apiErr.status).send({ message: apiErr.message });
  });

  app.setNotFoundHandler(async (req, reply) =>
    reply.code(404).send({ message: `page not found: ${req.method} ${req.url} is not served by tsswarm` }),
  );

  registerSystemRoutes(app, ctx);
  registerSwarmRoutes(app, ctx);
  registerNodeRoutes(app, ctx);
  registerServiceRoutes(app, ctx);
  registerTaskRoutes(app, ctx);
  registerNetworkRoutes(app, ctx);
  registerSecretRoutes(app);
  registerDashboardRoutes(app);
  return app;
}

/**
 * Listens on host:port (port 0 picks a free one) and resolves to the bound address as
 * `host:port` (`[v6]:port` for IPv6), with the real port.
 */
export async function startApiServer(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error(`API server bound to unexpected address ${String(addr)}`);
  return formatHostPort(host, addr.port);
}
