// A report's address: its range and org pattern live in the query string, so a bookmark or a
// link mailed to a colleague shows the same report (docs/web.md, Reports). Parsed here and written
// back the same way. Pure.
import { isOrgPattern } from '../org-paths.js';
import { PRESETS, resolveRange, type Preset, type ReportRange } from './range.js';

export interface ReportQuery {
  range: ReportRange;
  org: string | null;
  /** what was asked for and set aside, in words */
  problems: string[];
}

const one = (v: unknown): string => (typeof v === 'string' ? v.trim() : Array.isArray(v) && typeof v[0] === 'string' ? v[0].trim() : '');

export function parseReportQuery(raw: Record<string, unknown>, now: Date, timeZone: string): ReportQuery {
  const { range, problems } = resolveRange({ preset: one(raw.range), from: one(raw.from), to: one(raw.to) }, now, timeZone);
  const org = one(raw.org).toLowerCase().slice(0, 300);
  if (org && !isOrgPattern(org)) problems.push(`org "${org}" (an org pattern is a.b.c, a.b.* or *)`);
  return { range, org: org && isOrgPattern(org) ? org : null, problems };
}

/** The query string of a report: its preset, or its two dates; its org pattern if any. */
export function reportSearch(q: { preset: Preset | null; from: string; to: string; org: string | null }): string {
  const params = new URLSearchParams();
  if (q.preset && (PRESETS as readonly string[]).includes(q.preset)) params.set('range', q.preset);
  else {
    params.set('from', q.from);
    params.set('to', q.to);
  }
  if (q.org) params.set('org', q.org);
  return `?${params.toString()}`;
}
