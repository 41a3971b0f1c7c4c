// Conversion between core Messages and the protobuf shape of proto/raft.proto
// (as decoded by proto-loader with longs as numbers and camelCase fields).

import type { Entry, EntryType, Message, MessageType, Snapshot } from './types.js';

export interface WireEntry {
  term: number;
  index: number;
  type: number;
  data: Uint8Array;
}

export interface WireSnapshot {
  meta: { index: number; term: number; conf: { voters: string[] } | null } | null;
  data: Uint8Array;
}

export interface WireMessage {
  type: string;
  from: string;
  to: string;
  term: number;
  logTerm?: number | null;
  index?: number | null;
  entries?: WireEntry[];
  commit?: number | null;
  reject?: boolean;
  rejectHint?: number | null;
  snapshot?: WireSnapshot | null;
  context?: string | null;
}

const TYPES: ReadonlySet<string> = new Set<MessageType>([
  'app', 'appResp', 'vote', 'voteResp', 'preVote', 'preVoteResp', 'snap',
  'heartbeat', 'heartbeatResp', 'timeoutNow', 'readIndex', 'readIndexResp',
]);

export function toWire(m: Message): WireMessage {
  const w: WireMessage = { type: m.type, from: m.from, to: m.to, term: m.term, reject: m.reject ?? false };
  if (m.logTerm !== undefined) w.logTerm = m.logTerm;
  if (m.index !== undefined) w.index = m.index;
  if (m.commit !== undefined) w.commit = m.commit;
  if (m.rejectHint !== undefined) w.rejectHint = m.rejectHint;
  if (m.context !== undefined) w.context = m.context;
  if (m.entries) w.entries = m.entries.map((e) => ({ term: e.term, index: e.index, type: e.type, data: e.data }));
  if (m.snapshot) w.snapshot = { meta: { index: m.snapshot.meta.index, term: m.snapshot.meta.term, conf: { voters: [...m.snapshot.meta.conf.voters] } }, data: m.snapshot.data };
  return w;
}

/** Thrown when a peer sends a message the core cannot understand. */
export class WireFormatError extends Error {
  readonly code = 'RAFT_WIRE_FORMAT';
  constructor(readonly detail: string) {
    super(`malformed raft message: ${detail}`);
    this.name = 'WireFormatError';
  }
}

export function fromWire(w: WireMessage): Message {
  if (!TYPES.has(w.type)) throw new WireFormatError(`unknown type ${JSON.stringify(w.type)}`);
  const entries: Entry[] | undefined = w.entries && w.entries.length > 0
    ? w.entries.map((e) => ({ term: Number(e.term), index: Number(e.index), type: e.type as EntryType, data: new Uint8Array(e.data) }))
    : undefined;
  let snapshot: Snapshot | undefined;
  if (w.snapshot && w.snapshot.meta) {
    const meta = w.snapshot.meta;
    snapshot = { meta: { index: Number(meta.index), term: Number(meta.term), conf: { voters: meta.conf?.voters ?? [] } }, data: new Uint8Array(w.snapshot.data) };
  }
  return {
    type: w.type as MessageType,
    from: w.from,
    to: w.to,
    term: Number(w.term),
    ...(w.logTerm != null ? { logTerm: Number(w.logTerm) } : {}),
    ...(w.index != null ? { index: Number(w.index) } : {}),
    ...(entries ? { entries } : {}),
    ...(w.commit != null ? { commit: Number(w.commit) } : {}),
    ...(w.reject ? { reject: true } : {}),
    ...(w.rejectHint != null ? { rejectHint: Number(w.rejectHint) } : {}),
    ...(snapshot ? { snapshot } : {}),
    ...(w.context != null ? { context: w.context } : {}),
  };
}
