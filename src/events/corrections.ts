// Engineers correcting the grouping (docs/correlation.md, "Correcting the grouping"): MERGE puts
// every message of one event into another, SPLIT takes one message out into an event of its own.
// Each correction is one transaction: the messages move (create.ts, the one writer of
// event_messages), both events change through the state machine with their activity rows
// (change.ts), and the correction is kept in event_corrections, whose one writer this is. Those
// rows say which messages moved from which event to which, who, how, when and why: the training
// data of a learned grouping, so they are written once and never changed. A correction holds
// the tenant's grouping lock (grouping-session.ts), so no arriving message is placed in an event
// while its messages move.
import type { Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import type { CorrectionKind, Event } from '../../models/index.js';
import { applyChange, stateOf } from './change.js';
import { splitMessageEvent } from './create.js';
import { eventIdOfMessage, findEvent } from './events.js';
import { groupingTransaction } from './grouping-session.js';
import { mergeInto, noteOf, type MergedBy } from './merge.js';
import { bothServers, highestSeverity } from './lifecycle.js';
import { retitleEvent } from './titles.js';

/** Who corrected the grouping (a user handle, or `cli:<login>`), how, and why in their words. */
export type CorrectedBy = MergedBy;

export interface Merged {
  /** the event merged away: completed, `mergedIntoId` set */
  from: Event;
  /** the event that took the messages in */
  into: Event;
  messageIds: number[];
  correctionId: number;
}

export interface Split {
  /** the event the message left */
  from: Event;
  /** the message's own event */
  into: Event;
  messageId: number;
  correctionId: number;
}

/** How an event stood before a correction, as the correction row keeps it. */
async function snapshot(deps: Deps, event: Event, transaction: Transaction): Promise<Record<string, unknown>> {
  const messages = await deps.db.models.EventMessage.count({ where: { tenantId: event.tenantId, eventId: event.id }, transaction });
  const { status, assigneeId, severity, org, servers } = stateOf(event);
  return { id: event.id, title: event.title, status, assigneeId, severity, org, servers, messages, createdAt: event.createdAt.toISOString() };
}

async function record(
  deps: Deps, kind: CorrectionKind, from: number, to: number, messageIds: number[], by: CorrectedBy, detail: Record<string, unknown>, at: Date, tenantId: number,
  transaction: Transaction,
): Promise<number> {
  const row = await deps.db.models.EventCorrection.create(
    { tenantId, kind, fromEventId: from, toEventId: to, messageIds, actor: by.actor, via: by.via, reason: by.reason, detail, at },
    { transaction },
  );
  return row.id;
}

/** Events of mail only: a schedule alert belongs to its stream, which resolves it by itself. */
function ofMessages(event: Event): void {
  if (event.kind !== 'message') throw new DatamerError('INPUT_INVALID', `event #${event.id} is a schedule alert, not mail: only events of messages are merged and split`);
}

/**
 * Every message of event `fromId` goes into event `intoId`. The target keeps its status and
 * assignee (or takes the merged event's assignee when it had none), takes the louder severity
 * and both events' servers, and its title is made again; the event merged away is completed,
 * "merged into #N", and takes no command any more. The notifier tells nobody anew
 * (src/notifications/notifier.ts), but for an assignee the target took: both events were news
 * already.
 */
export async function mergeEvents(deps: Deps, tenantId: number, fromId: number, intoId: number, by: CorrectedBy): Promise<Merged> {
  if (fromId === intoId) throw new DatamerError('INPUT_INVALID', `event #${fromId} cannot be merged into itself`);
  return groupingTransaction(deps, [tenantId], async (transaction) => {
    const from = await findEvent(deps, tenantId, fromId, transaction);
    const into = await findEvent(deps, tenantId, intoId, transaction);
    ofMessages(from);
    ofMessages(into);
    const at = deps.clock.now();
    const detail = { from: await snapshot(deps, from, transaction), into: await snapshot(deps, into, transaction) };
    const messageIds = await mergeInto(deps, tenantId, from, into, by, at, transaction);
    const correctionId = await record(deps, 'merge', from.id, into.id, messageIds, by, detail, at, tenantId, transaction);
    return { from: await from.reload({ transaction }), into: await into.reload({ transaction }), messageIds, correctionId };
  });
}

/**
 * Message `messageId` leaves event `eventId` for an event of its own, made as its event would
 * have been when it arrived, open (or completed, when the event it leaves is: correcting history
 * reopens nothing). The event it leaves takes the severity and servers of the messages it keeps.
 * The last message of an event cannot leave it.
 */
export async function splitMessage(deps: Deps, tenantId: number, eventId: number, messageId: number, by: CorrectedBy): Promise<Split> {
  return groupingTransaction(deps, [tenantId], async (transaction) => {
    const { Message, EventMessage } = deps.db.models;
    const from = await findEvent(deps, tenantId, eventId, transaction);
    ofMessages(from);
    const message = await Message.findOne({ where: { tenantId, id: messageId }, attributes: ['id', 'subject', 'severity', 'org', 'servers'], transaction });
    if (!message) throw new DatamerError('NOT_FOUND', `no message ${messageId}`);
    const its = await eventIdOfMessage(deps, tenantId, messageId, transaction);
    if (its !== from.id) throw new DatamerError('INPUT_INVALID', `message ${messageId} is not in event #${from.id}${its === null ? '' : ` (it is in #${its})`}`);
    const links = await EventMessage.findAll({ where: { tenantId, eventId: from.id }, attributes: ['messageId'], transaction });
    if (links.length <= 1) throw new DatamerError('CONFLICT', `message ${messageId} is the only message of event #${from.id}: there is nothing to split it from`);

    const at = deps.clock.now();
    const detail = { from: await snapshot(deps, from, transaction) };
    const kept = await Message.findAll({ where: { tenantId, id: links.map((l) => l.messageId).filter((id) => id !== messageId) }, attributes: ['severity', 'servers'], transaction });
    const severity = kept.reduce<string | null>((s, m) => highestSeverity(s, m.severity), null);
    const servers = kept.reduce<string[]>((s, m) => bothServers(s, m.servers ?? []), []);
    const into = await splitMessageEvent(deps, {
      tenantId, messageId, fromEventId: from.id, subject: message.subject, classification: { severity: message.severity, org: message.org, servers: message.servers ?? [] }, at,
    }, transaction);
    await applyChange(deps, from, { type: 'split-out', severity, servers }, by, { messageId, into: into.id, ...noteOf(by) }, at, transaction);
    await applyChange(deps, into, { type: 'split-from' }, by, { messageId, from: from.id, ...noteOf(by) }, at, transaction);
    if (from.status === 'completed') {
      await applyChange(deps, into, { type: 'complete', note: `split from #${from.id}, which was completed` }, by, (next) => ({ from: 'open', to: next.status, note: `split from #${from.id}, which was completed` }), at, transaction);
    }
    await retitleEvent(deps, tenantId, from.id, transaction);
    const correctionId = await record(deps, 'split', from.id, into.id, [messageId], by, detail, at, tenantId, transaction);
    return { from: await from.reload({ transaction }), into: await into.reload({ transaction }), messageId, correctionId };
  });
}
