// Grouping inside the commit (docs/correlation.md, Grouping): where each new message goes is
// decided in the transaction that stores it, so a message is never stored without its event nor
// given two. The decision itself is pure (src/correlation/grouping.ts); this is its shell:
//
// - Each process holds a tenant's open events in memory, rebuilt from the memberships
//   (event_messages, with the keys each message brought) whenever another process or an
//   engineer wrote since: every transaction first compares the newest membership and the newest
//   activity of the tenant with what it last saw, under the tenant's lock (PostgreSQL: an
//   advisory transaction lock; SQLite: its one write lock, taken at BEGIN IMMEDIATE), so two
//   processes never decide on the same events at once. Inside a process, the transactions on a
//   tenant take turns, and each hands the memory to the next as it ends.
// - New events and memberships are written by src/events/create.ts (their one writer), a
//   louder member and a recovery that completes an event go through src/events/change.ts, so
//   the notifier hears of them as of any other change.
// - The memory is put back only after the commit; a transaction that fails leaves it to be read
//   again.
import { QueryTypes, type Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { DEFAULT_GROUPING, OpenEvents, decide, louder, type GroupingSettings, type OpenEvent } from '../correlation/grouping.js';
import type { GroupingKeys } from '../correlation/grouping-keys.js';
import type { Severity } from '../classification/tags.js';
import { completeIfOpen, setEventSeverity } from './change.js';
import { membershipRow, withEventId, type SqlValue } from './create.js';
import { SYSTEM_ACTOR, findEvent } from './events.js';
import { mergeInto } from './merge.js';
import { readLearnedPairs, writeLearnedPairs } from './learned-pairs.js';
import { rememberOpener, retitleJoined, type Joined } from './titles.js';

interface Held {
  open: OpenEvents;
  /** the newest membership and activity of the tenant when the memory was last right */
  links: number;
  acts: number;
}

const cache = new WeakMap<object, Map<number, Held>>();

function heldOf(deps: Deps): Map<number, Held> {
  let held = cache.get(deps.db);
  if (!held) cache.set(deps.db, (held = new Map()));
  return held;
}

/** The settings of a process: the defaults, or what a replay was told (`datamer replay --signals`). */
export function groupingSettings(deps: Deps): GroupingSettings {
  return { ...DEFAULT_GROUPING, ...deps.grouping };
}

const toDate = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));

/** What a transaction compares with its memory of a tenant: has anyone written since? */
export interface Versions {
  links: number;
  acts: number;
  recoveryCompletes: boolean;
}

/**
 * The columns of a tenant's versions, for a SELECT over `tenants AS ${t}`: PostgreSQL's commit
 * reads them in the statement that stores the messages, one round trip fewer.
 */
export function versionColumns(t: string): string {
  return `${t}.recovery_completes,
       (SELECT max(id) FROM event_messages WHERE tenant_id = ${t}.id) AS links,
       (SELECT max(id) FROM activities WHERE tenant_id = ${t}.id) AS acts`;
}

/** Versions as a row of versionColumns() answers them. */
export function versionsOf(row: { links?: unknown; acts?: unknown; recovery_completes?: unknown }): Versions {
  return { links: Number(row.links ?? 0), acts: Number(row.acts ?? 0), recoveryCompletes: Boolean(row.recovery_completes ?? true) };
}

async function versions(deps: Deps, tenantId: number, transaction: Transaction): Promise<Versions> {
  const [row] = await deps.db.sequelize.query<Record<string, unknown>>(`SELECT ${versionColumns('t')} FROM tenants t WHERE t.id = $1`, { type: QueryTypes.SELECT, bind: [tenantId], transaction });
  return versionsOf(row ?? {});
}

/**
 * In this process, one transaction at a time works on a tenant's memory: the next waits for the
 * one before it to end (committed or not), so it finds the memory put back rather than reading
 * it all again. Registered synchronously, in arrival order, so no two wait for each other.
 */
