// schedule() as the orchestrator uses it: batches of several services, pending reasons,
// pre-assigned (global) tasks, and the incremental Scheduler kept between passes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Scheduler, schedule } from '../../../src/scheduler/scheduler.js';
import { node, nodes, perNode, service, task, tasks } from './fixtures.js';

void describe('schedule()', () => {
  void it('places a mixed batch: each service spread on its own, all in one call (200 nodes)', () => {
    const ns = nodes(200);
    const pending = [...tasks(400, 'web'), ...tasks(200, 'api', { memoryGB: 1 }), ...tasks(10, 'db', { constraints: ['node.id==n-0007'] })];
    const r = schedule({ nodes: ns, tasks: [] }, pending);
    assert.equal(r.assignments.length, 610);
    assert.deepEqual(r.unplaced, []);
    const byService = (s: string) => perNode(r.assignments.filter((a) => a.taskId.startsWith(`${s}.`)));
    assert.ok([...byService('web').values()].every((c) => c === 2));
    assert.ok([...byService('api').values()].every((c) => c === 1));
    assert.deepEqual(Object.fromEntries(byService('db')), { 'n-0007': 10 });
  });

  void it('later services in a batch see earlier placements (fewest tasks overall)', () => {
    const ns = nodes(4);
    const r = schedule({ nodes: ns, tasks: [] }, [...tasks(2, 'a'), ...tasks(2, 'b')]);
    assert.deepEqual(
      r.assignments.map((x) => x.nodeId),
      ['n-0000', 'n-0001', 'n-0002', 'n-0003'],
    );
  });

  void it('tasks of one service with different specs are separate groups (rolling update)', () => {
    const ns = nodes(10, (i) => ({ labels: { disk: i < 5 ? 'ssd' : 'hdd' } }));
    const pending = [
      ...tasks(5, 'web', { constraints: ['node.labels.disk==ssd'] }),
      task('web.new1', 'web', { constraints: ['node.labels.disk==hdd'] }),
      task('web.new2', 'web', { constraints: ['node.labels.disk==hdd'] }),
    ];
    const r = schedule({ nodes: ns, tasks: [] }, pending);
    const on = new Map(r.assignments.map((a) => [a.taskId, a.nodeId]));
    for (let i = 1; i <= 5; i++) assert.ok(Number(on.get(`web.${i}`)!.slice(2)) < 5);
    assert.ok(Number(on.get('web.new1')!.slice(2)) >= 5);
    assert.ok(Number(on.get('web.new2')!.slice(2)) >= 5);
  });

  void it('gives every unplaced task the exact reason', () => {
    const ns = [
      ...nodes(3, { memoryGB: 2 }),
      node('down', { state: 'down' }),
      node('mgr', { role: 'manager', memoryGB: 64 }),
    ];
    const r = schedule({ nodes: ns, tasks: [] }, [
      ...tasks(4, 'big', { memoryGB: 2, constraints: ['node.role==worker'] }),
      ...tasks(1, 'huge', { memoryGB: 100 }),
    ]);
    assert.deepEqual(r.assignments.map((a) => a.taskId), ['big.1', 'big.2', 'big.3']);
    assert.deepEqual(r.unplaced, [
      {
        taskId: 'big.4',
        reason: 'no suitable node (insufficient memory on 3 nodes; 1 node not ready; scheduling constraints not satisfied on 1 node)',
      },
      { taskId: 'huge.1', reason: 'no suitable node (insufficient memory on 4 nodes; 1 node not ready)' },
    ]);
  });

  void it('pending tasks in the snapshot are not counted as placed', () => {
    const pendingTask = task('web.1', 'web', { nodeId: 'a', state: 'pending', maxReplicas: 1 });
    // A global-style task pre-assigned to node a and also present in the snapshot.
    const r = schedule({ nodes: [node('a')], tasks: [pendingTask] }, [pendingTask]);
    assert.deepEqual(r.assignments, [{ taskId: 'web.1', nodeId: 'a' }]);
  });

  void it('pre-assigned tasks are checked against their node only', () => {
    const ns = [node('a'), node('b', { availability: 'drain' }), node('c', { memoryGB: 1 })];
    const pending = [
      task('g.a', 'g', { nodeId: 'a', state: 'pending', memoryGB: 2 }),
      task('g.b', 'g', { nodeId: 'b', state: 'pending', memoryGB: 2 }),
      task('g.c', 'g', { nodeId: 'c', state: 'pending', memoryGB: 2 }),
      task('g.x', 'g', { nodeId: 'x', state: 'pending', memoryGB: 2 }),
    ];
    const r = schedule({ nodes: ns, tasks: [] }, pending);
    assert.deepEqual(r.assignments, [{ taskId: 'g.a', nodeId: 'a' }]);
    assert.deepEqual(r.unplaced, [
      { taskId: 'g.b', reason: 'no suitable node (1 node not available for new tasks)' },
      { taskId: 'g.c', reason: 'no suitable node (insufficient memory on 1 node)' },
      { taskId: 'g.x', reason: 'no suitable node (node x not found)' },
    ]);
  });

  void it('pre-assigned tasks take their place before the spread of other tasks', () => {
    const svc = service('g', [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 80, PublishMode: 'host' }]);
    const ns = nodes(2);
    const pending = [...tasks(1, 'g'), task('g.pinned', 'g', { nodeId: 'n-0000', state: 'pending' })];
    const r = schedule({ nodes: ns, tasks: [], services: [svc] }, pending);
    assert.deepEqual(r.assignments, [
      { taskId: 'g.pinned', nodeId: 'n-0000' },
      { taskId: 'g.1', nodeId: 'n-0001' },
    ]);
  });

  void it('a task listed twice in the batch gets one decision', () => {
    const t = task('web.1', 'web');
    const r = schedule({ nodes: nodes(2), tasks: [] }, [t, t, task('web.2', 'web')]);
    assert.deepEqual(r.assignments, [
      { taskId: 'web.1', nodeId: 'n-0000' },
      { taskId: 'web.2', nodeId: 'n-0001' },
    ]);
  });

  void it('does not modify its inputs', () => {
    const ns = nodes(3);
    const pending = tasks(3, 'web');
    const before = JSON.stringify([ns, pending]);
    schedule({ nodes: ns, tasks: [] }, pending);
    assert.equal(JSON.stringify([ns, pending]), before);
  });
});

