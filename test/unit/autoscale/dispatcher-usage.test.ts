// Usage reports on a real worker session: a real Dispatcher served over gRPC on 127.0.0.1
// and a real Agent (simulated engine: no containers). Good samples land in the leader's
// usage book; bad ones (another node's task, unknown ids, counters going backwards,
// absurd rates, garbage numbers) are dropped and the session carries on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { UsageBook } from '../../../src/autoscale/usage-book.js';
import { silentLogger } from '../../../src/common/log.js';
import { dispatcherProto } from '../../../src/common/proto.js';
import { SimulatedExecutor } from '../../../src/engine/simulated/executor.js';
import type { ManagerMessage__Output } from '../../../src/generated/tsswarm/dispatcher/v1/ManagerMessage.js';
import type { WorkerMessage } from '../../../src/generated/tsswarm/dispatcher/v1/WorkerMessage.js';
import { ensureCluster } from '../../../src/manager/bootstrap.js';
import { Dispatcher } from '../../../src/manager/dispatcher/dispatcher.js';
import { MemoryBackend } from '../../../src/store/backend-memory.js';
import { Store } from '../../../src/store/store.js';
import { Agent } from '../../../src/worker/agent.js';
import { waitFor as waitUntil } from '../../harness/cluster.js';
import { serveDispatcher } from '../../harness/dispatcher-server.js';

const waitFor = <T>(what: string, fn: () => T | undefined | false): Promise<T> => waitUntil(what, fn, 5000, 10);

