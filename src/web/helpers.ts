// Handlebars helpers of the site's pages: how times, severities and interest levels read.
// Handlebars escapes what they return unless it is a SafeString; every SafeString here is
// built from escaped parts.
import Handlebars from 'handlebars';

const escape = (s: string) => Handlebars.escapeExpression(s);

/** "3 min ago", "2 h ago", "4 d ago": how long before `now`. */
export function ago(at: Date, now: Date): string {
  const s = Math.round((now.getTime() - at.getTime()) / 1000);
  if (s < 0) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** "in 40 min", "in 3 h", "in 2 d": how long after `now`. */
export function ahead(at: Date, now: Date): string {
  const s = Math.round((at.getTime() - now.getTime()) / 1000);
  if (s <= 0) return 'now';
  if (s < 60) return `in ${s} s`;
  if (s < 3600) return `in ${Math.ceil(s / 60)} min`;
  if (s < 86_400) return `in ${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `in ${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** 2026-11-23 08:00 UTC: the absolute time, before the page's script puts it in the reader's zone. */
export const absoluteUtc = (at: Date) => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const SEVERITY_LABEL: Record<string, string> = { critical: 'critical', warn: 'warning', info: 'info', none: 'unclassified' };
export const severityLabel = (s: string | null | undefined) => SEVERITY_LABEL[s ?? 'none'] ?? String(s);

type Options = { data?: { root?: { now?: string } } };

export const helpers = {
  /** <time> with the relative time; the absolute one on hover (site.js shows it in the reader's zone). */
  time(value: string | Date | null | undefined, options: Options) {
    if (!value) return '';
    const at = new Date(value);
    const now = options.data?.root?.now ? new Date(options.data.root.now) : at;
    return new Handlebars.SafeString(`<time datetime="${escape(at.toISOString())}" title="${escape(absoluteUtc(at))}">${escape(ago(at, now))}</time>`);
  },
  /** <time> with how long until then; the absolute time on hover. */
  ahead(value: string | Date | null | undefined, options: Options) {
    if (!value) return '';
    const at = new Date(value);
    const now = options.data?.root?.now ? new Date(options.data.root.now) : at;
    return new Handlebars.SafeString(`<time datetime="${escape(at.toISOString())}" title="${escape(absoluteUtc(at))}">${escape(ahead(at, now))}</time>`);
  },
  /** <time> with the absolute time itself (detail pages). */
  absolute(value: string | Date | null | undefined) {
    if (!value) return '';
    const at = new Date(value);
    return new Handlebars.SafeString(`<time datetime="${escape(at.toISOString())}" data-absolute title="${escape(absoluteUtc(at))}">${escape(absoluteUtc(at))}</time>`);
  },
  sevLabel: (s: string | null | undefined) => severityLabel(s),
  eq: (a: unknown, b: unknown) => a === b,
  gt: (a: unknown, b: unknown) => Number(a) > Number(b),
  or: (a: unknown, b: unknown) => Boolean(a) || Boolean(b),
  json: (v: unknown) => JSON.stringify(v),
};
