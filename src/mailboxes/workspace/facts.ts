// What the workspace needs to know about stored messages to file them: their classification
// and their event's state, in three queries for a whole batch. The messages of one event are
// filed together (docs/mailbox.md): in the folders of their event's org, not each in its own.
import type { Deps } from '../../deps.js';
import { sharedMessageIdKeys } from '../../ingest/messages.js';
import type { EventFacts } from '../moves.js';

export interface MessageFacts {
  messageId: number;
  messageIdHeader: string | null;
  /** the content key: which of several messages with one Message-ID this is */
  dedupKey: string;
  /** another stored message has the same Message-ID (but other content) */
  sharesMessageId: boolean;
  /** the message's own classification */
  org: string | null;
  /** the org whose folders it is filed in: its event's, or its own while it has no event */
  folderOrg: string | null;
  severity: string | null;
  eventId: number | null;
  event: EventFacts | null;
}

export async function factsOf(deps: Deps, tenantId: number, messageIds: number[]): Promise<Map<number, MessageFacts>> {
  const { Message, EventMessage, Event, User } = deps.db.models;
  const ids = [...new Set(messageIds)];
  if (ids.length === 0) return new Map();
  const [messages, links] = await Promise.all([
    Message.findAll({ where: { tenantId, id: ids }, attributes: ['id', 'messageIdHeader', 'messageIdKey', 'dedupKey', 'org', 'severity'] }),
    EventMessage.findAll({ where: { tenantId, messageId: ids }, attributes: ['messageId', 'eventId'] }),
  ]);
  const shared = await sharedMessageIdKeys(deps, tenantId, messages.map((m) => m.messageIdKey));
  const events = await Event.findAll({ where: { tenantId, id: [...new Set(links.map((l) => l.eventId))] }, attributes: ['id', 'status', 'assigneeId', 'org'] });
  const assigneeIds = [...new Set(events.map((e) => e.assigneeId).filter((id): id is number => id !== null))];
  const users = assigneeIds.length ? await User.findAll({ where: { tenantId, id: assigneeIds }, attributes: ['id', 'handle'] }) : [];
  const handles = new Map(users.map((u) => [u.id, u.handle]));
  const eventById = new Map(events.map((e) => [e.id, e]));
  const eventOf = new Map(links.map((l) => [l.messageId, l.eventId]));

  const facts = new Map<number, MessageFacts>();
  for (const m of messages) {
    const eventId = eventOf.get(m.id) ?? null;
    const event = eventId === null ? undefined : eventById.get(eventId);
    facts.set(m.id, {
      messageId: m.id,
      messageIdHeader: m.messageIdHeader,
      dedupKey: m.dedupKey,
      sharesMessageId: m.messageIdKey !== null && shared.has(m.messageIdKey),
      org: m.org,
      folderOrg: event ? event.org : m.org,
      severity: m.severity,
      eventId,
      event: event ? { status: event.status, assignee: event.assigneeId === null ? null : (handles.get(event.assigneeId) ?? null) } : null,
    });
  }
  return facts;
}
