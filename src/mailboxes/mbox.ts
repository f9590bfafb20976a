// Reading an mbox file: messages one after another, each introduced by a "From " line
// (the From_ line) at the start of the file or after a blank line. Works on bytes, never on
// decoded text, so 8-bit and broken messages come out exactly as they went in, and streams:
// a multi-gigabyte mbox is read a chunk at a time.
//
// Quoting: writers put a ">" before body lines that would otherwise look like a From_ line.
// mboxrd quotes every /^>*From / line and mboxo only /^From /; removing one ">" from lines
// matching /^>+From / (the mboxrd rule) undoes both in the common case. (An mboxo body line
// that really began with ">From " cannot be told apart; it loses its ">".)
import { createReadStream } from 'node:fs';

export interface MboxMessage {
  /** the message's bytes, without the From_ line and without the blank line that ends it */
  raw: Buffer;
  /** the full size in bytes; larger than raw.length when the message was over `keepAtMost` */
  size: number;
  /** the From_ line without "From " and the line ending, or null for text before the first From_ line */
  fromLine: string | null;
  /** the date at the end of the From_ line, when it reads as one (the time the mbox writer got it) */
  envelopeDate: Date | null;
  /** byte offset in the file just past the message: how far the reading has come */
  endOffset: number;
}

export interface MboxOptions {
  /**
   * Keep at most this many bytes of one message. A bigger message still comes out, with its
   * true `size` and only its first bytes, so one huge message cannot exhaust memory.
   */
  keepAtMost?: number;
}

const LF = 0x0a;
const FROM_ = Buffer.from('From ', 'latin1');
// A From_ line is short. A longer line is body text, so it need not be held whole in memory.
const LONGEST_FROM_LINE = 4096;

const isBlank = (line: Buffer): boolean => (line.length === 1 && line[0] === LF) || (line.length === 2 && line[0] === 0x0d && line[1] === LF);

const startsWithFrom = (line: Buffer): boolean => line.length >= FROM_.length && line.subarray(0, FROM_.length).equals(FROM_);

