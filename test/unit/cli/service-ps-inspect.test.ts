import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { assertGolden } from './golden.js';
import { cli, FakeEngineApi } from './fake-engine-api.js';

void describe('service ps / inspect (against a fake Engine API)', () => {
  let fake: FakeEngineApi;
  before(async () => {
    fake = await new FakeEngineApi().start();
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });
  after(() => fake.stop());

  void it('ps: sorted by slot, newest first, history rows indented', async () => {
    const r = await cli(fake.host, 'service', 'ps', 'web');
    assert.equal(r.code, 0);
    assertGolden('service-ps', r.stdout);
  });

  void it('ps: filters by the resolved service ID and passes -f through', async () => {
    await cli(fake.host, 'service', 'ps', '-f', 'desired-state=running', 'web');
    const q = fake.requests.find((x) => x.path === '/tasks');
    assert.deepEqual(JSON.parse(q?.query.get('filters') ?? '{}'), {
      'desired-state': ['running'],
      service: ['svcwebaaaaaaaaaaaaaaaaaa'],
    });
  });

  void it('ps -q / --no-trunc -q print task IDs', async () => {
    assert.equal((await cli(fake.host, 'service', 'ps', '-q', 'web')).stdout, 'taskweb1xxxx\ntaskweb1oldx\ntaskweb2xxxx\n');
    const full = await cli(fake.host, 'service', 'ps', '-q', '--no-trunc', 'web');
    assert.equal(full.stdout.split('\n')[0], 'taskweb1xxxxxxxxxxxxxxxxx');
  });

  void it('ps --format json', async () => {
    const r = await cli(fake.host, 'service', 'ps', '--format', 'json', 'web');
    const first = JSON.parse(r.stdout.split('\n')[0] ?? '') as Record<string, string>;
    assert.equal(first.Name, 'web.1');
    assert.equal(first.CurrentState, 'Running 2 minutes ago');
  });

  void it('inspect prints a JSON array like docker', async () => {
    const r = await cli(fake.host, 'service', 'inspect', 'web');
    assert.equal(r.code, 0);
    const parsed = JSON.parse(r.stdout) as Array<{ ID: string }>;
    assert.equal(parsed.length, 1);
    assert.equal(parsed[0]?.ID, 'svcwebaaaaaaaaaaaaaaaaaa');
    assert.match(r.stdout, /^\[\n {4}\{/);
  });

  void it('inspect: a 404 prints the API message once and exits 1', async () => {
    const r = await cli(fake.host, 'service', 'inspect', 'nope');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'tsswarm: service nope not found\n');
  });

  void it('inspect --pretty', async () => {
    const r = await cli(fake.host, 'service', 'inspect', '--pretty', 'web');
    assert.match(r.stdout, /Name: +web\n/);
    assert.match(r.stdout, /\*:8080->80\/tcp \(ingress\)/);
  });

  void it('logs says it is not supported yet', async () => {
    const r = await cli(fake.host, 'service', 'logs', 'web', '-f');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tsswarm: service logs is not supported yet/);
    assert.equal(fake.requests.length, 0);
  });
});
