import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import type { RuleDefinition } from '../src/classification/rules.js';
import { type Row, tableOptions } from './row.js';

/** An engineer-written rule: the engine's rule object, stored per tenant, with its use. */
export interface RuleAttributes extends RuleDefinition {
  tenantId: number;
  /** messages this rule matched when they arrived */
  hits: number;
  lastMatchedAt: Date | null;
  /** a user handle, `cli` or `datamer` */
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}
export type Rule = Row<RuleAttributes, 'id' | 'hits' | 'lastMatchedAt'>;

export const defineRule = (sequelize: Sequelize): ModelStatic<Rule> =>
  sequelize.define<Rule>(
    'Rule',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      name: { type: DataTypes.STRING(200), allowNull: false },
      position: { type: DataTypes.INTEGER, allowNull: false },
      enabled: { type: DataTypes.BOOLEAN, allowNull: false },
      conditions: { type: DataTypes.JSON, allowNull: false },
      actions: { type: DataTypes.JSON, allowNull: false },
      continue: { type: DataTypes.BOOLEAN, allowNull: false },
      override: { type: DataTypes.BOOLEAN, allowNull: false },
      hits: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      lastMatchedAt: { type: DataTypes.DATE, allowNull: true },
      createdBy: { type: DataTypes.STRING(320), allowNull: false },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      updatedAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('rules'),
  );
