// What `datamer replay` prints: one JSON object per line (JSON Lines). Building a line is
// pure: the pipeline's result for a message goes in, the line comes out. docs/replay.md
// describes every type and field.
import type { Classification } from '../classification/classify.js';
import type { Schedule, Severity, TagWarning } from '../classification/tags.js';
import type { Received } from '../pipeline.js';
import type { Raised, Resolved } from '../schedules/tick.js';

/** A message's classification, as the replay prints it. */
export interface ClassificationField {
  severity: Severity | null;
  org: string | null;
  servers: string[];
  schedule: Schedule | null;
  /** tag, rule:<id>, tool:<tool>, model:<version> or none */
  by: string;
}

/** One message of the mbox, as the pipeline received it. */
export interface MessageLine {
  type: 'message';
  /** 0-based position in the mbox */
  index: number;
  /** the Message-ID header, or null */
  messageId: string | null;
  /** when the replay's clock delivered it (ISO 8601) */
  receivedAt: string;
  /** how it was classified (a repeat: as its first copy); null only if processing failed */
  classification: ClassificationField | null;
  /** problems found in the message's tags; null only if processing failed */
  tagWarnings: TagWarning[] | null;
  /** the event the message belongs to (a repeat: its first copy's) */
  eventId: string | null;
  /** why it is in that event (docs/correlation.md): "joined #12: …" or "opened: …"; null for a repeat */
  reason: string | null;
  /** the index of the first copy in the mbox when this one is a repeat, else null */
  duplicateOf: number | null;
  /** its signature: the id of its template for this kind of mail (docs/correlation.md); a repeat: its first copy's */
  signature: number | null;
}

/** A message the pipeline was never given (empty, too large). */
export interface RejectedLine {
  type: 'rejected';
  index: number;
  reason: string;
}

/** An event was created. */
export interface EventLine {
  type: 'event';
  id: string;
  kind: 'message' | 'schedule-missing' | 'schedule-excess';
  createdAt: string;
  severity: Severity | null;
  org: string | null;
  /** the messageId of each message line attached to the event */
  messageIds: Array<string | null>;
  /** the schedule stream, for schedule events; null otherwise */
  stream: string | null;
}

/** The messages of an event that more than one message joined, once the replay has ended. */
export interface EventMessagesLine {
  type: 'event-messages';
  id: string;
  /** the messageId of each message of the event, in the order they came */
  messageIds: Array<string | null>;
}

/**
 * Grouping merged an event into another: one message showed they are one incident
 * (docs/correlation.md, "Events that merge"). The messages that named `id` are in `into` now.
 */
export interface EventMergedLine {
  type: 'event-merged';
  id: string;
  into: string;
  at: string;
  /** why, as the activity log says it */
  reason: string;
}

export function mergedLine(from: number, into: number, at: Date, reason: string): EventMergedLine {
  return { type: 'event-merged', id: String(from), into: String(into), at: at.toISOString(), reason };
}

/** An event was resolved (a schedule alert whose count came back in range: a later issue). */
export interface EventResolvedLine {
  type: 'event-resolved';
  id: string;
  at: string;
}

/** DaTamer would have mailed someone (a schedule alert to the org's responders, an assignment…). */
export interface NoticeLine {
  type: 'notice';
  /** the outbox kind: `schedule-alert`, `assignment`… */
  kind: string;
  /** the event it is about, as on its `event` line; null when it is about none */
  eventId: string | null;
  to: string[];
  subject: string;
  at: string;
}

export type ReplayLine = MessageLine | RejectedLine | EventLine | EventMessagesLine | EventResolvedLine | EventMergedLine | NoticeLine;

/** What the replay knows about one received message. */
export interface ReplayedMessage {
  index: number;
  receivedAt: Date;
  /** the Message-ID header as stored */
  messageIdHeader: string | null;
  /** what receive() answered for this message */
  received: Pick<Received, 'messageId' | 'duplicateOf' | 'eventId' | 'outcome' | 'reason'>;
}

/** What a repeat needs of the first copy of its message. */
export interface FirstCopy {
  index: number;
  classification: ClassificationField | null;
  tagWarnings: TagWarning[] | null;
  signature: number | null;
}

export function classificationField(c: Classification): ClassificationField {
  return { severity: c.severity, org: c.org, servers: c.servers, schedule: c.schedule, by: c.by };
}

/** What a newly stored message leaves for its repeats. */
export function firstCopyOf(message: ReplayedMessage): FirstCopy {
  const outcome = message.received.outcome;
  return { index: message.index, classification: outcome && classificationField(outcome.classification), tagWarnings: outcome?.tagWarnings ?? null, signature: outcome?.signatureId ?? null };
}

/**
 * The line for a received message. `firstCopies` maps a stored message id to what its first copy
 * in the mbox got, so a repeat can name it and show the same classification.
 */
export function messageLine(message: ReplayedMessage, firstCopies: ReadonlyMap<number, FirstCopy>): MessageLine {
  const { received } = message;
  const own = received.duplicateOf === null ? firstCopyOf(message) : firstCopies.get(received.duplicateOf);
  return {
    type: 'message',
    index: message.index,
    messageId: message.messageIdHeader,
    receivedAt: message.receivedAt.toISOString(),
    classification: own?.classification ?? null,
    tagWarnings: own?.tagWarnings ?? null,
    eventId: received.eventId === null ? null : String(received.eventId),
    reason: received.reason ?? null,
    duplicateOf: received.duplicateOf === null ? null : (firstCopies.get(received.duplicateOf)?.index ?? null),
    signature: own?.signature ?? null,
  };
}

/** The line for an event the pipeline created for a message. */
export function messageEventLine(eventId: number, message: ReplayedMessage): EventLine {
  const c = message.received.outcome?.classification;
  return {
    type: 'event',
    id: String(eventId),
    kind: 'message',
    createdAt: message.receivedAt.toISOString(),
    severity: c?.severity ?? null,
    org: c?.org ?? null,
    messageIds: [message.messageIdHeader],
    stream: null,
  };
}

/** The line for a schedule alert the evaluator raised. */
export function scheduleEventLine(raised: Raised): EventLine {
  return {
    type: 'event',
    id: String(raised.eventId),
    kind: raised.condition === 'missing' ? 'schedule-missing' : 'schedule-excess',
    createdAt: raised.at.toISOString(),
    severity: raised.severity as Severity,
    org: raised.org,
    messageIds: raised.messageIds,
    stream: raised.stream,
  };
}

export function resolvedLine(resolved: Resolved): EventResolvedLine {
  return { type: 'event-resolved', id: String(resolved.eventId), at: resolved.at.toISOString() };
}

export function noticeLine(mail: { kind: string; eventId: number | null; toAddresses: string[]; subject: string; createdAt: Date }): NoticeLine {
  return { type: 'notice', kind: mail.kind, eventId: mail.eventId === null ? null : String(mail.eventId), to: mail.toAddresses, subject: mail.subject, at: mail.createdAt.toISOString() };
}

export function rejectedLine(index: number, reason: string): RejectedLine {
  return { type: 'rejected', index, reason };
}

/** One line of output, without the newline. */
export function serializeLine(line: ReplayLine): string {
  return JSON.stringify(line);
}
