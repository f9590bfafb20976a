// What classification looks at, taken from a parsed message: the subject, a plain-text body
// (HTML-only mail converted with html-to-text, which drops scripts, styles and attributes, so
// tags hidden there do not count), the sender and the headers. The conversion has bounded cost
// (html-text.ts) and runs behind the fence (src/ingest/parse-pool.ts), never on the main thread.
import { boundedConverter, boundedOptions, strippedText, type HtmlText } from './html-text.js';
import type { MessageFacts } from './rules.js';

/** Tags and rules look at the first MiB of a body; the rest is stored but not scanned. */
export const SCAN_LIMIT = 1024 * 1024;

const htmlToText = boundedConverter(
  boundedOptions({
    // Text in its own case: rules match what a reader sees.
    selectors: ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h) => ({ selector: h, options: { uppercase: false } })),
  }),
);

/**
 * The body as text, and why it is partial when it is. `safe` takes the text of HTML by a linear
 * scan, without layout: the way back for a message whose conversion was stopped.
 */
export function bodyText(text: string | null, html: string | null, options: { safe?: boolean } = {}): HtmlText {
  if (text !== null && text.trim() !== '') return { text: text.slice(0, SCAN_LIMIT), partial: null };
  if (!html) return { text: '', partial: null };
  const input = html.slice(0, 4 * SCAN_LIMIT);
  const converted = options.safe ? { text: strippedText(input), partial: 'its HTML was read without layout' } : htmlToText(input);
  return { text: converted.text.slice(0, SCAN_LIMIT), partial: converted.partial };
}

export interface ClassifiableMessage {
  subject: string | null;
  text: string | null;
  html: string | null;
  fromAddress: string | null;
  headers: Map<string, string[]>;
}

/** The facts, and why the body's text is partial when it is. */
export function factsOf(message: ClassifiableMessage, servers: string[], options: { safe?: boolean } = {}): MessageFacts & { partial: string | null } {
  const body = bodyText(message.text, message.html, options);
  return {
    subject: (message.subject ?? '').slice(0, SCAN_LIMIT),
    body: body.text,
    from: message.fromAddress ?? '',
    headers: message.headers,
    servers,
    partial: body.partial,
  };
}
