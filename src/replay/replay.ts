// `datamer replay`: an mbox as if its messages had arrived live, in time order, on a fresh
// in-memory database, with a virtual clock set to each message's time before the pipeline
// receives it. Same pipeline as the SMTP address, so a replay answers "what would DaTamer have
// done with last month's mail?".
import { Op } from 'sequelize';
import type { Period } from '../classification/tags.js';
import { VirtualClock } from '../clock.js';
import { openDb } from '../db.js';
import type { Deps } from '../deps.js';
import type { GroupingSettings } from '../correlation/grouping.js';
import { silentLogger, type Logger } from '../log.js';
import { migrate } from '../migrate.js';
import { receive } from '../pipeline.js';
import { addTenant } from '../tenants/tenants.js';
import { rejectionOf } from '../ingest/admission.js';
import { evaluateDue } from '../schedules/tick.js';
import { DEFAULT_ALERTS } from '../notifications/defaults.js';
import { notify } from '../notifications/notify-run.js';
import { syncStreams } from '../schedules/streams.js';
import { SYSTEM_ACTOR } from '../events/events.js';
import { firstCopyOf, mergedLine, messageEventLine, messageLine, noticeLine, rejectedLine, resolvedLine, scheduleEventLine, type FirstCopy, type ReplayLine } from './lines.js';
import { applyStreamSettings, installTenantSetup, type TenantSetup } from './tenant-setup.js';
import { dateHeader, messageIdHeader, messageTimes, receivedHeaderDate, timeOrder, type TimeClues } from './message-time.js';

/** One message of the source, in source order. (An MboxMessage is one.) */
export interface ReplaySource {
  raw: Buffer;
  /** full size in bytes (raw may hold only the start of an oversized message) */
  size: number;
  /** the mbox From_ line's date, the fallback when the Date header does not parse */
  envelopeDate: Date | null;
}

/** Receives each line in order; may return a promise (back-pressure on stdout). */
export type LineWriter = (line: ReplayLine) => void | Promise<void>;

export interface ReplayOptions {
  /** the replay tenant's name; its address is <tenant>@replay.invalid */
  tenant?: string;
  /** a tenant's setup to replay with (tenant-setup.ts): then the replay tenant is that tenant */
  setup?: TenantSetup;
  /** the size limit, as DATAMER_SMTP_MAX_BYTES */
  maxBytes: number;
  /** schedule grace periods per period, as DATAMER_GRACE_*; default: the defaults */
  grace?: Record<Period, number>;
  /** grouping's settings where they differ from the defaults: `npm run score -- --ladder` switches signals on one by one */
  grouping?: Partial<GroupingSettings>;
  log?: Logger;
}

export interface ReplaySummary {
  messages: number;
  stored: number;
  duplicates: number;
  rejected: number;
}

interface Entry {
  index: number;
  raw: Buffer;
  rejection: string | null;
  messageId: string | null;
}

export const DEFAULT_REPLAY_TENANT = 'replay';

/** messages per pipeline call (one transaction) */
const BATCH = 200;

