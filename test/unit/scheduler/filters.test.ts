// One block per filter, each run through schedule() on 50–500 nodes so the rule is seen
// both deciding placements and explaining the tasks it leaves pending.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { schedule } from '../../../src/scheduler/scheduler.js';
import { node, nodes, perNode, service, task, tasks } from './fixtures.js';

void describe('ready and availability filters', () => {
  void it('places only on ready, active nodes (200 nodes, every other state mixed in)', () => {
    const ns = nodes(200, (i) => ({
      state: i % 4 === 1 ? 'down' : i % 4 === 2 ? 'disconnected' : 'ready',
      availability: i % 4 === 3 ? (i % 8 === 3 ? 'drain' : 'pause') : 'active',
    }));
    const r = schedule({ nodes: ns, tasks: [] }, tasks(100, 'web'));
    assert.equal(r.assignments.length, 100);
    const usable = new Set(ns.filter((_, i) => i % 4 === 0).map((n) => n.ID));
    for (const a of r.assignments) assert.ok(usable.has(a.nodeId), `${a.nodeId} is not ready+active`);
    assert.deepEqual([...perNode(r.assignments).values()], Array(50).fill(2));
  });

  void it('explains nodes that are down and nodes that are drained or paused', () => {
    const ns = [
      node('a', { state: 'down' }),
      node('b', { state: 'unknown' }),
      node('c', { availability: 'drain' }),
      node('d', { availability: 'pause' }),
      node('e', { availability: 'drain' }),
    ];
    const r = schedule({ nodes: ns, tasks: [] }, tasks(2, 'web'));
    assert.deepEqual(r.unplaced, [
      { taskId: 'web.1', reason: 'no suitable node (3 nodes not available for new tasks; 2 nodes not ready)' },
      { taskId: 'web.2', reason: 'no suitable node (3 nodes not available for new tasks; 2 nodes not ready)' },
    ]);
  });

  void it('a node both down and drained counts once, as not ready (the first rule)', () => {
    const r = schedule({ nodes: [node('a', { state: 'down', availability: 'drain' })], tasks: [] }, tasks(1, 'web'));
    assert.equal(r.unplaced[0]?.reason, 'no suitable node (1 node not ready)');
  });

  void it('no nodes at all: plain "no suitable node"', () => {
    const r = schedule({ nodes: [], tasks: [] }, tasks(1, 'web'));
    assert.deepEqual(r.unplaced, [{ taskId: 'web.1', reason: 'no suitable node' }]);
  });
});

void describe('resources filter', () => {
  void it('fills nodes up to their memory and leaves the rest pending with the reason', () => {
    // 100 nodes × 8 GB, tasks reserve 3 GB: 2 fit per node, 200 in all.
    const ns = nodes(100, { memoryGB: 8 });
    const r = schedule({ nodes: ns, tasks: [] }, tasks(250, 'db', { memoryGB: 3 }));
    assert.equal(r.assignments.length, 200);
    for (const n of perNode(r.assignments).values()) assert.equal(n, 2);
    assert.equal(r.unplaced.length, 50);
    for (const u of r.unplaced) assert.equal(u.reason, 'no suitable node (insufficient memory on 100 nodes)');
  });

  void it('counts reservations of tasks already on the node', () => {
    const ns = nodes(50, { memoryGB: 4 });
    // Node 0 already holds a 3 GB task: only 1 GB left.
    const existing = [task('old', 'other', { nodeId: ns[0]!.ID, memoryGB: 3 })];
    const r = schedule({ nodes: ns, tasks: existing }, tasks(50, 'db', { memoryGB: 2 }));
    assert.equal(r.assignments.length, 50);
    assert.ok(!r.assignments.some((a) => a.nodeId === ns[0]!.ID));
    const r2 = schedule({ nodes: ns, tasks: existing }, tasks(99, 'db', { memoryGB: 2 }));
    assert.equal(r2.assignments.length, 98);
    assert.equal(r2.unplaced[0]?.reason, 'no suitable node (insufficient memory on 50 nodes)');
  });

  void it('terminal tasks and tasks desired to shut down free their reservations', () => {
    const ns = [node('a', { memoryGB: 4 })];
    const existing = [
      task('done', 'x', { nodeId: 'a', memoryGB: 4, state: 'failed' }),
      task('stopping', 'x', { nodeId: 'a', memoryGB: 4, state: 'running', desired: 'shutdown' }),
    ];
    const r = schedule({ nodes: ns, tasks: existing }, tasks(1, 'db', { memoryGB: 4 }));
    assert.deepEqual(r.assignments, [{ taskId: 'db.1', nodeId: 'a' }]);
  });

  void it('explains cpu and memory separately, most failures first', () => {
    const ns = [...nodes(3, { memoryGB: 1, cpus: 8 }, 'small'), ...nodes(2, { memoryGB: 64, cpus: 1 }, 'big')];
    const r = schedule({ nodes: ns, tasks: [] }, tasks(1, 'db', { memoryGB: 2, cpus: 2 }));
    assert.equal(r.unplaced[0]?.reason, 'no suitable node (insufficient memory on 3 nodes; insufficient cpu on 2 nodes)');
  });

  void it('combines with readiness in one explanation, like the Docker example', () => {
    const ns = [...nodes(3, { memoryGB: 1 }), node('drained', { availability: 'drain' })];
    const r = schedule({ nodes: ns, tasks: [] }, tasks(1, 'db', { memoryGB: 2 }));
    assert.equal(r.unplaced[0]?.reason, 'no suitable node (insufficient memory on 3 nodes; 1 node not available for new tasks)');
  });

  void it('cpu reservations fill nodes to their cores (500 nodes)', () => {
    const ns = nodes(500, { cpus: 2 });
    const r = schedule({ nodes: ns, tasks: [] }, tasks(1001, 'cpu', { cpus: 1 }));
    assert.equal(r.assignments.length, 1000);
    assert.deepEqual(r.unplaced, [{ taskId: 'cpu.1001', reason: 'no suitable node (insufficient cpu on 500 nodes)' }]);
  });
});