void describe('Scheduler (incremental)', () => {
  void it('keeps its own assignments between calls', () => {
    const s = Scheduler.fromSnapshot({ nodes: nodes(3), tasks: [] });
    const first = s.schedule(tasks(3, 'web'));
    assert.equal(new Set(first.assignments.map((a) => a.nodeId)).size, 3);
    const second = s.schedule([task('web.4', 'web'), task('web.5', 'web')]);
    assert.deepEqual(second.assignments.map((a) => a.nodeId), ['n-0000', 'n-0001']);
    assert.equal(s.nodeInfo('n-0000')?.serviceTasks('web'), 2);
  });

  void it('setTask is idempotent and frees the slot when a task ends', () => {
    const s = Scheduler.fromSnapshot({ nodes: [node('a', { memoryGB: 2 })], tasks: [] });
    assert.equal(s.schedule(tasks(1, 'db', { memoryGB: 2 })).assignments.length, 1);
    // The orchestrator's committed version of the same task arrives by watch.
    s.setTask(task('db.1', 'db', { nodeId: 'a', state: 'assigned', memoryGB: 2 }));
    s.setTask(task('db.1', 'db', { nodeId: 'a', state: 'running', memoryGB: 2 }));
    assert.equal(s.nodeInfo('a')?.activeTasks, 1);
    assert.equal(s.schedule([task('db.2', 'db', { memoryGB: 2 })]).unplaced.length, 1);
    s.setTask(task('db.1', 'db', { nodeId: 'a', state: 'failed', memoryGB: 2 }));
    assert.equal(s.nodeInfo('a')?.activeTasks, 0);
    assert.deepEqual(s.schedule([task('db.2', 'db', { memoryGB: 2 })]).assignments, [{ taskId: 'db.2', nodeId: 'a' }]);
  });

  void it('node updates and removals change where tasks go', () => {
    const s = Scheduler.fromSnapshot({ nodes: [node('a'), node('b')], tasks: [] });
    s.setNode(node('a', { availability: 'drain' }));
    assert.deepEqual(s.schedule(tasks(2, 'web')).assignments.map((a) => a.nodeId), ['b', 'b']);
    s.removeNode('b');
    assert.equal(s.schedule([task('web.3', 'web')]).unplaced[0]?.reason, 'no suitable node (1 node not available for new tasks)');
    s.setNode(node('b'));
    assert.equal(s.nodeInfo('b')?.serviceTasks('web'), 2, 'tasks on a returning node count again');
  });

  void it('follows store events: nodes, services and tasks come, change and go', () => {
    const s = new Scheduler();
    const web = service('web', [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 80, PublishMode: 'host' }]);
    s.applyEvents([
      { table: 'nodes', kind: 'create', object: node('a') },
      { table: 'nodes', kind: 'create', object: node('b') },
      { table: 'services', kind: 'create', object: web },
      { table: 'tasks', kind: 'create', object: task('web.1', 'web', { nodeId: 'a' }) },
      { table: 'clusters', kind: 'update', object: { ID: 'cluster' } as never },
    ]);
    assert.equal(s.nodeInfo('a')?.hostPortsInUse.has('80/tcp'), true);
    assert.deepEqual(s.schedule([task('web.2', 'web')]).assignments, [{ taskId: 'web.2', nodeId: 'b' }]);
    s.applyEvents([
      { table: 'tasks', kind: 'update', object: task('web.2', 'web', { nodeId: 'b', state: 'assigned' }) },
      { table: 'tasks', kind: 'delete', object: task('web.1', 'web', { nodeId: 'a' }) },
      { table: 'nodes', kind: 'update', object: node('b', { availability: 'drain' }) },
    ]);
    assert.equal(s.nodeInfo('a')?.activeTasks, 0);
    assert.equal(s.nodeInfo('b')?.activeTasks, 1, 'the committed copy of web.2 is not counted twice');
    assert.deepEqual(s.schedule([task('web.3', 'web')]).assignments, [{ taskId: 'web.3', nodeId: 'a' }]);
    s.applyEvents([{ table: 'nodes', kind: 'delete', object: node('a') }]);
    assert.equal(s.nodeInfo('a'), undefined);
  });
});
