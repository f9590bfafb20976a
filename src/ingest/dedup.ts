// What makes two deliveries "the same message": the same content, minus the trace headers each
// relay hop prepends (RFC 5321 §4.4), so a message retried through a relay is still recognised.
// Not the Message-ID alone: senders choose it, scripts often reuse one (a fixed or date-based
// id), and a forger who sends first with the id of a real alert would have the alert dropped.
// Messages that share a Message-ID but not their content are both stored; `messageIdKey` lets
// them be found and shown as sharing it (docs/mailbox.md).
import { createHash } from 'node:crypto';

const TRACE_HEADERS = /^(received|return-path|delivered-to|x-original-to|x-envelope-to|x-envelope-from)\s*:/i;

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** The raw message without its trace headers. */
export function withoutTraceHeaders(raw: Buffer): Buffer {
  const text = raw.toString('latin1'); // one char per byte: offsets stay byte offsets
  const end = text.search(/\r?\n\r?\n/);
  const headerBlock = end === -1 ? text : text.slice(0, end);
  const lines = headerBlock.split(/(?<=\n)/);
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    const continuation = line.startsWith(' ') || line.startsWith('\t');
    if (!continuation) dropping = TRACE_HEADERS.test(line);
    if (!dropping) kept.push(line);
  }
  return Buffer.concat([Buffer.from(kept.join(''), 'latin1'), raw.subarray(headerBlock.length)]);
}

export function dedupKey(raw: Buffer): string {
  return `sha:${sha256(withoutTraceHeaders(raw))}`;
}

/** The Message-ID as a fixed-size key (ids compare case-insensitively here, as mail clients do). */
export function messageIdKey(messageIdHeader: string | null): string | null {
  return messageIdHeader ? sha256(messageIdHeader.trim().toLowerCase()) : null;
}
