// A report for one tenant over a range (docs/web.md, Reports): the figures from queries.ts laid
// out as tables (tables.ts) and charts (charts.ts). Only what the database summed comes back
// here; the arithmetic left (shares, messages per event) is on those sums.
import type { Deps } from '../deps.js';
import { barChart, columnChart, SEVERITY_COLOURS } from './charts.js';
import {
  countBy, distinct, distribution, durations, folded, pending, perDay, SCHEDULE_ALERT, total,
  type Count, type DurationStats, type Pending, type ReportScope,
} from './queries.js';
import { count, decimal, exactRatio, exactSeconds, ratio, secs, SEVERITIES, severityName, text, type Cell, type ReportTable } from './tables.js';

/** How many orgs and senders a table lists; the note says how many more there are. */
export const TOP_ORGS = 25;
export const TOP_SENDERS = 20;

export interface Report {
  headline: { messages: number; events: number; open: number; reduction: number | null };
  tables: ReportTable[];
  charts: { perDay: string; eventsBySeverity: string; delays: string };
}

const keyOf = (s: string | null) => s ?? 'none';
const byKey = <T extends { key: string | null }>(rows: T[]) => new Map(rows.map((r) => [keyOf(r.key), r]));
const share = (n: number, of: number): number | null => (of === 0 ? null : exactRatio(n / of));

function moreNote(listed: number, all: number, what: string): string | null {
  return all > listed ? `The ${listed} with the most; ${(all - listed).toLocaleString('en')} more ${what} are left out.` : null;
}

/** min, median, mean, max: the seconds of a group, or nothing when no event of it has the time. */
const stats = (s: DurationStats | undefined): Cell[] =>
  s ? [s.n, exactSeconds(s.min), exactSeconds(s.median), exactSeconds(s.mean), exactSeconds(s.max)] : [0, null, null, null, null];

/** The buckets of queries.ts's DELAY_BUCKETS, in words. */
const DELAY_LABELS = ['under 5 min', '5 to 15 min', '15 min to 1 h', '1 to 4 h', '4 to 24 h', '1 to 7 days', '7 days or more'];

