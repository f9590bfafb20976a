// Scheduled jobs whose mail carries :sched-…: tags (docs/schedules.md), and which alerts a
// reasonable implementation must raise for them. Most run like clockwork; some stop (and one
// resumes), some run late but within the grace period, one runs twice, one is new. The expected
// alerts are not written by hand: they are computed by sliding the window over the messages each
// stream really has, with the grace assumptions of docs/datasets.md.
import { bareos, cron, jenkins } from './formats/index.js';
import type { Draft, Planner } from './planner.js';
import type { Rng } from './prng.js';
import { server, type Server } from './topology.js';
import { tagging, type Period, type Schedule, type Severity } from './tagging.js';
import type { QuietStream, ScheduleAlert } from './truth.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const WINDOW: Record<Period, number> = { hour: HOUR, day: DAY, month: 30 * DAY };
/** The shortest grace a sensible implementation uses: irregularities shorter than this must stay quiet. */
export const MIN_GRACE: Record<Period, number> = { hour: 5 * MINUTE, day: HOUR, month: DAY };
/** The longest: an alert must be raised by the time the count has been out of range this long. */
export const MAX_GRACE: Record<Period, number> = { hour: 15 * MINUTE, day: 6 * HOUR, month: 3 * DAY };
/** Windows are evaluated at least every minute; this leaves room for that and a little more. */
export const EVALUATION_SLACK = 5 * MINUTE;

export interface PlannedStream {
  /** the scenario's name, for messages in errors */
  name: string;
  schedule: Schedule;
  messages: Draft[];
  /** when the scenario is meant to stay quiet, why */
  quiet: string | null;
}

export interface Interval {
  from: number;
  /** Infinity while still out of range */
  to: number;
  condition: 'missing' | 'excess';
}

/** When the count of messages in the sliding window (t − window, t] is outside [n − v, n + v]. */
export function outOfRange(times: readonly number[], schedule: Schedule): Interval[] {
  const w = WINDOW[schedule.period];
  const changes = new Map<number, number>();
  for (const t of times) {
    changes.set(t, (changes.get(t) ?? 0) + 1);
    changes.set(t + w, (changes.get(t + w) ?? 0) - 1);
  }
  const instants = [...changes.keys()].sort((a, b) => a - b);
  const out: Interval[] = [];
  let count = 0;
  for (const [i, t] of instants.entries()) {
    count += changes.get(t)!;
    const condition = count < schedule.n - schedule.v ? 'missing' : count > schedule.n + schedule.v ? 'excess' : null;
    if (!condition) continue;
    const to = instants[i + 1] ?? Infinity;
    const last = out[out.length - 1];
    if (last && last.condition === condition && last.to === t) last.to = to;
    else out.push({ from: t, to, condition });
  }
  return out;
}

/**
 * A stretch back in range shorter than the shortest grace is no resolution: the stretches on
 * either side of it, of the same condition, are one alert.
 */
function withoutShortDips(intervals: readonly Interval[], minGrace: number): Interval[] {
  const out: Interval[] = [];
  for (const interval of intervals) {
    const last = out[out.length - 1];
    if (last && last.condition === interval.condition && interval.from - last.to < minGrace) last.to = interval.to;
    else out.push({ ...interval });
  }
  return out;
}