const turns = new WeakMap<object, Map<number, Promise<void>>>();

function takeTurn(deps: Deps, tenantIds: number[]): { wait: Promise<unknown>; done: () => void } {
  let queue = turns.get(deps.db);
  if (!queue) turns.set(deps.db, (queue = new Map()));
  const q = queue;
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  const before = tenantIds.flatMap((id) => q.get(id) ?? []);
  for (const id of tenantIds) q.set(id, mine);
  return {
    wait: Promise.all(before),
    done: () => {
      for (const id of tenantIds) if (q.get(id) === mine) q.delete(id);
      done();
    },
  };
}

/**
 * Rebuilds a tenant's open events from the memberships that can still matter, the usual rates
 * from all of the last day's, and the kinds learned together from the pairs kept (two weeks).
 */
export async function loadOpenEvents(deps: Deps, tenantId: number, settings: GroupingSettings, now: number, transaction: Transaction): Promise<OpenEvents> {
  const open = new OpenEvents(settings);
  // The pairs first, oldest first: the memberships then teach the newest again, in order.
  for (const pair of await readLearnedPairs(deps, tenantId, now - settings.learnedMs, transaction)) open.restore(pair);
  const since = new Date(now - Math.max(settings.repeatMs, settings.recoveryMs, settings.horizonMs));
  const stamp = deps.db.dialect === 'sqlite' ? since.toISOString().replace('T', ' ').replace('Z', ' +00:00') : since;
  // Two plain reads, joined here: the tenant's memberships by their (tenant, time) index, then
  // the events from the oldest of theirs on. One join, left to PostgreSQL with stale statistics
  // (a tenant's first busy day, before autovacuum analyzed the tables), scanned every membership
  // of the day once per event: 30 s after 20,000 messages (BENCHMARKS.md, grouping).
  const links = await deps.db.sequelize.query<{ event_id: number; at: unknown; grouping_keys: string | null }>(
    'SELECT event_id, created_at AS at, grouping_keys FROM event_messages WHERE tenant_id = $1 AND created_at >= $2 ORDER BY id',
    { type: QueryTypes.SELECT, bind: [tenantId, stamp], transaction },
  );
  const oldest = links.reduce((min, l) => Math.min(min, Number(l.event_id)), Infinity);
  const events = new Map<number, { status: 'open' | 'assigned' | 'completed'; severity: Severity | null; created_at: unknown }>();
  if (links.length > 0) {
    const found = await deps.db.sequelize.query<{ id: number; status: 'open' | 'assigned' | 'completed'; severity: Severity | null; created_at: unknown }>(
      "SELECT id, status, severity, created_at FROM events WHERE tenant_id = $1 AND id >= $2 AND kind = 'message'",
      { type: QueryTypes.SELECT, bind: [tenantId, oldest], transaction },
    );
    for (const e of found) events.set(Number(e.id), e);
  }
  const rows = links.flatMap((l) => {
    const e = events.get(Number(l.event_id));
    return e ? [{ ...l, ...e }] : [];
  });
  for (const row of rows) {
    if (row.grouping_keys === null) continue;
    const keys = JSON.parse(row.grouping_keys) as GroupingKeys;
    const at = toDate(row.at).getTime();
    // A completed event's mail still counts in how often each kind of mail comes.
    if (row.status === 'completed' || now - at > Math.max(settings.repeatMs, settings.recoveryMs)) {
      open.count(keys, at, Number(row.event_id));
      continue;
    }
    const event = open.events.get(Number(row.event_id));
    if (event) open.add(event, keys, at);
    else {
      const made = open.open(Number(row.event_id), keys, toDate(row.created_at).getTime(), row.status as 'open' | 'assigned');
      made.severity = row.severity;
      made.lastAt = at;
    }
  }
  // What reading the memberships taught again was written when it was first learned.
  open.takeLearned();
  return open;
}

