// Events as the site's dashboard and list read them: one tenant's, filtered and ordered in the
// database (docs/web.md). Reads only; events change in change.ts.
import { Op, col, fn, literal, where as sqlWhere, type WhereOptions } from 'sequelize';
import type { Deps } from '../deps.js';
import type { Event, InterestLevel } from '../../models/index.js';
import { orgMatches } from '../org-paths.js';

/** The dashboard's rows, loudest first; `none`: no severity (unclassified). */
export const SEVERITY_ORDER = ['critical', 'warn', 'info', 'none'] as const;
export type SeverityKey = (typeof SEVERITY_ORDER)[number];

export type ListFilter = 'all' | 'responder' | 'interested' | 'unclassified';
export type StatusFilter = 'open' | 'completed' | 'any';

export interface ListQuery {
  filter: ListFilter;
  status: StatusFilter;
  severity: SeverityKey | null;
  /** true: only assigned; false: only unassigned */
  assigned: boolean | null;
  /** an org pattern (a.b.c, a.b.*) */
  org: string | null;
  /** words of the subject */
  text: string | null;
  /** where the page starts: after this event as the list showed it (keyset paging) */
  after: ListCursor | null;
  limit: number;
}

/** An event's place in the list: its severity rank, whether it was unassigned, its id. */
export interface ListCursor {
  severityRank: number;
  unassigned: 0 | 1;
  id: number;
}

export interface Interest {
  /** the user's subscriptions, through their groups */
  patterns: Array<{ orgPattern: string; level: InterestLevel }>;
}

/** Which org patterns the user responds to or is interested in, through their groups. */
export async function interestOf(deps: Deps, tenantId: number, userId: number): Promise<Interest> {
  const { Membership, Subscription } = deps.db.models;
  const groups = (await Membership.findAll({ where: { tenantId, userId }, attributes: ['groupId'] })).map((m) => m.groupId);
  if (groups.length === 0) return { patterns: [] };
  const subs = await Subscription.findAll({ where: { tenantId, groupId: groups }, attributes: ['orgPattern', 'level'] });
  return { patterns: subs.map((s) => ({ orgPattern: s.orgPattern, level: s.level })) };
}

/** The user's interest in an event of this org: responder, interested, or none. */
export function interestLevel(interest: Interest, org: string | null): InterestLevel | null {
  if (org === null) return null;
  const matching = interest.patterns.filter((p) => orgMatches(p.orgPattern, org));
  if (matching.some((p) => p.level === 'responder')) return 'responder';
  return matching.length > 0 ? 'interested' : null;
}

/** `org` under a pattern, in SQL both databases run: `a.b.*` is a.b itself and below it. */
function orgUnder(pattern: string): WhereOptions {
  const p = pattern.toLowerCase();
  if (p === '*') return { org: { [Op.ne]: null } };
  if (!p.endsWith('.*')) return { org: p };
  const base = p.slice(0, -2);
  // substr rather than LIKE: `_` is a LIKE wildcard, and org segments may hold it.
  return { [Op.or]: [{ org: base }, sqlWhere(fn('substr', col('org'), 1, base.length + 1), `${base}.`)] };
}

const NOTHING: WhereOptions = literal('1 = 0') as unknown as WhereOptions;

function interestWhere(interest: Interest, levels: InterestLevel[]): WhereOptions {
  const patterns = interest.patterns.filter((p) => levels.includes(p.level));
  if (patterns.length === 0) return NOTHING;
  return { [Op.or]: patterns.map((p) => orgUnder(p.orgPattern)) };
}

function textWhere(deps: Deps, text: string): WhereOptions {
  // A substring, case-insensitive, with no wildcard characters of its own.
  const position = deps.db.dialect === 'postgres' ? 'strpos' : 'instr';
  return sqlWhere(fn(position, fn('lower', col('title')), text.toLowerCase()), Op.gt, 0);
}

export function listWhere(deps: Deps, tenantId: number, q: Omit<ListQuery, 'limit' | 'after'>, interest: Interest): WhereOptions {
  const and: WhereOptions[] = [{ tenantId }];
  if (q.status === 'open') and.push({ status: { [Op.ne]: 'completed' } });
  if (q.status === 'completed') and.push({ status: 'completed' });
  // Each also said in the index's own terms, so the database reads only that part of it.
  if (q.severity) and.push({ severity: q.severity === 'none' ? null : q.severity }, sqlWhere(literal(SEVERITY_RANK_SQL), SEVERITY_RANK[q.severity]));
  if (q.assigned !== null) and.push({ assigneeId: q.assigned ? { [Op.ne]: null } : null }, sqlWhere(literal(UNASSIGNED_SQL), q.assigned ? 0 : 1));
  if (q.filter === 'unclassified') and.push({ triage: true });
  if (q.filter === 'responder') and.push(interestWhere(interest, ['responder']));
  if (q.filter === 'interested') and.push(interestWhere(interest, ['responder', 'interested']));
  if (q.org) and.push(orgUnder(q.org));
  if (q.text) and.push(textWhere(deps, q.text));
  return { [Op.and]: and };
}

/**
 * The list's order, critical, warning, info, none; unassigned before assigned; newest first,
 * written as four keys that all run downwards, so that one index (migration 72) gives the rows in
 * this order and a page can start after a row with a single row comparison (keyset paging: the
 * 50th page costs what the first does). The expressions are the index's, character for character.
 */