export interface Findings {
  alerts: ScheduleAlert[];
  quiet: QuietStream[];
  /** out of range for longer than the shortest grace but shorter than the longest: no fair verdict */
  ambiguous: Array<{ stream: string; interval: Interval }>;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The alerts a stream must raise, given everything the corpus holds up to `horizon` (the last
 * message: a replay's clock goes no further). A new stream's first window never alerts.
 */
export function scheduleFindings(streams: readonly PlannedStream[], horizon: number): Findings {
  const findings: Findings = { alerts: [], quiet: [], ambiguous: [] };
  for (const s of streams) {
    if (s.messages.length === 0) continue;
    const key = s.messages[0]!.stream!;
    const times = s.messages.map((m) => m.at).sort((a, b) => a - b);
    const observedFrom = times[0]! + WINDOW[s.schedule.period];
    const period = s.schedule.period;
    let alerted = false;
    for (const interval of withoutShortDips(outOfRange(times, s.schedule), MIN_GRACE[period])) {
      if (interval.to <= observedFrom) continue;
      const from = Math.max(interval.from, observedFrom);
      if (from >= horizon) continue;
      const closed = interval.to <= horizon;
      const lasted = (closed ? interval.to : horizon) - from;
      if (closed && lasted < MIN_GRACE[period]) continue;
      if (!closed && lasted < MIN_GRACE[period] + EVALUATION_SLACK) continue;
      if (lasted >= MAX_GRACE[period] + EVALUATION_SLACK) {
        alerted = true;
        findings.alerts.push({
          stream: key,
          condition: interval.condition,
          notBefore: iso(from + MIN_GRACE[period]),
          raiseBy: iso(from + MAX_GRACE[period] + EVALUATION_SLACK),
          // Resolving takes the same patience as raising: back in range for the grace.
          resolveBy: closed ? iso(interval.to + MAX_GRACE[period] + EVALUATION_SLACK) : null,
        });
      } else {
        findings.ambiguous.push({ stream: key, interval: { ...interval, from } });
      }
    }
    if (s.quiet && !alerted) findings.quiet.push({ stream: key, why: s.quiet });
  }
  return findings;
}

// --- the scheduled jobs ----------------------------------------------------------------------

interface Job {
  name: string;
  schedule: Schedule;
  /** nominal run times */
  times: number[];
  quiet?: string;
  /** per run: extra flags */
  flags?: Map<number, Array<'late' | 'extra-run'>>;
}

function runs(start: number, end: number, every: number, offset: number, rng: Rng, jitter: number, from = start): number[] {
  const out: number[] = [];
  for (let t = start + offset; t < end; t += every) if (t >= from) out.push(t + rng.int(0, jitter));
  return out;
}

export function scheduledJobs(planner: Planner, rng: Rng, start: number, end: number): PlannedStream[] {
  const days = (end - start) / DAY;
  const streams: PlannedStream[] = [];
  const dayAt = (d: number, h: number) => start + d * DAY + h * HOUR;

  const add = (job: Job, draft: (at: number, i: number, flags: Array<'late' | 'extra-run'>) => Draft) => {
    const messages = job.times.map((at, i) => draft(at, i, job.flags?.get(i) ?? []));
    streams.push({ name: job.name, schedule: job.schedule, messages, quiet: job.quiet ?? null });
  };
  const tags = (severity: Severity, org: string, servers: Server[], schedule: Schedule, r: Rng) =>
    tagging({ severity, org, servers: servers.map((s) => s.fqdn), schedule, placement: 'body' }, r);

  // Nightly database backups (Bareos), one stream per database server.
  const daily1: Schedule = { period: 'day', n: 1, v: 0 };
  const db1 = server('db1');
  const db1Times = runs(start, end, DAY, HOUR + 40 * MINUTE, rng, 90);
  const lateDay = Math.floor(days / 2);
  const db1Flags = new Map<number, Array<'late'>>();
  if (days >= 3 && lateDay < db1Times.length) {
    db1Times[lateDay]! += 40 * MINUTE; // the backup took longer: the report comes 40 minutes late
    db1Flags.set(lateDay, ['late']);
  }
  let jobId = 1200;
  add({ name: 'backup db1', schedule: daily1, times: db1Times, flags: db1Flags, quiet: db1Flags.size ? 'late within grace' : undefined }, (at, _i, flags) =>
    planner.plan(bareos, rng, { at, host: db1, tags: tags('info', db1.org, [db1], daily1, rng), params: { client: 'db1-fd', level: 'Full', ok: true, jobId: ++jobId, fileset: 'PostgreSQL', size: rng.int(38, 44) }, flags: ['scheduled', ...flags] }),
  );

  // db2's backup job is disabled by mistake and never comes back: a missing alert that stays open.
  const db2 = server('db2');
  const stopDay = days >= 4 ? Math.floor(days * 0.6) : Infinity;
  const db2Times = runs(start, end, DAY, HOUR + 55 * MINUTE, rng, 90).filter((t) => t < dayAt(stopDay, 12));
  add({ name: 'backup db2 (stops)', schedule: daily1, times: db2Times }, (at) =>
    planner.plan(bareos, rng, { at, host: db2, tags: tags('info', db2.org, [db2], daily1, rng), params: { client: 'db2-fd', level: 'Full', ok: true, jobId: ++jobId, fileset: 'PostgreSQL', size: rng.int(38, 44) }, flags: ['scheduled'] }),
  );

  // The backup check (the README's example): a cron script twice a day about both databases.
  const twice: Schedule = { period: 'day', n: 2, v: 0 };
  const batch1 = server('batch1');
  const checkTimes = runs(start, end, 12 * HOUR, 6 * HOUR, rng, 60);
  add({ name: 'backup check', schedule: twice, times: checkTimes }, (at) => {
    const db2Late = at > dayAt(stopDay, 12) + DAY;
    const output = `db1: last backup ${Math.round((at - start) / HOUR) % 24}h ago, OK\ndb2: ${db2Late ? `last backup ${Math.round((at - dayAt(stopDay, 2)) / HOUR)}h ago, TOO OLD` : 'last backup OK'}\n`;
    return planner.plan(cron, rng, { at, host: batch1, tags: tags(db2Late ? 'critical' : 'info', 'datamer.data.db.olap', [db1, db2], twice, rng), params: { command: '/usr/local/bin/check-backups', output, subject: `backup check ${db2Late ? 'FAILED' : 'ok'} on ${batch1.fqdn}`, sender: `root@${batch1.fqdn}` }, flags: ['scheduled'] });
  });

  // Replication check on db3, hourly; its cron daemon hangs for three hours once, then recovers.
  const hourly1: Schedule = { period: 'hour', n: 1, v: 0 };
  const db3 = server('db3');
  const hang = Math.floor(((end - start) / HOUR) * 0.4);
  const replTimes = runs(start, end, HOUR, 5 * MINUTE, rng, 40).filter((_t, i) => days < 1 || i < hang || i >= hang + 3);
  add({ name: 'replication check db3 (stops, resumes)', schedule: hourly1, times: replTimes }, (at) =>
    planner.plan(cron, rng, { at, host: db3, tags: tags('info', db3.org, [db3], hourly1, rng), params: { command: '/usr/local/bin/check-replication', output: `replica lag: ${rng.int(0, 900)} ms\nwal receiver: streaming\n` }, flags: ['scheduled'] }),
  );

  // Queue depth report, hourly from batch2 about queue1; once 3 minutes late.
  const queue1 = server('queue1');
  const batch2 = server('batch2');
  const queueTimes = runs(start, end, HOUR, 20 * MINUTE, rng, 30);
  const lateRun = Math.floor(queueTimes.length * 0.55);
  queueTimes[lateRun]! += 3 * MINUTE;
  add({ name: 'queue report', schedule: hourly1, times: queueTimes, flags: new Map([[lateRun, ['late']]]), quiet: 'late within grace' }, (at, _i, flags) =>
    planner.plan(cron, rng, { at, host: batch2, tags: tags('info', queue1.org, [queue1], hourly1, rng), params: { command: '/usr/local/bin/queue-report', output: `queue mse.incoming: ${rng.int(0, 3000)} messages\nqueue mse.classify: ${rng.int(0, 300)} messages\n`, subject: `queue report ${queue1.fqdn}`, sender: `root@${batch2.fqdn}` }, flags: ['scheduled', ...flags] }),
  );

  // HAProxy backend report every 30 minutes about both balancers: 2 an hour, give or take one.
  const halfHourly: Schedule = { period: 'hour', n: 2, v: 1 };
  const lb1 = server('lb1');
  const lb2 = server('lb2');
  add({ name: 'haproxy report', schedule: halfHourly, times: runs(start, end, 30 * MINUTE, 2 * MINUTE, rng, 20) }, (at) =>
    planner.plan(cron, rng, { at, host: lb1, tags: tags('info', lb1.org, [lb1, lb2], halfHourly, rng), params: { command: '/usr/local/bin/haproxy-report', output: `backend web_service1: ${rng.int(2, 3)}/3 UP\nbackend web_service2: 3/3 UP\nsessions: ${rng.int(100, 4000)}\n`, subject: `haproxy backends on ${lb1.fqdn}`, sender: `haproxy@${lb1.fqdn}` }, flags: ['scheduled'] }),
  );

  // The nightly build; once someone re-runs it by hand two hours later: an excess alert.
  const ci1 = server('ci1');
  const nightly = runs(start, end, DAY, 3 * HOUR + 20 * MINUTE, rng, 120);
  const rerunDay = Math.min(Math.max(1, Math.floor(days * 0.7)), nightly.length - 1);
  const flags = new Map<number, Array<'extra-run'>>();
  if (rerunDay >= 1) {
    nightly.splice(rerunDay + 1, 0, nightly[rerunDay]! + 2 * HOUR + 10 * MINUTE);
    flags.set(rerunDay + 1, ['extra-run']);
  }
  let build = 4100;
  add({ name: 'nightly build', schedule: daily1, times: nightly, flags }, (at, _i, f) => {
    const result = rng.chance(0.85) ? ('success' as const) : ('failure' as const);
    return planner.plan(jenkins, rng, { at, host: ci1, tags: tags(result === 'success' ? 'info' : 'critical', 'datamer.logic.mse.organizer.standard', [ci1], daily1, rng), params: { job: 'datamer-nightly', build: ++build, result, author: 'jenkins', change: 'Started by timer' }, flags: ['scheduled', ...f] });
  });

  // A new export job on ml1, twice a day from a third of the way in: its first window must not alert.
  const ml1 = server('ml1');
  const newFrom = start + Math.max(1, Math.round(days * 0.3)) * DAY;
  add({ name: 'ml export (new)', schedule: twice, times: runs(start, end, 12 * HOUR, 6 * HOUR + 30 * MINUTE, rng, 60, newFrom), quiet: 'new stream, first window' }, (at) =>
    planner.plan(cron, rng, { at, host: ml1, tags: tags('info', ml1.org, [ml1, db3], twice, rng), params: { command: '/opt/ml/bin/export-features', output: `exported ${rng.int(10000, 90000)} feature rows to db3\n` }, flags: ['scheduled'] }),
  );

  // A monthly certificate audit (every 30 days): in a corpus shorter than a month, one report and
  // a first window that never ends.
  const monthly: Schedule = { period: 'month', n: 1, v: 0 };
  const mail1 = server('mail1');
  const audits = runs(start, end, WINDOW.month, 9 * HOUR + 15 * MINUTE, rng, 60);
  add({ name: 'certificate audit', schedule: monthly, times: audits, quiet: days <= 30 ? 'new stream, first window' : undefined }, (at) =>
    planner.plan(cron, rng, { at, host: mail1, tags: tags('info', mail1.org, [mail1], monthly, rng), params: { command: '/usr/local/bin/cert-audit', output: '14 certificates checked, none expires within 30 days\n', subject: 'monthly certificate audit', sender: `root@${mail1.fqdn}` }, flags: ['scheduled'] }),
  );

  return streams;
}
