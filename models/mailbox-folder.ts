import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/** What a folder means to DaTamer (docs/mailbox.md). */
/** `replies`: engineers' replies with commands, kept out of the inbox once DaTamer acted on them. */
export type FolderRole = 'inbox' | 'unclassified' | 'class' | 'claim' | 'completed' | 'replies';

/** A folder DaTamer made or watches in a mailbox, and how far it has read it. */
export interface MailboxFolderAttributes {
  id: number;
  tenantId: number;
  mailboxId: number;
  /** the provider's name for it, with the provider's delimiter */
  path: string;
  role: FolderRole;
  /** class, claim and completed folders: the org path they stand for */
  org: string | null;
  /** claim folders: whose */
  handle: string | null;
  /** how far the folder has been read, as the provider resumes it (src/mailboxes/provider.ts) */
  cursor: string | null;
  /** inbox: what was there before DaTamer first looked (the backlog), in the provider's terms */
  backlogMark: string | null;
  /** inbox: the last message `datamer mailbox organize --backlog` took */
  backlogDone: string | null;
  createdAt: Date;
}
export type MailboxFolder = Row<MailboxFolderAttributes, 'id' | 'cursor' | 'backlogMark' | 'backlogDone'>;

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
      cursor: { type: DataTypes.TEXT, allowNull: true },
      backlogMark: { type: DataTypes.TEXT, allowNull: true },
      backlogDone: { type: DataTypes.TEXT, allowNull: true },
      createdAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('mailbox_folders'),
  );
