import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileGlobal } from '../../../src/manager/orchestrator/global.js';
import { reconcileReplicatedJob } from '../../../src/manager/orchestrator/jobs.js';
import type { ReconcileContext } from '../../../src/manager/orchestrator/replicated.js';
import type { Node, Service, Task, TaskState } from '../../../src/store/objects.js';

let seq = 0;
function node(id: string, o: { state?: Node['Status']['State']; availability?: Node['Spec']['Availability']; labels?: Record<string, string> } = {}): Node {
  return {
    ID: id, Version: { Index: 1 }, CreatedAt: '', UpdatedAt: '',
    Spec: { Labels: o.labels ?? {}, Role: 'worker', Availability: o.availability ?? 'active' },
    Description: { Hostname: id, Platform: { OS: 'linux', Architecture: 'x86_64' }, Resources: { NanoCPUs: 1e9, MemoryBytes: 1e9 }, Engine: { EngineVersion: '', Labels: {} } },
    Status: { State: o.state ?? 'ready', Addr: '127.0.0.1' },
  };
}
function ctx(nodes: Node[]): ReconcileContext {
  return { nodes: new Map(nodes.map((n) => [n.ID, n])), now: Date.now(), historyLimit: 5, newId: () => `t${++seq}` };
}
function svc(mode: Service['Spec']['Mode'], constraints?: string[]): Service {
  return {
    ID: 's', Version: { Index: 1 }, CreatedAt: '', UpdatedAt: '', Endpoint: { Spec: {} },
    Spec: { Name: 'g', Mode: mode, TaskTemplate: { ContainerSpec: { Image: 'img' }, ...(constraints ? { Placement: { Constraints: constraints } } : {}) } },
  };
}
function task(id: string, nodeId: string, state: TaskState, desired: TaskState = 'running', slot?: number): Task {
  return {
    ID: id, Version: { Index: 1 }, CreatedAt: '2026-01-01T00:00:00Z', UpdatedAt: '', ServiceID: 's', NodeID: nodeId,
    ...(slot !== undefined ? { Slot: slot } : {}),
    Spec: { ContainerSpec: { Image: 'img' } }, Status: { Timestamp: '', State: state, Message: '' }, DesiredState: desired,
  };
}

test('global: one task per ready, active node matching constraints', () => {
  const nodes = [node('a', { labels: { zone: 'x' } }), node('b', { labels: { zone: 'y' } }), node('c', { availability: 'drain' }), node('d', { state: 'down' })];
  const all = reconcileGlobal(svc({ Global: {} }), [], ctx(nodes));
  assert.deepEqual(all.create.map((t) => t.NodeID).sort(), ['a', 'b']);
  const zoned = reconcileGlobal(svc({ Global: {} }, ['node.labels.zone==x']), [], ctx(nodes));
  assert.deepEqual(zoned.create.map((t) => t.NodeID), ['a']);
});

test('global: a node that is drained gets its task stopped; a removed node is forgotten', () => {
  const nodes = [node('a', { availability: 'drain' })];
  const a = reconcileGlobal(svc({ Global: {} }), [task('ta', 'a', 'running'), task('tz', 'zz', 'running')], ctx(nodes));
  assert.deepEqual(a.setDesired, [{ taskId: 'ta', desired: 'shutdown' }]);
  assert.deepEqual(a.remove, ['tz']);
  assert.equal(a.create.length, 0);
});

test('global job: runs once per node, not again after completion', () => {
  const nodes = [node('a'), node('b')];
  const a = reconcileGlobal(svc({ GlobalJob: {} }), [task('ta', 'a', 'complete', 'complete')], ctx(nodes), true);
  assert.deepEqual(a.create.map((t) => [t.NodeID, t.DesiredState]), [['b', 'complete']]);
});

test('replicated job: at most MaxConcurrent at once, until TotalCompletions', () => {
  const s = svc({ ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 5 } });
  assert.equal(reconcileReplicatedJob(s, [], ctx([])).create.length, 2);
  const tasks = [task('1', 'a', 'complete', 'complete', 0), task('2', 'a', 'complete', 'complete', 1), task('3', 'a', 'running', 'complete', 2)];
  const a = reconcileReplicatedJob(s, tasks, ctx([]));
  assert.equal(a.create.length, 1);
  assert.equal(a.create[0]?.DesiredState, 'complete');
  const done = [0, 1, 2, 3, 4].map((i) => task(`d${i}`, 'a', 'complete', 'complete', i));
  assert.equal(reconcileReplicatedJob(s, done, ctx([])).create.length, 0);
});
