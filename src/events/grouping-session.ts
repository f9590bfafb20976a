// Grouping inside the commit (docs/correlation.md, Grouping): where each new message goes is
// decided in the transaction that stores it, so a message is never stored without its event nor
// given two. The decision itself is pure (src/correlation/grouping.ts); this is its shell:
//
// - Each process holds a tenant's open events in memory, rebuilt from the memberships
//   (event_messages, with the keys each message brought) whenever another process or an
//   engineer wrote since: every transaction first compares the newest membership and the newest
//   activity of the tenant with what it last saw, under the tenant's lock (PostgreSQL: an
//   advisory transaction lock; SQLite: its one write lock, taken at BEGIN IMMEDIATE), so two
//   processes never decide on the same events at once.
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
import { membershipRow, type SqlValue } from './create.js';
import { SYSTEM_ACTOR } from './events.js';

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

interface Versions {
  links: number;
  acts: number;
  recoveryCompletes: boolean;
}

async function versions(deps: Deps, tenantId: number, transaction: Transaction): Promise<Versions> {
  const [row] = await deps.db.sequelize.query<{ links: number | string | null; acts: number | string | null; recovery_completes: boolean | number }>(
    `SELECT recovery_completes,
       (SELECT max(id) FROM event_messages WHERE tenant_id = $1) AS links,
       (SELECT max(id) FROM activities WHERE tenant_id = $1) AS acts
     FROM tenants WHERE id = $1`,
    { type: QueryTypes.SELECT, bind: [tenantId], transaction },
  );
  return { links: Number(row?.links ?? 0), acts: Number(row?.acts ?? 0), recoveryCompletes: Boolean(row?.recovery_completes ?? true) };
}

