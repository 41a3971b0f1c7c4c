// swarmkit's recent-failure rule: a node where the service failed 5 times in the last 5
// minutes goes after every node with fewer failures, so a task that keeps failing on one
// broken node is not sent straight back. Only with `now` given (the scheduler reads no clock).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Scheduler, schedule } from '../../../src/scheduler/scheduler.js';
import type { Task } from '../../../src/store/objects.js';
import { node, nodes, perNode, task, tasks } from './fixtures.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const MINUTE = 60_000;

function failed(id: string, serviceId: string, nodeId: string, minutesAgo: number, state: 'failed' | 'rejected' = 'failed'): Task {
  const t = task(id, serviceId, { nodeId, state, desired: 'shutdown' });
  t.Status.Timestamp = new Date(NOW - minutesAgo * MINUTE).toISOString();
  return t;
}

function failures(n: number, serviceId: string, nodeId: string, minutesAgo = 1): Task[] {
  return Array.from({ length: n }, (_, i) =>
    failed(`f-${serviceId}-${nodeId}-${i}`, serviceId, nodeId, minutesAgo, i % 2 ? 'rejected' : 'failed'),
  );
}

void describe('recent failures', () => {
  const ab = [node('a'), node('b')];

  void it('5 recent failures of the service on a node send its next task elsewhere', () => {
    const r = schedule({ nodes: ab, tasks: failures(5, 'web', 'a'), now: NOW }, tasks(1, 'web'));
    assert.deepEqual(r.assignments, [{ taskId: 'web.1', nodeId: 'b' }]);
  });

  void it('no effect without now, under 5 failures, for older failures or other services', () => {
    const pending = tasks(1, 'web');
    const cases: Array<[string, Parameters<typeof schedule>[0]]> = [
      ['no now', { nodes: ab, tasks: failures(5, 'web', 'a') }],
      ['4 failures', { nodes: ab, tasks: failures(4, 'web', 'a'), now: NOW }],
      ['6 minutes ago', { nodes: ab, tasks: failures(5, 'web', 'a', 6), now: NOW }],
      ['other service', { nodes: ab, tasks: failures(5, 'api', 'a'), now: NOW }],
    ];
    for (const [name, input] of cases) {
      assert.deepEqual(schedule(input, pending).assignments, [{ taskId: 'web.1', nodeId: 'a' }], name);
    }
  });

  void it('the faulty node comes last even with fewer tasks, in the heap path too (60 nodes)', () => {
    const ns = nodes(60);
    const r = schedule({ nodes: ns, tasks: failures(5, 'web', 'n-0000'), now: NOW }, tasks(119, 'web'));
    const per = perNode(r.assignments);
    assert.equal(r.assignments.length, 119);
    assert.equal(per.get('n-0000'), undefined, 'every other node ranks first, however loaded');
    assert.deepEqual([...per.values()].sort().reverse().slice(0, 2), [3, 2]);
  });

  void it('a faulty node is still used when nothing else fits', () => {
    const r = schedule(
      { nodes: ab, tasks: failures(5, 'web', 'a'), now: NOW },
      tasks(4, 'web', { maxReplicas: 2, spread: ['node.labels.zone'] }),
    );
    assert.deepEqual(Object.fromEntries(perNode(r.assignments)), { b: 2, a: 2 });
  });

  void it('more failures rank lower among faulty nodes', () => {
    const ns = [node('a'), node('b'), node('c')];
    const r = schedule(
      { nodes: ns, tasks: [...failures(7, 'web', 'a'), ...failures(5, 'web', 'b'), ...failures(5, 'web', 'c')], now: NOW },
      [task('web.1', 'web', { maxReplicas: 1 }), task('web.2', 'web', { maxReplicas: 1 }), task('web.3', 'web', { maxReplicas: 1 })],
    );
    assert.deepEqual(r.assignments.map((x) => x.nodeId), ['b', 'c', 'a']);
  });

  void it('the incremental Scheduler counts a failed task once however often it is seen', () => {
    const s = Scheduler.fromSnapshot({ nodes: ab, tasks: failures(4, 'web', 'a') });
    const fifth = failed('f5', 'web', 'a', 1);
    for (let i = 0; i < 3; i++) s.setTask(fifth);
    assert.deepEqual(s.schedule(tasks(1, 'web'), NOW).assignments, [{ taskId: 'web.1', nodeId: 'b' }]);
    const s2 = Scheduler.fromSnapshot({ nodes: ab, tasks: failures(3, 'web', 'a') });
    for (let i = 0; i < 3; i++) s2.setTask(fifth);
    assert.deepEqual(s2.schedule(tasks(1, 'web'), NOW).assignments, [{ taskId: 'web.1', nodeId: 'a' }]);
  });
});
