// Write-ahead log for Raft: hard state, entries and snapshot markers in
// numbered segment files. Appends are group-committed: every append issued
// while an fsync is running joins the next write+fsync, and each caller's
// promise resolves only after the fsync covering its records.
//
// Recovery: a bad record at the end of the last segment is a torn write and
// is truncated (with a warning); a bad record followed by valid ones means
// real corruption and throws WalCorruptionError naming file and offset.

import { open, readFile, readdir, truncate, unlink, mkdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { EMPTY_HARD_STATE, type Entry, type HardState, type SnapshotMeta } from '../types.js';
import { WalClosedError, WalCorruptionError, WalGapError } from './errors.js';
import { RecordType, type WalRecord, decodeRecord, encodeRecords, snapshotRecord, HEADER_BYTES } from './records.js';

export interface WalLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface WalOptions {
  readonly dir: string;
  /** Start a new segment once the current one exceeds this size. */
  readonly segmentBytes?: number;
  readonly logger?: WalLogger;
}

export interface WalState {
  readonly hardState: HardState;
  /** Latest durable snapshot marker, if any; entries start after it. */
  readonly snapshot?: { index: number; term: number };
  readonly entries: Entry[];
}

interface Segment {
  readonly seq: number;
  readonly path: string;
  maxIndex: number;
}

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}

const SEGMENT_RE = /^wal-([0-9a-f]{16})\.log$/;
const segmentName = (seq: number): string => `wal-${seq.toString(16).padStart(16, '0')}.log`;

export class Wal {
  readonly stats = { fsyncs: 0, writes: 0, records: 0 };
  private fh: FileHandle | undefined;
  private size = 0;
  private pending: Buffer[] = [];
  private waiters: Waiter[] = [];
  private loop: Promise<void> | undefined;
  private rotateNext = false;
  private failure: unknown;
  private lastHardState: HardState = EMPTY_HARD_STATE;
  private lastSnapshot: { index: number; term: number } | undefined;
  private readonly segmentBytes: number;

  private constructor(private readonly opts: WalOptions, private readonly segments: Segment[]) {
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
  }

  /** Opens (or creates) the WAL in `dir` and replays it. */
  static async open(opts: WalOptions): Promise<{ wal: Wal; state: WalState }> {
    await mkdir(opts.dir, { recursive: true });
    const names = (await readdir(opts.dir)).filter((n) => SEGMENT_RE.test(n)).sort();
    const segments: Segment[] = names.map((n) => ({ seq: parseInt(SEGMENT_RE.exec(n)?.[1] ?? '0', 16), path: join(opts.dir, n), maxIndex: 0 }));
    const replay = new Replay();
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i] as Segment;
      await replaySegment(seg, replay, i === segments.length - 1, opts.logger);
    }
    replay.finish(opts.dir);
    const wal = new Wal(opts, segments);
    wal.lastHardState = replay.hardState;
    wal.lastSnapshot = replay.snapshot;
    const last = segments[segments.length - 1];
    if (last) await wal.openSegment(last, false);
    else await wal.rotate();
    return { wal, state: { hardState: replay.hardState, entries: replay.entries, ...(replay.snapshot ? { snapshot: replay.snapshot } : {}) } };
  }

  private async openSegment(seg: Segment, fresh: boolean): Promise<void> {
    this.fh = await open(seg.path, fresh ? 'wx' : 'a');
    this.size = (await this.fh.stat()).size;
  }

  /** Starts a new segment that repeats the latest hard state and snapshot marker. */
  private async rotate(): Promise<void> {
    await this.fh?.close();
    const prev = this.segments[this.segments.length - 1];
    const seq = (prev?.seq ?? 0) + 1;
    const seg: Segment = { seq, path: join(this.opts.dir, segmentName(seq)), maxIndex: 0 };
    this.segments.push(seg);
    await this.openSegment(seg, true);
    const head: WalRecord[] = [{ type: RecordType.HardState, hardState: this.lastHardState }];
    if (this.lastSnapshot) head.unshift({ type: RecordType.Snapshot, ...this.lastSnapshot });
    const buf = encodeRecords(head);
    await this.fh?.write(buf);
    await this.fh?.sync();
    this.stats.fsyncs++;
    this.size = buf.byteLength;
    await syncDir(this.opts.dir);
  }

  /** Durably records a Ready's state; resolves after the covering fsync. */
  save(hardState: HardState | undefined, entries: readonly Entry[], snapshot?: SnapshotMeta): Promise<void> {
    const records: WalRecord[] = [];
    if (snapshot) records.push(snapshotRecord(snapshot));
    for (const entry of entries) records.push({ type: RecordType.Entry, entry });
    if (hardState) records.push({ type: RecordType.HardState, hardState });
    return this.append(records);
  }

  append(records: readonly WalRecord[]): Promise<void> {
    if (this.failure !== undefined || !this.fh) return Promise.reject(new WalClosedError(this.opts.dir, { cause: this.failure }));
    if (records.length === 0) return Promise.resolve();
    const seg = this.segments[this.segments.length - 1] as Segment;
    for (const r of records) {
      if (r.type === RecordType.Entry) seg.maxIndex = Math.max(seg.maxIndex, r.entry.index);
      else if (r.type === RecordType.HardState) this.lastHardState = r.hardState;
      else this.lastSnapshot = { index: r.index, term: r.term };
    }
    this.stats.records += records.length;
    this.pending.push(encodeRecords(records));
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.kick();
    return done;
  }

  private kick(): void {
    if (this.loop) return;
    // Yield once so that appends issued in the same turn share one fsync.
    this.loop = new Promise<void>((r) => setImmediate(r))
      .then(() => this.flushLoop())
      .finally(() => {
        this.loop = undefined;
        if (this.pending.length > 0) this.kick(); // appended after the loop's last check
      });
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const buf = Buffer.concat(this.pending);
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        const fh = this.fh;
        if (!fh) throw new WalClosedError(this.opts.dir);
        await fh.write(buf);
        this.stats.writes++;
        await fh.sync();
        this.stats.fsyncs++;
        this.size += buf.byteLength;
        if (this.rotateNext || this.size >= this.segmentBytes) {
          this.rotateNext = false;
          await this.rotate();
        }
        for (const w of waiters) w.resolve();
      } catch (e) {
        // After a failed write or fsync the file state is unknown: fail closed.
        this.failure = e;
        for (const w of [...waiters, ...this.waiters]) w.reject(e);
        this.waiters = [];
        this.pending = [];
      }
    }
  }

  /** Deletes old segments whose entries are all covered by a snapshot at `index`. */
  async releaseTo(index: number): Promise<void> {
    while (this.segments.length > 1) {
      const oldest = this.segments[0] as Segment;
      if (oldest.maxIndex > index) break;
      // The snapshot marker must live in a newer segment before we drop this one.
      if (!this.lastSnapshot || this.lastSnapshot.index < oldest.maxIndex) break;
      await unlink(oldest.path);
      this.segments.shift();
    }
  }

  /** Forces the current segment to end, so releaseTo can reclaim it later. */
  async cut(): Promise<void> {
    this.rotateNext = true;
    // Rotation runs inside the flush loop, after this (harmless) record's fsync.
    await this.append([{ type: RecordType.HardState, hardState: this.lastHardState }]);
  }

  segmentCount(): number {
    return this.segments.length;
  }

  async close(): Promise<void> {
    await this.loop;
    await this.fh?.close();
    this.fh = undefined;
    this.failure ??= new WalClosedError(this.opts.dir);
  }
}

