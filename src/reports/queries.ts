// The report's figures, each summed by the database (docs/web.md, Reports). Nothing here loads
// rows into Node: what comes back is one row per day, severity, org, tool, sender, status or kind.
//
// A year of a million messages must answer in a second (BENCHMARKS.md, Reports), so:
// - the days are counted one local day at a time, each an index range of (tenant_id, received_at)
//   or (tenant_id, created_at): their bounds come from range.ts, in the reader's time zone, so
//   the database never converts a row's time and never sorts the year by day;
// - every other breakdown of a table is one pass that hashes each grouping: on PostgreSQL one
//   GROUP BY GROUPING SETS, on SQLite (which has none) a UNION ALL of plain GROUP BYs;
// - the median is percentile_cont on PostgreSQL and the middle row (or the mean of the two middle
//   rows) by window functions on SQLite: both answer the same.
// The covering indexes of migration 70 hold what these read. Reads only.
import { QueryTypes } from 'sequelize';
import type { Deps } from '../deps.js';
import { sqliteDate } from '../ingest/commit-sqlite.js';
import { startOfDay, type ReportRange } from './range.js';

/** What a report covers: one tenant, a range, and optionally an org pattern (a.b.c, a.b.*, *). */
export interface ReportScope {
  tenantId: number;
  range: ReportRange;
  org: string | null;
}

/** One group of a breakdown: the day, severity, org, tool, sender, status or kind; null: none. */
export interface Count {
  key: string | null;
  n: number;
}

export interface EventCount extends Count {
  /** not completed */
  open: number;
  /** never assigned and not completed: waiting for someone */
  unassignedOpen: number;
  /** completed without anyone ever assigned */
  completedUnassigned: number;
}

/** A breakdown: its groups, most first (cut to the breakdown's limit), and how many there are in all. */
export interface Breakdown<T extends Count> {
  rows: T[];
  groups: number;
}

/** The time from creation to a moment, over the events that have it. Seconds. */
export interface TimeStats {
  n: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  median: number | null;
  /** how many fall in each of DELAY_BUCKETS, and the last: longer */
  buckets: number[];
}

export interface Times {
  key: string | null;
  assignment: TimeStats;
  completion: TimeStats;
}

/** The upper bounds (seconds, excluded) of the delay distribution's buckets; a last bucket holds the longer ones. */
export const DELAY_BUCKETS = [5 * 60, 15 * 60, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600] as const;

/** Bind parameters, numbered as both databases take them ($1, $2, …). */
export class Params {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: 'sqlite' | 'postgres') {}
  add(value: unknown): string {
    this.values.push(value instanceof Date && this.dialect === 'sqlite' ? sqliteDate(value) : value);
    return `$${this.values.length}`;
  }
}

/** `column` under an org pattern: `a.b.*` is a.b itself and below; substr, since `_` is a LIKE wildcard. */
export function orgCondition(column: string, pattern: string, p: Params): string {
  if (pattern === '*') return `${column} IS NOT NULL`;
  if (!pattern.endsWith('.*')) return `${column} = ${p.add(pattern)}`;
  const base = pattern.slice(0, -2);
  return `(${column} = ${p.add(base)} OR substr(${column}, 1, ${base.length + 1}) = ${p.add(`${base}.`)})`;
}

/**
 * An event merged into another (MERGE, src/events/corrections.ts) is not an event of its own any
 * more: its messages count in the event that took them, and it counts nowhere (docs/web.md, Reports).
 */
export const NOT_MERGED = 'merged_into_id IS NULL';

const TIME = { messages: 'received_at', events: 'created_at' } as const;

/** The WHERE of a scope over a table's tenant and time column; events merged away are left out. */
export function scopeWhere(scope: ReportScope, time: string, p: Params): string {
  const parts = [`tenant_id = ${p.add(scope.tenantId)}`, `${time} >= ${p.add(scope.range.start)}`, `${time} < ${p.add(scope.range.end)}`];
  if (time === TIME.events) parts.push(NOT_MERGED);
  if (scope.org) parts.push(orgCondition('org', scope.org, p));
  return parts.join(' AND ');
}

/** Seconds from one timestamp column to another (null when either is). */
function seconds(deps: Deps, from: string, to: string): string {
  // date_part gives a double; EXTRACT gives a numeric since PostgreSQL 14, several times slower.
  return deps.db.dialect === 'postgres'
    ? `date_part('epoch', ${to} - ${from})`
    : `(unixepoch(${to}, 'subsec') - unixepoch(${from}, 'subsec'))`;
}

