// The autoscaler's timings: named defaults, and the environment overrides tests and demos
// use to run it faster (TSSWARM_AUTOSCALE_*_MS on the manager, TSSWARM_USAGE_SAMPLE_MS on
// the workers).

export interface AutoscalerTimings {
  /** How often the leader recomputes every autoscaled service (ms). */
  intervalMs: number;
  /** A task's CPU rate is its counter's growth over this much of its latest samples (ms). */
  rateWindowMs: number;
  /** A task whose latest sample is older than this gives no rate (its worker went quiet) (ms). */
  staleMs: number;
  /** Tasks running for less than this do not count (start-up CPU is no signal) (ms). */
  startupGraceMs: number;
}

export const DEFAULT_TIMINGS: AutoscalerTimings = {
  intervalMs: 5_000,
  rateWindowMs: 15_000,
  staleMs: 15_000,
  startupGraceMs: 10_000,
};

/** How often workers sample their tasks' CPU counters by default (ms). */
export const DEFAULT_USAGE_SAMPLE_MS = 2_000;

function envMs(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** The defaults with any valid TSSWARM_AUTOSCALE_{INTERVAL,WINDOW,STALE,STARTUP_GRACE}_MS applied. */
export function timingsFromEnv(env: NodeJS.ProcessEnv = process.env): AutoscalerTimings {
  const interval = envMs(env, 'TSSWARM_AUTOSCALE_INTERVAL_MS');
  return {
    intervalMs: interval && interval >= 100 ? interval : DEFAULT_TIMINGS.intervalMs,
    rateWindowMs: envMs(env, 'TSSWARM_AUTOSCALE_WINDOW_MS') || DEFAULT_TIMINGS.rateWindowMs,
    staleMs: envMs(env, 'TSSWARM_AUTOSCALE_STALE_MS') || DEFAULT_TIMINGS.staleMs,
    startupGraceMs: envMs(env, 'TSSWARM_AUTOSCALE_STARTUP_GRACE_MS') ?? DEFAULT_TIMINGS.startupGraceMs,
  };
}

/** TSSWARM_USAGE_SAMPLE_MS: the workers' sampling period; 0 turns sampling off. */
export function usageSampleMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const v = envMs(env, 'TSSWARM_USAGE_SAMPLE_MS');
  if (v === undefined) return DEFAULT_USAGE_SAMPLE_MS;
  return v === 0 ? 0 : Math.max(v, 100);
}
