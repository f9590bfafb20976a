// A report table as CSV (RFC 4180): comma-separated, CRLF line ends, a field quoted when it holds
// a comma, a double quote or a line break, its double quotes doubled. A text cell that a
// spreadsheet would take for a formula (it starts with = + - @, or a tab or carriage return that
// hides one) gets a leading apostrophe, as the OWASP "CSV Injection" page advises: a sender's
// address or an org is the sender's to choose. Numbers are numbers and are left alone. Pure.
import type { Cell } from './tables.js';

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  const guarded = FORMULA_START.test(cell) ? `'${cell}` : cell;
  return NEEDS_QUOTES.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
