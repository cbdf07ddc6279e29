/** Output formats shared by query, status and export. */
import { stringify } from 'csv-stringify/sync';
import { plainText } from '../shared/plain-text.js';

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  return plainText(value);
};

/** Space-aligned columns; numbers right-aligned, text left-aligned. */
export function formatTable(
  columns: readonly string[],
  rows: ReadonlyArray<Record<string, unknown>>,
): string {
  const body = rows.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((r) => (r[i] ?? '').length)));
  const numeric = columns.map(
    (c) => rows.length > 0 && rows.every((r) => r[c] === null || typeof r[c] === 'number'),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((text, i) => (numeric[i] ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/**
 * RFC 4180 through csv-stringify: quoting of commas, quotes and line breaks inside a cell is
 * exactly what a hand-written cell quoter got wrong once (a multi-line error cut its row).
 * Numbers keep full precision; objects become JSON; booleans `true`/`false`; null is empty.
 */
export const CSV_OPTIONS = {
  cast: {
    boolean: (value: boolean): string => String(value),
    object: (value: object): string => plainText(value),
  },
} as const;

/** CSV with a header row. */
export function formatCsv(
  columns: readonly string[],
  rows: ReadonlyArray<Record<string, unknown>>,
): string {
  return stringify(rows as Array<Record<string, unknown>>, {
    ...CSV_OPTIONS,
    header: true,
    columns: [...columns],
    eof: false,
  });
}

/** Milliseconds as a short human duration. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
