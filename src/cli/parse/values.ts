// Flag value parsers. Each takes the flag name so its error names the flag, as in
// `invalid argument "-1" for "--replicas" flag: must be a non-negative integer`.

import { invalidFlag } from '../errors.js';

export function parseNonNegativeInt(flag: string, value: string): number {
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) {
    throw invalidFlag(flag, value, 'must be a non-negative integer');
  }
  return Number(value);
}

export function parsePositiveInt(flag: string, value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw invalidFlag(flag, value, 'must be a positive integer');
  return n;
}

const DURATION_UNITS_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go durations (`10s`, `1m30s`, `500ms`, `0`) → nanoseconds. */
export function parseDuration(flag: string, value: string): number {
  const v = value.trim();
  if (v === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let matched = 0;
  while (re.lastIndex < v.length) {
    const m = re.exec(v);
    if (!m || m[1] === undefined || m[2] === undefined) {
      throw invalidFlag(flag, value, 'invalid duration: expected a number with a unit (ns, us, ms, s, m, h), e.g. 10s or 1m30s');
    }
    total += Number(m[1]) * (DURATION_UNITS_NS[m[2]] ?? 0);
    matched++;
  }
  if (matched === 0) {
    throw invalidFlag(flag, value, 'invalid duration: expected a number with a unit (ns, us, ms, s, m, h), e.g. 10s or 1m30s');
  }
  return Math.round(total);
}

const BYTE_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Sizes as docker reads them (binary units): `64M`, `512k`, `1.5g`, `64MiB`, `1024` (bytes). */
export function parseBytes(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgtp])?(?:i?b)?$/i.exec(value.trim());
  if (!m || m[1] === undefined) {
    throw invalidFlag(flag, value, 'invalid size: expected a number with an optional unit (b, k, m, g, t), e.g. 64M');
  }
  const bytes = Math.round(Number(m[1]) * (BYTE_UNITS[(m[2] ?? 'b').toLowerCase()] ?? 1));
  if (!Number.isSafeInteger(bytes)) throw invalidFlag(flag, value, 'size is too large');
  return bytes;
}

/** CPUs as a decimal (`0.5`) → NanoCPUs. */
export function parseCpus(flag: string, value: string): number {
  const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw invalidFlag(flag, value, 'must be a positive number of CPUs, e.g. 0.5');
  return Math.round(n * 1e9);
}

/** `K=V` (or `K`, value empty) → [K, V]. */
export function parseKeyValue(flag: string, value: string): [string, string] {
  const i = value.indexOf('=');
  const key = i < 0 ? value : value.slice(0, i);
  if (key.trim() === '' || /\s/.test(key)) throw invalidFlag(flag, value, 'expected KEY=VALUE');
  return [key, i < 0 ? '' : value.slice(i + 1)];
}

export function parseLabels(flag: string, values: readonly string[]): Record<string, string> {
  return Object.fromEntries(values.map((v) => parseKeyValue(flag, v)));
}

/** `-e K=V`: kept as given (the Engine API wants `K=V` strings); the key must be sane. */
export function parseEnv(flag: string, value: string): string {
  parseKeyValue(flag, value);
  return value;
}

export function parseChoice<const T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw invalidFlag(flag, value, `must be one of ${choices.join(', ')}`);
  }
  return value as T;
}

/** Placement constraints: `node.labels.zone==a`, `node.role!=manager`. */
export function parseConstraint(flag: string, value: string): string {
  if (!/^\s*[A-Za-z0-9_.\-/]+\s*(==|!=)\s*\S.*$/.test(value)) {
    throw invalidFlag(flag, value, 'expected KEY==VALUE or KEY!=VALUE, e.g. node.labels.zone==east');
  }
  return value.trim();
}

/** `spread=node.labels.zone` → a Placement preference. */
export function parsePlacementPref(flag: string, value: string): { Spread: { SpreadDescriptor: string } } {
  const m = /^spread=(\S+)$/.exec(value.trim());
  if (!m || m[1] === undefined) throw invalidFlag(flag, value, 'expected spread=DESCRIPTOR, e.g. spread=node.labels.zone');
  return { Spread: { SpreadDescriptor: m[1] } };
}

/** `service=N` for `service scale`. */
export function parseScaleArg(arg: string): { service: string; replicas: number } {
  const i = arg.lastIndexOf('=');
  if (i <= 0) throw invalidFlag('SERVICE=REPLICAS', arg, 'expected SERVICE=REPLICAS, e.g. web=5');
  const n = arg.slice(i + 1);
  if (!/^\d+$/.test(n) || !Number.isSafeInteger(Number(n))) {
    throw invalidFlag('SERVICE=REPLICAS', arg, `replicas "${n}" must be a non-negative integer`);
  }
  return { service: arg.slice(0, i), replicas: Number(n) };
}
