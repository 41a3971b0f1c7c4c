import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { API_VERSION, MIN_API_VERSION } from '../../../src/api/version.js';
import { assertError, MANAGER_ID, setup } from './fixtures.js';

void describe('api: system and swarm routes', () => {
  let app: FastifyInstance;
  before(async () => {
    ({ app } = await setup());
  });
  after(async () => {
    await app.close();
  });

  for (const method of ['GET', 'HEAD'] as const) {
    void it(`${method} /_ping announces the API version and swarm role`, async () => {
      const res = await app.inject({ method, url: '/_ping' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['api-version'], API_VERSION);
      assert.equal(res.headers['docker-experimental'], 'false');
      assert.equal(res.headers['swarm'], 'active/manager');
      assert.equal(res.headers['ostype'], 'linux');
      assert.equal(res.body, method === 'GET' ? 'OK' : '');
    });
  }

  void it('serves every route under a /vX.Y prefix', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1.45/_ping' });
    assert.equal(res.body, 'OK');
    const info = await app.inject({ method: 'GET', url: '/v1.24/info' });
    assert.equal(info.statusCode, 200);
  });

  void it('refuses API versions outside the supported range', async () => {
    assertError(await app.inject({ method: 'GET', url: '/v1.99/info' }), 400, /client version 1\.99 is too new/);
    assertError(await app.inject({ method: 'GET', url: '/v1.12/info' }), 400, /too old. Minimum supported API version is/);
  });

  void it('GET /version reports API and minimum versions', async () => {
    const body = (await app.inject({ method: 'GET', url: '/version' })).json() as Record<string, unknown>;
    assert.equal(body.ApiVersion, API_VERSION);
    assert.equal(body.MinAPIVersion, MIN_API_VERSION);
    assert.equal(body.Version, '0.1.0-test');
    assert.equal(body.Os, 'linux');
  });

  void it('GET /info has the Swarm section docker info and node ls read', async () => {
    const body = (await app.inject({ method: 'GET', url: '/info' })).json() as {
      Swarm: Record<string, unknown> & { Cluster: { ID: string; Spec: { Name: string } } };
      ServerVersion: string;
    };
    assert.equal(body.ServerVersion, '0.1.0-test');
    assert.equal(body.Swarm.LocalNodeState, 'active');
    assert.equal(body.Swarm.NodeID, MANAGER_ID);
    assert.equal(body.Swarm.ControlAvailable, true);
    assert.equal(body.Swarm.Nodes, 2);
    assert.equal(body.Swarm.Managers, 1);
    assert.equal(body.Swarm.Cluster.ID, 'cluster');
    assert.equal(body.Swarm.Cluster.Spec.Name, 'default');
    assert.deepEqual(body.Swarm.RemoteManagers, [{ NodeID: MANAGER_ID, Addr: '10.0.0.1:2377' }]);
  });

  void it('unknown routes are 404 with a {message} body', async () => {
    assertError(await app.inject({ method: 'GET', url: '/v1.45/containers/json' }), 404, /page not found/);
  });

  void it('image digest lookups are 501 (the CLI warns and goes on)', async () => {
    assertError(
      await app.inject({ method: 'GET', url: '/v1.45/distribution/tsswarm/web:latest/json' }),
      501,
      /does not query registries/,
    );
  });

  void it('GET /swarm returns the cluster with join tokens', async () => {
    const body = (await app.inject({ method: 'GET', url: '/swarm' })).json() as Record<string, unknown>;
    assert.equal(body.ID, 'cluster');
    assert.deepEqual(body.JoinTokens, { Worker: 'SWMTKN-1-worker', Manager: 'SWMTKN-1-manager' });
  });

  void it('swarm init/join are 503 pointing at tsswarm init/join, leave too', async () => {
    assertError(await app.inject({ method: 'POST', url: '/swarm/init', payload: {} }), 503, /already part of a swarm.*tsswarm init/);
    assertError(await app.inject({ method: 'POST', url: '/swarm/join', payload: {} }), 503, /already part of a swarm.*tsswarm join/);
    assertError(await app.inject({ method: 'POST', url: '/v1.45/swarm/leave?force=1' }), 503, /Leaving the swarm/);
  });

  void it('secrets and configs: empty lists, 404 on inspect, 501 on create', async () => {
    for (const kind of ['secret', 'config']) {
      const list = await app.inject({ method: 'GET', url: `/v1.45/${kind}s?filters=${encodeURIComponent('{"label":{"a":true}}')}` });
      assert.equal(list.statusCode, 200);
      assert.deepEqual(list.json(), []);
      assertError(await app.inject({ method: 'GET', url: `/${kind}s/x` }), 404, new RegExp(`^${kind} x not found$`));
      assertError(await app.inject({ method: 'POST', url: `/${kind}s/create`, payload: {} }), 501, new RegExp(`does not support ${kind}s`));
    }
  });
});
