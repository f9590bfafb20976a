// The tag grammar senders write into MSEs (docs/tags.md). Pure: a subject and
// a plain-text body in, what the tags say out, plus a warning for every tag that is malformed
// or overruled. Never throws; every pattern here is linear (no nested quantifiers), so hostile
// bodies cannot stall it.
//
//   severity  :info:  :warn:  :critical:           several: the highest wins
//   schedule  :sched-perhour|perday|permonth-N/V:   /V optional (0); the first valid one wins
//   org       :org:a.b.c:                           segments [a-z0-9_-]+; the first valid one wins
//   server    :svr:FQDN  or  :svr:FQDN:             any number; validated, lower-cased
//
// Everything is case-insensitive; org paths and server names are lower-cased.

import type { Period, Schedule, Severity } from '../../models/vocabulary.js';
import { isOrgPath } from '../org-paths.js';

export type { Period, Schedule, Severity };

export interface TagWarning {
  /** the text as the sender wrote it */
  tag: string;
  where: 'subject' | 'body';
  problem: string;
}

export interface Tags {
  severity: Severity | null;
  org: string | null;
  servers: string[];
  schedule: Schedule | null;
  warnings: TagWarning[];
}

export const SEVERITY_RANK: Record<Severity, number> = { info: 1, warn: 2, critical: 3 };

const PERIODS: Record<string, Period> = { perhour: 'hour', perday: 'day', permonth: 'month' };
/** counts beyond this are typos, not schedules */
const MAX_COUNT = 1_000_000;
const FQDN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

// Candidates: anything that starts like a tag. The `(?=:)` lookahead leaves the closing colon in
// place, so `:info:warn:` holds two severities, as a sender who glued them would expect.
const SEVERITY_TAG = /:(info|warn|critical)(?=:)/gi;
const SCHED_TAG = /:sched-([^\s:]{0,64})(:?)/gi;
const ORG_TAG = /:org:([^\s:]{0,400})(:?)/gi;
// A name ends where an FQDN cannot go on: space, punctuation, quotes, or the backslash of an escaped quote in JSON.
const SVR_TAG = /:svr:([^\s:,;<>()[\]"'`\\]{0,300})(:?)/gi;

export function isFqdn(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (labels.length < 2) return false;
  // An all-numeric last label is an IP address, not a name.
  if (/^\d+$/.test(labels[labels.length - 1]!)) return false;
  return labels.every((label) => FQDN_LABEL.test(label));
}

function parseCount(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,7}$/.test(text)) return null;
  const n = Number(text);
  return n <= MAX_COUNT ? n : null;
}

/** `perday-3/1` → { period: 'day', n: 3, v: 1 }, or why not. */
export function parseScheduleSpec(spec: string): Schedule | string {
  const match = /^([a-z]+)-([^/]*)(?:\/(.*))?$/i.exec(spec);
  if (!match) return 'expected sched-perhour|perday|permonth-N or -N/V';
  const period = PERIODS[match[1]!.toLowerCase()];
  if (!period) return `unknown period "${match[1]}": use perhour, perday or permonth`;
  const n = parseCount(match[2]);
  if (n === null) return `"${match[2]}" is not a count (a whole number from 0 to ${MAX_COUNT})`;
  const v = match[3] === undefined ? 0 : parseCount(match[3]);
  if (v === null) return `"${match[3]}" is not a variance (a whole number from 0 to ${MAX_COUNT})`;
  return { period, n, v };
}

interface Found<T> {
  value: T;
  tag: string;
  where: 'subject' | 'body';
}

function* scan(regex: RegExp, text: string): Generator<RegExpExecArray> {
  regex.lastIndex = 0;
  for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
    if (m[0].length === 0) regex.lastIndex++;
    yield m;
  }
}

/**
 * A message keeps at most this many tag warnings, then one that counts the rest: a 1 MB body of
 * `:svr:! ` would otherwise store 13 MB of warnings (docs/tags.md).
 */
export const MAX_TAG_WARNINGS = 20;

