import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { NodeSpec } from '../../../src/store/objects.js';
import { assertGolden } from './golden.js';
import { cli, FakeEngineApi } from './fake-engine-api.js';

void describe('node commands (against a fake Engine API)', () => {
  let fake: FakeEngineApi;
  before(async () => {
    fake = await new FakeEngineApi().start();
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });
  after(() => fake.stop());

  void it('ls: table with * beside the node serving the API', async () => {
    const r = await cli(fake.host, 'node', 'ls');
    assert.equal(r.code, 0);
    assertGolden('node-ls', r.stdout);
  });

  void it('ls -q and --format json', async () => {
    assert.equal(
      (await cli(fake.host, 'node', 'ls', '-q')).stdout,
      'node1aaaaaaaaaaaaaaaaaaaa\nnode2bbbbbbbbbbbbbbbbbbbb\nnode3cccccccccccccccccccc\n',
    );
    const json = (await cli(fake.host, 'node', 'ls', '--format', 'json')).stdout.split('\n')[0] ?? '';
    assert.deepEqual(JSON.parse(json), {
      ID: 'node1aaaaaaaaaaaaaaaaaaaa', Self: true, Hostname: 'mgr-1', Status: 'Ready',
      Availability: 'Active', ManagerStatus: 'Leader', EngineVersion: '0.1.0',
    });
  });

  void it('update: POSTs the edited spec with ?version=', async () => {
    const r = await cli(fake.host, 'node', 'update', '--availability', 'drain', '--label-add', 'zone=east', 'worker-1');
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'worker-1\n');
    const [u] = fake.writes();
    assert.equal(u?.path, '/nodes/node2bbbbbbbbbbbbbbbbbbbb/update');
    assert.equal(u?.query.get('version'), '10');
    assert.deepEqual(u?.body as NodeSpec, { Labels: { zone: 'east' }, Role: 'worker', Availability: 'drain' });
  });

  void it('update: a bad --availability is refused before anything is sent', async () => {
    const r = await cli(fake.host, 'node', 'update', '--availability', 'sleepy', 'worker-1');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid argument "sleepy" for "--availability" flag: must be one of active, pause, drain/);
    assert.equal(fake.requests.length, 0);
  });

  void it('promote / demote', async () => {
    assert.equal((await cli(fake.host, 'node', 'promote', 'worker-1')).stdout, 'Node worker-1 promoted to a manager in the swarm.\n');
    assert.equal((fake.writes()[0]?.body as NodeSpec).Role, 'manager');
    assert.equal((await cli(fake.host, 'node', 'demote', 'worker-1')).stdout, 'Node worker-1 is already a worker.\n');
  });

  void it('rm -f sends force=true', async () => {
    const r = await cli(fake.host, 'node', 'rm', '-f', 'worker-2');
    assert.equal(r.stdout, 'worker-2\n');
    assert.equal(fake.writes()[0]?.query.get('force'), 'true');
  });

  void it('ps defaults to self (GET /info Swarm.NodeID)', async () => {
    const r = await cli(fake.host, 'node', 'ps', '-q');
    assert.equal(r.code, 0);
    const q = fake.requests.find((x) => x.path === '/tasks');
    assert.deepEqual(JSON.parse(q?.query.get('filters') ?? ''), { node: ['node1aaaaaaaaaaaaaaaaaaaa'] });
  });

  void it('inspect: JSON array; 404 propagates', async () => {
    const ok = await cli(fake.host, 'node', 'inspect', 'self');
    assert.equal((JSON.parse(ok.stdout) as Array<{ ID: string }>)[0]?.ID, 'node1aaaaaaaaaaaaaaaaaaaa');
    const missing = await cli(fake.host, 'node', 'inspect', 'nowhere');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'tsswarm: node nowhere not found\n');
  });
});
