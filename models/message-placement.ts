import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/**
 * Where DaTamer last saw or put a message in a mailbox. Finding the message anywhere else
 * means an engineer moved it; an event changed elsewhere moves the message to match.
 */
export interface MessagePlacementAttributes {
  id: number;
  tenantId: number;
  mailboxId: number;
  messageId: number;
  path: string;
  /** the provider's reference for it in that folder, when the provider said or DaTamer saw it there */
  ref: string | null;
  updatedAt: Date;
}
export type MessagePlacement = Row<MessagePlacementAttributes, 'id' | 'ref'>;

export const defineMessagePlacement = (sequelize: Sequelize): ModelStatic<MessagePlacement> =>
  sequelize.define<MessagePlacement>(
    'MessagePlacement',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      mailboxId: { type: DataTypes.INTEGER, allowNull: false },
      messageId: { type: DataTypes.INTEGER, allowNull: false },
      path: { type: DataTypes.STRING(1000), allowNull: false },
      ref: { type: DataTypes.TEXT, allowNull: true },
      updatedAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('message_placements'),
  );