/** The bucket of DELAY_BUCKETS a number of seconds falls in; null for null. */
const bucketOf = (d: string) => `CASE WHEN ${d} IS NULL THEN NULL ${DELAY_BUCKETS.map((limit, i) => `WHEN ${d} < ${limit} THEN ${i}`).join(' ')} ELSE ${DELAY_BUCKETS.length} END`;

/**
 * PostgreSQL sorts for the medians; with its default work_mem (4 MB) a year's sort spills to
 * disk. And a year's statement costs enough for its JIT compiler to step in, whose compiling
 * (with inlining and optimisation) takes longer than the statement it would speed up, measured
 * (BENCHMARKS.md, Reports). A report's statements get both settings for their own transaction only.
 */
const REPORT_SETTINGS = ["SET LOCAL work_mem = '32MB'", 'SET LOCAL jit = off'];

export function select<T extends object>(deps: Deps, sql: string, p: Params): Promise<T[]> {
  const { sequelize } = deps.db;
  if (deps.db.dialect !== 'postgres') return sequelize.query<T>(sql, { type: QueryTypes.SELECT, bind: p.values });
  return sequelize.transaction(async (transaction) => {
    for (const setting of REPORT_SETTINGS) await sequelize.query(setting, { transaction });
    return sequelize.query<T>(sql, { type: QueryTypes.SELECT, bind: p.values, transaction });
  });
}

export const num = (v: unknown) => Number(v ?? 0);
export const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export interface SetSpec {
  name: string;
  /** the expression grouped by */
  expr: string;
  /** at most this many groups come back (most first); null: all */
  limit: number | null;
}

/**
 * Every breakdown of `from` (a subquery of the scope's rows with columns k0, k1, … for the sets'
 * expressions) in one statement: rows of (grp, val, the aggregates, groups), most first, each
 * set cut to its limit.
 */
export function breakdownSql(deps: Deps, inner: string, sets: SetSpec[], aggregates: string): string {
  const grouped =
    deps.db.dialect === 'postgres'
      ? `SELECT CASE ${sets.map((s, i) => `WHEN GROUPING(k${i}) = 0 THEN '${s.name}'`).join(' ')} END AS grp,
                CASE ${sets.map((_, i) => `WHEN GROUPING(k${i}) = 0 THEN k${i}::text`).join(' ')} END AS val, ${aggregates}
         FROM (${inner}) r GROUP BY GROUPING SETS (${sets.map((_, i) => `(k${i})`).join(', ')})`
      : sets.map((s, i) => `SELECT '${s.name}' AS grp, k${i} AS val, ${aggregates} FROM (${inner}) r GROUP BY k${i}`).join('\nUNION ALL\n');
  const limits = sets.map((s) => `WHEN '${s.name}' THEN ${s.limit ?? 2_147_483_647}`).join(' ');
  return `SELECT * FROM (
    SELECT g.*, row_number() OVER (PARTITION BY grp ORDER BY n DESC, CASE WHEN val IS NULL THEN 1 ELSE 0 END, val) AS rn,
           count(*) OVER (PARTITION BY grp) AS groups
    FROM (${grouped}) g) x
  WHERE rn <= CASE grp ${limits} END
  ORDER BY grp, rn`;
}

export function split<T extends Count>(sets: SetSpec[], rows: Array<Record<string, unknown>>, make: (r: Record<string, unknown>) => T): Record<string, Breakdown<T>> {
  const out: Record<string, Breakdown<T>> = {};
  for (const s of sets) out[s.name] = { rows: [], groups: 0 };
  for (const r of rows) {
    const b = out[String(r.grp)]!;
    b.rows.push(make(r));
    b.groups = num(r.groups);
  }
  return out;
}

export const TOP = { orgs: 25, senders: 20 } as const;

/**
 * The scope's rows of `table` per local day: for each day of the range, a count over its index
 * range [its first instant, the next day's). Days without any come back as 0.
 */
