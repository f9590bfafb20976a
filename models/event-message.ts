import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/** Which messages make up an event. A message belongs to at most one event. */
export interface EventMessageAttributes {
  id: number;
  tenantId: number;
  eventId: number;
  messageId: number;
  createdAt: Date;
}
export type EventMessage = Row<EventMessageAttributes, 'id'>;

export const defineEventMessage = (sequelize: Sequelize): ModelStatic<EventMessage> =>
  sequelize.define<EventMessage>(
    'EventMessage',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      eventId: { type: DataTypes.INTEGER, allowNull: false },
      messageId: { type: DataTypes.INTEGER, allowNull: false },
      createdAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('event_messages'),
  );
