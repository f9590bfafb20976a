// The labelled corpus: a pure, deterministic function of its options. The same options always
// give the same mbox bytes and the same truth (docs/datasets.md).
import { hostileMail, redeliveries } from './hostile.js';
import { incidents, type PlannedIncident } from './incidents.js';
import { mboxEntry } from './mime.js';
import { Planner, type Draft } from './planner.js';
import { Rng } from './prng.js';
import { routineTraffic } from './routine.js';
import { SourceSpans } from './sources.js';
import { scheduledJobs, scheduleFindings, type Findings } from './schedules.js';
import type { Truth, TruthMessage } from './truth.js';

export interface DatasetOptions {
  seed: number;
  days: number;
  /** multiplies the routine traffic */
  scale: number;
  /** the first instant scored (default 2026-11-01T00:00:00Z) */
  start?: string;
  /**
   * days of mail before `start`, replayed but not scored: a tenant that has run that long
   * (rates and what was learned need history). Its incidents are its own (`hist-inc-N`); the
   * scored days' incidents are the same as without history.
   */
  historyDays?: number;
}

export const DEFAULT_START = '2026-11-01T00:00:00.000Z';

export interface Corpus {
  truth: Truth;
  /** the mbox, one entry (From_ line, message, blank line) at a time, in mbox order */
  entries(): Generator<Buffer>;
  /** the whole mbox in memory (tests, small corpora) */
  mbox(): Buffer;
  /** schedule verdicts the generator could not make fairly (should be none; tests check) */
  ambiguous: Findings['ambiguous'];
}

/** How far a message may drift from its Date position in the mbox (mailbox exports are only roughly in order). */
const SHUFFLE_SPAN = 12;
/** share of ordinary mail that is delivered twice */
const REDELIVERED = 0.006;
const DAY = 24 * 3600_000;

export function generateCorpus(options: DatasetOptions): Corpus {
  const start = Date.parse(options.start ?? DEFAULT_START);
  if (Number.isNaN(start)) throw new Error(`the start "${options.start}" is not a date (use ISO 8601, e.g. ${DEFAULT_START})`);
  if (!(options.days > 0)) throw new Error('days must be more than 0');
  if (!(options.scale > 0)) throw new Error('scale must be more than 0');
  const historyDays = options.historyDays ?? 0;
  if (!(historyDays >= 0)) throw new Error('history days must be 0 or more');
  const end = start + options.days * DAY;
  const first = start - historyDays * DAY;
  const rng = new Rng(options.seed);
  const planner = new Planner(rng.fork('render'));

  // Incidents first: the routine problems keep off the checks they report on (sources.ts).
  const planned = incidents(planner, rng.fork('incidents'), start, end);
  const history = historyDays > 0 ? incidents(planner, rng.fork('history-incidents'), first, start, 'hist-inc') : [];
  routineTraffic(planner, rng.fork('routine'), first, end, options.scale, incidentSpans([...history, ...planned]));
  const streams = scheduledJobs(planner, rng.fork('schedules'), first, end);
  hostileMail(planner, rng.fork('hostile'), first, end);
  const ordinary = planner.drafts.filter((d) => !d.stream && !d.flags.includes('hostile'));
  redeliveries(planner, rng.fork('redeliveries'), ordinary, REDELIVERED);

  const order = mboxOrder(planner.drafts, rng.fork('order'));
  const index = new Map<Draft, number>(order.map((d, i) => [d, i]));
  const horizon = order.reduce((max, d) => Math.max(max, d.at), first);
  const findings = scheduleFindings(streams, horizon);

  const messages: TruthMessage[] = order.map((d, i) => ({
    index: i,
    messageId: d.messageId,
    at: new Date(d.at).toISOString(),
    tool: d.tool,
    expected: d.expected,
    tagWarnings: d.tagWarnings,
    incident: d.incident,
    problem: d.problem,
    stream: d.stream,
    duplicateOf: d.original ? index.get(d.original)! : null,
    rejected: d.rejected,
    flags: d.flags,
  }));
  const byIncident = new Map<string, Draft[]>();
  const byProblem = new Map<string, Draft[]>();
  for (const d of order) {
    if (d.incident) (byIncident.get(d.incident) ?? byIncident.set(d.incident, []).get(d.incident)!).push(d);
    if (d.problem && !d.original) (byProblem.get(d.problem) ?? byProblem.set(d.problem, []).get(d.problem)!).push(d);
  }
  const truth: Truth = {
    version: 1,
    seed: options.seed,
    days: options.days,
    scale: options.scale,
    start: new Date(first).toISOString(),
    end: new Date(end).toISOString(),
    historyDays,
    scoredFrom: historyDays > 0 ? new Date(start).toISOString() : null,
    messages,
    incidents: [...history, ...planned].map((inc) => {
      const all = byIncident.get(inc.id) ?? [];
      const times = all.map((d) => d.at);
      return { id: inc.id, kind: inc.kind, start: new Date(Math.min(...times)).toISOString(), end: new Date(Math.max(...times)).toISOString(), root: inc.root, messages: all.map((d) => index.get(d)!).sort((a, b) => a - b) };
    }),
    problems: [...byProblem.entries()].map(([id, drafts]) => {
      const sorted = [...drafts].sort((a, b) => a.at - b.at);
      return {
        id,
        sources: sorted[0]!.sources,
        start: new Date(sorted[0]!.at).toISOString(),
        end: new Date(sorted[sorted.length - 1]!.at).toISOString(),
        recovered: sorted.some((d) => d.flags.includes('recovery')),
        messages: drafts.map((d) => index.get(d)!).sort((a, b) => a - b),
      };
    }).sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id)),
    scheduleAlerts: findings.alerts,
    quietStreams: findings.quiet,
  };

  function* entries(): Generator<Buffer> {
    for (const d of order) yield mboxEntry(d.sender, d.at, d.render());
  }
  return { truth, entries, mbox: () => Buffer.concat([...entries()]), ambiguous: findings.ambiguous };
}

