// How unusual a burst of one kind of problem mail is (docs/correlation.md, How unusual).
//
// A window keyed on a host or a kind of mail groups an incident's mail when mail is rare, and
// swallows the background when it is not: at 20,000 messages a day every host sends a problem
// every few minutes and every common check fires somewhere in any ten minutes. So a windowed
// signal asks first whether what it sees is unusual for that kind of mail: how many hosts sent
// it inside the window, beside how many the kind's own rate over the last day makes expected.
// The count is compared with a Poisson distribution of that mean (the usual model for
// independent arrivals at a steady rate; the tail P(X ≥ n) is the chance of seeing at least
// that many by chance). The rate is (count + ½) ÷ time, the Jeffreys prior for a Poisson rate: a
// kind never seen counts as half a message over the history. The history counts as at least
// `minHistoryMs`, so that a new tenant's first mail does not all look rare, and the most recent
// `recentMs` is left out of it, so that a burst being judged does not make itself usual. Pure and
// in memory: OpenEvents holds it.

export interface RaritySettings {
  /** how far back a kind's usual rate is counted */
  horizonMs: number;
  /** the least history a rate is computed over (a new tenant) */
  minHistoryMs: number;
  /**
   * the recent time left out of the usual rate: the burst being judged (an incident's storm
   * goes on for longer than one window, and must not make itself usual)
   */
  recentMs: number;
}

interface Seen {
  at: number;
  host: string;
}

/** P(X ≥ n) for X ~ Poisson(mean). */
export function poissonTail(n: number, mean: number): number {
  if (n <= 0) return 1;
  if (mean <= 0) return 0;
  let term = Math.exp(-mean);
  let below = 0;
  for (let i = 0; i < n; i++) {
    below += term;
    term *= mean / (i + 1);
  }
  return Math.max(0, 1 - below);
}

/** What the rate of a kind says of what was just seen. */
export interface Burst {
  /** distinct hosts that sent the kind inside the window, this message included */
  hosts: number;
  /** how many the kind's usual rate makes expected inside the window */
  expected: number;
  /** the chance of at least that many by chance: the smaller, the more unusual */
  chance: number;
  /**
   * how many of the kind the message's own hosts make expected inside the window, at the rate
   * they sent it over the horizon (the host's own rate: everyday mail for the fleet may be new
   * from this host)
   */
  hostExpected: number;
  /** when the message's own hosts last sent the kind over the horizon (null: not at all) */
  hostLastAt: number | null;
}

/** Each kind's problem mail over the horizon, in arrival order. */
export class KindRates {
  private readonly seen = new Map<string, Seen[]>();
  /** every problem message's time over the horizon, oldest first */
  private readonly all: number[] = [];
  /** the times of the messages found rare, oldest first (how often rare mail comes) */
  private readonly rare: number[] = [];
  /** the times of the messages found news from their host only, oldest first (how often a host sends such news) */
  private readonly news: number[] = [];
  /** when each unusual storm began (its kind's first storming message after a quiet window), oldest first */
  private readonly storms: number[] = [];
  /** each kind's last storming message */
  private readonly storming = new Map<string, number>();
  /** each host that sent problem mail over the horizon, and when it last did */
  private readonly hosts = new Map<string, number>();

  constructor(readonly settings: RaritySettings) {}

  /** Counts a problem message of a kind (one per host it is about). */
  observe(kind: string, hosts: string[], at: number): void {
    insertInOrder(this.all, at);
    for (const host of hosts) this.hosts.set(host, Math.max(this.hosts.get(host) ?? at, at));
    let list = this.seen.get(kind);
    if (!list) this.seen.set(kind, (list = []));
    for (const host of hosts.length > 0 ? hosts : ['']) {
      // Arrival order is time order but for a message or two a few seconds apart: keep it sorted.
      let i = list.length;
      while (i > 0 && list[i - 1]!.at > at) i--;
      list.splice(i, 0, { at, host });
    }
  }

