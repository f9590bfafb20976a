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
import type { AlertSettings } from './defaults.js';
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
  const pass = new Pass(deps, settings, router, report);
  await follow(deps, CURSOR.events, (after) => deps.db.models.Event.findAll({ where: { id: { [Op.gt]: after } }, order: [['id', 'ASC']], limit: BATCH }), (e) => e.createdAt, (e, tx) => pass.opened(e, tx), report);
  await follow(
    deps, CURSOR.activities,
    // Every row, those of no event too (a rule or a user changed on the site): skipped, but read,
    // so that they are no gap the cursor must wait a minute for.
    (after) => deps.db.models.Activity.findAll({ where: { id: { [Op.gt]: after } }, order: [['id', 'ASC']], limit: BATCH }),
    (a) => a.at, (a, tx) => (a.eventId === null ? Promise.resolve() : pass.activity(a, tx)), report,
  );
  if (!settings.replay) await pass.repeatUnclaimed();
  return report;
}

async function follow<T extends { id: number }>(
  deps: Deps, cursorName: string, read: (after: number) => Promise<T[]>, timeOf: (row: T) => Date,
  handle: (row: T, transaction: Transaction) => Promise<void>, report: NotifyReport,
): Promise<void> {
  for (;;) {
    const cursor = await readMark(deps, cursorName);
    const rows = settled(await read(cursor), cursor, timeOf, deps.clock.now());
    if (rows.length === 0) return;
    try {
      await deps.db.transaction(async (transaction) => {
        for (const row of rows) await handle(row, transaction);
        // Another process read the same rows meanwhile: its notices stand, these roll back.
        if (!(await compareAndSet(deps, cursorName, cursor, rows[rows.length - 1]!.id, transaction))) throw new StaleCursor();
      });
      report.read += rows.length;
    } catch (err) {
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
  ) {}

  private get now() {
    return this.deps.clock.now();
  }

  private async notice(event: Event, user: User | null, reason: NoticeReason, dueAt: Date, transaction: Transaction, extra: { actor?: string; dropped?: string } = {}) {
    await this.deps.db.models.Notice.create(
      {
        tenantId: event.tenantId, userId: user?.id ?? null, eventId: event.id, reason, severity: event.severity, dueAt, createdAt: this.now,
        actor: extra.actor ?? null, dropped: extra.dropped ?? null,
      },
      { transaction },
    );
    if (user) this.report.notices++;
  }

  /** Tells the event's responders (or triage) who alert on its severity; answers whether anyone was told. */
  private async tellResponders(event: Event, reason: NoticeReason, dueAt: Date, transaction: Transaction): Promise<boolean> {
    const route = await this.router.route(event.tenantId, event.org, transaction);
    if (route.users.length === 0) {
      // Nobody responds and the triage group is empty: kept and logged, never silently dropped.
      const why = `nobody responds to ${event.org ?? 'unclassified events'} and the triage group has no members`;
      await this.notice(event, null, reason, dueAt, transaction, { dropped: why });
      this.report.unrouted++;
      this.deps.log.warn({ tenantId: event.tenantId, eventId: event.id, reason }, `alert reached nobody: ${why}`);
      return false;
    }
    const told = route.users.filter((u) => alertsFor(u, event.severity));
    for (const user of told) await this.notice(event, user, reason, dueAt, transaction);
    return told.length > 0;
  }

  private async alertState(event: Event, transaction: Transaction) {
    return this.deps.db.models.EventAlert.findOne({ where: { tenantId: event.tenantId, eventId: event.id }, transaction });
  }

  private async remember(event: Event, toldSeverity: string | null, repeatAt: Date | null, transaction: Transaction) {
    const existing = await this.alertState(event, transaction);
    if (existing) await existing.update({ toldSeverity, toldAt: this.now, repeatAt }, { transaction });
    else await this.deps.db.models.EventAlert.create({ tenantId: event.tenantId, eventId: event.id, toldSeverity, toldAt: this.now, repeatAt }, { transaction });
  }

  private async stopRepeating(event: Event, transaction: Transaction) {
    await this.deps.db.models.EventAlert.update({ repeatAt: null }, { where: { tenantId: event.tenantId, eventId: event.id }, transaction });
  }

  async opened(event: Event, transaction: Transaction): Promise<void> {
    // Mail imported from the past is history, not news: it shows in lists and digests only.
    if (!this.settings.replay && event.createdAt.getTime() < this.now.getTime() - this.settings.repeatMs) return;
    const told = await this.tellResponders(event, 'opened', new Date(event.createdAt.getTime() + this.settings.groupWaitMs), transaction);
    await this.remember(event, event.severity, told ? new Date(event.createdAt.getTime() + this.settings.repeatMs) : null, transaction);
  }

  async activity(a: Activity, transaction: Transaction): Promise<void> {
    const event = await this.deps.db.models.Event.findOne({ where: { tenantId: a.tenantId, id: a.eventId! }, transaction });
    if (!event) return;
    const detail = a.detail ?? {};
    switch (a.action) {
      case 'assigned':
      case 'reassigned': {
        await this.stopRepeating(event, transaction);
        const handle = typeof detail.assignee === 'string' ? detail.assignee : null;
        const assignee = handle ? await this.router.userByHandle(a.tenantId, handle, transaction) : null;
        // Nobody needs telling what they just did themselves (ASSIGN by email is answered anyway).
        // A claim folder only names whose it is, not who dragged the message there: always tell.
        if (!assignee || (a.actor === assignee.handle && a.via !== 'mailbox')) return;
        await this.notice(event, assignee, 'assigned', a.at, transaction, { actor: a.actor });
        return;
      }
      case 'unassigned': {
        const state = await this.alertState(event, transaction);
        if (state && event.status === 'open') await state.update({ repeatAt: new Date(a.at.getTime() + this.settings.repeatMs) }, { transaction });
        return;
      }
      case 'completed':
      case 'merged-into':
        await this.stopRepeating(event, transaction);
        return;
      case 'merged-from': {
        // An engineer's MERGE (docs/correlation.md): both events were news already, so nobody is
        // told anew, not even of a severity the merge raised; that severity counts as told, so
        // mail joining later does not tell it either.
        const state = await this.alertState(event, transaction);
        if (state && rank(event.severity) > rank(state.toldSeverity)) await state.update({ toldSeverity: event.severity }, { transaction });
        return;
      }
      case 'reopened': {
        if (event.status === 'completed') return;
        if (event.assigneeId !== null) {
          // Back to whoever handled it: they are the one to tell.
          const assignee = await this.router.user(a.tenantId, event.assigneeId, transaction);
          if (assignee && assignee.handle !== a.actor) await this.notice(event, assignee, 'reopened', a.at, transaction, { actor: a.actor });
          return;
        }
        const told = await this.tellResponders(event, 'reopened', new Date(a.at.getTime() + this.settings.groupWaitMs), transaction);
        await this.remember(event, event.severity, told ? new Date(a.at.getTime() + this.settings.repeatMs) : null, transaction);
        return;
      }
      case 'resolved':
        await this.stopRepeating(event, transaction);
        await this.tellResponders(event, 'resolved', a.at, transaction);
        return;
      case 'severity-changed':
      case 'reclassified':
      case 'labelled': {
        if (event.status === 'completed') return;
        const state = await this.alertState(event, transaction);
        // Told once per rise: mail that joins an event, or a quieter severity, tells nobody again.
        if (state && rank(event.severity) <= rank(state.toldSeverity)) return;
        const told = await this.tellResponders(event, 'raised', new Date(a.at.getTime() + this.settings.groupWaitMs), transaction);
        const repeatAt = event.status === 'open' && told ? new Date(a.at.getTime() + this.settings.repeatMs) : (state?.repeatAt ?? null);
        await this.remember(event, event.severity, repeatAt, transaction);
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
        // Taken or done: never told again.
        const following = state.repeatAt!.getTime() + this.settings.repeatMs;
        const next = event?.status === 'open' ? new Date(following > now.getTime() ? following : now.getTime() + this.settings.repeatMs) : null;
        const [claimed] = await EventAlert.update({ repeatAt: next }, { where: { id: state.id, repeatAt: state.repeatAt }, transaction });
        if (claimed !== 1 || !event || next === null) return;
        await this.tellResponders(event, 'repeat', now, transaction);
        this.report.repeated++;
      });
    }
  }
}
