import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/** A one-time login to the site sent by mail (src/web/login-links.ts). */
export interface LoginLinkAttributes {
  id: number;
  tenantId: number;
  userId: number;
  /** SHA-256 of the token in the link, hex; the token itself is only in the mail */
  tokenHash: string;
  expiresAt: Date;
  /** when it logged someone in; a link works once */
  usedAt: Date | null;
  createdAt: Date;
}
export type LoginLink = Row<LoginLinkAttributes, 'id' | 'usedAt'>;

export const defineLoginLink = (sequelize: Sequelize): ModelStatic<LoginLink> =>
  sequelize.define<LoginLink>(
    'LoginLink',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      userId: { type: DataTypes.INTEGER, allowNull: false },
      tokenHash: { type: DataTypes.STRING(64), allowNull: false },
      expiresAt: { type: DataTypes.DATE, allowNull: false },
      usedAt: { type: DataTypes.DATE, allowNull: true },
      createdAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('login_links'),
  );
