// An event's title, from its signature (docs/correlation.md, "The event's title"): the subject of
// the mail that opened it, where what varies between the messages of its kind is told as a
// person would say it. A storm of "Disk usage on web1 is 91%" from twelve hosts is titled "Disk
// usage on 12 hosts is 88–97%": what stays the same across the messages is written as they wrote
// it, and each part that varies is summed up: numbers of one unit as a range, times from the
// first to the last, a few values by name, many hosts by their count.
//
// The parts of a subject are the tokens its signature is mined from (signature.ts), so "the
// same kind" means the same template. Pure.
import { withoutTags } from '../classification/tool-packs/index.js';
import { WILDCARD } from './drain.js';
import { maskParts } from './signature.js';

/** A message of the event, as its title reads it. */
export interface TitleMessage {
  subject: string | null;
  /** the hosts it is about or names (its grouping keys), lower-cased; they make "12 hosts" */
  hosts: readonly string[];
}

/**
 * The most messages of one kind a title reads: the first ones say what it is, and reading them
 * costs about 0.1 ms each, in the commit of every message of that kind that joins.
 */
export const TITLE_MESSAGES = 100;
/** Up to this many different values are named; more are counted. */
const NAMED = 3;

/** The title of an event of one message: its subject, as it came (tags and all). */
export const subjectTitle = (subject: string | null): string => subject?.trim() || '(no subject)';

interface Span {
  start: number;
  end: number;
}

interface Parsed {
  text: string;
  /** where each token of the subject stands in `text` */
  spans: Span[];
}

/** The subject without DaTamer's tags, and where each of its tokens stands; null when they cannot be found again. */
function parse(subject: string | null): Parsed | null {
  // As signatureTokens reads a subject (the classifier takes the tags out first).
  const text = withoutTags(subject ?? '').replace(/\s+/g, ' ').replace(/\u0001/g, ' ');
  const spans: Span[] = [];
  let cursor = 0;
  for (const part of maskParts(text)) {
    let start = -1;
    for (const word of part.words) {
      const at = text.indexOf(word, cursor);
      if (at < 0 || word === '') return null;
      if (start < 0) start = at;
      cursor = at + word.length;
    }
    spans.push({ start, end: cursor });
  }
  return { text, spans };
}

const NUMBER = /^(\d+(?:[.,]\d+)?)(\s?)([a-z%]*)$/i;
const TIME = /^(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?|\d{2}:\d{2}(?::\d{2})?)$/;
const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;

/** "88–97%", "12–15 GB": numbers of one unit, from the least to the most; null when they are not. */
function range(values: string[]): string | null {
  const parsed = values.map((v) => NUMBER.exec(v));
  if (parsed.some((m) => m === null)) return null;
  const unit = parsed[0]![3]!.toLowerCase();
  if (parsed.some((m) => m![3]!.toLowerCase() !== unit)) return null;
  const numberOf = (m: RegExpExecArray) => Number(m[1]!.replace(',', '.'));
  const sorted = [...parsed].sort((a, b) => numberOf(a!) - numberOf(b!));
  return `${sorted[0]![1]}–${sorted[sorted.length - 1]![0]}`;
}

/** Is every value a host: one the message is about (its first label), or an address? */
function allHosts(values: Array<{ text: string; hosts: readonly string[] }>): boolean {
  return values.every(({ text, hosts }) => {
    const name = text.toLowerCase().replace(/:\d+$/, '');
    return IPV4.test(name) || hosts.some((h) => h === name || h.split('.')[0] === name.split('.')[0]);
  });
}

const listed = (values: string[], word: string) => (values.length === 1 ? values[0]! : `${values.slice(0, -1).join(', ')} ${word} ${values[values.length - 1]}`);

/** How a part that varies between the messages is told; `more`: they are the first of more. */
function summary(seen: Array<{ text: string; hosts: readonly string[] }>, more: boolean): string {
  const values = [...new Set(seen.map((s) => s.text))];
  const numbers = range(values);
  if (numbers !== null) return numbers;
  if (values.every((v) => TIME.test(v))) {
    const sorted = [...values].sort();
    return `${sorted[0]}–${sorted[sorted.length - 1]}`;
  }
  const hosts = allHosts(seen);
  if (values.length <= NAMED && !more) return listed(values, hosts ? 'and' : 'or');
  const plus = more ? '+' : '';
  return hosts ? `${values.length}${plus} hosts` : `${values[0]} and ${values.length - 1}${plus} others`;
}

/**
 * The title of an event whose messages of the opener's kind are these, the opener first. An
 * event of one message, or of messages that all say the same, is titled by its first subject as
 * it came; otherwise each part that varies is summed up, in the opener's words. The caller reads
 * at most TITLE_MESSAGES; `more`: the event holds more of them than these, and counts say "100+
 * hosts".
 */
export function eventTitle(messages: readonly TitleMessage[], more = false): string {
  const [opener] = messages;
  if (!opener) return subjectTitle(null);
  const first = parse(opener.subject);
  if (!first || first.spans.length === 0) return subjectTitle(opener.subject);
  const tokens = maskParts(first.text).map((p) => p.token);
  const seen: Array<Array<{ text: string; hosts: readonly string[] }>> = first.spans.map(() => []);
  for (const message of messages) {
    const parsed = message === opener ? first : parse(message.subject);
    // A subject that does not line up with the opener's (a template that took in another shape) is left out.
    if (!parsed || parsed.spans.length !== first.spans.length) continue;
    parsed.spans.forEach((span, i) => seen[i]!.push({ text: parsed.text.slice(span.start, span.end), hosts: message.hosts }));
  }
  let title = '';
  let cursor = 0;
  let varied = false;
  first.spans.forEach((span, i) => {
    const values = new Set(seen[i]!.map((s) => s.text));
    if (values.size <= 1) return;
    // A word of the template the messages spell in other cases only is the same word.
    if (tokens[i] !== WILDCARD && new Set([...values].map((v) => v.toLowerCase())).size <= 1) return;
    title += first.text.slice(cursor, span.start) + summary(seen[i]!, more);
    cursor = span.end;
    varied = true;
  });
  if (!varied) return subjectTitle(opener.subject);
  return (title + first.text.slice(cursor)).trim();
}
