// A rule proposed from one labelled example (docs/mailbox.md): an engineer filed a message by
// hand, and DaTamer proposes a rule that would file "messages of the same shape" the same way.
// Pure: a message and a label in, a rule draft out (or null when nothing distinctive is there).
//
// The shape of a monitoring message is its sender plus its subject with the parts that change
// from one mail to the next (numbers, times, ids, host names) made general. The body is left
// out: it carries the details that vary, and an engineer recognises a rule by its subject.
// Patterns are kept short and readable, because an engineer must decide whether to accept it.
// Tags the sender wrote (docs/tags.md) are kept as tag text: `:org:ops.db.pg:` is never taken
// for a host name, nor its digits for numbers. label.ts checks a draft against the labelled
// examples before it is offered, and asks for a narrower one when it would do them wrong.
import { isHostName } from './host-name.js';
import type { RuleDraft } from './rule-store.js';
import type { RuleCondition } from './rules.js';
import { tagSpans, type Severity, type TagSpan } from './tags.js';

export interface LabelExample {
  subject: string | null;
  fromAddress: string | null;
  /** the plain-text body: its first line stands in for a missing subject */
  text: string | null;
}

export interface Label {
  org: string;
  severity?: Severity | null;
}

/** How general the suggestion may be; label.ts narrows it when a broader one does the examples wrong. */
export type SuggestionShape = 'general' | 'general-without-server' | 'exact';

/** The subject text a suggestion looks at; longer subjects are matched by their beginning. */
export const SUBJECT_CAP = 120;
/** rules.name holds 200 characters; label.ts may add " (2)" to make a name unique */
const NAME_CAP = 190;
/** the named group a host name in the subject is captured as, for the servers action */
export const SERVER_GROUP = 'server';

// RE2 syntax (github.com/google/re2/wiki/Syntax): these are the characters with a meaning
// outside a class. Every other printable character stands for itself; we leave it bare so the
// pattern stays readable. Controls and line separators are written as \x{…}, which RE2 reads
// as that one character, so no input can smuggle syntax into the pattern.
const RE2_META = new Set('\\.+*?()|[]{}^$'.split(''));

/** `text` as an RE2 pattern that matches exactly that text. */
export function escapeRe2(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (RE2_META.has(ch)) out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) out += `\\x{${code.toString(16)}}`;
    else out += ch;
  }
  return out;
}

// Recognisers for the parts of a subject that change, tried where a word starts, in order.
// Each maps what it found to a short pattern. They run on at most SUBJECT_CAP characters, so
// their cost does not depend on how long a hostile subject is.
interface Found {
  length: number;
  pattern: string;
  host?: boolean;
}
type Recogniser = (text: string, at: number) => Found | null;

const WORD_CHAR = /[\p{L}\p{N}_]/u;
const endsWord = (text: string, end: number) => end >= text.length || !WORD_CHAR.test(text[end]!);

/** A recogniser for a whole word (or run of words) that `regex` matches where it starts. */
function sticky(regex: RegExp, pattern: string | ((m: string) => string | null)): Recogniser {
  return (text, at) => {
    regex.lastIndex = at;
    const m = regex.exec(text);
    if (!m || !endsWord(text, at + m[0].length)) return null;
    const p = typeof pattern === 'string' ? pattern : pattern(m[0]);
    return p === null ? null : { length: m[0].length, pattern: p };
  };
}

// A file name is not a host: `backup.tar.gz` stays itself.
const FILE_EXTENSIONS = new Set(['gz', 'tgz', 'bz2', 'xz', 'zst', 'zip', 'tar', 'sh', 'py', 'pl', 'rb', 'js', 'ts', 'php', 'sql', 'log', 'txt', 'csv', 'json', 'xml', 'yml', 'yaml', 'ini', 'conf', 'cfg', 'html', 'htm', 'pdf', 'bak', 'dump', 'out', 'err', 'pid', 'lock', 'service', 'timer', 'socket', 'img', 'iso', 'qcow2', 'vmdk']);
const HOST = /[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?){2,}/iy;

/**
 * A host name of three labels or more (`db1.example.com`) under a real top-level domain
 * (host-name.ts); two-label words are too often file or class names.
 */
