// The policy at the edges: the API refuses a bad policy with a 400 naming the label (and
// changes nothing), and the CLI's --autoscale writes the labels or fails with a flag
// error before sending anything; `service inspect --pretty` shows the policy and the
// last scaling.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Service, ServiceSpec } from '../../../src/store/objects.js';
import type { Store } from '../../../src/store/store.js';
import { assertError, createService, dump, serviceSpec, setup } from '../api/fixtures.js';
import { cli, FakeEngineApi } from '../cli/fake-engine-api.js';

const POLICY = { 'tsswarm.autoscale.min': '2', 'tsswarm.autoscale.max': '5', 'tsswarm.autoscale.target-cpu': '70' };

void describe('api: autoscale labels', () => {
  let app: FastifyInstance;
  let store: Store;
  beforeEach(async () => {
    ({ app, store } = await setup());
  });
  afterEach(async () => {
    await app.close();
  });
  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });

  void it('a valid policy is stored as given', async () => {
    const id = await createService(app, serviceSpec('web', { Labels: { ...POLICY, 'tsswarm.autoscale.scale-down-delay': '30s' } }));
    assert.equal((store.get('services', id) as Service).Spec.Labels?.['tsswarm.autoscale.max'], '5');
  });

  const refused: Array<[string, Partial<ServiceSpec>, RegExp]> = [
    ['max not a number', { Labels: { ...POLICY, 'tsswarm.autoscale.max': 'lots' } }, /^Spec\.Labels\["tsswarm\.autoscale\.max"\]: must be an integer between 1 and 1000, got "lots"$/],
    ['min above max', { Labels: { ...POLICY, 'tsswarm.autoscale.min': '9' } }, /^Spec\.Labels\["tsswarm\.autoscale\.min"\]: must not be above tsswarm\.autoscale\.max \(9 > 5\)$/],
    ['min 0', { Labels: { ...POLICY, 'tsswarm.autoscale.min': '0' } }, /Spec\.Labels\["tsswarm\.autoscale\.min"\]: must be an integer between 1 and 1000/],
    ['cpu missing', { Labels: { 'tsswarm.autoscale.min': '1', 'tsswarm.autoscale.max': '2' } }, /Spec\.Labels\["tsswarm\.autoscale\.target-cpu"\]: is required/],
    ['cpu 5000', { Labels: { ...POLICY, 'tsswarm.autoscale.target-cpu': '5000' } }, /target-cpu"\]: must be an integer between 1 and 1000, got "5000"/],
    ['bad delay', { Labels: { ...POLICY, 'tsswarm.autoscale.scale-down-delay': 'soon' } }, /scale-down-delay"\]: must be a number of seconds or a duration/],
    ['unknown key', { Labels: { ...POLICY, 'tsswarm.autoscale.maximum': '5' } }, /Spec\.Labels\["tsswarm\.autoscale\.maximum"\]: is not an autoscale setting/],
    ['a global service', { Labels: POLICY, Mode: { Global: {} } }, /autoscaling applies to replicated services only/],
    ['a job', { Labels: POLICY, Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } } }, /autoscaling applies to replicated services only/],
  ];
  for (const [name, overrides, message] of refused) {
    void it(`create refuses ${name} with a 400 and stores nothing`, async () => {
      const before = dump(store);
      assertError(await post('/v1.45/services/create', serviceSpec('web', overrides)), 400, message);
      assert.equal(dump(store), before);
    });
  }

  void it('update refuses a bad policy with a 400 and keeps the service as it was', async () => {
    const id = await createService(app, serviceSpec('web', { Labels: POLICY }));
    const svc = store.get('services', id) as Service;
    const before = dump(store);
    const spec = { ...svc.Spec, Labels: { ...POLICY, 'tsswarm.autoscale.max': '1' } };
    assertError(await post(`/v1.45/services/${id}/update?version=${svc.Version.Index}`, spec), 400, /tsswarm\.autoscale\.min"\]: must not be above/);
    assert.equal(dump(store), before);
    // A good update (a new maximum) goes through and keeps the autoscaler's status field.
    await store.update((tx) => tx.update('services', id, (d) => (d.TSSwarm = { Autoscale: { From: 2, To: 3, Reason: 'r', Timestamp: 't' } })));
    const now = store.get('services', id) as Service;
    const ok = await post(`/v1.45/services/${id}/update?version=${now.Version.Index}`, { ...now.Spec, Labels: { ...POLICY, 'tsswarm.autoscale.max': '8' } });
    assert.equal(ok.statusCode, 200, ok.body);
    const after = store.get('services', id) as Service;
    assert.equal(after.Spec.Labels?.['tsswarm.autoscale.max'], '8');
    assert.equal(after.TSSwarm?.Autoscale?.To, 3);
  });
});

