// The leader's autoscaler loop over a real (memory-backed) store and a pinned clock: it
// writes the replica count `service scale` writes, records its last change on the service,
// leaves services without a policy alone, starts from a manual scale, and loses its
// memory when it stops.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { Autoscaler } from '../../../src/autoscale/autoscaler.js';
import { UsageBook } from '../../../src/autoscale/usage-book.js';
import { silentLogger } from '../../../src/common/log.js';
import { MemoryBackend } from '../../../src/store/backend-memory.js';
import type { Service } from '../../../src/store/objects.js';
import { Store } from '../../../src/store/store.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const POLICY = { 'tsswarm.autoscale.min': '1', 'tsswarm.autoscale.max': '4', 'tsswarm.autoscale.target-cpu': '50', 'tsswarm.autoscale.scale-down-delay': '10s' };

void describe('autoscaler loop', () => {
  let store: Store;
  let book: UsageBook;
  let now: number;
  let scaler: Autoscaler;

  const replicas = (id: string) => (store.get('services', id) as Service).Spec.Mode.Replicated?.Replicas;

  async function service(id: string, n: number, labels: Record<string, string> = POLICY, limitNanoCpus = 0): Promise<void> {
    await store.update((tx) => {
      tx.create('services', {
        ID: id,
        Spec: {
          Name: id,
          Labels: labels,
          TaskTemplate: { ContainerSpec: { Image: 'x' }, ...(limitNanoCpus > 0 ? { Resources: { Limits: { NanoCPUs: limitNanoCpus } } } : {}) },
          Mode: { Replicated: { Replicas: n } },
        },
        Endpoint: { Spec: {} },
      });
    });
  }

  /** Running tasks `<svc>.<i>` for slots 1..n, running since a minute before T0. */
  async function tasks(svc: string, n: number): Promise<void> {
    await store.update((tx) => {
      for (let i = 1; i <= n; i++) {
        if (tx.get('tasks', `${svc}.${i}`)) continue;
        tx.create('tasks', {
          ID: `${svc}.${i}`,
          ServiceID: svc,
          Slot: i,
          NodeID: 'w1',
          Spec: { ContainerSpec: { Image: 'x' } },
          DesiredState: 'running',
          Status: { Timestamp: new Date(T0 - 60_000).toISOString(), State: 'running', Message: '' },
        });
      }
    });
  }

  /** Each task's cumulative counter as last recorded (counters only grow). */
  let counters: Map<string, { cpuNs: number; atMs: number }>;

  /** Every task of `svc` has burnt `percent` of a CPU for the last two seconds (the rate window). */
  function usage(svc: string, percent: number): void {
    for (const t of store.tasksOfService(svc)) {
      let last = counters.get(t.ID);
      if (!last || last.atMs < now - 2000) {
        last = { cpuNs: last?.cpuNs ?? 0, atMs: now - 2000 };
        assert.equal(book.record(t.ID, { ...last, receivedMs: now }, 8), undefined);
      }
      const next = { cpuNs: last.cpuNs + (percent / 100) * (now - last.atMs) * 1e6, atMs: now };
      assert.equal(book.record(t.ID, { ...next, receivedMs: now }, 8), undefined);
      counters.set(t.ID, next);
    }
  }

  beforeEach(async () => {
    store = new Store(new MemoryBackend());
    await store.open();
    book = new UsageBook();
    counters = new Map();
    now = T0;
    scaler = new Autoscaler(store, silentLogger, { book, now: () => now, timings: { startupGraceMs: 0, rateWindowMs: 2_000, staleMs: 10_000 } });
  });

  void it('scales a hot service up through the store and records why', async () => {
    await service('web', 1);
    await tasks('web', 1);
    usage('web', 100); // 2 × target
    await scaler.pass();
    assert.equal(replicas('web'), 2);
    const status = (store.get('services', 'web') as Service).TSSwarm?.Autoscale;
    assert.equal(status?.From, 1);
    assert.equal(status?.To, 2);
    assert.equal(status?.AvgCPUPercent, 100);
    assert.equal(status?.Timestamp, new Date(T0).toISOString());
    assert.match(status?.Reason ?? '', /avg CPU 100% of target 50%.*scale up to 2/);
    assert.equal(scaler.lastDecision('web')?.replicas, 2);
    assert.equal((store.get('services', 'web') as Service).PreviousSpec, undefined, 'an autoscale is not a spec change to roll back to');
  });

  void it('a service whose tasks are saturated at their CPU limit takes the full step', async () => {
    await service('capped', 1, { ...POLICY, 'tsswarm.autoscale.target-cpu': '15' }, 0.25e9);
    await tasks('capped', 1);
    usage('capped', 25); // at the 0.25-CPU limit: the formula alone would say 2
    await scaler.pass();
    assert.equal(replicas('capped'), 4, 'min(+4 step, max 4)');
    assert.match(scaler.lastDecision('capped')?.reason ?? '', /saturated at the 25% limit/);
  });

  void it('no samples: no change', async () => {
    await service('web', 2);
    await tasks('web', 2);
    await scaler.pass();
    assert.equal(replicas('web'), 2);
    assert.match(scaler.lastDecision('web')?.reason ?? '', /no usage data/);
  });

  void it('services without a policy, and global ones, are left alone', async () => {
    await service('plain', 1, { team: 'x' });
    await tasks('plain', 1);
    usage('plain', 400);
    await store.update((tx) => {
      tx.create('services', {
        ID: 'glob',
        Spec: { Name: 'glob', Labels: POLICY, TaskTemplate: { ContainerSpec: { Image: 'x' } }, Mode: { Global: {} } },
        Endpoint: { Spec: {} },
      });
    });
    const seq = store.seq;
    await scaler.pass();
    assert.equal(replicas('plain'), 1);
    assert.equal(store.seq, seq, 'nothing written');
  });

  void it('scales down only after the delay, from a manual scale too', async () => {
    await service('web', 1);
    await store.update((tx) => tx.update('services', 'web', (d) => (d.Spec.Mode.Replicated = { Replicas: 4 })));
    await tasks('web', 4);
    // First look at 4 (as if scaled by hand): idle, but the 4 stands for the 10 s delay.
    usage('web', 0);
    await scaler.pass();
    assert.equal(replicas('web'), 4);
    assert.match(scaler.lastDecision('web')?.reason ?? '', /held at 4 by the scale-down delay/);
    now += 5_000;
    usage('web', 0);
    await scaler.pass();
    assert.equal(replicas('web'), 4);
    now += 5_001;
    usage('web', 0);
    await scaler.pass();
    assert.equal(replicas('web'), 1);
  });

  void it('a manual scale between passes is where the next pass starts', async () => {
    await service('web', 1);
    await tasks('web', 3);
    usage('web', 0);
    await scaler.pass(); // tracked at 1
    await store.update((tx) => tx.update('services', 'web', (d) => (d.Spec.Mode.Replicated = { Replicas: 3 })));
    now += 1_000;
    usage('web', 0);
    await scaler.pass();
    assert.equal(replicas('web'), 3, 'the manual 3 holds for the delay');
    now += 10_001;
    usage('web', 0);
    await scaler.pass();
    assert.equal(replicas('web'), 1);
  });

  void it('a manual scale above the maximum is brought back at once', async () => {
    await service('web', 9);
    await scaler.pass();
    assert.equal(replicas('web'), 4);
  });

  void it('forgets samples of tasks that are gone, and everything on stop', async () => {
    await service('web', 1);
    await tasks('web', 1);
    book.record('gone', { cpuNs: 0, atMs: now, receivedMs: now }, 1);
    usage('web', 50);
    await scaler.pass();
    assert.equal(book.count('gone'), 0);
    assert.equal(book.count('web.1'), 2);
    scaler.run();
    scaler.stop();
    assert.equal(book.size, 0);
    assert.equal(scaler.lastDecision('web'), undefined);
  });
});
