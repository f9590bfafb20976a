// The report's figures, each summed by the database (docs/web.md, Reports): GROUP BY over the
// tenant's messages received and events created in the range, read through the indexes on
// (tenant_id, received_at) and (tenant_id, created_at). Nothing here loads rows into Node; what
// comes back is one row per day, severity, org, tool, sender or status. The median is
// percentile_cont on PostgreSQL and the middle row(s) by window functions on SQLite, so both
// databases give the same answer. Reads only.
import { QueryTypes } from 'sequelize';
import type { Deps } from '../deps.js';
import { sqliteDate } from '../ingest/commit-sqlite.js';
import { offsetPieces, type ReportRange } from './range.js';

/** What a report covers: one tenant, a range, and optionally an org pattern (a.b.c, a.b.*, *). */
export interface ReportScope {
  tenantId: number;
  range: ReportRange;
  org: string | null;
}

export interface Count {
  /** the day, severity, org, tool, sender or status; null: none (unclassified, no tool pack) */
  key: string | null;
  n: number;
}

export interface DurationStats {
  /** the severity or kind */
  key: string | null;
  /** how many have the time; the others are counted apart */
  n: number;
  /** seconds */
  min: number;
  max: number;
  mean: number;
  median: number;
}

/** Bind parameters, numbered as both databases take them ($1, $2, …). */
class Params {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: 'sqlite' | 'postgres') {}
  add(value: unknown): string {
    this.values.push(value instanceof Date && this.dialect === 'sqlite' ? sqliteDate(value) : value);
    return `$${this.values.length}`;
  }
}

/** `column` under an org pattern: `a.b.*` is a.b itself and below; substr, since `_` is a LIKE wildcard. */
function orgCondition(column: string, pattern: string, p: Params): string {
  if (pattern === '*') return `${column} IS NOT NULL`;
  if (!pattern.endsWith('.*')) return `${column} = ${p.add(pattern)}`;
  const base = pattern.slice(0, -2);
  return `(${column} = ${p.add(base)} OR substr(${column}, 1, ${base.length + 1}) = ${p.add(`${base}.`)})`;
}

/** The WHERE of a scope over a table's tenant and time column. */
function scopeWhere(scope: ReportScope, time: string, p: Params): string {
  const parts = [`tenant_id = ${p.add(scope.tenantId)}`, `${time} >= ${p.add(scope.range.start)}`, `${time} < ${p.add(scope.range.end)}`];
  if (scope.org) parts.push(orgCondition('org', scope.org, p));
  return parts.join(' AND ');
}

/** The local day (YYYY-MM-DD) of a timestamp column in the range's time zone. */
function localDay(deps: Deps, column: string, range: ReportRange, p: Params): string {
  if (deps.db.dialect === 'postgres') return `to_char(${column} AT TIME ZONE ${p.add(range.timeZone)}, 'YYYY-MM-DD')`;
  const modifier = (minutes: number) => `'${minutes >= 0 ? '+' : ''}${minutes} minutes'`;
  const pieces = offsetPieces(range);
  if (pieces.length === 1) return `date(${column}, ${modifier(pieces[0]!.minutes)})`;
  const whens = pieces.slice(1).map((piece, i) => `WHEN ${column} < ${p.add(piece.from)} THEN date(${column}, ${modifier(pieces[i]!.minutes)})`);
  return `CASE ${whens.join(' ')} ELSE date(${column}, ${modifier(pieces[pieces.length - 1]!.minutes)}) END`;
}

/** Seconds from one timestamp column to another. */
function seconds(deps: Deps, from: string, to: string): string {
  return deps.db.dialect === 'postgres'
    ? `EXTRACT(EPOCH FROM (${to} - ${from}))::float8`
    : `(unixepoch(${to}, 'subsec') - unixepoch(${from}, 'subsec'))`;
}

async function select<T extends object>(deps: Deps, sql: string, p: Params): Promise<T[]> {
  return deps.db.sequelize.query<T>(sql, { type: QueryTypes.SELECT, bind: p.values });
}

const asCounts = (rows: Array<{ key: string | null; n: number | string }>): Count[] => rows.map((r) => ({ key: r.key, n: Number(r.n) }));