const host: Recogniser = (text, at) => {
  HOST.lastIndex = at;
  const m = HOST.exec(text);
  const next = text[at + (m?.[0].length ?? 0)];
  if (!m || (next !== undefined && /[\p{L}\p{N}_-]/u.test(next))) return null;
  const name = m[0].toLowerCase();
  if (!isHostName(name) || FILE_EXTENSIONS.has(name.slice(name.lastIndexOf('.') + 1))) return null;
  return { length: m[0].length, pattern: '[a-z0-9.-]+', host: true };
};

const NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december',
  'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
  'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'mon', 'tue', 'tues', 'wed', 'thu', 'thur', 'thurs', 'fri', 'sat', 'sun'];
const DAY_OR_MONTH = new Set(NAMES);

const RECOGNISERS: Recogniser[] = [
  sticky(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/iy, '[0-9a-f-]{36}'),
  host,
  // An IPv6 address or a MAC: hex groups and colons, with a letter or `::` to tell it from a time.
  sticky(/[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}/iy, (m) => (/[a-f]|::/i.test(m) && m.length > 4 ? '[0-9a-f:]+' : null)),
  sticky(/0x[0-9a-f]+/iy, '0x[0-9a-f]+'),
  // A commit, container or queue id: seven hex digits or more, with both digits and letters.
  sticky(/[0-9a-f]{7,}/iy, (m) => (/\d/.test(m) && /[a-f]/i.test(m) ? '[0-9a-f]+' : null)),
  // `5m`, `1h30m`, `2.5s`, `250ms`: the length of something, which changes every time.
  sticky(/(?:\d+(?:\.\d+)?(?:ms|[smhdw]))+/iy, '[0-9.dhmsw]+'),
  sticky(/[a-z]+/iy, (m) => (DAY_OR_MONTH.has(m.toLowerCase()) ? '[a-z]+' : null)),
];

const DECIMAL = /\d+([.,])\d+/y;
const DIGITS = /\d+/y;
// RE2's \s is ASCII whitespace only; any other space stays a literal character.
const SPACES = /[ \t\n\f\r]+/y;

function at(regex: RegExp, text: string, index: number): string | null {
  regex.lastIndex = index;
  return regex.exec(text)?.[0] ?? null;
}

export interface GeneralisedText {
  pattern: string;
  /** letters kept as written: a pattern without any says nothing about what the text is */
  literalLetters: number;
  /** whether a host name was captured into the `server` group */
  capturesServer: boolean;
}

const countLetters = (text: string) => (text.match(/\p{L}/gu) ?? []).length;

/**
 * A tag as the pattern keeps it: its text as written, but for a server tag's name, which varies
 * like any host name (the tag itself already gives the server: nothing to capture).
 */
function tagPattern(text: string, span: TagSpan): string {
  if (span.kind !== 'server' || span.valueEnd === span.valueStart) return escapeRe2(text.slice(span.start, span.end));
  return `${escapeRe2(text.slice(span.start, span.valueStart))}[a-z0-9.-]+${escapeRe2(text.slice(span.valueEnd, span.end))}`;
}

/**
 * `text` as a pattern for texts of the same shape: the parts that vary become character
 * classes, the rest is escaped; tags stay tags. The first host name is captured as
 * `(?P<server>…)` unless `captureServer` is false.
 */
export function generalise(text: string, captureServer = true): GeneralisedText {
  let pattern = '';
  let literalLetters = 0;
  let capturesServer = false;
  const tags = new Map<number, TagSpan>();
  for (const span of tagSpans(text)) if (!tags.has(span.start)) tags.set(span.start, span);
  for (let i = 0; i < text.length; ) {
    const tag = tags.get(i);
    if (tag) {
      pattern += tagPattern(text, tag);
      literalLetters += countLetters(text.slice(tag.start, tag.kind === 'server' ? tag.valueStart : tag.end));
      i = tag.end;
      continue;
    }
    const spaces = at(SPACES, text, i);
    if (spaces !== null) {
      pattern += spaces === ' ' ? ' ' : '\\s+';
      i += spaces.length;
      continue;
    }
    const startsWord = i === 0 || !WORD_CHAR.test(text[i - 1]!);
    if (startsWord) {
      const found = RECOGNISERS.map((r) => r(text, i)).find((f) => f !== null);
      if (found) {
        const capture: boolean = captureServer && found.host === true && !capturesServer;
        pattern += capture ? `(?P<${SERVER_GROUP}>${found.pattern})` : found.pattern;
        capturesServer ||= capture;
        i += found.length;
        continue;
      }
    }
    // A decimal at a word start, not inside a dotted run (an IP address, a date, a version).
    const decimal = startsWord && !/[.,]/.test(text[i - 1] ?? '') ? at(DECIMAL, text, i) : null;
    if (decimal !== null && !/^[.,]\d/.test(text.slice(i + decimal.length, i + decimal.length + 2))) {
      pattern += decimal.includes(',') ? '[\\d,]+' : '[\\d.]+';
      i += decimal.length;
      continue;
    }
    const digits = at(DIGITS, text, i);
    if (digits !== null) {
      pattern += '\\d+';
      i += digits.length;
      continue;
    }
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    if (/\p{L}/u.test(ch)) literalLetters++;
    pattern += escapeRe2(ch);
    i += ch.length;
  }
  return { pattern, literalLetters, capturesServer };
}

