// A report's date range: a preset (the last 7 or 30 days, this month, last month) or two dates,
// read as whole local days in the reader's time zone (docs/web.md, Reports). Pure: "today" comes
// from the caller's clock; the days become the UTC instants the database compares with.
import { instantOf, isTimeZone, localTime } from '../people/local-time.js';

export const PRESETS = ['last-7-days', 'last-30-days', 'this-month', 'last-month'] as const;
export type Preset = (typeof PRESETS)[number];
export const DEFAULT_PRESET: Preset = 'last-30-days';
/** A longer range would draw thousands of daily bars; two years covers every question asked so far. */
export const MAX_DAYS = 731;

export const PRESET_LABELS: Record<Preset, string> = {
  'last-7-days': 'Last 7 days', 'last-30-days': 'Last 30 days', 'this-month': 'This month', 'last-month': 'Last month',
};

export interface ReportRange {
  /** the preset it came from; null for two dates of the reader's choosing */
  preset: Preset | null;
  /** the first and last local day, both included: YYYY-MM-DD */
  from: string;
  to: string;
  timeZone: string;
  /** from the first instant of `from` to the first instant after `to`, in the zone */
  start: Date;
  end: Date;
  /** every local day of the range, in order */
  days: string[];
}

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

interface Day { year: number; month: number; day: number }

const dayText = (d: Day) => `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

/** Calendar arithmetic on a day, in UTC so that no zone's clock changes interfere. */
function addDays(d: Day, n: number): Day {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + n));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

export function parseDay(text: string): Day | null {
  const m = ISO_DAY.exec(text);
  if (!m) return null;
  const d = { year: +m[1]!, month: +m[2]!, day: +m[3]! };
  // 2026-02-30 is not a day: it must come back unchanged from the calendar.
  return d.year >= 1970 && dayText(addDays(d, 0)) === text ? d : null;
}

const daysBetween = (a: Day, b: Day) => Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000);

/** The first instant of a local day (after a gap, when midnight itself does not exist there). */
export const startOfDay = (d: Day, timeZone: string): Date => instantOf({ ...d, hour: 0, minute: 0 }, timeZone);

export interface RangeInput {
  preset?: string;
  from?: string;
  to?: string;
}

export interface ResolvedRange {
  range: ReportRange;
  /** what was asked for and not used, in words */
  problems: string[];
}

function presetDays(preset: Preset, today: Day): [Day, Day] {
  switch (preset) {
    case 'last-7-days':
      return [addDays(today, -6), today];
    case 'last-30-days':
      return [addDays(today, -29), today];
    case 'this-month':
      return [{ ...today, day: 1 }, today];
    case 'last-month': {
      const first = { ...today, day: 1 };
      return [addDays(first, -daysInPreviousMonth(first)), addDays(first, -1)];
    }
  }
}

const daysInPreviousMonth = (first: Day) => addDays(first, -1).day;

/**
 * The range the reader asked for: two valid dates (from ≤ to, at most MAX_DAYS days), else the
 * preset, else the default preset; `problems` says what was set aside and why.
 */
export function resolveRange(input: RangeInput, now: Date, timeZone: string): ResolvedRange {
  const problems: string[] = [];
  const zone = isTimeZone(timeZone) ? timeZone : 'UTC';
  if (zone !== timeZone) problems.push(`time zone "${timeZone}" (unknown: UTC is used)`);
  const l = localTime(now, zone);
  const today: Day = { year: l.year, month: l.month, day: l.day };

  let preset: Preset | null = null;
  let first: Day | null = null;
  let last: Day | null = null;
  const from = input.from?.trim() ?? '';
  const to = input.to?.trim() ?? '';
  if (from || to) {
    const a = parseDay(from);
    const b = parseDay(to);
    if (!a) problems.push(`from "${from}" (a date is YYYY-MM-DD)`);
    if (!b) problems.push(`to "${to}" (a date is YYYY-MM-DD)`);
    if (a && b && daysBetween(a, b) < 0) problems.push(`from ${from} is after to ${to}`);
    else if (a && b && daysBetween(a, b) >= MAX_DAYS) problems.push(`${from} to ${to} is longer than ${MAX_DAYS} days`);
    else if (a && b) [first, last] = [a, b];
  }
  if (!first || !last) {
    const asked = input.preset?.trim() ?? '';
    if (asked && !(PRESETS as readonly string[]).includes(asked)) problems.push(`range "${asked}"`);
    preset = (PRESETS as readonly string[]).includes(asked) ? (asked as Preset) : DEFAULT_PRESET;
    [first, last] = presetDays(preset, today);
  }
  const count = daysBetween(first, last) + 1;
  const days = Array.from({ length: count }, (_, i) => dayText(addDays(first!, i)));
  return {
    range: { preset, from: dayText(first), to: dayText(last), timeZone: zone, start: startOfDay(first, zone), end: startOfDay(addDays(last, 1), zone), days },
    problems,
  };
}
