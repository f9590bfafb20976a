import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/** Users belong to groups; groups hold the subscriptions. */
export interface GroupAttributes {
  id: number;
  tenantId: number;
  name: string;
  createdAt: Date;
}
export type Group = Row<GroupAttributes, 'id'>;

export const defineGroup = (sequelize: Sequelize): ModelStatic<Group> =>
  sequelize.define<Group>(
    'Group',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      name: { type: DataTypes.STRING(100), allowNull: false },
      createdAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('groups'),
  );
