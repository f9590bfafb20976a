// The report's figures on PostgreSQL, from the daily rollups (made and kept by the triggers of
// migrations/2026-12-04-20-report-rollups.ts) where a range covers whole UTC days, and from the
// rows for what is left at its edges (docs/web.md, Reports).
// A range of local days starts and ends at the reader's midnight, rarely UTC's, and may end
// today: the rollups give the whole UTC days (and, for the senders, whole UTC months) inside it,
// the rows the hours before the first and after the last. Both are exact, so their sum is.
//
// The times' medians, minima and maxima are values of single events: the rollups' histogram says
// which of its buckets holds the wanted rank, and the event is read from that bucket alone, by the
// index on (tenant, severity, time). Reads only.
import { QueryTypes } from 'sequelize';
import type { Deps } from '../deps.js';
import {
  breakdownSql, DELAY_BUCKETS, eventBreakdowns as rowEventBreakdowns, eventTimes as rowEventTimes, messageBreakdowns as rowMessageBreakdowns,
  dayParts, messagesInEvents as rowMessagesInEvents, NOT_MERGED, num, orgCondition, Params, perDay as rowPerDay, select, split, TOP,
  type Breakdown, type Count, type EventCount, type ReportScope, type SetSpec, type TimeStats, type Times,
} from './queries.js';
import { startOfDay } from './range.js';
import { DELAY_BUCKET_COUNT, DELAY_EDGES_S } from './delay-edges.js';

const DAY_MS = 86_400_000;

/** The first UTC midnight at or after `t`, and the last at or before it. */
const ceilDay = (t: Date) => new Date(Math.ceil(t.getTime() / DAY_MS) * DAY_MS);
const floorDay = (t: Date) => new Date(Math.floor(t.getTime() / DAY_MS) * DAY_MS);
const nearestDay = (t: Date) => new Date(Math.round(t.getTime() / DAY_MS) * DAY_MS);
const monthStart = (t: Date, after: boolean): Date => {
  const first = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1));
  return after && first.getTime() < t.getTime() ? new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 1)) : first;
};

/** A range cut in three: [start, from) from the rows, [from, to) from a rollup, [to, end) from the rows. */
interface Cut {
  from: Date;
  to: Date;
}

/** The whole UTC days inside the scope's range; null when there are none. */
export function dayCut(scope: ReportScope): Cut | null {
  const from = ceilDay(scope.range.start);
  const to = floorDay(scope.range.end);
  return from < to ? { from, to } : null;
}

function monthCut(scope: ReportScope): Cut | null {
  const from = monthStart(scope.range.start, true);
  const to = monthStart(scope.range.end, false);
  return from < to ? { from, to } : null;
}

/** The rows of the range outside the cut: `time` in [start, from) or [to, end). */
function edgeWhere(scope: ReportScope, time: string, cut: Cut, p: Params): string {
  const { start, end } = scope.range;
  return `tenant_id = ${p.add(scope.tenantId)} AND (${time} >= ${p.add(start)} AND ${time} < ${p.add(cut.from)} OR ${time} >= ${p.add(cut.to)} AND ${time} < ${p.add(end)})`;
}

/** The rollup's rows of the cut. */
function rollupWhere(scope: ReportScope, column: 'day' | 'month', cut: Cut, p: Params): string {
  return `tenant_id = ${p.add(scope.tenantId)} AND ${column} >= ${p.add(cut.from)} AND ${column} < ${p.add(cut.to)}`;
}

const orgAnd = (scope: ReportScope, p: Params) => (scope.org ? ` AND ${orgCondition('org', scope.org, p)}` : '');

