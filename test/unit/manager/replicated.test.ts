import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileRemoved, reconcileReplicated, type ReconcileContext } from '../../../src/manager/orchestrator/replicated.js';
import type { Node, Service, Task, TaskState } from '../../../src/store/objects.js';

const NOW = Date.parse('2026-01-01T00:00:10Z');
let seq = 0;

function ctx(nodes: Node[] = [node('n1'), node('n2')]): ReconcileContext {
  return { nodes: new Map(nodes.map((n) => [n.ID, n])), now: NOW, historyLimit: 5, newId: () => `new${++seq}` };
}

function node(id: string, state: Node['Status']['State'] = 'ready', availability: Node['Spec']['Availability'] = 'active'): Node {
  return {
    ID: id,
    Version: { Index: 1 },
    CreatedAt: '',
    UpdatedAt: '',
    Spec: { Labels: {}, Role: 'worker', Availability: availability },
    Description: {
      Hostname: id,
      Platform: { OS: 'linux', Architecture: 'x86_64' },
      Resources: { NanoCPUs: 1e9, MemoryBytes: 1e9 },
      Engine: { EngineVersion: '', Labels: {} },
    },
    Status: { State: state, Addr: '127.0.0.1' },
  };
}

function svc(replicas: number, extra: Partial<Service['Spec']> = {}): Service {
  return {
    ID: 's',
    Version: { Index: 1 },
    CreatedAt: '',
    UpdatedAt: '',
    Spec: { Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'img' } }, Mode: { Replicated: { Replicas: replicas } }, ...extra },
    Endpoint: { Spec: {} },
  };
}

function task(id: string, slot: number, state: TaskState, opts: Partial<Task> = {}): Task {
  return {
    ID: id,
    Version: { Index: 1 },
    CreatedAt: `2026-01-01T00:00:0${slot}Z`,
    UpdatedAt: '',
    ServiceID: 's',
    Slot: slot,
    NodeID: 'n1',
    Spec: { ContainerSpec: { Image: 'img' } },
    Status: { Timestamp: '2026-01-01T00:00:00Z', State: state, Message: '' },
    DesiredState: 'running',
    ...opts,
  };
}

test('creates one pending task per missing slot', () => {
  const a = reconcileReplicated(svc(3), [task('t1', 1, 'running')], ctx());
  assert.deepEqual(a.create.map((t) => t.Slot).sort(), [2, 3]);
  assert.ok(a.create.every((t) => t.Status.State === 'pending' && t.DesiredState === 'running'));
  assert.deepEqual(a.setDesired, []);
});

test('scale down asks the highest slots to be removed', () => {
  const tasks = [task('t1', 1, 'running'), task('t2', 2, 'running'), task('t3', 3, 'running')];
  const a = reconcileReplicated(svc(1), tasks, ctx());
  assert.deepEqual(a.create, []);
  assert.deepEqual(a.setDesired.map((d) => [d.taskId, d.desired]).sort(), [['t2', 'remove'], ['t3', 'remove']]);
});

test('removed-slot tasks that have stopped are forgotten', () => {
  const a = reconcileReplicated(svc(1), [task('t1', 1, 'running'), task('t2', 2, 'shutdown', { DesiredState: 'remove' })], ctx());
  assert.deepEqual(a.remove, ['t2']);
});

test('a failed task is replaced after the restart delay, not before', () => {
  const failedAt = new Date(NOW - 1000).toISOString();
  const failed = task('t1', 1, 'failed', { Status: { Timestamp: failedAt, State: 'failed', Message: 'exit 1' } });
  const early = reconcileReplicated(svc(1), [failed], ctx());
  assert.equal(early.create.length, 0);
  assert.equal(early.recheckAt, NOW - 1000 + 5000);
  const noDelay = svc(1, { TaskTemplate: { ContainerSpec: { Image: 'img' }, RestartPolicy: { Delay: 0 } } });
  const late = reconcileReplicated(noDelay, [{ ...failed, Spec: noDelay.Spec.TaskTemplate }], ctx());
  assert.equal(late.create.length, 1);
  assert.equal(late.create[0]?.Slot, 1);
});

