// A service's autoscaling policy, kept as service labels so every client that writes a
// spec (the docker CLI, `docker stack deploy` with compose `deploy.labels`, tsswarm) can
// set it and every update keeps it. This module is the only place that reads or writes
// those labels: the API refuses a spec whose policy does not parse here, the CLI builds
// its `--autoscale` labels here, and the autoscaler reads the policy back here.
//
// Pure: no I/O.

export const AUTOSCALE_LABEL_PREFIX = 'tsswarm.autoscale.';
export const LABEL_MIN = 'tsswarm.autoscale.min';
export const LABEL_MAX = 'tsswarm.autoscale.max';
export const LABEL_TARGET_CPU = 'tsswarm.autoscale.target-cpu';
export const LABEL_SCALE_DOWN_DELAY = 'tsswarm.autoscale.scale-down-delay';

const KNOWN_LABELS = [LABEL_MIN, LABEL_MAX, LABEL_TARGET_CPU, LABEL_SCALE_DOWN_DELAY] as const;

/** Most replicas a policy may ask for: a typo (`max=10000`) must not flood the cluster. */
export const MAX_REPLICAS_CAP = 1000;
/** Target CPU per task, in percent of one CPU (100 = one full core). */
export const TARGET_CPU_MIN = 1;
export const TARGET_CPU_MAX = 1000;
/** Scale-down delay bounds and default, in seconds. */
export const SCALE_DOWN_DELAY_DEFAULT_S = 60;
export const SCALE_DOWN_DELAY_MAX_S = 3600;

export interface AutoscalePolicy {
  min: number;
  max: number;
  /** Average CPU per running task the autoscaler aims at, in percent of one CPU. */
  targetCpuPercent: number;
  /** How long the recommendation must stay lower before the service scales down (ms). */
  scaleDownDelayMs: number;
}

/** Thrown when a service's autoscale labels do not form a valid policy; `label` is the culprit. */
export class AutoscalePolicyError extends Error {
  readonly code = 'invalid_autoscale_policy';
  constructor(
    readonly label: string,
    readonly problem: string,
  ) {
    super(`label ${label}: ${problem}`);
    this.name = 'AutoscalePolicyError';
  }
}