/** The scope's messages by severity, org, tool and sender. */
export async function messageBreakdowns(deps: Deps, scope: ReportScope): Promise<Record<'severity' | 'org' | 'tool' | 'sender', Breakdown<Count>>> {
  const days = dayCut(scope);
  if (!days) return rowMessageBreakdowns(deps, scope);
  const p = new Params('postgres');
  const sets: SetSpec[] = [
    { name: 'severity', expr: 'severity', limit: null },
    { name: 'org', expr: 'org', limit: TOP.orgs },
    { name: 'tool', expr: 'tool', limit: null },
  ];
  const inner = `SELECT severity AS k0, org AS k1, tool AS k2, n FROM report_message_days WHERE ${rollupWhere(scope, 'day', days, p)} AND n <> 0${orgAnd(scope, p)}
    UNION ALL SELECT severity, org, tool, 1 FROM messages WHERE ${edgeWhere(scope, 'received_at', days, p)}${orgAnd(scope, p)}`;
  const make = (r: Record<string, unknown>) => ({ key: (r.val as string | null) ?? null, n: num(r.n) });
  const [rows, sender] = await Promise.all([select<Record<string, unknown>>(deps, breakdownSql(deps, inner, sets, 'sum(n) AS n'), p), senders(deps, scope)]);
  return { ...split(sets, rows, make), sender } as Record<'severity' | 'org' | 'tool' | 'sender', Breakdown<Count>>;
}

/** The noisiest senders: whole UTC months from their rollup, the rest of the range from the rows. */
async function senders(deps: Deps, scope: ReportScope): Promise<Breakdown<Count>> {
  const months = monthCut(scope);
  if (!months) return (await rowMessageBreakdowns(deps, scope)).sender;
  const p = new Params('postgres');
  const sets: SetSpec[] = [{ name: 'sender', expr: 'sender', limit: TOP.senders }];
  const inner = `SELECT sender AS k0, n FROM report_sender_months WHERE ${rollupWhere(scope, 'month', months, p)} AND n <> 0${orgAnd(scope, p)}
    UNION ALL SELECT from_address, 1 FROM messages WHERE ${edgeWhere(scope, 'received_at', months, p)}${orgAnd(scope, p)}`;
  const rows = await select<Record<string, unknown>>(deps, breakdownSql(deps, inner, sets, 'sum(n) AS n'), p);
  return split(sets, rows, (r) => ({ key: (r.val as string | null) ?? null, n: num(r.n) })).sender!;
}

/** The scope's events by status, org, severity and kind, with how many are open. */
export async function eventBreakdowns(deps: Deps, scope: ReportScope): Promise<Record<'status' | 'org' | 'severity' | 'kind', Breakdown<EventCount>>> {
  const days = dayCut(scope);
  if (!days) return rowEventBreakdowns(deps, scope);
  const p = new Params('postgres');
  const sets: SetSpec[] = [
    { name: 'status', expr: 'status', limit: null },
    { name: 'org', expr: 'org', limit: TOP.orgs },
    { name: 'severity', expr: 'severity', limit: null },
    { name: 'kind', expr: 'kind', limit: null },
  ];
  const counts = (n: string, assigned: string) =>
    `${n} AS n, CASE WHEN status <> 'completed' THEN ${n} ELSE 0 END AS open,
     CASE WHEN status <> 'completed' AND NOT ${assigned} THEN ${n} ELSE 0 END AS unassigned_open,
     CASE WHEN status = 'completed' AND NOT ${assigned} THEN ${n} ELSE 0 END AS completed_unassigned`;
  const inner = `SELECT status AS k0, org AS k1, severity AS k2, kind AS k3, ${counts('n', 'assigned')}
      FROM report_event_days WHERE ${rollupWhere(scope, 'day', days, p)} AND n <> 0${orgAnd(scope, p)}
    UNION ALL SELECT status, org, severity, kind, ${counts('1', '(first_assigned_at IS NOT NULL)')}
      FROM events WHERE ${edgeWhere(scope, 'created_at', days, p)} AND ${NOT_MERGED}${orgAnd(scope, p)}`;
  const aggregates = 'sum(n) AS n, sum(open) AS open, sum(unassigned_open) AS unassigned_open, sum(completed_unassigned) AS completed_unassigned';
  const rows = await select<Record<string, unknown>>(deps, breakdownSql(deps, inner, sets, aggregates), p);
  return split(sets, rows, (r) => ({
    key: (r.val as string | null) ?? null, n: num(r.n), open: num(r.open), unassignedOpen: num(r.unassigned_open), completedUnassigned: num(r.completed_unassigned),
  })) as Record<'status' | 'org' | 'severity' | 'kind', Breakdown<EventCount>>;
}