void describe('dispatcher: usage reports', () => {
  const store = new Store(new MemoryBackend());
  const book = new UsageBook();
  let dispatcher: Dispatcher;
  let server: grpc.Server;
  let agent: Agent;
  let addr = '';
  let token = '';

  before(async () => {
    await store.open();
    const cluster = await ensureCluster(store, { nodeId: 'm1', hostname: 'm1', clusterAddr: '127.0.0.1:1', availability: 'drain', heartbeatPeriodMs: 250 });
    token = cluster.JoinTokens.Worker;
    await store.update((tx) => {
      tx.create('services', {
        ID: 'svc',
        Spec: { Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'x' } }, Mode: { Replicated: { Replicas: 2 } } },
        Endpoint: { Spec: {} },
      });
      const task = (ID: string, NodeID: string, running = true) =>
        tx.create('tasks', {
          ID,
          ServiceID: 'svc',
          Slot: 1,
          NodeID,
          Spec: { ContainerSpec: { Image: 'x' } },
          DesiredState: running ? 'running' : 'shutdown',
          Status: { Timestamp: new Date().toISOString(), State: running ? 'running' : 'shutdown', Message: '' },
        });
      task('t-mine', 'w1');
      task('t-mine-2', 'w1');
      task('t-other', 'w2');
      task('t-done', 'w1', false);
    });
    dispatcher = new Dispatcher(
      store,
      { heartbeatPeriodMs: () => 250, graceMultiplier: 8, managerAddrs: () => ['127.0.0.1:1'], selfNodeId: 'm1', usage: book },
      silentLogger,
    );
    ({ server, addr } = await serveDispatcher(dispatcher));
    dispatcher.run();
    // 2 CPUs: the bound for absurd rates.
    const executor = new SimulatedExecutor({ hostname: 'w1', nanoCpus: 2e9 });
    agent = new Agent({ nodeId: 'w1', token, managerAddrs: [addr], description: await executor.describe(), executor, log: silentLogger });
    await agent.start();
  });

  after(async () => {
    await agent?.stop();
    dispatcher.stop();
    server.forceShutdown();
    await store.close();
  });

  void it('good samples of the node’s own running tasks reach the book', async () => {
    const t0 = Date.now();
    assert.equal(agent.sendUsage([{ taskId: 't-mine', cpuNs: 1e9, atMs: t0 }]), true);
    await waitFor('first sample', () => book.count('t-mine') === 1);
    agent.sendUsage([{ taskId: 't-mine', cpuNs: 1.5e9, atMs: t0 + 1000 }]);
    await waitFor('second sample', () => book.count('t-mine') === 2);
    const rate = book.rate('t-mine', Date.now(), 10_000, 10_000);
    assert.equal(rate?.cpuPercent, 50);
  });

  void it('bad samples are dropped, the good ones beside them kept, and the session lives on', async () => {
    const t0 = Date.now() + 10_000;
    agent.sendUsage([
      { taskId: 't-other', cpuNs: 1e9, atMs: t0 }, // another node's task
      { taskId: 'no-such-task', cpuNs: 1e9, atMs: t0 },
      { taskId: 't-done', cpuNs: 1e9, atMs: t0 }, // not running
      { taskId: 't-mine', cpuNs: 1e8, atMs: t0 }, // went backwards (was 1.5e9)
      { taskId: 't-mine-2', cpuNs: 0, atMs: t0 },
    ]);
    await waitFor('the good sample of the batch', () => book.count('t-mine-2') === 1);
    assert.equal(book.count('t-other'), 0);
    assert.equal(book.count('no-such-task'), 0);
    assert.equal(book.count('t-done'), 0);
    assert.equal(book.count('t-mine'), 0, 'a series whose counter went backwards restarts');
    // 1000 s of CPU in 1 s on a 2-CPU node: absurd.
    agent.sendUsage([{ taskId: 't-mine-2', cpuNs: 1000e9, atMs: t0 + 1000 }]);
    agent.sendUsage([{ taskId: 't-mine-2', cpuNs: 0.5e9, atMs: t0 + 2000 }]);
    await waitFor('the sane sample after the absurd one', () => book.count('t-mine-2') === 2);
    assert.equal(book.rate('t-mine-2', Date.now(), 10_000, 10_000)?.cpuPercent, 25);
    assert.equal(dispatcher.connectedNodes(), 1);
  });

  void it('raw garbage on the wire (no session id, wrong types, huge numbers) does not end the session', async () => {
    // A second, hand-driven session for node w3, to send what an Agent never would.
    const Client = dispatcherProto().tsswarm.dispatcher.v1.Dispatcher;
    const client = new Client(addr, grpc.credentials.createInsecure());
    const stream = client.Session();
    const acks: ManagerMessage__Output[] = [];
    stream.on('data', (m: ManagerMessage__Output) => acks.push(m));
    stream.on('error', () => {});
    try {
      stream.write({ register: { token, node_id: 'w3', hostname: 'w3', nano_cpus: 1e9 } } satisfies WorkerMessage);
      await waitFor('w3 session', () => acks.some((m) => m.session));
      // Samples before any session-bound checks: unknown task ids, empty ids, a uint64 past 2^53.
      stream.write({ usage: { usage: [{ task_id: '' }, { task_id: 't-mine', cpu_total_ns: '18446744073709551615', sampled_at_ms: -5 }] } } satisfies WorkerMessage);
      stream.write({ usage: { session_id: 'bogus', usage: [{ task_id: 'x'.repeat(10_000), cpu_total_ns: 1, sampled_at_ms: 1 }] } } satisfies WorkerMessage);
      stream.write({ usage: {} } satisfies WorkerMessage);
      const before = acks.filter((m) => m.heartbeat_ack).length;
      stream.write({ heartbeat: { session_id: '' } } satisfies WorkerMessage);
      await waitFor('a heartbeat ack after the garbage', () => acks.filter((m) => m.heartbeat_ack).length > before);
      assert.equal(book.count('t-mine'), 0, "w1's task is not w3's to report");
    } finally {
      stream.cancel();
      client.close();
    }
  });

  void it('a dispatcher that is not leading keeps nothing', async () => {
    const idle = new UsageBook();
    const d = new Dispatcher(store, { heartbeatPeriodMs: () => 100, graceMultiplier: 5, managerAddrs: () => [], usage: idle }, silentLogger);
    // Not run(): no session can register, so no report is ever ingested.
    const s = await serveDispatcher(d);
    const Client = dispatcherProto().tsswarm.dispatcher.v1.Dispatcher;
    const client = new Client(s.addr, grpc.credentials.createInsecure());
    const stream = client.Session();
    const ended = new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    stream.write({ register: { token, node_id: 'w1' } } satisfies WorkerMessage);
    stream.write({ usage: { usage: [{ task_id: 't-mine', cpu_total_ns: 1, sampled_at_ms: Date.now() }] } } satisfies WorkerMessage);
    assert.equal((await ended).code, grpc.status.UNAVAILABLE);
    assert.equal(idle.size, 0);
    client.close();
    d.stop();
    s.server.forceShutdown();
  });
});
