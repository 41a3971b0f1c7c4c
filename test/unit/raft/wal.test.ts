import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SnapshotCorruptError, SnapshotMissingError, WalCorruptionError } from '../../../src/raft/storage/errors.js';
import { SnapshotStore } from '../../../src/raft/storage/snapshot.js';
import { Wal, type WalLogger } from '../../../src/raft/storage/wal.js';
import { type Entry, EntryType } from '../../../src/raft/types.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'raft-wal-'));
  dirs.push(d);
  return d;
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function ent(index: number, term = 1, text = `e${index}`): Entry {
  return { index, term, type: EntryType.Normal, data: new TextEncoder().encode(text) };
}

function texts(es: Entry[]): string[] {
  return es.map((e) => `${e.term}:${e.index}:${new TextDecoder().decode(e.data)}`);
}

class CaptureLogger implements WalLogger {
  warnings: object[] = [];
  warn(obj: object): void {
    this.warnings.push(obj);
  }
  info(): void {}
}

async function onlySegment(dir: string): Promise<string> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.log'));
  assert.equal(names.length, 1);
  return join(dir, names[0] ?? '');
}

async function writeFive(dir: string): Promise<void> {
  const { wal } = await Wal.open({ dir });
  for (let i = 1; i <= 5; i++) await wal.save({ term: 1, vote: 'a', commit: i - 1 }, [ent(i)]);
  await wal.close();
}

void describe('WAL', () => {
  void it('replays hard state and entries after reopen', async () => {
    const dir = await tempDir();
    await writeFive(dir);
    const { wal, state } = await Wal.open({ dir });
    assert.deepEqual(state.hardState, { term: 1, vote: 'a', commit: 4 });
    assert.deepEqual(texts(state.entries), [1, 2, 3, 4, 5].map((i) => `1:${i}:e${i}`));
    await wal.close();
  });

  void it('a later append at a lower index overwrites the suffix (new leader)', async () => {
    const dir = await tempDir();
    await writeFive(dir);
    const { wal } = await Wal.open({ dir });
    await wal.save(undefined, [ent(3, 2, 'x3')]);
    await wal.close();
    const { wal: w2, state } = await Wal.open({ dir });
    assert.deepEqual(texts(state.entries), ['1:1:e1', '1:2:e2', '2:3:x3']);
    await w2.close();
  });

  void it('truncated tail: the torn record is dropped, the file truncated, a warning logged', async () => {
    const dir = await tempDir();
    await writeFive(dir);
    const seg = await onlySegment(dir);
    const size = (await stat(seg)).size;
    await truncate(seg, size - 3);
    const logger = new CaptureLogger();
    const { wal, state } = await Wal.open({ dir, logger });
    // The last save wrote entry 5 then its hard state; the hard state record is torn.
    assert.equal(state.entries.length, 5);
    assert.deepEqual(state.hardState, { term: 1, vote: 'a', commit: 3 });
    assert.equal(logger.warnings.length, 1);
    assert.ok((await stat(seg)).size < size - 3, 'file was truncated to the last good record');
    await wal.save({ term: 2, vote: 'b', commit: 5 }, [ent(6, 2)]);
    await wal.close();
    const { wal: w2, state: s2 } = await Wal.open({ dir, logger });
    assert.equal(logger.warnings.length, 1, 'no second repair needed');
    assert.deepEqual(s2.hardState, { term: 2, vote: 'b', commit: 5 });
    assert.equal(s2.entries.length, 6);
    await w2.close();
  });

  void it('flipped byte in the last record is treated as a torn tail', async () => {
    const dir = await tempDir();
    await writeFive(dir);
    const seg = await onlySegment(dir);
    const buf = await readFile(seg);
    buf.writeUInt8(buf.readUInt8(buf.byteLength - 2) ^ 0xff, buf.byteLength - 2);
    await writeFile(seg, buf);
    const logger = new CaptureLogger();
    const { wal, state } = await Wal.open({ dir, logger });
    assert.equal(logger.warnings.length, 1);
    assert.deepEqual(state.hardState, { term: 1, vote: 'a', commit: 3 });
    await wal.close();
  });

  void it('flipped byte mid-log throws WalCorruptionError naming file and offset', async () => {
    const dir = await tempDir();
    await writeFive(dir);
    const seg = await onlySegment(dir);
    const buf = await readFile(seg);
    // Records: [hs0?] e1 hs e2 hs ... ; corrupt the payload of the second record.
    const firstLen = 8 + buf.readUInt32LE(0);
    const target = firstLen + 10;
    buf.writeUInt8(buf.readUInt8(target) ^ 0x01, target);
    await writeFile(seg, buf);
    await assert.rejects(Wal.open({ dir }), (e: unknown) => {
      assert.ok(e instanceof WalCorruptionError);
      assert.equal(e.file, seg);
      assert.equal(e.offset, firstLen);
      assert.match(e.message, /checksum mismatch/);
      return true;
    });
    assert.equal((await readFile(seg)).byteLength, buf.byteLength, 'corrupt WAL is left untouched');
  });

  void it('group commit: many concurrent appends share few fsyncs and resolve after them', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open({ dir });
    const base = wal.stats.fsyncs;
    const resolvedAfter: number[] = [];
    const n = 200;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        wal.save({ term: 1, vote: '', commit: 0 }, [ent(i + 1)]).then(() => resolvedAfter.push(wal.stats.fsyncs - base)),
      ),
    );
    const used = wal.stats.fsyncs - base;
    assert.ok(used >= 1 && used <= 3, `expected 1..3 fsyncs for ${n} appends, got ${used}`);
    assert.ok(resolvedAfter.every((c) => c >= 1), 'no promise resolved before an fsync');
    await wal.close();
    const { wal: w2, state } = await Wal.open({ dir });
    assert.equal(state.entries.length, n);
    await w2.close();
  });

  void it('rotates segments, and releaseTo drops segments covered by a snapshot', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open({ dir, segmentBytes: 200 });
    for (let i = 1; i <= 30; i++) await wal.save({ term: 1, vote: '', commit: i }, [ent(i)]);
    assert.ok(wal.segmentCount() > 3);
    await wal.save(undefined, [], { index: 20, term: 1, conf: { voters: ['a'] } });
    await wal.releaseTo(20);
    const left = wal.segmentCount();
    await wal.close();
    assert.ok(left < 10, `segments left: ${left}`);
    const { wal: w2, state } = await Wal.open({ dir });
    assert.deepEqual(state.snapshot, { index: 20, term: 1 });
    assert.deepEqual(state.entries.map((e) => e.index), [21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
    assert.equal(state.hardState.commit, 30);
    await w2.close();
  });

  void it('a damaged record in an older segment is corruption even at its end', async () => {
    const dir = await tempDir();
    const { wal } = await Wal.open({ dir, segmentBytes: 200 });
    for (let i = 1; i <= 10; i++) await wal.save({ term: 1, vote: '', commit: i }, [ent(i)]);
    await wal.close();
    const names = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
    const first = join(dir, names[0] ?? '');
    const buf = await readFile(first);
    await writeFile(first, buf.subarray(0, buf.byteLength - 1));
    await assert.rejects(Wal.open({ dir }), WalCorruptionError);
  });
});