export async function perDay(deps: Deps, scope: ReportScope, table: 'messages' | 'events'): Promise<Count[]> {
  const p = new Params(deps.db.dialect);
  const { range } = scope;
  const stamp = deps.db.dialect === 'postgres' ? '::timestamptz' : '';
  const bounds = range.days.map((day, i) => {
    const next = i + 1 < range.days.length ? startOfDay(dayParts(range.days[i + 1]!), range.timeZone) : range.end;
    return `(${p.add(day)}, ${p.add(startOfDay(dayParts(day), range.timeZone))}${stamp}, ${p.add(next)}${stamp})`;
  });
  const time = TIME[table];
  const tenant = p.add(scope.tenantId);
  const org = `${table === 'events' ? ` AND ${NOT_MERGED}` : ''}${scope.org ? ` AND ${orgCondition('org', scope.org, p)}` : ''}`;
  // VALUES names its columns column1, column2, … on both databases.
  const rows = await select<{ key: string; n: number | string }>(
    deps,
    `SELECT d.column1 AS key, (SELECT count(*) FROM ${table} WHERE tenant_id = ${tenant} AND ${time} >= d.column2 AND ${time} < d.column3${org}) AS n
     FROM (VALUES ${bounds.join(', ')}) d`,
    p,
  );
  return rows.map((r) => ({ key: r.key, n: num(r.n) }));
}

export const dayParts = (day: string) => ({ year: Number(day.slice(0, 4)), month: Number(day.slice(5, 7)), day: Number(day.slice(8, 10)) });

/** The scope's messages by severity, org, tool and sender, in one pass. */
export async function messageBreakdowns(deps: Deps, scope: ReportScope): Promise<Record<'severity' | 'org' | 'tool' | 'sender', Breakdown<Count>>> {
  const p = new Params(deps.db.dialect);
  const sets: SetSpec[] = [
    { name: 'severity', expr: 'severity', limit: null },
    { name: 'org', expr: 'org', limit: TOP.orgs },
    { name: 'tool', expr: 'tool', limit: null },
    { name: 'sender', expr: 'from_address', limit: TOP.senders },
  ];
  const inner = `SELECT ${sets.map((s, i) => `${s.expr} AS k${i}`).join(', ')} FROM messages WHERE ${scopeWhere(scope, 'received_at', p)}`;
  const rows = await select<Record<string, unknown>>(deps, breakdownSql(deps, inner, sets, 'count(*) AS n'), p);
  return split(sets, rows, (r) => ({ key: (r.val as string | null) ?? null, n: num(r.n) })) as Record<'severity' | 'org' | 'tool' | 'sender', Breakdown<Count>>;
}

/** The scope's events by status, org, severity and kind, with how many are open, in one pass. */
export async function eventBreakdowns(deps: Deps, scope: ReportScope): Promise<Record<'status' | 'org' | 'severity' | 'kind', Breakdown<EventCount>>> {
  const p = new Params(deps.db.dialect);
  const sets: SetSpec[] = [
    { name: 'status', expr: 'status', limit: null },
    { name: 'org', expr: 'org', limit: TOP.orgs },
    { name: 'severity', expr: 'severity', limit: null },
    { name: 'kind', expr: 'kind', limit: null },
  ];
  const inner = `SELECT ${sets.map((s, i) => `${s.expr} AS k${i}`).join(', ')}, status, first_assigned_at FROM events WHERE ${scopeWhere(scope, 'created_at', p)}`;
  const aggregates = `count(*) AS n,
    sum(CASE WHEN status <> 'completed' THEN 1 ELSE 0 END) AS open,
    sum(CASE WHEN status <> 'completed' AND first_assigned_at IS NULL THEN 1 ELSE 0 END) AS unassigned_open,
    sum(CASE WHEN status = 'completed' AND first_assigned_at IS NULL THEN 1 ELSE 0 END) AS completed_unassigned`;
  const rows = await select<Record<string, unknown>>(deps, breakdownSql(deps, inner, sets, aggregates), p);
  return split(sets, rows, (r) => ({
    key: (r.val as string | null) ?? null, n: num(r.n), open: num(r.open), unassignedOpen: num(r.unassigned_open), completedUnassigned: num(r.completed_unassigned),
  })) as Record<'status' | 'org' | 'severity' | 'kind', Breakdown<EventCount>>;
}

const MEASURES = { a: 'first_assigned_at', c: 'completed_at' } as const;

/** Schedule alerts (a stream that went quiet or too loud, docs/schedules.md): events of kind schedule-*. */
export const SCHEDULE_ALERT = `kind IN ('schedule-missing', 'schedule-excess')`;