/** What the tags of a subject and a plain-text body say. */
export function parseTags(subject: string, body: string): Tags {
  const kept: TagWarning[] = [];
  let dropped = 0;
  const warnings = { push: (w: TagWarning) => (kept.length < MAX_TAG_WARNINGS ? kept.push(w) : dropped++) };
  const severities: Severity[] = [];
  const orgs: Array<Found<string>> = [];
  const schedules: Array<Found<Schedule>> = [];
  const servers: string[] = [];

  for (const [where, text] of [['subject', subject], ['body', body]] as const) {

    for (const m of scan(SCHED_TAG, text)) {
      const tag = m[0];
      if (!m[2]) { warnings.push({ tag, where, problem: 'schedule tag is not closed with ":"' }); continue; }
      const parsed = parseScheduleSpec(m[1]!);
      if (typeof parsed === 'string') warnings.push({ tag, where, problem: parsed });
      else schedules.push({ value: parsed, tag, where });
    }

    for (const m of scan(ORG_TAG, text)) {
      const tag = m[0];
      const org = m[1]!.toLowerCase();
      if (!m[2]) warnings.push({ tag, where, problem: 'org tag is not closed with ":"' });
      else if (org === '') warnings.push({ tag, where, problem: 'org tag is empty' });
      else if (!isOrgPath(org)) warnings.push({ tag, where, problem: `"${m[1]}" is not an org path (dot-separated a-z 0-9 _ - segments)` });
      else orgs.push({ value: org, tag, where });
    }

    for (const m of scan(SVR_TAG, text)) {
      // A sentence may end right after the name: `:svr:db1.example.com.`
      const name = m[1]!.toLowerCase().replace(/\.$/, '');
      if (isFqdn(name)) {
        if (!servers.includes(name)) servers.push(name);
      } else {
        warnings.push({ tag: m[0], where, problem: `"${m[1]}" is not a fully qualified domain name` });
      }
    }

    // Severity last, on the text without the other tags: `:org:info:` names an org, not a severity.
    const rest = text.replace(SCHED_TAG, ' ').replace(ORG_TAG, ' ').replace(SVR_TAG, ' ');
    for (const m of scan(SEVERITY_TAG, rest)) severities.push(m[1]!.toLowerCase() as Severity);
  }

  const firstWins = <T>(found: Array<Found<T>>, same: (a: T, b: T) => boolean, kind: string): T | null => {
    const [first, ...rest] = found;
    if (!first) return null;
    for (const other of rest) {
      // A repeat of the same value is harmless; only a different one is a conflict worth telling.
      if (!same(other.value, first.value)) warnings.push({ tag: other.tag, where: other.where, problem: `ignored: the earlier ${kind} tag ${first.tag} wins` });
    }
    return first.value;
  };

  return {
    severity: severities.reduce<Severity | null>((best, s) => (best === null || SEVERITY_RANK[s] > SEVERITY_RANK[best] ? s : best), null),
    org: firstWins(orgs, (a, b) => a === b, 'org'),
    servers,
    schedule: firstWins(schedules, (a, b) => a.period === b.period && a.n === b.n && a.v === b.v, 'schedule'),
    warnings: dropped === 0 ? kept : [...kept, { tag: '', where: kept[kept.length - 1]!.where, problem: `${dropped} more tag warning${dropped === 1 ? '' : 's'} not kept` }],
  };
}

export interface TagSpan {
  /** where the tag's text starts and ends in the text (`end` exclusive) */
  start: number;
  end: number;
  kind: 'severity' | 'schedule' | 'org' | 'server';
  /** where the tag's value (the org path, the server name…) starts and ends */
  valueStart: number;
  valueEnd: number;
}

/**
 * Where tags stand in a text, well-formed or not, by the same patterns parseTags reads them
 * with: the text a rule suggestion (suggest.ts) keeps as tag text instead of taking a part of it
 * for a host name or a number.
 */
export function tagSpans(text: string): TagSpan[] {
  const spans: TagSpan[] = [];
  const add = (regex: RegExp, kind: TagSpan['kind'], prefix: number) => {
    for (const m of scan(regex, text)) {
      if (m[0].length === 0) continue;
      const valueStart = m.index + prefix;
      spans.push({ start: m.index, end: m.index + m[0].length, kind, valueStart, valueEnd: valueStart + m[1]!.length });
    }
  };
  add(SEVERITY_TAG, 'severity', 1);
  add(SCHED_TAG, 'schedule', ':sched-'.length);
  add(ORG_TAG, 'org', ':org:'.length);
  add(SVR_TAG, 'server', ':svr:'.length);
  return spans.sort((a, b) => a.start - b.start || b.end - a.end);
}

/** The canonical tags for a classification: what a sender would write to get exactly it. */
export function formatTags(tags: Pick<Tags, 'severity' | 'org' | 'servers' | 'schedule'>): string {
  const parts: string[] = [];
  if (tags.severity) parts.push(`:${tags.severity}:`);
  if (tags.org) parts.push(`:org:${tags.org}:`);
  for (const server of tags.servers) parts.push(`:svr:${server}:`);
  if (tags.schedule) parts.push(`:sched-per${tags.schedule.period}-${tags.schedule.n}/${tags.schedule.v}:`);
  return parts.join(' ');
}
