import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../../src/store/store.js';
import type { Service } from '../../../src/store/objects.js';
import { addTask, assertError, createService, dump, serviceSpec, setup } from './fixtures.js';

void describe('api: services', () => {
  let app: FastifyInstance;
  let store: Store;
  beforeEach(async () => {
    ({ app, store } = await setup());
  });
  afterEach(async () => {
    await app.close();
  });

  const get = async (url: string) => app.inject({ method: 'GET', url });
  const post = async (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });

  void describe('create', () => {
    void it('stores a normalized service and answers 201 {ID, Warnings}', async () => {
      const spec = serviceSpec('web', {
        EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 8080 } as never, { TargetPort: 443 } as never] },
      });
      const res = await post('/v1.45/services/create', spec);
      assert.equal(res.statusCode, 201);
      const body = res.json() as { ID: string; Warnings: string[] };
      assert.match(body.ID, /^[a-z0-9]{25}$/);
      assert.deepEqual(body.Warnings, []);
      const s = store.get('services', body.ID) as Service;
      assert.equal(s.Spec.Name, 'web');
      assert.deepEqual(s.Spec.TaskTemplate.RestartPolicy, { Condition: 'any', MaxAttempts: 0, Delay: 5_000_000_000 });
      assert.equal(s.Spec.EndpointSpec?.Mode, 'vip');
      assert.deepEqual(s.Endpoint.Ports, [
        { TargetPort: 80, PublishedPort: 8080, Protocol: 'tcp', PublishMode: 'ingress' },
        { TargetPort: 443, Protocol: 'tcp', PublishMode: 'ingress' },
      ]);
      assert.equal(s.Endpoint.Spec.Mode, 'vip');
      assert.ok(s.Version.Index > 0);
    });

    void it('defaults a missing Mode to one replica and keeps fields it does not know', async () => {
      const spec = { Name: 'api', TaskTemplate: { ContainerSpec: { Image: 'x', Init: true }, Runtime: 'container' } };
      const id = await createService(app, spec);
      const s = store.get('services', id) as Service & { Spec: { TaskTemplate: Record<string, unknown> } };
      assert.deepEqual(s.Spec.Mode, { Replicated: { Replicas: 1 } });
      assert.equal(s.Spec.TaskTemplate.Runtime, 'container');
      assert.equal((s.Spec.TaskTemplate.ContainerSpec as unknown as Record<string, unknown>).Init, true);
    });

    const refused: Array<[string, unknown, number, RegExp]> = [
      ['replicas -1', serviceSpec('a', { Mode: { Replicated: { Replicas: -1 } } }), 400, /Spec\.Mode\.Replicated\.Replicas must be >= 0, got -1/],
      ['replicas "abc"', serviceSpec('a', { Mode: { Replicated: { Replicas: 'abc' as never } } }), 400, /Replicas must be an integer, got string "abc"/],
      ['replicas 1.5', serviceSpec('a', { Mode: { Replicated: { Replicas: 1.5 } } }), 400, /Replicas must be an integer/],
      ['two modes', serviceSpec('a', { Mode: { Replicated: { Replicas: 1 }, Global: {} } }), 400, /exactly one of/],
      ['unknown mode', serviceSpec('a', { Mode: { Daemon: {} } as never }), 400, /Spec\.Mode\.Daemon is not a service mode/],
      ['no name', serviceSpec(''), 400, /Spec\.Name is required/],
      ['bad name', serviceSpec('-web'), 400, /Spec\.Name "-web" is invalid/],
      ['long name', serviceSpec('a'.repeat(64)), 400, /at most 63/],
      ['no image', serviceSpec('a', { TaskTemplate: { ContainerSpec: { Image: '' } } }), 400, /ContainerSpec\.Image is required/],
      ['no task template', { Name: 'a', Mode: {} }, 400, /Spec\.TaskTemplate is required/],
      ['target port 0', serviceSpec('a', { EndpointSpec: { Ports: [{ TargetPort: 0 } as never] } }), 400, /Ports\[0\]\.TargetPort must be between 1 and 65535, got 0/],
      ['published 70000', serviceSpec('a', { EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 70000 } as never] } }), 400, /Ports\[0\]\.PublishedPort must be between 0 and 65535/],
      ['bad protocol', serviceSpec('a', { EndpointSpec: { Ports: [{ TargetPort: 80, Protocol: 'icmp' } as never] } }), 400, /Protocol must be one of tcp, udp, sctp/],
      ['bad publish mode', serviceSpec('a', { EndpointSpec: { Ports: [{ TargetPort: 80, PublishMode: 'x' } as never] } }), 400, /PublishMode must be one of ingress, host/],
      [
        'duplicate published port',
        serviceSpec('a', { EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 80 } as never, { TargetPort: 81, PublishedPort: 80 } as never] } }),
        400,
        /Ports\[1\]: published port 80\/tcp is used more than once/,
      ],
      ['bad env', serviceSpec('a', { TaskTemplate: { ContainerSpec: { Image: 'x', Env: ['=x'] } } }), 400, /Env\[0\] "=x" is invalid/],
      ['bad constraint', serviceSpec('a', { TaskTemplate: { ContainerSpec: { Image: 'x' }, Placement: { Constraints: ['node.role=manager'] } } }), 400, /Constraints\[0\] "node\.role=manager" is invalid: expected key==value or key!=value/],
      ['bad restart condition', serviceSpec('a', { TaskTemplate: { ContainerSpec: { Image: 'x' }, RestartPolicy: { Condition: 'always' as never } } }), 400, /RestartPolicy\.Condition must be one of none, on-failure, any/],
      ['array body', [1, 2], 400, /must be a JSON ServiceSpec object/],
    ];
    for (const [what, spec, status, message] of refused) {
      void it(`refuses ${what} and leaves the store unchanged`, async () => {
        const before = dump(store);
        assertError(await post('/v1.45/services/create', spec), status, message);
        assert.equal(dump(store), before);
      });
    }

    void it('refuses malformed JSON with a {message} naming the problem', async () => {
      const before = dump(store);
      const res = await app.inject({
        method: 'POST',
        url: '/v1.45/services/create',
        headers: { 'content-type': 'application/json' },
        payload: '{"Name": "web",',
      });
      assertError(res, 400, /malformed JSON in request body/);
      assert.equal(dump(store), before);
    });

    void it('refuses an empty body', async () => {
      assertError(await app.inject({ method: 'POST', url: '/services/create' }), 400, /must be a JSON ServiceSpec object/);
    });

    void it('refuses a duplicate name with 409', async () => {
      await createService(app, serviceSpec('web'));
      const before = dump(store);
      assertError(await post('/services/create', serviceSpec('web')), 409, /^service with name web already exists$/);
      assert.equal(dump(store), before);
    });

    void it('refuses an ingress port published by another service with 409 naming it', async () => {
      const ports = { Ports: [{ TargetPort: 80, PublishedPort: 8080, Protocol: 'tcp' as const, PublishMode: 'ingress' as const }] };
      await createService(app, serviceSpec('web', { EndpointSpec: ports }));
      const before = dump(store);
      assertError(await post('/services/create', serviceSpec('other', { EndpointSpec: ports })), 409, /port '8080\/tcp' is already in use by service 'web'/);
      assert.equal(dump(store), before);
      // Same number over udp is a different port.
      const udp = { Ports: [{ TargetPort: 53, PublishedPort: 8080, Protocol: 'udp' as const, PublishMode: 'ingress' as const }] };
      await createService(app, serviceSpec('dns', { EndpointSpec: udp }));
    });

    void it('refuses writes on a follower with 503', async () => {
      await app.close();
      ({ app, store } = await setup({ isLeader: () => false }));
      assertError(await post('/services/create', serviceSpec('web')), 503, /not the leader/);
    });
  });

  void describe('list and inspect', () => {
    void it('lists with filters in both encodings and adds ServiceStatus with status=true', async () => {
      const web = await createService(app, serviceSpec('web', { Labels: { tier: 'front' } }));
      await createService(app, serviceSpec('db', { Mode: { Global: {} } }));
      await addTask(store, 't1', web, { Slot: 1 });
      await addTask(store, 't2', web, { Slot: 2, Status: { State: 'pending', Timestamp: '', Message: '' } });
      await addTask(store, 't3', web, { Slot: 3, DesiredState: 'shutdown' });

      const names = (r: { json(): unknown }) => (r.json() as Service[]).map((s) => s.Spec.Name);
      assert.deepEqual(names(await get('/services')), ['db', 'web']);
      const enc = (f: unknown) => `/v1.45/services?filters=${encodeURIComponent(JSON.stringify(f))}`;
      assert.deepEqual(names(await get(enc({ name: { web: true } }))), ['web']);
      assert.deepEqual(names(await get(enc({ name: ['we'] }))), ['web']);
      assert.deepEqual(names(await get(enc({ mode: ['global'] }))), ['db']);
      assert.deepEqual(names(await get(enc({ label: ['tier=front'] }))), ['web']);
      assert.deepEqual(names(await get(enc({ label: ['tier=back'] }))), []);
      assert.deepEqual(names(await get(enc({ id: [web.slice(0, 5)] }))), ['web']);

      const withStatus = (await get('/services?status=true')).json() as Array<Service & { ServiceStatus: unknown }>;
      const webStatus = withStatus.find((s) => s.Spec.Name === 'web')?.ServiceStatus;
      assert.deepEqual(webStatus, { RunningTasks: 1, DesiredTasks: 2, CompletedTasks: 0 });
      assert.equal(((await get('/services')).json() as Array<Record<string, unknown>>)[0]?.ServiceStatus, undefined);
    });

    void it('refuses bad filters with 400', async () => {
      assertError(await get('/services?filters=notjson'), 400, /invalid filters parameter: not JSON/);
      assertError(await get(`/services?filters=${encodeURIComponent('{"colour":["red"]}')}`), 400, /invalid filter 'colour'/);
      assertError(await get(`/services?filters=${encodeURIComponent('{"name":"web"}')}`), 400, /invalid filter 'name'/);
      assertError(await get(`/services?filters=${encodeURIComponent('[1]')}`), 400, /expected a JSON object/);
    });

    void it('inspects by ID, name and unique ID prefix; 404 otherwise', async () => {
      const id = await createService(app, serviceSpec('web'));
      for (const ref of [id, 'web', id.slice(0, 6)]) {
        const res = await get(`/v1.45/services/${ref}?insertDefaults=false`);
        assert.equal(res.statusCode, 200);
        assert.equal((res.json() as Service).ID, id);
      }
      assertError(await get('/services/foo'), 404, /^service foo not found$/);
      const withDefaults = (await get('/services/web?insertDefaults=true')).json() as Service;
      assert.equal(withDefaults.Spec.TaskTemplate.ContainerSpec.StopGracePeriod, 10_000_000_000);
      assert.deepEqual(withDefaults.Spec.UpdateConfig, { Parallelism: 1, Order: 'stop-first' });
      assert.equal((store.get('services', id) as Service).Spec.UpdateConfig, undefined);
    });
  });

  void describe('update', () => {
    void it('replaces the spec, keeps PreviousSpec, and needs the current version', async () => {
      const id = await createService(app, serviceSpec('web'));
      const v = (store.get('services', id) as Service).Version.Index;
      const res = await post(`/v1.45/services/web/update?version=${v}`, serviceSpec('web', { Mode: { Replicated: { Replicas: 5 } } }));
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { Warnings: [] });
      const s = store.get('services', id) as Service;
      assert.equal(s.Spec.Mode.Replicated?.Replicas, 5);
      assert.equal(s.PreviousSpec?.Mode.Replicated?.Replicas, 2);
      assert.ok(s.Version.Index > v);

      const before = dump(store);
      assertError(await post(`/services/${id}/update?version=${v}`, serviceSpec('web')), 409, /update out of sequence/);
      assertError(await post(`/services/${id}/update`, serviceSpec('web')), 400, /invalid version ''/);
      assertError(await post(`/services/${id}/update?version=abc`, serviceSpec('web')), 400, /invalid version 'abc'/);
      assertError(await post(`/services/nope/update?version=1`, serviceSpec('nope')), 404, /service nope not found/);
      const cur = s.Version.Index;
      assertError(await post(`/services/${id}/update?version=${cur}`, serviceSpec('web2')), 400, /renaming services is not supported/);
      assertError(await post(`/services/${id}/update?version=${cur}`, serviceSpec('web', { Mode: { Global: {} } })), 400, /mode change is not allowed/);
      assertError(await post(`/services/${id}/update?version=${cur}`, serviceSpec('web', { Mode: { Replicated: { Replicas: -1 } } })), 400, /Replicas must be >= 0/);
      assert.equal(dump(store), before);
    });

    void it('rollback=previous swaps Spec and PreviousSpec; 400 without a previous spec', async () => {
      const id = await createService(app, serviceSpec('web'));
      let s = store.get('services', id) as Service;
      assertError(await post(`/services/${id}/update?version=${s.Version.Index}&rollback=previous`, s.Spec), 400, /does not have a previous spec/);
      await post(`/services/${id}/update?version=${s.Version.Index}`, serviceSpec('web', { Mode: { Replicated: { Replicas: 7 } } }));
      s = store.get('services', id) as Service;
      const res = await post(`/services/${id}/update?version=${s.Version.Index}&rollback=previous`, s.Spec);
      assert.equal(res.statusCode, 200, res.body);
      s = store.get('services', id) as Service;
      assert.equal(s.Spec.Mode.Replicated?.Replicas, 2);
      assert.equal(s.PreviousSpec?.Mode.Replicated?.Replicas, 7);
    });

    void it('keeps auto-assigned published ports across updates and checks port conflicts', async () => {
      const id = await createService(app, serviceSpec('web', { EndpointSpec: { Ports: [{ TargetPort: 80 } as never] } }));
      // The port allocator (not the API) fills PublishedPort in.
      await store.update((tx) =>
        tx.update('services', id, (d) => {
          d.Endpoint.Ports = [{ TargetPort: 80, Protocol: 'tcp', PublishMode: 'ingress', PublishedPort: 30000 }];
        }),
      );
      const v = (store.get('services', id) as Service).Version.Index;
      await post(`/services/${id}/update?version=${v}`, serviceSpec('web', { EndpointSpec: { Ports: [{ TargetPort: 80 } as never] } }));
      assert.equal((store.get('services', id) as Service).Endpoint.Ports?.[0]?.PublishedPort, 30000);

      await createService(app, serviceSpec('other'));
      const o = store.get('services', (await get('/services/other')).json<Service>().ID) as Service;
      const before = dump(store);
      assertError(
        await post(`/services/other/update?version=${o.Version.Index}`, serviceSpec('other', { EndpointSpec: { Ports: [{ TargetPort: 1, PublishedPort: 30000 } as never] } })),
        409,
        /port '30000\/tcp' is already in use by service 'web'/,
      );
      assert.equal(dump(store), before);
    });
  });

  void describe('remove and logs', () => {
    void it('deletes the service and marks its tasks for removal', async () => {
      const id = await createService(app, serviceSpec('web'));
      await addTask(store, 't1', id, { Slot: 1 });
      await addTask(store, 't2', id, { Slot: 2, DesiredState: 'shutdown' });
      const res = await app.inject({ method: 'DELETE', url: '/v1.45/services/web' });
      assert.equal(res.statusCode, 200);
      assert.equal(store.get('services', id), undefined);
      assert.deepEqual(store.tasksOfService(id).map((t) => t.DesiredState).sort(), ['remove', 'remove']);
      assertError(await app.inject({ method: 'DELETE', url: '/services/web' }), 404, /^service web not found$/);
    });

    void it('logs are 501 with a clear message (404 for an unknown service)', async () => {
      await createService(app, serviceSpec('web'));
      assertError(await get('/v1.45/services/web/logs?stdout=1'), 501, /service logs are not collected by tsswarm/);
      assertError(await get('/services/nope/logs'), 404, /service nope not found/);
    });
  });
});

void describe('api: services under concurrent writes', () => {
  void it('two creates with the same name: exactly one wins', async () => {
    const { app, store } = await setup();
    const send = () => app.inject({ method: 'POST', url: '/services/create', payload: serviceSpec('web') });
    const codes = (await Promise.all([send(), send(), send()])).map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [201, 409, 409]);
    assert.equal(store.all('services').length, 1);
    await app.close();
  });

  void it('two creates publishing the same ingress port: exactly one wins', async () => {
    const { app, store } = await setup();
    const ports = { Ports: [{ TargetPort: 80, PublishedPort: 80, Protocol: 'tcp' as const, PublishMode: 'ingress' as const }] };
    const send = (name: string) =>
      app.inject({ method: 'POST', url: '/services/create', payload: serviceSpec(name, { EndpointSpec: ports }) });
    const codes = (await Promise.all([send('a'), send('b')])).map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [201, 409]);
    assert.equal(store.all('services').length, 1);
    await app.close();
  });
});