/** The first SUBJECT_CAP characters, cut before a word that would not fit, when there is one. */
function capped(text: string): { text: string; whole: boolean } {
  const chars = Array.from(text);
  if (chars.length <= SUBJECT_CAP) return { text, whole: true };
  const head = chars.slice(0, SUBJECT_CAP).join('');
  const space = head.lastIndexOf(' ');
  return { text: space >= SUBJECT_CAP / 2 ? head.slice(0, space) : head, whole: false };
}

function shaped(text: string, shape: SuggestionShape): GeneralisedText {
  if (shape === 'exact') return { pattern: escapeRe2(text), literalLetters: countLetters(text), capturesServer: false };
  return generalise(text, shape === 'general');
}

/** The subject condition: the whole subject when it fits, else its beginning. */
function subjectCondition(subject: string, shape: SuggestionShape): { condition: RuleCondition; text: GeneralisedText } {
  const { text, whole } = capped(subject);
  const g = shaped(text, shape);
  return { condition: { field: 'subject', pattern: `^${g.pattern}${whole ? '$' : ''}` }, text: g };
}

/** A message without a subject: the first line of its body, from its beginning. */
function bodyCondition(body: string, shape: SuggestionShape): { condition: RuleCondition; text: GeneralisedText } | null {
  const line = body.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '');
  if (line === undefined) return null;
  const g = shaped(capped(line).text, shape);
  return { condition: { field: 'body', pattern: `(?m)^\\s*${g.pattern}` }, text: g };
}

const clip = (text: string, max: number) => (Array.from(text).length <= max ? text : `${Array.from(text).slice(0, max - 1).join('')}…`);

/**
 * A rule that would give messages of the example's shape the label's classification, or null
 * when the example has neither a subject nor a sender to recognise it by. The draft is
 * disabled: a suggestion classifies nothing until an engineer enables it. It says `continue`,
 * so the rules after it still add what they would have (a severity, servers).
 */
export function suggestRule(example: LabelExample, label: Label, shape: SuggestionShape = 'general'): RuleDraft | null {
  const sender = example.fromAddress?.trim() ?? '';
  const subject = example.subject ?? '';
  const conditions: RuleCondition[] = [];
  if (sender !== '') conditions.push({ field: 'from', pattern: `^${escapeRe2(sender)}$` });

  const candidate = subject.trim() !== '' ? subjectCondition(subject, shape) : sender !== '' && example.text ? bodyCondition(example.text, shape) : null;
  // Without a sender, a subject of numbers and punctuation alone would match far too much.
  const recognised = candidate && (sender !== '' || candidate.text.literalLetters > 0) ? candidate : null;
  if (recognised) conditions.push(recognised.condition);
  if (conditions.length === 0) return null;

  const named = sender !== '' ? `from ${clip(sender, 120)}` : `for "${clip(subject.trim(), 60)}"`;
  return {
    name: clip(`suggested: ${label.org} ${named}`, NAME_CAP),
    conditions,
    actions: {
      org: label.org,
      ...(label.severity ? { severity: label.severity } : {}),
      ...(recognised?.text.capturesServer ? { servers: [`$${SERVER_GROUP}`] } : {}),
    },
    continue: true,
    override: false,
    enabled: false,
  };
}
