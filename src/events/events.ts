// WHAT DO WE ACT ON. Until correlation lands, every stored message makes one event. Every
// change goes through the pure state machine in lifecycle.ts and leaves an activity row.
import { Op, type Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import type { Classification } from '../classification/classify.js';
import { enqueueMail } from '../notifications/outbox.js';
import { renderMail } from '../notifications/templates.js';
import { findUser } from '../people/people.js';
import { smtpMailboxOf } from '../tenants/tenants.js';
import type { ActivityVia, Event, User } from '../../models/index.js';
import { replyAddressFor, subjectTag } from '../commands/tokens.js';
import type { EventAttributes } from '../../models/event.js';
import { transition, type EventCommand } from './lifecycle.js';

export const SYSTEM_ACTOR = 'datamer';

/** Inserts on the ingest path write and return only the id: no hooks, no model validation. */
const LEAN = { hooks: false, validate: false } as const;

export interface NewMessageEvent {
  tenantId: number;
  messageId: number;
  subject: string | null;
  classification: Classification;
  at: Date;
}

/** The row of a new message's event: what the event of a message says about itself. */
export function messageEventRow(input: Omit<NewMessageEvent, 'messageId'>): Omit<EventAttributes, 'id'> {
  const { classification: c } = input;
  return {
    tenantId: input.tenantId,
    kind: 'message',
    status: 'open',
    title: input.subject?.trim() || '(no subject)',
    severity: c.severity,
    org: c.org,
    servers: c.servers,
    // No org: nobody subscribes to it, so the tenant's triage group must look at it.
    triage: c.org === null,
    assigneeId: null,
    createdAt: input.at,
    assignedAt: null,
    completedAt: null,
    streamId: null,
    detail: null,
  };
}

/**
 * The event of a newly stored message, in the caller's transaction. No activity row for the
 * creation itself: the event's createdAt and its message say it, and this runs for every
 * message before the SMTP 250.
 */
export async function createMessageEvent(deps: Deps, input: NewMessageEvent, transaction: Transaction): Promise<Event> {
  const { Event, EventMessage } = deps.db.models;
  const event = await Event.create(messageEventRow(input), { transaction, returning: ['id'], ...LEAN });
  await EventMessage.create({ tenantId: input.tenantId, eventId: event.id, messageId: input.messageId, createdAt: input.at }, { transaction, ...LEAN });
  return event;
}

/** Keeps a one-message event in step when its message is classified again. */
export async function reclassifyMessageEvent(deps: Deps, tenantId: number, messageId: number, c: Classification, transaction: Transaction): Promise<void> {
  const link = await deps.db.models.EventMessage.findOne({ where: { tenantId, messageId }, transaction });
  if (!link) return;
  await deps.db.models.Event.update(
    { severity: c.severity, org: c.org, servers: c.servers, triage: c.org === null },
    { where: { tenantId, id: link.eventId, kind: 'message' }, transaction },
  );
}

export async function eventIdOfMessage(deps: Deps, tenantId: number, messageId: number, transaction?: Transaction): Promise<number | null> {
  const link = await deps.db.models.EventMessage.findOne({ where: { tenantId, messageId }, attributes: ['eventId'], transaction });
  return link?.eventId ?? null;
}

export async function findEvent(deps: Deps, tenantId: number, id: number, transaction?: Transaction): Promise<Event> {
  const event = await deps.db.models.Event.findOne({ where: { tenantId, id }, transaction });
  if (!event) throw new DatamerError('NOT_FOUND', `no event #${id}`);
  return event;
}

export function listEvents(deps: Deps, tenantId: number, options: { open?: boolean; limit?: number } = {}): Promise<Event[]> {
  return deps.db.models.Event.findAll({
    where: { tenantId, ...(options.open ? { status: { [Op.ne]: 'completed' } } : {}) },
    order: [['createdAt', 'DESC'], ['id', 'DESC']],
    limit: options.limit ?? 100,
  });
}

const DONE = { assign: 'assigned', unassign: 'unassigned', complete: 'completed', reopen: 'reopened' } as const;

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
 * Applies a change to an event: checked by the state machine, written only if nobody changed the
 * event meanwhile, logged, and (for assignments) announced to the assignee by mail.
 */
export async function changeEvent(deps: Deps, tenantId: number, eventId: number, request: ChangeRequest): Promise<Event> {
  const assignee = request.command === 'assign' ? await findUser(deps, tenantId, request.handle ?? '') : null;
  const command: EventCommand =
    request.command === 'assign' ? { type: 'assign', userId: assignee!.id }
    : request.command === 'complete' ? { type: 'complete', ...(request.note ? { note: request.note } : {}) }
    : { type: request.command };

  const { Event, Activity } = deps.db.models;
  return deps.db.transaction(async (transaction) => {
    const event = await findEvent(deps, tenantId, eventId, transaction);
    const at = deps.clock.now();
    const state = { status: event.status, assigneeId: event.assigneeId, assignedAt: event.assignedAt, completedAt: event.completedAt };
    const result = transition(state, command, at);
    if (!result.ok) throw new DatamerError('CONFLICT', `event #${eventId} cannot be ${DONE[request.command]}: ${result.reason}`);
    const [changed] = await Event.update(result.next, {
      where: { tenantId, id: eventId, status: event.status, assigneeId: event.assigneeId },
      transaction,
    });
    if (changed !== 1) throw new DatamerError('CONFLICT', `event #${eventId} was changed by someone else meanwhile; look again`, { permanent: false });
    await Activity.create(
      {
        tenantId,
        eventId,
        action: result.action,
        actor: request.actor,
        via: request.via,
        detail: {
          from: event.status,
          to: result.next.status,
          ...(assignee ? { assignee: assignee.handle } : {}),
          ...(request.note ? { note: request.note } : {}),
        },
        at,
      },
      { transaction },
    );
    await event.reload({ transaction });
    // Nobody needs telling what they just did themselves (ASSIGN by email is answered anyway).
    // A claim folder only names whose it is, not who dragged the message there: always tell.
    const selfAssigned = assignee?.handle === request.actor && request.via !== 'mailbox';
    if (assignee && !selfAssigned) await noticeAssignment(deps, event, assignee, request.actor, transaction);
    return event;
  });
}

async function noticeAssignment(deps: Deps, event: Event, assignee: User, actor: string, transaction: Transaction) {
  // Inside the transaction: on SQLite a read outside it would queue behind its own write lock.
  const from = (await smtpMailboxOf(deps, event.tenantId, transaction))?.address ?? 'datamer@localhost';
  const mail = renderMail('assignment', {
    event: event.get({ plain: true }),
    // Plain values only: templates never see model instances.
    assignee: { displayName: assignee.displayName, email: assignee.email },
    actor: actor === SYSTEM_ACTOR ? 'DaTamer' : actor,
    createdAt: event.createdAt.toISOString(),
    tag: subjectTag(event.id),
  });
  // A reply to the notice commands the event (DONE, UNASSIGN…): the reply address carries the
  // assignee's token and the event (commands/tokens.ts).
  const replyTo = await replyAddressFor(deps, from, assignee, event.id, transaction);
  await enqueueMail(deps, { tenantId: event.tenantId, kind: 'assignment', from, to: [assignee.email], eventId: event.id, headers: { 'Reply-To': replyTo }, ...mail }, transaction);
}
