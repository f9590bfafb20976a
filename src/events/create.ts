// The one place events are made (docs/architecture.md, Events). A stored message makes its event
// (until correlation groups messages); a schedule stream that goes out of range makes an alert.
// It is also the one writer of event_messages: which event a message belongs to changes here
// only, when an engineer merges an event into another or splits a message out
// (src/events/corrections.ts).
// Creation writes no activity row: the event's created_at and its message or stream say it, and
// a message's event is made for every MSE before the SMTP 250.
//
// The ingest hot path commits a message and its event in raw SQL (one statement on PostgreSQL,
// three inserts on SQLite; BENCHMARKS.md). Those statements are built here too, from the same
// row, so the events and event_messages tables have one writer.
import type { Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { DatamerError } from '../errors.js';
import type { Classification } from '../classification/classify.js';
import type { Event, EventKind } from '../../models/index.js';
import type { EventAttributes } from '../../models/event.js';
import type { GroupingKeys } from '../correlation/grouping-keys.js';
import type { GroupingWriter, LinkRow, NewEventRow, Written } from './grouping-session.js';

/** Inserts on the ingest path write and return only the id: no hooks, no model validation. */
const LEAN = { hooks: false, validate: false } as const;

export interface NewMessageEvent {
  tenantId: number;
  messageId: number;
  subject: string | null;
  classification: Classification;
  at: Date;
}

/** What an event of messages takes from its message's classification. */
export type EventClassification = Pick<EventAttributes, 'severity' | 'org' | 'servers'>;

/** The row of a new message's event: what the event of a message says about itself. */
export function messageEventRow(input: Omit<NewMessageEvent, 'messageId' | 'classification'> & { classification: EventClassification }): Omit<EventAttributes, 'id'> {
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
    firstAssignedAt: null,
    completedAt: null,
    streamId: null,
    detail: null,
    mergedIntoId: null,
  };
}

/**
 * The event of a newly stored message, in the caller's transaction (the ORM path: messages
 * finished by process-pending).
 */
export async function createMessageEvent(deps: Deps, input: NewMessageEvent, transaction: Transaction): Promise<Event> {
  const { Event, EventMessage } = deps.db.models;
  const event = await Event.create(messageEventRow(input), { transaction, returning: ['id'], ...LEAN });
  await EventMessage.create({ tenantId: input.tenantId, eventId: event.id, messageId: input.messageId, createdAt: input.at }, { transaction, ...LEAN });
  return event;
}

/** Every message of one event goes to another (a merge); answers the ids of the messages moved. */
export async function moveEventMessages(deps: Deps, tenantId: number, fromEventId: number, toEventId: number, transaction: Transaction): Promise<number[]> {
  const { EventMessage } = deps.db.models;
  const links = await EventMessage.findAll({ where: { tenantId, eventId: fromEventId }, attributes: ['messageId'], order: [['messageId', 'ASC']], transaction });
  if (links.length > 0) await EventMessage.update({ eventId: toEventId }, { where: { tenantId, eventId: fromEventId }, transaction });
  return links.map((l) => l.messageId);
}

export interface SplitMessage {
  tenantId: number;
  messageId: number;
  /** the event it leaves */
  fromEventId: number;
  subject: string | null;
  classification: EventClassification;
  at: Date;
}

/**
 * A message leaves its event for a new one of its own (a split): the new event is made as the
 * message's event would have been, and the message's link moves to it. Refused with CONFLICT
 * when the message is no longer in `fromEventId` (someone moved it meanwhile): the caller's
 * transaction then rolls back, new event and all.
 */
export async function splitMessageEvent(deps: Deps, input: SplitMessage, transaction: Transaction): Promise<Event> {
  const { Event, EventMessage } = deps.db.models;
  const event = await Event.create(messageEventRow(input), { transaction });
  const [moved] = await EventMessage.update({ eventId: event.id }, { where: { tenantId: input.tenantId, messageId: input.messageId, eventId: input.fromEventId }, transaction });
  if (moved !== 1) throw new DatamerError('CONFLICT', `message ${input.messageId} left event #${input.fromEventId} meanwhile; look again`, { permanent: false });
  return event;
}

/** A column value of the raw statements. */
export type SqlValue = string | number | boolean | Date | Buffer | null;

