// What one notifier batch decides, kept in memory and written at its end in a few multi-row
// statements (BENCHMARKS.md, Notifications): the notices, and the alert state of each event it
// touched. The caller writes them in the transaction that moves its cursor, so a batch is
// committed whole or not at all (docs/notifications.md, How it works).
import { Op, type Transaction } from 'sequelize';
import type { Deps } from '../deps.js';
import type { EventAlert, NoticeReason } from '../../models/index.js';

export interface NewNotice {
  tenantId: number;
  userId: number | null;
  eventId: number;
  reason: NoticeReason;
  severity: string | null;
  dueAt: Date;
  createdAt: Date;
  actor: string | null;
  dropped: string | null;
}

/** What the notifier remembers of an event told about: the severity told, and when to repeat. */
export interface AlertState {
  toldSeverity: string | null;
  toldAt: Date;
  repeatAt: Date | null;
}

interface Kept extends AlertState {
  tenantId: number;
  eventId: number;
  /** the row it was read from; none: a new row */
  row: EventAlert | null;
  changed: boolean;
}

const key = (tenantId: number, eventId: number) => `${tenantId}:${eventId}`;

export class NoticeBatch {
  readonly notices: NewNotice[] = [];
  private readonly states = new Map<string, Kept>();

  /** Reads the alert state of these events once, for the whole batch. */
  async load(deps: Deps, events: Array<{ tenantId: number; id: number }>, transaction: Transaction): Promise<void> {
    const ids = [...new Set(events.map((e) => e.id))];
    if (ids.length === 0) return;
    const rows = await deps.db.models.EventAlert.findAll({ where: { eventId: { [Op.in]: ids } }, transaction });
    for (const row of rows) {
      this.states.set(key(row.tenantId, row.eventId), {
        tenantId: row.tenantId, eventId: row.eventId, toldSeverity: row.toldSeverity, toldAt: row.toldAt, repeatAt: row.repeatAt, row, changed: false,
      });
    }
  }

  state(tenantId: number, eventId: number): AlertState | null {
    return this.states.get(key(tenantId, eventId)) ?? null;
  }

  remember(tenantId: number, eventId: number, state: AlertState): void {
    const had = this.states.get(key(tenantId, eventId));
    this.states.set(key(tenantId, eventId), { tenantId, eventId, ...state, row: had?.row ?? null, changed: true });
  }

  /** A new repeat instant (null: never again), for an event already told about. */
  repeatAt(tenantId: number, eventId: number, at: Date | null): void {
    const had = this.states.get(key(tenantId, eventId));
    if (!had || had.repeatAt?.getTime() === at?.getTime()) return;
    had.repeatAt = at;
    had.changed = true;
  }

  /** Writes everything: one insert for the notices, one for new alert states, an update per changed one. */
  async write(deps: Deps, transaction: Transaction): Promise<void> {
    const { Notice, EventAlert } = deps.db.models;
    if (this.notices.length > 0) await Notice.bulkCreate(this.notices, { transaction, hooks: false, validate: false, returning: false });
    const changed = [...this.states.values()].filter((s) => s.changed);
    const fresh = changed.filter((s) => s.row === null);
    if (fresh.length > 0) {
      await EventAlert.bulkCreate(
        fresh.map((s) => ({ tenantId: s.tenantId, eventId: s.eventId, toldSeverity: s.toldSeverity, toldAt: s.toldAt, repeatAt: s.repeatAt })),
        { transaction, hooks: false, validate: false, returning: false },
      );
    }
    for (const s of changed) {
      if (s.row) await EventAlert.update({ toldSeverity: s.toldSeverity, toldAt: s.toldAt, repeatAt: s.repeatAt }, { where: { id: s.row.id }, transaction });
    }
  }
}
