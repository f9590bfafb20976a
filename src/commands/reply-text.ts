// What the engineer wrote in a reply (docs/commands.md): their own lines, without the quoted
// message, the client's reply header ("On … wrote:"), the forwarded-header block or the
// signature. Pure: a parsed message's text and HTML in, a few short lines out.
//
// Clients mark the start of the quote in their own ways; each marker below names who writes it.
// The engineer's lines are those before the first marker (top-posting, every client's default
// except Thunderbird's). When nothing comes before a `>`-quote or a <blockquote> (Thunderbird's
// default "reply below the quote", or a bottom-posted Apple Mail reply), the lines right after
// that quote are the engineer's instead.
//
// Hostile input is normal input: only the top of the body is looked at (the commands are there),
// and the result is capped in lines and in line length, so a 5 MB body costs a few milliseconds.
// HTML is converted with the bounds every conversion of message HTML has (html-text.ts), and the
// whole runs behind the fence (reply-lines.ts).
import type { FormatCallback } from 'html-to-text';
import { boundedConverter, boundedOptions } from '../classification/html-text.js';

/** At most this many lines are returned: a reply is a handful of commands, not a document. */
export const MAX_LINES = 40;
/**
 * Longer lines are cut to this many characters and end with `…`, one character past the limit,
 * so the grammar refuses them (`line.length > MAX_LINE_LENGTH`) instead of acting on half a rule.
 */
export const MAX_LINE_LENGTH = 1000;
/** Only the top of a body is read: the commands are its first lines. */
const TEXT_SCAN_LIMIT = 64 * 1024;
const HTML_SCAN_LIMIT = 64 * 1024;
/** Where <body> starts is looked for this far: Outlook's <head> carries kilobytes of styles. */
const BODY_SEARCH_LIMIT = 512 * 1024;

// Private-use code points: html-to-text writes them where a quote or a reply header was.
const QUOTE_MARK = '\uE000datamer-quote\uE000';
const END_MARK = '\uE000datamer-end\uE000';

/** The HTML a client wraps its quote in, replaced by one marker line and never converted. */
const HTML_QUOTES = [
  'blockquote', // Apple Mail and Thunderbird (type=cite), Gmail (class=gmail_quote), most others
  '.gmail_quote', // Gmail: the attribution line and the quote together
  '.moz-cite-prefix', // Thunderbird: the "On … wrote:" line before its blockquote
  '.yahoo_quoted', // Yahoo Mail
];
/** The HTML after which nothing is the engineer's any more. */
const HTML_ENDS = [
  '#appendonsend', // Outlook on the web and new Outlook: an empty div right after the reply
  '#divRplyFwdMsg', // Outlook on the web: the From/Sent/To/Subject block of the original
  'hr', // the rule Outlook on the web and Yahoo draw above that block
  '#mail-editor-reference-message-container', // new Outlook for Mac
  '#Signature', // Outlook on the web
  '#ms-outlook-mobile-signature', // Outlook for iOS and Android
  '.gmail_signature', // Gmail
  '.moz-signature', // Thunderbird
];

const htmlToText = boundedConverter(
  boundedOptions({
    formatters: {
      quoteMark: (_elem, _walk, builder) => mark(builder, QUOTE_MARK),
      endMark: (_elem, _walk, builder) => mark(builder, END_MARK),
    },
    selectors: [...HTML_QUOTES.map((selector) => ({ selector, format: 'quoteMark' })), ...HTML_ENDS.map((selector) => ({ selector, format: 'endMark' }))],
  }),
);

function mark(builder: Parameters<FormatCallback>[2], text: string): void {
  builder.openBlock({ leadingLineBreaks: 1 });
  builder.addLiteral(text);
  builder.closeBlock({ trailingLineBreaks: 1 });
}

// ---- markers in plain text -------------------------------------------------------------------

/** Outlook desktop ("-----Original Message-----", localized), Gmail and Apple forwards. */
const SEPARATOR = /^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht|forwarded message|weitergeleitete nachricht|message transféré)\s*-{2,}$/i;
/** Outlook on the web: a line of underscores above the original's header block. */
const UNDERSCORES = /^_{10,}$/;
const BEGIN_FORWARDED = /^(begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié)\s*:$/i;
/** RFC 3676 §4.3 says "-- "; many clients and servers strip the trailing space. */
const SIGNATURE = /^--$/; // lines are trimmed first
/** Phones add these below the reply; nothing after them is a command. */
const SENT_FROM = /^(sent from my |sent from outlook|get outlook for |von meinem .* gesendet|gesendet von meinem |envoyé de mon |enviado desde mi |inviato da )/i;

