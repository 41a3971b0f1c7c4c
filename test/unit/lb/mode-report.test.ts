// The routing mesh's data path reaches the node object: a worker's agent sends lb_mode in
// Register, a real Dispatcher (over real gRPC on 127.0.0.1) stores it as
// Description.TSSwarm.LoadBalancer, and `node inspect --pretty` shows it. A worker without
// a network agent reports nothing, and an unknown value is not stored.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { prettyNode } from '../../../src/cli/commands/node/inspect.js';
import { silentLogger } from '../../../src/common/log.js';
import { SimulatedExecutor } from '../../../src/engine/simulated/executor.js';
import { ensureCluster } from '../../../src/manager/bootstrap.js';
import { Dispatcher } from '../../../src/manager/dispatcher/dispatcher.js';
import { MemoryBackend } from '../../../src/store/backend-memory.js';
import type { Node } from '../../../src/store/objects.js';
import { Store } from '../../../src/store/store.js';
import { Agent } from '../../../src/worker/agent.js';
import { serveDispatcher } from '../../harness/dispatcher-server.js';

void describe('load balancer mode reported in Register, stored on the node', () => {
  let store: Store;
  let dispatcher: Dispatcher;
  let server: grpc.Server;
  let addr = '';
  let token = '';
  const agents: Agent[] = [];

  before(async () => {
    store = new Store(new MemoryBackend());
    await store.open();
    const cluster = await ensureCluster(store, { nodeId: 'mgr', hostname: 'mgr', clusterAddr: '127.0.0.1:1', availability: 'drain', heartbeatPeriodMs: 1000 });
    token = cluster.JoinTokens.Worker;
    dispatcher = new Dispatcher(store, { heartbeatPeriodMs: () => 1000, graceMultiplier: 3, managerAddrs: () => [addr], selfNodeId: 'mgr' }, silentLogger);
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

  async function join(nodeId: string, lbMode?: string): Promise<Node> {
    const executor = new SimulatedExecutor({ hostname: nodeId });
    const agent = new Agent({ nodeId, token, managerAddrs: [addr], description: await executor.describe(), executor, log: silentLogger, ...(lbMode !== undefined ? { lbMode } : {}) });
    agents.push(agent);
    await agent.start();
    const node = store.get('nodes', nodeId);
    assert.ok(node, `node ${nodeId} registered`);
    return node;
  }

  for (const mode of ['nftables', 'userspace'] as const) {
    void it(`a worker reporting ${mode}: Description.TSSwarm.LoadBalancer and node inspect --pretty show it`, async () => {
      const node = await join(`w-${mode}`, mode);
      assert.deepEqual(node.Description.TSSwarm, { LoadBalancer: mode });
      assert.match(prettyNode(node), new RegExp(`^Load Balancer:\\s+${mode}$`, 'm'));
    });
  }

  void it('no network agent (no lb_mode) or an unknown mode: no field, no line', async () => {
    for (const [id, mode] of [['w-none', undefined], ['w-bogus', 'ipvs']] as const) {
      const node = await join(id, mode);
      assert.equal(node.Description.TSSwarm, undefined, id);
      assert.doesNotMatch(prettyNode(node), /Load Balancer/, id);
    }
  });
});
