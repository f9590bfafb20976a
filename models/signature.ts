import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/**
 * A message template of one tenant, mined from its messages' subjects and first lines with the
 * variable parts masked (docs/correlation.md). Its id is the signature its messages carry; the
 * template only ever generalises (more `<*>`), its id never changes.
 */
export interface SignatureAttributes {
  id: number;
  tenantId: number;
  /** the tokens, joined by single spaces (tokens hold no whitespace); `<*>` where messages differ */
  template: string;
  tokenCount: number;
  createdAt: Date;
  /** when the template last generalised; other processes pick up changes from here */
  updatedAt: Date;
}
export type Signature = Row<SignatureAttributes, 'id'>;

export const defineSignature = (sequelize: Sequelize): ModelStatic<Signature> =>
  sequelize.define<Signature>(
    'Signature',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      template: { type: DataTypes.TEXT, allowNull: false },
      tokenCount: { type: DataTypes.INTEGER, allowNull: false },
      createdAt: { type: DataTypes.DATE, allowNull: false },
      updatedAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('signatures'),
  );