/** Some time either side of an incident's mail on a check, kept free of routine problems of that check. */
const AROUND_INCIDENT = 30 * 60_000;

/**
 * The checks each incident reports on, from its first to its last message about each: a check
 * down in the background when an incident hits it would be one ongoing problem in any mailbox
 * (its tool sends no fresh PROBLEM), so the background leaves it alone then (docs/datasets.md).
 */
function incidentSpans(planned: readonly PlannedIncident[]): SourceSpans {
  const spans = new SourceSpans();
  for (const inc of planned) {
    const bySource = new Map<string, number[]>();
    for (const d of inc.messages) for (const s of d.sources) (bySource.get(s) ?? bySource.set(s, []).get(s)!).push(d.at);
    for (const [source, times] of bySource) spans.take([source], Math.min(...times) - AROUND_INCIDENT, Math.max(...times) + AROUND_INCIDENT);
  }
  return spans;
}

/**
 * Date order, lightly shuffled: each message moves a few places, as in a mailbox export. A
 * re-delivery always comes after its first copy (it has the same Date, so a replay's stable
 * sort keeps them in this order and the first copy is the one stored).
 */
function mboxOrder(drafts: readonly Draft[], rng: Rng): Draft[] {
  const byDate = drafts.map((d, i) => ({ d, i })).filter((x) => !x.d.original).sort((a, b) => a.d.at - b.d.at || a.i - b.i);
  const key = new Map<Draft, number>();
  byDate.forEach(({ d }, rank) => key.set(d, rank + rng.next() * SHUFFLE_SPAN));
  for (const d of drafts) if (d.original) key.set(d, key.get(d.original)! + 0.001 + rng.next() * SHUFFLE_SPAN);
  return drafts.map((d, i) => ({ d, i, k: key.get(d)! })).sort((a, b) => a.k - b.k || a.i - b.i).map((x) => x.d);
}