/**
 * Times from creation to first assignment (a) and to completion (c) of the scope's events (`where`
 * narrows them), by `group`: n, min, max, mean, median and the buckets, over the events that have
 * the moment (the others are counted apart by eventBreakdowns, never as zero).
 */
export async function eventTimes(deps: Deps, scope: ReportScope, group: 'severity' | 'kind', where = ''): Promise<Times[]> {
  const p = new Params(deps.db.dialect);
  const filter = `${scopeWhere(scope, 'created_at', p)}${where ? ` AND ${where}` : ''}`;
  const measured = Object.entries(MEASURES).map(([m, end]) => `${seconds(deps, 'created_at', end)} AS d${m}`).join(', ');
  // OFFSET 0 keeps PostgreSQL from folding the subqueries into the aggregates, where it would work
  // each time out again in every aggregate and bucket that reads it (measured: BENCHMARKS.md, Reports).
  const fence = deps.db.dialect === 'postgres' ? ' OFFSET 0' : '';
  const base = `SELECT ${group} AS g, ${measured} FROM events WHERE ${filter}${fence}`;
  const withBuckets = `SELECT b.*, ${Object.keys(MEASURES).map((m) => `${bucketOf(`d${m}`)} AS b${m}`).join(', ')} FROM (${base}) b${fence}`;
  const bucketSums = (m: string) => [...DELAY_BUCKETS, null].map((_, i) => `sum(CASE WHEN b${m} = ${i} THEN 1 ELSE 0 END) AS ${m}_b${i}`).join(', ');
  const common = (m: string) => `count(d${m}) AS ${m}_n, min(d${m}) AS ${m}_min, max(d${m}) AS ${m}_max, avg(d${m}) AS ${m}_mean, ${bucketSums(m)}`;
  let sql: string;
  if (deps.db.dialect === 'postgres') {
    const aggregates = Object.keys(MEASURES).map((m) => `${common(m)}, percentile_cont(0.5) WITHIN GROUP (ORDER BY d${m}) AS ${m}_median`).join(', ');
    sql = `SELECT g, ${aggregates} FROM (${withBuckets}) r GROUP BY g`;
  } else {
    // The middle of n ranked values: ranks (n+1)/2 and (n+2)/2 in integer division, one row when n is odd.
    const median = (m: string) => `avg(CASE WHEN r${m} IN ((c${m} + 1) / 2, (c${m} + 2) / 2) THEN d${m} END) AS ${m}_median`;
    const ranked = `SELECT w.*, ${Object.keys(MEASURES)
      .map((m) => `CASE WHEN d${m} IS NULL THEN NULL ELSE row_number() OVER (PARTITION BY g, d${m} IS NULL ORDER BY d${m}) END AS r${m}, count(d${m}) OVER (PARTITION BY g) AS c${m}`)
      .join(', ')} FROM (${withBuckets}) w`;
    sql = `SELECT g, ${Object.keys(MEASURES).map((m) => `${common(m)}, ${median(m)}`).join(', ')} FROM (${ranked}) r GROUP BY g`;
  }
  const rows = await select<Record<string, unknown>>(deps, sql, p);
  const stats = (r: Record<string, unknown>, m: string): TimeStats => ({
    n: num(r[`${m}_n`]), min: numOrNull(r[`${m}_min`]), max: numOrNull(r[`${m}_max`]), mean: numOrNull(r[`${m}_mean`]), median: numOrNull(r[`${m}_median`]),
    buckets: [...DELAY_BUCKETS, null].map((_, i) => num(r[`${m}_b${i}`])),
  });
  return rows.map((r) => ({ key: (r.g as string | null) ?? null, assignment: stats(r, 'a'), completion: stats(r, 'c') }));
}

/** The messages in the scope's message events: with the events' count, what correlation folded. */
export async function messagesInEvents(deps: Deps, scope: ReportScope): Promise<number> {
  const p = new Params(deps.db.dialect);
  const where = scopeWhere(scope, 'created_at', p);
  const [row] = await select<{ n: number | string }>(
    deps,
    `SELECT count(*) AS n FROM event_messages WHERE tenant_id = $1 AND event_id IN (SELECT id FROM events WHERE ${where} AND kind = 'message')`,
    p,
  );
  return num(row?.n);
}