void describe('max-replicas filter', () => {
  void it('places at most MaxReplicas tasks of the service per node (100 nodes)', () => {
    const ns = nodes(100);
    const r = schedule({ nodes: ns, tasks: [] }, tasks(250, 'web', { maxReplicas: 2 }));
    assert.equal(r.assignments.length, 200);
    for (const n of perNode(r.assignments).values()) assert.equal(n, 2);
    assert.equal(r.unplaced.length, 50);
    assert.equal(r.unplaced[0]?.reason, 'no suitable node (max replicas per node limit exceed)');
  });

  void it('counts tasks already running and ignores other services', () => {
    const ns = nodes(50);
    const existing = [
      ...ns.slice(0, 10).map((n, i) => task(`old${i}`, 'web', { nodeId: n.ID })),
      ...ns.map((n, i) => task(`other${i}`, 'other', { nodeId: n.ID })),
    ];
    const r = schedule({ nodes: ns, tasks: existing }, tasks(45, 'web', { maxReplicas: 1 }));
    assert.equal(r.assignments.length, 40);
    const busy = new Set(ns.slice(0, 10).map((n) => n.ID));
    assert.ok(r.assignments.every((a) => !busy.has(a.nodeId)));
  });
});

void describe('host-ports filter', () => {
  const web = service('web', [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' }]);

  void it('one task per node for a host-mode published port (60 nodes)', () => {
    const ns = nodes(60);
    const r = schedule({ nodes: ns, tasks: [], services: [web] }, tasks(61, 'web'));
    assert.equal(r.assignments.length, 60);
    assert.equal(perNode(r.assignments).size, 60);
    assert.deepEqual(r.unplaced, [{ taskId: 'web.61', reason: 'no suitable node (host-mode port already in use on 60 nodes)' }]);
  });

  void it('conflicts across services on the same port and protocol only', () => {
    const ns = nodes(50);
    const udp = service('dns', [{ Protocol: 'udp', TargetPort: 53, PublishedPort: 8080, PublishMode: 'host' }]);
    const tcp = service('api', [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' }]);
    const existing = ns.slice(0, 20).map((n, i) => task(`api${i}`, 'api', { nodeId: n.ID }));
    const services = [web, udp, tcp];
    const r = schedule({ nodes: ns, tasks: existing, services }, [...tasks(30, 'web'), ...tasks(50, 'dns')]);
    const taken = new Set(ns.slice(0, 20).map((n) => n.ID));
    const webNodes = r.assignments.filter((a) => a.taskId.startsWith('web.')).map((a) => a.nodeId);
    assert.equal(webNodes.length, 30);
    assert.ok(webNodes.every((id) => !taken.has(id)), 'tcp/8080 is taken on the first 20 nodes');
    assert.equal(r.assignments.filter((a) => a.taskId.startsWith('dns.')).length, 50, 'udp/8080 is free everywhere');
  });

  void it('ingress-mode and unpublished host ports never conflict', () => {
    const ns = nodes(2);
    const svc = service('web', [
      { Protocol: 'tcp', TargetPort: 80, PublishedPort: 80, PublishMode: 'ingress' },
      { Protocol: 'tcp', TargetPort: 81, PublishMode: 'host' },
    ]);
    const r = schedule({ nodes: ns, tasks: [], services: [svc] }, tasks(10, 'web'));
    assert.equal(r.assignments.length, 10);
  });
});
