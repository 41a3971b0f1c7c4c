// Unit tests for the small parts of the core: quorum maths, progress and
// inflight tracking, the log's unstable/stable split, MemoryStorage, wire codec.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CompactedError, UnavailableError } from '../../../src/raft/errors.js';
import { RaftLog } from '../../../src/raft/log.js';
import { MemoryStorage } from '../../../src/raft/memory-storage.js';
import { Progress } from '../../../src/raft/progress.js';
import { JointConfig, MajorityConfig } from '../../../src/raft/quorum.js';
import { type Entry, EntryType, type Message } from '../../../src/raft/types.js';
import { WireFormatError, decodeMessage, encodeMessage } from '../../../src/raft/wire.js';

const ent = (index: number, term: number): Entry => ({ index, term, type: EntryType.Normal, data: new Uint8Array([index]) });

void describe('quorum', () => {
  void it('majority commit index is the median of acked indexes', () => {
    const q = new MajorityConfig(['a', 'b', 'c', 'd', 'e']);
    const acked: Record<string, number> = { a: 9, b: 7, c: 5, d: 3 }; // e unknown
    assert.equal(q.committedIndex((id) => acked[id]), 5);
  });

  void it('vote results: won, lost, pending', () => {
    const q = new MajorityConfig(['a', 'b', 'c']);
    assert.equal(q.voteResult(new Map([['a', true]])), 'pending');
    assert.equal(q.voteResult(new Map([['a', true], ['b', true]])), 'won');
    assert.equal(q.voteResult(new Map([['a', false], ['b', false]])), 'lost');
  });

  void it('joint config needs both halves', () => {
    const j = new JointConfig(['a', 'b', 'c'], ['c', 'd', 'e']);
    const acked: Record<string, number> = { a: 10, b: 10, c: 4, d: 4, e: 1 };
    assert.equal(j.committedIndex((id) => acked[id]), 4);
    assert.equal(j.voteResult(new Map([['a', true], ['b', true]])), 'pending');
    assert.equal(j.voteResult(new Map([['a', true], ['b', true], ['d', false], ['e', false]])), 'lost');
    assert.equal(new JointConfig(['a']).voteResult(new Map([['a', true]])), 'won');
  });
});

void describe('progress', () => {
  void it('probe sends one append at a time; replicate pipelines up to the window', () => {
    const p = new Progress(5, 2);
    assert.equal(p.isPaused(), false);
    p.sentEntries(3, 7);
    assert.equal(p.isPaused(), true, 'probe waits for an answer');
    assert.equal(p.maybeUpdate(7), true);
    p.becomeReplicate();
    assert.equal(p.next, 8);
    p.sentEntries(2, 9);
    p.sentEntries(2, 11);
    assert.equal(p.isPaused(), true, 'window of 2 is full');
    p.inflights.freeLE(9);
    assert.equal(p.isPaused(), false);
  });

  void it('a byte budget closes the window before the message count does', () => {
    const p = new Progress(1, 100, 1000);
    p.becomeReplicate();
    p.sentEntries(1, 1, 600);
    assert.equal(p.isPaused(), false, '600 of 1000 bytes');
    p.sentEntries(1, 2, 600);
    assert.equal(p.isPaused(), true, '1200 bytes in flight');
    assert.equal(p.inflights.inflightBytes(), 1200);
    p.inflights.freeLE(1);
    assert.equal(p.isPaused(), false);
    assert.equal(p.inflights.inflightBytes(), 600);
    p.inflights.freeFirstOne();
    assert.equal(p.inflights.inflightBytes(), 0);
    const big = new Progress(1, 100, 10);
    big.becomeReplicate();
    assert.equal(big.isPaused(), false, 'an empty window admits one oversized message');
    big.sentEntries(1, 1, 5000);
    assert.equal(big.isPaused(), true);
  });

  void it('stale rejections are ignored; probe rejections back off to the hint', () => {
    const p = new Progress(10, 4);
    p.match = 3;
    assert.equal(p.maybeDecrTo(5, 2), false, 'not the probe we sent (next-1 is 9)');
    assert.equal(p.maybeDecrTo(9, 6), true);
    assert.equal(p.next, 7);
    assert.equal(p.maybeDecrTo(6, 0), true);
    assert.equal(p.next, 4, 'never below match + 1');
  });

  void it('snapshot state pauses until acknowledged', () => {
    const p = new Progress(3, 4);
    p.becomeSnapshot(50);
    assert.equal(p.isPaused(), true);
    p.becomeProbe();
    assert.equal(p.next, 51);
  });
});

