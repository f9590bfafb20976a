import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/** An engineer or manager of a tenant. The handle names their claim folders. */
export interface UserAttributes {
  id: number;
  tenantId: number;
  email: string;
  displayName: string;
  handle: string;
  /** the secret in the reply address of DaTamer's mail to this user (src/reply-address.ts, src/people/command-tokens.ts) */
  commandToken: string | null;
  /** argon2id, PHC string (src/people/passwords.ts); null: no login to the site */
  passwordHash: string | null;
  createdAt: Date;
}
export type User = Row<UserAttributes, 'id' | 'commandToken' | 'passwordHash'>;

export const defineUser = (sequelize: Sequelize): ModelStatic<User> =>
  sequelize.define<User>(
    'User',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      tenantId: { type: DataTypes.INTEGER, allowNull: false },
      email: { type: DataTypes.STRING(320), allowNull: false },
      displayName: { type: DataTypes.STRING(200), allowNull: false },
      handle: { type: DataTypes.STRING(64), allowNull: false },
      commandToken: { type: DataTypes.STRING(40), allowNull: true },
      passwordHash: { type: DataTypes.TEXT, allowNull: true },
      createdAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('users'),
  );
