// Online grouping (docs/correlation.md, Grouping): a classified, signed message and the events
// its tenant has open go in; "attach it to event X, because …" or "open a new event, because …"
// comes out. Pure: the events and their recent members are held in memory (OpenEvents) by
// whoever calls it; src/events/grouping-session.ts loads them and writes what was decided.
//
// The signals, after the ladder of baselines in docs/correlation.md, each of which can be
// switched off so that each one's gain can be measured:
//   repeat    the same host and check (or signature) again: a repeat joins, it never opens
//   recovery  a recovery joins its problem's event, and says that source recovered
//   host      the same host inside a window
//   storm     one signature from several hosts inside a window
//   mention   a host one message is about is named by the other, inside a window
//   org       hosts of one org inside a window
// An event takes windowed joins while the last related message is no older than `windowMs` and
// the event no older than `cookForMs` (Moogsoft's "cook for": each related message extends the
// window, up to a maximum). A completed event takes no new mail (PagerDuty's rule): it is not
// among the open events at all.
import type { Severity } from '../classification/tags.js';
import type { GroupingKeys } from './grouping-keys.js';

export type Signal = 'repeat' | 'recovery' | 'host' | 'storm' | 'mention' | 'org';
/** In the order they are tried: the most specific first. */
export const SIGNALS: Signal[] = ['repeat', 'recovery', 'host', 'storm', 'mention', 'org'];

export interface GroupingSettings {
  signals: Signal[];
  /** the most time between related messages for the windowed signals (storm, host, org) */
  windowMs: number;
  /** the most time from an event's first message for a windowed join ("cook for") */
  cookForMs: number;
  /** how long a source's problem stays open to its repeats and its recovery */
  repeatMs: number;
  /** a recovery that leaves no source of an unclaimed event in trouble completes the event */
  recoveryCompletes: boolean;
}

const MINUTE = 60_000;
export const DEFAULT_GROUPING: GroupingSettings = {
  signals: SIGNALS,
  windowMs: 10 * MINUTE,
  cookForMs: 2 * 60 * MINUTE,
  repeatMs: 24 * 60 * MINUTE,
  recoveryCompletes: true,
};

/** A message of an open event, as grouping remembers it. */
export interface Member {
  keys: GroupingKeys;
  at: number;
}

/** A source of trouble: a host and what was checked on it (or the signature, when no tool says). */
interface Source {
  lastAt: number;
  recovered: boolean;
}

export interface OpenEvent {
  id: number;
  /** assigned events are claimed: a recovery never completes them */
  status: 'open' | 'assigned';
  severity: Severity | null;
  createdAt: number;
  /** the time of its last member */
  lastAt: number;
  /** its members inside the cook-for time, oldest first */
  members: Member[];
  sources: Map<string, Source>;
  /** routine mail's event, or one a rule keeps apart: nothing joins it */
  closed: boolean;
}

export type Decision =
  | { attach: true; eventId: number; signal: Signal; reason: string; recovered: boolean; completes: boolean }
  | { attach: false; reason: string; groupable: boolean };

const RANK: Record<Severity, number> = { info: 1, warn: 2, critical: 3 };

/** The louder of two severities (null is the quietest). */
export function louder(a: Severity | null, b: Severity | null): Severity | null {
  if (a === null) return b;
  if (b === null) return a;
  return RANK[b] > RANK[a] ? b : a;
}

/** Host names compare by their first label: a tool's `web3` is a tag's `web3.example.test`. */
const shortHost = (host: string) => host.split('.')[0]!;

// Words of state some tools write into what they name the check ("Connection failed
// postgres-primary", "Connection succeeded postgres-primary", Monit): a problem and its recovery
// are about one check.
const STATE_WORDS = /\b(failed|failure|succeeded|success|ok|error|matched|changed|recovered|resolved|down|up|critical|warning|unknown)\b/g;
const checkKey = (check: string) => check.toLowerCase().replace(STATE_WORDS, ' ').replace(/\s+/g, ' ').trim();

/** The keys of the sources a message speaks about: a tool's check on a host (a host check when the tool names none), else its signature on a host. */
export function sourceKeys(keys: GroupingKeys): string[] {
  const what = keys.tool ? `${keys.tool}:${checkKey(keys.check ?? '')}` : keys.sig !== null ? `sig:${keys.sig}` : null;
  if (what === null) return [];
  if (keys.hosts.length === 0) return keys.tool && keys.check ? [`-|${what}`] : [];
  return [...new Set(keys.hosts.map((h) => `${shortHost(h)}|${what}`))];
}

const sharesHost = (a: GroupingKeys, b: GroupingKeys) => a.hosts.some((h) => b.hosts.some((g) => shortHost(g) === shortHost(h)));