// Outlook's header block of the original: "From: …" then Sent/Date/To/Subject lines (German
// Von/Gesendet/An/Betreff, French De/Envoyé/À/Objet…). Gmail's text part renders Outlook's bold
// labels as *From:*.
const HEADER_FROM = /^\*?(from|von|de|van|da|från|fra|od)\s?:\*?\s*\S/i;
const HEADER_NEXT = /^\*?(sent|date|to|cc|subject|gesendet|datum|an|betreff|envoyé|à|objet|verzonden|aan|onderwerp|inviato|oggetto|enviado|para|asunto)\s?:/i;

// The attribution line of Gmail, Apple Mail, Thunderbird and their translations:
//   On Mon, 23 Nov 2026 at 08:00, Alice <a@x> wrote:        Am 23.11.2026 um 08:00 schrieb Alice:
//   Le lun. 23 nov. 2026 à 08:00, Alice <a@x> a écrit :    El lun, 23 nov 2026 a las 08:00, Alice escribió:
const ATTRIBUTION_OPENER = /^(on|am|le|el|il|op|em|den|på|w dniu)\s/i;
const ATTRIBUTION = /^(on|am|le|el|il|op|em|den|på|w dniu)\s.*\b(wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|skrev|napisał)\b.*:$/i;
/** "Alice <a@x> wrote:" without a date, as older clients write it. */
const WROTE = /\b(wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|skrev|napisał)\s*:$/i;
const ATTRIBUTION_MAX = 300;

// ---- the text of a reply ---------------------------------------------------------------------

function textOfHtml(html: string): string {
  const top = html.slice(0, BODY_SEARCH_LIMIT);
  const body = /<body[\s>]/i.exec(top);
  return htmlToText(html.slice(body?.index ?? 0, (body?.index ?? 0) + HTML_SCAN_LIMIT)).text;
}

/** Text first, as classification does (facts.ts): every client listed above writes one. */
function replyText(message: { text: string | null; html: string | null }): string {
  if (message.text !== null && message.text.trim() !== '') return message.text.slice(0, TEXT_SCAN_LIMIT);
  if (message.html) return textOfHtml(message.html);
  return '';
}

function clean(line: string): string {
  // Zero-width characters and BOMs come with pasted text and HTML editors; NBSP is a space.
  return line.replace(/[\u200B-\u200D\u2060\uFEFF]/g, '').replace(/\u00A0/g, ' ').trim();
}

/** The marker that starts at `lines[i]` and how many lines it spans; null for the engineer's own line. */
function markerAt(lines: string[], i: number): { kind: 'quote' | 'end'; length: number } | null {
  const line = lines[i]!;
  if (line === QUOTE_MARK || line.startsWith('>')) return { kind: 'quote', length: 1 };
  if (line === END_MARK || SEPARATOR.test(line) || UNDERSCORES.test(line) || BEGIN_FORWARDED.test(line)) return { kind: 'end', length: 1 };
  if (SIGNATURE.test(line) || SENT_FROM.test(line)) return { kind: 'end', length: 1 };
  if (HEADER_FROM.test(line) && lines.slice(i + 1, i + 6).filter((l) => l !== '').slice(0, 3).some((l) => HEADER_NEXT.test(l))) {
    return { kind: 'end', length: 1 };
  }
  if (line.length <= ATTRIBUTION_MAX) {
    if (ATTRIBUTION.test(line) || WROTE.test(line)) return { kind: 'quote', length: 1 };
    // Gmail wraps its plain-text attribution at 78 columns, often inside the sender's address.
    const next = lines[i + 1];
    if (ATTRIBUTION_OPENER.test(line) && next !== undefined && next !== '' && line.length + next.length <= ATTRIBUTION_MAX) {
      if (ATTRIBUTION.test(`${line} ${next}`)) return { kind: 'quote', length: 2 };
    }
  }
  return null;
}

function capped(line: string): string {
  return line.length > MAX_LINE_LENGTH ? `${line.slice(0, MAX_LINE_LENGTH)}…` : line;
}

/**
 * The engineer's own lines at the top of a reply (or right below a quote when nothing is above
 * it), trimmed, without blank lines; at most MAX_LINES of them.
 */
export function commandLines(message: { text: string | null; html: string | null }): string[] {
  const lines = replyText(message).split(/\r\n|\r|\n/).map(clean);
  const own: string[] = [];
  let skippedQuote = false;
  for (let i = 0; i < lines.length && own.length < MAX_LINES; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const marker = markerAt(lines, i);
    if (!marker) {
      own.push(capped(line));
      continue;
    }
    if (marker.kind === 'end' || own.length > 0 || skippedQuote) break;
    // Nothing written above the quote: skip it (its attribution, `>` lines, nested or not, and
    // blank lines) and read what follows.
    skippedQuote = true;
    i += marker.length - 1;
    while (i + 1 < lines.length) {
      if (lines[i + 1] === '') { i++; continue; }
      const next = markerAt(lines, i + 1);
      if (next?.kind !== 'quote') break;
      i += next.length;
    }
  }
  return own;
}
