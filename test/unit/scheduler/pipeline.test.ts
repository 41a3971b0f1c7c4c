// The building blocks on their own: the heap, the pipeline's counting and explanation
// order, custom filter lists, and NodeInfo bookkeeping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Filter } from '../../../src/scheduler/filters/filter.js';
import { Heap } from '../../../src/scheduler/heap.js';
import { buildNodeInfos, isActiveTask, NodeInfo, taskLoad } from '../../../src/scheduler/node-info.js';
import { defaultFilters, noSuitableNode, Pipeline } from '../../../src/scheduler/pipeline.js';
import { schedule } from '../../../src/scheduler/scheduler.js';
import { node, nodes, task, tasks } from './fixtures.js';

void describe('Heap', () => {
  void it('heapifies, pops in order and restores order after the top grows', () => {
    const xs = [9, 4, 7, 1, 8, 2, 6, 3, 5, 0];
    const h = new Heap<{ k: number }>((a, b) => a.k < b.k, xs.map((k) => ({ k })));
    assert.equal(h.peek()?.k, 0);
    h.peek()!.k = 10;
    h.fixTop();
    h.push({ k: -1 });
    const out: number[] = [];
    while (h.size > 0) out.push(h.pop()!.k);
    assert.deepEqual(out, [-1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(h.pop(), undefined);
  });
});

void describe('Pipeline', () => {
  void it('counts the first failing filter per node and explains most failures first', () => {
    const p = new Pipeline(defaultFilters());
    p.setTask(task('t', 'svc', { memoryGB: 4, constraints: ['node.role==worker'] }));
    const infos = [
      ...nodes(2, { state: 'down', role: 'manager' }, 'down'),
      ...nodes(3, { memoryGB: 1 }, 'small'),
      ...nodes(1, { role: 'manager' }, 'mgr'),
      ...nodes(1, {}, 'ok'),
    ].map((n) => new NodeInfo(n));
    assert.deepEqual(
      infos.map((i) => p.process(i)),
      [false, false, false, false, false, false, true],
    );
    assert.deepEqual(p.failureCounts(), [
      { filter: 'ready', nodes: 2 },
      { filter: 'constraints', nodes: 1 },
      { filter: 'memory', nodes: 3 },
    ]);
    assert.equal(p.explain(), 'insufficient memory on 3 nodes; 2 nodes not ready; scheduling constraints not satisfied on 1 node');
    p.setTask(task('u', 'svc'));
    assert.equal(p.explain(), '', 'setTask clears the counts');
  });

  void it('noSuitableNode wraps an explanation', () => {
    assert.equal(noSuitableNode(''), 'no suitable node');
    assert.equal(noSuitableNode('1 node not ready'), 'no suitable node (1 node not ready)');
  });

  void it('refuses a static filter after a dynamic one', () => {
    const [ready, , , memory] = defaultFilters();
    assert.throws(() => new Pipeline([memory!, ready!]), /filter ready is static but follows a dynamic filter/);
  });

  void it('takes a custom filter list (here: an extra static rule)', () => {
    const evenOnly: Filter = {
      name: 'even',
      dynamic: false,
      setTask: () => true,
      check: (n) => Number(n.id.slice(2)) % 2 === 0,
      explain: (k) => `${k} odd nodes`,
    };
    const r = schedule({ nodes: nodes(4), tasks: [] }, tasks(3, 'web'), {
      filters: (portsOf) => [evenOnly, ...defaultFilters(portsOf)],
    });
    assert.deepEqual(r.assignments.map((a) => a.nodeId), ['n-0000', 'n-0002', 'n-0000']);
    const none = schedule({ nodes: [node('n-1')], tasks: [] }, tasks(1, 'web'), { filters: () => [evenOnly] });
    assert.equal(none.unplaced[0]?.reason, 'no suitable node (1 odd nodes)');
  });
});

void describe('NodeInfo', () => {
  void it('adds and removes task loads', () => {
    const info = new NodeInfo(node('a', { cpus: 4, memoryGB: 8 }));
    const load = taskLoad(task('t', 'web', { cpus: 1, memoryGB: 2 }), ['80/tcp']);
    info.addTask(load);
    info.addTask(load);
    assert.equal(info.activeTasks, 2);
    assert.equal(info.serviceTasks('web'), 2);
    assert.equal(info.availableNanoCPUs, 2e9);
    assert.equal(info.availableMemoryBytes, 4 * 1024 ** 3);
    assert.equal(info.hostPortsInUse.get('80/tcp'), 2);
    info.removeTask(load);
    info.removeTask(load);
    assert.equal(info.activeTasks, 0);
    assert.equal(info.tasksByService.size, 0);
    assert.equal(info.hostPortsInUse.size, 0);
    assert.equal(info.availableNanoCPUs, 4e9);
  });

  void it('counts only active tasks with a node, and ignores unknown nodes', () => {
    assert.equal(isActiveTask(task('a', 's', { nodeId: 'x', state: 'running' })), true);
    assert.equal(isActiveTask(task('b', 's', { nodeId: 'x', state: 'assigned' })), true);
    assert.equal(isActiveTask(task('c', 's', { nodeId: 'x', state: 'complete' })), false);
    assert.equal(isActiveTask(task('d', 's', { nodeId: 'x', state: 'running', desired: 'shutdown' })), false);
    const infos = buildNodeInfos(
      [node('x')],
      [
        task('a', 's', { nodeId: 'x' }),
        task('c', 's', { nodeId: 'x', state: 'complete' }),
        task('e', 's', { nodeId: 'gone' }),
        task('f', 's'),
      ],
    );
    assert.equal(infos.get('x')?.activeTasks, 1);
    assert.equal(infos.size, 1);
  });
});
