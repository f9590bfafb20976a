// A user's own clock: quiet hours and the digest hour are local times in their IANA time zone
// (docs/notifications.md). Pure, on the platform's Intl time-zone data: an instant and a zone
// in, local wall-clock facts out, and back. Across a daylight-saving change a local time that
// does not exist (02:30 on the spring-forward night) is taken as the first instant after the gap.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function localTime(at: Date, timeZone: string): LocalTime {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(at).map((p) => [p.type, p.value]));
  return { year: +parts.year!, month: +parts.month!, day: +parts.day!, hour: +parts.hour! % 24, minute: +parts.minute!, second: +parts.second! };
}

/** How far the zone's wall clock is ahead of UTC at this instant, in ms. */
function offsetAt(at: Date, timeZone: string): number {
  const l = localTime(at, timeZone);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant a local wall-clock time happens in the zone (the first instant after a DST gap). */
export function instantOf(local: Omit<LocalTime, 'second'>, timeZone: string): Date {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  // Two rounds settle the offset on either side of a change.
  let guess = wall - offsetAt(new Date(wall), timeZone);
  guess = wall - offsetAt(new Date(guess), timeZone);
  const back = localTime(new Date(guess), timeZone);
  const landed = Date.UTC(back.year, back.month - 1, back.day, back.hour, back.minute);
  // In a gap the wall time never shows: move on by what is missing.
  return new Date(landed < wall ? guess + (wall - landed) : guess);
}

/** The local calendar day after this one. */
function nextDay(l: Pick<LocalTime, 'year' | 'month' | 'day'>): Pick<LocalTime, 'year' | 'month' | 'day'> {
  const d = new Date(Date.UTC(l.year, l.month - 1, l.day + 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The first instant after `after` at which the zone's clock shows hour:minute. */
export function nextLocal(after: Date, timeZone: string, hour: number, minute = 0): Date {
  const today = localTime(after, timeZone);
  const candidate = instantOf({ year: today.year, month: today.month, day: today.day, hour, minute }, timeZone);
  if (candidate > after) return candidate;
  return instantOf({ ...nextDay(today), hour, minute }, timeZone);
}

export interface QuietHours {
  /** minutes after local midnight */
  start: number;
  end: number;
}

const HHMM = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** `22:00-07:00` (across midnight) or `12:00-13:30`; null when it is not that. */
export function parseQuietHours(text: string): QuietHours | null {
  const [from, to, ...rest] = text.trim().split('-');
  if (from === undefined || to === undefined || rest.length > 0) return null;
  const a = HHMM.exec(from.trim());
  const b = HHMM.exec(to.trim());
  if (!a || !b) return null;
  const start = +a[1]! * 60 + +a[2]!;
  const end = +b[1]! * 60 + +b[2]!;
  return start === end ? null : { start, end };
}

const minutesOf = (l: LocalTime) => l.hour * 60 + l.minute;

export function isQuiet(at: Date, timeZone: string, quiet: QuietHours): boolean {
  const m = minutesOf(localTime(at, timeZone));
  return quiet.start < quiet.end ? m >= quiet.start && m < quiet.end : m >= quiet.start || m < quiet.end;
}

/** When the quiet hours around `at` end. */
export function quietEnd(at: Date, timeZone: string, quiet: QuietHours): Date {
  return nextLocal(at, timeZone, Math.floor(quiet.end / 60), quiet.end % 60);
}
