// Runs one async job at a time; requests that arrive while it runs (or within the coalescing
// delay) are folded into a single next run. A failed run is retried after a delay.

/** Wait after the first request so a burst (status reports, a view) becomes one run (ms). */
export const COALESCE_MS = 15;
/** Retry delay after a run that reported a failure (ms). */
export const RETRY_MS = 1_000;

export class SyncLoop {
  private timer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private running = false;
  private again = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();

  /** `job` returns false when it should be retried. */
  constructor(private readonly job: () => Promise<boolean>) {}

  request(delayMs = COALESCE_MS): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.idle = this.loop();
    }, delayMs);
  }

  /** Resolves once no run is in progress (tests, shutdown). */
  async settled(): Promise<void> {
    await this.idle;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
  }

  private async loop(): Promise<void> {
    this.running = true;
    let ok: boolean;
    try {
      do {
        this.again = false;
        ok = await this.job().catch(() => false);
      } while (this.again && !this.stopped);
    } finally {
      this.running = false;
    }
    if (!ok && !this.stopped) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.request(0), RETRY_MS);
    }
  }
}
