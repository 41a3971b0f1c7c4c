import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { ServiceSpec } from '../../../src/store/objects.js';
import { cli, FakeEngineApi, fixtureServices } from './fake-engine-api.js';

void describe('service scale / update / rollback / rm (against a fake Engine API)', () => {
  let fake: FakeEngineApi;
  before(async () => {
    fake = await new FakeEngineApi().start();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.services = fixtureServices();
  });
  after(() => fake.stop());

  const updates = () => fake.writes().filter((q) => q.path.endsWith('/update'));

  void it('scale: POSTs the full spec with new Replicas and ?version=', async () => {
    const r = await cli(fake.host, 'service', 'scale', '-d', 'web=5');
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'web scaled to 5\n');
    const [u] = updates();
    assert.equal(u?.path, '/services/svcwebaaaaaaaaaaaaaaaaaa/update');
    assert.equal(u?.query.get('version'), '42');
    const expected = structuredClone(fixtureServices()[0]!.Spec);
    expected.Mode = { Replicated: { Replicas: 5 } };
    assert.deepEqual(u?.body, expected);
  });

  void it('scale: refuses global services with a clear message, continues with the others', async () => {
    const r = await cli(fake.host, 'service', 'scale', '-d', 'mon=3', 'web=1');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'web scaled to 1\n');
    assert.equal(r.stderr, 'tsswarm: mon: scale can only be used with replicated or replicated-job mode (this service is global)\n');
    assert.equal(updates().length, 1);
  });

  void it('scale: bad web=abc is refused before anything is sent', async () => {
    for (const bad of ['web=abc', 'web=-1', 'web', '=3']) {
      const r = await cli(fake.host, 'service', 'scale', 'web=2', bad);
      assert.equal(r.code, 2, bad);
      assert.match(r.stderr, /^tsswarm: invalid argument ".*" for "SERVICE=REPLICAS" flag: /);
    }
    assert.equal(fake.requests.length, 0);
  });

  void it('scale without -d waits for convergence', async () => {
    const r = await cli(fake.host, 'service', 'scale', 'web=2');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'web scaled to 2\nweb: 2/2 running\n');
  });

  void it('update: edits the current spec and POSTs it with the version', async () => {
    const r = await cli(
      fake.host, 'service', 'update', '-d', '--image', 'nginx:1.28', '--replicas', '4',
      '--env-add', 'A=1', '--label-add', 'tier=front', '--constraint-add', 'node.role==worker',
      '--publish-rm', '80', '--publish-add', '9090:90/udp', '--force', 'web',
    );
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'web\n');
    const [u] = updates();
    assert.equal(u?.query.get('version'), '42');
    assert.equal(u?.query.get('rollback'), null);
    const spec = u?.body as ServiceSpec;
    assert.equal(spec.TaskTemplate.ContainerSpec.Image, 'nginx:1.28');
    assert.deepEqual(spec.Mode, { Replicated: { Replicas: 4 } });
    assert.deepEqual(spec.TaskTemplate.ContainerSpec.Env, ['A=1']);
    assert.deepEqual(spec.Labels, { tier: 'front' });
    assert.deepEqual(spec.TaskTemplate.Placement?.Constraints, ['node.role==worker']);
    assert.deepEqual(spec.EndpointSpec?.Ports, [{ Protocol: 'udp', TargetPort: 90, PublishedPort: 9090, PublishMode: 'ingress' }]);
    assert.equal(spec.EndpointSpec?.Mode, 'vip');
    assert.equal(spec.TaskTemplate.ForceUpdate, 1);
  });

  void it('update --env-rm / --label-rm remove entries', async () => {
    fake.services[0]!.Spec.TaskTemplate.ContainerSpec.Env = ['A=1', 'B=2'];
    fake.services[0]!.Spec.Labels = { x: '1', y: '2' };
    await cli(fake.host, 'service', 'update', '-d', '--env-rm', 'A', '--label-rm', 'x', 'web');
    const spec = updates()[0]?.body as ServiceSpec;
    assert.deepEqual(spec.TaskTemplate.ContainerSpec.Env, ['B=2']);
    assert.deepEqual(spec.Labels, { y: '2' });
  });

  void it('update: bad values are refused before anything is sent', async () => {
    for (const args of [['--replicas', '-1'], ['--publish-add', '0:80'], ['--update-delay', 'soon']]) {
      const r = await cli(fake.host, 'service', 'update', ...args, 'web');
      assert.equal(r.code, 2, args.join(' '));
    }
    assert.equal(fake.writes().length, 0);
  });

  void it('update --rollback and service rollback send ?rollback=previous', async () => {
    const prev = structuredClone(fake.services[0]!.Spec);
    prev.TaskTemplate.ContainerSpec.Image = 'nginx:1.26';
    fake.services[0]!.PreviousSpec = prev;
    assert.equal((await cli(fake.host, 'service', 'update', '-d', '--rollback', 'web')).code, 0);
    assert.equal((await cli(fake.host, 'service', 'rollback', '-d', 'web')).code, 0);
    const [a, b] = updates();
    for (const u of [a, b]) {
      assert.equal(u?.query.get('rollback'), 'previous');
      assert.equal(u?.query.get('version'), '42');
      assert.equal((u?.body as ServiceSpec).TaskTemplate.ContainerSpec.Image, 'nginx:1.26');
    }
  });

  void it('rm: removes each service, reports failures and exits 1', async () => {
    const r = await cli(fake.host, 'service', 'rm', 'web', 'ghost', 'mon');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'web\nmon\n');
    assert.equal(r.stderr, 'tsswarm: service ghost not found\n');
    assert.deepEqual(fake.writes().map((q) => `${q.method} ${q.path}`), [
      'DELETE /services/web',
      'DELETE /services/ghost',
      'DELETE /services/mon',
    ]);
  });

  void it('remove is an alias of rm', async () => {
    assert.equal((await cli(fake.host, 'service', 'remove', 'web')).stdout, 'web\n');
  });
});
