// Aligned text tables: uppercase headers, columns padded with 3 spaces, no trailing blanks.

export const COLUMN_GAP = 3;

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headers.map((h) => h.toUpperCase()), ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const lines = all.map((r) =>
    headers
      .map((_, i) => {
        const cell = r[i] ?? '';
        return i === headers.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + COLUMN_GAP);
      })
      .join('')
      .trimEnd(),
  );
  return lines.join('\n') + '\n';
}
