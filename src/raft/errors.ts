// Typed errors of the Raft library. Each has a stable `code` and readonly
// context fields so callers can branch without parsing messages.

import type { NodeId } from './types.js';

export abstract class RaftError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Thrown when a proposal or read reaches a node that is not the leader. */
export class NotLeaderError extends RaftError {
  readonly code = 'RAFT_NOT_LEADER';
  constructor(
    readonly nodeId: NodeId,
    /** Known leader, or '' if none is known; callers may forward to it. */
    readonly leaderId: NodeId,
  ) {
    super(`node ${nodeId} is not the leader (leader: ${leaderId || 'unknown'})`);
  }
}

/** Thrown when a proposal is refused while leadership is being transferred. */
export class LeaderTransferringError extends RaftError {
  readonly code = 'RAFT_LEADER_TRANSFERRING';
  constructor(readonly nodeId: NodeId, readonly transferee: NodeId) {
    super(`node ${nodeId} is transferring leadership to ${transferee}`);
  }
}

/** Thrown when a membership change is proposed while another is uncommitted. */
export class ConfChangePendingError extends RaftError {
  readonly code = 'RAFT_CONF_CHANGE_PENDING';
  constructor(readonly pendingIndex: number, readonly applied: number) {
    super(`conf change at index ${pendingIndex} not yet applied (applied ${applied})`);
  }
}

/** Thrown when a membership change makes no sense (e.g. adding an existing voter). */
export class InvalidConfChangeError extends RaftError {
  readonly code = 'RAFT_INVALID_CONF_CHANGE';
  constructor(readonly detail: string) {
    super(`invalid conf change: ${detail}`);
  }
}

/** Thrown when requested log entries were compacted into a snapshot. */
export class CompactedError extends RaftError {
  readonly code = 'RAFT_COMPACTED';
  constructor(readonly index: number, readonly firstIndex: number) {
    super(`index ${index} compacted (first index ${firstIndex})`);
  }
}

/** Thrown when requested log entries are beyond the last index. */
export class UnavailableError extends RaftError {
  readonly code = 'RAFT_UNAVAILABLE';
  constructor(readonly index: number, readonly lastIndex: number) {
    super(`index ${index} unavailable (last index ${lastIndex})`);
  }
}

/** Thrown when a snapshot is older than what storage already holds. */
export class SnapshotOutOfDateError extends RaftError {
  readonly code = 'RAFT_SNAPSHOT_OUT_OF_DATE';
  constructor(readonly index: number, readonly current: number) {
    super(`snapshot at ${index} older than current snapshot at ${current}`);
  }
}

/** Thrown when an invariant of the core is broken: always a bug. */
export class RaftInvariantError extends RaftError {
  readonly code = 'RAFT_INVARIANT';
  constructor(detail: string) {
    super(`raft invariant violated: ${detail}`);
  }
}

/** Thrown when a proposal was overwritten by another leader's entry, or the node stopped. */
export class ProposalDroppedError extends RaftError {
  readonly code = 'RAFT_PROPOSAL_DROPPED';
  constructor(readonly index: number, readonly reason: string) {
    super(`proposal at index ${index} dropped: ${reason}`);
  }
}
