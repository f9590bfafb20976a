import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

export interface MembershipAttributes {
  id: number;
  tenantId: number;
  groupId: number;
  userId: number;
  createdAt: Date;
}
export type Membership = Row<MembershipAttributes, 'id'>;

export const defineMembership = (sequelize: Sequelize): ModelStatic<Membership> =>
  sequelize.define<Membership>(
    'Membership',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      groupId: { type: DataTypes.INTEGER, allowNull: false },
      userId: { type: DataTypes.INTEGER, allowNull: false },
      createdAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('memberships'),
  );
