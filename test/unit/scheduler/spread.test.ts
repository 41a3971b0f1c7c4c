// Node ordering and placement preferences: even spread over nodes (tasks of the service,
// then tasks overall, then node ID), and spread over label values first, nested.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePlacementPref } from '../../../src/scheduler/placement-pref.js';
import { PlacementPrefParseError } from '../../../src/scheduler/errors.js';
import { schedule } from '../../../src/scheduler/scheduler.js';
import type { Node, Task } from '../../../src/store/objects.js';
import { node, nodes, perNode, task, tasks, type NodeOpts } from './fixtures.js';

function countsBy(ns: readonly Node[], assignments: ReadonlyArray<{ nodeId: string }>, label: string): Record<string, number> {
  const byId = new Map(ns.map((n) => [n.ID, n.Spec.Labels[label] ?? '']));
  const out: Record<string, number> = {};
  for (const a of assignments) {
    const v = byId.get(a.nodeId) ?? '?';
    out[v] = (out[v] ?? 0) + 1;
  }
  return out;
}

void describe('spread over nodes', () => {
  void it('5 replicas on 2 nodes: 3 + 2', () => {
    const r = schedule({ nodes: [node('a'), node('b')], tasks: [] }, tasks(5, 'web'));
    assert.deepEqual(Object.fromEntries(perNode(r.assignments)), { a: 3, b: 2 });
  });

  void it('10 replicas on 3 nodes: 4 / 3 / 3', () => {
    const r = schedule({ nodes: [node('a'), node('b'), node('c')], tasks: [] }, tasks(10, 'web'));
    assert.deepEqual(Object.fromEntries(perNode(r.assignments)), { a: 4, b: 3, c: 3 });
  });

  void it('1,000 replicas on 300 nodes: every node gets 3 or 4', () => {
    const r = schedule({ nodes: nodes(300), tasks: [] }, tasks(1000, 'web'));
    const counts = [...perNode(r.assignments).values()];
    assert.equal(counts.length, 300);
    assert.equal(counts.filter((c) => c === 4).length, 100);
    assert.equal(counts.filter((c) => c === 3).length, 200);
  });

  void it('evens out the service first, counting its running tasks', () => {
    const ns = nodes(50);
    // Nodes 0–9 already run 2 web tasks each.
    const existing = ns.slice(0, 10).flatMap((n, i) => [
      task(`old${i}a`, 'web', { nodeId: n.ID }),
      task(`old${i}b`, 'web', { nodeId: n.ID }),
    ]);
    const r = schedule({ nodes: ns, tasks: existing }, tasks(80, 'web'));
    const per = perNode(r.assignments);
    for (const n of ns.slice(0, 10)) assert.equal(per.get(n.ID), undefined);
    for (const n of ns.slice(10)) assert.equal(per.get(n.ID), 2);
  });

  void it('ties on the service break on fewest tasks overall, then node ID', () => {
    const ns = nodes(60);
    // Every node but the last 5 runs one task of another service.
    const existing = ns.slice(0, 55).map((n, i) => task(`o${i}`, 'other', { nodeId: n.ID }));
    const r = schedule({ nodes: ns, tasks: existing }, tasks(7, 'web'));
    assert.deepEqual(
      r.assignments.map((a) => a.nodeId),
      ['n-0055', 'n-0056', 'n-0057', 'n-0058', 'n-0059', 'n-0000', 'n-0001'],
    );
  });

  void it('is deterministic: the same snapshot gives the same decisions', () => {
    const ns = nodes(100, (i) => ({ labels: { zone: `z${i % 3}` } }));
    const pending = tasks(333, 'web', { spread: ['node.labels.zone'] });
    assert.deepEqual(schedule({ nodes: ns, tasks: [] }, pending), schedule({ nodes: [...ns].reverse(), tasks: [] }, pending));
  });
});

