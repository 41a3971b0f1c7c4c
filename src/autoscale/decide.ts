// The autoscaler's decision rule, after Kubernetes' Horizontal Pod Autoscaler:
//
//   ratio   = average CPU of the counted tasks / target CPU
//   desired = ceil(ratio × tasks)
//
// with a tolerance band around ratio 1 (no change inside it), missing tasks filled in
// conservatively (as idle when scaling up, as at-target when scaling down), scale-ups
// limited per step, scale-downs only to the highest recommendation of the scale-down
// delay, and the result clamped to the policy's [min, max]. Tasks at their CPU limit hide
// how much more they are asked for (usage cannot pass the limit), so a hot service whose
// tasks are saturated takes the full scale-up step instead of the formula's.
//
// Pure and deterministic: time is an argument, nothing here reads a clock or the store.
import type { AutoscalePolicy } from './policy.js';

/** |ratio − 1| at or below this: the service is at its target, nothing changes. */
export const DEFAULT_TOLERANCE = 0.1;
/** A scale-up step goes to at most max(replicas × this, replicas + UP_STEP_MIN_ADD). */
export const UP_STEP_FACTOR = 2;
export const UP_STEP_MIN_ADD = 4;
/** Average usage at or above this share of the per-task CPU limit: the tasks are saturated. */
export const SATURATED_SHARE = 0.9;
/** Guards ceil() and the tolerance band against float noise (3.0000000001 must stay 3). */
const EPSILON = 1e-9;

/** One running task of the service, as the usage samples describe it. */
export interface TaskUsage {
  taskId: string;
  /** CPU rate over the recent window, in percent of one CPU; undefined: no rate yet. */
  cpuPercent: number | undefined;
  /** Samples known for the task; fewer than two give no rate. */
  samples: number;
  /** When the task was reported running (ms since the epoch). */
  runningSinceMs: number;
}

/** A past recommendation, kept for the scale-down delay. */
export interface Recommendation {
  atMs: number;
  replicas: number;
}

export interface DecideInput {
  policy: AutoscalePolicy;
  /** The service's replica count now (its spec). */
  replicas: number;
  /** The service's running tasks that should be running. */
  tasks: readonly TaskUsage[];
  /** Recommendations made within the scale-down delay (older ones are ignored). */
  history: readonly Recommendation[];
  nowMs: number;
  /** Tasks running for less than this do not count (start-up CPU is no signal). */
  startupGraceMs: number;
  tolerance?: number;
  /** Each task's CPU limit in percent of one CPU (Resources.Limits.NanoCPUs); none: unlimited. */
  cpuLimitPercent?: number;
}