export async function buildReport(deps: Deps, scope: ReportScope): Promise<Report> {
  const scheduleKind = SCHEDULE_ALERT;
  const [
    messages, messageDays, eventDays, messageSeverities, messageOrgs, orgCount, tools, senders, senderCount,
    eventStatuses, eventOrgs, eventOrgCount, bySeverity, fold, toAssign, toComplete, assignBuckets, completeBuckets,
    alertTimes, alertsPending,
  ] = await Promise.all([
    total(deps, scope, 'messages'),
    perDay(deps, scope, 'messages'),
    perDay(deps, scope, 'events'),
    countBy(deps, scope, 'messages', 'severity'),
    countBy(deps, scope, 'messages', 'org', TOP_ORGS),
    distinct(deps, scope, 'messages', 'org'),
    countBy(deps, scope, 'messages', 'tool'),
    countBy(deps, scope, 'messages', 'from_address', TOP_SENDERS),
    distinct(deps, scope, 'messages', 'from_address'),
    countBy(deps, scope, 'events', 'status'),
    pending(deps, scope, 'org', '', TOP_ORGS),
    distinct(deps, scope, 'events', 'org'),
    pending(deps, scope, 'severity'),
    folded(deps, scope),
    durations(deps, scope, 'assignment', 'severity'),
    durations(deps, scope, 'completion', 'severity'),
    distribution(deps, scope, 'assignment'),
    distribution(deps, scope, 'completion'),
    durations(deps, scope, 'completion', 'kind', scheduleKind),
    pending(deps, scope, 'kind', scheduleKind),
  ]);
  const events = eventStatuses.reduce((n, s) => n + s.n, 0);
  const open = eventStatuses.filter((s) => s.key !== 'completed').reduce((n, s) => n + s.n, 0);
  const reduction = fold.messages === 0 ? null : exactRatio(1 - fold.events / fold.messages);
  const range = scope.range;

  const msgPerDay = byKey(messageDays);
  const evPerDay = byKey(eventDays);
  const dayRows: Cell[][] = range.days.map((day) => [day, msgPerDay.get(day)?.n ?? 0, evPerDay.get(day)?.n ?? 0]);

  const sevMessages = byKey(messageSeverities);
  const sevEvents = byKey(bySeverity);
  const assignStats = byKey(toAssign);
  const completeStats = byKey(toComplete);
  const countRows = (rows: Count[], label: (k: string | null) => string, of: number): Cell[][] => rows.map((r) => [label(r.key), r.n, share(r.n, of)]);
  const pendingOf = (p: Pending | undefined) => p ?? { key: null, total: 0, open: 0, unassignedOpen: 0, completedUnassigned: 0 };

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
      rows: countRows(messageOrgs, (k) => k ?? '(unclassified)', messages),
      note: moreNote(messageOrgs.filter((r) => r.key !== null).length, orgCount, 'orgs'),
    },
    {
      id: 'messages-by-tool', title: 'MSEs by tool', columns: [text('Tool pack'), count('MSEs'), ratio('Share')],
      rows: countRows(tools, (k) => k ?? '(no tool pack recognised it)', messages),
      note: null,
    },
    {
      id: 'noisiest-senders', title: 'Noisiest senders', columns: [text('Sender'), count('MSEs'), ratio('Share')],
      rows: countRows(senders, (k) => k ?? '(no sender)', messages),
      note: moreNote(senders.filter((r) => r.key !== null).length, senderCount, 'senders'),
    },
    {
      id: 'events-by-severity', title: 'Events by severity', columns: [text('Severity'), count('Events'), count('Open'), count('Completed')],
      rows: SEVERITIES.map((s) => { const p = pendingOf(sevEvents.get(keyOf(s))); return [severityName(s), p.total, p.open, p.total - p.open]; }),
      note: null,
    },
    {
      id: 'events-by-org', title: 'Events by classification (org)', columns: [text('Org'), count('Events'), count('Open'), count('Completed')],
      rows: eventOrgs.map((p) => [p.key ?? '(unclassified)', p.total, p.open, p.total - p.open]),
      note: moreNote(eventOrgs.filter((r) => r.key !== null).length, eventOrgCount, 'orgs'),
    },
    {
      id: 'events-by-status', title: 'Events open and closed', columns: [text('Status'), count('Events')],
      rows: [
        ['open, unassigned', eventStatuses.find((s) => s.key === 'open')?.n ?? 0],
        ['open, assigned', eventStatuses.find((s) => s.key === 'assigned')?.n ?? 0],
        ['completed', eventStatuses.find((s) => s.key === 'completed')?.n ?? 0],
      ],
      note: null,
    },
    {
      id: 'noise-reduction', title: 'What correlation folded', columns: [text('Figure'), decimal('Value')],
      rows: [
        ['MSEs in the events created', fold.messages],
        ['Events they make', fold.events],
        ['MSEs folded into an existing event', fold.messages - fold.events],
        ['MSEs per event', fold.events === 0 ? null : Math.round((fold.messages / fold.events) * 100) / 100],
        ['Noise reduction (1 − events / MSEs)', reduction],
      ],
      note: 'Events made from MSEs only; schedule alerts have no MSE.',
    },
    {
      id: 'time-to-assignment', title: 'Time from creation to first assignment',
      columns: [text('Severity'), count('Assigned'), secs('Min'), secs('Median'), secs('Mean'), secs('Max'), count('Open, never assigned'), count('Completed unassigned')],
      rows: SEVERITIES.map((s) => { const p = pendingOf(sevEvents.get(keyOf(s))); return [severityName(s), ...stats(assignStats.get(keyOf(s))), p.unassignedOpen, p.completedUnassigned]; }),
      note: 'Events nobody has been assigned to are counted apart, never as a time of zero.',
    },
    {
      id: 'time-to-completion', title: 'Time from creation to completion',
      columns: [text('Severity'), count('Completed'), secs('Min'), secs('Median'), secs('Mean'), secs('Max'), count('Still open')],
      rows: SEVERITIES.map((s) => [severityName(s), ...stats(completeStats.get(keyOf(s))), pendingOf(sevEvents.get(keyOf(s))).open]),
      note: 'Open events are counted apart, never as a time of zero.',
    },
    {
      id: 'delay-distribution', title: 'Distribution of the delays', columns: [text('Delay'), count('To first assignment'), count('To completion')],
      rows: DELAY_LABELS.map((label, i) => [label, assignBuckets[i] ?? 0, completeBuckets[i] ?? 0]),
      note: null,
    },
    {
      id: 'schedule-alerts', title: 'Schedule alerts and how long they stayed open',
      columns: [text('Kind'), count('Alerts'), count('Closed'), secs('Min'), secs('Median'), secs('Mean'), secs('Max'), count('Still open')],
      rows: ['schedule-missing', 'schedule-excess'].map((kind) => {
        const p = pendingOf(byKey(alertsPending).get(kind));
        const s = byKey(alertTimes).get(kind);
        return [kind === 'schedule-missing' ? 'missing (went quiet)' : 'excess (too loud)', p.total, ...stats(s), p.open];
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
      label: severityName(s), value: pendingOf(sevEvents.get(keyOf(s))).total, colour: SEVERITY_COLOURS[keyOf(s)]!,
    }))),
    delays: columnChart('chart-delays', 'Distribution of the delays to first assignment and to completion', DELAY_LABELS, [
      { label: 'to first assignment', colour: '#2f6feb', values: assignBuckets },
      { label: 'to completion', colour: '#1a7f37', values: completeBuckets },
    ], { labelEvery: 1 }),
  };
  return { headline: { messages, events, open, reduction }, tables, charts };
}