/** A message to place, as the commit knows it. */
export interface Placing {
  tenantId: number;
  messageId: number;
  keys: GroupingKeys;
  at: Date;
  /** the row its event is made of, should it open one (src/events/create.ts) */
  eventRow: Record<string, SqlValue>;
}

/** An event opened in this transaction: `ref` (negative) names it until the database gives it an id. */
export interface NewEventRow {
  ref: number;
  row: Record<string, SqlValue>;
}

/**
 * A membership to write. Its `event_id` is a ref while its event is new; so is the `#ref` its
 * reason names the event by (withEventId() puts the id in).
 */
export interface LinkRow {
  ref: number;
  row: Record<string, SqlValue>;
}

/** What a writer answers: the new events' ids by ref, and each tenant's newest membership id now. */
export interface Written {
  ids: Map<number, number>;
  newestLink: Map<number, number>;
}

/** How a dialect writes what was decided: the new events, then the memberships (src/events/create.ts). */
export interface GroupingWriter {
  write(events: NewEventRow[], links: LinkRow[]): Promise<Written>;
}

export interface Placed {
  eventId: number;
  reason: string;
  /** the message opened the event */
  opened: boolean;
}

/**
 * The grouping of one transaction. Made when the transaction starts (it takes its turn in this
 * process at once), then lock(), read() the tenants' memory, place() each new message in order,
 * write(), and end() after the transaction, committed or not: groupingTransaction() does the
 * first and the last.
 */
export class GroupingSession {
  private readonly tenants = new Map<number, Held & { recoveryCompletes: boolean }>();
  private readonly tenantIds: number[];
  private readonly turn: { wait: Promise<unknown>; done: () => void };
  private readonly newEvents: Array<NewEventRow & { tenantId: number }> = [];
  private readonly links: Array<{ ref: number; tenantId: number; messageId: number; at: Date; reason: string; keys: GroupingKeys }> = [];
  private readonly rises = new Map<number, { tenantId: number; severity: Severity }>();
  private readonly completions = new Map<number, { tenantId: number; note: string }>();
  /** events one message showed to be one incident, in the order decided (refs while new) */
  private readonly merges: Array<{ tenantId: number; from: number; into: number; note: string; at: Date }> = [];
  private readonly settings: GroupingSettings;
  private nextRef = -1;
  private ids = new Map<number, number>();

  constructor(private readonly deps: Deps, private readonly transaction: Transaction, tenantIds: number[]) {
    // In tenant order, so that two processes' transactions never wait for each other in a circle.
    this.tenantIds = [...new Set(tenantIds)].sort((a, b) => a - b);
    this.settings = groupingSettings(deps);
    this.turn = takeTurn(deps, this.tenantIds);
  }

  /** Waits for this process's transaction before it on the same tenants, then takes the tenants' locks. */
  async lock(): Promise<void> {
    await this.turn.wait;
    // SQLite's one write lock is already this transaction's (BEGIN IMMEDIATE, src/db.ts).
    if (this.deps.db.dialect !== 'postgres') return;
    for (const tenantId of this.tenantIds) await this.deps.db.sequelize.query('SELECT pg_advisory_xact_lock(1868, $1)', { bind: [tenantId], transaction: this.transaction });
  }

  /**
   * Takes each tenant's open events from memory, or from the database when someone wrote since.
   * `seen`: the tenants' versions, when the caller read them already (after lock()).
   */
  async read(now: Date, seen?: Map<number, Versions>): Promise<void> {
    const held = heldOf(this.deps);
    for (const tenantId of this.tenantIds) {
      const v = seen?.get(tenantId) ?? (await versions(this.deps, tenantId, this.transaction));
      let mine = held.get(tenantId);
      // Taken out while this transaction works on it: put back only after its commit.
      held.delete(tenantId);
      if (!mine || mine.links !== v.links || mine.acts !== v.acts || mine.open.settings.recoveryCompletes !== v.recoveryCompletes) {
        const settings = { ...this.settings, recoveryCompletes: v.recoveryCompletes };
        mine = { open: await loadOpenEvents(this.deps, tenantId, settings, now.getTime(), this.transaction), links: v.links, acts: v.acts };
      }
      this.tenants.set(tenantId, { ...mine, recoveryCompletes: v.recoveryCompletes });
    }
  }

