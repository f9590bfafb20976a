import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

export type InterestLevel = 'responder' | 'interested';

/** A group's interest in an org pattern: `a.b.c`, `a.b.*` or `*`. */
export interface SubscriptionAttributes {
  id: number;
  tenantId: number;
  groupId: number;
  orgPattern: string;
  level: InterestLevel;
  createdAt: Date;
}
export type Subscription = Row<SubscriptionAttributes, 'id'>;

export const defineSubscription = (sequelize: Sequelize): ModelStatic<Subscription> =>
  sequelize.define<Subscription>(
    'Subscription',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      groupId: { type: DataTypes.INTEGER, allowNull: false },
      orgPattern: { type: DataTypes.STRING(300), allowNull: false },
      level: { type: DataTypes.STRING(16), allowNull: false },
      createdAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('subscriptions'),
  );
