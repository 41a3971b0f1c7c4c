import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cli, FakeEngineApi } from './fake-engine-api.js';

void describe('swarm join-token / version / info (against a fake Engine API)', () => {
  let fake: FakeEngineApi;
  before(async () => {
    fake = await new FakeEngineApi().start();
  });
  after(() => fake.stop());

  void it('join-token worker prints the join command', async () => {
    const r = await cli(fake.host, 'swarm', 'join-token', 'worker');
    assert.equal(
      r.stdout,
      'To add a worker to this swarm, run the following command:\n\n    tsswarm join --token SWWTKN-1-worker 10.0.0.1:2377\n',
    );
  });

  void it('join-token -q manager prints only the token', async () => {
    assert.equal((await cli(fake.host, 'swarm', 'join-token', '-q', 'manager')).stdout, 'SWMTKN-1-manager\n');
  });

  void it('join-token refuses an unknown role', async () => {
    const r = await cli(fake.host, 'swarm', 'join-token', 'boss');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /must be one of worker, manager/);
  });

  void it('version shows client and server', async () => {
    const r = await cli(fake.host, 'version');
    assert.match(r.stdout, /^Client:\n Version: +0\.1\.0\n/);
    assert.match(r.stdout, /\nServer:\n Version: +0\.1\.0\n API version: +1\.45\n/);
    const json = JSON.parse((await cli(fake.host, 'version', '--format', 'json')).stdout) as { Server: { ApiVersion: string } };
    assert.equal(json.Server.ApiVersion, '1.45');
  });

  void it('info summarises the swarm; --format json and templates', async () => {
    assert.match((await cli(fake.host, 'info')).stdout, / Swarm: active\n {2}NodeID: node1aaaaaaaaaaaaaaaaaaaa\n {2}Is Manager: true\n/);
    assert.equal((await cli(fake.host, 'info', '--format', '{{.Swarm.NodeID}}')).stdout, 'node1aaaaaaaaaaaaaaaaaaaa\n');
  });
});