export interface Decision {
  /** The new replica count; undefined: leave the service as it is. */
  replicas: number | undefined;
  /** This round's recommendation, to remember for the scale-down delay; undefined: none made. */
  recommendation: number | undefined;
  /** Average CPU of the counted tasks (percent of one CPU), when there were any. */
  avgCpuPercent: number | undefined;
  /** Tasks whose usage counted. */
  counted: number;
  reason: string;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

const pct = (n: number): string => `${Math.round(n)}%`;

export function decide(input: DecideInput): Decision {
  const { policy, replicas, nowMs } = input;
  const tolerance = input.tolerance ?? DEFAULT_TOLERANCE;
  const none = (reason: string, extra: Partial<Decision> = {}): Decision => ({
    replicas: undefined,
    recommendation: undefined,
    avgCpuPercent: undefined,
    counted: 0,
    reason,
    ...extra,
  });

  // Scaled to 0 by hand: autoscaling pauses (as the HPA does) until it is scaled up again.
  if (replicas === 0) return none('scaled to 0: autoscaling is paused until the service is scaled up');
  // Out of bounds (a manual scale, or a new policy): back into bounds, data or not.
  if (replicas < policy.min) {
    return none(`${replicas} replicas is below the minimum ${policy.min}`, { replicas: policy.min, recommendation: policy.min });
  }
  if (replicas > policy.max) {
    return none(`${replicas} replicas is above the maximum ${policy.max}`, { replicas: policy.max, recommendation: policy.max });
  }

  const counted = input.tasks.filter(
    (t) => t.cpuPercent !== undefined && Number.isFinite(t.cpuPercent) && t.samples >= 2 && nowMs - t.runningSinceMs >= input.startupGraceMs,
  );
  // No data is a vote for the current count: a scale-down delay counts from when the data
  // shows less load, not from the last time there was data (a rollout, a new leader).
  if (counted.length === 0) return none('no usage data yet', { recommendation: replicas });
  const sum = counted.reduce((a, t) => a + (t.cpuPercent ?? 0), 0);
  const avg = sum / counted.length;
  const target = policy.targetCpuPercent;
  const base = { avgCpuPercent: avg, counted: counted.length };
  let ratio = avg / target;
  const within = (r: number) => Math.abs(r - 1) <= tolerance + EPSILON;

  let desired: number;
  if (within(ratio)) {
    desired = replicas;
  } else {
    // Tasks that should run but gave no usage (starting, pending, too few samples): assume
    // the least favourable value for the move, so a fresh task never triggers a second step.
    const missing = Math.max(0, replicas - counted.length);
    const total = counted.length + missing;
    if (missing > 0) {
      const filled = ratio > 1 ? sum / (total * target) : (sum + missing * target) / (total * target);
      // The fill-in can flip the direction or land inside the band: then no change.
      if (within(filled) || (ratio > 1) !== (filled > 1)) {
        return {
          ...base,
          replicas: undefined,
          recommendation: replicas,
          reason: `avg CPU ${pct(avg)} of target ${pct(target)} over ${counted.length} task(s), but ${missing} task(s) without usage yet keep it near target`,
        };
      }
      ratio = filled;
    }
    desired = Math.ceil(ratio * total - EPSILON);
  }
  const upLimit = Math.max(replicas * UP_STEP_FACTOR, replicas + UP_STEP_MIN_ADD);
  const limit = input.cpuLimitPercent;
  const saturated = limit !== undefined && limit > 0 && ratio > 1 && !within(ratio) && avg >= SATURATED_SHARE * limit - EPSILON;
  if (saturated) desired = Math.max(desired, upLimit);
  const recommendation = clamp(desired, policy.min, policy.max);

  // Scale-down only to the highest recommendation of the delay (this one included).
  const since = nowMs - policy.scaleDownDelayMs;
  const recent = input.history.filter((h) => h.atMs >= since && h.atMs <= nowMs).map((h) => h.replicas);
  const stabilized = Math.max(recommendation, ...recent);
  const next = clamp(Math.min(stabilized, upLimit), policy.min, policy.max);

  const what = `avg CPU ${pct(avg)} of target ${pct(target)} over ${counted.length} task(s)${saturated ? ` (saturated at the ${pct(limit)} limit)` : ''}`;
  if (next === replicas) {
    let reason: string;
    if (within(avg / target)) reason = `${what}: within the ${Math.round(tolerance * 100)}% tolerance`;
    else if (recommendation < replicas) reason = `${what}: recommends ${recommendation}, held at ${replicas} by the scale-down delay (highest in the last ${policy.scaleDownDelayMs / 1000}s)`;
    else if (recommendation === replicas && desired > policy.max) reason = `${what}: wants ${desired}, already at the maximum ${policy.max}`;
    else if (recommendation === replicas && desired < policy.min) reason = `${what}: wants ${desired}, already at the minimum ${policy.min}`;
    else reason = `${what}: recommends ${recommendation}`;
    return { ...base, replicas: undefined, recommendation, reason };
  }
  let reason = `${what}: ${next > replicas ? 'scale up' : 'scale down'} to ${next}`;
  if (desired !== next) {
    if (desired > policy.max && next === policy.max) reason += ` (wants ${desired}, capped at the maximum ${policy.max})`;
    else if (desired < policy.min && next === policy.min) reason += ` (wants ${desired}, floored at the minimum ${policy.min})`;
    else if (next === upLimit && stabilized > upLimit) reason += ` (wants ${stabilized}, step limited to ${upLimit})`;
    else if (next > recommendation) reason += ` (wants ${recommendation}, held by the scale-down delay)`;
  }
  return { ...base, replicas: next, recommendation, reason };
}

/** `history` plus `rec` at `nowMs`, without what is older than `keepMs`. */
export function remember(history: readonly Recommendation[], rec: Recommendation, keepMs: number): Recommendation[] {
  return [...history.filter((h) => h.atMs >= rec.atMs - keepMs && h.atMs <= rec.atMs), rec];
}
