// Online grouping (docs/correlation.md, Grouping): a classified, signed message and the events
// its tenant has open go in; "attach it to event X, because …" or "open a new event, because …"
// comes out. Pure: the events and their recent members are held in memory (OpenEvents) by
// whoever calls it; src/events/grouping-session.ts loads them and writes what was decided.
//
// The signals, after the ladder of baselines in docs/correlation.md, each of which can be
// switched off so that each one's gain can be measured:
//   repeat    the same host and check (or signature) again, heard of within the repeat time:
//             a repeat joins, it never opens
//   recovery  a recovery joins the event where its problem is still in trouble, and says that
//             source recovered
//   host      the same host inside a window, when both messages are of kinds rarely sent (by
//             the fleet, or by that host: news from it), or when their checks name one path on
//             it (two tools seeing one full disk); and a path of a problem still in trouble,
//             heard of within 6 hours (a disk failing over hours)
//   storm     one kind of mail from several hosts inside a window, more hosts than its usual
//             rate makes likely; or storming over a host where another kind storms
//   mention   a host one message is about is named by the other, inside a window, both rare;
//             or rare mail naming a host whose own critical problem came minutes before
//   org       hosts of one org inside a window, both rare
//   together  rare kinds of mail arriving together within minutes (tools that co-occur in one
//             incident: a database's own alerts and its clients' complaints)
//   learned   two kinds of mail that were rare together in one event in the last 14 days arrive
//             together again, neither of them everyday mail: what co-occurs is learned from
//             what arrived together before (an NFS server's alert and its clients' complaints,
//             yesterday's glitch)
// How unusual a burst is comes from each key's own rate over the last day (rarity.ts): at
// 20,000 messages a day every host and every common check fires inside any window, and a
// window alone would swallow that background. An event takes windowed joins while the last
// related message is no older than `windowMs` and the event no older than `cookForMs`
// (Moogsoft's "cook for": each related message extends the window, up to a maximum). A
// completed event takes no new mail (PagerDuty's rule): it is not among the open events at all.
//
// Open events are indexed by source, host, kind and org, so a decision looks only at the events
// that share something with the message; the sentence of the reason is written for the winner.
// When the message joins one by host, storm or mention and matches others by those too, they are
// one incident and merge into the oldest (mergesOf; docs/correlation.md, Events that merge).
import type { Severity } from '../classification/tags.js';
import type { GroupingKeys } from './grouping-keys.js';
import { KindRates, poissonTail, type Burst } from './rarity.js';

export type Signal = 'repeat' | 'recovery' | 'host' | 'storm' | 'mention' | 'org' | 'together' | 'learned';
/** In the order they are tried: the most specific first. */
export const SIGNALS: Signal[] = ['repeat', 'recovery', 'host', 'storm', 'mention', 'org', 'together', 'learned'];