export async function replay(source: AsyncIterable<ReplaySource>, write: LineWriter, options: ReplayOptions): Promise<ReplaySummary> {
  // Date order needs every message first; the in-memory database will hold them all anyway.
  const entries: Entry[] = [];
  const clues: TimeClues[] = [];
  for await (const message of source) {
    const rejection = rejectionOf(message, options.maxBytes);
    entries.push({ index: entries.length, raw: rejection ? Buffer.alloc(0) : message.raw, rejection, messageId: messageIdHeader(message.raw) });
    clues.push({ receivedHeader: receivedHeaderDate(message.raw), dateHeader: dateHeader(message.raw), envelopeDate: message.envelopeDate });
  }
  const times = messageTimes(clues);
  const order = timeOrder(times);

  const summary: ReplaySummary = { messages: entries.length, stored: 0, duplicates: 0, rejected: 0 };
  const clock = new VirtualClock(order.length > 0 ? times[order[0]!]! : 0);
  const db = await openDb('sqlite::memory:');
  try {
    await migrate(db);
    const deps: Deps = { db, clock, log: options.log ?? silentLogger(), ...(options.grouping ? { grouping: options.grouping } : {}) };
    const name = options.setup?.name ?? options.tenant ?? DEFAULT_REPLAY_TENANT;
    const { tenant, mailbox } = options.setup
      ? await addTenant(deps, { name, displayName: options.setup.displayName, address: options.setup.address })
      : await addTenant(deps, { name, displayName: `Replay ${name}`, address: `${name}@replay.invalid` });
    if (options.setup) await installTenantSetup(deps, tenant.id, options.setup);
    const configured = new Set<string>();
    let lastNotice = 0;
    const firstCopies = new Map<number, FirstCopy>();

    // Messages go to the pipeline in batches, each with its own arrival time: one transaction per
    // batch instead of one per message. Lines still come out one message at a time, in order.
    let batch: Entry[] = [];
    /**
     * Gives the batch to the pipeline, then lets the schedule evaluator catch up to `until`, and
     * writes what happened in time order. The evaluator works at the exact instants a verdict
     * changes, counting only what had arrived by then, so batching never changes an alert's time.
     */
    /**
     * Who would have been told: the notifier runs as its job would (src/notifications/), and each
     * mail it queues is a notice line at the instant it would have gone out (its notices' due
     * time: the group wait after the change), so batching never moves it.
     */
    const emitNotices = async (lines: Array<{ at: number; line: ReplayLine }>) => {
      await notify(deps, { ...DEFAULT_ALERTS, replay: true });
      const notices = await db.models.OutboxMail.findAll({ where: { id: { [Op.gt]: lastNotice } }, order: [['id', 'ASC']] });
      for (const mail of notices) {
        const due = await db.models.Notice.max('dueAt', { where: { outboxId: mail.id } }) as Date | string | null;
        const at = due ? new Date(due) : mail.createdAt;
        lines.push({ at: at.getTime(), line: noticeLine({ ...mail.get({ plain: true }), createdAt: at }) });
      }
      lastNotice = notices.at(-1)?.id ?? lastNotice;
    };
    /** each message event's messages, in the order they came: printed at the end for those with more than one */
    const members = new Map<number, Array<{ at: number; id: string | null }>>();
    let lastMerge = 0;
    /** Events grouping merged (docs/correlation.md, "Events that merge"): a line each, and their messages go with them. */
    const emitMerges = async (lines: Array<{ at: number; line: ReplayLine }>) => {
      const merged = await db.models.Activity.findAll({ where: { id: { [Op.gt]: lastMerge }, action: 'merged-into', actor: SYSTEM_ACTOR }, order: [['id', 'ASC']] });
      for (const a of merged) {
        const into = Number((a.detail ?? {}).into);
        lines.push({ at: a.at.getTime(), line: mergedLine(a.eventId!, into, a.at, String((a.detail ?? {}).note ?? '')) });
        const moving = members.get(a.eventId!) ?? [];
        members.delete(a.eventId!);
        const of = members.get(into) ?? members.set(into, []).get(into)!;
        of.push(...moving);
        of.sort((x, y) => x.at - y.at);
      }
      lastMerge = merged.at(-1)?.id ?? lastMerge;
    };
    const flush = async (until: Date) => {
      clock.set(until);
      const lines: Array<{ at: number; line: ReplayLine }> = [];
      if (batch.length > 0) {
        const arrivals = batch.map((entry) => ({ tenantId: tenant.id, mailboxId: mailbox.id, raw: entry.raw, source: 'replay' as const, receivedAt: times[entry.index]! }));
        const results = await receive(deps, arrivals);
        for (const [i, entry] of batch.entries()) {
          entry.raw = Buffer.alloc(0); // stored now; let the memory go
          const received = results[i]!;
          const replayed = { index: entry.index, receivedAt: times[entry.index]!, messageIdHeader: entry.messageId, received };
          const at = replayed.receivedAt.getTime();
          lines.push({ at, line: messageLine(replayed, firstCopies) });
          if (received.duplicateOf === null) {
            firstCopies.set(received.messageId, firstCopyOf(replayed));
            summary.stored++;
            if (received.eventId !== null) {
              const of = members.get(received.eventId) ?? members.set(received.eventId, []).get(received.eventId)!;
              of.push({ at, id: entry.messageId });
              // A message that joined an event has its line; the event had its own when it opened.
              if (received.opened !== false) lines.push({ at, line: messageEventLine(received.eventId, replayed) });
            }
          } else {
            summary.duplicates++;
          }
        }
        batch = [];
        await emitMerges(lines);
      }
      await syncStreams(deps);
      if (options.setup) await applyStreamSettings(deps, tenant.id, options.setup.streams, configured);
      const tick = await evaluateDue(deps, until, options.grace);
      for (const raised of tick.raised) lines.push({ at: raised.at.getTime(), line: scheduleEventLine(raised) });
      for (const resolved of tick.resolved) lines.push({ at: resolved.at.getTime(), line: resolvedLine(resolved) });
      await emitNotices(lines);
      // Array.prototype.sort is stable: what happened at one instant keeps its order.
      lines.sort((a, b) => a.at - b.at);
      for (const { line } of lines) await write(line);
    };

    for (const position of order) {
      const entry = entries[position]!;
      if (entry.rejection) {
        await flush(times[position]!);
        summary.rejected++;
        await write(rejectedLine(entry.index, entry.rejection));
        continue;
      }
      batch.push(entry);
      if (batch.length === BATCH) await flush(times[position]!);
    }
    if (order.length > 0) {
      const last = times[order[order.length - 1]!]!;
      await flush(last);
      // What was still in its group wait when the mail ends would have gone out a moment later.
      clock.set(new Date(last.getTime() + DEFAULT_ALERTS.groupWaitMs));
      const lines: Array<{ at: number; line: ReplayLine }> = [];
      await emitNotices(lines);
      lines.sort((a, b) => a.at - b.at);
      for (const { line } of lines) await write(line);
      for (const [id, list] of members) if (list.length > 1) await write({ type: 'event-messages', id: String(id), messageIds: list.map((m) => m.id) });
    }
  } finally {
    await db.close();
  }
  return summary;
}
