// One evaluation pass: every stream that is due (next_check_at ≤ now) is evaluated at the exact
// instants its verdict can change, up to now, so an alert is raised when its grace ended, not when
// the job happened to run. Only due streams are read: never a scan of all streams or messages.
// Safe in several processes at once: a stream's new verdict is written only if its next_check_at
// is still the one this pass read.
import { Op, type Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { resolveScheduleAlert } from '../events/change.js';
import { createScheduleAlert } from '../events/create.js';
import type { Period } from '../classification/tags.js';
import type { Event, Stream } from '../../models/index.js';
import { DEFAULT_GRACE_MS, WINDOW_MS, evaluate, type Condition, type Evaluation } from './evaluate.js';
import { coversStream, historySpan, quietUntilAt, windowsFor, type MaintenanceSpan } from './maintenance.js';

export interface Raised {
  eventId: number;
  condition: Condition;
  stream: string;
  at: Date;
  severity: string;
  org: string | null;
  messageIds: Array<string | null>;
}

export interface Resolved {
  eventId: number;
  stream: string;
  at: Date;
}

export interface TickReport {
  evaluated: number;
  raised: Raised[];
  resolved: Resolved[];
}

const BATCH = 500;
/** a stream is re-evaluated at most this many times in one pass (catching up after a pause) */
const MAX_STEPS = 10_000;

/** A stream's own grace, else its period's (configured, else the default). */
export const graceOf = (s: Pick<Stream, 'graceMs' | 'period'>, grace: Record<Period, number> = DEFAULT_GRACE_MS) => s.graceMs ?? grace[s.period];

export async function evaluateDue(deps: Deps, now: Date = deps.clock.now(), grace: Record<Period, number> = DEFAULT_GRACE_MS): Promise<TickReport> {
  const report: TickReport = { evaluated: 0, raised: [], resolved: [] };
  let afterId = 0;
  for (;;) {
    const due = await deps.db.models.Stream.findAll({
      where: { nextCheckAt: { [Op.lte]: now }, id: { [Op.gt]: afterId } },
      order: [['id', 'ASC']],
      limit: BATCH,
    });
    if (due.length === 0) return report;
    // Maintenance windows are few: read once per batch, those that can still quiet a stream.
    const earliest = new Date(Math.min(...due.map((s) => s.nextCheckAt.getTime())));
    const windows = await windowsFor(deps, due.map((s) => s.tenantId), earliest, now);
    for (const stream of due) {
      afterId = stream.id;
      const spans = [...(windows.get(stream.tenantId) ?? []).filter((w) => coversStream(w.scope, stream)), ...historySpan(stream)];
      await evaluateStream(deps, stream, now, report, spans, grace);
    }
  }
}

async function evaluateStream(
  deps: Deps, stream: Stream, now: Date, report: TickReport, maintenance: readonly MaintenanceSpan[], grace: Record<Period, number>,
): Promise<void> {
  const { Message } = deps.db.models;
  const window = WINDOW_MS[stream.period];
  const arrivals = await Message.findAll({
    where: { tenantId: stream.tenantId, streamKey: stream.key, receivedAt: { [Op.gt]: new Date(stream.nextCheckAt.getTime() - 2 * window - graceOf(stream, grace)), [Op.lte]: now } },
    attributes: ['id', 'receivedAt', 'messageIdHeader'],
    order: [['receivedAt', 'ASC']],
  });
  const times = arrivals.map((m) => m.receivedAt);
  const readNextCheck = stream.nextCheckAt;

  // Step through the instants the verdict can change, up to now.
  let at = stream.nextCheckAt;
  let open = { missing: stream.missingEventId !== null, excess: stream.excessEventId !== null };
  const steps: Array<{ at: Date; e: Evaluation }> = [];
  let e: Evaluation;
  let next: Date;
  for (let i = 0; ; i++) {
    const facts = {
      schedule: { period: stream.period, n: stream.n, v: stream.v }, firstSeenAt: stream.firstSeenAt, muted: stream.muted, graceMs: graceOf(stream, grace), open,
      quietUntil: quietUntilAt(maintenance, window, at),
    };
    e = evaluate(facts, times, at);
    if (e.raise.length || e.resolve.length) steps.push({ at, e });
    open = { missing: (open.missing && !e.resolve.includes('missing')) || e.raise.includes('missing'), excess: (open.excess && !e.resolve.includes('excess')) || e.raise.includes('excess') };
    // The next instant to look: when the verdict can change by itself, or the next arrival.
    const arrival = times.find((t) => t > at);
    next = arrival && arrival < e.nextCheckAt ? arrival : e.nextCheckAt;
    if (next > now || i >= MAX_STEPS) break;
    at = next;
  }
  report.evaluated++;

  await deps.db.transaction(async (transaction) => {
    const ids = { missing: stream.missingEventId, excess: stream.excessEventId };
    for (const { at: when, e: step } of steps) {
      for (const condition of step.resolve) {
        const eventId = ids[condition];
        if (eventId !== null) {
          await resolveAlert(deps, stream, eventId, step.count, when, transaction);
          report.resolved.push({ eventId, stream: stream.key, at: when });
        }
        ids[condition] = null;
      }
      for (const condition of step.raise) {
        const inWindow = arrivals.filter((m) => m.receivedAt.getTime() > when.getTime() - window && m.receivedAt <= when);
        const event = await raiseAlert(deps, stream, condition, step, inWindow, when, transaction);
        ids[condition] = event.id;
        report.raised.push({
          eventId: event.id, condition, stream: stream.key, at: when, severity: event.severity ?? 'warn', org: stream.org,
          messageIds: inWindow.map((m) => m.messageIdHeader),
        });
      }
    }
    const [claimed] = await deps.db.models.Stream.update(
      { state: e.state, count: e.count, nextCheckAt: next, missingEventId: ids.missing, excessEventId: ids.excess },
      { where: { id: stream.id, nextCheckAt: readNextCheck }, transaction },
    );
    // Another process evaluated it meanwhile: its verdict stands, ours is dropped with the transaction.
    if (claimed !== 1) throw new StaleStream();
  }).catch((err) => {
    if (!(err instanceof StaleStream)) throw err;
    report.raised = report.raised.filter((r) => r.stream !== stream.key);
    report.resolved = report.resolved.filter((r) => r.stream !== stream.key);
  });
}

class StaleStream extends Error {}

const streamName = (s: Stream) => s.label ?? s.key;
const per = { hour: 'an hour', day: '24 hours', month: '30 days' } as const;

async function raiseAlert(
  deps: Deps, stream: Stream, condition: Condition, e: Evaluation,
  inWindow: Array<{ id: number; receivedAt: Date }>, at: Date, transaction: Transaction,
): Promise<Event> {
  const expected = `${stream.n}${stream.v ? ` ± ${stream.v}` : ''} in ${per[stream.period]}`;
  const title = condition === 'missing'
    ? `Missing: ${streamName(stream)}: ${e.count} of ${expected}`
    : `Too many: ${streamName(stream)}: ${e.count}, expected ${expected}`;
  const last = inWindow[inWindow.length - 1] ?? null;
  const event = await createScheduleAlert(
    deps,
    {
      tenantId: stream.tenantId, kind: condition === 'missing' ? 'schedule-missing' : 'schedule-excess', title,
      severity: condition === 'missing' ? stream.missingSeverity : 'warn', org: stream.org, servers: stream.servers, streamId: stream.id,
      detail: {
        stream: stream.key, expected: { n: stream.n, v: stream.v, period: stream.period }, count: e.count,
        outSince: e.outSince[condition]?.toISOString() ?? null, lastSeenAt: stream.lastSeenAt.toISOString(),
        messageIds: inWindow.map((m) => m.id), lastMessageId: last?.id ?? null,
      },
      at,
    },
    transaction,
  );
  return event;
}

async function resolveAlert(deps: Deps, stream: Stream, eventId: number, count: number, at: Date, transaction: Transaction): Promise<void> {
  // The count is back in range: the alert resolves itself, whoever was on it.
  await resolveScheduleAlert(deps, stream.tenantId, eventId, count, at, transaction);
}
