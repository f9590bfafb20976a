// Raw bytes in, the fields DaTamer files and classifies by out. Never throws: a message
// mailparser cannot make sense of still comes back, with `parseError` saying why.
import { simpleParser, type AddressObject } from 'mailparser';
import { messageOf } from '../errors.js';

export interface ParsedMessage {
  messageIdHeader: string | null;
  fromAddress: string | null;
  toAddresses: string[];
  subject: string | null;
  sentAt: Date | null;
  text: string | null;
  html: string | null;
  parseError: string | null;
  /** lower-cased header name → unfolded values, for rules on any header */
  headers: Map<string, string[]>;
}

/** What is known of a message the parser could not read: nothing but why. */
export const unparsed = (parseError: string): ParsedMessage => ({
  messageIdHeader: null,
  fromAddress: null,
  toAddresses: [],
  subject: null,
  sentAt: null,
  text: null,
  html: null,
  parseError,
  headers: new Map(),
});

/** PostgreSQL text cannot hold NUL; hostile mail can. The raw bytes keep the original. */
export function storableText(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  return value.includes('\u0000') ? value.replace(/\u0000/g, '\uFFFD') : value;
}

function headerMap(lines: ReadonlyArray<{ key: string; line: string }>): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const { key, line } of lines) {
    const colon = line.indexOf(':');
    // RFC 5322 §2.2.3: a folded header is one logical line.
    const value = storableText(line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim()) ?? '';
    map.set(key, [...(map.get(key) ?? []), value]);
  }
  return map;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  const out: string[] = [];
  const walk = (entries: AddressObject['value']) => {
    for (const entry of entries) {
      if (entry.address) out.push(entry.address.toLowerCase());
      if (entry.group) walk(entry.group);
    }
  };
  for (const obj of list) walk(obj.value);
  return out;
}

export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  let mail;
  try {
    mail = await simpleParser(raw, { // HTML-only mail keeps text null; classification converts the HTML itself (facts.ts),
    // with a converter that leaves scripts, styles and attributes out.
    skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  } catch (err) {
    return unparsed(`mailparser: ${messageOf(err)}`);
  }
  if (mail.headers.size === 0) return { ...unparsed('no mail headers found'), text: storableText(mail.text ?? null) };

  const headers = headerMap(mail.headerLines ?? []);
  // mailparser puts the wall-clock time in place of a Date header it cannot read; DaTamer's
  // time comes only from its clock, so an unreadable Date is no date at all.
  const dateHeader = headers.get('date')?.[0];
  const readable = dateHeader !== undefined && !Number.isNaN(new Date(dateHeader).getTime());
  const date = readable && mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : null;
  return {
    messageIdHeader: storableText(mail.messageId?.trim() || null),
    fromAddress: addresses(mail.from)[0] ?? null,
    toAddresses: [...addresses(mail.to), ...addresses(mail.cc)],
    subject: storableText(mail.subject ?? null),
    sentAt: date,
    text: storableText(mail.text || null),
    html: typeof mail.html === 'string' ? storableText(mail.html) : null,
    parseError: null,
    headers,
  };
}
