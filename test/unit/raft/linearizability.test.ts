import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type KvInput, type KvOutput, type Operation, checkKv } from '../../raft/linearizability.js';
import { mulberry32, randInt } from '../../raft/prng.js';

type Op = Operation<KvInput, KvOutput>;
const put = (key: string, value: string, call: number, ret: number): Op => ({ input: { op: 'put', key, value }, output: null, call, ret });
const get = (key: string, output: string | null, call: number, ret: number): Op => ({ input: { op: 'get', key }, output, call, ret });
const putUnknown = (key: string, value: string, call: number): Op => ({ input: { op: 'put', key, value }, call, ret: Infinity });

void describe('linearizability checker (KV model)', () => {
  void it('accepts a sequential history', () => {
    assert.equal(checkKv([put('x', '1', 0, 1), get('x', '1', 2, 3), put('x', '2', 4, 5), get('x', '2', 6, 7)]), 'ok');
  });

  void it('accepts a read concurrent with a write seeing either value', () => {
    const base = [put('x', '1', 0, 1), put('x', '2', 2, 10)];
    assert.equal(checkKv([...base, get('x', '1', 3, 4)]), 'ok');
    assert.equal(checkKv([...base, get('x', '2', 3, 4)]), 'ok');
  });

  void it('rejects a stale read after a completed write', () => {
    assert.equal(checkKv([put('x', '1', 0, 1), put('x', '2', 2, 3), get('x', '1', 4, 5)]), 'illegal');
  });

  void it('rejects a read of a value never written', () => {
    assert.equal(checkKv([put('x', '1', 0, 1), get('x', '7', 2, 3)]), 'illegal');
  });

  void it('rejects reads that observe a concurrent write and then un-observe it', () => {
    // W2 is concurrent with both reads, but R(2) finished before R(1) began.
    const h = [put('x', '1', 0, 1), put('x', '2', 2, 20), get('x', '2', 3, 4), get('x', '1', 5, 6)];
    assert.equal(checkKv(h), 'illegal');
  });

  void it('unknown-outcome writes may take effect late or never', () => {
    assert.equal(checkKv([put('x', '1', 0, 1), putUnknown('x', '2', 2), get('x', '1', 5, 6)]), 'ok');
    assert.equal(checkKv([put('x', '1', 0, 1), putUnknown('x', '2', 2), get('x', '2', 5, 6), get('x', '2', 7, 8)]), 'ok');
    // ...but not before they were called.
    assert.equal(checkKv([put('x', '1', 0, 1), get('x', '2', 2, 3), putUnknown('x', '2', 4)]), 'illegal');
    // ...and not un-done once observed.
    assert.equal(checkKv([put('x', '1', 0, 1), putUnknown('x', '2', 2), get('x', '2', 5, 6), get('x', '1', 7, 8)]), 'illegal');
  });

  void it('checks keys independently', () => {
    assert.equal(checkKv([put('x', '1', 0, 1), put('y', '1', 0, 1), get('x', '1', 2, 3), get('y', null, 2, 3)]), 'illegal');
    assert.equal(checkKv([put('x', '1', 0, 1), get('y', null, 2, 3), get('x', '1', 2, 3)]), 'ok');
  });

  void it('random histories from a real sequential register are linearizable; a corrupted read is caught', () => {
    const rand = mulberry32(99);
    let caught = 0;
    for (let trial = 0; trial < 200; trial++) {
      // Each op takes effect at an instant inside [call, ret]; ops overlap freely.
      const ops: Op[] = [];
      let value: string | null = null;
      let t = 0;
      for (let i = 0; i < 12; i++) {
        t += randInt(rand, 1, 4);
        const call = t - randInt(rand, 0, 6);
        const ret = t + randInt(rand, 0, 6);
        if (rand() < 0.5) {
          value = `v${i}`;
          ops.push(put('k', value, call, ret));
        } else {
          ops.push(get('k', value, call, ret));
        }
      }
      assert.equal(checkKv(ops), 'ok', `trial ${trial}`);
      const reads = ops.map((o, i) => [o, i] as const).filter(([o]) => o.input.op === 'get');
      const victim = reads[randInt(rand, 0, Math.max(1, reads.length))];
      if (!victim) continue;
      ops[victim[1]] = { ...victim[0], output: 'never-written' };
      if (checkKv(ops) === 'illegal') caught++;
    }
    assert.ok(caught > 150, `corruptions caught: ${caught}`);
  });

  void it('gives up with unknown when the step budget is exhausted', () => {
    const ops: Op[] = [];
    for (let i = 0; i < 30; i++) ops.push(put('k', `v${i}`, 0, 100));
    ops.push(get('k', 'nope', 101, 102));
    assert.equal(checkKv(ops, 1000), 'unknown');
  });
});
