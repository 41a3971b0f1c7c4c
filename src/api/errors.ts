// The error catalogue of the control API. Every error body is `{"message": "..."}`, as the
// Docker Engine API returns it; the status code tells the docker CLI what kind it is.
import { StoreError } from '../store/errors.js';

/** Stable error codes; the HTTP status follows from the code. */
export const ERROR_STATUS = {
  /** The request is malformed: bad JSON, bad filter, invalid spec field. */
  invalid_argument: 400,
  /** Well-formed, but refused by policy (e.g. a network tsswarm manages itself). */
  forbidden: 403,
  /** The named object does not exist. */
  not_found: 404,
  /** The change clashes with current state: name or port taken, stale version, node busy. */
  conflict: 409,
  /** Well-formed, but tsswarm does not do this through the Engine API. */
  not_implemented: 501,
  /** This manager cannot serve the request now (not the leader, store closed, swarm verbs). */
  unavailable: 503,
  /** A bug or an unexpected failure; the message says what failed. */
  internal: 500,
} as const;

export type ApiErrorCode = keyof typeof ERROR_STATUS;

/** Thrown by route handlers and validators; rendered as `{"message"}` with `status`. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
    this.status = ERROR_STATUS[code];
  }
}

export const invalid = (message: string): ApiError => new ApiError('invalid_argument', message);
export const conflict = (message: string): ApiError => new ApiError('conflict', message);
export const notImplemented = (message: string): ApiError => new ApiError('not_implemented', message);
export const unavailable = (message: string): ApiError => new ApiError('unavailable', message);

/** `service foo not found`, `node foo not found`, `task foo not found` (Docker's wording). */
export function notFound(kind: 'service' | 'node' | 'task', ref: string): ApiError {
  return new ApiError('not_found', `${kind} ${ref} not found`);
}

/** Docker's wording for a stale `version` on an update. */
export function outOfSequence(kind: string, ref: string, expected: number, actual: number): ApiError {
  return conflict(`update out of sequence: ${kind} ${ref} is at version ${actual}, not ${expected}`);
}

const STORE_CODE_MAP: Record<StoreError['code'], ApiErrorCode> = {
  not_found: 'not_found',
  exists: 'conflict',
  conflict: 'conflict',
  invalid: 'invalid_argument',
  closed: 'unavailable',
  not_leader: 'unavailable',
};

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message: string;
}

/** Maps anything a handler can throw to an ApiError (unknown errors become `internal`). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StoreError) return new ApiError(STORE_CODE_MAP[err.code], err.message, { cause: err });
  if (err instanceof Error) {
    const f = err as FastifyLikeError;
    if (f.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError('invalid_argument', 'request body is too large', { cause: err });
    if (typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
      return new ApiError(f.statusCode === 404 ? 'not_found' : 'invalid_argument', err.message, { cause: err });
    }
    return new ApiError('internal', err.message, { cause: err });
  }
  return new ApiError('internal', String(err));
}
