import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/**
 * pending: stored, being handled (a crash in between leaves it so);
 * unfinished: handling failed half-way (the database went away); the sender's retry resumes it
 * after the commands already applied, which `outcome.progress` lists.
 */
export type CommandMailStatus = 'pending' | 'unfinished' | 'applied' | 'refused' | 'ignored';

/** A reply that reached DaTamer as a command, stored once, with what came of it. */
export interface CommandMailAttributes {
  id: number;
  tenantId: number;
  /** as for messages, the content without trace headers: a reply delivered twice acts once */
  dedupKey: string;
  messageIdHeader: string | null;
  fromAddress: string | null;
  subject: string | null;
  raw: Buffer;
  source: string;
  receivedAt: Date;
  /** the user it was taken to come from, once authenticated */
  userId: number | null;
  eventId: number | null;
  status: CommandMailStatus;
  /** per command: what it was, and what happened or why not */
  outcome: Record<string, unknown>;
  replyOutboxId: number | null;
}
export type CommandMail = Row<CommandMailAttributes, 'id' | 'userId' | 'eventId' | 'replyOutboxId'>;

export const defineCommandMail = (sequelize: Sequelize): ModelStatic<CommandMail> =>
  sequelize.define<CommandMail>(
    'CommandMail',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      dedupKey: { type: DataTypes.STRING(80), allowNull: false },
      messageIdHeader: { type: DataTypes.TEXT, allowNull: true },
      fromAddress: { type: DataTypes.TEXT, allowNull: true },
      subject: { type: DataTypes.TEXT, allowNull: true },
      raw: { type: DataTypes.BLOB, allowNull: false },
      source: { type: DataTypes.STRING(16), allowNull: false },
      receivedAt: { type: DataTypes.DATE, allowNull: false },
      userId: { type: DataTypes.INTEGER, allowNull: true },
      eventId: { type: DataTypes.INTEGER, allowNull: true },
      status: { type: DataTypes.STRING(16), allowNull: false },
      outcome: { type: DataTypes.JSON, allowNull: false },
      replyOutboxId: { type: DataTypes.INTEGER, allowNull: true },
    },
    tableOptions('command_mails'),
  );