  /** Decides where a new message goes; its event's id is known after write(). */
  place(p: Placing): { ref: number; reason: string } {
    const open = this.tenants.get(p.tenantId)!.open;
    const at = p.at.getTime();
    open.prune(at);
    const decision = decide(open, p.keys, at);
    if (decision.attach) {
      const event = open.events.get(decision.eventId)!;
      const before = event.severity;
      open.add(event, p.keys, at);
      if (event.severity !== before) this.louder(event, p.tenantId);
      // The events it joins are one incident: they merge into the oldest of them, here for the
      // rest of this transaction, and in the database by write(), after its membership.
      for (const m of decision.merges) {
        open.merge(m.from, m.into);
        this.merges.push({ tenantId: p.tenantId, ...m, at: p.at });
      }
      if (decision.completes) {
        this.completions.set(event.id, { tenantId: p.tenantId, note: 'every source of it has recovered' });
        open.remove(event.id);
      }
      this.links.push({ ref: event.id, tenantId: p.tenantId, messageId: p.messageId, at: p.at, reason: decision.reason, keys: p.keys });
      return { ref: event.id, reason: decision.reason };
    }
    const ref = this.nextRef--;
    this.newEvents.push({ ref, tenantId: p.tenantId, row: { ...p.eventRow } });
    // Routine mail opens an event nothing joins; so does mail a rule keeps apart.
    const event = open.open(ref, p.keys, at);
    if (!decision.groupable) open.remove(ref);
    this.links.push({ ref, tenantId: p.tenantId, messageId: p.messageId, at: p.at, reason: decision.reason, keys: p.keys });
    return { ref: event.id, reason: decision.reason };
  }

  private louder(event: OpenEvent, tenantId: number): void {
    if (event.id < 0) {
      const made = this.newEvents.find((e) => e.ref === event.id)!;
      made.row.severity = louder(made.row.severity as Severity | null, event.severity);
    } else if (event.severity !== null) this.rises.set(event.id, { tenantId, severity: event.severity });
  }

  /** The event id of a placement, once written. */
  eventIdOf(ref: number): number {
    return ref < 0 ? this.ids.get(ref)! : ref;
  }

  /** The event a placement is in at the end of the transaction: the one it merged into, if it did. */
  private finalRef(ref: number): number {
    for (const m of this.merges) if (m.from === ref) ref = m.into;
    return ref;
  }