/** The messages in the scope's message events. */
export async function messagesInEvents(deps: Deps, scope: ReportScope): Promise<number> {
  const days = dayCut(scope);
  if (!days) return rowMessagesInEvents(deps, scope);
  const p = new Params('postgres');
  const [row] = await select<{ n: string | number | null }>(
    deps,
    `SELECT (SELECT coalesce(sum(messages), 0) FROM report_event_days WHERE ${rollupWhere(scope, 'day', days, p)} AND kind = 'message'${orgAnd(scope, p)})
          + (SELECT count(*) FROM event_messages l WHERE l.tenant_id = ${p.add(scope.tenantId)} AND l.event_id IN
              (SELECT id FROM events WHERE ${edgeWhere(scope, 'created_at', days, p)} AND kind = 'message' AND ${NOT_MERGED}${orgAnd(scope, p)})) AS n`,
    p,
  );
  return num(row?.n);
}

/**
 * Per local day: day i runs from boundary b(i) to b(i+1); u(i) is the UTC midnight nearest b(i).
 * Its count is the rollup's days from u(i) to u(i+1), plus the rows from b(i) to u(i), less the
 * rows from b(i+1) to u(i+1) (a span read backwards counts negative). The rows read are those
 * between a local and the nearest UTC midnight: none in UTC, an hour a day in Paris.
 */
export async function perDay(deps: Deps, scope: ReportScope, table: 'messages' | 'events'): Promise<Count[]> {
  if (!dayCut(scope)) return rowPerDay(deps, scope, table);
  const { range } = scope;
  const bounds = [...range.days.map((day) => startOfDay(dayParts(day), range.timeZone)), range.end];
  const grid = bounds.map(nearestDay);
  const p = new Params('postgres');
  const time = table === 'messages' ? 'received_at' : 'created_at';
  const rollup = table === 'messages' ? 'report_message_days' : 'report_event_days';
  // In UTC every local midnight is on the grid: nothing to read from the rows.
  const spans = bounds.flatMap((b, i) => {
    const [lo, hi] = b <= grid[i]! ? [b, grid[i]!] : [grid[i]!, b];
    return lo < hi ? [`(${i}, ${p.add(lo)}::timestamptz, ${p.add(hi)}::timestamptz)`] : [];
  });
  const tenant = p.add(scope.tenantId);
  // Every parameter must appear in the statement (PostgreSQL types it there): the rows' filter only with spans to read.
  const rowFilter = spans.length === 0 ? '' : `${table === 'events' ? ` AND ${NOT_MERGED}` : ''}${orgAnd(scope, p)}`;
  const rollupOrg = orgAnd(scope, p);
  const [from, to] = [grid[0]!, grid[grid.length - 1]!];
  const rows = await select<{ kind: string; at: string | number; n: string | number }>(
    deps,
    `SELECT 'day' AS kind, (extract(epoch FROM day) * 1000)::bigint AS at, sum(n) AS n FROM ${rollup} WHERE tenant_id = ${tenant} AND day >= ${p.add(from)} AND day < ${p.add(to)}${rollupOrg} GROUP BY day
${spans.length === 0 ? '' : `
     UNION ALL
     SELECT 'span', s.column1::bigint, (SELECT count(*) FROM ${table} WHERE tenant_id = ${tenant} AND ${time} >= s.column2 AND ${time} < s.column3${rowFilter})
     FROM (VALUES ${spans.join(', ')}) s`}`,
    p,
  );
  const perUtcDay = new Map<number, number>();
  const span = new Map<number, number>();
  for (const r of rows) {
    if (r.kind === 'day') perUtcDay.set(Number(r.at), num(r.n));
    else span.set(Number(r.at), num(r.n));
  }
  // From b to u: the rows in between, counted negative when u comes first.
  const toGrid = (i: number) => (bounds[i]! <= grid[i]! ? 1 : -1) * (span.get(i) ?? 0);
  return range.days.map((key, i) => {
    let n = 0;
    for (let t = grid[i]!.getTime(); t < grid[i + 1]!.getTime(); t += DAY_MS) n += perUtcDay.get(t) ?? 0;
    return { key, n: n + toGrid(i) - toGrid(i + 1) };
  });
}

