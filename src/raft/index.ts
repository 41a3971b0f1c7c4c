// Public surface of the Raft library. Other modules import from here only.

export { RaftNode, RaftStoppedError } from './node.js';
export { RaftTimeoutError } from './node-waiters.js';
export type { RaftNodeOptions, RaftNodeStats, StateMachine } from './node.js';
export { GrpcTransport, PeerAuthError } from './transport-grpc.js';
export type { RaftTransport, GrpcTransportOptions } from './transport-grpc.js';
export {
  RaftError,
  NotLeaderError,
  LeaderTransferringError,
  ConfChangePendingError,
  InvalidConfChangeError,
  ProposalDroppedError,
} from './errors.js';
export { WalCorruptionError, SnapshotMissingError, SnapshotCorruptError } from './storage/errors.js';
export { Raft } from './raft.js';
export type { RaftConfig } from './raft.js';
export { MemoryStorage } from './memory-storage.js';
export { EntryType, NONE } from './types.js';
export type { Entry, HardState, Message, NodeId, Ready, Snapshot, ConfState } from './types.js';
