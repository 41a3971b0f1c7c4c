// Refuses what a web page in the user's browser could make the API do. The API has no
// authentication yet and listens on loopback, so the threats are a page on another site
// posting to 127.0.0.1:2375 (cross-site request) and a page whose name is rebound to
// 127.0.0.1 (DNS rebinding: same-origin for the browser, but its Host header is the
// attacker's name). The docker CLI and other programs send neither Origin nor Sec-Fetch-*
// headers and are not affected.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { ApiError } from './errors.js';

/** Host names a browser may use to reach the API (besides IP literals). */
function allowedHostnames(extra: readonly string[]): Set<string> {
  return new Set(['localhost', hostname().toLowerCase(), ...extra.map((h) => h.toLowerCase())]);
}

/** `host[:port]` or `[v6]:port` → the host part, lower-case. */
export function hostPart(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

function fromBrowser(req: FastifyRequest): boolean {
  return req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined || req.headers['sec-fetch-mode'] !== undefined;
}

/** Why a browser request must be refused, or undefined to let it through. */
export function browserProblem(req: Pick<FastifyRequest, 'headers'>, allowed: ReadonlySet<string>): string | undefined {
  const host = req.headers.host ?? '';
  const name = hostPart(host);
  if (!(isIP(name) !== 0 || name.endsWith('.localhost') || allowed.has(name))) {
    return `browser request for host "${host}" refused: open the API by IP address or localhost (DNS rebinding protection)`;
  }
  const site = req.headers['sec-fetch-site'];
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    const originHost = URL.canParse(origin) ? new URL(origin).host.toLowerCase() : undefined;
    if (originHost === undefined) return `browser request with a malformed Origin header "${origin}" refused`;
    if (originHost !== host.toLowerCase()) return `cross-origin request from ${origin} refused: the API accepts browser requests only from its own pages`;
  } else if (origin === 'null' || site === 'cross-site' || site === 'same-site') {
    return 'cross-site request refused: the API accepts browser requests only from its own pages';
  }
  return undefined;
}

export function registerBrowserGuard(app: FastifyInstance, extraHostnames: readonly string[] = []): void {
  const allowed = allowedHostnames(extraHostnames);
  app.addHook('onRequest', async (req) => {
    if (!fromBrowser(req)) return;
    const problem = browserProblem(req, allowed);
    if (problem) throw new ApiError('forbidden', problem);
  });
}
