// Typed reads over a parsed (and interpolated) YAML document. Every read takes the value's
// path; a wrong value throws StackFileError naming the file, the path and the line the
// YAML parser recorded for it. Unknown keys are errors, known-but-unsupported keys are
// recorded as ignored, `x-*` extension keys are skipped.

import { isMap, isNode, isScalar, type Document, type LineCounter } from 'yaml';
import { UsageError } from '../cli/errors.js';
import { StackFileError, type StackErrorCode } from './errors.js';

export type Path = readonly (string | number)[];
export type Obj = Record<string, unknown>;

/** `services.web.ports[0]` */
export function formatPath(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/** How a value is named in "got …": strings quoted, lists and mappings by kind. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

/** Edit distance, for "did you mean" on unknown keys. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The known key within two edits of `key`, if there is one. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = distance(key, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

/** Flag name handed to the CLI's value parsers, whose messages are then reworded. */
const FLAG = 'stack-file';

export class Reader {
  readonly ignored: string[] = [];
  readonly warnings: string[] = [];

  constructor(
    readonly file: string | undefined,
    private readonly doc: Document | undefined,
    private readonly lines: LineCounter | undefined,
  ) {}

  /** The line of the value at `path`, or of its key when `key` is set (1-based). */
  lineOf(path: Path, key = false): number | undefined {
    if (!this.doc || !this.lines) return undefined;
    for (let n = path.length; n >= 0; n--) {
      const sub = path.slice(0, n);
      let node: unknown;
      if (key && n === path.length && n > 0) {
        const parent = this.doc.getIn(sub.slice(0, -1), true);
        const last = sub[sub.length - 1];
        node = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === last)?.key : undefined;
      } else {
        node = n === 0 ? this.doc.contents : this.doc.getIn(sub, true);
      }
      if (isNode(node) && node.range) return this.lines.linePos(node.range[0]).line;
    }
    return undefined;
  }

  fail(path: Path, detail: string, code: StackErrorCode = 'invalid_value', key = false): never {
    throw new StackFileError(code, detail, { file: this.file, path: formatPath(path), line: this.lineOf(path, key) });
  }

  /** A mapping (null/absent → undefined); checks its keys against `known` and `ignored`. */
  map(v: unknown, path: Path, keys?: { known: readonly string[]; ignored?: readonly string[] }): Obj | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(path, `expected a mapping, got ${describe(v)}`);
    const o = v as Obj;
    if (keys) {
      for (const k of Object.keys(o)) {
        if (keys.known.includes(k) || k.startsWith('x-')) continue;
        if (keys.ignored?.includes(k)) {
          this.ignored.push(formatPath([...path, k]));
          continue;
        }
        const near = closest(k, keys.known);
        const hint = near ? `did you mean "${near}"?` : `supported: ${keys.known.join(', ')}`;
        this.fail([...path, k], `unknown key "${k}" (${hint})`, 'unknown_key', true);
      }
    }
    return o;
  }

  /** Strings, numbers and booleans read as text (compose accepts `user: 1000`). */
  str(v: unknown, path: Path): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return this.fail(path, `expected a string, got ${describe(v)}`);
  }

  bool(v: unknown, path: Path): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    return this.fail(path, `expected true or false, got ${describe(v)}`);
  }

  /** A non-negative integer, also from a string after interpolation (`replicas: ${N}`). */
  int(v: unknown, path: Path, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < 0) this.fail(path, `expected a non-negative integer, got ${describe(v)}`);
    if (n > max) this.fail(path, `expected an integer of at most ${max}, got ${describe(v)}`);
    return n;
  }

  /** A number between 0 and 1 (max_failure_ratio). */
  ratio(v: unknown, path: Path): number | undefined {
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n) || n < 0 || n > 1) this.fail(path, `expected a number between 0 and 1, got ${describe(v)}`);
    return n;
  }

  choice<const T extends string>(v: unknown, path: Path, choices: readonly T[]): T | undefined {
    const s = this.str(v, path);
    if (s === undefined) return undefined;
    if (!(choices as readonly string[]).includes(s)) this.fail(path, `expected one of ${choices.join(', ')}, got ${describe(s)}`);
    return s as T;
  }

  list(v: unknown, path: Path): unknown[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) this.fail(path, `expected a list, got ${describe(v)}`);
    return v as unknown[];
  }

  strings(v: unknown, path: Path): string[] | undefined {
    return this.list(v, path)?.map((x, i) => {
      const s = this.str(x, [...path, i]);
      if (s === undefined) this.fail([...path, i], 'expected a string, got null');
      return s;
    });
  }

  /**
   * Runs one of the CLI's flag parsers (src/cli/parse) on `value`, turning its
   * `invalid argument … for "--flag" flag: reason` into `path: reason, got "value"`.
   */
  parse<T>(value: string, path: Path, parser: (flag: string, value: string) => T): T {
    try {
      return parser(FLAG, value);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      const prefix = `invalid argument "${value}" for "${FLAG}" flag: `;
      const reason = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
      return this.fail(path, `${reason}, got ${describe(value)}`);
    }
  }

  /** `KEY=VALUE` list or mapping → record; `nulls` keeps `KEY` without a value as null. */
  keyValues(v: unknown, path: Path, nulls: boolean): Record<string, string | null> | undefined {
    if (v === undefined || v === null) return undefined;
    const out: Record<string, string | null> = {};
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        const s = this.str(item, [...path, i]) ?? '';
        const eq = s.indexOf('=');
        const k = eq < 0 ? s : s.slice(0, eq);
        if (k.trim() === '' || /\s/.test(k)) this.fail([...path, i], `expected KEY=VALUE, got ${describe(item)}`);
        out[k] = eq < 0 ? (nulls ? null : '') : s.slice(eq + 1);
      });
      return out;
    }
    const o = this.map(v, path) as Obj;
    for (const [k, val] of Object.entries(o)) {
      out[k] = val === null || val === undefined ? (nulls ? null : '') : (this.str(val, [...path, k]) as string);
    }
    return out;
  }

  labels(v: unknown, path: Path): Record<string, string> | undefined {
    return this.keyValues(v, path, false) as Record<string, string> | undefined;
  }
}
