// JSON output: inspect prints an indented array (like docker); list commands print one
// compact object per line (like `docker … --format json`).

export function jsonPretty(value: unknown): string {
  return JSON.stringify(value, null, 4) + '\n';
}

export function jsonLines(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v) + '\n').join('');
}
