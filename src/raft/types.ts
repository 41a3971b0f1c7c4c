// Wire and storage types shared by the pure Raft core and its drivers.
// Node ids are opaque strings; terms and indexes are plain numbers
// (safe up to 2^53, far beyond any realistic log).

export type NodeId = string;

/** No node: used for "no vote" and "no known leader". */
export const NONE: NodeId = '';

export enum EntryType {
  Normal = 0,
  ConfChange = 1,
}

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** State that must be on stable storage before any message of the same Ready is sent. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: NONE, commit: 0 };

export interface ConfState {
  readonly voters: readonly NodeId[];
}

export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

export const EMPTY_SNAPSHOT: Snapshot = {
  meta: { index: 0, term: 0, conf: { voters: [] } },
  data: new Uint8Array(0),
};

/**
 * Single-server membership change. `voters` is the full voter set after the
 * change so that applying it is idempotent and needs no base configuration
 * (a joining node replaying the log learns the whole set from one entry).
 * `context` is opaque to the core (the node runner stores the peer address).
 */
export interface ConfChange {
  readonly type: 'add' | 'remove';
  readonly nodeId: NodeId;
  readonly voters: readonly NodeId[];
  readonly context?: string;
}

export type MessageType =
  | 'app'
  | 'appResp'
  | 'vote'
  | 'voteResp'
  | 'preVote'
  | 'preVoteResp'
  | 'snap'
  | 'heartbeat'
  | 'heartbeatResp'
  | 'timeoutNow'
  | 'readIndex'
  | 'readIndexResp';

export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  /** app: term of the entry at `index`; vote: candidate's last log term. */
  readonly logTerm?: number;
  /** app: index preceding `entries`; appResp: highest matched (or rejected) index. */
  readonly index?: number;
  readonly entries?: readonly Entry[];
  readonly commit?: number;
  readonly reject?: boolean;
  /** appResp on reject: a guess of the follower's last index that may match. */
  readonly rejectHint?: number;
  readonly snapshot?: Snapshot;
  /** heartbeat / readIndex correlation; vote: 'transfer' for forced campaigns. */
  readonly context?: string;
}

export interface ReadState {
  /** Reads issued with `context` are linearizable once applied >= index. */
  readonly index: number;
  readonly context: string;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

export interface SoftState {
  readonly leader: NodeId;
  readonly role: Role;
}

/**
 * One batch of work for the driver. Order of handling:
 * 1. persist `snapshot`, `entries`, `hardState` (fsync);
 * 2. send `messages`;
 * 3. apply `snapshot` then `committedEntries` to the state machine;
 * 4. call `advance(ready)`.
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
}

/**
 * Leader traffic (appends, heartbeats, snapshots) may leave before the
 * leader's own fsync of the same Ready (dissertation §10.2.1): a commit that
 * counts the leader's copy can only be computed from acks to those messages,
 * and it reaches the outside in a later Ready, after that fsync. Everything
 * else (votes, acks) must wait for persistence.
 */
export function canSendBeforePersist(m: Message): boolean {
  return m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap';
}

export function entrySize(e: Entry): number {
  return e.data.byteLength + 24;
}

export function isHardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export function encodeConfChange(cc: ConfChange): Uint8Array {
  return textEncoder.encode(JSON.stringify(cc));
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  return JSON.parse(textDecoder.decode(data)) as ConfChange;
}
