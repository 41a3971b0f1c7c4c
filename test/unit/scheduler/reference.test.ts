// The heap/tree scheduler against a naive reference that, for every task, runs every rule
// on every node and picks the best by scanning: random clusters from a seeded generator,
// same decisions and same reasons expected. This guards the shortcuts (static filters once
// per group, dropping full nodes and groups for good, heap order).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeMatches, parseConstraints } from '../../../src/scheduler/constraint.js';
import { buildNodeInfos, hostPortsOf, taskLoad, type NodeInfo } from '../../../src/scheduler/node-info.js';
import { parsePlacementPrefs, spreadValue } from '../../../src/scheduler/placement-pref.js';
import { schedule, type ScheduleResult } from '../../../src/scheduler/scheduler.js';
import type { Node, Service, Task } from '../../../src/store/objects.js';
import { node, service, task, type NodeOpts, type TaskOpts } from './fixtures.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const MINUTE = 60_000;

/** mulberry32: small, seeded, good enough to pick test shapes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rules: Array<{ name: string; explain: (n: number) => string }> = [
  { name: 'ready', explain: (n) => `${nodesText(n)} not ready` },
  { name: 'availability', explain: (n) => `${nodesText(n)} not available for new tasks` },
  { name: 'constraints', explain: (n) => `scheduling constraints not satisfied on ${nodesText(n)}` },
  { name: 'memory', explain: (n) => `insufficient memory on ${nodesText(n)}` },
  { name: 'cpu', explain: (n) => `insufficient cpu on ${nodesText(n)}` },
  { name: 'host-ports', explain: (n) => `host-mode port already in use on ${nodesText(n)}` },
  { name: 'max-replicas', explain: () => 'max replicas per node limit exceed' },
];

function nodesText(n: number): string {
  return n === 1 ? '1 node' : `${n} nodes`;
}

/** Index of the first rule `info` fails for `t`, or -1. */
function firstFailure(t: Task, info: NodeInfo, ports: readonly string[]): number {
  const n = info.node;
  const r = t.Spec.Resources?.Reservations;
  const p = t.Spec.Placement;
  if (n.Status.State !== 'ready') return 0;
  if (n.Spec.Availability !== 'active') return 1;
  if (p?.Constraints?.length && !nodeMatches(parseConstraints(p.Constraints), n)) return 2;
  if ((r?.MemoryBytes ?? 0) > 0 && r!.MemoryBytes! > info.availableMemoryBytes) return 3;
  if ((r?.NanoCPUs ?? 0) > 0 && r!.NanoCPUs! > info.availableNanoCPUs) return 4;
  if (ports.some((x) => info.hostPortsInUse.has(x))) return 5;
  if ((p?.MaxReplicas ?? 0) > 0 && info.serviceTasks(t.ServiceID) >= p!.MaxReplicas!) return 6;
  return -1;
}

function reference(nodes: Node[], placed: Task[], services: Service[], pending: Task[]): ScheduleResult {
  const portsBy = new Map(services.map((s) => [s.ID, hostPortsOf(s.Spec.EndpointSpec?.Ports)]));
  const portsOf = (t: Task) => portsBy.get(t.ServiceID) ?? [];
  const infos = [...buildNodeInfos(nodes, placed, portsOf).values()];
  const out: ScheduleResult = { assignments: [], unplaced: [] };
  for (const t of pending) {
    const prefs = parsePlacementPrefs(t.Spec.Placement);
    const fitting = infos.filter((i) => firstFailure(t, i, portsOf(t)) < 0);
    // Walk the preference levels: the group (label value) with the fewest tasks of the
    // service over all its nodes, among groups that still have a fitting node.
    let pool = fitting;
    let scope = infos;
    for (const pref of prefs) {
      const values = [...new Set(pool.map((i) => spreadValue(pref, i.node)))];
      const count = (v: string) =>
        scope.filter((i) => spreadValue(pref, i.node) === v).reduce((s, i) => s + i.serviceTasks(t.ServiceID), 0);
      values.sort((a, b) => count(a) - count(b) || (a < b ? -1 : a > b ? 1 : 0));
      const pick = values[0];
      pool = pool.filter((i) => spreadValue(pref, i.node) === pick);
      scope = scope.filter((i) => spreadValue(pref, i.node) === pick);
    }
    // Failures of the service on a node in the last 5 minutes: 5 or more rank a node last.
    const fails = (i: NodeInfo) =>
      placed.filter(
        (p) =>
          p.NodeID === i.id &&
          p.ServiceID === t.ServiceID &&
          (p.Status.State === 'failed' || p.Status.State === 'rejected') &&
          Date.parse(p.Status.Timestamp) >= NOW - 5 * MINUTE,
      ).length;
    const key = (i: NodeInfo): [number, number, number, string] => {
      const f = fails(i);
      return [f >= 5 ? f : 0, i.serviceTasks(t.ServiceID), i.activeTasks, i.id];
    };
    let best: NodeInfo | undefined;
    for (const i of pool) {
      if (best === undefined || compareKeys(key(i), key(best)) < 0) best = i;
    }
    if (best !== undefined) {
      best.addTask(taskLoad(t, portsOf(t)));
      out.assignments.push({ taskId: t.ID, nodeId: best.id });
      continue;
    }
    const counts = rules.map(() => 0);
    for (const i of infos) {
      const f = firstFailure(t, i, portsOf(t));
      if (f >= 0) counts[f]!++;
    }
    const text = rules
      .map((r, k) => ({ r, n: counts[k]!, k }))
      .filter((e) => e.n > 0)
      .sort((a, b) => b.n - a.n || a.k - b.k)
      .map((e) => e.r.explain(e.n))
      .join('; ');
    out.unplaced.push({ taskId: t.ID, reason: text === '' ? 'no suitable node' : `no suitable node (${text})` });
  }
  return out;
}