function ago(ms: number): string {
  const minutes = Math.round(ms / MINUTE);
  if (minutes < 1) return 'in the last minute';
  if (minutes < 120) return `in the last ${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `in the last ${Math.round(minutes / 60)} hours`;
}

function since(ms: number): string {
  const minutes = Math.round(ms / MINUTE);
  if (minutes < 1) return 'less than a minute ago';
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  return `${Math.round(minutes / 60)} hours ago`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** How a set of members is described in a reason: "14 messages from 12 hosts of lk.storage in the last 4 minutes". */
function describe(members: Member[], at: number): string {
  const hosts = new Set(members.flatMap((m) => m.keys.hosts.map(shortHost)));
  const orgs = new Set(members.map((m) => m.keys.org).filter((o): o is string => o !== null));
  const first = Math.min(...members.map((m) => m.at));
  const from = hosts.size > 0 ? ` from ${plural(hosts.size, 'host')}` : '';
  const of = orgs.size === 1 ? ` of ${[...orgs][0]}` : '';
  return `${plural(members.length, 'message')}${from}${of} ${ago(at - first)}`;
}

const sourceName = (key: string) => key.replace('|', ' / ').replace(/^- \/ /, '').replace(/(^| \/ )sig:\d+$/, '$1its signature');

/**
 * The open events a tenant has, with what grouping needs of their recent members. Pure and
 * in memory; changed only through decide's caller (add, attach, complete).
 */
export class OpenEvents {
  readonly events = new Map<number, OpenEvent>();

  constructor(readonly settings: GroupingSettings) {}

  /** A new event, made by its first message. */
  open(id: number, keys: GroupingKeys, at: number, status: OpenEvent['status'] = 'open'): OpenEvent {
    const event: OpenEvent = { id, status, severity: keys.severity, createdAt: at, lastAt: at, members: [], sources: new Map(), closed: keys.rule === 'never' || keys.routine };
    this.events.set(id, event);
    this.add(event, keys, at);
    return event;
  }

  /** A message joins an event; routine mail and mail nobody may group with are never remembered. */
  add(event: OpenEvent, keys: GroupingKeys, at: number): void {
    event.lastAt = Math.max(event.lastAt, at);
    event.severity = louder(event.severity, keys.severity);
    if (keys.routine) return;
    event.members.push({ keys, at });
    for (const key of sourceKeys(keys)) {
      const source = event.sources.get(key);
      const recovered = keys.state === 'recovery' ? true : keys.state === 'problem' || !source ? false : source.recovered;
      event.sources.set(key, { lastAt: at, recovered });
    }
  }

  /** The event is completed (or taken out of grouping): it takes no more mail. */
  remove(id: number): void {
    this.events.delete(id);
  }

  /** Renames an event decided on before it had its id. */
  rename(from: number, to: number): void {
    const event = this.events.get(from);
    if (!event) return;
    this.events.delete(from);
    event.id = to;
    this.events.set(to, event);
  }

  /** Forgets what no message can join any more: members older than the cook-for time, events quiet longer than the repeat time. */
  prune(now: number): void {
    const { cookForMs, repeatMs } = this.settings;
    for (const [id, event] of this.events) {
      if (now - event.lastAt > repeatMs) {
        this.events.delete(id);
        continue;
      }
      const keep = event.members.findIndex((m) => now - m.at <= cookForMs);
      if (keep > 0) event.members.splice(0, keep);
      else if (keep < 0) event.members.length = 0;
    }
  }
}

interface Match {
  event: OpenEvent;
  signal: Signal;
  reason: string;
  recovered: boolean;
  completes: boolean;
}

function matchEvent(event: OpenEvent, keys: GroupingKeys, at: number, settings: GroupingSettings, on: Set<Signal>): Match | null {
  const sources = sourceKeys(keys);
  const id = `#${event.id}`;
  if (keys.state === 'recovery') {
    if (!on.has('recovery')) return null;
    const hit = sources.find((k) => {
      const s = event.sources.get(k);
      return s !== undefined && at - s.lastAt <= settings.repeatMs;
    });
    if (!hit) return null;
    const left = [...event.sources.entries()].filter(([k, s]) => k !== hit && !s.recovered).length;
    const completes = left === 0 && event.status === 'open' && settings.recoveryCompletes;
    const rest = left === 0 ? (completes ? 'every source of it has recovered: completed' : 'every source of it has recovered') : `${plural(left, 'source')} still in trouble`;
    return { event, signal: 'recovery', reason: `joined ${id}: ${sourceName(hit)} recovered; ${rest}`, recovered: true, completes };
  }
  if (on.has('repeat')) {
    const hit = sources.find((k) => {
      const s = event.sources.get(k);
      return s !== undefined && !s.recovered && at - s.lastAt <= settings.repeatMs;
    });
    if (hit) {
      const s = event.sources.get(hit)!;
      return { event, signal: 'repeat', reason: `joined ${id}: a repeat of ${sourceName(hit)}, last heard ${since(at - s.lastAt)}`, recovered: false, completes: false };
    }
  }
  // The windowed signals: the event is still cooking, and its last related message is recent.
  if (at - event.createdAt > settings.cookForMs) return null;
  const recent = event.members.filter((m) => at - m.at <= settings.windowMs && !m.keys.routine);
  if (recent.length === 0) return null;
  if (on.has('host') && keys.hosts.length > 0) {
    const same = recent.filter((m) => sharesHost(m.keys, keys));
    if (same.length > 0) {
      const host = keys.hosts.find((h) => same.some((m) => m.keys.hosts.some((g) => shortHost(g) === shortHost(h))))!;
      return { event, signal: 'host', reason: `joined ${id}: same host ${host} as ${describe(same, at)}`, recovered: false, completes: false };
    }
  }
  // A storm is one kind of mail from more than one host (the same host again is a repeat). One
  // kind: the same signature, or the same check of the same tool (two processes meeting a new
  // kind of mail at once may each mine a signature for it: docs/correlation.md, Signatures).
  if (on.has('storm') && keys.hosts.length > 0) {
    const sameKind = (m: Member) => (keys.sig !== null && m.keys.sig === keys.sig) || (keys.tool !== null && keys.check !== null && m.keys.tool === keys.tool && m.keys.check === keys.check && m.keys.state === keys.state);
    const same = recent.filter((m) => sameKind(m) && m.keys.hosts.length > 0);
    if (same.length > 0 && same.some((m) => !sharesHost(m.keys, keys))) {
      return { event, signal: 'storm', reason: `joined ${id}: same ${same.every((m) => m.keys.sig === keys.sig) ? 'signature' : 'check'} as ${describe(same, at)}`, recovered: false, completes: false };
    }
  }
  if (on.has('mention')) {
    // What one is about, the other names (or both name it): "at [db1.example.test]:5432".
    const about = (k: GroupingKeys) => k.hosts.map(shortHost);
    const named = (k: GroupingKeys) => (k.mentions ?? []).map(shortHost);
    const mine = new Set([...about(keys), ...named(keys)]);
    const same = recent.filter((m) => [...about(m.keys), ...named(m.keys)].some((h) => mine.has(h)) && (named(keys).length > 0 || named(m.keys).length > 0));
    const host = same.length > 0 ? [...mine].find((h) => same.some((m) => [...about(m.keys), ...named(m.keys)].includes(h))) : undefined;
    if (host) return { event, signal: 'mention', reason: `joined ${id}: names or is about ${host}, as ${describe(same, at)}`, recovered: false, completes: false };
  }
  if (on.has('org') && keys.org !== null && keys.hosts.length > 0) {
    const same = recent.filter((m) => m.keys.org === keys.org && m.keys.hosts.length > 0);
    if (same.length > 0) return { event, signal: 'org', reason: `joined ${id}: hosts of one org, ${keys.org}: ${describe(same, at)}`, recovered: false, completes: false };
  }
  return null;
}

