import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/** A pass of reclassification over a tenant's stored messages; `cursor` lets it resume. */
export interface ReclassificationRunAttributes {
  id: number;
  tenantId: number;
  /** the last message id done */
  cursor: number;
  scanned: number;
  /** messages whose classification changed (not `changed`: sequelize instances have a method of that name) */
  changedCount: number;
  startedAt: Date;
  finishedAt: Date | null;
}
export type ReclassificationRun = Row<ReclassificationRunAttributes, 'id'>;

export const defineReclassificationRun = (sequelize: Sequelize): ModelStatic<ReclassificationRun> =>
  sequelize.define<ReclassificationRun>(
    'ReclassificationRun',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      cursor: { type: DataTypes.INTEGER, allowNull: false },
      scanned: { type: DataTypes.INTEGER, allowNull: false },
      changedCount: { type: DataTypes.INTEGER, allowNull: false },
      startedAt: { type: DataTypes.DATE, allowNull: false },
      finishedAt: { type: DataTypes.DATE, allowNull: true },
    },
    tableOptions('reclassification_runs'),
  );