/** Accumulates replayed records into the recovered state. */
class Replay {
  hardState: HardState = EMPTY_HARD_STATE;
  snapshot: { index: number; term: number } | undefined;
  entries: Entry[] = [];

  apply(r: WalRecord, file: string): void {
    if (r.type === RecordType.HardState) {
      this.hardState = r.hardState;
    } else if (r.type === RecordType.Snapshot) {
      if (this.snapshot && r.index <= this.snapshot.index) return;
      const first = this.entries[0]?.index;
      const at = this.entries.findIndex((e) => e.index === r.index);
      if (at >= 0 && this.entries[at]?.term === r.term) this.entries = this.entries.slice(at + 1);
      // Entries starting right after the snapshot survive: their older segments were released.
      else if (first !== r.index + 1) this.entries = [];
      this.snapshot = { index: r.index, term: r.term };
    } else {
      const e = r.entry;
      const base = this.snapshot?.index ?? 0;
      if (e.index <= base) return;
      const first = this.entries[0]?.index;
      if (first === undefined) {
        // May start past base when older segments were released; checked in finish().
        this.entries.push(e);
        return;
      }
      const next = first + this.entries.length;
      if (e.index > next) throw new WalGapError(file, e.index, next);
      if (e.index < first) this.entries = [];
      else if (e.index < next) this.entries.length = e.index - first; // a new leader overwrote the suffix
      this.entries.push(e);
    }
  }

  finish(file: string): void {
    const first = this.entries[0]?.index;
    const base = this.snapshot?.index ?? 0;
    if (first !== undefined && first !== base + 1) throw new WalGapError(file, first, base + 1);
  }
}

async function replaySegment(seg: Segment, replay: Replay, isLast: boolean, logger?: WalLogger): Promise<void> {
  const buf = await readFile(seg.path);
  let off = 0;
  while (off < buf.byteLength) {
    const res = decodeRecord(buf, off);
    if (!res.ok) {
      if (!isLast || hasValidRecordAfter(buf, off + 1)) throw new WalCorruptionError(seg.path, off, res.reason);
      logger?.warn({ file: seg.path, offset: off, dropped: buf.byteLength - off, reason: res.reason }, 'truncating torn WAL tail');
      await truncate(seg.path, off);
      return;
    }
    if (res.record.type === RecordType.Entry) seg.maxIndex = Math.max(seg.maxIndex, res.record.entry.index);
    replay.apply(res.record, seg.path);
    off += res.size;
  }
}

/** A torn tail holds no decodable record; corruption in the middle does. */
function hasValidRecordAfter(buf: Buffer, from: number): boolean {
  for (let p = from; p + HEADER_BYTES < buf.byteLength; p++) {
    if (decodeRecord(buf, p).ok) return true;
  }
  return false;
}

export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
