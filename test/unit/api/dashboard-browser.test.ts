// The dashboard in a real browser: Debian's headless Chromium loads `/` from a listening
// API server on 127.0.0.1 (redirect, CSP, ES modules, polling) and the DOM it ends with is
// read back. Skipped where /usr/bin/chromium is not installed (apt-get install chromium).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApiServer, startApiServer } from '../../../src/api/server.js';
import type { Store } from '../../../src/store/store.js';
import { addTask, createService, MANAGER_ID, managerInfo, seededStore, serviceSpec, testLog, WORKER_ID } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
/** One browser run; Chromium starts in ~1 s here, the page's virtual time is below. */
const BROWSER_TIMEOUT_MS = 60_000;
/** Virtual time the page gets: enough for several 2 s polls. */
const VIRTUAL_TIME_MS = 9000;
const HOSTILE_HOSTNAME = '<img src=x onerror=alert(1)>';

/** Runs headless Chromium on `url` and resolves to the DOM once the virtual time is spent. */
function dumpDom(url: string): Promise<string> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'tsswarm-dashboard-chromium-'));
  // The flags keep Chromium off the network (this machine has none) and out of the sandbox (root).
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    `--virtual-time-budget=${VIRTUAL_TIME_MS}`,
    '--dump-dom',
    url,
  ];
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM, args, { timeout: BROWSER_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      rmSync(profile, { recursive: true, force: true });
      if (err) reject(new Error(`chromium failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

void describe('dashboard: in headless Chromium', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} not installed` }, () => {
  let store: Store;
  let app: FastifyInstance;
  let base: string;
  /** `/info` answers 503 after this many requests (the API "stops answering"). */
  let infoBudget = Infinity;

  before(async () => {
    store = await seededStore();
    app = buildApiServer({ store, log: testLog, info: managerInfo() });
    app.addHook('onRequest', async (req, reply) => {
      if (req.url === '/info' && infoBudget-- <= 0) return reply.code(503).send({ message: 'no leader (test)' });
      return undefined;
    });
    base = `http://${await startApiServer(app, '127.0.0.1', 0)}`;
    const web = await createService(app, serviceSpec('web'));
    await addTask(store, 'task-web-1', web, { Slot: 1, NodeID: MANAGER_ID });
    await addTask(store, 'task-web-2', web, {
      Slot: 2,
      NodeID: WORKER_ID,
      Status: { Timestamp: new Date().toISOString(), State: 'failed', Message: 'started', Err: '"><script>alert(2)</script>' },
    });
    await store.update((tx) => {
      tx.update('nodes', WORKER_ID, (d) => {
        d.Description.Hostname = HOSTILE_HOSTNAME;
      });
    });
  });
  after(async () => {
    await app.close();
  });

  void it('a browser opening / gets the live dashboard, hostile values shown as text', async () => {
    infoBudget = Infinity;
    const dom = await dumpDom(`${base}/`);
    assert.match(dom, /id="live" class="live live-live"[^>]*>Live: updated \d+ s ago/);
    assert.match(dom, /<th scope="row">mgr-1 <abbr/);
    assert.match(dom, /<th scope="row">web<br>/);
    assert.match(dom, /<td class="num bad">1\/2<\/td>/);
    assert.match(dom, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(dom, /"&gt;&lt;script&gt;alert\(2\)&lt;\/script&gt;/);
    assert.doesNotMatch(dom, /<img/);
    assert.equal((dom.match(/<script/g) ?? []).length, 1, 'only the page\'s own module script');
  });

  void it('when the API stops answering, the indicator says so and the old data is dimmed', async () => {
    infoBudget = 2;
    const dom = await dumpDom(`${base}/dashboard`);
    assert.match(dom, /class="live live-down"[^>]*>The API is not answering, for \d+ s \(GET \/info: HTTP 503 no leader \(test\)\)\. The data below is from \d+ s ago\./);
    assert.match(dom, /<main id="content" class="stale">/);
    assert.match(dom, /<th scope="row">web<br>/);
    assert.match(dom, /<title>tsswarm dashboard \(API not answering\)<\/title>/);
  });
});
