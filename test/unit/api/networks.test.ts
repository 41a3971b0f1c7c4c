import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../../src/store/store.js';
import { assertError, dump, serviceSpec, setup } from './fixtures.js';

interface NetJson {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
  Ingress: boolean;
  IPAM: { Config: Array<{ Subnet: string }> };
}

void describe('api: networks', () => {
  let app: FastifyInstance;
  let store: Store;
  beforeEach(async () => {
    ({ app, store } = await setup());
  });
  afterEach(async () => {
    await app.close();
  });

  const create = (payload: unknown) => app.inject({ method: 'POST', url: '/v1.45/networks/create', payload: payload as object });
  const list = async (filters?: unknown) => {
    const url = filters ? `/networks?filters=${encodeURIComponent(JSON.stringify(filters))}` : '/networks';
    return ((await app.inject({ method: 'GET', url })).json() as NetJson[]).map((n) => n.Name);
  };

  void it('creates an overlay network (201 {Id}) and serves it in Docker shape', async () => {
    const res = await create({ Name: 'appnet', Driver: 'overlay', Labels: { team: 'a' } });
    assert.equal(res.statusCode, 201, res.body);
    const { Id } = res.json() as { Id: string };
    for (const ref of [Id, 'appnet', Id.slice(0, 5)]) {
      const n = (await app.inject({ method: 'GET', url: `/v1.45/networks/${ref}` })).json() as NetJson;
      assert.equal(n.Id, Id);
      assert.equal(n.Driver, 'overlay');
      assert.equal(n.Scope, 'swarm');
      assert.ok(n.IPAM.Config[0]?.Subnet);
    }
    assert.deepEqual(await list({ label: ['team=a'] }), ['appnet']);
    assert.deepEqual(await list({ driver: { bridge: true } }), []);
    assertError(await app.inject({ method: 'GET', url: '/networks/nope' }), 404, /^network nope not found$/);
  });

  void it('refuses bad creates with the allocator message and changes nothing', async () => {
    await create({ Name: 'appnet', Driver: 'overlay' });
    const before = dump(store);
    assertError(await create({ Name: 'other', Driver: 'bridge' }), 400, /network driver "bridge" is not supported/);
    assertError(await create({ Name: 'appnet', Driver: 'overlay' }), 409, /network with name appnet already exists/);
    assertError(await create({ Name: '-x' }), 400, /invalid network name/);
    assertError(await create([1]), 400, /must be a JSON NetworkCreateRequest object/);
    assert.equal(dump(store), before);
  });

  void it('services may attach to existing networks only, and never to ingress explicitly', async () => {
    await create({ Name: 'ingress', Driver: 'overlay', Ingress: true });
    const { Id } = (await create({ Name: 'appnet', Driver: 'overlay' })).json() as { Id: string };
    const before = dump(store);
    const withNet = (target: string) =>
      serviceSpec('api', { TaskTemplate: { ContainerSpec: { Image: 'x' }, Networks: [{ Target: target }] } });
    const post = (payload: unknown) => app.inject({ method: 'POST', url: '/services/create', payload: payload as object });
    assertError(await post(withNet('nope')), 400, /Spec\.TaskTemplate\.Networks\[0\]\.Target: network nope not found/);
    assertError(await post(withNet('ingress')), 400, /cannot be attached to the ingress network explicitly/);
    assertError(await post(serviceSpec('api', { TaskTemplate: { ContainerSpec: { Image: 'x' }, Networks: [{}] as never } })), 400, /Networks\[0\]\.Target is required/);
    assert.equal(dump(store), before);
    assert.equal((await post(withNet(Id))).statusCode, 201);

    // In use: refused; after the service goes, removed with 204.
    assertError(await app.inject({ method: 'DELETE', url: '/networks/appnet' }), 409, /in use by service api/);
    await app.inject({ method: 'DELETE', url: '/services/api' });
    const res = await app.inject({ method: 'DELETE', url: `/v1.45/networks/${Id}` });
    assert.equal(res.statusCode, 204, res.body);
    assert.deepEqual(await list(), ['ingress']);
    assertError(await app.inject({ method: 'DELETE', url: '/networks/appnet' }), 404, /network appnet not found/);
  });
});
