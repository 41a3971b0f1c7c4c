import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../../src/store/store.js';
import type { Node } from '../../../src/store/objects.js';
import { assertError, dump, MANAGER_ID, setup, WORKER_ID } from './fixtures.js';

void describe('api: nodes', () => {
  let app: FastifyInstance;
  let store: Store;
  beforeEach(async () => {
    ({ app, store } = await setup());
  });
  afterEach(async () => {
    await app.close();
  });

  const ids = async (url: string) => ((await app.inject({ method: 'GET', url })).json() as Node[]).map((n) => n.ID);
  const f = (filters: unknown) => `/v1.45/nodes?filters=${encodeURIComponent(JSON.stringify(filters))}`;
  const version = (id: string) => (store.get('nodes', id) as Node).Version.Index;

  void it('lists nodes with id, name, role, membership and label filters', async () => {
    assert.deepEqual((await ids('/nodes')).sort(), [MANAGER_ID, WORKER_ID].sort());
    assert.deepEqual(await ids(f({ role: { manager: true } })), [MANAGER_ID]);
    assert.deepEqual(await ids(f({ role: ['worker'] })), [WORKER_ID]);
    assert.deepEqual(await ids(f({ name: ['wrk'] })), [WORKER_ID]);
    assert.deepEqual(await ids(f({ id: [WORKER_ID.slice(0, 3)] })), [WORKER_ID]);
    assert.deepEqual((await ids(f({ membership: ['accepted'] }))).length, 2);
    assert.deepEqual(await ids(f({ membership: ['pending'] })), []);
    assert.deepEqual(await ids(f({ label: ['zone=b'] })), [WORKER_ID]);
    assertError(await app.inject({ method: 'GET', url: f({ colour: ['x'] }) }), 400, /invalid filter 'colour'/);
  });

  void it('inspects by ID, prefix, hostname and self; 404 otherwise', async () => {
    for (const [ref, id] of [[WORKER_ID, WORKER_ID], [WORKER_ID.slice(0, 4), WORKER_ID], ['wrk-1', WORKER_ID], ['self', MANAGER_ID]]) {
      const res = await app.inject({ method: 'GET', url: `/v1.45/nodes/${ref}` });
      assert.equal(res.statusCode, 200, `${ref}: ${res.body}`);
      assert.equal((res.json() as Node).ID, id);
    }
    assertError(await app.inject({ method: 'GET', url: '/nodes/foo' }), 404, /^node foo not found$/);
  });

  void it('updates the spec (availability, labels) with the current version', async () => {
    const v = version(WORKER_ID);
    const res = await app.inject({
      method: 'POST',
      url: `/v1.45/nodes/wrk-1/update?version=${v}`,
      payload: { Availability: 'drain', Labels: { disk: 'ssd' }, Role: 'worker' },
    });
    assert.equal(res.statusCode, 200, res.body);
    const n = store.get('nodes', WORKER_ID) as Node;
    assert.deepEqual(n.Spec, { Availability: 'drain', Labels: { disk: 'ssd' }, Role: 'worker' });
  });

  void it('refuses to promote a worker that reported no manager addresses, naming the flags', async () => {
    const before = dump(store);
    const res = await app.inject({ method: 'POST', url: `/nodes/${WORKER_ID}/update?version=${version(WORKER_ID)}`, payload: { Role: 'manager', Availability: 'active' } });
    assertError(res, 400, /cannot promote wrk-1: it did not report the addresses .*--raft-addr HOST:PORT --api-addr HOST:PORT/);
    assert.equal(dump(store), before);
  });

  void it('promotion records the desired role only; a demotion before it joined cancels it', async () => {
    await store.update((tx) =>
      tx.update('nodes', WORKER_ID, (n) => {
        n.Status = { State: 'ready', Addr: '10.0.0.7' };
        n.ManagerEndpoints = { Addr: ':2377', RaftAddr: ':2378', ApiAddr: '127.0.0.1:2375' };
      }),
    );
    const promote = await app.inject({ method: 'POST', url: `/nodes/${WORKER_ID}/update?version=${version(WORKER_ID)}`, payload: { Role: 'manager', Availability: 'active' } });
    assert.equal(promote.statusCode, 200, promote.body);
    const n = store.get('nodes', WORKER_ID) as Node;
    assert.equal(n.Spec.Role, 'manager');
    assert.equal(n.ManagerStatus, undefined, 'a Raft member only once its replica joins');
    const again = await app.inject({ method: 'POST', url: `/nodes/${WORKER_ID}/update?version=${version(WORKER_ID)}`, payload: { Role: 'manager', Availability: 'active' } });
    assert.equal(again.statusCode, 200, 'setting the same role again changes nothing');
    const demote = await app.inject({ method: 'POST', url: `/nodes/${WORKER_ID}/update?version=${version(WORKER_ID)}`, payload: { Role: 'worker', Availability: 'active' } });
    assert.equal(demote.statusCode, 200, demote.body);
    assert.equal((store.get('nodes', WORKER_ID) as Node).Spec.Role, 'worker');
  });

  void it('refuses bad updates and leaves the store unchanged', async () => {
    const before = dump(store);
    const v = version(WORKER_ID);
    const upd = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });
    assertError(await upd(`/nodes/${WORKER_ID}/update?version=${v + 5}`, { Role: 'worker', Availability: 'active' }), 409, /update out of sequence/);
    assertError(await upd(`/nodes/${WORKER_ID}/update`, { Role: 'worker' }), 400, /invalid version/);
    assertError(await upd(`/nodes/${WORKER_ID}/update?version=${v}`, { Availability: 'sleep' }), 400, /NodeSpec\.Availability must be one of active, pause, drain/);
    assertError(await upd(`/nodes/${WORKER_ID}/update?version=${v}`, { Role: 'boss' }), 400, /NodeSpec\.Role must be one of worker, manager/);
    assertError(await upd(`/nodes/${WORKER_ID}/update?version=${v}`, { Labels: { a: 1 } }), 400, /NodeSpec\.Labels\.a must be a string/);
    assertError(await upd(`/nodes/nope/update?version=1`, {}), 404, /node nope not found/);
    assertError(
      await upd(`/nodes/${MANAGER_ID}/update?version=${version(MANAGER_ID)}`, { Role: 'worker', Availability: 'active' }),
      400,
      /cannot demote mgr-1: it is the last manager of the cluster/,
    );
    assert.equal(dump(store), before);
  });

  void it('removes a down worker; refuses a ready one without force and any manager', async () => {
    const before = dump(store);
    assertError(await app.inject({ method: 'DELETE', url: `/nodes/${WORKER_ID}` }), 409, /is not down and can't be removed/);
    assertError(await app.inject({ method: 'DELETE', url: `/nodes/${MANAGER_ID}?force=1` }), 409, /must be demoted to worker before removal/);
    assertError(await app.inject({ method: 'DELETE', url: '/nodes/nope' }), 404, /node nope not found/);
    assert.equal(dump(store), before);

    const res = await app.inject({ method: 'DELETE', url: '/v1.45/nodes/wrk-1?force=true' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(store.get('nodes', WORKER_ID), undefined);
  });

  void it('removes a down worker without force', async () => {
    await store.update((tx) => tx.update('nodes', WORKER_ID, (n) => void (n.Status.State = 'down')));
    const res = await app.inject({ method: 'DELETE', url: `/nodes/${WORKER_ID}` });
    assert.equal(res.statusCode, 200, res.body);
  });
});
