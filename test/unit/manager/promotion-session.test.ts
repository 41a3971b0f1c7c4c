// Promotion over the worker's session: a real Dispatcher on real gRPC (127.0.0.1) and a
// real Agent. The worker's manager endpoints reach its node object; a promotion (desired
// role manager) reaches the worker with the Raft secret and members; a new manager reaches
// every worker's failover list; a demotion reaches the worker as "worker".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { silentLogger } from '../../../src/common/log.js';
import { SimulatedExecutor } from '../../../src/engine/simulated/executor.js';
import type { RoleChange__Output } from '../../../src/generated/tsswarm/dispatcher/v1/RoleChange.js';
import { ensureCluster } from '../../../src/manager/bootstrap.js';
import { Dispatcher } from '../../../src/manager/dispatcher/dispatcher.js';
import { managerNodes } from '../../../src/manager/membership/managers.js';
import { roleChangeFor } from '../../../src/manager/membership/role-change.js';
import { MemoryBackend } from '../../../src/store/backend-memory.js';
import { Store } from '../../../src/store/store.js';
import { Agent } from '../../../src/worker/agent.js';
import { serveDispatcher } from '../../harness/dispatcher-server.js';
import { waitFor as waitUntil } from '../../harness/cluster.js';

const waitFor = <T>(what: string, fn: () => T | undefined | false, ms = 5000): Promise<T> => waitUntil(what, fn, ms, 20);

void describe('promotion over the session', () => {
  let store: Store;
  let dispatcher: Dispatcher;
  let server: grpc.Server;
  let addr = '';
  let token = '';
  const agents: Agent[] = [];
  const roles = new Map<string, RoleChange__Output[]>();

  before(async () => {
    store = new Store(new MemoryBackend());
    await store.open();
    const cluster = await ensureCluster(store, { nodeId: 'mgr', hostname: 'mgr', clusterAddr: '127.0.0.1:1', availability: 'drain', heartbeatPeriodMs: 1000 });
    token = cluster.JoinTokens.Worker;
    await store.update((tx) => tx.update('nodes', 'mgr', (n) => void (n.ManagerStatus = { ...n.ManagerStatus!, RaftAddr: '127.0.0.1:2' })));
    dispatcher = new Dispatcher(
      store,
      {
        heartbeatPeriodMs: () => 1000,
        graceMultiplier: 3,
        managerAddrs: () => managerNodes(store).map((n) => n.ManagerStatus?.Addr ?? ''),
        selfNodeId: 'mgr',
        roleChange: (n) => roleChangeFor(n, store.all('nodes'), { raftSecret: 'group-secret', managerToken: cluster.JoinTokens.Manager }),
      },
      silentLogger,
    );
    const served = await serveDispatcher(dispatcher);
    server = served.server;
    addr = served.addr;
    dispatcher.run();
  });

  after(async () => {
    for (const a of agents) await a.stop();
    dispatcher.stop();
    server.forceShutdown();
    await store.close();
  });

  async function join(nodeId: string, endpoints = true): Promise<Agent> {
    const executor = new SimulatedExecutor({ hostname: nodeId });
    roles.set(nodeId, []);
    const agent = new Agent({
      nodeId,
      token,
      managerAddrs: [addr],
      description: await executor.describe(),
      executor,
      log: silentLogger,
      ...(endpoints ? { managerEndpoints: { cluster_addr: ':5001', raft_addr: ':5002', api_addr: '127.0.0.1:5003' } } : {}),
      onRoleChange: (r) => roles.get(nodeId)?.push(r),
    });
    agents.push(agent);
    await agent.start();
    return agent;
  }

  void it("the worker's manager endpoints are stored on its node; its first role message says worker", async () => {
    await join('w1');
    const n = await waitFor('endpoints stored', () => store.get('nodes', 'w1')?.ManagerEndpoints);
    assert.deepEqual(n, { Addr: ':5001', RaftAddr: ':5002', ApiAddr: '127.0.0.1:5003' });
    await waitFor('first role message', () => roles.get('w1')?.length === 1);
    assert.equal(roles.get('w1')?.[0]?.role, 'worker');
  });

  void it('promotion sends the Raft secret, members and manager token; a new manager joins every failover list; demotion sends worker', async () => {
    const other = await join('w2', false);
    await store.update((tx) => tx.update('nodes', 'w1', (n) => void (n.Spec.Role = 'manager')));
    const promo = await waitFor('promotion message', () => roles.get('w1')?.find((r) => r.role === 'manager'));
    assert.equal(promo.raft_secret, 'group-secret');
    assert.deepEqual(promo.raft_peers, { mgr: '127.0.0.1:2' });
    assert.match(promo.manager_token, /^SWMTKN-1-/);
    assert.equal(promo.raft_addr, '127.0.0.1:5002', 'the empty host is the address the manager sees');
    assert.deepEqual(roles.get('w2')?.map((r) => r.role), ['worker'], 'other nodes hear nothing');

    // Its replica joined (as the Join RPC records it): every worker learns the new manager.
    await store.update((tx) =>
      tx.update('nodes', 'w1', (n) => void (n.ManagerStatus = { Leader: false, Reachability: 'reachable', Addr: '127.0.0.1:5001', RaftAddr: '127.0.0.1:5002' })),
    );
    await waitFor('w2 knows the new manager', () => other.knownManagers().includes('127.0.0.1:5001'));
    assert.deepEqual(roles.get('w1')?.at(-1), { role: 'manager', raft_secret: '', raft_peers: {}, manager_token: '', cluster_addr: '', raft_addr: '', api_addr: '' });

    await store.update((tx) =>
      tx.update('nodes', 'w1', (n) => {
        n.Spec.Role = 'worker';
        delete n.ManagerStatus;
      }),
    );
    await waitFor('demotion message', () => roles.get('w1')?.at(-1)?.role === 'worker');
    await waitFor('w2 drops the demoted manager from its list', () => !other.knownManagers().includes('127.0.0.1:5001'));
  });
});
