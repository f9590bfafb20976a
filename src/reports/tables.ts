// The report as tables: each a title, its columns and rows of plain values. The page shows them
// (formatted: durations in words, ratios in per cent) and the CSV download writes the same rows
// with the values themselves, so a table and its CSV cannot drift apart. Pure.

/** A value: a text, a number (a count, seconds, a ratio), or nothing (no data). */
export type Cell = string | number | null;

/** How a column's values read on the page (the CSV has them as they are). */
export type ColumnKind = 'text' | 'count' | 'seconds' | 'ratio' | 'decimal';

export interface Column {
  label: string;
  kind: ColumnKind;
}

export interface ReportTable {
  /** its name in the page (the id) and in the CSV's URL and file name */
  id: string;
  title: string;
  columns: Column[];
  rows: Cell[][];
  /** what the reader should know about it (how it is cut short, what is counted apart) */
  note: string | null;
}

/** Severities in the order the site lists them; null: none (unclassified). */
export const SEVERITIES: Array<string | null> = ['critical', 'warn', 'info', null];
const SEVERITY_NAMES: Record<string, string> = { critical: 'critical', warn: 'warning', info: 'info' };
export const severityName = (s: string | null) => (s === null ? 'unclassified' : SEVERITY_NAMES[s] ?? s);

/** "2 d 3 h", "1 h 05 min", "12 min 30 s", "42 s". */
export function formatSeconds(value: number): string {
  const s = Math.round(value);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${String(s % 60).padStart(2, '0')} s` : ''}`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** How a cell reads on the page. */
export function formatCell(cell: Cell, kind: ColumnKind): string {
  if (cell === null) return '—';
  if (typeof cell === 'string') return cell;
  switch (kind) {
    case 'seconds':
      return formatSeconds(cell);
    case 'ratio':
      return `${(cell * 100).toFixed(1)} %`;
    case 'decimal':
      return cell.toFixed(2);
    default:
      return cell.toLocaleString('en');
  }
}

/** Seconds as the CSV and the page's data carry them: to the millisecond, no float noise. */
export const exactSeconds = (s: number) => Math.round(s * 1000) / 1000;
/** A ratio to four places (0.8734: 87.3 %). */
export const exactRatio = (r: number) => Math.round(r * 10_000) / 10_000;

export const text = (label: string): Column => ({ label, kind: 'text' });
export const count = (label: string): Column => ({ label, kind: 'count' });
export const secs = (label: string): Column => ({ label, kind: 'seconds' });
export const ratio = (label: string): Column => ({ label, kind: 'ratio' });
export const decimal = (label: string): Column => ({ label, kind: 'decimal' });

/** A table as the page's template reads it: each cell's text, and its value for data-value. */
export function tableView(table: ReportTable) {
  const numeric = table.columns.map((c) => c.kind !== 'text');
  return {
    id: table.id,
    title: table.title,
    note: table.note,
    columns: table.columns.map((c, i) => ({ label: c.label, numeric: numeric[i] })),
    rows: table.rows.map((row) => row.map((cell, i) => ({ text: formatCell(cell, table.columns[i]!.kind), value: cell === null ? '' : String(cell), numeric: numeric[i] }))),
  };
}

/** The CSV's header: the column labels, with the unit where the values have one. */
export const csvHeader = (table: ReportTable): string[] =>
  table.columns.map((c) => (c.kind === 'seconds' ? `${c.label} (seconds)` : c.kind === 'ratio' ? `${c.label} (ratio)` : c.label));
