// Durable single-manager backend: a write-ahead log of batches plus periodic snapshots,
// all under the data dir. A batch is fsynced before it is applied, so anything the API
// acknowledged survives kill -9.
import { crc32 } from 'node:zlib';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { BatchRejectedError, type Batch, type StateSnapshot } from './state.js';
import type { ApplySink, StoreBackend } from './store.js';
import { StoreClosedError, StoreError } from './errors.js';

/** Thrown when the log is damaged anywhere but its last, partly written record. */
export class CorruptLogError extends StoreError {
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`corrupt record in ${file} at byte ${offset}: ${reason}`, 'invalid');
    this.name = 'CorruptLogError';
  }
}

/** Batches between snapshots; bounds replay time after a restart. */
const SNAPSHOT_EVERY_BATCHES = 2000;

export class FileBackend implements StoreBackend {
  private sink?: ApplySink;
  private wal?: fs.FileHandle;
  private batchesSinceSnapshot = 0;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly log?: Logger,
  ) {}

  private get walPath(): string {
    return path.join(this.dir, 'state.wal');
  }

  private get snapPath(): string {
    return path.join(this.dir, 'state.snap');
  }

  async open(sink: ApplySink): Promise<void> {
    this.sink = sink;
    await fs.mkdir(this.dir, { recursive: true });
    const snap = await readSnapshot(this.snapPath);
    if (snap) sink.restore(snap);
    const goodBytes = await this.replay(sink, snap?.seq ?? 0);
    this.wal = await fs.open(this.walPath, 'a+');
    const { size } = await this.wal.stat();
    if (size > goodBytes) {
      this.log?.warn({ file: this.walPath, offset: goodBytes, dropped: size - goodBytes }, 'truncating torn log tail');
      await this.wal.truncate(goodBytes);
      await this.wal.sync();
    }
  }

  async commit(batch: Batch): Promise<void> {
    if (this.closed || !this.wal || !this.sink) throw new StoreClosedError();
    await this.wal.appendFile(encodeRecord(batch));
    await this.wal.datasync();
    this.sink.apply(batch);
    if (++this.batchesSinceSnapshot >= SNAPSHOT_EVERY_BATCHES) await this.compact();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.wal?.close();
    this.wal = undefined;
  }

  /** Writes a snapshot atomically, then starts an empty log. */
  private async compact(): Promise<void> {
    if (!this.sink || !this.wal) return;
    await writeFileAtomic(this.snapPath, JSON.stringify(this.sink.snapshot()));
    await this.wal.close();
    await writeFileAtomic(this.walPath, '');
    this.wal = await fs.open(this.walPath, 'a+');
    this.batchesSinceSnapshot = 0;
  }

  /** Applies logged batches after the snapshot; returns the length of the valid prefix. */
  private async replay(sink: ApplySink, fromSeq: number): Promise<number> {
    let data: Buffer;
    try {
      data = await fs.readFile(this.walPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    let offset = 0;
    while (offset < data.length) {
      const nl = data.indexOf(0x0a, offset);
      const decoded = nl < 0 ? undefined : decodeRecord(data.subarray(offset, nl));
      if (!decoded) {
        // A bad record is only a torn write if nothing valid follows it.
        if (nl >= 0 && hasValidRecordAfter(data, nl + 1)) {
          throw new CorruptLogError(this.walPath, offset, 'checksum mismatch with valid records after it');
        }
        return offset;
      }
      if (decoded.seq > fromSeq) {
        try {
          sink.apply(decoded);
        } catch (err) {
          // Rejected batches were rejected the first time too; replay stays deterministic.
          if (!(err instanceof BatchRejectedError)) throw err;
        }
      }
      this.batchesSinceSnapshot++;
      offset = nl + 1;
    }
    return offset;
  }
}

function encodeRecord(batch: Batch): string {
  const json = JSON.stringify(batch);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

function decodeRecord(line: Buffer): Batch | undefined {
  if (line.length < 10 || line[8] !== 0x20) return undefined;
  const sum = Number.parseInt(line.subarray(0, 8).toString('latin1'), 16);
  const body = line.subarray(9);
  if (crc32(body) !== sum) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as Batch;
  } catch {
    return undefined;
  }
}

function hasValidRecordAfter(data: Buffer, from: number): boolean {
  let offset = from;
  while (offset < data.length) {
    const nl = data.indexOf(0x0a, offset);
    if (nl < 0) return false;
    if (decodeRecord(data.subarray(offset, nl))) return true;
    offset = nl + 1;
  }
  return false;
}

async function readSnapshot(file: string): Promise<StateSnapshot | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as StateSnapshot;
  } catch (err) {
    throw new StoreError(`snapshot ${file} is unreadable`, 'invalid', { cause: err });
  }
}

/** temp file + fsync + rename + directory fsync: the file is either old or new, never half. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await fs.open(tmp, 'w');
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, file);
  const dir = await fs.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
