import { DataTypes, type ModelStatic, type Sequelize } from 'sequelize';
import { type Row, tableOptions } from './row.js';

/** What a user may change on the site (docs/web.md): an admin also mailboxes, people and everyone's settings. */
export type UserRole = 'engineer' | 'admin';

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
  /** the severities that alert them by mail (docs/notifications.md); the rest wait for the digest */
  alertSeverities: string[];
  /** IANA time zone of their quiet hours and digest hour */
  timeZone: string;
  /** `22:00-07:00`: only critical alerts then; null: none */
  quietHours: string | null;
  /** the local hour of their daily digest; null: no digest */
  digestHour: number | null;
  role: UserRole;
  createdAt: Date;
}
export type User = Row<UserAttributes, 'id' | 'commandToken' | 'passwordHash' | 'alertSeverities' | 'timeZone' | 'quietHours' | 'digestHour' | 'role'>;

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
      alertSeverities: { type: DataTypes.JSON, allowNull: false, defaultValue: ['warn', 'critical'] },
      timeZone: { type: DataTypes.STRING(64), allowNull: false, defaultValue: 'UTC' },
      quietHours: { type: DataTypes.STRING(11), allowNull: true },
      digestHour: { type: DataTypes.INTEGER, allowNull: true, defaultValue: 8 },
      role: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'engineer' },
      createdAt: { type: DataTypes.DATE, allowNull: false },
    },
    tableOptions('users'),
  );