/** The event row in the tables' column names, without the columns that start empty (assignee, assigned and completed times). */
export function messageEventColumns(input: Omit<NewMessageEvent, 'messageId'>): Record<string, SqlValue> {
  const e = messageEventRow(input);
  return {
    tenant_id: e.tenantId, kind: e.kind, status: e.status, title: e.title, severity: e.severity, org: e.org,
    servers: JSON.stringify(e.servers), triage: e.triage, created_at: e.createdAt,
  };
}

export interface Membership {
  tenantId: number;
  eventId: number;
  messageId: number;
  at: Date;
  /** why the message is in the event, for a person to read (docs/correlation.md) */
  reason: string;
  /** what it brought to grouping (src/correlation/grouping-keys.ts) */
  keys: GroupingKeys;
}

/** A message's membership of its event, in the table's column names. */
export function membershipRow(m: Membership): Record<string, SqlValue> {
  return { tenant_id: m.tenantId, event_id: m.eventId, message_id: m.messageId, created_at: m.at, reason: m.reason, grouping_keys: JSON.stringify(m.keys) };
}

const EVENT_COLUMNS = ['tenant_id', 'kind', 'status', 'title', 'severity', 'org', 'servers', 'triage', 'created_at'];
const LINK_COLUMNS = ['tenant_id', 'event_id', 'message_id', 'created_at', 'reason', 'grouping_keys'];

/** A reason names its event by `#ref` until the event has its id. */
export function withEventId(reason: string, ref: number, id: number): string {
  return ref < 0 ? reason.replace(new RegExp(`#${ref}(?!\\d)`), `#${id}`) : reason;
}

/** The newest membership id of each tenant among `links` (with their ids). */
function newestLinks(links: Array<{ tenantId: number; id: number }>): Map<number, number> {
  const newest = new Map<number, number>();
  for (const { tenantId, id } of links) newest.set(tenantId, Math.max(id, newest.get(tenantId) ?? 0));
  return newest;
}

/** Writes new events one by one, then their memberships, each with its event's id (ORM and SQLite paths). */
async function writeOneByOne(
  events: NewEventRow[],
  links: LinkRow[],
  insertEvent: (row: Record<string, SqlValue>) => Promise<number>,
  insertLink: (row: Record<string, SqlValue>) => Promise<number>,
): Promise<Written> {
  const ids = new Map<number, number>();
  for (const { ref, row } of events) ids.set(ref, await insertEvent(row));
  const made: Array<{ tenantId: number; id: number }> = [];
  for (const { ref, row } of links) {
    const eventId = ref < 0 ? ids.get(ref)! : ref;
    const id = await insertLink({ ...row, event_id: eventId, reason: withEventId(row.reason as string, ref, eventId) });
    made.push({ tenantId: row.tenant_id as number, id });
  }
  return { ids, newestLink: newestLinks(made) };
}

/**
 * The ORM path (messages finished by process-pending): the new events and the memberships
 * grouping decided, in the caller's transaction.
 */
export function ormGroupingWriter(deps: Deps, transaction: Transaction): GroupingWriter {
  const { Event, EventMessage } = deps.db.models;
  return {
    write: (events, links) =>
      writeOneByOne(
        events,
        links,
        async (row) => {
          const event = await Event.create(
            { tenantId: row.tenant_id as number, kind: 'message', status: 'open', title: row.title as string, severity: row.severity as string | null, org: row.org as string | null,
              servers: JSON.parse(row.servers as string) as string[], triage: Boolean(row.triage), assigneeId: null, createdAt: row.created_at as Date, assignedAt: null, completedAt: null, streamId: null, detail: null },
            { transaction, returning: ['id'], ...LEAN },
          );
          return event.id;
        },
        async (l) => {
          const link = await EventMessage.create(
            { tenantId: l.tenant_id as number, eventId: l.event_id as number, messageId: l.message_id as number, createdAt: l.created_at as Date, reason: l.reason as string, groupingKeys: l.grouping_keys as string },
            { transaction, returning: ['id'], ...LEAN },
          );
          return link.id;
        },
      ),
  };
}

/**
 * On SQLite (src/ingest/commit-sqlite.ts): the new events and the memberships as raw inserts in
 * the commit's transaction. `insert` runs one INSERT and answers the new row's id.
 */
