// At most one log line per key per period: a peer that keeps sending bad input is reported,
// with how many lines were held back, without flooding the log.
export class LogThrottle {
  private readonly last = new Map<string, { atMs: number; held: number }>();

  constructor(private readonly periodMs: number) {}

  /**
   * undefined: stay quiet this time. A number: log now, and say that many earlier lines
   * were held back since the last one logged for this key.
   */
  take(key: string, nowMs: number): number | undefined {
    const e = this.last.get(key);
    if (e !== undefined && nowMs - e.atMs < this.periodMs) {
      e.held += 1;
      return undefined;
    }
    this.last.set(key, { atMs: nowMs, held: 0 });
    return e?.held ?? 0;
  }

  /** Forgets a key (its peer left). */
  forget(key: string): void {
    this.last.delete(key);
  }
}