test('restart condition none and on-failure are honoured', () => {
  const none = svc(1, { TaskTemplate: { ContainerSpec: { Image: 'img' }, RestartPolicy: { Condition: 'none', Delay: 0 } } });
  const failed = task('t1', 1, 'failed', { Spec: none.Spec.TaskTemplate });
  assert.equal(reconcileReplicated(none, [failed], ctx()).create.length, 0);
  const onFailure = svc(1, { TaskTemplate: { ContainerSpec: { Image: 'img' }, RestartPolicy: { Condition: 'on-failure', Delay: 0 } } });
  const done = task('t1', 1, 'complete', { Spec: onFailure.Spec.TaskTemplate });
  assert.equal(reconcileReplicated(onFailure, [done], ctx()).create.length, 0);
  assert.equal(reconcileReplicated(onFailure, [{ ...done, Status: { ...done.Status, State: 'failed' } }], ctx()).create.length, 1);
});

test('tasks on a down node are marked for removal and replaced at once', () => {
  const a = reconcileReplicated(svc(1), [task('t1', 1, 'running', { NodeID: 'n2' })], ctx([node('n1'), node('n2', 'down')]));
  assert.deepEqual(a.setDesired, [{ taskId: 't1', desired: 'remove' }]);
  assert.equal(a.create.length, 1);
  assert.equal(a.create[0]?.Slot, 1);
});

test('history per slot is trimmed to the limit', () => {
  const tasks = [task('live', 1, 'running', { CreatedAt: '2026-01-01T00:00:09Z' })];
  for (let i = 0; i < 7; i++) tasks.push(task(`old${i}`, 1, 'failed', { CreatedAt: `2026-01-01T00:00:0${i}Z` }));
  const a = reconcileReplicated(svc(1), tasks, ctx());
  // live + 4 newest failed are kept (5 in all); the 3 oldest go.
  assert.deepEqual(a.remove.sort(), ['old0', 'old1', 'old2']);
});

test('spec change replaces running tasks one slot at a time', () => {
  const newer = svc(3, { TaskTemplate: { ContainerSpec: { Image: 'img:2' } } });
  const tasks = [task('t1', 1, 'running'), task('t2', 2, 'running'), task('t3', 3, 'running')];
  const a = reconcileReplicated(newer, tasks, ctx());
  assert.equal(a.create.length, 1);
  assert.equal(a.setDesired.length, 1);
  assert.equal(a.create[0]?.Spec.ContainerSpec.Image, 'img:2');
});

test('tasks of a removed service: running ones are asked to stop, stopped or unplaced ones are forgotten', () => {
  const a = reconcileRemoved(
    [task('run', 1, 'running'), task('done', 2, 'shutdown'), task('pend', 3, 'pending', { NodeID: undefined })],
    ctx(),
  );
  assert.deepEqual(a.setDesired, [{ taskId: 'run', desired: 'remove' }]);
  assert.deepEqual(a.remove.sort(), ['done', 'pend']);
});

test('restart max attempts: gives up after N restarts, counted inside the window', () => {
  const policy = { Condition: 'on-failure' as const, Delay: 0, MaxAttempts: 2, Window: 60e9 };
  const s = svc(1, { TaskTemplate: { ContainerSpec: { Image: 'img' }, RestartPolicy: policy } });
  const failedAt = (msAgo: number) => new Date(NOW - msAgo).toISOString();
  const failed = (id: string, msAgo: number, created: string) =>
    task(id, 1, 'failed', { Spec: s.Spec.TaskTemplate, CreatedAt: created, Status: { Timestamp: failedAt(msAgo), State: 'failed', Message: '' } });
  // First run + 2 restarts have failed: no third restart.
  const three = [failed('a', 3000, '2026-01-01T00:00:03Z'), failed('b', 2000, '2026-01-01T00:00:02Z'), failed('c', 1000, '2026-01-01T00:00:01Z')];
  assert.equal(reconcileReplicated(s, three, ctx()).create.length, 0);
  // Two failures: one more restart is allowed.
  assert.equal(reconcileReplicated(s, three.slice(0, 2), ctx()).create.length, 1);
  // Old failures outside the window do not count.
  const old = [failed('a', 1000, '2026-01-01T00:00:03Z'), failed('b', 120_000, '2026-01-01T00:00:02Z'), failed('c', 130_000, '2026-01-01T00:00:01Z')];
  assert.equal(reconcileReplicated(s, old, ctx()).create.length, 1);
});

