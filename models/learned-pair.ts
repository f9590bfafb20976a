import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/**
 * Two kinds of mail that were rare together in one event of a tenant (docs/correlation.md):
 * what the `learned` grouping signal joins when they come together again.
 */
export interface LearnedPairAttributes {
  id: number;
  tenantId: number;
  /** the two kinds, kindA < kindB */
  kindA: string;
  kindB: string;
  /** the event they were last rare together in */
  eventId: number;
  at: Date;
}
export type LearnedPair = Row<LearnedPairAttributes, 'id'>;

export const defineLearnedPair = (sequelize: Sequelize): ModelStatic<LearnedPair> =>
  sequelize.define<LearnedPair>(
    'LearnedPair',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      kindA: { type: DataTypes.TEXT, allowNull: false },
      kindB: { type: DataTypes.TEXT, allowNull: false },
      eventId: { type: DataTypes.INTEGER, allowNull: false },
      at: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('learned_pairs'),
  );
