import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/** A maintenance window (docs/schedules.md): while it lasts, and one window after, its streams do not alert. */
export interface MaintenanceWindowAttributes {
  id: number;
  tenantId: number;
  /** an org pattern (`datamer.data.*`, `*`) or a stream key */
  scope: string;
  startsAt: Date;
  endsAt: Date;
  reason: string;
  /** a user handle, or `cli` */
  createdBy: string;
  /** set when it was ended before endsAt */
  endedAt: Date | null;
  createdAt: Date;
}
export type MaintenanceWindow = Row<MaintenanceWindowAttributes, 'id' | 'endedAt'>;

export const defineMaintenanceWindow = (sequelize: Sequelize): ModelStatic<MaintenanceWindow> =>
  sequelize.define<MaintenanceWindow>(
    'MaintenanceWindow',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      scope: { type: DataTypes.STRING(600), allowNull: false },
      startsAt: { type: DataTypes.DATE, allowNull: false },
      endsAt: { type: DataTypes.DATE, allowNull: false },
      reason: { type: DataTypes.STRING(500), allowNull: false },
      createdBy: { type: DataTypes.STRING(320), allowNull: false },
      endedAt: { type: DataTypes.DATE, allowNull: true },
      createdAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('maintenance_windows'),
  );
