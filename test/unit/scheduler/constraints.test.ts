// Placement constraints: every key with both operators through schedule() on 100–300
// nodes, then the parser's accept/reject rules and error texts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConstraintParseError } from '../../../src/scheduler/errors.js';
import { nodeMatches, parseConstraint, parseConstraints } from '../../../src/scheduler/constraint.js';
import { schedule } from '../../../src/scheduler/scheduler.js';
import type { Node } from '../../../src/store/objects.js';
import { node, nodes, tasks, type NodeOpts } from './fixtures.js';

/** 300 nodes with a spread of attributes: index i decides each one. */
const cluster: Node[] = nodes(300, (i): NodeOpts => ({
  role: i % 10 === 0 ? 'manager' : 'worker',
  hostname: `box${i}`,
  os: i % 3 === 0 ? 'windows' : 'linux',
  arch: i % 2 === 0 ? 'x86_64' : 'aarch64',
  labels: i % 5 === 0 ? {} : { zone: `z${i % 5}`, Tier: 'Front' },
  engineLabels: i % 4 === 0 ? { disk: 'ssd' } : { disk: 'hdd' },
  addr: `10.${Math.floor(i / 100)}.0.${i % 100}`,
}));

function placedOn(constraints: string[], count = 50): Set<string> {
  const r = schedule({ nodes: cluster, tasks: [] }, tasks(count, 'svc', { constraints }));
  return new Set(r.assignments.map((a) => a.nodeId));
}

function ids(pred: (i: number) => boolean): Set<string> {
  return new Set(cluster.filter((_, i) => pred(i)).map((n) => n.ID));
}

function assertWithin(got: Set<string>, allowed: Set<string>): void {
  for (const id of got) assert.ok(allowed.has(id), `${id} should not have been used`);
  assert.ok(got.size > 0);
}

void describe('constraint keys and operators', () => {
  const cases: Array<[string, (i: number) => boolean]> = [
    ['node.id==n-0042', (i) => i === 42],
    ['node.id!=n-0042', (i) => i !== 42],
    ['node.hostname==box7', (i) => i === 7],
    ['node.hostname!=box7', (i) => i !== 7],
    ['node.role==manager', (i) => i % 10 === 0],
    ['node.role!=manager', (i) => i % 10 !== 0],
    ['node.platform.os==windows', (i) => i % 3 === 0],
    ['node.platform.os!=windows', (i) => i % 3 !== 0],
    ['node.platform.arch==aarch64', (i) => i % 2 === 1],
    ['node.platform.arch!=aarch64', (i) => i % 2 === 0],
    ['node.labels.zone==z2', (i) => i % 5 === 2],
    ['node.labels.zone!=z2', (i) => i % 5 !== 2],
    ['engine.labels.disk==ssd', (i) => i % 4 === 0],
    ['engine.labels.disk!=ssd', (i) => i % 4 !== 0],
    ['node.ip==10.1.0.5', (i) => i === 105],
    ['node.ip!=10.1.0.5', (i) => i !== 105],
    ['node.ip==10.2.0.0/16', (i) => i >= 200],
    ['node.ip!=10.2.0.0/16', (i) => i < 200],
  ];
  for (const [expr, pred] of cases) {
    void it(expr, () => {
      const allowed = ids(pred);
      const got = placedOn([expr], Math.min(50, allowed.size * 2));
      assertWithin(got, allowed);
      // Spread covers every allowed node when there are at least as many tasks.
      if (allowed.size <= 50) assert.equal(got.size, allowed.size);
    });
  }

  void it('several constraints all apply (AND)', () => {
    const allowed = ids((i) => i % 10 !== 0 && i % 5 === 1 && i % 4 === 0);
    assertWithin(placedOn(['node.role==worker', 'node.labels.zone==z1', 'engine.labels.disk==ssd']), allowed);
  });

  void it('values and keys match case-insensitively; label names do not', () => {
    assertWithin(placedOn(['NODE.ROLE==MANAGER']), ids((i) => i % 10 === 0));
    assertWithin(placedOn(['node.labels.Tier==front']), ids((i) => i % 5 !== 0));
    const r = schedule({ nodes: cluster, tasks: [] }, tasks(1, 'svc', { constraints: ['node.labels.tier==front'] }));
    assert.equal(r.unplaced[0]?.reason, 'no suitable node (scheduling constraints not satisfied on 300 nodes)');
  });

  void it('a missing label reads as empty: != matches nodes without it', () => {
    assertWithin(placedOn(['node.labels.zone!=z1']), ids((i) => i % 5 !== 1));
    const unlabeled = placedOn(['node.labels.zone!=z1', 'node.labels.zone!=z2', 'node.labels.zone!=z3', 'node.labels.zone!=z4'], 120);
    assert.deepEqual(unlabeled, ids((i) => i % 5 === 0));
  });

  void it('a node object without label maps reads labels as empty instead of throwing', () => {
    const bare = node('bare');
    delete (bare.Spec as { Labels?: unknown }).Labels;
    delete (bare.Description.Engine as { Labels?: unknown }).Labels;
    const r = schedule({ nodes: [bare], tasks: [] }, [
      ...tasks(1, 'a', { constraints: ['node.labels.zone!=east', 'engine.labels.disk!=ssd'] }),
      ...tasks(1, 'b', { constraints: ['node.labels.zone==east'] }),
      ...tasks(1, 'c', { spread: ['node.labels.zone', 'engine.labels.disk'] }),
    ]);
    assert.deepEqual(r.assignments.map((a) => a.taskId), ['a.1', 'c.1']);
    assert.equal(r.unplaced[0]?.reason, 'no suitable node (scheduling constraints not satisfied on 1 node)');
  });

  void it('explains unmatched constraints with the node count, and 1 node in the singular', () => {
    const r = schedule({ nodes: cluster, tasks: [] }, tasks(1, 'svc', { constraints: ['node.labels.zone==mars'] }));
    assert.equal(r.unplaced[0]?.reason, 'no suitable node (scheduling constraints not satisfied on 300 nodes)');
    const one = schedule({ nodes: [node('a')], tasks: [] }, tasks(1, 'svc', { constraints: ['node.role==manager'] }));
    assert.equal(one.unplaced[0]?.reason, 'no suitable node (scheduling constraints not satisfied on 1 node)');
  });

  void it('nodeMatches works on a bare Node for callers outside the scheduler', () => {
    const c = parseConstraints(['node.role==manager', 'node.platform.os==windows']);
    assert.equal(nodeMatches(c, cluster[0]!), true);
    assert.equal(nodeMatches(c, cluster[3]!), false);
  });
});

