// The one place events change (docs/architecture.md, Events). Every change, whoever asks (the
// CLI, an email command, a move in the shared mailbox, the schedule evaluator, a label, a
// reclassification), goes through the state machine (lifecycle.ts), is written only if the event
// is still as it was read (a conditional update), and leaves its activity row in the same
// transaction. Nothing else writes the events or activities tables after creation (create.ts).
import { Op, type Transaction } from 'sequelize';
import { within } from '../db.js';
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import type { Classification } from '../classification/classify.js';
import { findUser } from '../people/people.js';
import type { ActivityVia, Event } from '../../models/index.js';
import { SYSTEM_ACTOR, eventIdOfMessage, findEvent } from './events.js';
import { bothServers, highestSeverity, transition, type EventAction, type EventCommand, type EventState } from './lifecycle.js';

export interface ChangedBy {
  /** a user handle, or `datamer` */
  actor: string;
  via: ActivityVia;
}

type Detail = Record<string, unknown> | ((next: EventState) => Record<string, unknown>);

export interface Applied {
  event: Event;
  action: EventAction;
  /** the state before the change */
  before: EventState;
}

export const stateOf = (e: Event): EventState => ({
  status: e.status, assigneeId: e.assigneeId, assignedAt: e.assignedAt, firstAssignedAt: e.firstAssignedAt ?? null, completedAt: e.completedAt,
  severity: e.severity, org: e.org, servers: e.servers, triage: e.triage, mergedIntoId: e.mergedIntoId ?? null,
});

/**
 * Applies one command to an event read in `transaction`: refused with CONFLICT when the state
 * machine says no, or when someone changed the event since it was read. `detail` is what the
 * activity row says beside who, how and when (given the state after the change, if it needs it).
 */
export async function applyChange(
  deps: Deps, event: Event, command: EventCommand, by: ChangedBy, detail: Detail, at: Date, transaction: Transaction,
): Promise<Applied> {
  const before = stateOf(event);
  const result = transition(before, command, at);
  if (!result.ok) throw new DatamerError('CONFLICT', `event #${event.id} cannot be ${pastOf(command)}: ${result.reason}`);
  const changes = Object.fromEntries(Object.entries(result.next).filter(([k, v]) => before[k as keyof EventState] !== v));
  if (Object.keys(changes).length > 0) {
    const [changed] = await deps.db.models.Event.update(changes, {
      where: { tenantId: event.tenantId, id: event.id, status: before.status, assigneeId: before.assigneeId, severity: before.severity, org: before.org, mergedIntoId: before.mergedIntoId },
      transaction,
    });
    if (changed !== 1) throw new DatamerError('CONFLICT', `event #${event.id} was changed by someone else meanwhile; look again`, { permanent: false });
    event.set(changes);
  }
  const said = typeof detail === 'function' ? detail(result.next) : detail;
  await writeActivity(deps, { tenantId: event.tenantId, eventId: event.id, action: result.action, actor: by.actor, via: by.via, detail: said, at }, transaction);
  return { event, action: result.action, before };
}

const PAST: Record<EventCommand['type'], string> = {
  assign: 'assigned', unassign: 'unassigned', complete: 'completed', reopen: 'reopened',
  resolve: 'resolved', 'set-severity': 'given that severity', reclassify: 'reclassified', label: 'labelled',
  'merge-into': 'merged', 'merge-from': 'merged into', 'split-out': 'split', 'split-from': 'split',
};
const pastOf = (command: EventCommand) => PAST[command.type];

async function writeActivity(
  deps: Deps, row: { tenantId: number; eventId: number | null; action: string; actor: string; via: ActivityVia; detail: Record<string, unknown>; at: Date },
  transaction: Transaction,
): Promise<void> {
  await deps.db.models.Activity.create(row, { transaction });
}

/**
 * A change to something other than an event (a rule, a stream, a maintenance window, a mailbox,
 * a user or group), as the trail records it: who, how, when, what. No event, so the notifier and
 * the mailbox follower, which read the events' activity, pass it by.
 */
