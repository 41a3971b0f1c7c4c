/** Base of every error the store raises; `code` is stable for callers and the API. */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly code: 'not_found' | 'exists' | 'conflict' | 'invalid' | 'closed' | 'not_leader',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** Thrown when an object looked up by ID does not exist. */
export class NotFoundError extends StoreError {
  constructor(
    readonly table: string,
    readonly id: string,
  ) {
    super(`${table.replace(/s$/, '')} ${id} not found`, 'not_found');
    this.name = 'NotFoundError';
  }
}

/** Thrown when creating an object whose ID or unique name is taken. */
export class ExistsError extends StoreError {
  constructor(message: string) {
    super(message, 'exists');
    this.name = 'ExistsError';
  }
}

/** Thrown when an update was built against an older version of the object. */
export class ConflictError extends StoreError {
  constructor(
    readonly table: string,
    readonly id: string,
    readonly expected: number,
    readonly actual: number | undefined,
  ) {
    super(
      `update out of sequence: ${table.replace(/s$/, '')} ${id} is at version ${actual ?? 'none'}, not ${expected}`,
      'conflict',
    );
    this.name = 'ConflictError';
  }
}

/** Thrown when a write reaches a store whose backend has been closed. */
export class StoreClosedError extends StoreError {
  constructor() {
    super('store is closed', 'closed');
    this.name = 'StoreClosedError';
  }
}

/** Thrown when a write is made on a replica that cannot accept writes (not the Raft leader). */
export class NotLeaderError extends StoreError {
  constructor(readonly leaderHint?: string) {
    super(`this manager is not the leader${leaderHint ? ` (leader: ${leaderHint})` : ''}`, 'not_leader');
    this.name = 'NotLeaderError';
  }
}