export function sqliteGroupingWriter(insert: (table: string, row: Record<string, SqlValue>) => Promise<number>): GroupingWriter {
  return { write: (events, links) => writeOneByOne(events, links, (row) => insert('events', row), (row) => insert('event_messages', row)) };
}

/**
 * On PostgreSQL (src/ingest/commit-postgres.ts): one statement takes the new events' ids from
 * the sequence (in the order they were opened), writes the events and the memberships with them,
 * and answers the ids. `query` runs a statement with bind parameters in the commit's transaction.
 */
export function postgresGroupingWriter(query: (sql: string, bind: unknown[]) => Promise<Array<Record<string, unknown>>>): GroupingWriter {
  return {
    async write(events, links) {
      const bind: unknown[] = [];
      const values = (columns: string[], rows: Array<Record<string, SqlValue>>, types: Record<string, string>) =>
        rows.map((row) => `(${columns.map((c) => `$${bind.push(row[c] ?? null)}::${types[c] ?? 'text'}`).join(', ')})`).join(', ');
      const eventTypes = { ref: 'int', tenant_id: 'int', servers: 'json', triage: 'boolean', created_at: 'timestamptz' };
      const linkTypes = { ref: 'int', tenant_id: 'int', event_id: 'int', message_id: 'int', created_at: 'timestamptz' };
      const sql = [`WITH ids AS (
  SELECT -(row_number() OVER (ORDER BY id))::int AS ref, id
  FROM (SELECT nextval(pg_get_serial_sequence('events', 'id')) AS id FROM generate_series(1, $${bind.push(events.length)}::int)) s
)`];
      if (events.length > 0) {
        sql.push(`, e AS (
  INSERT INTO events (id, ${EVENT_COLUMNS.join(', ')})
  SELECT ids.id, ${EVENT_COLUMNS.map((c) => `v.${c}`).join(', ')}
  FROM (VALUES ${values(['ref', ...EVENT_COLUMNS], events.map((e) => ({ ...e.row, ref: e.ref })), eventTypes)}) v (ref, ${EVENT_COLUMNS.join(', ')}) JOIN ids USING (ref)
)`);
      }
      // A reason names a new event by its ref until now: "#-2" becomes "#1433" (withEventId()).
      sql.push(`, l AS (
  INSERT INTO event_messages (${LINK_COLUMNS.join(', ')})
  SELECT v.tenant_id, coalesce(ids.id, v.ref), v.message_id, v.created_at,
    CASE WHEN ids.id IS NULL THEN v.reason ELSE regexp_replace(v.reason, '#' || v.ref || '(?!\d)', '#' || ids.id) END, v.grouping_keys
  FROM (VALUES ${values(['ref', ...LINK_COLUMNS.filter((c) => c !== 'event_id')], links.map((l) => ({ ...l.row, ref: l.ref })), linkTypes)}) v (ref, ${LINK_COLUMNS.filter((c) => c !== 'event_id').join(', ')})
    LEFT JOIN ids USING (ref)
  RETURNING id, tenant_id
)
SELECT 'event' AS what, ref AS key, id FROM ids
UNION ALL SELECT 'link', tenant_id, max(id) FROM l GROUP BY tenant_id`);
      const rows = await query(sql.join(''), bind);
      const ids = new Map<number, number>();
      const newestLink = new Map<number, number>();
      for (const r of rows) (r.what === 'event' ? ids : newestLink).set(Number(r.key), Number(r.id));
      return { ids, newestLink };
    },
  };
}

export interface NewScheduleAlert {
  tenantId: number;
  kind: Extract<EventKind, 'schedule-missing' | 'schedule-excess'>;
  title: string;
  severity: string;
  org: string | null;
  servers: string[];
  streamId: number;
  /** what was expected and what came (docs/schedules.md) */
  detail: Record<string, unknown>;
  at: Date;
}

/** A schedule alert: an event of its own, about a stream rather than a message. */
export function createScheduleAlert(deps: Deps, input: NewScheduleAlert, transaction: Transaction): Promise<Event> {
  return deps.db.models.Event.create(
    {
      tenantId: input.tenantId, kind: input.kind, status: 'open', title: input.title, severity: input.severity, org: input.org, servers: input.servers,
      triage: input.org === null, assigneeId: null, createdAt: input.at, assignedAt: null, completedAt: null, streamId: input.streamId, detail: input.detail,
    },
    { transaction },
  );
}
