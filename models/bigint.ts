import { DataTypes } from 'sequelize';

/**
 * A BIGINT column read as a number. IMAP UIDs need more than 31 bits but never more than 32,
 * well inside what a JavaScript number holds exactly; pg would otherwise hand back strings.
 */
export function bigintColumn(name: string, allowNull: boolean) {
  return {
    type: DataTypes.BIGINT,
    allowNull,
    get(this: { getDataValue(key: string): unknown }) {
      const value = this.getDataValue(name);
      return value === null || value === undefined ? value : Number(value);
    },
  };
}
