// A node that registers with a new leader while the store is slow to commit (a Raft round
// under load) must not be left marked down. The registration's write is queued, but until
// it commits the node's last heartbeat is still the leader's start time; a down-detector
// sweep that runs in that window expires the node and queues its "down" write behind the
// registration. Before the fix that write landed after the "ready" one and stuck: sweeps
// skip nodes already down and heartbeats never clear the mark, so a node with a healthy
// session stayed `down: heartbeat failure` (a manager: `unreachable`) until it reconnected.
// A real Dispatcher on real gRPC (127.0.0.1) and a real Agent; only the store's commits are
// held back, to open the window deterministically.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { silentLogger } from '../../../src/common/log.js';
import { SimulatedExecutor } from '../../../src/engine/simulated/executor.js';
import { ensureCluster } from '../../../src/manager/bootstrap.js';
import { Dispatcher } from '../../../src/manager/dispatcher/dispatcher.js';
import { MemoryBackend } from '../../../src/store/backend-memory.js';
import type { Batch } from '../../../src/store/state.js';
import { Store, type ApplySink, type StoreBackend } from '../../../src/store/store.js';
import { Agent } from '../../../src/worker/agent.js';
import { serveDispatcher } from '../../harness/dispatcher-server.js';
import { waitFor as waitUntil } from '../../harness/cluster.js';

const HEARTBEAT_MS = 100;
const GRACE = 3;

/** A memory backend whose commits can be held, like a Raft commit waiting for a quorum. */
class GatedBackend implements StoreBackend {
  private readonly inner = new MemoryBackend();
  private gate?: { promise: Promise<void>; open: () => void };
  held = 0;

  open(sink: ApplySink): Promise<void> {
    return this.inner.open(sink);
  }

