import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { assertGolden } from './golden.js';
import { cli, FakeEngineApi } from './fake-engine-api.js';

void describe('service ls (against a fake Engine API)', () => {
  let fake: FakeEngineApi;
  before(async () => {
    fake = await new FakeEngineApi().start();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.services = (new FakeEngineApi()).services;
  });
  after(() => fake.stop());

  void it('prints an aligned table from ServiceStatus (GET /services?status=true)', async () => {
    const r = await cli(fake.host, 'service', 'ls');
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assertGolden('service-ls', r.stdout);
    const list = fake.requests.find((q) => q.path === '/services');
    assert.equal(list?.query.get('status'), 'true');
    assert.equal(fake.requests.some((q) => q.path === '/tasks'), false, 'no task listing when ServiceStatus is present');
  });

  void it('counts tasks when the API gives no ServiceStatus', async () => {
    for (const s of fake.services) delete s.ServiceStatus;
    const r = await cli(fake.host, 'service', 'ls', '--format', '{{.Name}} {{.Replicas}}');
    assert.equal(r.stdout, 'mon 0/0\nweb 2/2\n');
    assert.ok(fake.requests.some((q) => q.path === '/tasks'));
  });

  void it('-q prints full IDs only', async () => {
    const r = await cli(fake.host, 'service', 'ls', '-q');
    assert.equal(r.stdout, 'svcwebaaaaaaaaaaaaaaaaaa\nsvcmonbbbbbbbbbbbbbbbbbb\n');
  });

  void it('--format json prints one object per line', async () => {
    const r = await cli(fake.host, 'service', 'ls', '--format', 'json');
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    assert.deepEqual(lines[1], {
      ID: 'svcwebaaaaaa',
      Name: 'web',
      Mode: 'replicated',
      Replicas: '2/2',
      Image: 'nginx:1.27',
      Ports: '*:8080->80/tcp',
    });
  });

  void it('--format table TEMPLATE prints a header row', async () => {
    const r = await cli(fake.host, 'service', 'ls', '--format', 'table {{.Name}}\\t{{.Replicas}}');
    assert.equal(r.stdout, 'NAME   REPLICAS\nmon    1/2\nweb    2/2\n');
  });

  void it('rejects an unknown template field as a usage error', async () => {
    const r = await cli(fake.host, 'service', 'ls', '--format', '{{.Nope}}');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^tsswarm: template: can't evaluate field Nope\n/);
  });
});
