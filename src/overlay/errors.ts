import type { SyncReport } from './types.js';

// Typed errors of the overlay driver. Each carries a stable code and the network/endpoint it
// concerns, so a log line or an agent status says what failed without parsing messages.

export type OverlayErrorCode =
  | 'COMMAND_FAILED'
  | 'INVALID_STATE'
  | 'SANDBOX_FAILED'
  | 'ENDPOINT_FAILED'
  | 'PEERS_FAILED'
  | 'READ_FAILED'
  | 'SYNC_FAILED';

/** Thrown when an iproute2/nsenter command exits non-zero, is killed, or cannot start. */
export class CommandError extends Error {
  readonly code = 'COMMAND_FAILED' as const;
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly signal: string | null,
    readonly stderr: string,
    /** The batch fed on stdin, if any. */
    readonly input?: string,
    options?: { cause?: unknown },
  ) {
    const how = exitCode !== null ? `exit ${exitCode}` : signal !== null ? `signal ${signal}` : 'failed to start';
    super(`${argv.join(' ')}: ${how}${stderr.trim() ? `: ${stderr.trim()}` : ''}`, options);
    this.name = 'CommandError';
  }
}

/** Thrown by sync() before it changes anything when the desired state is inconsistent. */
export class OverlayStateError extends Error {
  readonly code = 'INVALID_STATE' as const;
  constructor(readonly problems: readonly string[]) {
    super(`invalid overlay desired state: ${problems.join('; ')}`);
    this.name = 'OverlayStateError';
  }
}

/** Thrown by sync() when a sandbox cannot be read: planning on half a picture could tear down good state. */
export class SandboxReadError extends Error {
  readonly code = 'READ_FAILED' as const;
  constructor(
    readonly sandbox: string,
    readonly what: string,
  ) {
    super(`reading ${what} of sandbox ${sandbox} failed`);
    this.name = 'SandboxReadError';
  }
}

/** One network's (or one endpoint's) programming failed; the rest of the sync went on. */
export class OverlayNetworkError extends Error {
  constructor(
    readonly code: 'SANDBOX_FAILED' | 'ENDPOINT_FAILED' | 'PEERS_FAILED',
    readonly networkId: string,
    readonly vni: number,
    message: string,
    readonly taskId?: string,
    options?: { cause?: unknown },
  ) {
    const who = taskId !== undefined ? `network ${networkId} (vni ${vni}) endpoint ${taskId}` : `network ${networkId} (vni ${vni})`;
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`${who}: ${message}${cause}`, options);
    this.name = 'OverlayNetworkError';
  }
}

/** Thrown by sync() when some changes failed; what did succeed is in `report`. */
export class OverlaySyncError extends Error {
  readonly code = 'SYNC_FAILED' as const;
  constructor(
    readonly errors: readonly OverlayNetworkError[],
    readonly report: SyncReport,
  ) {
    super(`overlay sync: ${errors.length} failure(s): ${errors.map((e) => e.message).join('; ')}`);
    this.name = 'OverlaySyncError';
  }
}
