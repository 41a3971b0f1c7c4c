// Binary codec between core Messages and the protobuf encoding of
// proto/raft.proto's RaftMessage, written by hand so that the hot path (append
// messages with hundreds of entries) builds no intermediate objects: encode
// sizes the message, allocates one buffer and writes the fields in place;
// decode reads straight into a Message, and entry data are views into the
// received buffer (grpc-js hands every message over in a buffer of its own).
// Any protobuf implementation of raft.proto can talk to it; unknown fields
// are skipped.

import { type Entry, EntryType, type Message, type MessageType, type Snapshot } from './types.js';

/** Thrown when a peer sends a message the core cannot understand. */
export class WireFormatError extends Error {
  readonly code = 'RAFT_WIRE_FORMAT';
  constructor(readonly detail: string) {
    super(`malformed raft message: ${detail}`);
    this.name = 'WireFormatError';
  }
}

const TYPES: ReadonlySet<string> = new Set<MessageType>([
  'app', 'appResp', 'vote', 'voteResp', 'preVote', 'preVoteResp', 'snap',
  'heartbeat', 'heartbeatResp', 'timeoutNow', 'readIndex', 'readIndexResp',
]);

// Wire types.
const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const FIXED32 = 5;

const tag = (field: number, wire: number): number => (field << 3) | wire;

// ---- encoding ---------------------------------------------------------------------

