// What classification looks at, taken from a parsed message: the subject, a plain-text body
// (HTML-only mail converted with html-to-text, which drops scripts, styles and attributes, so
// tags hidden there do not count), the sender and the headers.
import { convert } from 'html-to-text';
import type { MessageFacts } from './rules.js';

/** Tags and rules look at the first MiB of a body; the rest is stored but not scanned. */
export const SCAN_LIMIT = 1024 * 1024;

const HTML_TO_TEXT = {
  wordwrap: false as const,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'noscript', format: 'skip' },
    { selector: 'template', format: 'skip' },
    // Cells whole (no wrapping at 60 columns) and text in its own case: rules match what a reader sees.
    { selector: 'table', format: 'dataTable', options: { maxColumnWidth: Number.MAX_SAFE_INTEGER, uppercaseHeaderCells: false } },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h) => ({ selector: h, options: { uppercase: false } })),
  ],
};

export function bodyText(text: string | null, html: string | null): string {
  if (text !== null && text.trim() !== '') return text.slice(0, SCAN_LIMIT);
  if (html) return convert(html.slice(0, 4 * SCAN_LIMIT), HTML_TO_TEXT).slice(0, SCAN_LIMIT);
  return '';
}

export interface ClassifiableMessage {
  subject: string | null;
  text: string | null;
  html: string | null;
  fromAddress: string | null;
  headers: Map<string, string[]>;
}

export function factsOf(message: ClassifiableMessage, servers: string[]): MessageFacts {
  return {
    subject: (message.subject ?? '').slice(0, SCAN_LIMIT),
    body: bodyText(message.text, message.html),
    from: message.fromAddress ?? '',
    headers: message.headers,
    servers,
  };
}
