// Errors of durable Raft storage. They name the file and byte offset so an
// operator can inspect the damage.

import { RaftError } from '../errors.js';

/** Thrown when a WAL record before the end of the log is corrupt: data loss, not a torn write. */
export class WalCorruptionError extends RaftError {
  readonly code = 'RAFT_WAL_CORRUPT';
  constructor(readonly file: string, readonly offset: number, readonly reason: string) {
    super(`WAL corrupt in ${file} at byte ${offset}: ${reason} (valid records follow, refusing to truncate)`);
  }
}

/** Thrown when replayed WAL entries are not contiguous (missing segment or bug). */
export class WalGapError extends RaftError {
  readonly code = 'RAFT_WAL_GAP';
  constructor(readonly file: string, readonly index: number, readonly expected: number) {
    super(`WAL ${file}: entry ${index} does not follow last index ${expected - 1}`);
  }
}

/** Thrown when the WAL references a snapshot whose file is absent. */
export class SnapshotMissingError extends RaftError {
  readonly code = 'RAFT_SNAPSHOT_MISSING';
  constructor(readonly file: string, readonly index: number, readonly term: number) {
    super(`snapshot at index ${index} term ${term} referenced by the WAL is missing: ${file}`);
  }
}

/** Thrown when a snapshot file fails its checksum or cannot be parsed. */
export class SnapshotCorruptError extends RaftError {
  readonly code = 'RAFT_SNAPSHOT_CORRUPT';
  constructor(readonly file: string, readonly reason: string) {
    super(`snapshot ${file} is corrupt: ${reason}`);
  }
}

/** Thrown when the WAL is used after close() or a failed fsync. */
export class WalClosedError extends RaftError {
  readonly code = 'RAFT_WAL_CLOSED';
  constructor(readonly dir: string, options?: { cause?: unknown }) {
    super(`WAL in ${dir} is closed`, options);
  }
}
