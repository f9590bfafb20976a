import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';
import { bigintColumn } from './bigint.js';

/** What a folder means to DaTamer (docs/mailbox.md). */
/** `replies`: engineers' replies with commands, kept out of the inbox once DaTamer acted on them. */
export type FolderRole = 'inbox' | 'unclassified' | 'class' | 'claim' | 'completed' | 'replies';

/** A folder DaTamer made or watches in a mailbox, and how far it has read it. */
export interface MailboxFolderAttributes {
  id: number;
  tenantId: number;
  mailboxId: number;
  /** the server's name for it, with the server's delimiter */
  path: string;
  role: FolderRole;
  /** class, claim and completed folders: the org path they stand for */
  org: string | null;
  /** claim folders: whose */
  handle: string | null;
  /** the folder's UIDVALIDITY when last read; a change means every UID is new */
  uidValidity: number | null;
  /** every message up to this UID has been taken in */
  lastUid: number;
  /** inbox: the last UID of the mail that was there before DaTamer first looked */
  backlogUid: number | null;
  /** inbox: how far `datamer mailbox organize --backlog` got */
  backlogDoneUid: number | null;
  createdAt: Date;
}
export type MailboxFolder = Row<MailboxFolderAttributes, 'id' | 'lastUid' | 'uidValidity' | 'backlogUid' | 'backlogDoneUid'>;

export const defineMailboxFolder = (sequelize: Sequelize): ModelStatic<MailboxFolder> =>
  sequelize.define<MailboxFolder>(
    'MailboxFolder',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      mailboxId: { type: DataTypes.INTEGER, allowNull: false },
      path: { type: DataTypes.STRING(1000), allowNull: false },
      role: { type: DataTypes.STRING(16), allowNull: false },
      org: { type: DataTypes.STRING(300), allowNull: true },
      handle: { type: DataTypes.STRING(64), allowNull: true },
      uidValidity: bigintColumn('uidValidity', true),
      lastUid: { ...bigintColumn('lastUid', false), defaultValue: 0 },
      backlogUid: bigintColumn('backlogUid', true),
      backlogDoneUid: bigintColumn('backlogDoneUid', true),
      createdAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('mailbox_folders'),
  );