type Table = 'messages' | 'events';
const TIME: Record<Table, string> = { messages: 'received_at', events: 'created_at' };

/** How many rows of the scope; with `where`, only those. */
export async function total(deps: Deps, scope: ReportScope, table: Table, where = ''): Promise<number> {
  const p = new Params(deps.db.dialect);
  const [row] = await select<{ n: number | string }>(deps, `SELECT count(*) AS n FROM ${table} WHERE ${scopeWhere(scope, TIME[table], p)}${where ? ` AND ${where}` : ''}`, p);
  return Number(row?.n ?? 0);
}

/** The scope's rows per local day; days without any are left out. */
export async function perDay(deps: Deps, scope: ReportScope, table: Table): Promise<Count[]> {
  const p = new Params(deps.db.dialect);
  const day = localDay(deps, TIME[table], scope.range, p);
  const where = scopeWhere(scope, TIME[table], p);
  return asCounts(await select(deps, `SELECT ${day} AS key, count(*) AS n FROM ${table} WHERE ${where} GROUP BY 1 ORDER BY 1`, p));
}

/** The scope's rows by one column, most first (ties by name, none last); at most `limit` of them. */
export async function countBy(deps: Deps, scope: ReportScope, table: Table, column: string, limit: number | null = null): Promise<Count[]> {
  const p = new Params(deps.db.dialect);
  const where = scopeWhere(scope, TIME[table], p);
  const sql = `SELECT ${column} AS key, count(*) AS n FROM ${table} WHERE ${where} GROUP BY ${column}
               ORDER BY n DESC, CASE WHEN ${column} IS NULL THEN 1 ELSE 0 END, ${column}${limit === null ? '' : ` LIMIT ${Math.floor(limit)}`}`;
  return asCounts(await select(deps, sql, p));
}

/** How many distinct values a column takes over the scope (to say how many a top list leaves out). */
export async function distinct(deps: Deps, scope: ReportScope, table: Table, column: string): Promise<number> {
  const p = new Params(deps.db.dialect);
  const [row] = await select<{ n: number | string }>(deps, `SELECT count(DISTINCT ${column}) AS n FROM ${table} WHERE ${scopeWhere(scope, TIME[table], p)}`, p);
  return Number(row?.n ?? 0);
}

/** The message events of the scope and the messages in them: what correlation folded. */
export async function folded(deps: Deps, scope: ReportScope): Promise<{ events: number; messages: number }> {
  const p = new Params(deps.db.dialect);
  const where = scopeWhere(scope, 'created_at', p);
  const [row] = await select<{ events: number | string; messages: number | string }>(
    deps,
    `SELECT (SELECT count(*) FROM events WHERE ${where} AND kind = 'message') AS events,
            (SELECT count(*) FROM event_messages em JOIN events e ON e.id = em.event_id
              WHERE em.tenant_id = $1 AND e.id IN (SELECT id FROM events WHERE ${where} AND kind = 'message')) AS messages`,
    p,
  );
  return { events: Number(row?.events ?? 0), messages: Number(row?.messages ?? 0) };
}

export type Measure = 'assignment' | 'completion';
/** The timestamp each measure ends at; the time is from the event's creation to it. */
const MEASURE_END: Record<Measure, string> = { assignment: 'first_assigned_at', completion: 'completed_at' };

/**
 * n, min, max, mean and median of the time from creation to `measure`, over the scope's events
 * that have it (`where` narrows them), by `group` (severity or kind).
 */
