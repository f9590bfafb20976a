import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

export type OutboxStatus = 'queued' | 'sending' | 'sent' | 'failed';

/**
 * One outgoing mail. A worker claims it with a conditional update before handing it to
 * the SMTP server, so a row is sent at most once however many workers run.
 */
export interface OutboxMailAttributes {
  id: number;
  tenantId: number;
  /** what the mail is: event-alert, assignment, schedule-alert, digest, command-reply… */
  kind: string;
  fromAddress: string;
  toAddresses: string[];
  subject: string;
  text: string;
  html: string | null;
  headers: Record<string, string>;
  /** fixed at enqueue time, so the recipient can tell a mail from its copies */
  messageIdHeader: string;
  /** the event the mail is about: a reply to it commands that event */
  eventId: number | null;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  claimedBy: string | null;
  claimedAt: Date | null;
  lastError: string | null;
  sentAt: Date | null;
  createdAt: Date;
}
export type OutboxMail = Row<OutboxMailAttributes, 'id' | 'eventId' | 'attempts' | 'claimedBy' | 'claimedAt' | 'lastError' | 'sentAt'>;

export const defineOutboxMail = (sequelize: Sequelize): ModelStatic<OutboxMail> =>
  sequelize.define<OutboxMail>(
    'OutboxMail',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      kind: { type: DataTypes.STRING(32), allowNull: false },
      fromAddress: { type: DataTypes.STRING(320), allowNull: false },
      toAddresses: { type: DataTypes.JSON, allowNull: false },
      subject: { type: DataTypes.TEXT, allowNull: false },
      text: { type: DataTypes.TEXT, allowNull: false },
      html: { type: DataTypes.TEXT, allowNull: true },
      headers: { type: DataTypes.JSON, allowNull: false },
      messageIdHeader: { type: DataTypes.STRING(255), allowNull: false },
      eventId: { type: DataTypes.INTEGER, allowNull: true },
      status: { type: DataTypes.STRING(16), allowNull: false },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      nextAttemptAt: { type: DataTypes.DATE, allowNull: false },
      claimedBy: { type: DataTypes.STRING(100), allowNull: true },
      claimedAt: { type: DataTypes.DATE, allowNull: true },
      lastError: { type: DataTypes.TEXT, allowNull: true },
      sentAt: { type: DataTypes.DATE, allowNull: true },
      createdAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('outbox'),
  );
