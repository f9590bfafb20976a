// How the site writes a time: in the reader's own time zone (their `timezone` setting,
// docs/notifications.md), on the server, so every browser shows the same thing whatever its own
// zone. The absolute form is RFC 3339 with the zone's offset at that instant. Pure.
import { isTimeZone, localTime } from '../people/local-time.js';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A zone the platform knows, or UTC. */
export const zoneOr = (timeZone: string | null | undefined): string => (timeZone && isTimeZone(timeZone) ? timeZone : 'UTC');

/** +01:00, -05:00, +05:30: how far the zone's clock is from UTC at this instant (RFC 3339 §5.6). */
function offset(at: Date, timeZone: string): string {
  const l = localTime(at, timeZone);
  const minutes = Math.round((Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  return `${sign}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
}

/** 2026-11-23T09:00:00+01:00: the instant, as the zone's clock shows it. */
export function isoInZone(at: Date, timeZone: string): string {
  const l = localTime(at, timeZone);
  return `${l.year}-${pad(l.month)}-${pad(l.day)}T${pad(l.hour)}:${pad(l.minute)}:${pad(l.second)}${offset(at, timeZone)}`;
}

/** 2026-11-23 09:00: what the zone's clock showed, to the minute. */
export function wallClock(at: Date, timeZone: string): string {
  const l = localTime(at, timeZone);
  return `${l.year}-${pad(l.month)}-${pad(l.day)} ${pad(l.hour)}:${pad(l.minute)}`;
}

/** "3 min ago", "2 h ago", "4 d ago": how long before `now`. */
export function ago(at: Date, now: Date): string {
  const s = Math.round((now.getTime() - at.getTime()) / 1000);
  if (s < 0) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}
