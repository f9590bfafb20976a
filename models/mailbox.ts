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
  mode: MailboxMode;
  settings: Record<string, unknown>;
  /** the last provider error, shown to the user; null while the mailbox is healthy */
  lastError: string | null;
  createdAt: Date;
}
export type Mailbox = Row<MailboxAttributes, 'id' | 'settings' | 'lastError'>;

export const defineMailbox = (sequelize: Sequelize): ModelStatic<Mailbox> =>
  sequelize.define<Mailbox>(
    'Mailbox',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      kind: { type: DataTypes.STRING(16), allowNull: false },
      address: { type: DataTypes.STRING(320), allowNull: false },
      mode: { type: DataTypes.STRING(16), allowNull: false },
      settings: { type: DataTypes.JSON, allowNull: false, defaultValue: {} },
      lastError: { type: DataTypes.TEXT, allowNull: true },
      createdAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('mailboxes'),
  );
