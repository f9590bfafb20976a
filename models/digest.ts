import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/**
 * When a user's next daily digest is due (docs/notifications.md), in UTC, worked out from their
 * local digest hour and time zone; moved on (compare-and-set) by the run that sends it.
 */
export interface DigestAttributes {
  id: number;
  tenantId: number;
  userId: number;
  nextAt: Date;
  /** the hour and zone nextAt was worked out from: a change of either recomputes it */
  hour: number;
  timeZone: string;
  lastSentAt: Date | null;
}
export type Digest = Row<DigestAttributes, 'id' | 'lastSentAt'>;

export const defineDigest = (sequelize: Sequelize): ModelStatic<Digest> =>
  sequelize.define<Digest>(
    'Digest',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      userId: { type: DataTypes.INTEGER, allowNull: false },
      nextAt: { type: DataTypes.DATE, allowNull: false },
      hour: { type: DataTypes.INTEGER, allowNull: false },
      timeZone: { type: DataTypes.STRING(64), allowNull: false },
      lastSentAt: { type: DataTypes.DATE, allowNull: true },
    },
    tableOptions('digests'),
  );
