// How a reply finds its way back and proves who wrote it (docs/commands.md). Everything DaTamer
// mails a user about an event carries, in its reply address, the user's secret command token
// and the event:
//
//   ops+k7f3q…-e42@datamer.example      ops@datamer.example is the tenant's DaTamer address
//
// and in its subject the event, `[DaTamer #42]`. A forged From: alone cannot command: the
// forger does not know the token. Tokens can be rotated (src/people/command-tokens.ts).
// Pure grammar, importing nothing of DaTamer's: tenants, people, commands and notifications
// all speak it.
import { randomBytes } from 'node:crypto';

const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** 20 characters of base 32: 100 bits; lower case, because some servers lower-case local parts. */
const TOKEN_LENGTH = 20;
const TOKEN = new RegExp(`^[a-z2-7]{${TOKEN_LENGTH}}$`);

export function newCommandToken(): string {
  const bytes = randomBytes(TOKEN_LENGTH);
  return Array.from(bytes, (b) => TOKEN_ALPHABET[b % 32]).join('');
}

export interface ReplyAddress {
  /** the tenant's DaTamer address it was made from */
  base: string;
  token: string | null;
  eventId: number | null;
}

/** Addresses are compared trimmed and in lower case. */
export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

/** `local+k<token>[-e<event>]@domain`: the address a user's reply goes to. */
export function replyAddress(base: string, token: string, eventId: number | null): string {
  const at = base.lastIndexOf('@');
  return `${base.slice(0, at)}+k${token}${eventId === null ? '' : `-e${eventId}`}${base.slice(at)}`;
}

const PLUS = /^([^+@]+)\+k([a-z2-7]+)(?:-e(\d{1,12}))?@(.+)$/i;

/** What a recipient address says, when it is one of DaTamer's reply addresses. */
export function parseReplyAddress(address: string): ReplyAddress | null {
  const m = PLUS.exec(address.trim());
  if (!m) return null;
  const token = m[2]!.toLowerCase();
  return { base: `${m[1]}@${m[4]}`.toLowerCase(), token: TOKEN.test(token) ? token : null, eventId: m[3] ? Number(m[3]) : null };
}

/** The address without its `+…` detail: what the SMTP listener looks a recipient up by. */
export function baseAddress(address: string): string {
  return address.replace(/^([^+@]+)\+[^@]*@/, '$1@');
}

export const subjectTag = (eventId: number) => `[DaTamer #${eventId}]`;

const SUBJECT_EVENT = /\[DaTamer #(\d{1,12})\]/i;
const SUBJECT_TOKEN = /\bkey:([a-z2-7]{20})\b/i;

/** The event a subject names (`[DaTamer #42]`, kept by every mail client's "Re:"). */
export function subjectEvent(subject: string | null): number | null {
  const m = subject ? SUBJECT_EVENT.exec(subject) : null;
  return m ? Number(m[1]) : null;
}

/** A token written into the subject (`key:<token>`), for a client that will not keep a reply address. */
export function subjectToken(subject: string | null): string | null {
  const m = subject ? SUBJECT_TOKEN.exec(subject) : null;
  return m ? m[1]!.toLowerCase() : null;
}
