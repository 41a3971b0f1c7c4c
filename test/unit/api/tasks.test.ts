import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../../src/store/store.js';
import type { Task } from '../../../src/store/objects.js';
import { addTask, assertError, createService, MANAGER_ID, serviceSpec, setup, WORKER_ID } from './fixtures.js';

void describe('api: tasks', () => {
  let app: FastifyInstance;
  let store: Store;
  let web: string;
  let db: string;
  beforeEach(async () => {
    ({ app, store } = await setup());
    web = await createService(app, serviceSpec('web'));
    db = await createService(app, serviceSpec('db'));
    await addTask(store, 'task-web-1', web, { Slot: 1, NodeID: MANAGER_ID });
    await addTask(store, 'task-web-2', web, { Slot: 2, NodeID: WORKER_ID, DesiredState: 'shutdown' });
    await addTask(store, 'task-db-1', db, { Slot: 1, NodeID: WORKER_ID, Labels: { role: 'primary' } });
  });
  afterEach(async () => {
    await app.close();
  });

  const ids = async (filters?: unknown) => {
    const url = filters ? `/v1.45/tasks?filters=${encodeURIComponent(JSON.stringify(filters))}` : '/tasks';
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, res.body);
    return (res.json() as Task[]).map((t) => t.ID).sort();
  };

  void it('lists all tasks and filters by service ID or name, node, desired-state, id, name, label', async () => {
    assert.deepEqual(await ids(), ['task-db-1', 'task-web-1', 'task-web-2']);
    assert.deepEqual(await ids({ service: { web: true } }), ['task-web-1', 'task-web-2']);
    assert.deepEqual(await ids({ service: [db] }), ['task-db-1']);
    assert.deepEqual(await ids({ node: ['wrk-1'] }), ['task-db-1', 'task-web-2']);
    assert.deepEqual(await ids({ node: [MANAGER_ID] }), ['task-web-1']);
    assert.deepEqual(await ids({ 'desired-state': ['running'] }), ['task-db-1', 'task-web-1']);
    assert.deepEqual(await ids({ id: ['task-web'] }), ['task-web-1', 'task-web-2']);
    assert.deepEqual(await ids({ name: ['web.2'] }), ['task-web-2']);
    assert.deepEqual(await ids({ label: ['role=primary'] }), ['task-db-1']);
    // The label filter also sees the service's labels (how `docker stack ps` finds tasks).
    const v = store.get('services', db)?.Version.Index ?? 0;
    await app.inject({ method: 'POST', url: `/services/db/update?version=${v}`, payload: serviceSpec('db', { Labels: { stack: 's1' } }) });
    assert.deepEqual(await ids({ label: ['stack=s1'] }), ['task-db-1']);
    assert.deepEqual(await ids({ service: ['web'], 'desired-state': ['running'] }), ['task-web-1']);
  });

  void it('_up-to-date keeps tasks built from the current task template', async () => {
    assert.deepEqual(await ids({ service: [web], '_up-to-date': ['true'] }), ['task-web-1', 'task-web-2']);
    const v = store.get('services', web)?.Version.Index ?? 0;
    const spec = serviceSpec('web', { TaskTemplate: { ContainerSpec: { Image: 'tsswarm/web:2' } } });
    const res = await app.inject({ method: 'POST', url: `/services/web/update?version=${v}`, payload: spec });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(await ids({ service: [web], '_up-to-date': ['true'] }), []);
  });

  void it('refuses unknown services/nodes (404) and bad filters (400)', async () => {
    const get = (filters: unknown) => app.inject({ method: 'GET', url: `/tasks?filters=${encodeURIComponent(JSON.stringify(filters))}` });
    assertError(await get({ service: ['nope'] }), 404, /^service nope not found$/);
    assertError(await get({ node: ['nope'] }), 404, /^node nope not found$/);
    assertError(await get({ 'desired-state': ['sleeping'] }), 400, /desired-state=sleeping/);
    assertError(await get({ colour: ['x'] }), 400, /invalid filter 'colour'/);
  });

  void it('inspects a task by ID or prefix; 404 otherwise; logs are 501', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1.45/tasks/task-db' });
    assert.equal(res.statusCode, 200);
    assert.equal((res.json() as Task).ID, 'task-db-1');
    assertError(await app.inject({ method: 'GET', url: '/tasks/task-web' }), 400, /ambiguous/);
    assertError(await app.inject({ method: 'GET', url: '/tasks/zzz' }), 404, /^task zzz not found$/);
    assertError(await app.inject({ method: 'GET', url: '/tasks/task-db-1/logs' }), 501, /task logs are not collected/);
  });
});