/** ">From ", ">>From "…: a quoted From_ line. */
function isQuotedFrom(line: Buffer): boolean {
  let i = 0;
  while (i < line.length && line[i] === 0x3e /* > */) i++;
  return i > 0 && line.length - i >= FROM_.length && line.subarray(i, i + FROM_.length).equals(FROM_);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
// asctime(3) as mbox writers use it: "Mon Nov 23 02:00:05 2026", sometimes with a zone
// before or after the year ("… 02:00:05 +0100 2026", "… 2026 -0500"). No zone means UTC.
const ASCTIME =
  /(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+([a-z]{3})[a-z]*\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s+(?:([+-]\d{4})|[a-z]{1,5})?\s*(\d{4})(?:\s+([+-]\d{4}))?/i;

/** The date on a From_ line ("sender@example.com Mon Nov 23 02:00:05 2026"), or null. */
export function fromLineDate(fromLine: string): Date | null {
  const m = ASCTIME.exec(fromLine);
  if (!m) return null;
  const month = MONTHS.indexOf(m[1]!.toLowerCase());
  if (month === -1) return null;
  const zone = m[6] ?? m[8];
  const offsetMinutes = zone ? (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) : 0;
  const utc = Date.UTC(Number(m[7]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5] ?? 0)) - offsetMinutes * 60_000;
  const date = new Date(utc);
  return Number.isNaN(date.getTime()) ? null : date;
}

interface Current {
  parts: Buffer[];
  kept: number;
  size: number;
  fromLine: string | null;
  /** length of the last line when it was blank: it may be the separator before the next From_ line */
  trailingBlank: number;
}

/**
 * The mbox format as a push parser: feed it chunks as they come, it hands back the messages
 * they complete. Lines are slices of the chunks (no copying) until a message is finished.
 */
export class MboxSplitter {
  private readonly keepAtMost: number;
  private carry: Buffer | null = null;
  /** inside a long body line whose start was already added to the message */
  private midLine = false;
  private atStart = true;
  private previousBlank = false;
  private current: Current | null = null;
  private offset = 0;

  constructor(options: MboxOptions = {}) {
    this.keepAtMost = options.keepAtMost ?? Number.POSITIVE_INFINITY;
  }

  push(chunk: Buffer): MboxMessage[] {
    const out: MboxMessage[] = [];
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = null;
    let pos = 0;
    while (pos < data.length) {
      const nl = data.indexOf(LF, pos);
      if (this.midLine) {
        const end = nl === -1 ? data.length : nl + 1;
        this.append(data.subarray(pos, end));
        this.offset += end - pos;
        if (nl !== -1) this.midLine = false;
        pos = end;
        continue;
      }
      if (nl === -1) {
        const rest = data.subarray(pos);
        if (rest.length > LONGEST_FROM_LINE) {
          this.line(rest, out);
          this.midLine = true;
        } else {
          this.carry = Buffer.from(rest); // a copy: the chunk it came from can be freed
        }
        break;
      }
      this.line(data.subarray(pos, nl + 1), out);
      pos = nl + 1;
    }
    return out;
  }

  /** The end of the file: the last message (which may lack its final newline). */
  end(): MboxMessage[] {
    const out: MboxMessage[] = [];
    if (this.carry && this.carry.length > 0) this.line(this.carry, out);
    this.carry = null;
    this.midLine = false;
    this.finish(out);
    return out;
  }

  private line(line: Buffer, out: MboxMessage[]): void {
    if ((this.atStart || this.previousBlank) && startsWithFrom(line) && line.length <= LONGEST_FROM_LINE) {
      this.finish(out);
      this.offset += line.length;
      const text = line.subarray(FROM_.length).toString('latin1').replace(/\r?\n$/, '');
      this.current = { parts: [], kept: 0, size: 0, fromLine: text, trailingBlank: 0 };
      this.atStart = false;
      this.previousBlank = false;
      return;
    }
    if (this.atStart) {
      // Text before any From_ line: not a proper mbox, but the bytes are still a message.
      this.current = { parts: [], kept: 0, size: 0, fromLine: null, trailingBlank: 0 };
      this.atStart = false;
    }
    this.offset += line.length;
    const unquoted = isQuotedFrom(line) ? line.subarray(1) : line;
    this.append(unquoted);
    this.previousBlank = isBlank(line);
    this.current!.trailingBlank = this.previousBlank ? line.length : 0;
  }

  private append(bytes: Buffer): void {
    const current = this.current!;
    current.size += bytes.length;
    current.trailingBlank = 0;
    if (current.kept + bytes.length <= this.keepAtMost) {
      current.parts.push(bytes);
      current.kept += bytes.length;
    } else if (current.kept < this.keepAtMost) {
      const room = this.keepAtMost - current.kept;
      current.parts.push(bytes.subarray(0, room));
      current.kept += room;
    }
  }

  private finish(out: MboxMessage[]): void {
    const current = this.current;
    if (!current) return;
    this.current = null;
    if (current.trailingBlank > 0) {
      // The blank line before the next From_ line (or at the end of the file) belongs to the
      // mbox, not to the message.
      current.size -= current.trailingBlank;
      if (current.kept > current.size) current.kept = current.size;
    }
    // Blank lines before the first From_ line are not a message.
    if (current.fromLine === null && current.size === 0) return;
    const raw = Buffer.concat(current.parts).subarray(0, current.kept);
    out.push({
      raw,
      size: current.size,
      fromLine: current.fromLine,
      envelopeDate: current.fromLine === null ? null : fromLineDate(current.fromLine),
      endOffset: this.offset,
    });
  }
}

/** All messages of an mbox held in memory (tests, small files). */
export function splitMbox(data: Buffer, options: MboxOptions = {}): MboxMessage[] {
  const splitter = new MboxSplitter(options);
  return [...splitter.push(data), ...splitter.end()];
}

/** The messages of an mbox file, one at a time, reading the file in chunks. */
export async function* readMbox(file: string, options: MboxOptions = {}): AsyncGenerator<MboxMessage> {
  const splitter = new MboxSplitter(options);
  const stream = createReadStream(file, { highWaterMark: 1024 * 1024 });
  try {
    for await (const chunk of stream) yield* splitter.push(chunk as Buffer);
    yield* splitter.end();
  } finally {
    stream.destroy();
  }
}
