// Query-string helpers: Docker's JSON-encoded `filters`, booleans and versions.
import { invalid } from './errors.js';

/** Parsed `filters`: key → accepted values (any of them may match). */
export type Filters = Map<string, string[]>;

type Query = Record<string, unknown>;

/** The single string value of a query parameter (the last one if repeated). */
export function queryString(query: unknown, name: string): string | undefined {
  const v = (query as Query | undefined)?.[name];
  if (Array.isArray(v)) return v.length > 0 ? String(v[v.length - 1]) : undefined;
  return v === undefined ? undefined : String(v);
}

/** Docker's boolean query values: 1/true/True/TRUE are true, anything else false. */
export function queryBool(query: unknown, name: string): boolean {
  const v = queryString(query, name);
  return v !== undefined && ['1', 'true', 'True', 'TRUE'].includes(v);
}

/** The required `version` of an update, as a non-negative integer. */
export function queryVersion(query: unknown): number {
  const raw = queryString(query, 'version');
  if (raw === undefined || !/^\d+$/.test(raw)) {
    throw invalid(`invalid version '${raw ?? ''}': the version query parameter must be a non-negative integer`);
  }
  return Number(raw);
}

/**
 * Parses Docker's `filters` parameter. Both encodings are accepted:
 * `{"name":{"web":true}}` (current) and `{"name":["web"]}` (legacy). Keys outside
 * `allowed` are refused with 400, as the Docker daemon does.
 */
export function parseFilters(query: unknown, allowed: readonly string[]): Filters {
  const out: Filters = new Map();
  const raw = queryString(query, 'filters');
  if (raw === undefined || raw === '') return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw invalid(`invalid filters parameter: not JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid('invalid filters parameter: expected a JSON object such as {"name":{"web":true}}');
  }
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (!allowed.includes(key)) {
      throw invalid(`invalid filter '${key}' (supported: ${allowed.filter((k) => !k.startsWith('_')).join(', ')})`);
    }
    out.set(key, filterValues(key, value));
  }
  return out;
}

function filterValues(key: string, value: unknown): string[] {
  if (Array.isArray(value)) {
    if (!value.every((v) => typeof v === 'string')) throw invalid(`invalid filter '${key}': values must be strings`);
    return value as string[];
  }
  if (value !== null && typeof value === 'object') {
    const out: string[] = [];
    for (const [v, on] of Object.entries(value as Record<string, unknown>)) {
      if (typeof on !== 'boolean') throw invalid(`invalid filter '${key}': expected {"value": true}`);
      if (on) out.push(v);
    }
    return out;
  }
  throw invalid(`invalid filter '${key}': expected a list of values or {"value": true}`);
}

/** True when `key` is absent from the filters, or one of its values satisfies `match`. */
export function matches(filters: Filters, key: string, match: (value: string) => boolean): boolean {
  const values = filters.get(key);
  if (values === undefined || values.length === 0) return true;
  return values.some(match);
}

/** Docker's `label` filter: `key` (present) or `key=value` (equal). */
export function labelMatches(labels: Record<string, string> | undefined, expr: string): boolean {
  const eq = expr.indexOf('=');
  const k = eq < 0 ? expr : expr.slice(0, eq);
  const have = labels?.[k];
  if (have === undefined) return false;
  return eq < 0 || have === expr.slice(eq + 1);
}

/** All `label` filter values must match (Docker ANDs label filters). */
export function allLabelsMatch(filters: Filters, key: string, labels: Record<string, string> | undefined): boolean {
  return (filters.get(key) ?? []).every((expr) => labelMatches(labels, expr));
}