function intIn(label: string, raw: string | undefined, min: number, max: number): number {
  if (raw === undefined) throw new AutoscalePolicyError(label, 'is required when any tsswarm.autoscale.* label is set');
  const v = raw.trim();
  if (!/^\d+$/.test(v)) throw new AutoscalePolicyError(label, `must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new AutoscalePolicyError(label, `must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

const DURATION_UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** `60` (seconds), `30s`, `2m`, `1m30s` → seconds (whole seconds only). */
export function parseDelaySeconds(label: string, raw: string): number {
  const v = raw.trim();
  let seconds: number;
  if (/^\d+$/.test(v)) {
    seconds = Number(v);
  } else if (/^(\d+[smh])+$/.test(v)) {
    seconds = 0;
    for (const m of v.matchAll(/(\d+)([smh])/g)) seconds += Number(m[1]) * (DURATION_UNIT_S[m[2] ?? 's'] ?? 1);
  } else {
    throw new AutoscalePolicyError(label, `must be a number of seconds or a duration like 30s or 2m, got ${JSON.stringify(raw)}`);
  }
  if (!Number.isSafeInteger(seconds) || seconds > SCALE_DOWN_DELAY_MAX_S) {
    throw new AutoscalePolicyError(label, `must be between 0 and ${SCALE_DOWN_DELAY_MAX_S} seconds, got ${JSON.stringify(raw)}`);
  }
  return seconds;
}

/** Whether the labels carry any autoscale label (then they must form a whole policy). */
export function hasAutoscaleLabels(labels: Record<string, string> | undefined): boolean {
  return Object.keys(labels ?? {}).some((k) => k.startsWith(AUTOSCALE_LABEL_PREFIX));
}

/**
 * The policy the labels describe, or undefined when there is none. Throws
 * AutoscalePolicyError naming the first bad label: an unknown `tsswarm.autoscale.*` key
 * (a typo), a missing or out-of-range value, or min above max.
 */
export function parsePolicy(labels: Record<string, string> | undefined): AutoscalePolicy | undefined {
  if (!labels || !hasAutoscaleLabels(labels)) return undefined;
  for (const key of Object.keys(labels)) {
    if (key.startsWith(AUTOSCALE_LABEL_PREFIX) && !(KNOWN_LABELS as readonly string[]).includes(key)) {
      throw new AutoscalePolicyError(key, `is not an autoscale setting (use ${KNOWN_LABELS.join(', ')})`);
    }
  }
  const min = intIn(LABEL_MIN, labels[LABEL_MIN], 1, MAX_REPLICAS_CAP);
  const max = intIn(LABEL_MAX, labels[LABEL_MAX], 1, MAX_REPLICAS_CAP);
  if (min > max) throw new AutoscalePolicyError(LABEL_MIN, `must not be above ${LABEL_MAX} (${min} > ${max})`);
  const targetCpuPercent = intIn(LABEL_TARGET_CPU, labels[LABEL_TARGET_CPU], TARGET_CPU_MIN, TARGET_CPU_MAX);
  const delayRaw = labels[LABEL_SCALE_DOWN_DELAY];
  const delayS = delayRaw === undefined ? SCALE_DOWN_DELAY_DEFAULT_S : parseDelaySeconds(LABEL_SCALE_DOWN_DELAY, delayRaw);
  return { min, max, targetCpuPercent, scaleDownDelayMs: delayS * 1000 };
}

/** The service's mode, as far as the policy cares: only replicated services autoscale. */
export interface PolicySubject {
  Labels?: Record<string, string>;
  Mode: { Replicated?: unknown; Global?: unknown; ReplicatedJob?: unknown; GlobalJob?: unknown };
}

/** parsePolicy, plus the mode check: a global service or a job cannot carry a policy. */
export function policyOfSpec(spec: PolicySubject): AutoscalePolicy | undefined {
  const policy = parsePolicy(spec.Labels);
  if (policy && !spec.Mode.Replicated) {
    const label = Object.keys(spec.Labels ?? {}).find((k) => k.startsWith(AUTOSCALE_LABEL_PREFIX)) ?? LABEL_MIN;
    throw new AutoscalePolicyError(label, 'autoscaling applies to replicated services only');
  }
  return policy;
}

/** The labels that express `policy` (the delay in whole seconds). */
export function policyLabels(policy: AutoscalePolicy): Record<string, string> {
  return {
    [LABEL_MIN]: String(policy.min),
    [LABEL_MAX]: String(policy.max),
    [LABEL_TARGET_CPU]: String(policy.targetCpuPercent),
    [LABEL_SCALE_DOWN_DELAY]: `${Math.round(policy.scaleDownDelayMs / 1000)}s`,
  };
}

/** `labels` without any autoscale label. */
export function withoutPolicy(labels: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(labels ?? {}).filter(([k]) => !k.startsWith(AUTOSCALE_LABEL_PREFIX)));
}

/** The short keys of the `min=2,max=10,cpu=70,down-delay=30s` syntax and the labels they set. */
const SHORT_KEYS: Record<string, string> = {
  min: LABEL_MIN,
  max: LABEL_MAX,
  cpu: LABEL_TARGET_CPU,
  'target-cpu': LABEL_TARGET_CPU,
  'down-delay': LABEL_SCALE_DOWN_DELAY,
  'scale-down-delay': LABEL_SCALE_DOWN_DELAY,
};

/** Thrown when a `min=2,max=10,cpu=70` string is malformed (before any value is checked). */
export class AutoscaleSyntaxError extends Error {
  constructor(
    readonly value: string,
    readonly problem: string,
  ) {
    super(problem);
    this.name = 'AutoscaleSyntaxError';
  }
}

/**
 * `min=2,max=10,cpu=70[,down-delay=30s]` → the labels it sets, merged over `current`
 * (so an update may change one key). The result is checked with parsePolicy, so it is
 * a whole, valid policy or this throws (AutoscaleSyntaxError or AutoscalePolicyError).
 */
export function autoscaleLabelsFromShorthand(value: string, current?: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(current ?? {})) if (k.startsWith(AUTOSCALE_LABEL_PREFIX)) out[k] = v;
  const parts = value.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new AutoscaleSyntaxError(value, 'expected min=N,max=N,cpu=PERCENT[,down-delay=DURATION]');
  const seen = new Set<string>();
  for (const part of parts) {
    const i = part.indexOf('=');
    const key = i < 0 ? part : part.slice(0, i).trim();
    const label = SHORT_KEYS[key];
    if (i < 0 || !label) {
      throw new AutoscaleSyntaxError(value, `unknown setting ${JSON.stringify(part)}: expected min=N,max=N,cpu=PERCENT[,down-delay=DURATION]`);
    }
    if (seen.has(label)) throw new AutoscaleSyntaxError(value, `${key} is given more than once`);
    seen.add(label);
    out[label] = part.slice(i + 1).trim();
  }
  parsePolicy(out);
  return out;
}
