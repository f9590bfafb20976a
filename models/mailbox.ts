import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

export type MailboxKind = 'smtp' | 'imap' | 'graph' | 'gmail';
export type MailboxMode = 'organize' | 'ingest';

/**
 * Where a tenant's MSEs arrive. For kind `smtp` the address is one of DaTamer's own
 * addresses and the listener accepts mail for it; the other kinds come with their providers.
 */
export interface MailboxAttributes {
  id: number;
  tenantId: number;
  kind: MailboxKind;
  /** lower-cased; unique among smtp mailboxes, so one address never belongs to two tenants */
  address: string;
  /** provider mailboxes: who the mailbox is, however its address was spelled; unique */
  account: string | null;
  mode: MailboxMode;
  settings: Record<string, unknown>;
  /** the last provider error, shown to the user; null while the mailbox is healthy */
  lastError: string | null;
  lastErrorAt: Date | null;
  /** when DaTamer last finished a pass over the mailbox without error */
  lastSyncedAt: Date | null;
  /** provider credentials, encrypted with the key from config (src/mailboxes/secrets.ts) */
  secret: string | null;
  /** the process working this mailbox, and until when, unless it renews */
  leaseOwner: string | null;
  leaseUntil: Date | null;
  /** the last activity id whose folder move has been made in this mailbox */
  activityCursor: number | null;
  /** DaTamer's own mail for the tenant goes out through this mailbox's provider, not by SMTP */
  sendsMail: boolean;
  createdAt: Date;
}
type Runtime = 'lastErrorAt' | 'lastSyncedAt' | 'secret' | 'leaseOwner' | 'leaseUntil' | 'activityCursor' | 'sendsMail';
export type Mailbox = Row<MailboxAttributes, 'id' | 'settings' | 'lastError' | 'account' | Runtime>;

export const defineMailbox = (sequelize: Sequelize): ModelStatic<Mailbox> =>
  sequelize.define<Mailbox>(
    'Mailbox',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      kind: { type: DataTypes.STRING(16), allowNull: false },
      address: { type: DataTypes.STRING(320), allowNull: false },
      account: { type: DataTypes.STRING(400), allowNull: true },
      mode: { type: DataTypes.STRING(16), allowNull: false },
      settings: { type: DataTypes.JSON, allowNull: false, defaultValue: {} },
      lastError: { type: DataTypes.TEXT, allowNull: true },
      lastErrorAt: { type: DataTypes.DATE, allowNull: true },
      lastSyncedAt: { type: DataTypes.DATE, allowNull: true },
      secret: { type: DataTypes.TEXT, allowNull: true },
      leaseOwner: { type: DataTypes.STRING(64), allowNull: true },
      leaseUntil: { type: DataTypes.DATE, allowNull: true },
      activityCursor: { type: DataTypes.INTEGER, allowNull: true },
      sendsMail: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      createdAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('mailboxes'),
  );