test('min-available: a drain starts the replacement first and stops the old task only once it runs', () => {
  const s = svc(2, { Labels: { 'com.tsswarm.min-available': '2' } });
  const nodes = [node('n1', 'ready', 'drain'), node('n2')];
  const t1 = task('t1', 1, 'running', { NodeID: 'n1' });
  const t2 = task('t2', 2, 'running', { NodeID: 'n2' });
  const first = reconcileReplicated(s, [t1, t2], ctx(nodes));
  assert.deepEqual(first.setDesired, [], 'old task must keep running');
  assert.equal(first.create.length, 1);
  assert.equal(first.create[0]?.Slot, 1);
  // Replacement placed but not running yet: still held.
  const repl = task('r1', 1, 'assigned', { NodeID: 'n2', CreatedAt: '2026-01-01T00:00:09Z' });
  const second = reconcileReplicated(s, [t1, t2, repl], ctx(nodes));
  assert.deepEqual(second.setDesired, []);
  assert.equal(second.create.length, 0);
  // Replacement running: now the drained one stops.
  const third = reconcileReplicated(s, [t1, t2, { ...repl, Status: { ...repl.Status, State: 'running' } }], ctx(nodes));
  assert.deepEqual(third.setDesired, [{ taskId: 't1', desired: 'shutdown' }]);
});

test('without a budget a drain stops the task at once and replaces it', () => {
  const a = reconcileReplicated(svc(1), [task('t1', 1, 'running', { NodeID: 'n1' })], ctx([node('n1', 'ready', 'drain'), node('n2')]));
  assert.deepEqual(a.setDesired, [{ taskId: 't1', desired: 'shutdown' }]);
  assert.equal(a.create.length, 1);
});

test('min-available as a percentage bounds scale-down stops per pass', () => {
  const s = svc(2, { Labels: { 'com.tsswarm.min-available': '100%' } });
  const tasks = [1, 2, 3, 4].map((i) => task(`t${i}`, i, 'running'));
  // 4 running, must keep 2 (100% of the new 2): both extra slots may go.
  assert.equal(reconcileReplicated(s, tasks, ctx()).setDesired.length, 2);
  // Only 3 running (slot 1 still starting): one extra may go now, the other waits.
  const starting = [{ ...tasks[0]!, Status: { ...tasks[0]!.Status, State: 'starting' as const } }, ...tasks.slice(1)];
  assert.equal(reconcileReplicated(s, starting, ctx()).setDesired.length, 1);
});

test('rolling update under a full budget starts the new task before stopping the old', () => {
  const s = svc(2, { Labels: { 'com.tsswarm.min-available': '2' }, TaskTemplate: { ContainerSpec: { Image: 'img:2' } } });
  const tasks = [task('t1', 1, 'running'), task('t2', 2, 'running')];
  const a = reconcileReplicated(s, tasks, ctx());
  assert.deepEqual(a.setDesired, []);
  assert.equal(a.create.length, 1);
  assert.equal(a.create[0]?.Spec.ContainerSpec.Image, 'img:2');
});

test('a lost task reported stopped after its node returns is forgotten (its container goes)', () => {
  const stale = task('old', 1, 'shutdown', { NodeID: 'n2', DesiredState: 'remove', CreatedAt: '2026-01-01T00:00:01Z' });
  const fresh = task('new', 1, 'running', { NodeID: 'n1', CreatedAt: '2026-01-01T00:00:05Z' });
  const a = reconcileReplicated(svc(1), [stale, fresh], ctx());
  assert.deepEqual(a.remove, ['old']);
  assert.equal(a.create.length, 0);
});

test('min-available: a covered stop in one slot does not lend headroom to another slot', () => {
  // Slot 1 is covered (replacement running) and slot 2's replacement is only assigned.
  // Stopping slot 1's old task costs nothing; slot 2's old task must keep running.
  const s = svc(2, { Labels: { 'com.tsswarm.min-available': '2' } });
  const nodes = [node('n1', 'ready', 'drain'), node('n2')];
  const tasks = [
    task('old2', 2, 'running', { NodeID: 'n1', CreatedAt: '2026-01-01T00:00:01Z' }),
    task('new2', 2, 'assigned', { NodeID: 'n2', CreatedAt: '2026-01-01T00:00:05Z' }),
    task('old1', 1, 'running', { NodeID: 'n1', CreatedAt: '2026-01-01T00:00:01Z' }),
    task('new1', 1, 'running', { NodeID: 'n2', CreatedAt: '2026-01-01T00:00:05Z' }),
  ];
  const a = reconcileReplicated(s, tasks, ctx(nodes));
  assert.deepEqual(a.setDesired, [{ taskId: 'old1', desired: 'shutdown' }]);
});
