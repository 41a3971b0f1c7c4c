// The skeleton every leader-only control loop shares: watch the store, note what changed,
// and run one pass at a time after a short debounce, so a burst of events costs one pass.
import type { Logger } from 'pino';
import type { StoreEvent } from '../store/state.js';
import type { Store } from '../store/store.js';

export abstract class ControlLoop {
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private running = false;
  private passing = false;

  constructor(
    protected readonly store: Store,
    protected readonly log: Logger,
    /** Lets a burst of store events settle into one pass. */
    private readonly debounceMs: number,
  ) {}

  run(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.store.subscribe((events) => {
      this.observe(events);
      this.kick();
    });
    this.kick();
  }

  stop(): void {
    this.running = false;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Records what the events change for the next pass (no store writes here). */
  protected abstract observe(events: StoreEvent[]): void;
  /** Whether a pass has anything to do. */
  protected abstract hasWork(): boolean;
  /** One pass; a throw is logged and `onPassFailed` decides what to retry. */
  protected abstract pass(): Promise<void>;
  protected abstract onPassFailed(): void;

  protected kick(): void {
    if (!this.running || this.timer || this.passing || !this.hasWork()) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runPass();
    }, this.debounceMs);
  }

  private async runPass(): Promise<void> {
    this.passing = true;
    try {
      await this.pass();
    } catch (err) {
      this.log.error({ err }, `${this.constructor.name} pass failed; retrying`);
      this.onPassFailed();
    } finally {
      this.passing = false;
    }
    this.kick();
  }
}
