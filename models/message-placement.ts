import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';
import { bigintColumn } from './bigint.js';

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
  /** its UID in that folder, when the server said (UIDPLUS) or DaTamer saw it there */
  uid: number | null;
  uidValidity: number | null;
  updatedAt: Date;
}
export type MessagePlacement = Row<MessagePlacementAttributes, 'id' | 'uid' | 'uidValidity'>;

export const defineMessagePlacement = (sequelize: Sequelize): ModelStatic<MessagePlacement> =>
  sequelize.define<MessagePlacement>(
    'MessagePlacement',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      mailboxId: { type: DataTypes.INTEGER, allowNull: false },
      messageId: { type: DataTypes.INTEGER, allowNull: false },
      path: { type: DataTypes.STRING(1000), allowNull: false },
      uid: bigintColumn('uid', true),
      uidValidity: bigintColumn('uidValidity', true),
      updatedAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('message_placements'),
  );
