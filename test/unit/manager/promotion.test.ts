// The pure part of promoting a running worker: the endpoints a worker reports, how the
// leader resolves and checks them, and the role message it sends the worker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPromotion, isPendingPromotion, PromotionRefusedError, resolveEndpoints, workerEndpoints } from '../../../src/manager/membership/promotion.js';
import { roleChangeFor } from '../../../src/manager/membership/role-change.js';
import { promotedAddrs } from '../../../src/manager/membership/promoted-node.js';
import type { Node } from '../../../src/store/objects.js';

function node(id: string, o: Partial<Node> & { host?: string; role?: 'worker' | 'manager' } = {}): Node {
  return {
    ID: id,
    Version: { Index: 1 },
    CreatedAt: '',
    UpdatedAt: '',
    Spec: { Labels: {}, Role: o.role ?? 'worker', Availability: 'active' },
    Description: { Hostname: id, Platform: { OS: 'linux', Architecture: 'x86_64' }, Resources: { NanoCPUs: 1e9, MemoryBytes: 1 }, Engine: { EngineVersion: '', Labels: {} } },
    Status: { State: 'ready', Addr: o.host ?? '10.0.0.2' },
    ...o,
  };
}

const m1 = node('m1', {
  role: 'manager',
  host: '10.0.0.1',
  ManagerStatus: { Leader: true, Reachability: 'reachable', Addr: '10.0.0.1:2377', RaftAddr: '10.0.0.1:2378', ApiAddr: '127.0.0.1:2375' },
});
const refused = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (err: unknown) => err instanceof PromotionRefusedError && re.test(err.message));

void describe('promotion: worker endpoints', () => {
  void it('default like a manager: the cluster port 2377, Raft on the next port, the API on loopback; no host = the address the manager sees', () => {
    assert.deepEqual(workerEndpoints({}), { Addr: ':2377', RaftAddr: ':2378', ApiAddr: '127.0.0.1:2375' });
    assert.deepEqual(workerEndpoints({ listenAddr: '0.0.0.0:4000', advertiseHost: '10.1.1.1' }), { Addr: '10.1.1.1:4000', RaftAddr: '10.1.1.1:4001', ApiAddr: '127.0.0.1:2375' });
    assert.deepEqual(workerEndpoints({ listenAddr: '127.0.0.1:5000', raftAddr: '127.0.0.1:6000', apiAddr: '127.0.0.1:7000' }), {
      Addr: '127.0.0.1:5000',
      RaftAddr: '127.0.0.1:6000',
      ApiAddr: '127.0.0.1:7000',
    });
  });

  void it('the leader fills an empty host with the node address; none known: unresolvable', () => {
    assert.deepEqual(resolveEndpoints(workerEndpoints({}), '10.0.0.9'), { Addr: '10.0.0.9:2377', RaftAddr: '10.0.0.9:2378', ApiAddr: '127.0.0.1:2375' });
    assert.equal(resolveEndpoints(workerEndpoints({}), ''), undefined);
    assert.deepEqual(resolveEndpoints({ Addr: '[fd00::2]:2377', RaftAddr: ':2378', ApiAddr: '[::1]:2375' }, 'fd00::2'), {
      Addr: '[fd00::2]:2377',
      RaftAddr: '[fd00::2]:2378',
      ApiAddr: '[::1]:2375',
    });
  });
});

