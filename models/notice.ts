import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/** Why a user is told about an event (docs/notifications.md). */
export type NoticeReason = 'opened' | 'late' | 'raised' | 'repeat' | 'reopened' | 'resolved' | 'assigned';

/**
 * Something one user must be told about one event: written by the notifier when it reads a
 * transition, sent (grouped with the user's other notices that are due) by the alert pass, which
 * sets outbox_id in the transaction that queues the mail. A notice nobody can receive (no
 * responder, no triage member) has no user and is kept to be seen (`datamer alert unrouted`).
 */
export interface NoticeAttributes {
  id: number;
  tenantId: number;
  /** null: the event reached nobody */
  userId: number | null;
  eventId: number;
  reason: NoticeReason;
  /** the event's severity when the transition happened */
  severity: string | null;
  /** who did it (an assignment) */
  actor: string | null;
  /** not sent before this instant: the group wait, or the end of the user's quiet hours */
  dueAt: Date;
  /** the mail it went out in */
  outboxId: number | null;
  /** why it was not sent (the event was taken or completed meanwhile, nobody to tell) */
  dropped: string | null;
  createdAt: Date;
}
export type Notice = Row<NoticeAttributes, 'id' | 'outboxId' | 'dropped' | 'actor'>;

export const defineNotice = (sequelize: Sequelize): ModelStatic<Notice> =>
  sequelize.define<Notice>(
    'Notice',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      userId: { type: DataTypes.INTEGER, allowNull: true },
      eventId: { type: DataTypes.INTEGER, allowNull: false },
      reason: { type: DataTypes.STRING(16), allowNull: false },
      severity: { type: DataTypes.STRING(16), allowNull: true },
      actor: { type: DataTypes.STRING(320), allowNull: true },
      dueAt: { type: DataTypes.DATE, allowNull: false },
      outboxId: { type: DataTypes.INTEGER, allowNull: true },
      dropped: { type: DataTypes.STRING(200), allowNull: true },
      createdAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('notices'),
  );
