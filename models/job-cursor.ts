import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/** Where an incremental job stopped: the last message id it has taken in for good. */
export interface JobCursorAttributes {
  name: string;
  position: number;
}
export type JobCursor = Row<JobCursorAttributes>;

export const defineJobCursor = (sequelize: Sequelize): ModelStatic<JobCursor> =>
  sequelize.define<JobCursor>(
    'JobCursor',
    {
      name: { type: DataTypes.STRING(64), primaryKey: true },
      position: { type: DataTypes.INTEGER, allowNull: false },
    },
    tableOptions('job_cursors'),
  );
