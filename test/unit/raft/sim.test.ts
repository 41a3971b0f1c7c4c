// Runs the deterministic simulator over many seeds. A failure message
// carries the seed and the command that replays its trace.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSeed, type SimResult } from '../../raft/sim.js';

const SEEDS = Number(process.env['RAFT_SIM_SEEDS'] ?? 1500);

function report(r: SimResult, nodes: number): string {
  return `seed ${r.seed} (${nodes} nodes) failed: ${r.error}\n` +
    `replay: npm run sim -- --seed ${r.seed} --nodes ${nodes} --trace\n` +
    r.trace.slice(-40).join('\n');
}

for (const nodes of [3, 5]) {
  void test(`simulator: ${SEEDS} seeds with ${nodes} nodes keep safety and liveness`, () => {
    let applied = 0;
    let snapshots = 0;
    let confChanges = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = runSeed({ seed, nodes });
      assert.ok(r.ok, report(r, nodes));
      applied += r.stats.applied;
      snapshots += r.stats.snapshots;
      confChanges += r.stats.confChanges;
    }
    // Guard against a simulator that silently stopped exercising the core.
    assert.ok(applied > SEEDS * 50, `too few applied entries: ${applied}`);
    assert.ok(snapshots > SEEDS, `too few snapshots: ${snapshots}`);
    assert.ok(confChanges > SEEDS / 2, `too few conf changes: ${confChanges}`);
  });
}

void test('simulator: the same seed replays the same trace', () => {
  const a = runSeed({ seed: 4242, nodes: 5, verbose: true });
  const b = runSeed({ seed: 4242, nodes: 5, verbose: true });
  assert.deepEqual(a.trace, b.trace);
  assert.ok(a.trace.length > 100);
});

void test('simulator: a driver that forgets its vote on restart is caught (election safety)', () => {
  const failures: SimResult[] = [];
  for (let seed = 1; seed <= 300 && failures.length === 0; seed++) {
    const r = runSeed({ seed, nodes: 3, bug: 'forgetVote' });
    if (!r.ok) failures.push(r);
  }
  assert.equal(failures.length, 1, 'expected the checker to catch the double vote');
  assert.match(failures[0]?.error ?? '', /election safety|leader completeness|state machine safety|log matching/);
});

void test('simulator: local reads without ReadIndex are caught by the linearizability checker', () => {
  let caught: SimResult | undefined;
  let tried = 0;
  for (let seed = 1; seed <= 100 && !caught; seed++, tried++) {
    const r = runSeed({ seed, nodes: 3, bug: 'localRead' });
    if (!r.ok) caught = r;
  }
  assert.ok(caught, `no failure in ${tried} seeds`);
  assert.match(caught.error ?? '', /linearizability: KV history is not linearizable/);
});
