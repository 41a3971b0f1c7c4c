// The leader's in-memory usage book and the ingestion checks the dispatcher runs on every
// report: rates from cumulative counters, freshness, and every kind of bad sample dropped
// (with the reason) without throwing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ingestUsage, MAX_SAMPLES_PER_REPORT, type TaskFacts } from '../../../src/autoscale/ingest.js';
import { UsageBook } from '../../../src/autoscale/usage-book.js';

const S = 1000; // ms
const CORE_NS_PER_S = 1e9;

void describe('usage book: rates', () => {
  void it('a rate needs two samples; a full core is 100 %', () => {
    const book = new UsageBook();
    assert.equal(book.record('t', { cpuNs: 0, atMs: 10 * S, receivedMs: 10 * S }, 2), undefined);
    assert.equal(book.rate('t', 10 * S, 15 * S, 15 * S), undefined);
    book.record('t', { cpuNs: 2 * CORE_NS_PER_S, atMs: 12 * S, receivedMs: 12 * S }, 2);
    assert.deepEqual(book.rate('t', 12 * S, 15 * S, 15 * S), { cpuPercent: 100, samples: 2 });
  });

  void it('the rate spans the window: the oldest sample within it to the latest', () => {
    const book = new UsageBook();
    // 0-10 s idle, 10-20 s a full core.
    for (let t = 0; t <= 20; t += 2) book.record('t', { cpuNs: Math.max(0, t - 10) * CORE_NS_PER_S, atMs: t * S, receivedMs: t * S }, 4);
    assert.equal(book.rate('t', 20 * S, 10 * S, 60 * S)?.cpuPercent, 100);
    assert.equal(book.rate('t', 20 * S, 10 * S, 60 * S)?.samples, 6);
    assert.equal(book.rate('t', 20 * S, 20 * S, 60 * S)?.cpuPercent, 50);
  });

  void it('the worker clock decides the rate, the leader clock the freshness', () => {
    const book = new UsageBook();
    // The worker's clock is an hour ahead; samples arrive 1 s apart but were read 2 s apart.
    book.record('t', { cpuNs: 0, atMs: 3_600_000, receivedMs: 10 * S }, 2);
    book.record('t', { cpuNs: CORE_NS_PER_S, atMs: 3_602_000, receivedMs: 11 * S }, 2);
    assert.equal(book.rate('t', 11 * S, 15 * S, 15 * S)?.cpuPercent, 50);
    assert.equal(book.rate('t', 26 * S, 15 * S, 15 * S)?.cpuPercent, 50);
    assert.equal(book.rate('t', 26 * S + 1, 15 * S, 15 * S), undefined, 'stale: the worker went quiet');
  });

  void it('keeps a bounded number of samples per task', () => {
    const book = new UsageBook({ maxSamplesPerTask: 4 });
    for (let i = 0; i < 10; i++) book.record('t', { cpuNs: i * 1e8, atMs: i * S, receivedMs: i * S }, 1);
    assert.equal(book.count('t'), 4);
  });

  void it('refuses a duplicate, an older sample, a lower counter, an impossible rate', () => {
    const book = new UsageBook();
    book.record('t', { cpuNs: 5e9, atMs: 10 * S, receivedMs: 0 }, 2);
    assert.equal(book.record('t', { cpuNs: 6e9, atMs: 10 * S, receivedMs: 0 }, 2), 'duplicate sample');
    assert.equal(book.count('t'), 1, 'a duplicate keeps the series');
    assert.equal(book.record('t', { cpuNs: 6e9, atMs: 12 * S, receivedMs: 0 }, 2), undefined);
    // 2 CPUs: 10 s of CPU in 1 s is 10 cores.
    assert.equal(book.record('t', { cpuNs: 16e9, atMs: 13 * S, receivedMs: 0 }, 2), 'faster than the node has CPUs');
    assert.equal(book.count('t'), 2);
    assert.equal(book.record('t', { cpuNs: 1e9, atMs: 14 * S, receivedMs: 0 }, 2), 'counter went backwards');
    assert.equal(book.count('t'), 0, 'a series with a lower counter restarts');
    book.record('t', { cpuNs: 1e9, atMs: 15 * S, receivedMs: 0 }, 2);
    assert.equal(book.record('t', { cpuNs: 2e9, atMs: 14 * S, receivedMs: 0 }, 2), 'older than the last sample');
    assert.equal(book.count('t'), 0);
  });

  void it('a long gap starts a new series rather than averaging over it', () => {
    const book = new UsageBook({ maxGapMs: 60 * S });
    book.record('t', { cpuNs: 0, atMs: 0, receivedMs: 0 }, 2);
    book.record('t', { cpuNs: 1e9, atMs: 1 * S, receivedMs: 1 * S }, 2);
    book.record('t', { cpuNs: 2e9, atMs: 120 * S, receivedMs: 120 * S }, 2);
    assert.equal(book.count('t'), 1);
  });

  void it('retain() forgets tasks that are gone; clear() forgets all', () => {
    const book = new UsageBook();
    for (const id of ['a', 'b', 'c']) book.record(id, { cpuNs: 0, atMs: 1, receivedMs: 1 }, 1);
    book.retain(new Set(['b']));
    assert.deepEqual([book.count('a'), book.count('b'), book.count('c')], [0, 1, 0]);
    book.clear();
    assert.equal(book.size, 0);
  });
});

