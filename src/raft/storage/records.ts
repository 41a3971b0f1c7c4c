// Binary encoding of WAL records: [len u32][crc32 u32][type u8][payload].
// `len` counts type + payload; the CRC (IEEE CRC-32, zlib) covers the same
// bytes, so a torn write of any part of a record is detected.

import { crc32 } from 'node:zlib';
import { type Entry, type EntryType, type HardState, type SnapshotMeta } from '../types.js';

export const HEADER_BYTES = 8;
/** Refuse absurd lengths early: a corrupt length must not drive a huge read. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

export enum RecordType {
  Entry = 1,
  HardState = 2,
  /** A snapshot file with this (index, term) is durable; older entries may be gone. */
  Snapshot = 3,
}

export type WalRecord =
  | { type: RecordType.Entry; entry: Entry }
  | { type: RecordType.HardState; hardState: HardState }
  | { type: RecordType.Snapshot; index: number; term: number };

export function encodeRecord(r: WalRecord): Buffer {
  return encodeRecords([r]);
}

/** Encodes records back to back into one buffer (one allocation, no per-record copies). */
export function encodeRecords(records: readonly WalRecord[]): Buffer {
  let total = 0;
  const votes: (Buffer | undefined)[] = [];
  for (const r of records) {
    const vote = r.type === RecordType.HardState ? Buffer.from(r.hardState.vote, 'utf8') : undefined;
    votes.push(vote);
    total += HEADER_BYTES + bodyBytes(r, vote);
  }
  const out = Buffer.allocUnsafe(total);
  let off = 0;
  records.forEach((r, i) => {
    const vote = votes[i];
    const len = bodyBytes(r, vote);
    const b = off + HEADER_BYTES; // body start
    out.writeUInt8(r.type, b);
    switch (r.type) {
      case RecordType.Entry:
        out.writeDoubleLE(r.entry.term, b + 1);
        out.writeDoubleLE(r.entry.index, b + 9);
        out.writeUInt8(r.entry.type, b + 17);
        out.set(r.entry.data, b + 18);
        break;
      case RecordType.HardState:
        out.writeDoubleLE(r.hardState.term, b + 1);
        out.writeDoubleLE(r.hardState.commit, b + 9);
        if (vote) out.set(vote, b + 17);
        break;
      case RecordType.Snapshot:
        out.writeDoubleLE(r.index, b + 1);
        out.writeDoubleLE(r.term, b + 9);
        break;
    }
    out.writeUInt32LE(len, off);
    out.writeUInt32LE(crc32(out.subarray(b, b + len)), off + 4);
    off = b + len;
  });
  return out;
}

/** Size of a record's type byte plus payload. */
function bodyBytes(r: WalRecord, vote: Buffer | undefined): number {
  switch (r.type) {
    case RecordType.Entry:
      return 1 + 17 + r.entry.data.byteLength;
    case RecordType.HardState:
      return 1 + 16 + (vote?.byteLength ?? 0);
    case RecordType.Snapshot:
      return 1 + 16;
  }
}

export type DecodeResult =
  | { ok: true; record: WalRecord; size: number }
  | { ok: false; reason: string };

/** Decodes the record at `offset`; never throws on bad bytes. */
export function decodeRecord(buf: Buffer, offset: number): DecodeResult {
  if (offset + HEADER_BYTES > buf.byteLength) return { ok: false, reason: 'truncated header' };
  const len = buf.readUInt32LE(offset);
  if (len < 1 || len > MAX_RECORD_BYTES) return { ok: false, reason: `bad length ${len}` };
  if (offset + HEADER_BYTES + len > buf.byteLength) return { ok: false, reason: 'truncated body' };
  const body = buf.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + len);
  if (crc32(body) !== buf.readUInt32LE(offset + 4)) return { ok: false, reason: 'checksum mismatch' };
  const size = HEADER_BYTES + len;
  const type = body.readUInt8(0);
  switch (type) {
    case RecordType.Entry:
      if (len < 18) return { ok: false, reason: 'short entry' };
      return {
        ok: true,
        size,
        record: {
          type,
          entry: {
            term: body.readDoubleLE(1),
            index: body.readDoubleLE(9),
            type: body.readUInt8(17) as EntryType,
            data: new Uint8Array(body.subarray(18)),
          },
        },
      };
    case RecordType.HardState:
      if (len < 17) return { ok: false, reason: 'short hard state' };
      return {
        ok: true,
        size,
        record: {
          type,
          hardState: { term: body.readDoubleLE(1), commit: body.readDoubleLE(9), vote: body.subarray(17).toString('utf8') },
        },
      };
    case RecordType.Snapshot:
      if (len < 17) return { ok: false, reason: 'short snapshot marker' };
      return { ok: true, size, record: { type, index: body.readDoubleLE(1), term: body.readDoubleLE(9) } };
    default:
      return { ok: false, reason: `unknown record type ${type}` };
  }
}

export function snapshotRecord(meta: SnapshotMeta): WalRecord {
  return { type: RecordType.Snapshot, index: meta.index, term: meta.term };
}