  /** Writes the new events and the memberships, then the changes to events that were there before. */
  async write(writer: GroupingWriter): Promise<void> {
    if (this.links.length === 0) return;
    const written = await writer.write(
      this.newEvents.map(({ ref, row }) => ({ ref, row })),
      this.links.map((l) => ({ ref: l.ref, row: membershipRow({ tenantId: l.tenantId, eventId: l.ref, messageId: l.messageId, at: l.at, reason: l.reason, keys: l.keys }) })),
    );
    this.ids = written.ids;
    for (const held of this.tenants.values()) for (const [ref, id] of written.ids) held.open.rename(ref, id);
    const by = { actor: SYSTEM_ACTOR, via: 'system' as const };
    const changed = new Set<number>();
    for (const [ref, rise] of this.rises) {
      if (this.completions.has(ref)) continue;
      await setEventSeverity(this.deps, rise.tenantId, ref, rise.severity, by, this.transaction);
      changed.add(rise.tenantId);
    }
    for (const [ref, done] of this.completions) {
      const id = this.eventIdOf(ref);
      const rise = this.rises.get(ref);
      if (rise) await setEventSeverity(this.deps, rise.tenantId, id, rise.severity, by, this.transaction);
      await completeIfOpen(this.deps, done.tenantId, id, done.note, by, this.transaction);
      changed.add(done.tenantId);
    }
    // Mail that joined an event may change its title (src/events/titles.ts); an opener made it.
    const openers = new Set<number>();
    const joined: Joined[] = [];
    const mergedAway = new Set(this.merges.map((m) => m.from));
    for (const l of this.links) {
      if (l.ref < 0 && !openers.has(l.ref)) {
        openers.add(l.ref);
        rememberOpener(this.deps, this.eventIdOf(l.ref), l.keys.sig);
      } else if (!mergedAway.has(l.ref)) joined.push({ tenantId: l.tenantId, eventId: this.eventIdOf(l.ref), sig: l.keys.sig });
    }
    await retitleJoined(this.deps, joined, this.transaction);
    // Events one message showed to be one incident (docs/correlation.md, "Events that merge"),
    // merged as an engineer's MERGE would, by datamer, with why.
    for (const m of this.merges) {
      const from = await findEvent(this.deps, m.tenantId, this.eventIdOf(m.from), this.transaction);
      const into = await findEvent(this.deps, m.tenantId, this.eventIdOf(m.into), this.transaction);
      await mergeInto(this.deps, m.tenantId, from, into, { ...by, reason: m.note }, m.at, this.transaction);
    }
    // Kinds learned together in this transaction, under the ids their events now have.
    for (const [tenantId, held] of this.tenants) {
      const learned = held.open.takeLearned((ref) => (ref < 0 ? (this.ids.get(ref) ?? ref) : ref)).filter((p) => p.eventId > 0);
      await writeLearnedPairs(this.deps, tenantId, learned, this.settings.learnedMs, this.transaction);
    }
    // What this transaction wrote is in the memory already; the versions move past it. A merge
    // is read back from the memberships, as one another process made would be: the memory made
    // its sources and members one for the rest of this transaction only.
    const merged = new Set(this.merges.map((m) => m.tenantId));
    for (const [tenantId, held] of this.tenants) {
      held.links = Math.max(held.links, written.newestLink.get(tenantId) ?? 0);
      if (merged.has(tenantId)) held.acts = -1;
      else if (changed.has(tenantId)) held.acts = (await versions(this.deps, tenantId, this.transaction)).acts;
    }
  }

  /** After the transaction: committed, the memory is right for the next one; either way, the next may go. */
  end(committed: boolean): void {
    if (committed) {
      const held = heldOf(this.deps);
      for (const [tenantId, mine] of this.tenants) held.set(tenantId, { open: mine.open, links: mine.links, acts: mine.acts });
    }
    this.turn.done();
  }

  /** Where each new message went, by its message id (for what receive() answers). */
  placements(): Map<number, Placed> {
    const openers = new Set(this.newEvents.map((e) => e.ref));
    const seen = new Set<number>();
    return new Map(this.links.map((l) => {
      // The first membership of an event opened here is its opener's.
      const opened = openers.has(l.ref) && !seen.has(l.ref);
      seen.add(l.ref);
      const eventId = this.eventIdOf(l.ref);
      return [l.messageId, { eventId: this.eventIdOf(this.finalRef(l.ref)), reason: withEventId(l.reason, l.ref, eventId), opened }];
    }));
  }
}

/**
 * A transaction that groups: its session takes its turn as the transaction starts and always
 * ends after it (the next transaction on the tenant waits for that). `work` reads and places.
 */
export async function groupingTransaction<T>(deps: Deps, tenantIds: number[], work: (transaction: Transaction, session: GroupingSession) => Promise<T>): Promise<T> {
  let session: GroupingSession | null = null;
  let committed = false;
  try {
    const out = await deps.db.transaction(async (transaction) => {
      const mine = new GroupingSession(deps, transaction, tenantIds);
      session = mine;
      await mine.lock();
      return work(transaction, mine);
    });
    committed = true;
    return out;
  } finally {
    (session as GroupingSession | null)?.end(committed);
  }
}