void describe('snapshot store', () => {
  const snap = { meta: { index: 7, term: 2, conf: { voters: ['a', 'b'] } }, data: new TextEncoder().encode('fsm') };

  void it('round-trips a snapshot and leaves no temp file', async () => {
    const dir = await tempDir();
    const store = new SnapshotStore(dir);
    await store.save(snap);
    const got = await store.load(7, 2);
    assert.deepEqual(got.meta, snap.meta);
    assert.equal(new TextDecoder().decode(got.data), 'fsm');
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.tmp')), []);
  });

  void it('a missing snapshot referenced by the WAL is a clear error', async () => {
    const dir = await tempDir();
    const store = new SnapshotStore(dir);
    await store.save(snap);
    await unlink(store.pathFor(7, 2));
    await assert.rejects(store.load(7, 2), (e: unknown) => e instanceof SnapshotMissingError && e.index === 7 && e.file.endsWith('.snap'));
  });

  void it('a corrupt snapshot file fails its checksum', async () => {
    const dir = await tempDir();
    const store = new SnapshotStore(dir);
    const path = await store.save(snap);
    const buf = await readFile(path);
    buf.writeUInt8(buf.readUInt8(buf.byteLength - 1) ^ 0x40, buf.byteLength - 1);
    await writeFile(path, buf);
    await assert.rejects(store.load(7, 2), (e: unknown) => e instanceof SnapshotCorruptError && /checksum/.test(e.message));
  });
});
