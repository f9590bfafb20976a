// A report for one tenant over a range (docs/web.md, Reports): the figures from queries.ts laid
// out as tables (tables.ts) and charts (charts.ts). Only what the database summed comes back
// here; the arithmetic left (shares, messages per event) is on those sums.
import type { Deps } from '../deps.js';
import { barChart, columnChart, SEVERITY_COLOURS } from './charts.js';
import * as rows from './queries.js';
import { eventTimes, SCHEDULE_ALERT, type Breakdown, type Count, type EventCount, type ReportScope, type TimeStats } from './queries.js';
import * as rollups from './rollup-queries.js';
import { count, decimal, exactRatio, exactSeconds, ratio, secs, SEVERITIES, severityName, text, type Cell, type ReportTable } from './tables.js';

export interface Report {
  headline: { messages: number; events: number; open: number; reduction: number | null };
  tables: ReportTable[];
  charts: { perDay: string; eventsBySeverity: string; delays: string };
}

const keyOf = (s: string | null) => s ?? 'none';
const byKey = <T extends { key: string | null }>(rows: T[]) => new Map(rows.map((r) => [keyOf(r.key), r]));
const share = (n: number, of: number): number | null => (of === 0 ? null : exactRatio(n / of));

/** What a cut-short breakdown leaves out. */
function moreNote(b: Breakdown<Count>, what: string): string | null {
  return b.groups > b.rows.length ? `The ${b.rows.length} with the most; ${(b.groups - b.rows.length).toLocaleString('en')} more ${what} are left out.` : null;
}

const NO_TIMES: TimeStats = { n: 0, min: null, max: null, mean: null, median: null, buckets: [] };
const orNull = (s: number | null) => (s === null ? null : exactSeconds(s));
/** n, min, median, mean, max: the seconds of a group, or nothing when no event of it has the time. */
const stats = (s: TimeStats | undefined): Cell[] => {
  const t = s ?? NO_TIMES;
  return [t.n, orNull(t.min), orNull(t.median), orNull(t.mean), orNull(t.max)];
};

/** The buckets of queries.ts's DELAY_BUCKETS, in words. */
const DELAY_LABELS = ['under 5 min', '5 to 15 min', '15 min to 1 h', '1 to 4 h', '4 to 24 h', '1 to 7 days', '7 days or more'];

const NO_EVENTS: EventCount = { key: null, n: 0, open: 0, unassignedOpen: 0, completedUnassigned: 0 };

/**
 * Where the figures come from: on PostgreSQL the daily rollups its triggers keep, with the rows
 * at the range's edges (rollup-queries.ts); on SQLite the rows (queries.ts). Both are exact.
 * Schedule alerts are few: read from the rows on both (on PostgreSQL by an index of their own).
 */
function source(deps: Deps) {
  if (deps.db.dialect === 'postgres') return rollups;
  return { ...rows, eventTimesBySeverity: (d: Deps, s: ReportScope) => rows.eventTimes(d, s, 'severity') };
}