/**
 * Decides where a message goes. Routine mail and mail a rule keeps apart open events of their
 * own; otherwise the most specific signal wins (SIGNALS' order), and among events matched by
 * one signal the one most recently heard from.
 */
export function decide(open: OpenEvents, keys: GroupingKeys, at: number): Decision {
  if (keys.rule === 'never') return { attach: false, reason: 'opened: a rule says never group this mail', groupable: false };
  if (keys.rule === 'new') return { attach: false, reason: 'opened: a rule says this mail always opens a new event', groupable: true };
  if (keys.routine) return { attach: false, reason: 'opened: routine mail (a schedule, a report, information) is never grouped', groupable: false };
  const on = new Set(open.settings.signals);
  let best: Match | null = null;
  for (const event of open.events.values()) {
    if (event.closed) continue;
    const match = matchEvent(event, keys, at, open.settings, on);
    if (!match) continue;
    const rank = SIGNALS.indexOf(match.signal);
    if (!best || rank < SIGNALS.indexOf(best.signal) || (rank === SIGNALS.indexOf(best.signal) && event.lastAt > best.event.lastAt)) best = match;
  }
  if (best) return { attach: true, eventId: best.event.id, signal: best.signal, reason: best.reason, recovered: best.recovered, completes: best.completes };
  return { attach: false, reason: on.size === 0 ? 'opened: grouping is off' : 'opened: no open event matches', groupable: true };
}