/** Rebuilds a tenant's open events from the memberships that can still matter. */
async function load(deps: Deps, tenantId: number, settings: GroupingSettings, now: number, transaction: Transaction): Promise<OpenEvents> {
  const open = new OpenEvents(settings);
  const since = new Date(now - settings.repeatMs);
  const rows = await deps.db.sequelize.query<{ event_id: number; at: unknown; grouping_keys: string | null; status: 'open' | 'assigned'; severity: Severity | null; created_at: unknown }>(
    `SELECT em.event_id, em.created_at AS at, em.grouping_keys, e.status, e.severity, e.created_at
     FROM event_messages em JOIN events e ON e.id = em.event_id
     WHERE em.tenant_id = $1 AND em.created_at >= $2 AND e.status <> 'completed' AND e.kind = 'message'
     ORDER BY em.id`,
    { type: QueryTypes.SELECT, bind: [tenantId, deps.db.dialect === 'sqlite' ? since.toISOString().replace('T', ' ').replace('Z', ' +00:00') : since], transaction },
  );
  for (const row of rows) {
    if (row.grouping_keys === null) continue;
    const keys = JSON.parse(row.grouping_keys) as GroupingKeys;
    const at = toDate(row.at).getTime();
    const event = open.events.get(Number(row.event_id));
    if (event) open.add(event, keys, at);
    else {
      const made = open.open(Number(row.event_id), keys, toDate(row.created_at).getTime(), row.status);
      made.severity = row.severity;
      made.lastAt = at;
    }
  }
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

interface NewEvent {
  ref: number;
  tenantId: number;
  row: Record<string, SqlValue>;
}

/** How a dialect writes what was decided. */
export interface GroupingWriter {
  /** makes the new events (or reserves their ids) and answers their ids, in order */
  eventIds(events: Array<Record<string, SqlValue>>): Promise<number[]>;
  /** writes the memberships (and the new events, if eventIds only reserved their ids) */
  insert(events: Array<{ id: number; row: Record<string, SqlValue> }>, links: Array<Record<string, SqlValue>>): Promise<void>;
}

export interface Placed {
  eventId: number;
  reason: string;
  /** the message opened the event */
  opened: boolean;
}

/**
 * The grouping of one transaction: begin (lock, read), place each new message in order, write,
 * then committed() after the commit.
 */
export class GroupingSession {
  private readonly tenants = new Map<number, Held & { recoveryCompletes: boolean }>();
  private readonly newEvents: NewEvent[] = [];
  private readonly links: Array<{ ref: number; tenantId: number; messageId: number; at: Date; reason: string; keys: GroupingKeys }> = [];
  private readonly rises = new Map<number, { tenantId: number; severity: Severity }>();
  private readonly completions = new Map<number, { tenantId: number; note: string }>();
  private nextRef = -1;
  private ids = new Map<number, number>();

  private constructor(private readonly deps: Deps, private readonly transaction: Transaction, private readonly settings: GroupingSettings) {}

  static async begin(deps: Deps, transaction: Transaction, tenantIds: number[], now: Date): Promise<GroupingSession> {
    const session = new GroupingSession(deps, transaction, groupingSettings(deps));
    const held = heldOf(deps);
    for (const tenantId of [...new Set(tenantIds)].sort((a, b) => a - b)) {
      // In tenant order, so that two processes' transactions never wait for each other in a circle.
      if (deps.db.dialect === 'postgres') await deps.db.sequelize.query('SELECT pg_advisory_xact_lock(1868, $1)', { bind: [tenantId], transaction });
      const seen = await versions(deps, tenantId, transaction);
      let mine = held.get(tenantId);
      // Taken out while this transaction works on it: put back only after its commit.
      held.delete(tenantId);
      const settings = { ...session.settings, recoveryCompletes: seen.recoveryCompletes };
      if (!mine || mine.links !== seen.links || mine.acts !== seen.acts || mine.open.settings.recoveryCompletes !== seen.recoveryCompletes) {
        mine = { open: await load(deps, tenantId, settings, now.getTime(), transaction), links: seen.links, acts: seen.acts };
      }
      session.tenants.set(tenantId, { ...mine, recoveryCompletes: seen.recoveryCompletes });
    }
    return session;
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

  /** A reason names its event by id; an event opened in this transaction had none yet when it was decided. */
  private withId(reason: string): string {
    return reason.replace(/#(-\d+)/, (_, ref: string) => `#${this.ids.get(Number(ref))}`);
  }

  /** The event id of a placement, once written. */
  eventIdOf(ref: number): number {
    return ref < 0 ? this.ids.get(ref)! : ref;
  }

  /** Writes the new events and the memberships, then the changes to events that were there before. */
  async write(writer: GroupingWriter): Promise<void> {
    if (this.newEvents.length > 0) {
      const ids = await writer.eventIds(this.newEvents.map((e) => e.row));
      this.newEvents.forEach((e, i) => this.ids.set(e.ref, ids[i]!));
      for (const held of this.tenants.values()) for (const e of this.newEvents) held.open.rename(e.ref, ids[this.newEvents.indexOf(e)]!);
    }
    const withId = (reason: string) => this.withId(reason);
    await writer.insert(
      this.newEvents.map((e) => ({ id: this.ids.get(e.ref)!, row: e.row })),
      this.links.map((l) => membershipRow({ tenantId: l.tenantId, eventId: this.eventIdOf(l.ref), messageId: l.messageId, at: l.at, reason: withId(l.reason), keys: l.keys })),
    );
    const by = { actor: SYSTEM_ACTOR, via: 'system' as const };
    for (const [ref, rise] of this.rises) {
      if (this.completions.has(ref)) continue;
      await setEventSeverity(this.deps, rise.tenantId, ref, rise.severity, by, this.transaction);
    }
    for (const [ref, done] of this.completions) {
      const id = this.eventIdOf(ref);
      const rise = this.rises.get(ref);
      if (rise) await setEventSeverity(this.deps, rise.tenantId, id, rise.severity, by, this.transaction);
      await completeIfOpen(this.deps, done.tenantId, id, done.note, by, this.transaction);
    }
    for (const [tenantId, held] of this.tenants) {
      const seen = await versions(this.deps, tenantId, this.transaction);
      held.links = seen.links;
      held.acts = seen.acts;
    }
  }

  /** After the commit: the memory is right again, for the next transaction. */
  committed(): void {
    const held = heldOf(this.deps);
    for (const [tenantId, mine] of this.tenants) held.set(tenantId, { open: mine.open, links: mine.links, acts: mine.acts });
  }

  /** The reason of a message's membership, by its message id (for what receive() answers). */
  placements(): Map<number, Placed> {
    const openers = new Set(this.newEvents.map((e) => e.ref));
    const seen = new Set<number>();
    return new Map(this.links.map((l) => {
      // The first membership of an event opened here is its opener's.
      const opened = openers.has(l.ref) && !seen.has(l.ref);
      seen.add(l.ref);
      return [l.messageId, { eventId: this.eventIdOf(l.ref), reason: this.withId(l.reason), opened }];
    }));
  }
}
