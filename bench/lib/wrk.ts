// Runs wrk(1) and reads its report: requests/s, latency percentiles (--latency), errors.
import type { ExecResult } from '../../test/harness/bed.js';

export interface WrkOptions {
  threads: number;
  conns: number;
  seconds: number;
  /** Send "Connection: close": one new connection (and one balancing decision) per request. */
  close: boolean;
  timeoutSec?: number;
}

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** connect/read/write/timeout socket errors plus non-2xx/3xx answers. */
  errors: number;
}

export function wrkArgs(url: string, o: WrkOptions): string[] {
  const args = [`-t${o.threads}`, `-c${o.conns}`, `-d${o.seconds}s`, '--timeout', `${o.timeoutSec ?? 2}s`, '--latency'];
  if (o.close) args.push('-H', 'Connection: close');
  return [...args, url];
}

/** "812.00us" | "1.23ms" | "2.00s" | "1.5m" → milliseconds. */
export function durationMs(s: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(s.trim());
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000;
}

export class WrkError extends Error {
  constructor(
    readonly url: string,
    readonly output: string,
  ) {
    super(`wrk ${url}: no report in its output: ${output.slice(0, 400)}`);
    this.name = 'WrkError';
  }
}

export function parseWrk(url: string, r: ExecResult): WrkResult {
  const out = r.stdout;
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
  const requests = /(\d+) requests in/.exec(out)?.[1];
  if (r.code !== 0 || rps === undefined || requests === undefined) throw new WrkError(url, out + r.stderr);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = sock ? sock.slice(1).reduce((a, x) => a + Number(x), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return {
    rps: Number(rps),
    p50Ms: durationMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ''),
    p99Ms: durationMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ''),
    requests: Number(requests),
    errors: socketErrors + non2xx,
  };
}
