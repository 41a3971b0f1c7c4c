// `--format`: table (default), json, or a small Go-template subset:
//   {{.Field}}  {{.Nested.Field}}  {{json .}}  {{json .Field}}  and `table ` prefix for
//   a header row; `\t` and `\n` escapes are honoured as docker does.

import { UsageError } from '../errors.js';
import { jsonLines } from './json.js';
import { renderTable } from './table.js';

export interface Column<R> {
  header: string;
  /** Template field name (`{{.Name}}`) and JSON key. */
  field: keyof R & string;
}

type Row = Record<string, unknown>;

function lookup(value: unknown, path: string): unknown {
  if (path === '') return value;
  let cur: unknown = value;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(part in cur)) {
      throw new UsageError(`template: can't evaluate field ${part}`);
    }
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Expands one template against one value. */
export function expandTemplate(template: string, value: unknown): string {
  const unescaped = template.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  return unescaped.replace(/\{\{\s*(json\s+)?\.([A-Za-z0-9_.]*)\s*\}\}/g, (_m, json: string | undefined, path: string) => {
    const v = lookup(value, path);
    return json ? JSON.stringify(v) : show(v);
  }).replace(/\{\{[^}]*\}\}/g, (m) => {
    throw new UsageError(`template: unsupported action ${m} (supported: {{.Field}}, {{json .}})`);
  });
}

/** Renders list rows by --format; `quiet` prints only the `id` field. */
export function renderList<R extends object>(
  rows: readonly R[],
  columns: readonly Column<R>[],
  opts: { format?: string; quiet?: boolean; idField?: keyof R & string },
): string {
  const idField = opts.idField ?? ('ID' as keyof R & string);
  if (opts.quiet) return rows.map((r) => show((r as Row)[idField]) + '\n').join('');
  const format = opts.format ?? 'table';
  if (format === 'json') return jsonLines(rows);
  if (format === 'table' || format === '') {
    return renderTable(
      columns.map((c) => c.header),
      rows.map((r) => columns.map((c) => show((r as Row)[c.field]))),
    );
  }
  if (format.startsWith('table ')) {
    const tpl = format.slice('table '.length);
    const header = expandTemplate(tpl, Object.fromEntries(columns.map((c) => [c.field, c.header.toUpperCase()])));
    const body = rows.map((r) => expandTemplate(tpl, r));
    const cells = [header, ...body].map((l) => l.split('\t'));
    const width = Math.max(...cells.map((c) => c.length));
    const headers = Array.from({ length: width }, (_, i) => cells[0]?.[i] ?? '');
    return renderTable(headers, cells.slice(1));
  }
  return rows.map((r) => expandTemplate(format, r) + '\n').join('');
}
