// Variable interpolation in stack files, as compose does it: on string values (never on
// keys), after YAML parsing.
//   $VAR  ${VAR}        the variable, or "" with a warning when it is not set
//   ${VAR:-default}     default when VAR is unset or empty   ${VAR-default}  only when unset
//   ${VAR:?message}     error when VAR is unset or empty     ${VAR?message}  only when unset
//   ${VAR:+other}       other when VAR is set and non-empty  ${VAR+other}    when set
//   $$                  a literal $
// Defaults may themselves contain ${...}.

/** Thrown for `${VAR?msg}` with VAR unset, or a malformed `${`; the caller adds the path. */
export class InterpolationError extends Error {
  constructor(
    message: string,
    readonly kind: 'missing_variable' | 'invalid_value',
  ) {
    super(message);
    this.name = 'InterpolationError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Index of the `}` closing the `${` whose body starts at `from`, honouring nesting. */
function closingBrace(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '$') i++;
    else if (s[i] === '$' && s[i + 1] === '{') {
      depth++;
      i++;
    } else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function braced(body: string, env: Env, unset: Set<string>): string {
  const m = NAME_RE.exec(body);
  if (!m) throw new InterpolationError(`invalid interpolation format "\${${body}}": expected \${NAME}, \${NAME:-default} or \${NAME:?error}`, 'invalid_value');
  const name = m[0];
  const rest = body.slice(name.length);
  const value = env[name];
  if (rest === '') {
    if (value === undefined) unset.add(name);
    return value ?? '';
  }
  const op = /^(:?)([-?+])/.exec(rest);
  if (!op) throw new InterpolationError(`invalid interpolation format "\${${body}}": unknown modifier after ${name}`, 'invalid_value');
  const colon = op[1] === ':';
  const arg = rest.slice(op[0].length);
  const missing = value === undefined || (colon && value === '');
  switch (op[2]) {
    case '-':
      return missing ? expand(arg, env, unset) : (value as string);
    case '?':
      if (missing) {
        const why = arg === '' ? `required variable ${name} is ${value === undefined ? 'missing a value' : 'empty'}` : `required variable ${name}: ${expand(arg, env, unset)}`;
        throw new InterpolationError(why, 'missing_variable');
      }
      return value as string;
    default:
      return missing ? '' : expand(arg, env, unset);
  }
}

function expand(s: string, env: Env, unset: Set<string>): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '{') {
      const end = closingBrace(s, i + 2);
      if (end < 0) throw new InterpolationError(`invalid interpolation format "${s}": unclosed \${`, 'invalid_value');
      out += braced(s.slice(i + 2, end), env, unset);
      i = end;
    } else {
      const m = NAME_RE.exec(s.slice(i + 1));
      if (!m) {
        out += '$';
        continue;
      }
      const value = env[m[0]];
      if (value === undefined) unset.add(m[0]);
      out += value ?? '';
      i += m[0].length;
    }
  }
  return out;
}

/** Interpolates one string; names of unset variables used without a default go to `unset`. */
export function interpolateString(s: string, env: Env, unset: Set<string> = new Set()): string {
  return s.includes('$') ? expand(s, env, unset) : s;
}

/**
 * Interpolates every string value in a parsed document (keys are left alone). `onError`
 * receives the failing value's path so the caller can say where it is.
 */
export function interpolateTree(
  value: unknown,
  env: Env,
  unset: Set<string>,
  onError: (err: InterpolationError, path: (string | number)[]) => never,
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') {
    try {
      return interpolateString(value, env, unset);
    } catch (err) {
      if (err instanceof InterpolationError) onError(err, path);
      throw err;
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateTree(v, env, unset, onError, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = interpolateTree(v, env, unset, onError, [...path, k]);
    return out;
  }
  return value;
}
