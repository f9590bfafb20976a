// Did the replay raise the schedule alerts of docs/schedules.md (a missing or excess scheduled
// message) at the right time, once, and resolve them when the count came back in range?
//
// A stream and condition can alert more than once in a dataset (missing on Monday, again on
// Thursday), so each replay event is attributed to one truth alert by time: alerts of the same
// stream and condition follow each other (one open alert at a time), and alert i claims the
// events from the end of alert i−1 (its resolveBy) or from one period before its own notBefore,
// whichever is later, up to its own resolveBy (open-ended when it never resolves). An event no
// alert claims is false. An alert's first event decides whether it was early, in time or late.
import type { Replay, ReplayEvent } from './replay-input.js';
import { share, type Share } from './share.js';
import type { ScheduleAlert, Truth } from './truth-types.js';

export const SCHEDULE_EVENT_KINDS: Record<string, ScheduleAlert['condition']> = {
  'schedule-missing': 'missing',
  'schedule-excess': 'excess',
};

const PERIOD_MS: Record<string, number> = { hour: 3_600_000, day: 86_400_000, month: 30 * 86_400_000 };

export type AlertOutcome = 'in time' | 'early' | 'late' | 'missed';

export interface AlertProblem {
  stream: string;
  condition: ScheduleAlert['condition'];
  problem: 'early' | 'late' | 'missed' | 'false' | 'repeated' | 'not resolved in time' | 'resolved wrongly';
  /** the event's time, when there is an event */
  at: string | null;
}

export interface ScheduleAlertScore {
  /** schedule events in the replay */
  events: number;
  /** alerts the truth expects */
  expected: number;
  inTime: Share;
  early: Share;
  late: Share;
  missed: Share;
  /** events that match no truth alert (a schedule event without a stream included) */
  false: number;
  /** of those, how many were on a stream the truth lists as quiet */
  falseOnQuietStreams: number;
  /** alerts with more than one event */
  repeated: number;
  /** alerts the truth expects to resolve, resolved (event-resolved line) by resolveBy */
  resolvedInTime: Share;
  /** alerts that must stay open (resolveBy null) but were resolved */
  resolvedWrongly: number;
  /** the first problems, alerts in truth order then false events */
  problems: AlertProblem[];
}

/** The length of the stream's schedule period, from its key (`…|per=day`); null when absent. */
export function periodMs(stream: string): number | null {
  const per = /(?:^|\|)per=(hour|day|month)(?:\||$)/.exec(stream)?.[1];
  return per === undefined ? null : PERIOD_MS[per]!;
}

const time = (iso: string) => Date.parse(iso);
const keyOf = (stream: string, condition: string) => `${condition} ${stream}`;

export function scoreScheduleAlerts(truth: Truth, replay: Replay, problemLimit = 10): ScheduleAlertScore {
  const events = replay.events.filter((e) => e.kind in SCHEDULE_EVENT_KINDS);
  const resolvedAt = new Map<string, number>();
  for (const r of replay.resolved) {
    const at = time(r.at);
    resolvedAt.set(r.id, Math.min(at, resolvedAt.get(r.id) ?? Infinity));
  }

  const alertsByKey = new Map<string, ScheduleAlert[]>();
  for (const alert of truth.scheduleAlerts) {
    const key = keyOf(alert.stream, alert.condition);
    alertsByKey.set(key, [...(alertsByKey.get(key) ?? []), alert]);
  }
  const claimed = new Map<ScheduleAlert, ReplayEvent[]>(truth.scheduleAlerts.map((a) => [a, []]));
  const falseEvents: ReplayEvent[] = [];
  const windows = new Map<string, Array<{ alert: ScheduleAlert; from: number; to: number }>>();
  for (const [key, alerts] of alertsByKey) {
    alerts.sort((a, b) => time(a.notBefore) - time(b.notBefore));
    let previousEnd = -Infinity;
    windows.set(
      key,
      alerts.map((alert) => {
        const period = periodMs(alert.stream);
        const from = Math.max(previousEnd, period === null ? -Infinity : time(alert.notBefore) - period);
        const to = alert.resolveBy === null ? Infinity : time(alert.resolveBy);
        previousEnd = to;
        return { alert, from, to };
      }),
    );
  }
  for (const event of [...events].sort((a, b) => time(a.createdAt) - time(b.createdAt))) {
    const at = time(event.createdAt);
    const window = event.stream === null ? undefined : windows.get(keyOf(event.stream, SCHEDULE_EVENT_KINDS[event.kind]!))?.find((w) => w.from <= at && at <= w.to);
    if (window) claimed.get(window.alert)!.push(event);
    else falseEvents.push(event);
  }

  const counts = { 'in time': 0, early: 0, late: 0, missed: 0 };
  let repeated = 0;
  let mustResolve = 0;
  let resolvedInTime = 0;
  let resolvedWrongly = 0;
  const problems: AlertProblem[] = [];
  const note = (p: AlertProblem) => {
    if (problems.length < problemLimit) problems.push(p);
  };
  for (const alert of truth.scheduleAlerts) {
    const mine = claimed.get(alert)!;
    const first = mine[0];
    const outcome: AlertOutcome =
      first === undefined ? 'missed' : time(first.createdAt) < time(alert.notBefore) ? 'early' : time(first.createdAt) > time(alert.raiseBy) ? 'late' : 'in time';
    counts[outcome]++;
    const base = { stream: alert.stream, condition: alert.condition };
    if (outcome !== 'in time') note({ ...base, problem: outcome, at: first?.createdAt ?? null });
    if (mine.length > 1) {
      repeated++;
      note({ ...base, problem: 'repeated', at: mine[1]!.createdAt });
    }
    const resolved = Math.min(...mine.map((e) => resolvedAt.get(e.id) ?? Infinity));
    if (alert.resolveBy === null) {
      if (resolved !== Infinity) {
        resolvedWrongly++;
        note({ ...base, problem: 'resolved wrongly', at: new Date(resolved).toISOString() });
      }
      continue;
    }
    mustResolve++;
    if (resolved <= time(alert.resolveBy)) resolvedInTime++;
    else if (first !== undefined) note({ ...base, problem: 'not resolved in time', at: resolved === Infinity ? null : new Date(resolved).toISOString() });
  }
  const quiet = new Set(truth.quietStreams.map((q) => q.stream));
  for (const event of falseEvents) note({ stream: event.stream ?? '(none)', condition: SCHEDULE_EVENT_KINDS[event.kind]!, problem: 'false', at: event.createdAt });

  const expected = truth.scheduleAlerts.length;
  return {
    events: events.length,
    expected,
    inTime: share(counts['in time'], expected),
    early: share(counts.early, expected),
    late: share(counts.late, expected),
    missed: share(counts.missed, expected),
    false: falseEvents.length,
    falseOnQuietStreams: falseEvents.filter((e) => e.stream !== null && quiet.has(e.stream)).length,
    repeated,
    resolvedInTime: share(resolvedInTime, mustResolve),
    resolvedWrongly,
    problems,
  };
}