  async commit(batch: Batch): Promise<void> {
    if (this.gate) {
      this.held++;
      await this.gate.promise;
    }
    return this.inner.commit(batch);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  hold(): void {
    let open = () => {};
    const promise = new Promise<void>((r) => (open = r));
    this.gate = { promise, open };
  }

  release(): void {
    this.gate?.open();
    this.gate = undefined;
  }
}

const waitFor = <T>(what: string, fn: () => T | undefined | false, ms = 5000): Promise<T> => waitUntil(what, fn, ms, 10);

void describe('dispatcher: a registration racing the down-detector', () => {
  const backend = new GatedBackend();
  const store = new Store(backend);
  let dispatcher: Dispatcher;
  let server: grpc.Server;
  let agent: Agent | undefined;
  let addr = '';
  let token = '';

  before(async () => {
    await store.open();
    const cluster = await ensureCluster(store, { nodeId: 'm1', hostname: 'm1', clusterAddr: '127.0.0.1:1', availability: 'active', heartbeatPeriodMs: HEARTBEAT_MS });
    token = cluster.JoinTokens.Worker;
    // m2: a manager the previous leader knew as ready and reachable (a follower).
    await store.update((tx) =>
      tx.create('nodes', {
        ID: 'm2',
        Spec: { Labels: {}, Role: 'manager', Availability: 'active' },
        Description: { Hostname: 'm2', Platform: { OS: 'linux', Architecture: 'x86_64' }, Resources: { NanoCPUs: 1e9, MemoryBytes: 1e9 }, Engine: { EngineVersion: '', Labels: {} } },
        Status: { State: 'ready', Addr: '127.0.0.1' },
        ManagerStatus: { Leader: false, Reachability: 'reachable', Addr: '127.0.0.1:2' },
      }),
    );
    dispatcher = new Dispatcher(
      store,
      { heartbeatPeriodMs: () => HEARTBEAT_MS, graceMultiplier: GRACE, managerAddrs: () => ['127.0.0.1:1'], selfNodeId: 'm1' },
      silentLogger,
    );
    const served = await serveDispatcher(dispatcher);
    server = served.server;
    addr = served.addr;
  });

  after(async () => {
    backend.release();
    await agent?.stop();
    dispatcher.stop();
    server.forceShutdown();
    await store.close();
  });

  void it('the node whose registration was being committed when the sweep expired it ends ready and reachable', async () => {
    dispatcher.run(); // the new leader: every known node was last seen now
    backend.hold();
    const executor = new SimulatedExecutor({ hostname: 'm2' });
    agent = new Agent({ nodeId: 'm2', token, managerAddrs: [addr], description: await executor.describe(), executor, log: silentLogger });
    const started = agent.start();
    await waitFor("m2's registration write is being committed", () => backend.held > 0);
    // Past the grace period from run(): the sweep finds m2 silent and queues "down".
    await new Promise((r) => setTimeout(r, HEARTBEAT_MS * GRACE + 300));
    assert.equal(store.get('nodes', 'm2')?.Status.State, 'ready', 'nothing committed yet');
    backend.release();
    await started;

    // The session is healthy (heartbeats every 100 ms): after several grace periods the
    // node must be ready and its manager reachable.
    await new Promise((r) => setTimeout(r, HEARTBEAT_MS * GRACE * 4));
    assert.equal(dispatcher.connectedNodes(), 1, 'the session is still open');
    const n = store.get('nodes', 'm2');
    assert.deepEqual(
      { state: n?.Status.State, message: n?.Status.Message, reachability: n?.ManagerStatus?.Reachability },
      { state: 'ready', message: undefined, reachability: 'reachable' },
    );
  });

  void it('the same node, once really silent, is still marked down and unreachable', async () => {
    await agent?.stop();
    agent = undefined;
    const n = await waitFor('m2 marked down', () => store.get('nodes', 'm2')?.Status.State === 'down' && store.get('nodes', 'm2'), HEARTBEAT_MS * GRACE * 10);
    assert.equal(n.Status.Message, 'heartbeat failure');
    assert.equal(n.ManagerStatus?.Reachability, 'unreachable');
  });
});

// A manager that leads again later (leadership lost without a restart) starts a second
// dispatcher term in the same object. Its first sweep must not take the time between the
// terms for a stall of its own and push every node's last-seen time into the future.
void describe("dispatcher: a leader's second term", () => {
  const store = new Store(new MemoryBackend());
  let dispatcher: Dispatcher;

  before(async () => {
    await store.open();
    await ensureCluster(store, { nodeId: 'm1', hostname: 'm1', clusterAddr: '127.0.0.1:1', availability: 'active', heartbeatPeriodMs: HEARTBEAT_MS });
    await store.update((tx) =>
      tx.create('nodes', {
        ID: 'w1',
        Spec: { Labels: {}, Role: 'worker', Availability: 'active' },
        Description: { Hostname: 'w1', Platform: { OS: 'linux', Architecture: 'x86_64' }, Resources: { NanoCPUs: 1e9, MemoryBytes: 1e9 }, Engine: { EngineVersion: '', Labels: {} } },
        Status: { State: 'ready', Addr: '127.0.0.1' },
      }),
    );
    dispatcher = new Dispatcher(
      store,
      { heartbeatPeriodMs: () => HEARTBEAT_MS, graceMultiplier: GRACE, managerAddrs: () => ['127.0.0.1:1'], selfNodeId: 'm1' },
      silentLogger,
    );
  });

  after(async () => {
    dispatcher.stop();
    await store.close();
  });

  void it('a silent node is marked down one grace period into the second term, not the gap later', async () => {
    dispatcher.run();
    await new Promise((r) => setTimeout(r, 250)); // one sweep, within the grace period
    dispatcher.stop();
    assert.equal(store.get('nodes', 'w1')?.Status.State, 'ready');
    const GAP_MS = 2500;
    await new Promise((r) => setTimeout(r, GAP_MS));
    const started = Date.now();
    dispatcher.run();
    await waitFor('w1 marked down', () => store.get('nodes', 'w1')?.Status.State === 'down', GAP_MS);
    const ms = Date.now() - started;
    assert.ok(ms < HEARTBEAT_MS * GRACE + 1000, `marked down ${ms} ms into the second term`);
  });
});

// `swarm update --dispatcher-heartbeat` lowers the period live. A node learns the new period
// only from its next heartbeat ack, so until then it beats at the old pace: its grace must
// stay the old one, or every node is marked down at once (seen on the bed: a worker went down
// 3 s after the period went from 5 s back to 1 s, and its tasks moved).
void describe('dispatcher: the heartbeat period lowered live', () => {
  const store = new Store(new MemoryBackend());
  let dispatcher: Dispatcher;
  let server: grpc.Server;
  let agent: Agent | undefined;
  let period = 1000;

  before(async () => {
    await store.open();
    const cluster = await ensureCluster(store, { nodeId: 'm1', hostname: 'm1', clusterAddr: '127.0.0.1:1', availability: 'active', heartbeatPeriodMs: period });
    dispatcher = new Dispatcher(
      store,
      { heartbeatPeriodMs: () => period, graceMultiplier: GRACE, managerAddrs: () => ['127.0.0.1:1'], selfNodeId: 'm1' },
      silentLogger,
    );
    const served = await serveDispatcher(dispatcher);
    server = served.server;
    dispatcher.run();
    const executor = new SimulatedExecutor({ hostname: 'w1' });
    agent = new Agent({ nodeId: 'w1', token: cluster.JoinTokens.Worker, managerAddrs: [served.addr], description: await executor.describe(), executor, log: silentLogger });
    await agent.start();
    await waitFor('w1 ready', () => store.get('nodes', 'w1')?.Status.State === 'ready');
  });

  after(async () => {
    await agent?.stop();
    dispatcher.stop();
    server.forceShutdown();
    await store.close();
  });

  void it('a node still on the old pace is not marked down; once told, the new grace applies', async () => {
    // Just after a beat: the next one is ~1 s away, far past the new grace (3 × 100 ms).
    await new Promise((r) => setTimeout(r, 150));
    period = 100;
    // A down mark closes the session and the agent re-registers at once, so watch every
    // state on the way, not only the last one.
    const states = new Set<string>();
    for (const until = Date.now() + 2_500; Date.now() < until; ) {
      states.add(store.get('nodes', 'w1')?.Status.State ?? 'missing');
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.deepEqual([...states], ['ready'], 'w1 must stay ready while it learns the new period');
    assert.equal(dispatcher.connectedNodes(), 1, 'the session is still open');
    // It beats every 100 ms now: a real silence is caught with the new, short grace.
    await agent?.stop();
    agent = undefined;
    const stopped = Date.now();
    await waitFor('w1 marked down', () => store.get('nodes', 'w1')?.Status.State === 'down', 3_000);
    assert.ok(Date.now() - stopped < 900, `marked down ${Date.now() - stopped} ms after it went silent (grace 300 ms)`);
  });
});