void describe('parseConstraints', () => {
  void it('parses keys, operators and trimmed values', () => {
    assert.deepEqual(parseConstraint(' node.labels.zone == east '), {
      expression: ' node.labels.zone == east ',
      field: 'node.labels',
      label: 'zone',
      operator: '==',
      value: 'east',
    });
    assert.deepEqual(parseConstraint('node.role!=manager'), {
      expression: 'node.role!=manager',
      field: 'node.role',
      operator: '!=',
      value: 'manager',
    });
    assert.equal(parseConstraint('engine.labels.com.example.disk==ssd').label, 'com.example.disk');
  });

  const bad: Array<[string, string]> = [
    ['node.role=manager', "invalid constraint 'node.role=manager': expected one operator from ==, !="],
    ['node.role', "invalid constraint 'node.role': expected one operator from ==, !="],
    ['node.role>=manager', "invalid constraint 'node.role>=manager': expected one operator from ==, !="],
    ['==manager', "invalid constraint '==manager': key '' is invalid"],
    ['node role==manager', "invalid constraint 'node role==manager': key 'node role' is invalid"],
    ['node.role==', "invalid constraint 'node.role==': value '' is invalid"],
    ['node.role==a==b', "invalid constraint 'node.role==a==b': value 'a==b' is invalid"],
    ['node.labels.zone==<east>', "invalid constraint 'node.labels.zone==<east>': value '<east>' is invalid"],
    [
      'node.colour==red',
      "invalid constraint 'node.colour==red': unknown key 'node.colour' (expected node.id, node.hostname, node.ip, node.role, node.platform.os, node.platform.arch, node.labels.<name> or engine.labels.<name>)",
    ],
    ['node.ip==10.0.0.300', "invalid constraint 'node.ip==10.0.0.300': value '10.0.0.300' is not an IP address or IPv4 network"],
    ['node.ip==10.0.0.0/33', "invalid constraint 'node.ip==10.0.0.0/33': value '10.0.0.0/33' is not an IP address or IPv4 network"],
  ];
  for (const [expr, message] of bad) {
    void it(`rejects ${JSON.stringify(expr)}`, () => {
      assert.throws(
        () => parseConstraints(['node.role==worker', expr]),
        (err: unknown) => {
          assert.ok(err instanceof ConstraintParseError);
          assert.equal(err.message, message);
          assert.equal(err.expression, expr);
          assert.equal(err.code, 'invalid_constraint');
          return true;
        },
      );
    });
  }

  void it('a task with a bad constraint stays pending with the parse error; others still place', () => {
    const r = schedule({ nodes: nodes(3), tasks: [] }, [
      ...tasks(2, 'bad', { constraints: ['node.colour==red'] }),
      ...tasks(2, 'good', { constraints: ['node.role==worker'] }),
    ]);
    assert.equal(r.assignments.length, 2);
    assert.equal(r.unplaced.length, 2);
    assert.match(r.unplaced[0]!.reason, /^invalid constraint 'node.colour==red': unknown key 'node.colour'/);
  });
});
