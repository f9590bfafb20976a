import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/** The path a change came by: the audit trail says not only who and when, but how. */
export type ActivityVia = 'cli' | 'email' | 'mailbox' | 'web' | 'system';

/** The audit trail: one row per change; never updated. */
export interface ActivityAttributes {
  id: number;
  tenantId: number;
  eventId: number | null;
  action: string;
  /** a user handle, or `datamer` for DaTamer's own doings */
  actor: string;
  via: ActivityVia;
  detail: Record<string, unknown>;
  at: Date;
}
export type Activity = Row<ActivityAttributes, 'id'>;

export const defineActivity = (sequelize: Sequelize): ModelStatic<Activity> =>
  sequelize.define<Activity>(
    'Activity',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      eventId: { type: DataTypes.INTEGER, allowNull: true },
      action: { type: DataTypes.STRING(64), allowNull: false },
      actor: { type: DataTypes.STRING(320), allowNull: false },
      via: { type: DataTypes.STRING(16), allowNull: false },
      detail: { type: DataTypes.JSON, allowNull: false },
      at: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('activities'),
  );