void describe('promotion: checks before anything changes', () => {
  const w = node('w1', { ManagerEndpoints: workerEndpoints({}) });

  void it('accepts a ready worker with usable addresses and returns them resolved', () => {
    assert.deepEqual(checkPromotion(w, [m1, w]), { Addr: '10.0.0.2:2377', RaftAddr: '10.0.0.2:2378', ApiAddr: '127.0.0.1:2375' });
  });

  void it('refuses a manager, a node not ready, and a worker that reported no addresses (naming the flags)', () => {
    refused(() => checkPromotion(m1, [m1]), /cannot promote m1: it is already a manager/);
    refused(() => checkPromotion({ ...w, Status: { State: 'down', Addr: '10.0.0.2' } }, [m1]), /cannot promote w1: it is down/);
    refused(() => checkPromotion(node('old'), [m1]), /did not report .*--raft-addr HOST:PORT --api-addr HOST:PORT/);
    refused(() => checkPromotion({ ...w, Status: { State: 'ready', Addr: '' } }, [m1]), /no host .*--advertise-addr HOST/);
  });

  void it("refuses addresses a manager already uses, and an API that is not on loopback", () => {
    const sameHost = (e: Node['ManagerEndpoints']) => node('w2', { host: '10.0.0.1', ManagerEndpoints: e });
    refused(() => checkPromotion(sameHost({ Addr: ':3000', RaftAddr: ':2378', ApiAddr: '127.0.0.1:3002' }), [m1]), /its Raft address 10\.0\.0\.1:2378 is already used by manager m1; .*--raft-addr/);
    refused(() => checkPromotion(sameHost({ Addr: ':2377', RaftAddr: ':3001', ApiAddr: '127.0.0.1:3002' }), [m1]), /cluster address 10\.0\.0\.1:2377 .*--listen-addr/);
    refused(() => checkPromotion(sameHost({ Addr: ':3000', RaftAddr: ':3001', ApiAddr: '127.0.0.1:2375' }), [m1]), /API address 127\.0\.0\.1:2375 .*--api-addr/);
    // The same loopback API port on another machine is no clash.
    assert.ok(checkPromotion(w, [m1]));
    refused(() => checkPromotion(node('w3', { ManagerEndpoints: workerEndpoints({ apiAddr: '0.0.0.0:2375' }) }), [m1]), /API address 10\.0\.0\.2:2375 is not a loopback address/);
    refused(() => checkPromotion(node('w4', { ManagerEndpoints: { Addr: ':4000', RaftAddr: ':4000', ApiAddr: '127.0.0.1:1' } }), [m1]), /Raft and cluster addresses are both/);
  });
});

void describe('promotion: the role message', () => {
  const secrets = { raftSecret: 's3cret', managerToken: 'SWMTKN-1-m' };
  const pending = node('w1', { role: 'manager', ManagerEndpoints: workerEndpoints({}) });

  void it('a worker hears "worker"; a member manager "manager" and no secrets', () => {
    assert.deepEqual(roleChangeFor(node('w1'), [m1], secrets), { role: 'worker' });
    assert.deepEqual(roleChangeFor(m1, [m1], secrets), { role: 'manager' });
    assert.equal(isPendingPromotion(pending), true);
    assert.equal(isPendingPromotion(m1), false);
  });

  void it('a pending promotion carries the Raft secret, the members, the manager token and the accepted addresses', () => {
    assert.deepEqual(roleChangeFor(pending, [m1, pending], secrets), {
      role: 'manager',
      raft_secret: 's3cret',
      raft_peers: { m1: '10.0.0.1:2378' },
      manager_token: 'SWMTKN-1-m',
      cluster_addr: '10.0.0.2:2377',
      raft_addr: '10.0.0.2:2378',
      api_addr: '127.0.0.1:2375',
    });
  });

  void it("the worker binds its own flags if it gave them, else the accepted ports on all interfaces", () => {
    const msg = { role: 'manager', raft_secret: 's', raft_peers: {}, manager_token: 't', cluster_addr: '10.0.0.2:2377', raft_addr: '10.0.0.2:2378', api_addr: '127.0.0.1:2375' };
    assert.deepEqual(promotedAddrs({}, msg), { listenAddr: '0.0.0.0:2377', raftAddr: '0.0.0.0:2378', apiAddr: '127.0.0.1:2375', advertiseAddr: '10.0.0.2' });
    assert.deepEqual(promotedAddrs({ listenAddr: '127.0.0.1:1', raftAddr: '127.0.0.1:2', apiAddr: '127.0.0.1:3', advertiseAddr: '127.0.0.1' }, msg), {
      listenAddr: '127.0.0.1:1',
      raftAddr: '127.0.0.1:2',
      apiAddr: '127.0.0.1:3',
      advertiseAddr: '127.0.0.1',
    });
  });
});
