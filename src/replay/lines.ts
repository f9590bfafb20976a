// What `datamer replay` prints: one JSON object per line (JSON Lines). Building a line is
// pure: the pipeline's result for a message goes in, the line comes out. docs/replay.md
// describes every type and field.
import type { Stored } from '../pipeline.js';

/** One message of the mbox, as the pipeline received it. */
export interface MessageLine {
  type: 'message';
  /** 0-based position in the mbox */
  index: number;
  /** the Message-ID header, or null */
  messageId: string | null;
  /** when the replay's clock delivered it (ISO 8601) */
  receivedAt: string;
  /** filled by classification (a later issue); null for now */
  classification: string | null;
  /** problems found in the message's tags (a later issue); null for now */
  tagWarnings: string[] | null;
  /** the event the message was attached to (a later issue); null for now */
  eventId: string | null;
  /** the index of the first copy in the mbox when this one is a repeat, else null */
  duplicateOf: number | null;
}

/** A message the pipeline was never given (empty, too large). */
export interface RejectedLine {
  type: 'rejected';
  index: number;
  reason: string;
}

/** An event was created (emitted once events exist: a later issue). */
export interface EventLine {
  type: 'event';
  id: string;
  kind: 'message' | 'schedule-missing' | 'schedule-excess';
  createdAt: string;
  severity: 'critical' | 'warning' | 'info' | null;
  org: string | null;
  /** the messageId of each message line attached to the event */
  messageIds: Array<string | null>;
  /** the schedule stream, for schedule events; null otherwise */
  stream: string | null;
}

/** An event was completed (emitted once events exist: a later issue). */
export interface EventResolvedLine {
  type: 'event-resolved';
  id: string;
  at: string;
}

export type ReplayLine = MessageLine | RejectedLine | EventLine | EventResolvedLine;

/** What the replay knows about one received message. */
export interface ReplayedMessage {
  index: number;
  receivedAt: Date;
  /** the Message-ID header as stored */
  messageIdHeader: string | null;
  /** what receive() answered for this message */
  stored: Stored;
}

/**
 * The line for a received message. `firstIndexOf` maps a stored message id to the mbox index
 * of the copy that created it, so a repeat can name its first copy.
 */
export function messageLine(message: ReplayedMessage, firstIndexOf: ReadonlyMap<number, number>): MessageLine {
  const { stored } = message;
  return {
    type: 'message',
    index: message.index,
    messageId: message.messageIdHeader,
    receivedAt: message.receivedAt.toISOString(),
    classification: null,
    tagWarnings: null,
    eventId: null,
    duplicateOf: stored.duplicateOf === null ? null : (firstIndexOf.get(stored.duplicateOf) ?? null),
  };
}

export function rejectedLine(index: number, reason: string): RejectedLine {
  return { type: 'rejected', index, reason };
}

/** One line of output, without the newline. */
export function serializeLine(line: ReplayLine): string {
  return JSON.stringify(line);
}
