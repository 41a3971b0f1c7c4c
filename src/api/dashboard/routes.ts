// The read-only web dashboard, served by the control API: one page, its stylesheet and two
// ES modules, read from web/ once at start and served as they are (no build step). The
// page polls the JSON routes of the same server, so it inherits the API's binding
// (loopback unless --allow-remote-api). docs/design/dashboard.md.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { prefersHtml } from './accept.js';

export const DASHBOARD_PATH = '/dashboard';

/**
 * Sent with every dashboard response: only same-origin resources (no inline script or
 * style, so escaped data cannot become code), no MIME sniffing, not framed by other sites.
 */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** URL → file in web/ and its content type. Only these are served (not the .d.ts or tsconfig). */
const ASSETS: ReadonlyArray<{ url: string; file: string; type: string }> = [
  { url: DASHBOARD_PATH, file: 'index.html', type: 'text/html; charset=utf-8' },
  { url: `${DASHBOARD_PATH}/dashboard.css`, file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  { url: `${DASHBOARD_PATH}/app.js`, file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { url: `${DASHBOARD_PATH}/view.js`, file: 'view.js', type: 'text/javascript; charset=utf-8' },
];

/** Thrown when a dashboard file cannot be read at start (a broken checkout or install). */
export class DashboardAssetError extends Error {
  readonly code = 'dashboard_asset_missing';
  constructor(
    readonly file: string,
    options: { cause: unknown },
  ) {
    super(`cannot read the dashboard file ${file}: ${(options.cause as Error).message}`, options);
    this.name = 'DashboardAssetError';
  }
}

function readAsset(file: string): Buffer {
  const url = new URL(`./web/${file}`, import.meta.url);
  try {
    return readFileSync(url);
  } catch (cause) {
    throw new DashboardAssetError(url.pathname, { cause });
  }
}

export function registerDashboardRoutes(app: FastifyInstance): void {
  for (const asset of ASSETS) {
    const body = readAsset(asset.file);
    app.get(asset.url, async (_req, reply) => reply.headers(DASHBOARD_HEADERS).type(asset.type).send(body));
  }
  app.get(`${DASHBOARD_PATH}/`, async (_req, reply) => reply.headers(DASHBOARD_HEADERS).redirect(DASHBOARD_PATH, 302));
  // Browsers opening the API's address land on the dashboard; every other client gets the
  // Docker-shaped 404 it got before.
  app.get('/', async (req, reply) => {
    if (!prefersHtml(req.headers.accept)) return reply.callNotFound();
    return reply.headers(DASHBOARD_HEADERS).redirect(DASHBOARD_PATH, 302);
  });
}