void describe('cli: --autoscale', () => {
  let fake: FakeEngineApi;
  before(async () => {
    fake = await new FakeEngineApi().start();
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });
  after(() => fake.stop());

  const sent = (method: string, re: RegExp) => fake.requests.find((q) => q.method === method && re.test(q.path))?.body as ServiceSpec | undefined;

  void it('create writes the labels and starts at the minimum', async () => {
    const r = await cli(fake.host, 'service', 'create', '-d', '--name', 'api', '--autoscale', 'min=2,max=10,cpu=70,down-delay=30s', 'tsswarm/web');
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const spec = sent('POST', /^\/services\/create$/);
    assert.deepEqual(spec?.Labels, {
      'tsswarm.autoscale.min': '2',
      'tsswarm.autoscale.max': '10',
      'tsswarm.autoscale.target-cpu': '70',
      'tsswarm.autoscale.scale-down-delay': '30s',
    });
    assert.deepEqual(spec?.Mode, { Replicated: { Replicas: 2 } });
  });

  void it('create keeps an explicit --replicas and other labels', async () => {
    const r = await cli(fake.host, 'service', 'create', '-d', '--name', 'api', '--replicas', '4', '--label', 'team=x', '--autoscale', 'min=1,max=5,cpu=50', 'tsswarm/web');
    assert.equal(r.code, 0, r.stderr);
    const spec = sent('POST', /^\/services\/create$/);
    assert.equal(spec?.Labels?.team, 'x');
    assert.deepEqual(spec?.Mode, { Replicated: { Replicas: 4 } });
  });

  const bad: Array<[string[], RegExp]> = [
    [['--autoscale', 'min=2,max=1,cpu=70'], /invalid argument "min=2,max=1,cpu=70" for "--autoscale" flag: min must not be above max \(2 > 1\)/],
    [['--autoscale', 'min=1,max=3'], /invalid argument "min=1,max=3" for "--autoscale" flag: cpu is required/],
    [['--autoscale', 'min=1,max=3,cpu=0'], /"--autoscale" flag: cpu must be an integer between 1 and 1000, got "0"/],
    [['--autoscale', 'min=1,max=3,cpu=50,down-delay=forever'], /"--autoscale" flag: down-delay must be a number of seconds or a duration/],
    [['--autoscale', 'min=1,max=3,cpu=50,speed=9'], /"--autoscale" flag: unknown setting "speed=9"/],
    [['--autoscale', ''], /"--autoscale" flag: expected min=N,max=N,cpu=PERCENT/],
    [['--mode', 'global', '--autoscale', 'min=1,max=3,cpu=50'], /--autoscale can only be used with replicated mode \(got --mode global\)/],
    [['--label', 'tsswarm.autoscale.min=3'], /invalid autoscale policy: label tsswarm\.autoscale\.max: is required/],
  ];
  for (const [flags, message] of bad) {
    void it(`create ${flags.join(' ')}: a usage error, nothing sent`, async () => {
      const r = await cli(fake.host, 'service', 'create', '-d', '--name', 'api', ...flags, 'tsswarm/web');
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.deepEqual(fake.writes(), []);
    });
  }

  void it('update changes only the keys given, and off removes the policy', async () => {
    const web = fake.services.find((s) => s.Spec.Name === 'web');
    assert.ok(web);
    web.Spec.Labels = { ...POLICY, team: 'x' };
    try {
      let r = await cli(fake.host, 'service', 'update', '-d', '--autoscale', 'max=8', 'web');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(sent('POST', /^\/services\/[^/]+\/update$/)?.Labels, { ...POLICY, 'tsswarm.autoscale.max': '8', team: 'x' });
      fake.requests.length = 0;
      r = await cli(fake.host, 'service', 'update', '-d', '--autoscale', 'off', 'web');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(sent('POST', /^\/services\/[^/]+\/update$/)?.Labels, { team: 'x' });
      fake.requests.length = 0;
      r = await cli(fake.host, 'service', 'update', '-d', '--autoscale', 'min=9', 'web');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /"--autoscale" flag: min must not be above max \(9 > 5\)/);
      assert.deepEqual(fake.writes(), []);
    } finally {
      delete web.Spec.Labels;
    }
  });

  void it('update of a global service refuses --autoscale', async () => {
    const r = await cli(fake.host, 'service', 'update', '-d', '--autoscale', 'min=1,max=2,cpu=10', 'mon');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--autoscale can only be used with replicated mode/);
    assert.deepEqual(fake.writes(), []);
  });

  void it('inspect --pretty shows the policy and the last scaling', async () => {
    const web = fake.services.find((s) => s.Spec.Name === 'web');
    assert.ok(web);
    web.Spec.Labels = { ...POLICY, 'tsswarm.autoscale.scale-down-delay': '90' };
    web.TSSwarm = { Autoscale: { From: 2, To: 4, Reason: 'avg CPU 150% of target 70% over 2 task(s): scale up to 4', AvgCPUPercent: 150, Timestamp: '2026-01-01T11:59:00.000Z' } };
    try {
      const r = await cli(fake.host, 'service', 'inspect', '--pretty', 'web');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\nAutoscale:\n Replicas:\s+2-5\n Target CPU:\s+70% per task\n Scale-down delay:\s+90s\n Last scaling:\s+2 -> 4 at 2026-01-01T11:59:00.000Z\n Reason:\s+avg CPU 150% of target 70% over 2 task\(s\): scale up to 4\n/);
    } finally {
      delete web.Spec.Labels;
      delete web.TSSwarm;
    }
  });
});