void describe('usage ingestion: what a worker sent, checked against the cluster', () => {
  const tasks = new Map<string, TaskFacts>([
    ['mine', { nodeId: 'n1', running: true }],
    ['mine2', { nodeId: 'n1', running: true }],
    ['theirs', { nodeId: 'n2', running: true }],
    ['stopped', { nodeId: 'n1', running: false }],
    ['unassigned', { nodeId: undefined, running: false }],
  ]);
  const ctx = (book: UsageBook, nowMs = 5 * S) => ({ book, nodeId: 'n1', nodeCpus: 2, nowMs, lookup: (id: string) => tasks.get(id) });

  void it('keeps good samples of this node’s running tasks', () => {
    const book = new UsageBook();
    const r = ingestUsage(ctx(book), [
      { taskId: 'mine', cpuNs: 1e9, atMs: 1 * S },
      { taskId: 'mine2', cpuNs: 0, atMs: 1 * S },
    ]);
    assert.deepEqual(r, { accepted: 2, dropped: [] });
    assert.equal(book.count('mine'), 1);
  });

  void it('drops each kind of bad sample with its reason, keeps the good ones of the same report', () => {
    const book = new UsageBook();
    ingestUsage(ctx(book), [{ taskId: 'mine', cpuNs: 5e9, atMs: 1 * S }]);
    const r = ingestUsage(ctx(book), [
      { taskId: '', cpuNs: 1, atMs: 1 },
      { taskId: 'nope', cpuNs: 1, atMs: 1 },
      { taskId: 'theirs', cpuNs: 1, atMs: 1 },
      { taskId: 'stopped', cpuNs: 1, atMs: 1 },
      { taskId: 'unassigned', cpuNs: 1, atMs: 1 },
      { taskId: 'mine2', cpuNs: -1, atMs: 1 },
      { taskId: 'mine2', cpuNs: 1, atMs: 2 }, // already sampled in this report
      { taskId: 'mine', cpuNs: 4e9, atMs: 2 * S }, // went backwards
    ]);
    assert.equal(r.accepted, 0);
    assert.deepEqual(
      r.dropped.map((d) => [d.taskId, d.kind, d.reason]),
      [
        ['', 'invalid', 'no task id'],
        ['nope', 'stale', 'unknown task'],
        ['theirs', 'invalid', 'task belongs to node n2'],
        ['stopped', 'stale', 'task is not running'],
        ['unassigned', 'invalid', 'task belongs to node (none)'],
        ['mine2', 'invalid', 'CPU counter out of range: -1'],
        ['mine2', 'invalid', 'task sampled twice in one report'],
        ['mine', 'invalid', 'counter went backwards'],
      ],
    );
    assert.equal(book.count('theirs'), 0);
    assert.equal(book.count('stopped'), 0);
  });

  void it('non-numbers, infinities and absurd values are dropped, not thrown', () => {
    const book = new UsageBook();
    const r = ingestUsage(ctx(book), [
      { taskId: 'mine', cpuNs: Number.NaN, atMs: 1 },
      { taskId: 'mine2', cpuNs: Infinity, atMs: 1 },
    ]);
    assert.equal(r.accepted, 0);
    assert.deepEqual(r.dropped.map((d) => d.reason), ['CPU counter out of range: NaN', 'CPU counter out of range: Infinity']);
    const t = ingestUsage(ctx(book), [
      { taskId: 'mine', cpuNs: 1e30, atMs: 1 },
      { taskId: 'mine2', cpuNs: 1, atMs: Number.NaN },
    ]);
    assert.deepEqual(t.dropped.map((d) => d.kind), ['invalid', 'invalid']);
    assert.match(t.dropped[1]?.reason ?? '', /bad sample time/);
    // A rate beyond the node's CPUs: 2 CPUs, 100 s of CPU in 1 s.
    ingestUsage(ctx(book), [{ taskId: 'mine', cpuNs: 0, atMs: 10 * S }]);
    const u = ingestUsage(ctx(book), [{ taskId: 'mine', cpuNs: 100e9, atMs: 11 * S }]);
    assert.deepEqual(u.dropped.map((d) => d.reason), ['faster than the node has CPUs']);
  });

  void it('a huge report is cut at the limit', () => {
    const book = new UsageBook();
    const many = Array.from({ length: MAX_SAMPLES_PER_REPORT + 5 }, (_, i) => ({ taskId: `x${i}`, cpuNs: 1, atMs: 1 }));
    const r = ingestUsage(ctx(book), many);
    assert.equal(r.dropped.filter((d) => /more than/.test(d.reason)).length, 5);
  });

  void it('a duplicate of the last sample is stale, not invalid (it can be a resend)', () => {
    const book = new UsageBook();
    ingestUsage(ctx(book), [{ taskId: 'mine', cpuNs: 1e9, atMs: 1 * S }]);
    const r = ingestUsage(ctx(book), [{ taskId: 'mine', cpuNs: 1e9, atMs: 1 * S }]);
    assert.deepEqual(r.dropped.map((d) => [d.kind, d.reason]), [['stale', 'duplicate sample']]);
  });
});