export interface SettingChange {
  /** `rule-edited`, `stream-muted`, `mailbox-added`… */
  action: string;
  detail: Record<string, unknown>;
}

/** The trail's line of a setting's change, in the transaction that makes the change. */
export async function recordChange(deps: Deps, tenantId: number, change: SettingChange, by: ChangedBy, transaction: Transaction): Promise<void> {
  await deps.db.models.Activity.create({ tenantId, eventId: null, action: change.action, actor: by.actor, via: by.via, detail: change.detail, at: deps.clock.now() }, { transaction });
}

/**
 * A change to a setting and its line in the trail, in one transaction (docs/web.md, Roles): both
 * commit, or neither does, so no change goes unrecorded and no line records a change
 * that did not happen. `change` makes it through the module that owns what it changes, passing
 * that module the transaction; `line` says what the trail records of the outcome (null: nothing
 * changed, no line).
 */
export async function changeWithTrail<T>(
  deps: Deps, tenantId: number, by: ChangedBy, change: (transaction: Transaction) => Promise<T>, line: (done: T) => SettingChange | null,
): Promise<T> {
  return deps.db.transaction(async (transaction) => {
    const done = await change(transaction);
    const said = line(done);
    if (said) await recordChange(deps, tenantId, said, by, transaction);
    return done;
  });
}

export interface ChangeRequest {
  command: 'assign' | 'unassign' | 'complete' | 'reopen';
  /** for assign */
  handle?: string;
  /** for complete */
  note?: string;
  /** who asks: a user handle, or `datamer` */
  actor: string;
  via: ActivityVia;
}

/**
 * What an engineer asks of an event (CLI, email command, mailbox move): checked by the state
 * machine, written only if nobody changed the event meanwhile, and logged. The notifier reads the
 * log and tells the assignee (src/notifications/notifier.ts).
 */
export async function changeEvent(deps: Deps, tenantId: number, eventId: number, request: ChangeRequest, outer?: Transaction): Promise<Event> {
  const assignee = request.command === 'assign' ? await findUser(deps, tenantId, request.handle ?? '', outer) : null;
  const command: EventCommand =
    request.command === 'assign' ? { type: 'assign', userId: assignee!.id }
    : request.command === 'complete' ? { type: 'complete', ...(request.note ? { note: request.note } : {}) }
    : { type: request.command };

  return within(deps.db, outer, async (transaction) => {
    const read = await findEvent(deps, tenantId, eventId, transaction);
    const from = read.status;
    const detail = (next: EventState) => ({
      from, to: next.status, ...(assignee ? { assignee: assignee.handle } : {}), ...(request.note ? { note: request.note } : {}),
    });
    const { event } = await applyChange(deps, read, command, request, detail, deps.clock.now(), transaction);
    return event.reload({ transaction });
  });
}

/** A schedule alert whose count is back in range resolves itself, whoever was on it. */
export async function resolveScheduleAlert(deps: Deps, tenantId: number, eventId: number, count: number, at: Date, transaction: Transaction): Promise<Event | null> {
  const event = await deps.db.models.Event.findOne({ where: { tenantId, id: eventId }, transaction });
  if (!event) return null;
  const by = { actor: SYSTEM_ACTOR, via: 'system' as const };
  return (await applyChange(deps, event, { type: 'resolve' }, by, { count, note: 'the count is back in range' }, at, transaction)).event;
}

/** A new severity for an open event (a stream's missing alerts made louder or quieter); a completed one keeps its own. */
export async function setEventSeverity(deps: Deps, tenantId: number, eventId: number, severity: string, by: ChangedBy, transaction: Transaction): Promise<void> {
  const event = await deps.db.models.Event.findOne({ where: { tenantId, id: eventId }, transaction });
  if (!event || event.status === 'completed' || event.severity === severity) return;
  await applyChange(deps, event, { type: 'set-severity', severity }, by, { from: event.severity, to: severity }, deps.clock.now(), transaction);
}

