// The dashboard as the API server serves it (fastify inject, the real app over a memory
// store): content types and security headers, the `/` redirect for browsers only, the
// Docker routes and /_ping unchanged, and the JSON the page polls rendered by view.js.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { prefersHtml } from '../../../src/api/dashboard/accept.js';
import { buildModel, renderDashboard, type Snapshot } from '../../../src/api/dashboard/web/view.js';
import type { Store } from '../../../src/store/store.js';
import { API_VERSION } from '../../../src/api/version.js';
import { addTask, assertError, createService, MANAGER_ID, serviceSpec, setup, WORKER_ID } from './fixtures.js';

const WEB_DIR = new URL('../../../src/api/dashboard/web/', import.meta.url);
/** What Chromium sends when it navigates to a page. */
const BROWSER_ACCEPT =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7';

function assertDashboardHeaders(res: LightMyRequestResponse): void {
  assert.equal(res.headers['content-security-policy'], "default-src 'self'");
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
}

function assertNoDashboardHeaders(res: LightMyRequestResponse): void {
  assert.equal(res.headers['content-security-policy'], undefined);
}

void describe('api: dashboard routes', () => {
  let app: FastifyInstance;
  let store: Store;
  before(async () => {
    ({ app, store } = await setup());
  });
  after(async () => {
    await app.close();
  });

  void it('GET /dashboard serves the page: HTML, CSP and nosniff, no inline script or style', async () => {
    const res = await app.inject({ method: 'GET', url: '/dashboard' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assertDashboardHeaders(res);
    assert.match(res.body, /<script type="module" src="\/dashboard\/app\.js"><\/script>/);
    assert.match(res.body, /<link rel="stylesheet" href="\/dashboard\/dashboard\.css">/);
    assert.match(res.body, /Read-only/);
    assert.match(res.body, /id="live"[^>]*role="status"/);
    // default-src 'self' blocks inline code and styles: the page must not need any.
    assert.doesNotMatch(res.body, /<script(?![^>]*\bsrc=)[^>]*>/);
    assert.doesNotMatch(res.body, /<style|\sstyle=|\son[a-z]+=/i);
  });

  for (const [file, type] of [
    ['app.js', 'text/javascript; charset=utf-8'],
    ['view.js', 'text/javascript; charset=utf-8'],
    ['dashboard.css', 'text/css; charset=utf-8'],
  ] as const) {
    void it(`GET /dashboard/${file} is served as ${type}, byte for byte, with the headers`, async () => {
      const res = await app.inject({ method: 'GET', url: `/dashboard/${file}` });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], type);
      assertDashboardHeaders(res);
      assert.equal(res.body, readFileSync(new URL(file, WEB_DIR), 'utf8'));
    });
  }

  void it('every module app.js imports is served as JavaScript', async () => {
    const app_js = readFileSync(new URL('app.js', WEB_DIR), 'utf8');
    const imports = [...app_js.matchAll(/^import .* from '\.\/([\w.-]+)';$/gm)].map((m) => m[1]);
    assert.ok(imports.length > 0, 'app.js imports view.js');
    for (const name of imports) {
      const res = await app.inject({ method: 'GET', url: `/dashboard/${name}` });
      assert.equal(res.statusCode, 200, `/dashboard/${name}`);
      assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
    }
  });

  void it('serves only the listed files: not the .d.ts, the tsconfig or paths outside web/', async () => {
    for (const url of ['/dashboard/view.d.ts', '/dashboard/types.d.ts', '/dashboard/tsconfig.json', '/dashboard/../routes.ts', '/dashboard/index.html']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
    }
  });

  void it('GET /dashboard/ redirects to /dashboard', async () => {
    const res = await app.inject({ method: 'GET', url: '/dashboard/' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/dashboard');
  });

  void it('GET / redirects a browser (Accept prefers HTML) to /dashboard', async () => {
    const res = await app.inject({ method: 'GET', url: '/', headers: { accept: BROWSER_ACCEPT } });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, '/dashboard');
    assertDashboardHeaders(res);
  });

  void it('GET / from the docker CLI, curl or a JSON client is not redirected: the Docker-shaped 404', async () => {
    const clients: Array<Record<string, string>> = [
      { 'user-agent': 'Docker-Client/28.2.2 (linux)' }, // the docker CLI sends no Accept
      { 'user-agent': 'curl/7.88.1', accept: '*/*' },
      { accept: 'application/json' },
      { accept: 'application/json, text/html' },
    ];
    for (const headers of clients) {
      for (const url of ['/', '/v1.45/']) {
        const res = await app.inject({ method: 'GET', url, headers });
        assertError(res, 404, /page not found/);
        assertNoDashboardHeaders(res);
      }
    }
  });

  void it('/_ping is unchanged, whatever the Accept header', async () => {
    for (const accept of [undefined, BROWSER_ACCEPT]) {
      for (const method of ['GET', 'HEAD'] as const) {
        const res = await app.inject({ method, url: '/_ping', headers: accept ? { accept } : {} });
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['api-version'], API_VERSION);
        assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
        assert.equal(res.body, method === 'GET' ? 'OK' : '');
        assertNoDashboardHeaders(res);
      }
    }
  });

  void it('the JSON routes the page polls answer as before (application/json, no dashboard headers)', async () => {
    const app_js = readFileSync(new URL('app.js', WEB_DIR), 'utf8');
    const polled = [...app_js.matchAll(/getJson\('([^']+)'\)/g)].map((m) => m[1] ?? '');
    assert.deepEqual(polled.map((p) => p.split('?')[0]).sort(), ['/info', '/networks', '/nodes', '/services', '/tasks']);
    for (const url of [...polled, ...polled.map((p) => `/v1.45${p}`)]) {
      const res = await app.inject({ method: 'GET', url, headers: { accept: BROWSER_ACCEPT } });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      assert.equal(res.headers['content-type'], 'application/json');
      assertNoDashboardHeaders(res);
    }
  });

  void it('the page model from the real API JSON: summary, nodes, services with their tasks', async () => {
    const web = await createService(app, serviceSpec('web', { Labels: { 'com.tsswarm.min-available': '50%' } }));
    await addTask(store, 'task-web-1', web, { Slot: 1, NodeID: MANAGER_ID });
    await addTask(store, 'task-web-2', web, {
      Slot: 2,
      NodeID: WORKER_ID,
      Status: { Timestamp: new Date().toISOString(), State: 'failed', Message: 'started', Err: 'exit code 3' },
    });
    const get = async (url: string): Promise<unknown> => (await app.inject({ method: 'GET', url })).json();
    const snap = {
      info: await get('/info'),
      nodes: await get('/nodes'),
      services: await get('/services?status=true'),
      tasks: await get('/tasks'),
      networks: await get('/networks'),
    } as Snapshot;
    const model = buildModel(snap, Date.now());
    assert.equal(model.summary.managers, 1);
    assert.equal(model.summary.leader, 'mgr-1');
    assert.equal(model.summary.nodesReady, 2);
    assert.equal(model.summary.tasksRunning, 1);
    assert.deepEqual(
      model.nodes.map((n) => [n.hostname, n.role, n.self, n.managerStatus, n.tasksRunning]),
      [
        ['mgr-1', 'manager', true, 'Leader', 1],
        ['wrk-1', 'worker', false, '', 0],
      ],
    );
    const svc = model.services.find((s) => s.name === 'web');
    assert.ok(svc);
    assert.equal(svc.replicas, '1/2');
    assert.equal(svc.minAvailable, '50% (1)');
    assert.equal(svc.update, 'up to date');
    assert.deepEqual(
      svc.tasks.map((t) => [t.slot, t.node, t.state, t.error]),
      [
        ['1', 'mgr-1', 'running', ''],
        ['2', 'wrk-1', 'failed', 'exit code 3'],
      ],
    );
    const markup = renderDashboard(model).value;
    assert.match(markup, /<th scope="row">web<br>/);
    assert.match(markup, /exit code 3/);
  });
});

void describe('dashboard: Accept negotiation for GET /', () => {
  const cases: Array<[string | undefined, boolean]> = [
    [BROWSER_ACCEPT, true],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', true], // Firefox, Safari
    ['text/html', true],
    ['application/xhtml+xml', true],
    ['TEXT/HTML; q=0.5', true],
    [undefined, false], // docker CLI
    ['', false],
    ['*/*', false], // curl
    ['text/*', false],
    ['application/json', false],
    ['application/json, text/html', false], // a tie goes to the API
    ['text/html;q=0.5, application/json', false],
    ['text/html;q=0', false],
    ['text/html;q=0.9, */*;q=0.1', true],
    ['text/html;q=0.2, */*;q=0.8', false],
    ['garbage', false],
  ];
  for (const [accept, want] of cases) {
    void it(`${JSON.stringify(accept)} → ${want ? 'dashboard' : 'API'}`, () => {
      assert.equal(prefersHtml(accept), want);
    });
  }
});
