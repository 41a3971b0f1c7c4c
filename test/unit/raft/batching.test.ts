// Write batching: the core appends a batch of proposals with one append
// message per follower, the driver coalesces superseded acks, and RaftNode
// groups concurrent proposals into few batches and fsyncs.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { NotLeaderError } from '../../../src/raft/errors.js';
import { coalesceAcks } from '../../../src/raft/message-coalesce.js';
import { RaftNode, RaftStoppedError } from '../../../src/raft/node.js';
import type { Entry, Message } from '../../../src/raft/types.js';
import { Cluster } from '../../raft/cluster.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

void describe('core proposeBatch', () => {
  void it('appends consecutive entries and sends one append per follower', () => {
    const c = new Cluster(['a', 'b', 'c']);
    c.campaign('a');
    c.stabilize();
    const before = c.sent.length;
    const { first, term } = c.raft('a').proposeBatch(['x', 'y', 'z'].map((s) => enc.encode(s)));
    assert.equal(term, c.raft('a').term);
    assert.equal(c.raft('a').log.lastIndex(), first + 2);
    c.persist();
    const apps = c.sent.slice(before).filter((m) => m.type === 'app');
    assert.deepEqual(apps.map((m) => m.to).sort(), ['b', 'c']);
    for (const m of apps) assert.deepEqual(m.entries?.map((e) => dec.decode(e.data)), ['x', 'y', 'z']);
    c.stabilize();
    for (const id of ['a', 'b', 'c']) assert.deepEqual(c.appliedText(id).slice(-3), ['x', 'y', 'z']);
  });

  void it('refuses a batch on a follower', () => {
    const c = new Cluster(['a', 'b', 'c']);
    c.campaign('a');
    c.stabilize();
    assert.throws(() => c.raft('b').proposeBatch([enc.encode('x')]), NotLeaderError);
  });
});

void describe('coalesceAcks', () => {
  const ack = (to: string, term: number, index: number, reject = false): Message => ({ type: 'appResp', from: 'f', to, term, index, ...(reject ? { reject } : {}) });
  const hb: Message = { type: 'heartbeatResp', from: 'f', to: 'l', term: 2 };

  void it('keeps the highest ack per leader and term, in the last ack\'s place', () => {
    const out = coalesceAcks([ack('l', 2, 5), hb, ack('l', 2, 9), ack('l', 2, 7)]);
    assert.deepEqual(out, [hb, { ...ack('l', 2, 7), index: 9 }]);
  });

  void it('leaves rejections, other terms and other peers alone', () => {
    const msgs = [ack('l', 2, 5, true), ack('l', 3, 4), ack('m', 2, 3), ack('l', 2, 6)];
    assert.deepEqual(coalesceAcks(msgs), msgs);
    const single = [ack('l', 2, 5)];
    assert.equal(coalesceAcks(single), single, 'nothing to do: same array');
  });
});

void describe('RaftNode proposal batching', () => {
  void it('concurrent proposals get consecutive indexes in few batches and fsyncs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'raft-batch-'));
    const applied: Entry[] = [];
    const node = await RaftNode.start({
      id: 'a', dataDir: dir, peers: { a: '127.0.0.1:0' }, secret: 's', logger: pino({ level: 'silent' }), tickMs: 20,
      fsm: { apply: (e) => void applied.push(e), takeSnapshot: () => new Uint8Array(0), restore() {} },
    });
    try {
      const end = Date.now() + 5000;
      while (!node.isLeader && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      assert.ok(node.isLeader, 'single member elects itself');
      const before = node.stats();
      const n = 300;
      const res = await Promise.all(Array.from({ length: n }, (_, i) => node.propose(enc.encode(`w${i}`))));
      const idx = res.map((r) => r.index);
      assert.deepEqual(idx, idx.map((_, i) => (idx[0] as number) + i), 'proposal order is log order');
      assert.deepEqual(applied.slice(-n).map((e) => dec.decode(e.data)), Array.from({ length: n }, (_, i) => `w${i}`));
      const after = node.stats();
      assert.equal(after.proposals - before.proposals, n);
      assert.ok(after.proposalBatches - before.proposalBatches <= 3, `batches: ${after.proposalBatches - before.proposalBatches}`);
      assert.ok(after.fsyncs - before.fsyncs <= 6, `fsyncs: ${after.fsyncs - before.fsyncs}`);
    } finally {
      await node.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  void it('a stopped node rejects queued proposals', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'raft-batch-'));
    const node = await RaftNode.start({
      id: 'a', dataDir: dir, peers: { a: '127.0.0.1:0' }, secret: 's', logger: pino({ level: 'silent' }), tickMs: 20,
      fsm: { apply() {}, takeSnapshot: () => new Uint8Array(0), restore() {} },
    });
    try {
      const end = Date.now() + 5000;
      while (!node.isLeader && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      const rejected = assert.rejects(node.propose(enc.encode('late')), RaftStoppedError);
      await node.stop();
      await rejected;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