/** Completes an event that is still open or assigned (a deleted stream's alerts); false when it already was. */
export async function completeIfOpen(deps: Deps, tenantId: number, eventId: number, note: string, by: ChangedBy, transaction: Transaction): Promise<boolean> {
  const event = await deps.db.models.Event.findOne({ where: { tenantId, id: eventId }, transaction });
  if (!event || event.status === 'completed') return false;
  const from = event.status;
  await applyChange(deps, event, { type: 'complete', note }, by, (next) => ({ from, to: next.status, note }), deps.clock.now(), transaction);
  return true;
}

/**
 * An event's title, derived from its messages (docs/correlation.md, "The event's title"): written
 * here, as every change to an event is, but without an activity row. It says what the messages
 * say, nobody decided it, and a storm would otherwise log a line per host; the memberships record
 * each message's arrival already. Everything that shows the event (the site, `datamer event
 * show`, alerts, digests) reads the title from the event when it shows it.
 */
export async function setEventTitle(deps: Deps, tenantId: number, eventId: number, title: string, transaction: Transaction): Promise<boolean> {
  const [changed] = await deps.db.models.Event.update({ title }, { where: { tenantId, id: eventId, kind: 'message', title: { [Op.ne]: title } }, transaction });
  return changed === 1;
}

/** Keeps a one-message event in step when its message is classified again; logged when something changed. */
export async function reclassifyMessageEvent(deps: Deps, tenantId: number, messageId: number, c: Classification, transaction: Transaction): Promise<void> {
  const eventId = await eventIdOfMessage(deps, tenantId, messageId, transaction);
  const event = eventId === null ? null : await deps.db.models.Event.findOne({ where: { tenantId, id: eventId, kind: 'message' }, transaction });
  if (!event) return;
  // An event of several messages (docs/correlation.md, Grouping) is not one message's to restate.
  if ((await deps.db.models.EventMessage.count({ where: { tenantId, eventId: event.id }, transaction })) > 1) return;
  const command: EventCommand = { type: 'reclassify', severity: c.severity, org: c.org, servers: c.servers };
  if (!transition(stateOf(event), command, deps.clock.now()).ok) return;
  const detail = { messageId, from: { severity: event.severity, org: event.org }, to: { severity: c.severity, org: c.org } };
  await applyChange(deps, event, command, { actor: SYSTEM_ACTOR, via: 'system' }, detail, deps.clock.now(), transaction);
}

/**
 * An engineer filed a message under an org: its event takes the message's new classification,
 * and the label is logged (on the event, or on no event for a message that has none yet). An
 * event of several messages takes the org, and stays as loud as its loudest message, with the
 * servers of all (its other messages follow into that org's folder: docs/mailbox.md).
 */
export async function labelMessageEvent(
  deps: Deps, tenantId: number, messageId: number, c: Pick<Classification, 'severity' | 'org' | 'servers'>, by: ChangedBy, detail: Record<string, unknown>, transaction: Transaction,
): Promise<void> {
  const at = deps.clock.now();
  const eventId = await eventIdOfMessage(deps, tenantId, messageId, transaction);
  const event = eventId === null ? null : await deps.db.models.Event.findOne({ where: { tenantId, id: eventId }, transaction });
  if (event?.kind === 'message') {
    const several = (await deps.db.models.EventMessage.count({ where: { tenantId, eventId: event.id }, transaction })) > 1;
    const label: EventCommand = several
      ? { type: 'label', severity: highestSeverity(event.severity, c.severity), org: c.org, servers: bothServers(event.servers, c.servers) }
      : { type: 'label', severity: c.severity, org: c.org, servers: c.servers };
    await applyChange(deps, event, label, by, detail, at, transaction);
    return;
  }
  await writeActivity(deps, { tenantId, eventId, action: 'labelled', ...by, detail, at }, transaction);
}