export async function buildReport(deps: Deps, scope: ReportScope): Promise<Report> {
  const q = source(deps);
  const [m, e, severityTimes, alertTimes, linked, messageDays, eventDays] = await Promise.all([
    q.messageBreakdowns(deps, scope), q.eventBreakdowns(deps, scope), q.eventTimesBySeverity(deps, scope), eventTimes(deps, scope, 'kind', SCHEDULE_ALERT),
    q.messagesInEvents(deps, scope), q.perDay(deps, scope, 'messages'), q.perDay(deps, scope, 'events'),
  ]);
  const messages = m.severity.rows.reduce((n, r) => n + r.n, 0);
  const events = e.status.rows.reduce((n, r) => n + r.n, 0);
  const open = e.status.rows.reduce((n, r) => n + r.open, 0);
  const messageEvents = byKey(e.kind.rows).get('message')?.n ?? 0;
  const reduction = linked === 0 ? null : exactRatio(1 - messageEvents / linked);
  const range = scope.range;

  const msgPerDay = byKey(messageDays);
  const evPerDay = byKey(eventDays);
  const dayRows: Cell[][] = range.days.map((day) => [day, msgPerDay.get(day)?.n ?? 0, evPerDay.get(day)?.n ?? 0]);
  const sevMessages = byKey(m.severity.rows);
  const sevEvents = byKey(e.severity.rows);
  const status = byKey(e.status.rows);
  const kinds = byKey(e.kind.rows);
  const sevTimes = byKey(severityTimes);
  const kindTimes = byKey(alertTimes);
  const eventsOf = (s: string | null) => sevEvents.get(keyOf(s)) ?? NO_EVENTS;
  const countRows = (rows: Count[], label: (k: string | null) => string): Cell[][] => rows.map((r) => [label(r.key), r.n, share(r.n, messages)]);
  // The distribution over every event: the sum of the severities' buckets.
  const bucketsOf = (which: 'assignment' | 'completion') => DELAY_LABELS.map((_, i) => severityTimes.reduce((n, t) => n + (t[which].buckets[i] ?? 0), 0));
  const assignBuckets = bucketsOf('assignment');
  const completeBuckets = bucketsOf('completion');

  const tables: ReportTable[] = [
    {
      id: 'per-day', title: 'MSEs and events per day', columns: [text(`Day (${range.timeZone})`), count('MSEs received'), count('Events created')], rows: dayRows,
      note: null,
    },
    {
      id: 'messages-by-severity', title: 'MSEs by severity', columns: [text('Severity'), count('MSEs'), ratio('Share')],
      rows: SEVERITIES.map((s) => { const n = sevMessages.get(keyOf(s))?.n ?? 0; return [severityName(s), n, share(n, messages)]; }),
      note: null,
    },
    {
      id: 'messages-by-org', title: 'MSEs by classification (org)', columns: [text('Org'), count('MSEs'), ratio('Share')],
      rows: countRows(m.org.rows, (k) => k ?? '(unclassified)'), note: moreNote(m.org, 'orgs'),
    },
    {
      id: 'messages-by-tool', title: 'MSEs by tool', columns: [text('Tool pack'), count('MSEs'), ratio('Share')],
      rows: countRows(m.tool.rows, (k) => k ?? '(no tool pack recognised it)'), note: null,
    },
    {
      id: 'noisiest-senders', title: 'Noisiest senders', columns: [text('Sender'), count('MSEs'), ratio('Share')],
      rows: countRows(m.sender.rows, (k) => k ?? '(no sender)'), note: moreNote(m.sender, 'senders'),
    },
    {
      id: 'events-by-severity', title: 'Events by severity', columns: [text('Severity'), count('Events'), count('Open'), count('Completed')],
      rows: SEVERITIES.map((s) => { const c = eventsOf(s); return [severityName(s), c.n, c.open, c.n - c.open]; }),
      note: null,
    },
    {
      id: 'events-by-org', title: 'Events by classification (org)', columns: [text('Org'), count('Events'), count('Open'), count('Completed')],
      rows: e.org.rows.map((c) => [c.key ?? '(unclassified)', c.n, c.open, c.n - c.open]), note: moreNote(e.org, 'orgs'),
    },
    {
      id: 'events-by-status', title: 'Events open and closed', columns: [text('Status'), count('Events')],
      rows: [['open, unassigned', status.get('open')?.n ?? 0], ['open, assigned', status.get('assigned')?.n ?? 0], ['completed', status.get('completed')?.n ?? 0]],
      note: null,
    },
    {
      id: 'noise-reduction', title: 'What correlation folded',
      columns: [count('MSEs in the events'), count('Events'), count('MSEs folded into an event'), decimal('MSEs per event'), ratio('Noise reduction')],
      rows: [[linked, messageEvents, linked - messageEvents, messageEvents === 0 ? null : Math.round((linked / messageEvents) * 100) / 100, reduction]],
      note: 'Over the events made from MSEs (schedule alerts have none). Noise reduction: 1 − events ÷ MSEs.',
    },
    {
      id: 'time-to-assignment', title: 'Time from creation to first assignment',
      columns: [text('Severity'), count('Assigned'), secs('Min'), secs('Median'), secs('Mean'), secs('Max'), count('Open, never assigned'), count('Completed unassigned')],
      rows: SEVERITIES.map((s) => [severityName(s), ...stats(sevTimes.get(keyOf(s))?.assignment), eventsOf(s).unassignedOpen, eventsOf(s).completedUnassigned]),
      note: 'Events nobody has been assigned to are counted apart, never as a time of zero.',
    },
    {
      id: 'time-to-completion', title: 'Time from creation to completion',
      columns: [text('Severity'), count('Completed'), secs('Min'), secs('Median'), secs('Mean'), secs('Max'), count('Still open')],
      rows: SEVERITIES.map((s) => [severityName(s), ...stats(sevTimes.get(keyOf(s))?.completion), eventsOf(s).open]),
      note: 'Open events are counted apart, never as a time of zero.',
    },
    {
      id: 'delay-distribution', title: 'Distribution of the delays', columns: [text('Delay'), count('To first assignment'), count('To completion')],
      rows: DELAY_LABELS.map((label, i) => [label, assignBuckets[i]!, completeBuckets[i]!]),
      note: null,
    },
    {
      id: 'schedule-alerts', title: 'Schedule alerts and how long they stayed open',
      columns: [text('Kind'), count('Alerts'), count('Closed'), secs('Min'), secs('Median'), secs('Mean'), secs('Max'), count('Still open')],
      rows: ['schedule-missing', 'schedule-excess'].map((kind) => {
        const c = kinds.get(kind) ?? NO_EVENTS;
        return [kind === 'schedule-missing' ? 'missing (went quiet)' : 'excess (too loud)', c.n, ...stats(kindTimes.get(kind)?.completion), c.open];
      }),
      note: 'A schedule alert closes itself when its stream is back in range, or when someone completes it.',
    },
  ];

  const charts = {
    perDay: columnChart('chart-per-day', 'MSEs received and events created per day', range.days, [
      { label: 'MSEs received', colour: '#2f6feb', values: dayRows.map((r) => r[1] as number) },
      { label: 'events created', colour: '#f08c00', values: dayRows.map((r) => r[2] as number) },
    ]),
    eventsBySeverity: barChart('chart-events-by-severity', 'Events by severity', SEVERITIES.map((s) => ({
      label: severityName(s), value: eventsOf(s).n, colour: SEVERITY_COLOURS[keyOf(s)]!,
    }))),
    delays: columnChart('chart-delays', 'Distribution of the delays to first assignment and to completion', DELAY_LABELS, [
      { label: 'to first assignment', colour: '#2f6feb', values: assignBuckets },
      { label: 'to completion', colour: '#1a7f37', values: completeBuckets },
    ], { labelEvery: 1 }),
  };
  return { headline: { messages, events, open, reduction }, tables, charts };
}