export const SEVERITY_RANK_SQL = "CASE severity WHEN 'critical' THEN 3 WHEN 'warn' THEN 2 WHEN 'info' THEN 1 ELSE 0 END";
export const UNASSIGNED_SQL = 'CASE WHEN assignee_id IS NULL THEN 1 ELSE 0 END';
export const SEVERITY_RANK: Record<SeverityKey, number> = { critical: 3, warn: 2, info: 1, none: 0 };

const LIST_ORDER = [
  [literal(SEVERITY_RANK_SQL), 'DESC'],
  [literal(UNASSIGNED_SQL), 'DESC'],
  ['createdAt', 'DESC'],
  ['id', 'DESC'],
] as const;

/** Where a page starts when it follows this event. */
export function cursorOf(e: Pick<Event, 'id' | 'severity' | 'assigneeId'>): ListCursor {
  return { severityRank: SEVERITY_RANK[(e.severity ?? 'none') as SeverityKey] ?? 0, unassigned: e.assigneeId === null ? 1 : 0, id: e.id };
}

/**
 * The rows after the cursor. created_at is read from the row itself rather than carried in the
 * URL: it never changes, and the database's own value keeps its full precision.
 */
function afterWhere(tenantId: number, c: ListCursor): WhereOptions {
  return literal(
    `(${SEVERITY_RANK_SQL}, ${UNASSIGNED_SQL}, created_at, id) < (${c.severityRank}, ${c.unassigned}, ` +
      `(SELECT e.created_at FROM events e WHERE e.id = ${c.id} AND e.tenant_id = ${tenantId}), ${c.id})`,
  ) as unknown as WhereOptions;
}

/** Answers "1,000+" rather than counting a million rows for a number nobody reads to the end. */
export const COUNT_CAP = 1000;

export interface ListPage {
  events: Event[];
  /** how many match, up to COUNT_CAP */
  total: number;
  /** more than COUNT_CAP match */
  totalCapped: boolean;
  /** where the next page starts, or null on the last one */
  next: ListCursor | null;
}

export async function listSiteEvents(deps: Deps, tenantId: number, q: ListQuery, interest: Interest): Promise<ListPage> {
  const where = listWhere(deps, tenantId, q, interest);
  const pageWhere = q.after ? { [Op.and]: [where, afterWhere(tenantId, q.after)] } : where;
  const [rows, matching] = await Promise.all([
    deps.db.models.Event.findAll({ where: pageWhere, order: LIST_ORDER as never, limit: q.limit + 1 }),
    // The database counts, and stops at the cap: the ids of at most COUNT_CAP + 1 rows.
    deps.db.models.Event.findAll({ where, attributes: ['id'], limit: COUNT_CAP + 1, raw: true }),
  ]);
  const events = rows.slice(0, q.limit);
  return {
    events,
    total: Math.min(matching.length, COUNT_CAP),
    totalCapped: matching.length > COUNT_CAP,
    next: rows.length > q.limit ? cursorOf(events[events.length - 1]!) : null,
  };
}

/** How many messages each event holds. */
export async function messageCounts(deps: Deps, tenantId: number, eventIds: number[]): Promise<Map<number, number>> {
  if (eventIds.length === 0) return new Map();
  const rows = (await deps.db.models.EventMessage.count({ where: { tenantId, eventId: eventIds }, group: ['eventId'] })) as unknown as Array<{ eventId: number; count: number }>;
  return new Map(rows.map((r) => [Number(r.eventId), Number(r.count)]));
}

export interface DashboardCell {
  severity: SeverityKey;
  assigned: number;
  unassigned: number;
}

/** Open events of the tenant by severity × assigned/unassigned. */
export async function dashboardCounts(deps: Deps, tenantId: number): Promise<DashboardCell[]> {
  const rows = (await deps.db.models.Event.findAll({
    where: { tenantId, status: { [Op.ne]: 'completed' } },
    attributes: ['severity', [literal('CASE WHEN assignee_id IS NULL THEN 0 ELSE 1 END'), 'isAssigned'], [fn('COUNT', literal('*')), 'n']],
    group: ['severity', literal('CASE WHEN assignee_id IS NULL THEN 0 ELSE 1 END') as never],
    raw: true,
  })) as unknown as Array<{ severity: string | null; isAssigned: number | string; n: number | string }>;
  return SEVERITY_ORDER.map((severity) => {
    const of = (assigned: boolean) =>
      rows
        .filter((r) => (r.severity ?? 'none') === severity && Number(r.isAssigned) === (assigned ? 1 : 0))
        .reduce((sum, r) => sum + Number(r.n), 0);
    return { severity, assigned: of(true), unassigned: of(false) };
  });
}

/** Open schedule alerts (a stream that went quiet or too loud), newest first. */
export function openScheduleAlerts(deps: Deps, tenantId: number, limit = 20): Promise<Event[]> {
  return deps.db.models.Event.findAll({
    where: { tenantId, kind: { [Op.in]: ['schedule-missing', 'schedule-excess'] }, status: { [Op.ne]: 'completed' } },
    order: [['createdAt', 'DESC'], ['id', 'DESC']],
    limit,
  });
}
