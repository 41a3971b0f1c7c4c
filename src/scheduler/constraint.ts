// Placement constraints (`node.labels.zone==east`, `node.role!=manager`): parsed once per task
// group, matched against a node many times. The grammar follows Docker's: `key op value`
// with op `==` or `!=`, keys compared case-insensitively, values compared case-insensitively,
// label names case-sensitive, and a missing label reading as the empty string (so
// `node.labels.zone!=east` matches a node with no zone). Unlike Docker, an unknown key is an
// error here rather than a constraint no node can ever satisfy.
import type { Node } from '../store/objects.js';
import { ConstraintParseError } from './errors.js';

export type ConstraintOperator = '==' | '!=';

export type ConstraintField =
  | 'node.id'
  | 'node.hostname'
  | 'node.ip'
  | 'node.role'
  | 'node.platform.os'
  | 'node.platform.arch'
  | 'node.labels'
  | 'engine.labels';

export interface Constraint {
  /** The expression as written. */
  readonly expression: string;
  readonly field: ConstraintField;
  /** For `node.labels.X` / `engine.labels.X`: X, case-sensitive. */
  readonly label?: string;
  readonly operator: ConstraintOperator;
  /** The expected value, trimmed, as written. */
  readonly value: string;
}

export const NODE_LABEL_PREFIX = 'node.labels.';
export const ENGINE_LABEL_PREFIX = 'engine.labels.';

const OPERATORS: readonly ConstraintOperator[] = ['==', '!='];
const KEY_PATTERN = /^[a-z_][a-z0-9\-_.]+$/i;
// Values may hold glob/regex-looking characters but no operator characters (<, >, ~, =, !).
const VALUE_PATTERN = /^[a-z0-9:\-_\s.*()?+[\]\\^$|/]+$/i;
const PLAIN_FIELDS: readonly ConstraintField[] = [
  'node.id',
  'node.hostname',
  'node.ip',
  'node.role',
  'node.platform.os',
  'node.platform.arch',
];
const KEYS_HINT =
  'expected node.id, node.hostname, node.ip, node.role, node.platform.os, node.platform.arch, node.labels.<name> or engine.labels.<name>';

/** Parses constraint expressions; throws ConstraintParseError naming the first bad one. */
export function parseConstraints(exprs: readonly string[]): Constraint[] {
  return exprs.map(parseConstraint);
}

export function parseConstraint(expression: string): Constraint {
  const operator = OPERATORS.find((op) => expression.includes(op));
  if (operator === undefined) {
    throw new ConstraintParseError(expression, `expected one operator from ${OPERATORS.join(', ')}`);
  }
  const at = expression.indexOf(operator);
  const key = expression.slice(0, at).trim();
  const value = expression.slice(at + operator.length).trim();
  if (!KEY_PATTERN.test(key)) throw new ConstraintParseError(expression, `key '${key}' is invalid`);
  if (!VALUE_PATTERN.test(value)) throw new ConstraintParseError(expression, `value '${value}' is invalid`);

  const lower = key.toLowerCase();
  let field: ConstraintField;
  let label: string | undefined;
  if (lower.startsWith(NODE_LABEL_PREFIX)) {
    field = 'node.labels';
    label = key.slice(NODE_LABEL_PREFIX.length);
  } else if (lower.startsWith(ENGINE_LABEL_PREFIX)) {
    field = 'engine.labels';
    label = key.slice(ENGINE_LABEL_PREFIX.length);
  } else {
    const plain = PLAIN_FIELDS.find((f) => f === lower);
    if (plain === undefined) throw new ConstraintParseError(expression, `unknown key '${key}' (${KEYS_HINT})`);
    field = plain;
  }
  if (field === 'node.ip' && parseIpMatcher(value) === undefined) {
    throw new ConstraintParseError(expression, `value '${value}' is not an IP address or IPv4 network`);
  }
  return label === undefined ? { expression, field, operator, value } : { expression, field, label, operator, value };
}

/** A constraint compiled to a predicate; build once per task group, call per node. */
export type NodePredicate = (node: Node) => boolean;

export function compileConstraints(constraints: readonly Constraint[]): NodePredicate {
  const preds = constraints.map(compileConstraint);
  if (preds.length === 1) return preds[0]!;
  return (node) => {
    for (const p of preds) if (!p(node)) return false;
    return true;
  };
}

/** True if `node` satisfies every constraint. */
export function nodeMatches(constraints: readonly Constraint[], node: Node): boolean {
  return compileConstraints(constraints)(node);
}

function compileConstraint(c: Constraint): NodePredicate {
  const eq = c.operator === '==';
  if (c.field === 'node.ip') {
    const matches = parseIpMatcher(c.value)!;
    return (node) => matches(node.Status.Addr) === eq;
  }
  const want = c.value.toLowerCase();
  const read = reader(c);
  return (node) => equalFold(read(node), want) === eq;
}

/** `have` equals `want` (already lower case) ignoring case; no allocation when they are equal as is. */
function equalFold(have: string, want: string): boolean {
  return have === want || (have.length === want.length && have.toLowerCase() === want);
}

// Label maps are optional-chained although the types require them: nodes come from API
// input and agents, and a node without labels must read as '' rather than throw.
function reader(c: Constraint): (node: Node) => string {
  const label = c.label ?? '';
  switch (c.field) {
    case 'node.id':
      return (n) => n.ID;
    case 'node.hostname':
      return (n) => n.Description.Hostname;
    case 'node.role':
      return (n) => n.Spec.Role;
    case 'node.platform.os':
      return (n) => n.Description.Platform.OS;
    case 'node.platform.arch':
      return (n) => n.Description.Platform.Architecture;
    case 'node.labels':
      return (n) => n.Spec.Labels?.[label] ?? '';
    case 'engine.labels':
      return (n) => n.Description.Engine?.Labels?.[label] ?? '';
    case 'node.ip':
      return (n) => n.Status.Addr;
  }
}

/** `10.0.0.5` (exact, IPv4 or IPv6 text) or `10.0.0.0/8` (IPv4 network). */
function parseIpMatcher(value: string): ((addr: string) => boolean) | undefined {
  const slash = value.indexOf('/');
  if (slash < 0) {
    const v4 = parseIPv4(value);
    if (v4 !== undefined) return (addr) => parseIPv4(addr) === v4;
    if (/^[0-9a-f:.]+$/i.test(value) && value.includes(':')) {
      const want = value.toLowerCase();
      return (addr) => addr.toLowerCase() === want;
    }
    return undefined;
  }
  const base = parseIPv4(value.slice(0, slash));
  const bitsText = value.slice(slash + 1);
  const bits = Number(bitsText);
  if (base === undefined || !/^\d{1,2}$/.test(bitsText) || bits > 32) return undefined;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  const net = (base & mask) >>> 0;
  return (addr) => {
    const a = parseIPv4(addr);
    return a !== undefined && ((a & mask) >>> 0) === net;
  };
}

function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let out = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out = out * 256 + n;
  }
  return out;
}
