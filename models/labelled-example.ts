import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import type { ActivityVia } from './activity.js';
import { type Row, tableOptions } from './row.js';

/** A message an engineer classified by hand (by filing it), and the rule DaTamer proposed from it. */
export interface LabelledExampleAttributes {
  id: number;
  tenantId: number;
  messageId: number;
  org: string;
  /** what the message was classified as before; null: unclassified */
  previousOrg: string | null;
  /** a user handle when known, else `mailbox` */
  labelledBy: string;
  via: ActivityVia;
  /** the proposed rule (disabled until an engineer enables it); null when none could be made */
  suggestedRuleId: number | null;
  createdAt: Date;
}
export type LabelledExample = Row<LabelledExampleAttributes, 'id' | 'previousOrg' | 'suggestedRuleId'>;

export const defineLabelledExample = (sequelize: Sequelize): ModelStatic<LabelledExample> =>
  sequelize.define<LabelledExample>(
    'LabelledExample',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      messageId: { type: DataTypes.INTEGER, allowNull: false },
      org: { type: DataTypes.STRING(300), allowNull: false },
      previousOrg: { type: DataTypes.STRING(300), allowNull: true },
      labelledBy: { type: DataTypes.STRING(320), allowNull: false },
      via: { type: DataTypes.STRING(16), allowNull: false },
      suggestedRuleId: { type: DataTypes.INTEGER, allowNull: true },
      createdAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('labelled_examples'),
  );