  /**
   * How unusual `hosts` sending a kind now is, inside a window of `windowMs` (this message not
   * yet observed); the kind's mail is what was observed under any of `keys`.
   */
  burst(keys: string[], hosts: string[], at: number, windowMs: number): Burst {
    const from = at - windowMs;
    const recent = at - Math.max(windowMs, this.settings.recentMs);
    // The message itself is one arrival, whatever number of hosts it names; each other host
    // that sent the kind inside the window is one more.
    const mine = new Set(hosts.length > 0 ? hosts : ['']);
    const others = new Set<string>();
    let before = 0;
    let mineBefore = 0;
    let hostLastAt: number | null = null;
    for (const key of keys) {
      const list = this.seen.get(key) ?? [];
      for (let i = list.length - 1; i >= 0; i--) {
        const s = list[i]!;
        if (s.at > at) continue;
        if (s.at <= at - this.settings.horizonMs) break;
        // The host's own mail of the kind counts however recent: a check of this host that
        // failed minutes ago and fails again is its flapping, not news from it.
        if (mine.has(s.host)) {
          mineBefore++;
          hostLastAt = Math.max(hostLastAt ?? s.at, s.at);
        }
        if (s.at >= from) {
          if (!mine.has(s.host)) others.add(s.host);
        } else if (s.at < recent) before++;
      }
    }
    const history = this.all.length === 0 ? 0 : Math.min(this.settings.horizonMs, at - this.all[0]!) - Math.max(windowMs, this.settings.recentMs);
    const span = Math.max(history, this.settings.minHistoryMs);
    const expected = ((before + 0.5) * windowMs) / span;
    const n = others.size + 1;
    // The host's own rate, with the same prior of half a message: a kind this host never sent
    // over a day of history is unusual from it, once sent it is not (at 1 % a window).
    const hostExpected = ((mineBefore + 0.5) * windowMs) / span;
    return { hosts: n, expected, chance: poissonTail(n, expected), hostExpected, hostLastAt };
  }

  /** Remembers that a message was rare for its kind. */
  observeRare(at: number): void {
    insertInOrder(this.rare, at);
  }

  /** Remembers that a message was news from its host, and not rare for the fleet. */
  observeNews(at: number): void {
    insertInOrder(this.news, at);
  }

  /** Remembers a message that came in an unusual storm of its kind: a storm begins when its kind was quiet for a window. */
  observeStorm(kind: string, at: number, windowMs: number): void {
    const last = this.storming.get(kind);
    this.storming.set(kind, Math.max(last ?? at, at));
    if (last === undefined || at - last > windowMs) insertInOrder(this.storms, at);
  }

  /** How many of `count` things seen over the horizon come inside `windowMs`, at their rate (a new tenant's history counts as at least minHistoryMs). */
  private perWindow(count: number, at: number, windowMs: number): number {
    const history = this.all.length === 0 ? 0 : Math.min(this.settings.horizonMs, at - this.all[0]!);
    return (count * windowMs) / Math.max(history, this.settings.minHistoryMs);
  }

  /**
   * How many unusual storms begin by chance inside `windowMs`, at the rate they began over the
   * horizon: on a tenant's first hours at 20,000 messages a day every common kind storms (its
   * rate is not known yet), and two kinds storming together then say little.
   */
  stormRate(at: number, windowMs: number): number {
    return this.perWindow(this.storms.length, at, windowMs);
  }

  /**
   * How many messages news from their host (and not rare for the fleet) one host sends by chance
   * inside `windowMs`, at the rate they came over the horizon from the hosts that sent problem
   * mail: when every host sends such news every few hours, news on a host in an incident's
   * minutes is a coincidence, no sign.
   */
  newsRate(at: number, windowMs: number): number {
    return this.perWindow(this.news.length, at, windowMs) / Math.max(1, this.hosts.size);
  }

  /**
   * How many rare messages come by chance inside `windowMs`, at the rate they came over the
   * horizon: when rare mail is common, two rare messages together say little.
   */
  rareRate(at: number, windowMs: number): number {
    return this.perWindow(this.rare.length, at, windowMs);
  }

  /** Forgets what is older than the horizon. */
  prune(now: number): void {
    const from = now - this.settings.horizonMs;
    for (const times of [this.all, this.rare, this.news, this.storms]) dropUpTo(times, from);
    for (const [kind, last] of this.storming) if (last <= from) this.storming.delete(kind);
    for (const [host, last] of this.hosts) if (last <= from) this.hosts.delete(host);
    for (const [kind, list] of this.seen) {
      let drop = 0;
      while (drop < list.length && list[drop]!.at <= from) drop++;
      if (drop === list.length) this.seen.delete(kind);
      else if (drop > 0) list.splice(0, drop);
    }
  }
}

/** Puts a time into a list kept oldest first (times come nearly in order: looked for from the end). */
function insertInOrder(times: number[], at: number): void {
  let j = times.length;
  while (j > 0 && times[j - 1]! > at) j--;
  times.splice(j, 0, at);
}

/** Drops the times up to `from` from a list kept oldest first. */
function dropUpTo(times: number[], from: number): void {
  let old = 0;
  while (old < times.length && times[old]! <= from) old++;
  if (old > 0) times.splice(0, old);
}
