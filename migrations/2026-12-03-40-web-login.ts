import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

export const migration: Migration = {
  async up({ context: qi }) {
    // An argon2id hash in PHC string form (src/people/passwords.ts); null: the user cannot log in to the site.
    await qi.addColumn('users', 'password_hash', { type: DataTypes.TEXT, allowNull: true });
    // The site's sessions (express-session's store in the database, src/web/session.ts): a
    // restart logs nobody out, and two processes share them.
    await qi.createTable('web_sessions', {
      sid: { type: DataTypes.STRING(64), primaryKey: true },
      expires: { type: DataTypes.DATE, allowNull: true },
      data: { type: DataTypes.TEXT, allowNull: false },
    });
    await qi.addIndex('web_sessions', ['expires'], { name: 'web_sessions_expires' });
  },
  async down({ context: qi }) {
    await qi.dropTable('web_sessions');
    await qi.removeColumn('users', 'password_hash');
  },
};