/** Lexicographic; a failure count under 5 reads as 0, so it only matters from 5 up. */
function compareKeys(a: [number, number, number, string], b: [number, number, number, string]): number {
  for (let k = 0; k < 3; k++) if (a[k] !== b[k]) return (a[k] as number) - (b[k] as number);
  return a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0;
}

function pickOne<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function scenario(seed: number): { nodes: Node[]; placed: Task[]; services: Service[]; pending: Task[] } {
  const r = rng(seed);
  const nodeCount = 20 + Math.floor(r() * 60);
  const nodes = Array.from({ length: nodeCount }, (_, i) => {
    const o: NodeOpts = {
      state: r() < 0.1 ? 'down' : 'ready',
      availability: r() < 0.08 ? pickOne(r, ['pause', 'drain'] as const) : 'active',
      role: r() < 0.2 ? 'manager' : 'worker',
      labels: r() < 0.15 ? {} : { zone: pickOne(r, ['a', 'b', 'c']), rack: pickOne(r, ['r1', 'r2']) },
      cpus: pickOne(r, [1, 2, 4]),
      memoryGB: pickOne(r, [1, 2, 4, 8]),
    };
    return node(`n${String(i).padStart(3, '0')}`, o);
  });
  const services = [
    service('s0'),
    service('s1', [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' }]),
    service('s2'),
    service('s3', [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' }]),
    service('s4'),
  ];
  const shapes: TaskOpts[] = services.map(() => {
    const o: TaskOpts = {};
    if (r() < 0.4) o.constraints = [pickOne(r, ['node.role==worker', 'node.labels.zone!=c', 'node.labels.rack==r1'])];
    if (r() < 0.5) o.spread = r() < 0.5 ? ['node.labels.zone'] : ['node.labels.zone', 'node.labels.rack'];
    if (r() < 0.4) o.memoryGB = pickOne(r, [0.5, 1, 2]);
    if (r() < 0.3) o.cpus = pickOne(r, [0.5, 1]);
    if (r() < 0.3) o.maxReplicas = pickOne(r, [1, 2]);
    return o;
  });
  const placed: Task[] = [];
  for (let k = 0; k < nodeCount; k++) {
    const s = Math.floor(r() * services.length);
    placed.push(task(`old${k}`, `s${s}`, { ...shapes[s], nodeId: pickOne(r, nodes).ID }));
  }
  // Some nodes have had recent (or not so recent) failures of a service.
  for (let k = 0; k < nodeCount / 4; k++) {
    const nodeId = pickOne(r, nodes).ID;
    const s = Math.floor(r() * services.length);
    const count = 3 + Math.floor(r() * 5);
    for (let f = 0; f < count; f++) {
      const t = task(`fail${k}-${f}`, `s${s}`, { nodeId, state: 'failed', desired: 'shutdown' });
      t.Status.Timestamp = new Date(NOW - Math.floor(r() * 8) * MINUTE).toISOString();
      placed.push(t);
    }
  }
  const pending: Task[] = [];
  services.forEach((_, s) => {
    // Even seeds: small groups (placed by scanning); odd seeds: larger ones (heaps).
    const n = seed % 2 === 0 ? 1 + Math.floor(r() * 4) : Math.floor(r() * 40);
    for (let k = 0; k < n; k++) pending.push(task(`s${s}.${k}`, `s${s}`, shapes[s]));
  });
  return { nodes, placed, services, pending };
}

void describe('scheduler matches the naive reference', () => {
  for (let seed = 1; seed <= 60; seed++) {
    void it(`random cluster #${seed}`, () => {
      const { nodes, placed, services, pending } = scenario(seed);
      const want = reference(nodes, placed, services, pending);
      const got = schedule({ nodes, tasks: placed, services, now: NOW }, pending);
      assert.deepEqual(got, want);
    });
  }
});
