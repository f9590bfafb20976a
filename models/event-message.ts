import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/** Which messages make up an event. A message belongs to at most one event. */
export interface EventMessageAttributes {
  id: number;
  tenantId: number;
  eventId: number;
  messageId: number;
  createdAt: Date;
  /** why the message is in this event, for a person to read (docs/correlation.md); null before grouping existed */
  reason: string | null;
  /** what the message brought to grouping, as JSON (src/correlation/grouping-keys.ts); null before grouping existed */
  groupingKeys: string | null;
}
export type EventMessage = Row<EventMessageAttributes, 'id' | 'reason' | 'groupingKeys'>;

export const defineEventMessage = (sequelize: Sequelize): ModelStatic<EventMessage> =>
  sequelize.define<EventMessage>(
    'EventMessage',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      eventId: { type: DataTypes.INTEGER, allowNull: false },
      messageId: { type: DataTypes.INTEGER, allowNull: false },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      reason: { type: DataTypes.TEXT, allowNull: true },
      groupingKeys: { type: DataTypes.TEXT, allowNull: true },
    },
    tableOptions('event_messages'),
  );