/** Bytes of n as a varint; n is a non-negative integer up to 2^53. */
function varintLen(n: number): number {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function strLen(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Size of a length-delimited field whose payload has `len` bytes (tag < 128). */
const lenField = (len: number): number => 1 + varintLen(len) + len;
const numField = (n: number): number => 1 + varintLen(n);

function entryLen(e: Entry): number {
  let n = 0;
  if (e.term !== 0) n += numField(e.term);
  if (e.index !== 0) n += numField(e.index);
  if (e.type !== EntryType.Normal) n += numField(e.type);
  if (e.data.byteLength > 0) n += lenField(e.data.byteLength);
  return n;
}

function snapshotLens(s: Snapshot): { conf: number; meta: number; snap: number } {
  let conf = 0;
  for (const v of s.meta.conf.voters) conf += lenField(strLen(v));
  let meta = lenField(conf);
  if (s.meta.index !== 0) meta += numField(s.meta.index);
  if (s.meta.term !== 0) meta += numField(s.meta.term);
  let snap = lenField(meta);
  if (s.data.byteLength > 0) snap += lenField(s.data.byteLength);
  return { conf, meta, snap };
}

class Writer {
  off = 0;
  constructor(readonly buf: Buffer) {}

  varint(n: number): void {
    const b = this.buf;
    while (n >= 128) {
      b[this.off++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    b[this.off++] = n;
  }

  num(field: number, n: number): void {
    this.varint(tag(field, VARINT));
    this.varint(n);
  }

  str(field: number, s: string): void {
    this.varint(tag(field, BYTES));
    this.varint(strLen(s));
    this.off += this.buf.write(s, this.off, 'utf8');
  }

  bytes(field: number, data: Uint8Array): void {
    this.varint(tag(field, BYTES));
    this.varint(data.byteLength);
    this.buf.set(data, this.off);
    this.off += data.byteLength;
  }

  header(field: number, len: number): void {
    this.varint(tag(field, BYTES));
    this.varint(len);
  }
}

/** Encodes a Message as a protobuf RaftMessage. */
export function encodeMessage(m: Message): Buffer {
  let size = lenField(strLen(m.type)) + lenField(strLen(m.from)) + lenField(strLen(m.to));
  if (m.term !== 0) size += numField(m.term);
  if (m.logTerm !== undefined) size += numField(m.logTerm);
  if (m.index !== undefined) size += numField(m.index);
  const entLens: number[] = [];
  for (const e of m.entries ?? []) {
    const n = entryLen(e);
    entLens.push(n);
    size += lenField(n);
  }
  if (m.commit !== undefined) size += numField(m.commit);
  if (m.reject) size += 2;
  if (m.rejectHint !== undefined) size += numField(m.rejectHint);
  const snap = m.snapshot ? snapshotLens(m.snapshot) : undefined;
  if (snap) size += lenField(snap.snap);
  if (m.context !== undefined) size += lenField(strLen(m.context));

  const w = new Writer(Buffer.allocUnsafe(size));
  w.str(1, m.type);
  w.str(2, m.from);
  w.str(3, m.to);
  if (m.term !== 0) w.num(4, m.term);
  if (m.logTerm !== undefined) w.num(5, m.logTerm);
  if (m.index !== undefined) w.num(6, m.index);
  m.entries?.forEach((e, i) => {
    w.header(7, entLens[i] as number);
    if (e.term !== 0) w.num(1, e.term);
    if (e.index !== 0) w.num(2, e.index);
    if (e.type !== EntryType.Normal) w.num(3, e.type);
    if (e.data.byteLength > 0) w.bytes(4, e.data);
  });
  if (m.commit !== undefined) w.num(8, m.commit);
  if (m.reject) w.num(9, 1);
  if (m.rejectHint !== undefined) w.num(10, m.rejectHint);
  if (m.snapshot && snap) {
    const s = m.snapshot;
    w.header(11, snap.snap);
    w.header(1, snap.meta);
    if (s.meta.index !== 0) w.num(1, s.meta.index);
    if (s.meta.term !== 0) w.num(2, s.meta.term);
    w.header(3, snap.conf);
    for (const v of s.meta.conf.voters) w.str(1, v);
    if (s.data.byteLength > 0) w.bytes(2, s.data);
  }
  if (m.context !== undefined) w.str(12, m.context);
  if (w.off !== size) throw new WireFormatError(`encoder size mismatch (${w.off} != ${size})`);
  return w.buf;
}

// ---- decoding ---------------------------------------------------------------------

class Reader {
  constructor(readonly buf: Buffer, public off: number, readonly end: number) {}

  more(): boolean {
    return this.off < this.end;
  }

  varint(): number {
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.off >= this.end) throw new WireFormatError('truncated varint');
      const b = this.buf[this.off++] as number;
      n += (b & 127) * mul;
      if (b < 128) return n;
      mul *= 128;
    }
    throw new WireFormatError('varint too long');
  }

  /** A length-delimited payload as [start, end) of the buffer. */
  span(): [number, number] {
    const len = this.varint();
    const start = this.off;
    if (start + len > this.end) throw new WireFormatError('truncated field');
    this.off = start + len;
    return [start, start + len];
  }

  str(): string {
    const [a, b] = this.span();
    return this.buf.toString('utf8', a, b);
  }

  /** A view (no copy) typed as a plain Uint8Array, like entries made locally. */
  bytes(): Uint8Array {
    const [a, b] = this.span();
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset + a, b - a);
  }

  sub(): Reader {
    const [a, b] = this.span();
    return new Reader(this.buf, a, b);
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === BYTES) this.span();
    else if (wire === FIXED64) this.advance(8);
    else if (wire === FIXED32) this.advance(4);
    else throw new WireFormatError(`unsupported wire type ${wire}`);
  }

  private advance(n: number): void {
    if (this.off + n > this.end) throw new WireFormatError('truncated field');
    this.off += n;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function readEntry(r: Reader): Entry {
  let term = 0;
  let index = 0;
  let type = 0;
  let data: Uint8Array = EMPTY;
  while (r.more()) {
    const t = r.varint();
    const field = Math.floor(t / 8);
    const wire = t & 7;
    if (field === 1 && wire === VARINT) term = r.varint();
    else if (field === 2 && wire === VARINT) index = r.varint();
    else if (field === 3 && wire === VARINT) type = r.varint();
    else if (field === 4 && wire === BYTES) data = r.bytes();
    else r.skip(wire);
  }
  if (type !== EntryType.Normal && type !== EntryType.ConfChange) throw new WireFormatError(`unknown entry type ${type}`);
  return { term, index, type: type as EntryType, data };
}

function readSnapshot(r: Reader): Snapshot {
  let index = 0;
  let term = 0;
  const voters: string[] = [];
  let data: Uint8Array = EMPTY;
  while (r.more()) {
    const t = r.varint();
    const field = Math.floor(t / 8);
    const wire = t & 7;
    if (field === 1 && wire === BYTES) {
      const meta = r.sub();
      while (meta.more()) {
        const mt = meta.varint();
        const mf = Math.floor(mt / 8);
        const mw = mt & 7;
        if (mf === 1 && mw === VARINT) index = meta.varint();
        else if (mf === 2 && mw === VARINT) term = meta.varint();
        else if (mf === 3 && mw === BYTES) {
          const conf = meta.sub();
          while (conf.more()) {
            const ct = conf.varint();
            if (ct === tag(1, BYTES)) voters.push(conf.str());
            else conf.skip(ct & 7);
          }
        } else meta.skip(mw);
      }
    } else if (field === 2 && wire === BYTES) data = r.bytes();
    else r.skip(wire);
  }
  return { meta: { index, term, conf: { voters } }, data };
}

const EMPTY = new Uint8Array(0);

/** Decodes a protobuf RaftMessage; throws WireFormatError on malformed input. */
export function decodeMessage(buf: Buffer): Message {
  const r = new Reader(buf, 0, buf.byteLength);
  const m: Partial<Mutable<Message>> = { type: '' as MessageType, from: '', to: '', term: 0 };
  let entries: Entry[] | undefined;
  while (r.more()) {
    const t = r.varint();
    const field = Math.floor(t / 8);
    const wire = t & 7;
    if (wire === VARINT) {
      const n = r.varint();
      switch (field) {
        case 4: m.term = n; break;
        case 5: m.logTerm = n; break;
        case 6: m.index = n; break;
        case 8: m.commit = n; break;
        case 9: if (n !== 0) m.reject = true; break;
        case 10: m.rejectHint = n; break;
        default: break; // unknown field
      }
    } else if (wire === BYTES) {
      switch (field) {
        case 1: m.type = r.str() as MessageType; break;
        case 2: m.from = r.str(); break;
        case 3: m.to = r.str(); break;
        case 7: (entries ??= []).push(readEntry(r.sub())); break;
        case 11: m.snapshot = readSnapshot(r.sub()); break;
        case 12: m.context = r.str(); break;
        default: r.skip(wire);
      }
    } else {
      r.skip(wire);
    }
  }
  if (!TYPES.has(m.type as string)) throw new WireFormatError(`unknown type ${JSON.stringify(m.type)}`);
  if (entries) m.entries = entries;
  return m as Message;
}