export interface GroupingSettings {
  signals: Signal[];
  /** the most time between related messages for the windowed signals (storm, host, org) */
  windowMs: number;
  /** the most time from an event's first message for a windowed join ("cook for") */
  cookForMs: number;
  /** how long a source's problem stays open to its repeats */
  repeatMs: number;
  /** the same, in an event someone has claimed: their problem's reminders go to them */
  claimedRepeatMs: number;
  /** how long a source's problem stays open to its recovery */
  recoveryMs: number;
  /** how long after a problem's last mail unusual mail naming its path on its host still joins it (a failure going on for hours) */
  slowMs: number;
  /** a recovery that leaves no source of an unclaimed event in trouble completes the event */
  recoveryCompletes: boolean;
  /** the most time between two rare messages that arrive together */
  togetherMs: number;
  /** how far back a key's usual rate is counted */
  horizonMs: number;
  /** the least history a rate is computed over, for a new tenant */
  minHistoryMs: number;
  /** the recent time left out of a key's usual rate: the burst being judged must not make itself usual */
  recentMs: number;
  /** rare mail arriving together joins only while rare mail comes by chance at most this often in `togetherMs` */
  togetherRate: number;
  /** everyday mail: a kind whose one message inside the window is more likely than this by chance (never learned) */
  everydayChance: number;
  /** how long two kinds that were rare together in one event are remembered (the learned signal) */
  learnedMs: number;
  /** the most pairs of kinds remembered per tenant: the oldest are forgotten first */
  learnedMax: number;
  /** a message is of a rare kind when seeing it by chance inside the window is at most this likely */
  rareChance: number;
  /**
   * a kind is news from a host when one of it inside the window is at most this likely at the
   * host's own rate and the host did not send it in the repeat time: sent there at most once in
   * a day of history (1.06 %), while a kind never seen over a new tenant's least history of 6
   * hours (1.4 %) is not news until the history says so
   */
  hostRareChance: number;
  /** news from its host joins the host signal while one of its kind inside the window is at most this likely for the whole fleet */
  hostKindChance: number;
  /**
   * ... and only while a host sends such news (not rare for the fleet) by chance at most this
   * often inside the window: a host in an incident takes mail for a few windows, and news on it
   * by chance should stay about 1 % (a small fleet whose every kind is seldom makes nearly every
   * routine problem news from its host)
   */
  hostNewsRate: number;
  /** a burst (a storm, a busy host) is unusual when seeing it by chance is at most this likely */
  burstChance: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const DEFAULT_GROUPING: GroupingSettings = {
  signals: SIGNALS,
  windowMs: 10 * MINUTE,
  cookForMs: 2 * HOUR,
  repeatMs: 2 * HOUR,
  claimedRepeatMs: 24 * HOUR,
  recoveryMs: 24 * HOUR,
  slowMs: 6 * HOUR,
  recoveryCompletes: true,
  togetherMs: 5 * MINUTE,
  horizonMs: 24 * HOUR,
  minHistoryMs: 6 * HOUR,
  recentMs: 30 * MINUTE,
  togetherRate: 0.1,
  everydayChance: 0.2,
  learnedMs: 14 * 24 * HOUR,
  learnedMax: 5000,
  rareChance: 0.01,
  hostRareChance: 0.012,
  hostKindChance: 0.05,
  hostNewsRate: 0.003,
  burstChance: 0.0001,
};

/** Two kinds of mail (a < b) last rare together in one event at `at`. */
export interface LearnedPair {
  a: string;
  b: string;
  at: number;
  eventId: number;
}

/** A message of an open event, as grouping remembers it. */
export interface Member {
  keys: GroupingKeys;
  at: number;
  /** its kind of mail (kindOf), null when it has none */
  kind: string | null;
  /** the chance of its kind (with its severity) from its hosts inside the window when it came; NOT_A_PROBLEM for a recovery */
  rarity: number;
  /** its kind is news from its hosts (newFromHost) */
  newHere: boolean;
  /**
   * it repeats a problem of its event that began more than a window before it: mail that was
   * already coming before whatever happens now (smartd's temperature warnings, which never
   * recover, on the device that now fails)
   */
  ongoing: boolean;
  /**
   * it goes on with a failure of its host that began more than a window before it (a new symptom
   * of a disk failing for hours, matchSlowPath): it comes when that failure's time says, so
   * other mail arriving with it is a coincidence, not one incident (the together signal)
   */
  slow: boolean;
  /** it came in an unusual storm of its kind (more hosts inside the window than its rate makes likely) */
  storming: boolean;
}

/** The rarity of a member that reports no problem (a recovery): above any chance. */
const NOT_A_PROBLEM = 2;

/** A source of trouble: a host and what was checked on it (or the signature, when no tool says). */
interface Source {
  lastAt: number;
  /** when its trouble began in the event (its first problem there, or its first since it recovered) */
  since: number;
  /** the paths its check names, while its problem was rare for the fleet or news from its host (else none): what a slow failure goes on about */
  paths: string[];
  recovered: boolean;
  /** how loud its last problem was */
  severity: Severity | null;
}

export interface OpenEvent {
  id: number;
  /** assigned events are claimed: a recovery never completes them */
  status: 'open' | 'assigned';
  severity: Severity | null;
  createdAt: number;
  /**
   * since when it cooks (takes windowed joins for the cook-for time): its creation, or the last
   * new symptom of a failure going on for hours (matchSlowPath), which is news again
   */
  cookingFrom: number;
  /** the time of its last member */
  lastAt: number;
  /** its members inside the cook-for time, oldest first */
  members: Member[];
  sources: Map<string, Source>;
  /** routine mail's event, or one a rule keeps apart: nothing joins it */
  closed: boolean;
  /** a rule said its first message always opens a new event: later mail may join it, but it merges with no other */
  own: boolean;
  /** the index entries that lead to it (OpenEvents.index) */
  indexed: Set<string>;
}

/** An event the message also matched, merged with the one it joined (docs/correlation.md, "Events that merge"). */
export interface Merge {
  /** the event merged away */
  from: number;
  /** the event that takes its messages: the older of the two */
  into: number;
  /** why, in words: the activity log's note */
  note: string;
}

export type Decision =
  | { attach: true; eventId: number; signal: Signal; reason: string; recovered: boolean; completes: boolean; merges: Merge[] }
  | { attach: false; reason: string; groupable: boolean };

const RANK: Record<Severity, number> = { info: 1, warn: 2, critical: 3 };

/** The louder of two severities (null is the quietest). */
export function louder(a: Severity | null, b: Severity | null): Severity | null {
  if (a === null) return b;
  if (b === null) return a;
  return RANK[b] > RANK[a] ? b : a;
}

/** Is a quieter than b (both known)? */
const quieter = (a: Severity | null, b: Severity | null) => a !== null && b !== null && RANK[a] < RANK[b];

/** Host names compare by their first label: a tool's `web3` is a tag's `web3.example.test`. */
const shortHost = (host: string) => host.split('.')[0]!;

// Words of state some tools write into what they name the check ("Connection failed
// postgres-primary", "Connection succeeded postgres-primary", Monit): a problem and its recovery
// are about one check.
const STATE_WORDS = /\b(failed|failure|succeeded|success|ok|error|matched|changed|recovered|resolved|down|up|critical|warning|unknown)\b/g;
const checkKey = (check: string) => check.toLowerCase().replace(STATE_WORDS, ' ').replace(/\s+/g, ' ').trim();

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A message's kind of mail: the tool and its check with the message's own hosts taken out
 * (Zabbix names the host in the problem: "Disk space is low on db3"), else its signature.
 */
export function kindOf(keys: GroupingKeys): string | null {
  if (keys.tool && keys.check) {
    let check = keys.check.toLowerCase();
    for (const host of keys.hosts) check = check.replace(new RegExp(`\\b${escape(shortHost(host))}(\\.[a-z0-9.-]+)?\\b`, 'g'), '<host>');
    return `${keys.tool}:${checkKey(check)}`;
  }
  return keys.sig !== null ? `sig:${keys.sig}` : null;
}

/** The host of a source key ("db3|smartd:…"; "-" for none). */
const hostOfSource = (key: string) => key.slice(0, key.indexOf('|'));

/** The keys of the sources a message speaks about: a tool's check on a host (a host check when the tool names none), else its signature on a host. */
export function sourceKeys(keys: GroupingKeys): string[] {
  const what = keys.tool ? `${keys.tool}:${checkKey(keys.check ?? '')}` : keys.sig !== null ? `sig:${keys.sig}` : null;
  if (what === null) return [];
  if (keys.hosts.length === 0) return keys.tool && keys.check ? [`-|${what}`] : [];
  return [...new Set(keys.hosts.map((h) => `${shortHost(h)}|${what}`))];
}

/**
 * The paths a tool's check names (`Disk /var`, `/var: Disk space is low`, `Pending sectors on
 * /dev/sdb`): the thing on a host that two tools can both be checking. A bare `/` says too little.
 */
function pathsOf(keys: GroupingKeys): string[] {
  // cron's check is the job's command: a program, not a thing on the host that tools watch.
  if (!keys.check || keys.tool === 'cron') return [];
  const out: string[] = [];
  for (const m of keys.check.matchAll(/(?:^|[\s:(\[=])(\/[A-Za-z0-9._\-/]*[A-Za-z0-9_\-])/g)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** How rare one message of a kind is: the chance of one by chance, however many hosts sent it (that is a storm). */
const single = (burst: Burst): Burst => ({ ...burst, hosts: 1, chance: poissonTail(1, burst.expected) });

/**
 * Is a problem's kind news from its own hosts: one of it inside the window unlikely at their own
 * rate of it over the last day, and none of it from them in the repeat time (a check that failed
 * an hour ago and fails again is the host's flapping, not news)?
 */
function newFromHost(burst: Burst | null, at: number, settings: GroupingSettings): boolean {
  if (burst === null) return false;
  if (burst.hostLastAt !== null && at - burst.hostLastAt <= settings.repeatMs) return false;
  return poissonTail(1, burst.hostExpected) <= settings.hostRareChance;
}

const SEVERITIES: Array<Severity | null> = ['info', 'warn', 'critical', null];
const isProblem = (keys: GroupingKeys) => !keys.routine && keys.state !== 'recovery';
const shortHosts = (keys: GroupingKeys) => [...new Set(keys.hosts.map(shortHost))];
const named = (keys: GroupingKeys) => [...new Set((keys.mentions ?? []).map(shortHost))];
/**
 * Both about hosts, none of them the same: what the learned signal learns from. Kinds of one
 * host's problem (Nagios's `Disk /var` and Alertmanager's `NodeFilesystemAlmostFull` on db3) come
 * together on any host whose disk fills, and the host signal joins them there; learned, they
 * would join a full disk on web5 to db3's.
 */
const apart = (a: string[], b: string[]) => a.length > 0 && b.length > 0 && !a.some((h) => b.includes(h));

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

/** "usually about 0.2 in 10 minutes": what a key's rate over the last day made expected. */
function usually(burst: Burst, windowMs: number): string {
  const e = burst.expected;
  const n = e < 0.01 ? 'almost never' : `about ${e < 1 ? e.toFixed(2) : e.toFixed(1)}`;
  return `usually ${n} in ${Math.round(windowMs / MINUTE)} minutes`;
}

/** "usually almost never in 10 minutes": what a host's own rate of a kind over the last day made expected. */
const usuallyFromHost = (burst: Burst, windowMs: number) => usually({ ...burst, expected: burst.hostExpected }, windowMs);

const sourceName = (key: string) => key.replace('|', ' / ').replace(/^- \/ /, '').replace(/(^| \/ )sig:\d+$/, '$1its signature');
const kindName = (kind: string) => kind.replace(/^sig:(\d+)$/, 'signature $1').replace(/^([^:]+):/, '$1 ');

/** What decide() knows of the message it places, worked out once. */
interface Placing {
  keys: GroupingKeys;
  at: number;
  kind: string | null;
  hosts: string[];
  /** its kind from its hosts, beside the kind's rate (storm) */
  storm: Burst | null;
  /** its kind with its severity, beside that kind's rate: how rare a message it is */
  rare: Burst | null;
  /** how many rare messages come by chance inside the together time */
  rareRate: number;
  /** news from a host counts (matchWindow, host): a host sends it by chance at most hostNewsRate inside the window */
  newsCounts: boolean;
  /** unusual storms are unusual now: they begin by chance at most togetherRate inside the window (storms of two kinds, merges by storm) */
  stormsCount: boolean;
}

/**
 * The open events a tenant has, with what grouping needs of their recent members, and each
 * kind's and host's recent problem mail (how unusual a burst is). Pure and in memory; changed
 * only through decide's caller (open, add, remove, prune).
 */
export class OpenEvents {
  readonly events = new Map<number, OpenEvent>();
  readonly rates: KindRates;
  /** kinds of mail that were rare together in one event ("a\u0000b", sorted) → when, and in which event */
  private readonly pairs = new Map<string, { at: number; eventId: number }>();
  /** each kind's partners in `pairs`, both ways (rebuilt when pairs are forgotten) */
  private partnersOf = new Map<string, Set<string>>();
  /** pairs learned since takeLearned(), to be written (src/events/learned-pairs.ts) */
  private fresh: LearnedPair[] = [];
  /** the rare kinds of each event read back by count() (a completed event's), to learn its pairs */
  private readonly counted = new Map<number, { at: number; kinds: Array<{ kind: string; hosts: string[] }> }>();
  /** index entry ("s:source", "h:host", "n:named host", "k:kind", "o:org", "r:" rare members) → events */
  private readonly index = new Map<string, Set<number>>();

  constructor(readonly settings: GroupingSettings) {
    this.rates = new KindRates({ horizonMs: settings.horizonMs, minHistoryMs: settings.minHistoryMs, recentMs: settings.recentMs });
  }

  /** A new event, made by its first message. */
  open(id: number, keys: GroupingKeys, at: number, status: OpenEvent['status'] = 'open'): OpenEvent {
    const event: OpenEvent = { id, status, severity: keys.severity, createdAt: at, cookingFrom: at, lastAt: at, members: [], sources: new Map(), closed: keys.rule === 'never' || keys.routine, own: keys.rule === 'new', indexed: new Set() };
    this.events.set(id, event);
    this.add(event, keys, at);
    return event;
  }

  /** A message joins an event; routine mail and mail nobody may group with are never remembered. */
  add(event: OpenEvent, keys: GroupingKeys, at: number): void {
    event.lastAt = Math.max(event.lastAt, at);
    event.severity = louder(event.severity, keys.severity);
    if (keys.routine) return;
    // decide() measured this message a moment ago: nothing has been counted since.
    const placing = this.measured?.keys === keys && this.measured.at === at ? this.measured : this.measureNow(keys, at);
    this.measured = null;
    this.observe(keys, placing.kind, at);
    const rarity = placing.rare ? placing.rare.chance : NOT_A_PROBLEM;
    const newHere = newFromHost(placing.rare, at, this.settings);
    this.observeNews(placing, newHere);
    const keysOfSources = sourceKeys(keys);
    // A new symptom (a new check, or one louder than before) of a failure going on for hours
    // (matchSlowPath) makes the event cook again:
    // the rest of the flare-up (a full disk's other tools, minutes later) joins it by the window.
    // Decided here from the message alone, so that reading the memberships back does the same.
    const unusual = placing.rare !== null && unusualHere(placing.rare.chance, newHere && placing.newsCounts, this.settings);
    const newSymptom = keysOfSources.every((k) => {
      const s = event.sources.get(k);
      return s === undefined || s.recovered || quieter(s.severity, keys.severity);
    });
    const hosts = shortHosts(keys);
    const mine = pathsOf(keys);
    // When the failure it goes on with began: a source of its host still in trouble that named
    // one of its paths (Infinity: none).
    let began = Infinity;
    for (const [k, s] of event.sources) if (!s.recovered && hosts.includes(hostOfSource(k)) && s.paths.some((x) => mine.includes(x))) began = Math.min(began, s.since);
    if (unusual && newSymptom && at - event.cookingFrom > this.settings.cookForMs && began !== Infinity) event.cookingFrom = at;
    const slow = placing.rare !== null && at - began >= this.settings.windowMs;
    // Louder than before is news (the warning of a filling disk turned critical), not background.
    const ongoing = placing.rare !== null && keysOfSources.some((k) => {
      const s = event.sources.get(k);
      return s !== undefined && !s.recovered && at - s.since > this.settings.windowMs && !quieter(s.severity, keys.severity);
    });
    const storming = this.observeStorm(placing);
    event.members.push({ keys, at, kind: placing.kind, rarity, newHere, ongoing, slow, storming });
    for (const key of keysOfSources) {
      const source = event.sources.get(key);
      const recovered = keys.state === 'recovery' ? true : keys.state === 'problem' || !source ? false : source.recovered;
      const since = source && !source.recovered ? source.since : at;
      const paths = unusual ? pathsOf(keys) : (source?.paths ?? []);
      event.sources.set(key, { lastAt: at, since, paths, recovered, severity: keys.state === 'recovery' ? (source?.severity ?? null) : keys.severity });
      this.link(event, `s:${key}`);
    }
    if (event.closed) return;
    for (const host of shortHosts(keys)) this.link(event, `h:${host}`);
    for (const host of named(keys)) this.link(event, `n:${host}`);
    if (placing.kind !== null) this.link(event, `k:${placing.kind}`);
    if (keys.org !== null) this.link(event, `o:${keys.org}`);
    if (rarity <= this.settings.rareChance) {
      this.link(event, 'r:');
      this.rates.observeRare(at);
      for (const m of event.members) if (m.kind !== null && m.rarity <= this.settings.rareChance && apart(shortHosts(m.keys), hosts)) this.learn(placing.kind!, m.kind, at, event.id);
    }
  }

  /** the last message decide() measured, until it is added */
  private measured: Placing | null = null;

  /** How unusual a message is, before it is counted; remembered for add(). */
  measure(keys: GroupingKeys, at: number): Placing {
    this.measured = this.measureNow(keys, at);
    return this.measured;
  }

  private measureNow(keys: GroupingKeys, at: number): Placing {
    const kind = kindOf(keys);
    const hosts = shortHosts(keys);
    const { windowMs } = this.settings;
    const rareRate = this.rates.rareRate(at, this.settings.togetherMs);
    const newsCounts = this.rates.newsRate(at, windowMs) <= this.settings.hostNewsRate;
    const stormsCount = this.rates.stormRate(at, windowMs) <= this.settings.togetherRate;
    if (kind === null || !isProblem(keys)) return { keys, at, kind, hosts, storm: null, rare: null, rareRate, newsCounts, stormsCount };
    // How loud it is counts: a check that only ever warns is rare when it is critical. Mail that
    // states no severity is of any loudness, and counts beside every one.
    const loudness = keys.severity === null ? SEVERITIES : [keys.severity, null];
    return {
      keys, at, kind, hosts,
      storm: this.rates.burst(SEVERITIES.map((s) => `${kind}|${s ?? '-'}`), hosts, at, windowMs),
      rare: single(this.rates.burst(loudness.map((s) => `${kind}|${s ?? '-'}`), hosts, at, windowMs)),
      rareRate,
      newsCounts,
      stormsCount,
    };
  }

  /** Counts a message that joins no open event here (a completed event's, read back) in the rates. */
  count(keys: GroupingKeys, at: number, eventId?: number): void {
    if (keys.routine) return;
    const placing = this.measureNow(keys, at);
    this.observe(keys, placing.kind, at);
    this.observeNews(placing, newFromHost(placing.rare, at, this.settings));
    this.observeStorm(placing);
    if (placing.rare === null || placing.rare.chance > this.settings.rareChance) return;
    this.rates.observeRare(at);
    if (eventId === undefined) return;
    const seen = this.counted.get(eventId) ?? this.counted.set(eventId, { at, kinds: [] }).get(eventId)!;
    for (const m of seen.kinds) if (apart(m.hosts, placing.hosts)) this.learn(placing.kind!, m.kind, at, eventId);
    seen.kinds.push({ kind: placing.kind!, hosts: placing.hosts });
    seen.at = at;
  }

  /** Two kinds of mail were rare together in one event. */
  private learn(a: string, b: string, at: number, eventId: number): void {
    if (a === b) return;
    this.fresh.push(a < b ? { a, b, at, eventId } : { a: b, b: a, at, eventId });
    this.remember(a, b, at, eventId);
  }

  /** A pair learned before, read back (src/events/grouping-session.ts load). */
  restore(pair: LearnedPair): void {
    const known = this.pairs.get(`${pair.a}\u0000${pair.b}`);
    if (!known || known.at < pair.at) this.remember(pair.a, pair.b, pair.at, pair.eventId);
  }

  /**
   * The pairs learned since the last call: what the commit writes. `idOf` gives an event decided
   * on before it had its id (a negative ref) its id, here and in what is remembered.
   */
  takeLearned(idOf: (ref: number) => number = (ref) => ref): LearnedPair[] {
    const out = this.fresh.map((p) => ({ ...p, eventId: idOf(p.eventId) }));
    this.fresh = [];
    for (const p of out) {
      const known = this.pairs.get(`${p.a}\u0000${p.b}`);
      if (known && known.at === p.at && known.eventId < 0) known.eventId = p.eventId;
    }
    return out;
  }

  private remember(a: string, b: string, at: number, eventId: number): void {
    const key = a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
    // Newest last (a Map keeps insertion order): beyond learnedMax the oldest are forgotten.
    this.pairs.delete(key);
    this.pairs.set(key, { at, eventId });
    if (this.pairs.size > this.settings.learnedMax) {
      const oldest = this.pairs.keys().next().value!;
      this.pairs.delete(oldest);
      const [x, y] = oldest.split('\u0000') as [string, string];
      this.partnersOf.get(x)?.delete(y);
      this.partnersOf.get(y)?.delete(x);
    }
    for (const [x, y] of [[a, b], [b, a]] as const) {
      const set = this.partnersOf.get(x);
      if (set) set.add(y);
      else this.partnersOf.set(x, new Set([y]));
    }
  }

  /** The kinds a kind was rare together with in one event (in the last learnedMs, or a little longer). */
  partners(kind: string): Iterable<string> {
    return this.partnersOf.get(kind) ?? [];
  }

  /** When two kinds were last rare together in one event, if they were in the last learnedMs. */
  together(a: string, b: string, at: number): { at: number; eventId: number } | undefined {
    const pair = this.pairs.get(a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);
    return pair && at - pair.at <= this.settings.learnedMs ? pair : undefined;
  }

  /** Counts a message that is news from its host and not rare for the fleet: how often hosts send such news. */
  private observeNews(placing: Placing, newHere: boolean): void {
    const { rare } = placing;
    if (rare !== null && newHere && rare.chance > this.settings.rareChance && rare.chance <= this.settings.hostKindChance) this.rates.observeNews(placing.at);
  }

  /** Counts a message that came in an unusual storm of its kind in how often storms begin; says whether it did. */
  private observeStorm(placing: Placing): boolean {
    const storming = placing.storm !== null && placing.storm.chance <= this.settings.burstChance;
    if (storming) this.rates.observeStorm(placing.kind!, placing.at, this.settings.windowMs);
    return storming;
  }

  /** Counts a problem message in its kind's rate. */
  private observe(keys: GroupingKeys, kind: string | null, at: number): void {
    if (kind === null || !isProblem(keys)) return;
    this.rates.observe(`${kind}|${keys.severity ?? '-'}`, shortHosts(keys), at);
  }

  private link(event: OpenEvent, entry: string): void {
    if (event.indexed.has(entry)) return;
    event.indexed.add(entry);
    const set = this.index.get(entry);
    if (set) set.add(event.id);
    else this.index.set(entry, new Set([event.id]));
  }

  /** The open events an index entry leads to. */
  lookup(entry: string): Iterable<number> {
    return this.index.get(entry) ?? [];
  }

  /** The event is completed (or taken out of grouping): it takes no more mail. */
  remove(id: number): void {
    const event = this.events.get(id);
    if (!event) return;
    this.events.delete(id);
    for (const entry of event.indexed) {
      const set = this.index.get(entry);
      set?.delete(id);
      if (set?.size === 0) this.index.delete(entry);
    }
  }

  /** Renames an event decided on before it had its id. */
  rename(from: number, to: number): void {
    const event = this.events.get(from);
    if (!event) return;
    this.remove(from);
    event.id = to;
    this.events.set(to, event);
    const entries = [...event.indexed];
    event.indexed.clear();
    for (const entry of entries) this.link(event, entry);
  }

  /**
   * Event `from` merged into `into` (decide's merges): its members and sources are the target's
   * now, and whatever led to it leads to the target. The session reads the memberships again
   * after the commit; this is what the rest of its transaction decides on.
   */
  merge(fromId: number, intoId: number): void {
    const from = this.events.get(fromId);
    const into = this.events.get(intoId);
    if (!from || !into || from === into) return;
    into.members = [...into.members, ...from.members].sort((a, b) => a.at - b.at);
    for (const [key, s] of from.sources) {
      const mine = into.sources.get(key);
      if (!mine || mine.lastAt <= s.lastAt) into.sources.set(key, mine && !mine.recovered && !s.recovered ? { ...s, since: Math.min(mine.since, s.since) } : s);
    }
    into.lastAt = Math.max(into.lastAt, from.lastAt);
    into.severity = louder(into.severity, from.severity);
    if (from.status === 'assigned') into.status = 'assigned';
    const entries = [...from.indexed];
    this.remove(fromId);
    for (const entry of entries) this.link(into, entry);
  }

  /** Forgets what no message can join any more: members older than the cook-for time, events quiet longer than the repeat time, rates older than the horizon. */
  prune(now: number): void {
    const { cookForMs, repeatMs, recoveryMs } = this.settings;
    for (const [id, event] of this.events) {
      if (now - event.lastAt > Math.max(repeatMs, recoveryMs)) {
        this.remove(id);
        continue;
      }
      const keep = event.members.findIndex((m) => now - m.at <= cookForMs);
      if (keep > 0) event.members.splice(0, keep);
      else if (keep < 0) event.members.length = 0;
    }
    this.rates.prune(now);
    // Oldest first (remember() keeps them so): stop at the first pair still remembered.
    for (const [key, pair] of this.pairs) {
      if (now - pair.at <= this.settings.learnedMs) break;
      this.pairs.delete(key);
      const [x, y] = key.split('\u0000') as [string, string];
      this.partnersOf.get(x)?.delete(y);
      this.partnersOf.get(y)?.delete(x);
    }
    for (const [id, seen] of this.counted) if (now - seen.at > this.settings.cookForMs) this.counted.delete(id);
  }
}

interface Match {
  event: OpenEvent;
  signal: Signal;
  /** the reason's sentence, written only for the winner */
  reason: () => string;
  recovered: boolean;
  completes: boolean;
}

const joined = (event: OpenEvent, signal: Signal, reason: () => string): Match => ({ event, signal, reason, recovered: false, completes: false });

function matchSource(event: OpenEvent, p: Placing, sources: string[], settings: GroupingSettings, on: Set<Signal>): Match | null {
  const id = `#${event.id}`;
  const { at } = p;
  if (p.keys.state === 'recovery') {
    if (!on.has('recovery')) return null;
    // Only a source still in trouble: a second recovery of a check that already recovered
    // says nothing of the event's problem (the check flapped, or its own mail came again).
    const hit = sources.find((k) => {
      const s = event.sources.get(k);
      return s !== undefined && !s.recovered && at - s.lastAt <= settings.recoveryMs;
    });
    if (!hit) return null;
    const left = [...event.sources.entries()].filter(([k, s]) => k !== hit && !s.recovered).length;
    const completes = left === 0 && event.status === 'open' && settings.recoveryCompletes;
    const rest = left === 0 ? (completes ? 'every source of it has recovered: completed' : 'every source of it has recovered') : `${plural(left, 'source')} still in trouble`;
    return { event, signal: 'recovery', reason: () => `joined ${id}: ${sourceName(hit)} recovered; ${rest}`, recovered: true, completes };
  }
  if (!on.has('repeat')) return null;
  // Someone claimed the event: a reminder of the problem they are working on (Alertmanager's,
  // every 4 hours by default) is theirs for as long as a recovery would be, never a new event
  // that alerts the team again. Unclaimed, a problem silent for longer than the repeat time is
  // news again (docs/correlation.md, Signals).
  const repeatMs = event.status === 'assigned' ? Math.max(settings.repeatMs, settings.claimedRepeatMs) : settings.repeatMs;
  const hit = sources.find((k) => {
    const s = event.sources.get(k);
    // A repeat is as loud as the problem it repeats, or louder: quieter mail of the same check
    // after a louder problem is the check's everyday mail, not the problem again.
    return s !== undefined && !s.recovered && at - s.lastAt <= repeatMs && !quieter(p.keys.severity, s.severity);
  });
  if (!hit) return null;
  const last = event.sources.get(hit)!.lastAt;
  return joined(event, 'repeat', () => `joined ${id}: a repeat of ${sourceName(hit)}, last heard ${since(at - last)}`);
}

/** Rare for the fleet, or news from its host and not sent by the fleet more often than hostKindChance (matchWindow, host). */
const unusualHere = (rarity: number, newHere: boolean, settings: GroupingSettings) => rarity <= settings.rareChance || (newHere && rarity <= settings.hostKindChance);

/**
 * A slow failure on one host: unusual mail naming a path of the host that a problem of the event,
 * unusual when it came and still in trouble, named. A disk fails over
 * hours (smartd's pending sectors, then its uncorrectable ones, then the RAID degraded), beyond
 * any window and cook-for time; the source still in trouble, heard of within `slowMs`, is what
 * says it is still that failure (smartd and cron never say a problem recovered: yesterday's
 * failure of the same device is not today's). Everyday mail of the path (smartd's temperature
 * warnings) never takes part.
 */
function matchSlowPath(event: OpenEvent, p: Placing, settings: GroupingSettings, on: Set<Signal>): Match | null {
  if (!on.has('host') || p.rare === null || p.hosts.length === 0) return null;
  const mine = pathsOf(p.keys);
  if (mine.length === 0 || !unusualHere(p.rare.chance, p.newsCounts && newFromHost(p.rare, p.at, settings), settings)) return null;
  for (const [key, s] of event.sources) {
    if (s.recovered || p.at - s.lastAt > settings.slowMs || !p.hosts.includes(hostOfSource(key))) continue;
    const path = mine.find((x) => s.paths.includes(x));
    if (path === undefined) continue;
    return joined(event, 'host', () => `joined #${event.id}: same host and the same ${path} as ${sourceName(key)}, still in trouble since ${since(p.at - s.since)}`);
  }
  return null;
}

/** The windowed signals: the event is still cooking, and a related member is recent. */
function matchWindow(open: OpenEvents, event: OpenEvent, p: Placing, settings: GroupingSettings, on: Set<Signal>): Match | null {
  const { at, keys } = p;
  if (at - event.cookingFrom > settings.cookForMs) return null;
  const id = `#${event.id}`;
  const recent = event.members.filter((m) => at - m.at <= settings.windowMs);
  if (recent.length === 0) return null;
  const rare = (m: Member) => m.rarity <= settings.rareChance;
  const iAmRare = p.rare !== null && p.rare.chance <= settings.rareChance;
  const sharesHost = (m: Member) => m.keys.hosts.some((h) => p.hosts.includes(shortHost(h)));
  if (on.has('host') && iAmRare) {
    // Both rare for their kinds: at 20,000 messages a day no host is quiet for long, and the
    // common mail of a host inside an incident is still its own problem.
    const same = recent.filter((m) => rare(m) && sharesHost(m));
    if (same.length > 0) {
      const host = p.hosts.find((h) => same.some((m) => m.keys.hosts.some((g) => shortHost(g) === h)))!;
      return joined(event, 'host', () => `joined ${id}: same host ${host} as ${describe(same, at)}, all rare for their kinds (${kindName(p.kind!)}: ${usually(p.rare!, settings.windowMs)})`);
    }
  }
  // News from this host, of a kind the fleet sends now and then but not every hour: at 216
  // hosts a kind one incident sent yesterday is no longer rare for the fleet, and is still news
  // from db3 when db3 sent it at most once in the day and not in the repeat time. Both messages
  // must be rare for the fleet or news from the host, and neither sent by the fleet more often
  // than hostKindChance: the fleet's everyday checks are new from some host every hour (a busy
  // host's checks fail one after the other), and mail that was already coming before is the
  // host's background (docs/correlation.md, The signals).
  if (on.has('host') && p.rare !== null && unusualHere(p.rare.chance, p.newsCounts && newFromHost(p.rare, at, settings), settings)) {
    const same = recent.filter((m) => sharesHost(m) && m.kind !== p.kind && !m.ongoing && unusualHere(m.rarity, p.newsCounts && m.newHere, settings));
    if (same.length > 0) {
      const host = p.hosts.find((h) => same.some((m) => m.keys.hosts.some((g) => shortHost(g) === h)))!;
      return joined(event, 'host', () => `joined ${id}: same host ${host} as ${describe(same, at)}, all rare for their kinds or new from ${host} (${kindName(p.kind!)}: ${usually(p.rare!, settings.windowMs)}, from ${host} ${usuallyFromHost(p.rare!, settings.windowMs)})`);
    }
  }
  // Two tools' problems with one thing on one host, however everyday each kind is: Nagios's
  // `Disk /var` and Zabbix's `/var: Disk space is low` on db3 are one full disk.
  if (on.has('host') && p.rare !== null) {
    const mine = pathsOf(keys);
    if (mine.length > 0) {
      // Not with mail of the path that was already coming before (a warning smartd repeats for
      // hours on the device that now fails): that is the host's background, not this problem.
      const same = recent.filter((m) => m.rarity !== NOT_A_PROBLEM && !m.ongoing && m.kind !== p.kind && sharesHost(m) && pathsOf(m.keys).some((x) => mine.includes(x)));
      if (same.length > 0) {
        const host = p.hosts.find((h) => same.some((m) => m.keys.hosts.some((g) => shortHost(g) === h)))!;
        const path = mine.find((x) => same.some((m) => pathsOf(m.keys).includes(x)))!;
        return joined(event, 'host', () => `joined ${id}: same host ${host} and the same ${path} as ${describe(same, at)}`);
      }
    }
  }
  // A storm is one kind of mail from more hosts than its rate makes likely (the same host again
  // is a repeat). One kind: the same check of the same tool, or the same signature when no tool
  // names a check (two processes meeting a new kind of mail at once may each mine a signature
  // for it: docs/correlation.md, Signatures).
  if (on.has('storm') && p.hosts.length > 0 && p.storm !== null && p.storm.chance <= settings.burstChance) {
    const same = recent.filter((m) => m.kind === p.kind && m.keys.hosts.length > 0);
    if (same.length > 0 && same.some((m) => !sharesHost(m))) {
      const what = same.every((m) => m.keys.sig === keys.sig) ? 'signature' : 'check';
      return joined(event, 'storm', () => `joined ${id}: same ${what} as ${describe(same, at)}`);
    }
  }
  // Two kinds of mail storming over one host at once: an NFS server's clients complain through
  // Nagios, Monit and cron, each tool's storm unusual on its own. On a tenant's first hours, when
  // no kind is rare yet, the storms are all that says they are one incident; two unusual storms
  // by chance inside one window are far rarer than either (docs/correlation.md, The signals).
  if (on.has('storm') && p.stormsCount && p.hosts.length > 0 && p.storm !== null && p.storm.chance <= settings.burstChance) {
    const storming = new Set(recent.filter((m) => m.storming && m.kind !== p.kind).map((m) => m.kind));
    const over = recent.filter((m) => storming.has(m.kind) && sharesHost(m));
    if (over.length > 0) {
      const host = p.hosts.find((h) => over.some((m) => m.keys.hosts.some((g) => shortHost(g) === h)))!;
      const kind = over[over.length - 1]!.kind!;
      const theirs = recent.filter((m) => m.kind === kind);
      return joined(event, 'storm', () => `joined ${id}: ${kindName(p.kind!)} storms over ${host}, as ${kindName(kind)} does: ${describe(theirs, at)}`);
    }
  }
  if (on.has('mention')) {
    const mention = matchMention(event, p, recent, settings);
    if (mention) return mention;
  }
  // The rest join only rare mail, but for what was learned: kinds rare together once need only
  // be no everyday mail when they come together again.
  if (iAmRare && on.has('org')) {
    const org = matchOrg(event, p, recent, settings);
    if (org) return org;
  }
  // A warning about a host the event's mail names as failing is its everyday mail as often as the
  // outage's (matchRare, mention): arriving with that mail, or as it did before, says no more.
  if (!loud(keys) && recent.some((m) => named(m.keys).some((h) => p.hosts.includes(h)))) return null;
  if (iAmRare && on.has('together')) {
    const together = matchTogether(event, p, recent, settings);
    if (together) return together;
  }
  return on.has('learned') && p.hosts.length > 0 ? learnedMatch(open, event, p, recent, settings) : null;
}

/** Critical, or of no severity: a host that is down says so critically. */
const loud = (keys: GroupingKeys) => keys.severity === null || keys.severity === 'critical';

/**
 * mention: what one message is about, the other names ("at [db1.example.test]:5432"), both rare.
 * Mail about a host that others name as failing joins so while it is critical or says no
 * severity: a host that is down says so critically, and its warnings in those minutes (its swap,
 * its CPU) are its everyday mail as often as they are the outage's. And mail naming a host, not
 * everyday mail, with that host's own critical problem of any kind, within the together time in
 * either order: the load balancer's "server api4 is DOWN" and api4's own TargetDown and HTTP
 * CRITICAL (docs/correlation.md, The signals).
 */
function matchMention(event: OpenEvent, p: Placing, recent: Member[], settings: GroupingSettings): Match | null {
  const { at, keys } = p;
  const id = `#${event.id}`;
  const rare = (m: Member) => m.rarity <= settings.rareChance;
  const names = named(keys);
  if (p.rare !== null && p.rare.chance <= settings.rareChance) {
    const mine = new Set([...p.hosts, ...names]);
    const same = recent.filter((m) => rare(m) && (
      (names.length > 0 && shortHosts(m.keys).some((h) => mine.has(h))) || named(m.keys).some((h) => names.includes(h)) || (loud(keys) && named(m.keys).some((h) => p.hosts.includes(h)))));
    if (same.length > 0) {
      const host = [...mine].find((h) => same.some((m) => [...shortHosts(m.keys), ...named(m.keys)].includes(h)))!;
      return joined(event, 'mention', () => `joined ${id}: names or is about ${host}, as ${describe(same, at)}`);
    }
  }
  // Mail about no host of its own (a build whose links name its CI server) joins by what it names
  // only as rare mail: builds fail every day, whatever the CI server's mount is doing. The host's
  // own critical problem may be of a kind the fleet sends every hour (TargetDown at 20,000
  // messages a day); the mail naming it may not.
  if (p.hosts.length === 0 || p.rare === null) return null;
  const soon = (m: Member) => m.rarity !== NOT_A_PROBLEM && !m.ongoing && !m.slow && at - m.at <= settings.togetherMs;
  const own = names.length === 0 || p.rare.chance > settings.everydayChance ? [] : recent.filter((m) => soon(m) && m.keys.severity === 'critical' && shortHosts(m.keys).some((h) => names.includes(h)));
  if (own.length > 0) {
    const host = names.find((h) => own.some((m) => shortHosts(m.keys).includes(h)))!;
    return joined(event, 'mention', () => `joined ${id}: names ${host}, whose own critical problem came just before: ${describe(own, at)}`);
  }
  const naming = keys.severity !== 'critical' ? [] : recent.filter((m) => soon(m) && m.rarity <= settings.everydayChance && m.keys.hosts.length > 0 && named(m.keys).some((h) => p.hosts.includes(h)));
  if (naming.length > 0) {
    const host = p.hosts.find((h) => naming.some((m) => named(m.keys).includes(h)))!;
    return joined(event, 'mention', () => `joined ${id}: a critical problem of ${host}, which ${describe(naming, at)} named just before`);
  }
  return null;
}

/** org: hosts of one org, both rare. */
function matchOrg(event: OpenEvent, p: Placing, recent: Member[], settings: GroupingSettings): Match | null {
  const { at, keys } = p;
  if (keys.org === null || p.hosts.length === 0) return null;
  const same = recent.filter((m) => m.rarity <= settings.rareChance && m.keys.org === keys.org && m.keys.hosts.length > 0);
  return same.length > 0 ? joined(event, 'org', () => `joined #${event.id}: hosts of one org, ${keys.org}: ${describe(same, at)}, all rare for their kinds`) : null;
}

/** together: rare mail with rare mail of the event, arriving within minutes. */
function matchTogether(event: OpenEvent, p: Placing, recent: Member[], settings: GroupingSettings): Match | null {
  const { at } = p;
  const id = `#${event.id}`;
  const rare = (m: Member) => m.rarity <= settings.rareChance;
  // Mail about no host of its own (a build, mail that only links to a host) joins by what it
  // names, never by arriving at the same time as rare mail: a signature alone says nothing about
  // one incident (docs/correlation.md, The signals). Nor with mail that comes when a failure
  // going on for hours says (a new symptom of it, or a repeat): a Jenkins build failing in the
  // minute a disk of db3 reports more bad sectors is a coincidence.
  if (p.hosts.length > 0 && p.rareRate <= settings.togetherRate) {
    const same = recent.filter((m) => rare(m) && m.keys.hosts.length > 0 && !m.slow && !m.ongoing && at - m.at <= settings.togetherMs);
    if (same.length > 0) return joined(event, 'together', () => `joined ${id}: rare mail arriving together: ${kindName(p.kind!)} (${usually(p.rare!, settings.windowMs)}) with ${describe(same, at)}`);
  }
  return null;
}

/** Kinds that were rare together in one event in the last day arrive together again, neither of them everyday mail. */
function learnedMatch(open: OpenEvents, event: OpenEvent, p: Placing, recent: Member[], settings: GroupingSettings): Match | null {
  if (p.rare === null || p.rare.chance > settings.everydayChance) return null;
  for (const m of recent) {
    if (m.kind === null || m.kind === p.kind || m.rarity > settings.everydayChance || p.at - m.at > settings.togetherMs || !apart(shortHosts(m.keys), p.hosts)) continue;
    const before = open.together(p.kind!, m.kind, p.at);
    if (!before || before.eventId === event.id) continue;
    const same = recent.filter((r) => r.kind === m.kind);
    return joined(event, 'learned', () => `joined #${event.id}: ${kindName(p.kind!)} came with ${kindName(m.kind!)} in event #${before.eventId} ${since(p.at - before.at)}; ${describe(same, p.at)}`);
  }
  return null;
}

/**
 * The signals that say a message belongs with an event strongly enough that two events it joins
 * are one incident: one host, one storm, one host named. Rare mail merely arriving together (or
 * as it did before, or from one org) is a coincidence now and then (a build failing in the minute
 * a disk fills); it may join a message, never two events.
 */
const MERGING = new Set<Signal>(['host', 'storm', 'mention']);

/** Is event a older than b: opened first (an event opened in this transaction has a negative ref, and is the newest). */
const olderThan = (a: OpenEvent, b: OpenEvent) => a.createdAt !== b.createdAt ? a.createdAt < b.createdAt : (a.id > 0) !== (b.id > 0) ? a.id > 0 : Math.abs(a.id) < Math.abs(b.id);

/** What a match says, without the event it names ("same host db3 as …"). */
const said = (m: Match) => m.reason().replace(/^joined #-?\d+: /, '');

/**
 * The events one message joins by one host, one storm or one host named are one incident, which
 * grouping could not tell before this message came: an NFS glitch's storms of three tools, each its own
 * event until a client's mail storms in two of them. They merge into the oldest of them; a repeat
 * or a recovery says only where its own source is, and merges nothing; an event a rule opened
 * as a new one (`--group new`) merges with no other. Storms merge only while unusual storms are
 * unusual: on a tenant's first hours at 20,000 messages a day every common kind storms, and
 * merging by them would make one event of the fleet's background.
 */
function mergesOf(best: Match, matches: Match[], p: Placing): Merge[] {
  const merging = (m: Match) => MERGING.has(m.signal) && !m.event.own && (m.signal !== 'storm' || p.stormsCount);
  if (!merging(best)) return [];
  const others = matches.filter((m) => m !== best && merging(m));
  if (others.length === 0) return [];
  const all = [best, ...others];
  const into = all.reduce((a, b) => (olderThan(b.event, a.event) ? b : a));
  return all.filter((m) => m !== into).map((m) => ({ from: m.event.id, into: into.event.id, note: `one message joins both: ${said(m)}; ${said(into)}` }));
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
  const { settings } = open;
  const on = new Set(settings.signals);
  if (on.size === 0) return { attach: false, reason: 'opened: grouping is off', groupable: true };
  const p = open.measure(keys, at);
  const sources = sourceKeys(keys);
  // Only the events that share something with the message can match it.
  const candidates = new Set<number>();
  for (const key of sources) for (const id of open.lookup(`s:${key}`)) candidates.add(id);
  const windowed = on.has('host') || on.has('storm') || on.has('mention') || on.has('org') || on.has('together') || on.has('learned');
  if (keys.state !== 'recovery' && windowed && keys.hosts.length + (keys.mentions?.length ?? 0) > 0) {
    for (const host of p.hosts) {
      for (const id of open.lookup(`h:${host}`)) candidates.add(id);
      for (const id of open.lookup(`n:${host}`)) candidates.add(id);
    }
    for (const host of named(keys)) for (const id of open.lookup(`h:${host}`)) candidates.add(id);
    if (p.kind !== null) for (const id of open.lookup(`k:${p.kind}`)) candidates.add(id);
    if (keys.org !== null) for (const id of open.lookup(`o:${keys.org}`)) candidates.add(id);
    if (p.rare !== null && p.rare.chance <= settings.rareChance) for (const id of open.lookup('r:')) candidates.add(id);
    if (on.has('learned') && p.kind !== null && p.rare !== null && p.rare.chance <= settings.everydayChance) {
      for (const kind of open.partners(p.kind)) for (const id of open.lookup(`k:${kind}`)) candidates.add(id);
    }
  }
  let best: Match | null = null;
  const matches: Match[] = [];
  for (const id of candidates) {
    const event = open.events.get(id);
    if (!event || event.closed) continue;
    const match = matchSource(event, p, sources, settings, on) ?? (keys.state === 'recovery' || keys.hosts.length + (keys.mentions?.length ?? 0) === 0 ? null : (matchWindow(open, event, p, settings, on) ?? matchSlowPath(event, p, settings, on)));
    if (!match) continue;
    matches.push(match);
    const rank = SIGNALS.indexOf(match.signal);
    const bestRank = best ? SIGNALS.indexOf(best.signal) : Infinity;
    if (rank < bestRank || (rank === bestRank && (event.lastAt > best!.event.lastAt || (event.lastAt === best!.event.lastAt && event.id < best!.event.id)))) best = match;
  }
  if (best) return { attach: true, eventId: best.event.id, signal: best.signal, reason: best.reason(), recovered: best.recovered, completes: best.completes, merges: mergesOf(best, matches, p) };
  return { attach: false, reason: 'opened: no open event matches', groupable: true };
}
