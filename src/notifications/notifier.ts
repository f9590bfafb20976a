// The notifier (docs/notifications.md): it reads the transitions of events after its cursors
// (events opened, from the events table; assigned, unassigned, completed, reopened, resolved and
// severity changes, from the activity log), decides who must know, and writes notices, moving
// its cursors in the same transaction: a crash before the commit reads the same transitions
// again, a crash after it never reads them twice (healthchecks' Flip, as
// src/mailboxes/workspace/follow.ts follows the activity log). Notices are mailed later by
// alert-mail.ts, after the group wait.
//
// Ids are taken in commit order only mostly (PostgreSQL hands out sequence values before the
// commit), so a cursor moves only past rows that are settled: the next id, or a row a minute
// old, when no transaction that could still fill a gap before it is open.
import { Op, type Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import { compareAndSet, readMark } from '../job-cursors.js';
import { SEVERITY_RANK, type Severity } from '../classification/tags.js';
import type { Activity, Event, NoticeReason, User } from '../../models/index.js';
import { SYSTEM_ACTOR } from '../events/events.js';
import type { AlertSettings } from './defaults.js';
import { NoticeBatch } from './notice-batch.js';
import { alertsFor, severityOf, Router } from './routing.js';

const CURSOR = { events: 'notify:events', activities: 'notify:activities' } as const;
const BATCH = 500;
const SETTLE_MS = 60_000;

export interface NotifyReport {
  /** transitions read */
  read: number;
  /** notices written for users */
  notices: number;
  /** events that reached nobody */
  unrouted: number;
  /** unassigned events told again */
  repeated: number;
}

const rank = (severity: string | null) => SEVERITY_RANK[severityOf(severity) as Severity] ?? 2;

/** The rows of a batch the cursor may pass: in id order, up to the first one that is not settled. */
function settled<T extends { id: number }>(rows: T[], cursor: number, timeOf: (row: T) => Date, now: Date): T[] {
  const out: T[] = [];
  let last = cursor;
  for (const row of rows) {
    if (row.id !== last + 1 && timeOf(row).getTime() > now.getTime() - SETTLE_MS) break;
    out.push(row);
    last = row.id;
  }
  return out;
}

class StaleCursor extends Error {}

/** One pass: everything that happened since the last one, then the events nobody took. */
export async function notifyTransitions(deps: Deps, settings: AlertSettings): Promise<NotifyReport> {
  const report: NotifyReport = { read: 0, notices: 0, unrouted: 0, repeated: 0 };
  const router = new Router(deps);
  await follow(
    deps, CURSOR.events,
    (after) => deps.db.models.Event.findAll({ where: { id: { [Op.gt]: after } }, order: [['id', 'ASC']], limit: BATCH }),
    (e) => e.createdAt,
    async (events, batch, transaction) => {
      const pass = new Pass(deps, settings, router, report, batch, transaction);
      await batch.load(deps, events, transaction);
      const history = await openedByImport(deps, events, transaction);
      for (const event of events) await pass.opened(event, history.has(event.id));
    },
    report,
  );
  await follow(
    deps, CURSOR.activities,
    // Every row, those of no event too (a rule or a user changed on the site): skipped, but read,
    // so that they are no gap the cursor must wait a minute for.
    (after) => deps.db.models.Activity.findAll({ where: { id: { [Op.gt]: after } }, order: [['id', 'ASC']], limit: BATCH }),
    (a) => a.at,
    async (activities, batch, transaction) => {
      const pass = new Pass(deps, settings, router, report, batch, transaction);
      const ids = [...new Set(activities.filter((a) => a.eventId !== null).map((a) => a.eventId!))];
      const events = ids.length === 0 ? [] : await deps.db.models.Event.findAll({ where: { id: { [Op.in]: ids } }, transaction });
      await batch.load(deps, events, transaction);
      const byId = new Map(events.map((e) => [e.id, e]));
      for (const a of activities) {
        const event = a.eventId === null ? undefined : byId.get(a.eventId);
        // Never another tenant's event, whatever the id says.
        if (event && event.tenantId === a.tenantId) await pass.activity(a, event);
      }
    },
    report,
  );
  if (!settings.replay) await new Pass(deps, settings, router, report, null, null).repeatUnclaimed();
  return report;
}

/**
 * The events of this batch opened by `datamer import` (docs/cli.md, import): history, not news. An
 * event's opening message is its first; mail that joins it later does not make it news either.
 */
async function openedByImport(deps: Deps, events: Event[], transaction: Transaction): Promise<Set<number>> {
  const ids = events.filter((e) => e.kind === 'message').map((e) => e.id);
  if (ids.length === 0) return new Set();
  const links = await deps.db.models.EventMessage.findAll({ where: { eventId: { [Op.in]: ids } }, attributes: ['tenantId', 'eventId', 'messageId'], transaction });
  const first = new Map<number, { tenantId: number; messageId: number }>();
  for (const l of links) {
    const had = first.get(l.eventId);
    if (!had || l.messageId < had.messageId) first.set(l.eventId, { tenantId: l.tenantId, messageId: l.messageId });
  }
  if (first.size === 0) return new Set();
  const imported = await deps.db.models.Message.findAll({
    where: { id: { [Op.in]: [...first.values()].map((f) => f.messageId) }, source: 'import' },
    attributes: ['id', 'tenantId'],
    transaction,
  });
  const importedIds = new Set(imported.map((m) => `${m.tenantId}:${m.id}`));
  return new Set([...first].filter(([, f]) => importedIds.has(`${f.tenantId}:${f.messageId}`)).map(([eventId]) => eventId));
}

/** Reads settled rows after the cursor a batch at a time; each batch's notices and cursor move commit together. */
async function follow<T extends { id: number }>(
  deps: Deps, cursorName: string, read: (after: number) => Promise<T[]>, timeOf: (row: T) => Date,
  handle: (rows: T[], batch: NoticeBatch, transaction: Transaction) => Promise<void>, report: NotifyReport,
): Promise<void> {
  for (;;) {
    const cursor = await readMark(deps, cursorName);
    const rows = settled(await read(cursor), cursor, timeOf, deps.clock.now());
    if (rows.length === 0) return;
    const before = { notices: report.notices, unrouted: report.unrouted };
    try {
      await deps.db.transaction(async (transaction) => {
        const batch = new NoticeBatch();
        await handle(rows, batch, transaction);
        await batch.write(deps, transaction);
        // Another process read the same rows meanwhile: its notices stand, these roll back.
        if (!(await compareAndSet(deps, cursorName, cursor, rows[rows.length - 1]!.id, transaction))) throw new StaleCursor();
      });
      report.read += rows.length;
    } catch (err) {
      Object.assign(report, before);
      if (!(err instanceof StaleCursor)) throw err;
    }
  }
}

class Pass {
  constructor(
    private readonly deps: Deps,
    private readonly settings: AlertSettings,
    private readonly router: Router,
    private readonly report: NotifyReport,
    private readonly batch: NoticeBatch | null,
    private readonly transaction: Transaction | null,
  ) {}

  private get now() {
    return this.deps.clock.now();
  }

  private notice(event: Event, user: User | null, reason: NoticeReason, dueAt: Date, extra: { actor?: string; dropped?: string } = {}) {
    this.batch!.notices.push({
      tenantId: event.tenantId, userId: user?.id ?? null, eventId: event.id, reason, severity: event.severity, dueAt, createdAt: this.now,
      actor: extra.actor ?? null, dropped: extra.dropped ?? null,
    });
    if (user) this.report.notices++;
  }

  /** Tells the event's responders (or triage) who alert on its severity; answers whether anyone was told. */
  private async tellResponders(event: Event, reason: NoticeReason, dueAt: Date): Promise<boolean> {
    const route = await this.router.route(event.tenantId, event.org, this.transaction ?? undefined);
    if (route.users.length === 0) {
      // Nobody responds and the triage group is empty: kept and logged, never silently dropped.
      const why = `nobody responds to ${event.org ?? 'unclassified events'} and the triage group has no members`;
      this.notice(event, null, reason, dueAt, { dropped: why });
      this.report.unrouted++;
      this.deps.log.warn({ tenantId: event.tenantId, eventId: event.id, reason }, `alert reached nobody: ${why}`);
      return false;
    }
    const told = route.users.filter((u) => alertsFor(u, event.severity));
    for (const user of told) this.notice(event, user, reason, dueAt);
    return told.length > 0;
  }

  private remember(event: Event, toldSeverity: string | null, repeatAt: Date | null) {
    this.batch!.remember(event.tenantId, event.id, { toldSeverity, toldAt: this.now, repeatAt });
  }

  private stopRepeating(event: Event) {
    this.batch!.repeatAt(event.tenantId, event.id, null);
  }

  /**
   * An event opened. Mail brought in by `datamer import` is history: nobody is told. An event
   * the notifier first sees more than a repeat interval after it opened (DaTamer was stopped, or
   * is catching up on a backlog) is told once, marked late, and only if it is still open and
   * nobody has taken it: what was taken or completed meanwhile is old noise.
   */
  async opened(event: Event, imported: boolean): Promise<void> {
    if (imported && !this.settings.replay) return;
    const late = !this.settings.replay && event.createdAt.getTime() < this.now.getTime() - this.settings.repeatMs;
    if (late && event.status !== 'open') return;
    // Late ones wait one group wait from now, so a backlog read over several runs is one mail.
    const from = late ? this.now : event.createdAt;
    const told = await this.tellResponders(event, late ? 'late' : 'opened', new Date(from.getTime() + this.settings.groupWaitMs));
    this.remember(event, event.severity, told ? new Date(from.getTime() + this.settings.repeatMs) : null);
  }

  async activity(a: Activity, event: Event): Promise<void> {
    const detail = a.detail ?? {};
    const state = this.batch!.state(event.tenantId, event.id);
    switch (a.action) {
      case 'assigned':
      case 'reassigned': {
        this.stopRepeating(event);
        const handle = typeof detail.assignee === 'string' ? detail.assignee : null;
        const assignee = handle ? await this.router.userByHandle(a.tenantId, handle, this.transaction!) : null;
        // Nobody needs telling what they just did themselves (ASSIGN by email is answered anyway).
        // A claim folder only names whose it is, not who dragged the message there: always tell.
        if (!assignee || (a.actor === assignee.handle && a.via !== 'mailbox')) return;
        this.notice(event, assignee, 'assigned', a.at, { actor: a.actor });
        return;
      }
      case 'unassigned': {
        if (state && event.status === 'open') this.batch!.repeatAt(event.tenantId, event.id, new Date(a.at.getTime() + this.settings.repeatMs));
        return;
      }
      case 'completed':
      case 'merged-into':
        this.stopRepeating(event);
        return;
      case 'merged-from': {
        // Grouping merged an event of the same incident into this one (docs/correlation.md,
        // "Events that merge"): the event merged away may still have been in its group wait,
        // its alert never sent (it is stale now: completed), so a severity the merge raised is
        // told once, as any rise is.
        if (a.actor === SYSTEM_ACTOR && state && event.status !== 'completed' && rank(event.severity) > rank(state.toldSeverity)) {
          const told = await this.tellResponders(event, 'raised', new Date(a.at.getTime() + this.settings.groupWaitMs));
          this.remember(event, event.severity, event.status === 'open' && told ? new Date(a.at.getTime() + this.settings.repeatMs) : state.repeatAt);
          return;
        }
        // An engineer's MERGE (docs/correlation.md): both events were news already, so nobody is
        // told anew, not even of a severity the merge raised; that severity counts as told, so
        // mail joining later does not tell it either.
        if (state && rank(event.severity) > rank(state.toldSeverity)) this.batch!.remember(event.tenantId, event.id, { ...state, toldSeverity: event.severity });
        // The target nobody had took the merged event's assignee: it is theirs now, so it
        // repeats no more, and they are told, as of any assignment someone else made.
        // A completed target (a correction of history) only records who handled it.
        if (typeof detail.assignee === 'string' && event.status === 'assigned') {
          this.stopRepeating(event);
          const assignee = await this.router.userByHandle(a.tenantId, detail.assignee, this.transaction!);
          if (assignee && assignee.handle !== a.actor && event.assigneeId === assignee.id) this.notice(event, assignee, 'assigned', a.at, { actor: a.actor });
        }
        return;
      }
      case 'reopened': {
        if (event.status === 'completed') return;
        if (event.assigneeId !== null) {
          // Back to whoever handled it: they are the one to tell.
          const assignee = await this.router.user(a.tenantId, event.assigneeId, this.transaction!);
          if (assignee && assignee.handle !== a.actor) this.notice(event, assignee, 'reopened', a.at, { actor: a.actor });
          return;
        }
        const told = await this.tellResponders(event, 'reopened', new Date(a.at.getTime() + this.settings.groupWaitMs));
        this.remember(event, event.severity, told ? new Date(a.at.getTime() + this.settings.repeatMs) : null);
        return;
      }
      case 'resolved':
        // An alert nobody was told about (history, or over before DaTamer saw it) needs no ending.
        if (!state) return;
        this.stopRepeating(event);
        await this.tellResponders(event, 'resolved', a.at);
        return;
      case 'severity-changed':
      case 'reclassified':
      case 'labelled': {
        // Never told (history, or taken before DaTamer saw it): a rise is no news either.
        if (event.status === 'completed' || !state) return;
        // Told once per rise: mail that joins an event, or a quieter severity, tells nobody again.
        if (rank(event.severity) <= rank(state.toldSeverity)) return;
        const told = await this.tellResponders(event, 'raised', new Date(a.at.getTime() + this.settings.groupWaitMs));
        const repeatAt = event.status === 'open' && told ? new Date(a.at.getTime() + this.settings.repeatMs) : state.repeatAt;
        this.remember(event, event.severity, repeatAt);
        return;
      }
      default:
    }
  }

  /** Events still unassigned a repeat interval after they were told: told again, once per interval. */
  async repeatUnclaimed(): Promise<void> {
    const { EventAlert, Event } = this.deps.db.models;
    const now = this.now;
    const due = await EventAlert.findAll({ where: { repeatAt: { [Op.lte]: now } }, order: [['repeatAt', 'ASC']], limit: BATCH });
    for (const state of due) {
      await this.deps.db.transaction(async (transaction) => {
        const event = await Event.findOne({ where: { tenantId: state.tenantId, id: state.eventId }, transaction });
        // Taken or done: never told again. After a long stop, told once now, not once per missed interval.
        const following = state.repeatAt!.getTime() + this.settings.repeatMs;
        const next = event?.status === 'open' ? new Date(following > now.getTime() ? following : now.getTime() + this.settings.repeatMs) : null;
        const [claimed] = await EventAlert.update({ repeatAt: next }, { where: { id: state.id, repeatAt: state.repeatAt }, transaction });
        if (claimed !== 1 || !event || next === null) return;
        const batch = new NoticeBatch();
        await new Pass(this.deps, this.settings, this.router, this.report, batch, transaction).tellResponders(event, 'repeat', now);
        await batch.write(this.deps, transaction);
        this.report.repeated++;
      });
    }
  }
}
