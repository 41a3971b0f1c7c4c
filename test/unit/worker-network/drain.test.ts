// DrainingAssignments: a backend that stops being wanted keeps running for the drain delay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DrainingAssignments } from '../../../src/worker/network/drain.js';
import type { AssignedTask } from '../../../src/worker/types.js';

function task(id: string, desiredState: AssignedTask['desiredState'] = 'running'): AssignedTask {
  return {
    id, serviceId: 's', serviceName: 's', slot: 1, nodeId: 'n', image: 'i', command: [], args: [], env: [], labels: {}, hostname: '', dir: '', user: '',
    stopGracePeriodMs: 0, nanoCpus: 0, memoryBytes: 0, desiredState, ports: [],
  };
}

test('a backend leaving the set (or set to shutdown) keeps running for the delay; others pass at once', async () => {
  const sent: Array<Array<[string, string]>> = [];
  const d = new DrainingAssignments((ts) => sent.push(ts.map((t) => [t.id, t.desiredState])), (id) => id !== 'plain', 80);
  d.set([task('a'), task('b'), task('plain')]);
  d.set([task('a', 'shutdown'), task('c')]); // b removed, a shut down, plain (no endpoints) removed
  assert.deepEqual(sent[1], [['a', 'running'], ['c', 'running'], ['b', 'running']]);
  await new Promise((r) => setTimeout(r, 120));
  assert.deepEqual(sent.at(-1), [['a', 'shutdown'], ['c', 'running']]);
  // Wanted again within the delay: no drain left behind.
  d.set([task('c', 'shutdown')]);
  d.set([task('c')]);
  await new Promise((r) => setTimeout(r, 120));
  assert.deepEqual(sent.at(-1), [['c', 'running']]);
  d.stop();
});
