// Events as people and scripts see them: plain objects with handles instead of user ids and ISO
// times. The JSON shape is documented in docs/cli.md and is kept stable for scripts.
import type { Deps } from '../deps.js';
import type { Event } from '../../models/index.js';
import { sharedMessageIdKeys } from '../ingest/messages.js';
import { findEvent, listEvents, type EventFilter } from './events.js';

export interface EventSummary {
  id: number;
  kind: string;
  status: string;
  title: string;
  severity: string | null;
  org: string | null;
  servers: string[];
  triage: boolean;
  assignee: string | null;
  createdAt: string;
  assignedAt: string | null;
  completedAt: string | null;
  /** merged into this event by an engineer (docs/correlation.md); its messages are there now */
  mergedInto: number | null;
}

export interface EventDetail extends EventSummary {
  messages: Array<{
    id: number;
    messageId: string | null;
    /** another stored message has the same Message-ID but different content (src/ingest/dedup.ts) */
    sharesMessageId: boolean;
    from: string | null;
    subject: string | null;
    receivedAt: string;
    tagWarnings: unknown[];
    /** why its classification is partial or missing (docs/operations.md); null when it is whole */
    classificationNote: string | null;
    /** why it is in this event (docs/correlation.md): "opened: …" or "joined #12: …"; null for mail stored before grouping */
    reason: string | null;
  }>;
  activity: Array<{ action: string; actor: string; via: string; at: string; detail: Record<string, unknown> }>;
}

type ActivityView = EventDetail['activity'][number];

/**
 * One line of an event's activity log as people read it (`datamer event show`): what happened,
 * to whom it was assigned or into which org it was filed, by whom and how.
 */
export function activityText(a: ActivityView): string {
  const d = a.detail;
  const messages = Array.isArray(d.messageIds) ? ` (${d.messageIds.length} message${d.messageIds.length === 1 ? '' : 's'})` : '';
  const what =
    (a.action === 'assigned' || a.action === 'reassigned') && typeof d.assignee === 'string' ? `${a.action} to ${d.assignee}`
    : a.action === 'labelled' && typeof d.org === 'string' ? `labelled as ${d.org} (was ${typeof d.previousOrg === 'string' ? d.previousOrg : 'unclassified'})`
    : a.action === 'merged-into' ? `merged into #${String(d.into)}${messages}`
    : a.action === 'merged-from' ? `took in #${String(d.from)}${messages}${mergedAssignee(d)}`
    : a.action === 'split-out' ? `message ${String(d.messageId)} split out into #${String(d.into)}`
    : a.action === 'split-from' ? `split from #${String(d.from)} (message ${String(d.messageId)})`
    : a.action;
  return `${what} by ${a.actor} via ${a.via}${d.note ? `: ${String(d.note)}` : ''}`;
}

/** Who a merge left on the event (docs/correlation.md, "Correcting the grouping"). */
function mergedAssignee(d: Record<string, unknown>): string {
  if (typeof d.assignee === 'string') return `, and its assignee: now assigned to ${d.assignee}`;
  if (typeof d.keptAssignee === 'string' && typeof d.otherAssignee === 'string') return `; still assigned to ${d.keptAssignee} (${d.otherAssignee} was on #${String(d.from)})`;
  return '';
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

async function handles(deps: Deps, tenantId: number, events: Event[]): Promise<Map<number, string>> {
  const ids = [...new Set(events.map((e) => e.assigneeId).filter((id): id is number => id !== null))];
  if (ids.length === 0) return new Map();
  const users = await deps.db.models.User.findAll({ where: { tenantId, id: ids }, attributes: ['id', 'handle'] });
  return new Map(users.map((u) => [u.id, u.handle]));
}

function summarize(e: Event, handleOf: Map<number, string>): EventSummary {
  return {
    id: e.id,
    kind: e.kind,
    status: e.status,
    title: e.title,
    severity: e.severity,
    org: e.org,
    servers: e.servers,
    triage: e.triage,
    assignee: e.assigneeId === null ? null : handleOf.get(e.assigneeId) ?? null,
    createdAt: e.createdAt.toISOString(),
    assignedAt: iso(e.assignedAt),
    completedAt: iso(e.completedAt),
    mergedInto: e.mergedIntoId ?? null,
  };
}

export async function eventSummaries(deps: Deps, tenantId: number, options: EventFilter = {}): Promise<EventSummary[]> {
  const events = await listEvents(deps, tenantId, options);
  const handleOf = await handles(deps, tenantId, events);
  return events.map((e) => summarize(e, handleOf));
}

export async function eventDetail(deps: Deps, tenantId: number, id: number): Promise<EventDetail> {
  const { EventMessage, Message, Activity } = deps.db.models;
  const event = await findEvent(deps, tenantId, id);
  const links = await EventMessage.findAll({ where: { tenantId, eventId: id }, attributes: ['messageId', 'reason'] });
  const reasonOf = new Map(links.map((l) => [l.messageId, l.reason]));
  const messages = await Message.findAll({
    where: { tenantId, id: links.map((l) => l.messageId) },
    attributes: ['id', 'messageIdHeader', 'messageIdKey', 'fromAddress', 'subject', 'receivedAt', 'tagWarnings', 'classificationNote'],
    order: [['receivedAt', 'ASC'], ['id', 'ASC']],
  });
  const activity = await Activity.findAll({ where: { tenantId, eventId: id }, order: [['at', 'ASC'], ['id', 'ASC']] });
  const shared = await sharedMessageIdKeys(deps, tenantId, messages.map((m) => m.messageIdKey));
  return {
    ...summarize(event, await handles(deps, tenantId, [event])),
    messages: messages.map((m) => ({
      id: m.id,
      messageId: m.messageIdHeader,
      sharesMessageId: m.messageIdKey !== null && shared.has(m.messageIdKey),
      from: m.fromAddress,
      subject: m.subject,
      receivedAt: m.receivedAt.toISOString(),
      tagWarnings: m.tagWarnings ?? [],
      classificationNote: m.classificationNote,
      reason: reasonOf.get(m.id) ?? null,
    })),
    activity: activity.map((a) => ({ action: a.action, actor: a.actor, via: a.via, at: a.at.toISOString(), detail: a.detail })),
  };
}
