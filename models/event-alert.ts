import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/**
 * What the notifier remembers of an event it alerted about: the severity it told (a later rise
 * is told once more) and when to tell again if nobody has taken the event (docs/notifications.md).
 */
export interface EventAlertAttributes {
  id: number;
  tenantId: number;
  eventId: number;
  toldSeverity: string | null;
  toldAt: Date;
  /** null: no repeat (taken, completed, or nobody to tell) */
  repeatAt: Date | null;
}
export type EventAlert = Row<EventAlertAttributes, 'id' | 'repeatAt'>;

export const defineEventAlert = (sequelize: Sequelize): ModelStatic<EventAlert> =>
  sequelize.define<EventAlert>(
    'EventAlert',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      eventId: { type: DataTypes.INTEGER, allowNull: false },
      toldSeverity: { type: DataTypes.STRING(16), allowNull: true },
      toldAt: { type: DataTypes.DATE, allowNull: false },
      repeatAt: { type: DataTypes.DATE, allowNull: true },
    },
    tableOptions('event_alerts'),
  );
