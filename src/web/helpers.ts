// Handlebars helpers of the site's pages: how times, severities and interest levels read. Times
// are written in the logged-in user's zone (src/web/times.ts); pages without a user use UTC.
// Handlebars escapes what they return unless it is a SafeString; every SafeString here is
// built from escaped parts.
import Handlebars from 'handlebars';
import { ago, isoInZone, wallClock, zoneOr } from './times.js';

const escape = (s: string) => Handlebars.escapeExpression(s);

/** "in 40 min", "in 3 h", "in 2 d": how long after `now`. */
export function ahead(at: Date, now: Date): string {
  const s = Math.round((at.getTime() - now.getTime()) / 1000);
  if (s <= 0) return 'now';
  if (s < 60) return `in ${s} s`;
  if (s < 3600) return `in ${Math.ceil(s / 60)} min`;
  if (s < 86_400) return `in ${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `in ${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** 2026-11-23 08:00 UTC: the absolute time in UTC, for text that is not a page's <time>. */
export const absoluteUtc = (at: Date) => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const SEVERITY_LABEL: Record<string, string> = { critical: 'critical', warn: 'warning', info: 'info', none: 'unclassified' };
export const severityLabel = (s: string | null | undefined) => SEVERITY_LABEL[s ?? 'none'] ?? String(s);

type Options = { data?: { root?: { now?: string; user?: { timeZone?: string } } } };

const zoneOf = (options: Options) => zoneOr(options.data?.root?.user?.timeZone);

/** `<time>` whose hover shows the absolute time, RFC 3339 in the reader's zone. */
function timeElement(at: Date, timeZone: string, text: string, extra = '') {
  const iso = isoInZone(at, timeZone);
  return new Handlebars.SafeString(`<time datetime="${escape(iso)}"${extra} title="${escape(`${iso} (${timeZone})`)}">${escape(text)}</time>`);
}

export const helpers = {
  /** "5 min ago"; the absolute time in the reader's zone on hover. */
  time(value: string | Date | null | undefined, options: Options) {
    if (!value) return '';
    const at = new Date(value);
    const now = options.data?.root?.now ? new Date(options.data.root.now) : at;
    return timeElement(at, zoneOf(options), ago(at, now));
  },
  /** "in 40 min"; the absolute time in the reader's zone on hover. */
  ahead(value: string | Date | null | undefined, options: Options) {
    if (!value) return '';
    const at = new Date(value);
    const now = options.data?.root?.now ? new Date(options.data.root.now) : at;
    return timeElement(at, zoneOf(options), ahead(at, now));
  },
  /** The time on the reader's clock (detail pages); the same on hover, with its offset. */
  absolute(value: string | Date | null | undefined, options: Options) {
    if (!value) return '';
    const at = new Date(value);
    const timeZone = zoneOf(options);
    return timeElement(at, timeZone, wallClock(at, timeZone), ' data-absolute');
  },
  sevLabel: (s: string | null | undefined) => severityLabel(s),
  eq: (a: unknown, b: unknown) => a === b,
  gt: (a: unknown, b: unknown) => Number(a) > Number(b),
  or: (a: unknown, b: unknown) => Boolean(a) || Boolean(b),
  json: (v: unknown) => JSON.stringify(v),
};
