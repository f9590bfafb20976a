// What a message's signature is made of: its subject and first lines, with the parts that vary
// from message to message of one kind masked (addresses, hosts, paths, times, sizes, ids,
// numbers), as tokens for the template miner (drain.ts). Pure; the input is cut short first, so
// hostile mail costs no more than a normal one. docs/correlation.md explains it.
import { WILDCARD, type DrainSettings } from './drain.js';

/**
 * The miner's settings for mail. Depth 5 reads two tokens down the tree: subjects start with the
 * tool's word for what happened (`** PROBLEM`, `** RECOVERY`, `[ FIRING:`, `[ RESOLVED`), so a
 * problem and its recovery get signatures of their own even where the rest of the text agrees.
 */
export const MAIL_DRAIN: DrainSettings = { depth: 5, similarity: 0.5, maxChildren: 100 };

/** How many non-empty lines of the body count, after the subject. */
export const SIGNATURE_LINES = 4;
/** Each line is cut to this many characters before it is masked. */
const LINE_LIMIT = 200;
/**
 * A body line gives at most this many tokens. Drain only compares sequences of one length, and
 * the free text some tools put in their first lines (a commit message in Jenkins mail, a job's
 * output) varies in length from message to message of one kind: its first words are enough.
 */
export const LINE_TOKENS = 6;
/** The most of a body a signature looks at: its first lines are well inside it. */
export const SIGNATURE_SCAN = SIGNATURE_LINES * LINE_LIMIT * 4;
/** Between the subject and the body, so a word cannot move from one to the other. */
export const SUBJECT_END = '¶';

// The masks, in order: the longer shapes first, so a path is not cut into numbers. Each is linear
// on a line of at most LINE_LIMIT characters (no nested quantifiers over the same characters).
const MASKS: RegExp[] = [
  /\b[a-z][a-z0-9+.-]{1,15}:\/\/\S+/gi, // URLs
  /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, // mail addresses
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, // UUIDs
  /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?/g, // ISO dates and times
  /\b\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\b/g, // clock times
  /\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, // IPv4 addresses, with a port
  /\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}\b/gi, // IPv6 addresses
  /(?:^|(?<=[\s=:'"(]))(?:~|\.{1,2})?(?:\/[\w.@%+-]*)+/g, // paths
  /\b[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,24}\b(?::\d+)?/gi, // host names
  /\b0x[0-9a-f]+\b|\b[0-9a-f]{12,}\b/gi, // hex ids
  /\b\d+(?:[.,]\d+)?\s?(?:[kmgtp]i?b|bytes?|%|ms|s|sec|min|h)?(?![\w.])/gi, // numbers, sizes, percentages, durations
];

// Masked text is marked with a character mail does not carry (a control character, taken out of
// the input first), so splitting off punctuation cannot cut a wildcard apart. After the mark comes
// a character of Unicode's private use area that numbers what was masked, so the text it stood
// for can be told again (an event's title, event-title.ts); no mask matches either character.
const MARK = '\u0001';
const MARKS = /\u0001/g;
const MASKED = /\u0001([\ue000-\uf8ff])/g;
const FIRST_INDEX = 0xe000;

// A word that still holds a digit is a variable too (web3, job-20261123, #1432), as Drain assumes.
const HAS_DIGIT = /\d/;
const PUNCTUATION = /([,;()[\]{}<>"'|/=])/g;

/** A token of a line, with the text it stands for (for a wildcard, the text it masked). */
export interface TokenPart {
  token: string;
  /** the words of the line the token stands for, in order (several for masks in a row) */
  words: string[];
}

/** The tokens of one line, each with the text it stands for. */
export function maskParts(line: string): TokenPart[] {
  let text = line.slice(0, LINE_LIMIT).replace(MARKS, ' ');
  const masked: string[] = [];
  for (const mask of MASKS) {
    text = text.replace(mask, (found) => ` ${MARK}${String.fromCharCode(FIRST_INDEX + masked.push(found) - 1)} `);
  }
  const told = (word: string) => word.replace(MASKED, (_, index: string) => masked[index.charCodeAt(0) - FIRST_INDEX] ?? '');
  const parts: TokenPart[] = [];
  for (const word of text.replace(PUNCTUATION, ' $1 ').split(/\s+/)) {
    if (word === '') continue;
    const token = word.includes(MARK) || HAS_DIGIT.test(word) ? WILDCARD : word;
    const last = parts[parts.length - 1];
    // Several variables in a row are one: "12 GB", "2026-11-23 03:12" vary in how they are spelt.
    if (token === WILDCARD && last?.token === WILDCARD) {
      last.words.push(told(word));
      continue;
    }
    parts.push({ token, words: [told(word)] });
  }
  return parts;
}

const maskLine = (line: string): string[] => maskParts(line).map((p) => p.token);

/** The tokens a message's signature is mined from: its subject, then its first lines. */
export function signatureTokens(subject: string | null, body: string): string[] {
  const lines: string[] = [];
  // Only the start of the body is looked at; splitting a whole 1 MiB body would cost for nothing.
  for (const line of body.slice(0, SIGNATURE_SCAN).split(/\r?\n/)) {
    if (lines.length === SIGNATURE_LINES) break;
    if (line.trim() !== '') lines.push(line);
  }
  return [...maskLine((subject ?? '').replace(/\s+/g, ' ')), SUBJECT_END, ...lines.flatMap((line) => maskLine(line).slice(0, LINE_TOKENS))];
}
