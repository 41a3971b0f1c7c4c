// Snapshot files: written to a temp file, fsynced, renamed into place, then
// the directory is fsynced, so a crash leaves either the old or the new
// snapshot, never half of one. Layout:
//   "RSNP" | crc32 u32 (of everything after it) | metaLen u32 | meta JSON | data

import { open, readFile, readdir, rename, unlink, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Snapshot, SnapshotMeta } from '../types.js';
import { SnapshotCorruptError, SnapshotMissingError } from './errors.js';
import { syncDir } from './wal.js';

const MAGIC = Buffer.from('RSNP');
const NAME_RE = /^snap-([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

function fileName(index: number, term: number): string {
  return `snap-${term.toString(16).padStart(16, '0')}-${index.toString(16).padStart(16, '0')}.snap`;
}

export class SnapshotStore {
  constructor(readonly dir: string) {}

  pathFor(index: number, term: number): string {
    return join(this.dir, fileName(index, term));
  }

  async save(snap: Snapshot): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const meta = Buffer.from(JSON.stringify(snap.meta), 'utf8');
    const body = Buffer.allocUnsafe(4 + meta.byteLength + snap.data.byteLength);
    body.writeUInt32LE(meta.byteLength, 0);
    meta.copy(body, 4);
    body.set(snap.data, 4 + meta.byteLength);
    const head = Buffer.allocUnsafe(8);
    MAGIC.copy(head, 0);
    head.writeUInt32LE(crc32(body), 4);
    const path = this.pathFor(snap.meta.index, snap.meta.term);
    const tmp = `${path}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.write(head);
      await fh.write(body);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    await syncDir(this.dir);
    return path;
  }

  /** Loads the snapshot the WAL refers to; missing or damaged files are errors. */
  async load(index: number, term: number): Promise<Snapshot> {
    const path = this.pathFor(index, term);
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new SnapshotMissingError(path, index, term);
      throw e;
    }
    if (buf.byteLength < 12 || !buf.subarray(0, 4).equals(MAGIC)) throw new SnapshotCorruptError(path, 'bad magic or short file');
    const body = buf.subarray(8);
    if (crc32(body) !== buf.readUInt32LE(4)) throw new SnapshotCorruptError(path, 'checksum mismatch');
    const metaLen = body.readUInt32LE(0);
    if (4 + metaLen > body.byteLength) throw new SnapshotCorruptError(path, 'meta length out of range');
    let meta: SnapshotMeta;
    try {
      meta = JSON.parse(body.subarray(4, 4 + metaLen).toString('utf8')) as SnapshotMeta;
    } catch (e) {
      throw new SnapshotCorruptError(path, `meta is not JSON: ${String(e)}`);
    }
    if (meta.index !== index || meta.term !== term) {
      throw new SnapshotCorruptError(path, `meta says ${meta.index}/${meta.term}, expected ${index}/${term}`);
    }
    return { meta, data: new Uint8Array(body.subarray(4 + metaLen)) };
  }

  /** Deletes snapshot files (and stale temp files) older than `index`. */
  async pruneBefore(index: number): Promise<void> {
    for (const name of await readdir(this.dir)) {
      const m = NAME_RE.exec(name);
      if (name.endsWith('.tmp') || (m && parseInt(m[2] ?? '0', 16) < index)) await unlink(join(this.dir, name));
    }
  }
}
