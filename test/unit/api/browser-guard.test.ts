import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { hostPart } from '../../../src/api/browser-guard.js';
import { assertError, setup } from './fixtures.js';

const SPEC = JSON.stringify({ Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'tsswarm/web' } }, Mode: { Replicated: { Replicas: 1 } } });

void describe('api: browser guard (cross-site requests, DNS rebinding)', () => {
  let app: FastifyInstance;
  before(async () => {
    ({ app } = await setup());
  });
  after(async () => {
    await app.close();
  });

  const create = (headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/services/create', headers: { 'content-type': 'text/plain', host: '127.0.0.1:2375', ...headers }, payload: SPEC });
  const serviceCount = async (): Promise<number> => (JSON.parse((await app.inject({ method: 'GET', url: '/services', headers: { host: '127.0.0.1:2375' } })).body) as unknown[]).length;

  void it('a page on another site cannot create a service', async () => {
    assertError(await create({ origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }), 403, /cross-origin request from http:\/\/evil\.example refused/);
    assertError(await create({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }), 403, /cross-site request refused/);
    assertError(await create({ origin: 'null' }), 403, /cross-site request refused/);
    assertError(await create({ origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'same-site' }), 403, /cross-origin/);
    assert.equal(await serviceCount(), 0);
  });

  void it('a rebound name (Host is not an address or localhost) is refused for browsers', async () => {
    const res = await app.inject({ method: 'GET', url: '/services', headers: { host: 'evil.example:2375', 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' } });
    assertError(res, 403, /host "evil\.example:2375" refused.*DNS rebinding/);
  });

  void it('the API’s own pages, the docker CLI and plain programs pass', async () => {
    const own = await app.inject({ method: 'GET', url: '/services', headers: { host: '127.0.0.1:2375', origin: 'http://127.0.0.1:2375', 'sec-fetch-site': 'same-origin' } });
    assert.equal(own.statusCode, 200);
    const local = await app.inject({ method: 'GET', url: '/info', headers: { host: 'localhost:2375', 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' } });
    assert.equal(local.statusCode, 200);
    // The docker CLI: no Origin, no Sec-Fetch-*, whatever Host it was given.
    const cli = await app.inject({ method: 'POST', url: '/v1.45/services/create', headers: { host: 'manager.example:2375', 'content-type': 'application/json' }, payload: SPEC });
    assert.equal(cli.statusCode, 201, cli.body);
    assert.equal(await serviceCount(), 1);
  });

  void it('hostPart takes the name out of a Host header', () => {
    assert.equal(hostPart('127.0.0.1:2375'), '127.0.0.1');
    assert.equal(hostPart('[::1]:2375'), '::1');
    assert.equal(hostPart('LocalHost'), 'localhost');
  });
});
