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

test('tasks on a down node are shut down and replaced at once', () => {
  const a = reconcileReplicated(svc(1), [task('t1', 1, 'running', { NodeID: 'n2' })], ctx([node('n1'), node('n2', 'down')]));
  assert.deepEqual(a.setDesired, [{ taskId: 't1', desired: 'shutdown' }]);
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