const DISPLAY_OF_FINE = Array.from({ length: DELAY_BUCKET_COUNT }, (_, i) => {
  const lower = i === 0 ? -Infinity : DELAY_EDGES_S[i - 1]!;
  return DELAY_BUCKETS.filter((limit) => limit <= lower).length;
});
const MEASURE_COLUMN = { a: 'assign_ms', c: 'complete_ms' } as const;
type Measure = keyof typeof MEASURE_COLUMN;

interface Histogram {
  n: number;
  ms: number;
  fine: number[];
}

/**
 * Times from creation to first assignment and to completion, by severity: n, mean and the
 * distribution from the rollups (whole UTC months from report_event_time_months, the days around
 * them from report_event_days: migrations 2026-12-04-20 and -31) and the edges' rows; the
 * minimum, median and maximum read from the one histogram bucket that holds each rank.
 */
export async function eventTimesBySeverity(deps: Deps, scope: ReportScope): Promise<Times[]> {
  const days = dayCut(scope);
  if (!days) return rowEventTimes(deps, scope, 'severity');
  const p = new Params('postgres');
  const fineCols = (m: Measure) => Array.from({ length: DELAY_BUCKET_COUNT }, (_, i) => `${m}_b${i}`);
  const edges = `ARRAY[${DELAY_EDGES_S.map((s) => s * 1000).join(', ')}]::bigint[]`;
  const rowSums = (m: Measure) => [
    `count(${MEASURE_COLUMN[m]}) AS ${m}_n`, `coalesce(sum(${MEASURE_COLUMN[m]}), 0) AS ${m}_ms`,
    ...fineCols(m).map((c, i) => `sum(CASE WHEN width_bucket(${MEASURE_COLUMN[m]}, ${edges}) = ${i} THEN 1 ELSE 0 END) AS ${c}`),
  ];
  const rollupSums = (m: Measure) => [`sum(${m}_n) AS ${m}_n`, `sum(${m}_ms) AS ${m}_ms`, ...fineCols(m).map((c) => `sum(${c}) AS ${c}`)];
  const sums = [...rollupSums('a'), ...rollupSums('c')].join(', ');
  // Whole UTC months from their own rollup (a thousand rows a year, not fifty thousand), the
  // days around them from the days', the hours at the edges from the rows.
  const months = monthCut(scope);
  const dayRows = months
    ? `tenant_id = ${p.add(scope.tenantId)} AND (day >= ${p.add(days.from)} AND day < ${p.add(months.from)} OR day >= ${p.add(months.to)} AND day < ${p.add(days.to)})`
    : rollupWhere(scope, 'day', days, p);
  const rows = await select<Record<string, unknown>>(
    deps,
    `${months ? `SELECT severity, ${sums} FROM report_event_time_months WHERE ${rollupWhere(scope, 'month', months, p)}${orgAnd(scope, p)} GROUP BY severity
     UNION ALL
     ` : ''}SELECT severity, ${sums} FROM report_event_days WHERE ${dayRows}${orgAnd(scope, p)} GROUP BY severity
     UNION ALL
     SELECT severity, ${[...rowSums('a'), ...rowSums('c')].join(', ')} FROM events WHERE ${edgeWhere(scope, 'created_at', days, p)} AND ${NOT_MERGED}${orgAnd(scope, p)} GROUP BY severity`,
    p,
  );
  const bySeverity = new Map<string | null, Record<Measure, Histogram>>();
  for (const r of rows) {
    const key = (r.severity as string | null) ?? null;
    const h = bySeverity.get(key) ?? { a: { n: 0, ms: 0, fine: new Array<number>(DELAY_BUCKET_COUNT).fill(0) }, c: { n: 0, ms: 0, fine: new Array<number>(DELAY_BUCKET_COUNT).fill(0) } };
    for (const m of ['a', 'c'] as const) {
      h[m].n += num(r[`${m}_n`]);
      h[m].ms += num(r[`${m}_ms`]);
      fineCols(m).forEach((c, i) => (h[m].fine[i]! += num(r[c])));
    }
    bySeverity.set(key, h);
  }
  const severities = [...bySeverity.keys()];
  const [a, c] = await Promise.all((['a', 'c'] as const).map((m) => stats(deps, scope, m, severities.map((k) => ({ severity: k, h: bySeverity.get(k)![m] })))));
  return severities.map((key, i) => ({ key, assignment: a![i]!, completion: c![i]! }));
}

