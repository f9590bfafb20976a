// Assembling messages the way mail tools write them: headers (RFC 5322), encoded words for
// non-ASCII subjects (RFC 2047), quoted-printable and base64 bodies, multipart (RFC 2046), and
// the mbox framing around them. Works in bytes: hostile mail needs bytes no string can hold.

export type Charset = 'utf-8' | 'iso-8859-1' | 'us-ascii';
export type TransferEncoding = '7bit' | '8bit' | 'quoted-printable' | 'base64';

export interface Part {
  type: string;
  charset?: Charset;
  encoding: TransferEncoding;
  content: string | Buffer;
  /** an attachment's file name (Content-Disposition: attachment) */
  filename?: string;
}

export interface Multipart {
  multipart: 'alternative' | 'mixed';
  parts: Body[];
  /** hostile mail: the boundary the parts really use, unlike the declared one */
  actualBoundary?: string;
  /** hostile mail: leave out the closing delimiter */
  unclosed?: boolean;
}

export type Body = Part | Multipart;

export interface MailSpec {
  from: string;
  to: string;
  subject: string;
  /** ms since the epoch */
  date: number;
  /** the sender's zone, minutes east of UTC (the Date header is written in it) */
  zone?: number;
  messageId: string | null;
  headers?: Array<[string, string]>;
  body: Body;
  /** headers a relay put on top (Received: …) */
  trace?: string[];
  /** hostile mail: the raw subject bytes, 8-bit, as a broken tool sends them */
  rawSubject?: Buffer;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** RFC 5322 §3.3: "Sun, 01 Nov 2026 02:00:05 +0100", in the given zone */
export function rfc5322Date(ms: number, zone = 0): string {
  const d = new Date(ms + zone * 60_000);
  const sign = zone < 0 ? '-' : '+';
  const z = Math.abs(zone);
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${sign}${pad(Math.floor(z / 60))}${pad(z % 60)}`;
}

/** asctime(3) in UTC, as on mbox From_ lines and in tools' bodies: "Sun Nov  1 02:00:05 2026" */
export function asctime(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}


const isAscii = (text: string): boolean => /^[\x00-\x7f]*$/.test(text);

/** RFC 2047 B-encoded words, each under 75 characters, split on character boundaries. */
export function encodedWords(text: string): string {
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\n ');
}

/** RFC 2045 §6.7, lines of at most 76 characters with soft breaks. */
export function quotedPrintable(bytes: Buffer): string {
  const lines: string[] = [];
  let line = '';
  const push = (token: string) => {
    if (line.length + token.length > 75) {
      lines.push(line + '=');
      line = '';
    }
    line += token;
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0a) {
      // Trailing white space before a line break must be encoded (§6.7 rule 3).
      line = line.replace(/[ \t]$/, (s) => `=${s.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
      lines.push(line);
      line = '';
    } else if (b === 0x0d) {
      continue;
    } else if ((b >= 33 && b <= 126 && b !== 61) || b === 32 || b === 9) {
      push(String.fromCharCode(b));
    } else {
      push(`=${b.toString(16).toUpperCase().padStart(2, '0')}`);
    }
  }
  lines.push(line);
  return lines.join('\n');
}

const base64Lines = (bytes: Buffer): string => bytes.toString('base64').replace(/.{76}/g, '$&\n');

function charsetBytes(content: string | Buffer, charset: Charset | undefined): Buffer {
  if (Buffer.isBuffer(content)) return content;
  return Buffer.from(content, charset === 'iso-8859-1' ? 'latin1' : 'utf8');
}

function partHeaders(part: Part): string {
  const lines = [`Content-Type: ${part.type}${part.charset ? `; charset=${part.charset === 'utf-8' ? 'UTF-8' : part.charset}` : ''}${part.filename ? `; name="${part.filename}"` : ''}`];
  lines.push(`Content-Transfer-Encoding: ${part.encoding}`);
  if (part.filename) lines.push(`Content-Disposition: attachment; filename="${part.filename}"`);
  return lines.join('\n');
}

function partBody(part: Part): Buffer {
  const bytes = charsetBytes(part.content, part.charset);
  if (part.encoding === 'base64') return Buffer.from(base64Lines(bytes), 'latin1');
  if (part.encoding === 'quoted-printable') return Buffer.from(quotedPrintable(bytes), 'latin1');
  return bytes;
}

let boundaryCounter = 0;

function render(body: Body, boundarySeed: string): { headers: string; content: Buffer } {
  if (!('multipart' in body)) return { headers: partHeaders(body), content: partBody(body) };
  const boundary = `----=_Part_${boundarySeed}_${boundaryCounter++}`;
  const used = body.actualBoundary ?? boundary;
  const chunks: Buffer[] = [Buffer.from('This is a multi-part message in MIME format.\n', 'latin1')];
  for (const part of body.parts) {
    const inner = render(part, boundarySeed);
    chunks.push(Buffer.from(`\n--${used}\n${inner.headers}\n\n`, 'latin1'), inner.content);
  }
  if (!body.unclosed) chunks.push(Buffer.from(`\n--${used}--\n`, 'latin1'));
  return { headers: `Content-Type: multipart/${body.multipart};\n boundary="${boundary}"`, content: Buffer.concat(chunks) };
}

/** The message's bytes, LF line ends (as in an mbox), ending with a line break. */
export function buildMessage(spec: MailSpec): Buffer {
  boundaryCounter = 0; // boundaries depend only on the message, not on what was built before
  const seed = (spec.messageId ?? `${spec.date}`).replace(/[^A-Za-z0-9]/g, '').slice(-16);
  const { headers, content } = render(spec.body, seed);
  const head: string[] = [...(spec.trace ?? [])];
  head.push(`Date: ${rfc5322Date(spec.date, spec.zone ?? 0)}`, `From: ${spec.from}`, `To: ${spec.to}`);
  const subjectLine = spec.rawSubject ? null : `Subject: ${isAscii(spec.subject) ? spec.subject : encodedWords(spec.subject)}`;
  if (subjectLine) head.push(subjectLine);
  if (spec.messageId) head.push(`Message-ID: ${spec.messageId}`);
  for (const [name, value] of spec.headers ?? []) head.push(`${name}: ${value}`);
  head.push('MIME-Version: 1.0', headers);
  const parts: Buffer[] = [Buffer.from(head.join('\n') + '\n', 'latin1')];
  if (spec.rawSubject) parts.push(Buffer.from('Subject: ', 'latin1'), spec.rawSubject, Buffer.from('\n', 'latin1'));
  parts.push(Buffer.from('\n', 'latin1'), content);
  const out = Buffer.concat(parts);
  return out[out.length - 1] === 0x0a ? out : Buffer.concat([out, Buffer.from('\n', 'latin1')]);
}

const FROM_LINE = /^(>*From )/gm;

/**
 * One mbox entry (mboxrd): the From_ line, the message with body lines that look like From_
 * lines quoted, and the blank line that separates it from the next.
 */
export function mboxEntry(sender: string, at: number, raw: Buffer): Buffer {
  const text = raw.toString('latin1'); // one char per byte: the bytes come back unchanged
  const quoted = text.replace(FROM_LINE, '>$1');
  return Buffer.concat([Buffer.from(`From ${sender} ${asctime(at)}\n`, 'latin1'), Buffer.from(quoted, 'latin1'), Buffer.from('\n', 'latin1')]);
}