export async function durations(deps: Deps, scope: ReportScope, measure: Measure, group: 'severity' | 'kind', where = ''): Promise<DurationStats[]> {
  const p = new Params(deps.db.dialect);
  const end = MEASURE_END[measure];
  const filter = `${scopeWhere(scope, 'created_at', p)} AND ${end} IS NOT NULL${where ? ` AND ${where}` : ''}`;
  const d = seconds(deps, 'created_at', end);
  const sql =
    deps.db.dialect === 'postgres'
      ? `SELECT ${group} AS key, count(*) AS n, min(d) AS min, max(d) AS max, avg(d) AS mean,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY d) AS median
         FROM (SELECT ${group}, ${d} AS d FROM events WHERE ${filter}) x GROUP BY ${group}`
      : // The middle row, or the mean of the two middle rows: ranks (c+1)/2 and (c+2)/2 in integer division.
        `SELECT key, count(*) AS n, min(d) AS min, max(d) AS max, avg(d) AS mean, avg(CASE WHEN rn IN ((c + 1) / 2, (c + 2) / 2) THEN d END) AS median
         FROM (SELECT ${group} AS key, d, row_number() OVER (PARTITION BY ${group} ORDER BY d) AS rn, count(*) OVER (PARTITION BY ${group}) AS c
               FROM (SELECT ${group}, ${d} AS d FROM events WHERE ${filter}) x) y
         GROUP BY key`;
  const rows = await select<{ key: string | null; n: number | string; min: number | string; max: number | string; mean: number | string; median: number | string }>(deps, sql, p);
  return rows.map((r) => ({ key: r.key, n: Number(r.n), min: Number(r.min), max: Number(r.max), mean: Number(r.mean), median: Number(r.median) }));
}

/** The upper bounds (seconds, excluded) of the delay distribution's buckets; the last is open-ended. */
export const DELAY_BUCKETS = [5 * 60, 15 * 60, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600] as const;

/** How many of the scope's events took how long to `measure`, bucket by bucket (index into DELAY_BUCKETS; the last: longer). */
export async function distribution(deps: Deps, scope: ReportScope, measure: Measure): Promise<number[]> {
  const p = new Params(deps.db.dialect);
  const end = MEASURE_END[measure];
  const d = seconds(deps, 'created_at', end);
  const bucket = `CASE ${DELAY_BUCKETS.map((limit, i) => `WHEN d < ${limit} THEN ${i}`).join(' ')} ELSE ${DELAY_BUCKETS.length} END`;
  const rows = await select<{ bucket: number | string; n: number | string }>(
    deps,
    `SELECT ${bucket} AS bucket, count(*) AS n FROM (SELECT ${d} AS d FROM events WHERE ${scopeWhere(scope, 'created_at', p)} AND ${end} IS NOT NULL) x GROUP BY 1`,
    p,
  );
  const counts = new Array<number>(DELAY_BUCKETS.length + 1).fill(0);
  for (const r of rows) counts[Number(r.bucket)] = Number(r.n);
  return counts;
}

export interface Pending {
  key: string | null;
  /** events of the group */
  total: number;
  /** not completed */
  open: number;
  /** never assigned and not completed: waiting for someone */
  unassignedOpen: number;
  /** completed without anyone ever assigned */
  completedUnassigned: number;
}

/** The events counted apart from the times, by `group`: those that have not got there (yet). */
export async function pending(deps: Deps, scope: ReportScope, group: 'severity' | 'kind' | 'org', where = '', limit: number | null = null): Promise<Pending[]> {
  const p = new Params(deps.db.dialect);
  const rows = await select<{ key: string | null; total: number | string; open: number | string; unassigned_open: number | string; completed_unassigned: number | string }>(
    deps,
    `SELECT ${group} AS key, count(*) AS total,
            sum(CASE WHEN status <> 'completed' THEN 1 ELSE 0 END) AS open,
            sum(CASE WHEN status <> 'completed' AND first_assigned_at IS NULL THEN 1 ELSE 0 END) AS unassigned_open,
            sum(CASE WHEN status = 'completed' AND first_assigned_at IS NULL THEN 1 ELSE 0 END) AS completed_unassigned
     FROM events WHERE ${scopeWhere(scope, 'created_at', p)}${where ? ` AND ${where}` : ''} GROUP BY ${group}
     ORDER BY total DESC, CASE WHEN ${group} IS NULL THEN 1 ELSE 0 END, ${group}${limit === null ? '' : ` LIMIT ${Math.floor(limit)}`}`,
    p,
  );
  return rows.map((r) => ({ key: r.key, total: Number(r.total), open: Number(r.open), unassignedOpen: Number(r.unassigned_open), completedUnassigned: Number(r.completed_unassigned) }));
}

/** Schedule alerts (a stream that went quiet or too loud, docs/schedules.md): events of kind schedule-*. */
export const SCHEDULE_ALERT = `kind IN ('schedule-missing', 'schedule-excess')`;
