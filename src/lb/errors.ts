/** Base of every error the load balancer raises; `code` is stable for callers. */
export class LbError extends Error {
  constructor(
    message: string,
    readonly code: 'invalid_state' | 'nft_failed' | 'proxy_failed',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LbError';
  }
}

/** Thrown when a desired state cannot be applied as given (a port claimed twice, a bad address). */
export class LbStateError extends LbError {
  constructor(readonly reason: string) {
    super(`invalid load-balancer state: ${reason}`, 'invalid_state');
    this.name = 'LbStateError';
  }
}

/** Thrown when an `nft -f` transaction is refused; nothing of it was applied. */
export class NftError extends LbError {
  constructor(
    readonly stderr: string,
    readonly script: string,
  ) {
    super(`nft transaction failed: ${stderr.trim().split('\n').slice(0, 6).join(' | ')}`, 'nft_failed');
    this.name = 'NftError';
  }
}