void describe('log', () => {
  void it('keeps applied <= committed <= lastIndex and truncates conflicting suffixes', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 1), ent(3, 1)]);
    const log = new RaftLog(s);
    assert.equal(log.lastIndex(), 3);
    assert.equal(log.maybeAppend(1, 1, 1, [ent(2, 2), ent(3, 2), ent(4, 2)]), 4);
    assert.equal(log.term(2), 2);
    assert.equal(log.committed, 1);
    assert.throws(() => log.commitTo(9), /beyond last index/);
    assert.equal(log.maybeAppend(4, 3, 4, []), undefined, 'mismatched term at prev index');
    assert.throws(() => log.appliedTo(3), /out of range/);
  });

  void it('findConflictByTerm skips entries with newer terms', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 1), ent(3, 4), ent(4, 4), ent(5, 5)]);
    const log = new RaftLog(s);
    assert.equal(log.findConflictByTerm(5, 3), 2);
    assert.equal(log.findConflictByTerm(5, 4), 4);
  });

  void it('stableTo ignores acknowledgements superseded by a truncation', () => {
    const log = new RaftLog(new MemoryStorage());
    log.append([ent(1, 1), ent(2, 1)]);
    log.unstable.truncateAndAppend([ent(2, 2)]);
    log.unstable.stableTo(2, 1);
    assert.equal(log.unstable.entries.length, 2, 'entry 2 of term 2 is still unstable');
  });
});

void describe('MemoryStorage', () => {
  void it('compacts, snapshots, and reports compacted / unavailable ranges', () => {
    const s = new MemoryStorage();
    s.append([1, 2, 3, 4, 5].map((i) => ent(i, 1)));
    s.createSnapshot(3, { voters: ['a'] }, new Uint8Array([9]));
    s.compact(3);
    assert.equal(s.firstIndex(), 4);
    assert.equal(s.term(3), 1);
    assert.throws(() => s.term(2), CompactedError);
    assert.throws(() => s.entries(2, 5, Infinity), CompactedError);
    assert.throws(() => s.entries(4, 7, Infinity), UnavailableError);
    assert.equal(s.entries(4, 6, 1).length, 1, 'size limit still returns one entry');
  });
});

void describe('wire codec', () => {
  // The reference encoding: what proto-loader / protobufjs make of proto/raft.proto.
  const def = protoLoader.loadSync(join(import.meta.dirname, '../../../proto/raft.proto'), { keepCase: false, longs: Number, enums: String, defaults: false, oneofs: true });
  const ref = (def['tsswarm.raft.Raft'] as grpc.ServiceDefinition)['Stream'] as grpc.MethodDefinition<object, object>;
  const full: Message = {
    type: 'app', from: 'a', to: 'b', term: 3, logTerm: 2, index: 7, commit: 6, rejectHint: 0,
    entries: [ent(8, 3), { index: 2 ** 40, term: 2 ** 33 + 1, type: EntryType.ConfChange, data: new Uint8Array(300).fill(7) }, { index: 9, term: 3, type: EntryType.Normal, data: new Uint8Array(0) }],
    context: 'c1',
    snapshot: { meta: { index: 5, term: 2, conf: { voters: ['a', 'b'] } }, data: new Uint8Array([1, 2]) },
  };

  void it('round-trips messages with entries, large indexes and a snapshot', () => {
    assert.deepEqual(decodeMessage(encodeMessage(full)), full);
    const small: Message = { type: 'appResp', from: 'b', to: 'a', term: 0, index: 0, reject: true };
    assert.deepEqual(decodeMessage(encodeMessage(small)), small);
  });

  void it('is byte-compatible with the protobuf encoding of raft.proto both ways', () => {
    const fromRef = decodeMessage(ref.requestSerialize({ ...full, entries: full.entries?.map((e) => ({ ...e, data: Buffer.from(e.data) })) }));
    assert.deepEqual(fromRef, full);
    const back = ref.requestDeserialize(encodeMessage(full)) as { entries: { index: number; data: Uint8Array }[]; snapshot: { meta: { conf: { voters: string[] } } }; rejectHint: number };
    assert.equal(back.entries[1]?.index, 2 ** 40);
    assert.deepEqual(new Uint8Array(back.entries[1]?.data ?? []), new Uint8Array(300).fill(7));
    assert.deepEqual(back.snapshot.meta.conf.voters, ['a', 'b']);
    assert.equal(back.rejectHint, 0);
  });

  void it('skips unknown fields, rejects unknown types and truncated input', () => {
    const unknown = Buffer.concat([encodeMessage({ type: 'heartbeat', from: 'a', to: 'b', term: 1 }), Buffer.from([0x68, 0x05, 0x72, 0x01, 0x00])]); // fields 13 (varint), 14 (bytes)
    assert.deepEqual(decodeMessage(unknown), { type: 'heartbeat', from: 'a', to: 'b', term: 1 });
    assert.throws(() => decodeMessage(encodeMessage({ type: 'bogus' as Message['type'], from: 'a', to: 'b', term: 1 })), WireFormatError);
    const buf = encodeMessage(full);
    assert.throws(() => decodeMessage(buf.subarray(0, buf.byteLength - 3)), WireFormatError);
  });
});
