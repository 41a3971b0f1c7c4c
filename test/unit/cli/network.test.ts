import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cli, FakeEngineApi } from './fake-engine-api.js';

void describe('network create / ls / rm (against a fake Engine API)', () => {
  let fake: FakeEngineApi;
  before(async () => {
    fake = await new FakeEngineApi().start();
    fake.on('POST', /^\/networks\/create$/, () => ({ status: 201, body: { Id: 'net1aaaaaaaaaaaaaaaaaaaaa' } }));
    fake.on('GET', /^\/networks$/, () => ({
      body: [
        { Id: 'net2bbbbbbbbbbbbbbbbbbbbb', Name: 'front', Driver: 'overlay', Scope: 'swarm', IPAM: { Config: [{ Subnet: '10.0.1.0/24' }] } },
        { Id: 'net1aaaaaaaaaaaaaaaaaaaaa', Name: 'back', Driver: 'overlay', Scope: 'swarm', IPAM: { Config: [{ Subnet: '10.0.9.0/24' }] } },
      ],
    }));
    fake.on('DELETE', /^\/networks\/([^/]+)$/, () => ({ status: 409, body: { message: 'network front is in use by service web' } }));
  });
  after(() => fake.stop());

  void it('create sends an overlay network with the subnet and gateway', async () => {
    const r = await cli(fake.host, 'network', 'create', '--subnet', '10.0.9.0/24', '--gateway', '10.0.9.254', 'back');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'net1aaaaaaaaaaaaaaaaaaaaa\n');
    const sent = fake.requests.find((q) => q.method === 'POST' && q.path === '/networks/create');
    assert.deepEqual(sent?.body, {
      Name: 'back',
      Driver: 'overlay',
      Attachable: false,
      Labels: {},
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.0.9.0/24', Gateway: '10.0.9.254' }] },
    });
  });

  void it('refuses bad flags without sending anything', async () => {
    const before = fake.requests.length;
    for (const [args, re] of [
      [['-d', 'bridge', 'x'], /invalid argument "bridge" for "--driver" flag/],
      [['--subnet', '10.0.9.0', 'x'], /invalid argument "10\.0\.9\.0" for "--subnet" flag: expected CIDR/],
      [['--gateway', '10.0.9.1', 'x'], /"--gateway" flag: needs --subnet/],
    ] as const) {
      const r = await cli(fake.host, 'network', 'create', ...args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, re);
    }
    assert.equal(fake.requests.length, before);
  });

  void it('ls shows a sorted table; rm reports the API refusal', async () => {
    const ls = await cli(fake.host, 'network', 'ls');
    assert.equal(
      ls.stdout,
      'NETWORK ID     NAME    DRIVER    SCOPE   SUBNET\nnet1aaaaaaaa   back    overlay   swarm   10.0.9.0/24\nnet2bbbbbbbb   front   overlay   swarm   10.0.1.0/24\n',
    );
    const rm = await cli(fake.host, 'network', 'rm', 'front');
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /network front is in use by service web/);
  });
});
