// Small statistics helpers for the benchmarks.

/** Median (mean of the two middle values for an even count); NaN for no values. */
export function p50(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function max(xs: number[]): number {
  return xs.length === 0 ? NaN : Math.max(...xs);
}

/** Thrown from a poll callback: stop polling at once (a dead process, say), instead of retrying. */
export class Fatal extends Error {}

/** Polls fn every intervalMs until it returns a value (not undefined/false), at most timeoutMs and maxPolls times. */
export async function poll<T>(what: string, fn: () => Promise<T | undefined | false>, o: { timeoutMs: number; intervalMs: number; maxPolls?: number }): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  const maxPolls = o.maxPolls ?? Math.ceil(o.timeoutMs / Math.max(1, o.intervalMs)) + 10;
  let lastErr: unknown;
  for (let i = 0; i < maxPolls && Date.now() < deadline; i++) {
    const started = Date.now();
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      if (err instanceof Fatal) throw err;
      lastErr = err;
    }
    const wait = o.intervalMs - (Date.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  throw new Error(`timed out after ${o.timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${String(lastErr)})` : ''}`);
}
