// What every tool's template gets and gives: the message's context in, a MailSpec out, and the
// body's shape (plain, multipart, HTML only; the transfer encoding; the charset) decided when the
// message is planned, so the truth can say it before a byte is written.
import type { Body, Charset, MailSpec, TransferEncoding } from '../mime.js';
import type { Rng } from '../prng.js';
import type { Server } from '../topology.js';
import type { Flag } from '../truth.js';
import type { Tagging } from '../tagging.js';

export const TEAM_ADDRESS = 'ops-alerts@example.test';

export interface Style {
  html: 'none' | 'alternative' | 'only';
  encoding: TransferEncoding;
  /** the body is written in a language that needs more than ASCII */
  localized: boolean;
  charset: Charset;
}

export interface Ctx {
  /** for the details of this message only (numbers, wording) */
  rng: Rng;
  at: number;
  /** the host the message is about (for central tools) or from */
  host: Server;
  tags: Tagging;
  messageId: string | null;
  style: Style;
}

export interface StyleOdds {
  alternative?: number;
  only?: number;
  qp?: number;
  base64?: number;
  localized?: number;
}

export function pickStyle(rng: Rng, odds: StyleOdds): Style {
  const r = rng.next();
  const html = r < (odds.only ?? 0) ? 'only' : r < (odds.only ?? 0) + (odds.alternative ?? 0) ? 'alternative' : 'none';
  const e = rng.next();
  const encoding: TransferEncoding = e < (odds.base64 ?? 0) ? 'base64' : e < (odds.base64 ?? 0) + (odds.qp ?? 0) ? 'quoted-printable' : '7bit';
  const localized = rng.chance(odds.localized ?? 0);
  const charset: Charset = localized && rng.chance(0.3) ? 'iso-8859-1' : localized ? 'utf-8' : rng.chance(0.5) ? 'us-ascii' : 'utf-8';
  return { html, encoding, localized, charset };
}

export function styleFlags(style: Style): Flag[] {
  const flags: Flag[] = [];
  if (style.html === 'only') flags.push('html-only');
  if (style.html === 'alternative') flags.push('multipart');
  if (style.encoding === 'quoted-printable') flags.push('quoted-printable');
  if (style.encoding === 'base64') flags.push('base64');
  if (style.localized) flags.push('non-ascii');
  return flags;
}

const isAscii = (text: string): boolean => /^[\x00-\x7f]*$/.test(text);

export const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The tag lines as a reader of the HTML sees them. */
export const htmlTags = (tags: Tagging): string => (tags.body.length ? `<p class="tags">${tags.body.map(escapeHtml).join('<br>\n')}</p>\n` : '');

/** A plain part and/or an HTML part, as the style says. `text` already carries the tag lines. */
export function bodyOf(style: Style, text: string, html: () => string): Body {
  const part = (type: string, content: string) => ({
    type,
    charset: isAscii(content) ? style.charset : style.charset === 'us-ascii' ? ('utf-8' as const) : style.charset,
    // 7bit cannot carry 8-bit text: such tools say 8bit.
    encoding: style.encoding === '7bit' && !isAscii(content) ? ('8bit' as const) : style.encoding,
    content,
  });
  if (style.html === 'none') return part('text/plain', text);
  if (style.html === 'only') return part('text/html', html());
  return { multipart: 'alternative', parts: [part('text/plain', text), part('text/html', html())] };
}

/** A simple HTML rendering of a text report: what many tools' "HTML mail" option does. */
export function preHtml(title: string, text: string, tags: Tagging): string {
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>\n<style>body{font-family:sans-serif} pre{font-size:12px}</style></head>\n<body>\n<h2>${escapeHtml(title)}</h2>\n<pre>${escapeHtml(text)}</pre>\n${htmlTags(tags)}</body></html>\n`;
}

/**
 * What DaTamer's tool pack for the tool reads in such a message (docs/tool-packs.md): the severity
 * the tool states and the fully qualified hosts it names. They fill what the tags leave empty.
 */
export interface PackSays {
  severity: 'info' | 'warn' | 'critical' | null;
  servers: string[];
}

export interface Format<P> {
  tool: string;
  /** the sender's address (part of a stream's key) */
  address(host: Server, params: P): string;
  odds: StyleOdds;
  render(ctx: Ctx, params: P): MailSpec;
  /** what the tool's pack reads in the message; absent or null when no pack knows it */
  pack?(host: Server, params: P, style: Style): PackSays | null;
}

export const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);
