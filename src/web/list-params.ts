// The event list's filters live in the URL (so the back button and a shared link keep them):
// parsed from the query string here, and written back into links the same way. Pure.
import { isOrgPattern } from '../org-paths.js';
import { SEVERITY_ORDER, type ListCursor, type ListFilter, type ListQuery, type SeverityKey, type StatusFilter } from '../events/site-queries.js';
import { idParam } from './params.js';

/** Rows a page shows; the next ones are a link away (docs/web.md). */
export const PAGE_SIZE = 50;
const FILTERS: ListFilter[] = ['all', 'responder', 'interested', 'unclassified'];
const STATUSES: StatusFilter[] = ['open', 'completed', 'any'];

const one = (v: unknown): string => (typeof v === 'string' ? v.trim() : Array.isArray(v) && typeof v[0] === 'string' ? v[0].trim() : '');

export interface ParsedList {
  query: ListQuery;
  /** what was asked for and ignored, in words */
  ignored: string[];
}

export function parseListQuery(raw: Record<string, unknown>): ParsedList {
  const ignored: string[] = [];
  const filter = one(raw.filter) || 'all';
  const status = one(raw.status) || 'open';
  const severity = one(raw.severity);
  const assigned = one(raw.assigned);
  const org = one(raw.org).toLowerCase();
  const text = one(raw.q).slice(0, 200);
  if (!FILTERS.includes(filter as ListFilter)) ignored.push(`filter "${filter}"`);
  if (!STATUSES.includes(status as StatusFilter)) ignored.push(`status "${status}"`);
  if (severity && !SEVERITY_ORDER.includes(severity as SeverityKey)) ignored.push(`severity "${severity}"`);
  if (assigned && assigned !== 'yes' && assigned !== 'no') ignored.push(`assigned "${assigned}"`);
  if (org && !isOrgPattern(org)) ignored.push(`org "${org}" (an org pattern is a.b.c, a.b.* or *)`);
  return {
    query: {
      filter: FILTERS.includes(filter as ListFilter) ? (filter as ListFilter) : 'all',
      status: STATUSES.includes(status as StatusFilter) ? (status as StatusFilter) : 'open',
      severity: SEVERITY_ORDER.includes(severity as SeverityKey) ? (severity as SeverityKey) : null,
      assigned: assigned === 'yes' ? true : assigned === 'no' ? false : null,
      org: org && isOrgPattern(org) ? org : null,
      text: text || null,
      after: parseCursor(one(raw.after)),
      limit: PAGE_SIZE,
    },
    ignored,
  };
}

/** `3.1.1234`: severity rank, unassigned, event id (src/events/site-queries.ts). */
export const cursorText = (c: ListCursor) => `${c.severityRank}.${c.unassigned}.${c.id}`;

/** A cursor from the URL; anything else starts at the first page. */
export function parseCursor(text: string): ListCursor | null {
  const m = /^([0-3])\.([01])\.(\d{1,10})$/.exec(text);
  const id = m ? idParam(m[3]) : null;
  return m && id !== null ? { severityRank: Number(m[1]), unassigned: Number(m[2]) as 0 | 1, id } : null;
}

/** The list's URL for these filters; defaults are left out so links stay short. */
export function listUrl(q: Partial<Omit<ListQuery, 'limit'>>): string {
  const params = new URLSearchParams();
  if (q.filter && q.filter !== 'all') params.set('filter', q.filter);
  if (q.status && q.status !== 'open') params.set('status', q.status);
  if (q.severity) params.set('severity', q.severity);
  if (q.assigned !== undefined && q.assigned !== null) params.set('assigned', q.assigned ? 'yes' : 'no');
  if (q.org) params.set('org', q.org);
  if (q.text) params.set('q', q.text);
  if (q.after) params.set('after', cursorText(q.after));
  const s = params.toString();
  return s ? `/events?${s}` : '/events';
}
