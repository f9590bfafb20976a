// When each message of a replay or an import "arrives". Only the messages themselves say so:
// the time it was delivered (its topmost Received header), else its Date header, else the date
// on the mbox From_ line, else the time of the message before it. Never the wall clock, so the
// same mbox always replays the same way, and history keeps its own time.

/** How far into a message to look for the end of its header (a header block is rarely this big). */
const HEADER_SCAN_BYTES = 256 * 1024;

/** The value of the first `name` header, unfolded (RFC 5322 §2.2.3), or null. */
export function headerValue(raw: Buffer, name: string): string | null {
  const text = raw.subarray(0, HEADER_SCAN_BYTES).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const lines = (end === -1 ? text : text.slice(0, end)).split(/\r?\n/);
  const wanted = new RegExp(`^${name}[ \\t]*:`, 'i');
  for (let i = 0; i < lines.length; i++) {
    const match = wanted.exec(lines[i]!);
    if (!match) continue;
    let value = lines[i]!.slice(match[0].length);
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1]!)) value += lines[++i];
    return value.trim();
  }
  return null;
}

/**
 * The Message-ID header, in angle brackets as the pipeline stores it (mailparser adds them
 * when a sender left them out), or null when there is none.
 */
export function messageIdHeader(raw: Buffer): string | null {
  const value = headerValue(raw, 'message-id')?.replace(/\s+/g, '');
  if (!value) return null;
  return `${value.startsWith('<') ? '' : '<'}${value}${value.endsWith('>') ? '' : '>'}`;
}

/** The Date header as an instant, or null when it is missing or does not read as a date. */
export function dateHeader(raw: Buffer): Date | null {
  const value = headerValue(raw, 'date');
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/**
 * The time of the topmost Received header: the last hop, the one that delivered the message
 * into the mailbox it was exported from. Its date-time follows the last `;` (RFC 5321 §4.4,
 * RFC 5322 §3.6.7); a trailing comment such as `(UTC)` is left out. Null when there is none or
 * it does not read as a date.
 */
export function receivedHeaderDate(raw: Buffer): Date | null {
  const value = headerValue(raw, 'received');
  const semicolon = value?.lastIndexOf(';') ?? -1;
  if (!value || semicolon === -1) return null;
  const ms = Date.parse(value.slice(semicolon + 1).replace(/\([^()]*\)/g, ' ').trim());
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** When the message was delivered, as it says itself: its topmost Received header, else its Date header. */
export function deliveryTime(raw: Buffer): Date | null {
  return receivedHeaderDate(raw) ?? dateHeader(raw);
}

export interface TimeClues {
  /** the topmost Received header's time: when it was delivered */
  receivedHeader?: Date | null;
  dateHeader: Date | null;
  envelopeDate: Date | null;
}

/**
 * One instant per message, in mbox order. A message with neither date takes the time of the
 * message before it; undated messages at the very start take the earliest known time (so they
 * stay at the start), and an mbox without any date at all replays at 1970-01-01T00:00:00Z.
 */
export function messageTimes(clues: readonly TimeClues[]): Date[] {
  const known = clues.map((c) => c.receivedHeader ?? c.dateHeader ?? c.envelopeDate);
  const earliest = known.reduce<number | null>((min, d) => (d && (min === null || d.getTime() < min) ? d.getTime() : min), null);
  let previous = new Date(earliest ?? 0);
  return known.map((date) => {
    previous = date ?? previous;
    return previous;
  });
}

/** Message positions in time order; messages at the same instant keep their mbox order. */
export function timeOrder(times: readonly Date[]): number[] {
  return times
    .map((time, index) => ({ time: time.getTime(), index }))
    .sort((a, b) => a.time - b.time || a.index - b.index)
    .map((entry) => entry.index);
}