void describe('spread preferences', () => {
  void it('3 zones with uneven node counts get even task counts (1 + 4 + 45 nodes)', () => {
    const ns = nodes(50, (i) => ({ labels: { zone: i === 0 ? 'a' : i <= 4 ? 'b' : 'c' } }));
    const r = schedule({ nodes: ns, tasks: [] }, tasks(30, 'web', { spread: ['node.labels.zone'] }));
    assert.deepEqual(countsBy(ns, r.assignments, 'zone'), { a: 10, b: 10, c: 10 });
    // Within zone b the 10 spread 3/3/2/2 over its 4 nodes.
    const inB = [...perNode(r.assignments).entries()].filter(([id]) => ['n-0001', 'n-0002', 'n-0003', 'n-0004'].includes(id));
    assert.deepEqual(inB.map(([, c]) => c).sort(), [2, 2, 3, 3]);
  });

  void it('without the preference the same tasks follow the nodes, not the zones', () => {
    const ns = nodes(50, (i) => ({ labels: { zone: i === 0 ? 'a' : i <= 4 ? 'b' : 'c' } }));
    const r = schedule({ nodes: ns, tasks: [] }, tasks(30, 'web'));
    assert.deepEqual(countsBy(ns, r.assignments, 'zone'), { a: 1, b: 4, c: 25 });
  });

  void it('counts running tasks per zone and fills the emptiest zone first', () => {
    const ns = nodes(30, (i) => ({ labels: { zone: `z${i % 3}` } }));
    // z0 already holds 6 tasks of the service, z1 holds 3.
    const existing: Task[] = [
      ...[0, 3, 6, 9, 12, 15].map((i) => task(`o${i}`, 'web', { nodeId: ns[i]!.ID })),
      ...[1, 4, 7].map((i) => task(`o${i}`, 'web', { nodeId: ns[i]!.ID })),
    ];
    const r = schedule({ nodes: ns, tasks: existing }, tasks(9, 'web', { spread: ['node.labels.zone'] }));
    assert.deepEqual(countsBy(ns, r.assignments, 'zone'), { z1: 3, z2: 6 });
  });

  void it('nodes without the label form their own group', () => {
    const ns = nodes(40, (i): NodeOpts => ({ labels: i < 10 ? {} : { zone: i < 25 ? 'east' : 'west' } }));
    const r = schedule({ nodes: ns, tasks: [] }, tasks(30, 'web', { spread: ['node.labels.zone'] }));
    assert.deepEqual(countsBy(ns, r.assignments, 'zone'), { '': 10, east: 10, west: 10 });
  });

  void it('nested preferences: even over datacenters, then over racks within each', () => {
    // dc1 has racks r1 (2 nodes) and r2 (8 nodes); dc2 has r3 (20 nodes).
    const ns = nodes(30, (i) => ({
      labels: i < 10 ? { dc: 'dc1', rack: i < 2 ? 'r1' : 'r2' } : { dc: 'dc2', rack: 'r3' },
    }));
    const r = schedule({ nodes: ns, tasks: [] }, tasks(20, 'web', { spread: ['node.labels.dc', 'node.labels.rack'] }));
    assert.deepEqual(countsBy(ns, r.assignments, 'dc'), { dc1: 10, dc2: 10 });
    assert.deepEqual(countsBy(ns, r.assignments, 'rack'), { r1: 5, r2: 5, r3: 10 });
  });

  void it('a full zone overflows into the others', () => {
    // Zone a: 2 nodes that fit 1 task each; zone b: 10 big nodes.
    const ns = [
      node('a1', { labels: { zone: 'a' }, memoryGB: 1 }),
      node('a2', { labels: { zone: 'a' }, memoryGB: 1 }),
      ...nodes(10, { labels: { zone: 'b' }, memoryGB: 64 }),
    ];
    const r = schedule({ nodes: ns, tasks: [] }, tasks(20, 'web', { spread: ['node.labels.zone'], memoryGB: 1 }));
    assert.deepEqual(countsBy(ns, r.assignments, 'zone'), { a: 2, b: 18 });
  });

  void it('zones with no eligible node are skipped; constraints apply within zones', () => {
    const ns = nodes(30, (i) => ({ labels: { zone: `z${i % 3}` }, role: i % 3 === 0 ? 'manager' : 'worker' }));
    const r = schedule(
      { nodes: ns, tasks: [] },
      tasks(10, 'web', { spread: ['node.labels.zone'], constraints: ['node.role==worker'] }),
    );
    assert.deepEqual(countsBy(ns, r.assignments, 'zone'), { z1: 5, z2: 5 });
  });

  void it('spreads over engine labels too', () => {
    const ns = nodes(12, (i) => ({ engineLabels: { disk: i < 2 ? 'ssd' : 'hdd' } }));
    const r = schedule({ nodes: ns, tasks: [] }, tasks(8, 'web', { spread: ['engine.labels.disk'] }));
    const ssd = r.assignments.filter((a) => a.nodeId === 'n-0000' || a.nodeId === 'n-0001').length;
    assert.equal(ssd, 4);
  });
});

void describe('parsePlacementPref', () => {
  void it('accepts the CLI form and the Engine API form', () => {
    const want = { strategy: 'spread', descriptor: 'node.labels.zone', source: 'node.labels', label: 'zone' };
    assert.deepEqual(parsePlacementPref('spread=node.labels.zone'), want);
    assert.deepEqual(parsePlacementPref({ Spread: { SpreadDescriptor: 'node.labels.zone' } }), want);
    assert.deepEqual(parsePlacementPref('spread=engine.labels.disk').source, 'engine.labels');
  });

  const bad: Array<[string, string]> = [
    ['node.labels.zone', "invalid placement preference 'node.labels.zone': expected 'spread=<descriptor>'"],
    ['binpack=node.labels.zone', "invalid placement preference 'binpack=node.labels.zone': unsupported strategy 'binpack' (only 'spread')"],
    [
      'spread=node.hostname',
      "invalid placement preference 'spread=node.hostname': unsupported descriptor 'node.hostname' (expected node.labels.<name> or engine.labels.<name>)",
    ],
    ['spread=node.labels.', "invalid placement preference 'spread=node.labels.': missing label name"],
  ];
  for (const [pref, message] of bad) {
    void it(`rejects ${JSON.stringify(pref)}`, () => {
      assert.throws(
        () => parsePlacementPref(pref),
        (err: unknown) => err instanceof PlacementPrefParseError && err.message === message && err.preference === pref,
      );
    });
  }

  void it('a task with a bad preference stays pending with the parse error', () => {
    const r = schedule({ nodes: nodes(2), tasks: [] }, tasks(1, 'web', { spread: ['node.role'] }));
    assert.equal(
      r.unplaced[0]?.reason,
      "invalid placement preference 'spread=node.role': unsupported descriptor 'node.role' (expected node.labels.<name> or engine.labels.<name>)",
    );
  });
});