/**
 * The statistics of one measure for each severity. The minimum, the median's one or two middle
 * values and the maximum are each the event of a rank: one statement reads them all, each from
 * the histogram bucket that holds its rank.
 */
async function stats(deps: Deps, scope: ReportScope, m: Measure, groups: Array<{ severity: string | null; h: Histogram }>): Promise<TimeStats[]> {
  const p = new Params('postgres');
  const wanted: string[] = [];
  for (const [g, { severity, h }] of groups.entries()) {
    if (h.n === 0) continue;
    for (const rank of new Set([0, Math.floor((h.n - 1) / 2), Math.floor(h.n / 2), h.n - 1])) {
      wanted.push(`SELECT ${g} AS g, ${rank} AS rank, (${rankSql(scope, severity, m, h.fine, rank, p)}) AS v`);
    }
  }
  const values = new Map<string, number>();
  if (wanted.length > 0) {
    const rows = await deps.db.sequelize.query<{ g: number; rank: number; v: string | number | null }>(wanted.join('\nUNION ALL\n'), { type: QueryTypes.SELECT, bind: p.values });
    for (const r of rows) {
      if (r.v === null) throw new Error(`the report's rollup and the events disagree: no ${MEASURE_COLUMN[m]} of rank ${r.rank}`);
      values.set(`${r.g}:${r.rank}`, Number(r.v));
    }
  }
  return groups.map(({ h }, g) => {
    const buckets = new Array<number>(DELAY_BUCKETS.length + 1).fill(0);
    h.fine.forEach((n, i) => (buckets[DISPLAY_OF_FINE[i]!]! += n));
    if (h.n === 0) return { n: 0, min: null, max: null, mean: null, median: null, buckets };
    const at = (rank: number) => values.get(`${g}:${rank}`)!;
    const median = (at(Math.floor((h.n - 1) / 2)) + at(Math.floor(h.n / 2))) / 2;
    return { n: h.n, min: at(0) / 1000, max: at(h.n - 1) / 1000, mean: h.ms / h.n / 1000, median: median / 1000, buckets };
  });
}

/** The time (ms) of the event of this rank (0: the shortest) among the scope's events of a severity, read from its bucket alone. */
function rankSql(scope: ReportScope, severity: string | null, m: Measure, fine: number[], rank: number, p: Params): string {
  let bucket = 0;
  let below = 0;
  while (bucket < fine.length - 1 && below + fine[bucket]! <= rank) below += fine[bucket++]!;
  const column = MEASURE_COLUMN[m];
  const band = [
    bucket > 0 ? `${column} >= ${p.add(DELAY_EDGES_S[bucket - 1]! * 1000)}` : null,
    bucket < DELAY_EDGES_S.length ? `${column} < ${p.add(DELAY_EDGES_S[bucket]! * 1000)}` : null,
  ].filter(Boolean);
  return `SELECT ${column} FROM events
    WHERE tenant_id = ${p.add(scope.tenantId)} AND ${severity === null ? 'severity IS NULL' : `severity = ${p.add(severity)}`} AND ${column} IS NOT NULL
      ${band.map((b) => `AND ${b}`).join(' ')} AND created_at >= ${p.add(scope.range.start)} AND created_at < ${p.add(scope.range.end)} AND ${NOT_MERGED}${orgAnd(scope, p)}
    ORDER BY ${column} OFFSET ${rank - below} LIMIT 1`;
}
